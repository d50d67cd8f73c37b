import { afterEach, describe, expect, it, vi } from 'vitest';
import { downloadInPage } from './download';

describe('downloadInPage', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('clicks a link to an object URL of the bytes, then frees the URL once the browser has it', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const anchor = {
      href: '',
      download: '',
      click: () => events.push(`click ${anchor.download} ${anchor.href}`),
      remove: () => events.push('remove'),
    };
    vi.stubGlobal('document', {
      createElement: (tag: string) => (tag === 'a' ? anchor : undefined),
      body: { appendChild: () => events.push('append') },
    });
    let blob: Blob | undefined;
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blob = b as Blob;
      return 'blob:page/1';
    });
    const revoked: string[] = [];
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void revoked.push(url));

    downloadInPage('model.tflite', 'application/octet-stream', new Uint8Array([1, 2, 3]).buffer);
    expect(events).toEqual(['append', 'click model.tflite blob:page/1', 'remove']);
    expect(blob?.type).toBe('application/octet-stream');
    expect([...new Uint8Array(await blob!.arrayBuffer())]).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(9_999);
    expect(revoked).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(revoked).toEqual(['blob:page/1']);
  });
});
