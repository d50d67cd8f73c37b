import { describe, expect, it } from 'vitest';
import { sanitizeCIdentifier, toCArray } from './carray';

describe('C array export', () => {
  it('writes every byte, in order, with the length and 16-byte alignment', () => {
    const bytes = Uint8Array.from({ length: 30 }, (_, i) => (i * 37) & 0xff);
    const { header, source, arrayName, lengthName } = toCArray(bytes);
    expect(arrayName).toBe('g_model_data');
    expect(lengthName).toBe('g_model_data_len');
    expect(source).toContain('alignas(16) const unsigned char g_model_data[] = {');
    expect(source).toContain('const unsigned int g_model_data_len = 30;');
    expect(source).toContain('#include "model_data.h"');
    const body = source.slice(source.indexOf('{') + 1, source.indexOf('};'));
    const parsed = body.match(/0x[0-9a-f]{2}/g)?.map((h) => parseInt(h, 16));
    expect(parsed).toEqual(Array.from(bytes));
    expect(
      body
        .trim()
        .split('\n')[0]
        .split(',')
        .filter((s) => s.trim()).length,
    ).toBe(12);
    expect(header).toContain('extern const unsigned char g_model_data[];');
    expect(header).toContain('extern const unsigned int g_model_data_len;');
    expect(header).toMatch(/#ifndef MODEL_DATA_H_[\s\S]*#endif/);
  });

  it('sanitises names into C identifiers', () => {
    expect(sanitizeCIdentifier('my model-v2.tflite')).toBe('my_model_v2_tflite');
    expect(sanitizeCIdentifier('2nd')).toBe('_2nd');
    expect(sanitizeCIdentifier('int')).toBe('int_');
    expect(sanitizeCIdentifier('')).toBe('model');
    const files = toCArray(Uint8Array.of(1), { arrayName: 'kws model', baseName: 'kws-model' });
    expect(files.source).toContain('const unsigned char kws_model[] = {');
    expect(files.source).toContain('const unsigned int kws_model_len = 1;');
    expect(files.headerFileName).toBe('kws_model.h');
  });

  it('refuses to write an empty model', () => {
    expect(() => toCArray(undefined)).toThrow(/Nothing to export/);
    expect(() => toCArray(new Uint8Array(0))).toThrow(/Nothing to export/);
  });
});
