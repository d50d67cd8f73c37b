import { describe, expect, it } from 'vitest';
import { BASE_DEFAULTS, type StudioConfig } from './config';
import { CUSTOM_BOARD_ID } from '../core/hardware';
import { PROPERTIES, encodeConfigHash, parseConfigHash } from './hash';

const budgetsFor = () => ({ flash: 50_000, ram: 20_000, latency: 100 });
const parse = (hash: string) => parseConfigHash(hash, budgetsFor);

const sample: StudioConfig = {
  dataset: { kind: 'generated', seed: 7, classes: 6, size: 24, samples: 900, style: 'textured' },
  modelId: 'tiny-cnn',
  widthMultiplier: 0.75,
  boardId: 'esp32-s3',
  budgets: { flash: 12_288, latency: 2.5, macs: 300_000 },
  schedule: { totalSteps: 250, warmupFraction: 0.1, pruneFraction: 0.6 },
  batchSize: 16,
  learningRate: 0.01,
  seed: 42,
  backend: 'wasm',
};

/** Every key of the table set to something other than its default. */
const everyKey: StudioConfig = {
  ...sample,
  boardId: CUSTOM_BOARD_ID,
  customBoard: {
    id: CUSTOM_BOARD_ID,
    name: 'My F411 board',
    core: 'cortex-m33',
    clockMHz: 84.5,
    flashBytes: 512 * 1024,
    ramBytes: 128 * 1024,
    runtimeFlashBytes: 100_000,
    runtimeRamBytes: 12_000,
  },
  budgets: { flash: 12_288, ram: 30_000, latency: 2.5, macs: 300_000 },
};

describe('URL hash property table', () => {
  it('writes every key of the table for a configuration that uses them all', () => {
    const written = [...new URLSearchParams(encodeConfigHash(everyKey)).keys()];
    expect(written.sort()).toEqual(PROPERTIES.map((p) => p.key).sort());
  });

  it('round-trips every key', () => {
    const { config, problems } = parse(`#${encodeConfigHash(everyKey)}`);
    expect(problems).toEqual([]);
    expect(config).toEqual(everyKey);
  });

  // Each key on its own (with the keys it depends on) changes exactly its own field.
  for (const property of PROPERTIES) {
    it(`reads "${property.key}" on its own`, () => {
      const all = new URLSearchParams(encodeConfigHash(everyKey));
      const context = new URLSearchParams();
      if (/^g/.test(property.key)) context.set('data', 'generated');
      if (/^c/.test(property.key)) context.set('board', CUSTOM_BOARD_ID);
      const before = parse(`#${context.toString()}`).config;
      context.set(property.key, all.get(property.key)!);
      const { config, problems } = parse(`#${context.toString()}`);
      expect(problems).toEqual([]);
      expect(property.get(config)).toEqual(property.get(everyKey));
      expect(property.get(config)).not.toEqual(property.get(before));
    });
  }

  it('writes numbers at the precision they mean, never binary noise', () => {
    const noisy: StudioConfig = {
      ...sample,
      widthMultiplier: 0.1 + 0.2,
      learningRate: 0.1 + 0.2,
      schedule: { totalSteps: 250, warmupFraction: 0.1 + 0.2, pruneFraction: 0.6 },
      budgets: { latency: 123.10000000000001, flash: 12_288.4, macs: 0.7000000000000001 * 1e6 },
    };
    const link = new URLSearchParams(encodeConfigHash(noisy));
    expect(link.get('width')).toBe('0.3');
    expect(link.get('lr')).toBe('0.3');
    expect(link.get('warmup')).toBe('0.3');
    expect(link.get('latency')).toBe('123.1');
    expect(link.get('flash')).toBe('12288');
    expect(link.get('macs')).toBe('700000');
  });

  it('rounds what a hand-written link says to the same precision', () => {
    const { config, problems } = parse('#latency=123.10000000000001&lr=0.0020000000001');
    expect(problems).toEqual([]);
    expect(config.budgets.latency).toBe(123.1);
    expect(config.learningRate).toBe(0.002);
  });

  it('leaves the custom board out of links for a preset board', () => {
    const link = encodeConfigHash({ ...everyKey, boardId: 'esp32-s3' });
    expect(link).not.toMatch(/cname|cflash/);
    expect(parse(`#${link}`).config.customBoard).toBeUndefined();
  });

  it('ignores custom-board keys unless the board is the custom one', () => {
    const { config } = parse('#board=esp32-s3&cflash=2048000');
    expect(config.customBoard).toBeUndefined();
  });

  it('checks custom-board fields one by one and keeps the good ones', () => {
    const { config, problems } = parse(
      '#board=custom&cname=Lab%20board&cclock=0&ccore=z80&cram=65536&cflash=abc',
    );
    expect(config.customBoard).toMatchObject({ name: 'Lab board', ramBytes: 65536 });
    expect(config.customBoard?.clockMHz).toBe(100);
    expect(config.customBoard?.core).toBe('cortex-m4');
    expect(problems.join(' ')).toMatch(/"cclock" must be between 1 and 2000, got 0/);
    expect(problems.join(' ')).toMatch(/Unknown core family "z80" in "ccore"/);
    expect(problems.join(' ')).toMatch(/"cflash" must be a number, got "abc"/);
    expect(problems).toHaveLength(3);
  });

  it("refuses a runtime that takes all of a custom board's flash and says so", () => {
    const { config, problems } = parse('#board=custom&cflash=65536&crtflash=65536');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/Runtime's flash \(64 KB\) must be less than the board's flash/);
    expect(config.customBoard?.flashBytes).toBeGreaterThan(config.customBoard!.runtimeFlashBytes);
  });

  it('refuses an empty or overlong custom board name', () => {
    for (const name of ['%20%20', 'x'.repeat(41)]) {
      const { config, problems } = parse(`#board=custom&cname=${name}`);
      expect(config.customBoard?.name).toBe('Custom board');
      expect(problems[0]).toMatch(/"cname" must be 1 to 40 characters/);
    }
  });
});

describe('URL hash configuration', () => {
  it('rejects an unknown backend and keeps the automatic choice', () => {
    const { config, problems } = parse('#backend=tpu&model=tiny-cnn');
    expect(config.backend).toBe('auto');
    expect(config.modelId).toBe('tiny-cnn');
    expect(problems.join(' ')).toMatch(/backend/);
  });

  it('round-trips a full configuration, including "no limit" budgets', () => {
    const { config, problems } = parse(`#${encodeConfigHash(sample)}`);
    expect(problems).toEqual([]);
    expect(config).toEqual(sample);
  });

  it('gives the defaults (and board-preset budgets) for an empty hash, without complaint', () => {
    for (const hash of ['', '#']) {
      const { config, problems } = parse(hash);
      expect(problems).toEqual([]);
      expect(config).toEqual({ ...BASE_DEFAULTS, budgets: budgetsFor() });
    }
  });

  it('reads the built-in dataset and ignores generated-set fields for it', () => {
    const { config } = parse('#data=mnist&model=mnist-cnn');
    expect(config.dataset).toEqual({ kind: 'mnist' });
  });

  it('rejects wrong types field by field and keeps the valid fields', () => {
    const { config, problems } = parse('#model=tiny-cnn&width=wide&batch=3.5&seed=1e400&lr=0x10');
    expect(config.modelId).toBe('tiny-cnn');
    expect(config.widthMultiplier).toBe(BASE_DEFAULTS.widthMultiplier);
    expect(config.batchSize).toBe(BASE_DEFAULTS.batchSize);
    expect(config.seed).toBe(BASE_DEFAULTS.seed);
    expect(config.learningRate).toBe(BASE_DEFAULTS.learningRate);
    expect(problems).toHaveLength(4);
    expect(problems.join(' ')).toMatch(/"width" must be a number, got "wide"/);
    expect(problems.join(' ')).toMatch(/"batch" must be a whole number/);
  });

  it('rejects negative, zero and out-of-range budgets and falls back to the preset budget', () => {
    const { config, problems } = parse('#flash=-5&ram=0&latency=1e9&macs=12');
    expect(config.budgets).toEqual({ flash: 50_000, ram: 20_000, latency: 100, macs: 12 });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/"flash" must be between .* got -5; using the default 50000/);
  });

  it('says "no limit" when a bad budget has no preset to fall back to', () => {
    const { config, problems } = parse('#macs=lots');
    expect(config.budgets.macs).toBeUndefined();
    expect(problems[0]).toMatch(/using no limit/);
  });

  it('rejects unknown models, boards and dataset kinds by name', () => {
    const { config, problems } = parse('#model=resnet999&board=arduino-uno&data=imagenet');
    expect(config.modelId).toBe(BASE_DEFAULTS.modelId);
    expect(config.boardId).toBe(BASE_DEFAULTS.boardId);
    expect(config.dataset).toEqual({ kind: 'mnist' });
    expect(problems.join(' ')).toMatch(/Unknown model "resnet999"/);
    expect(problems.join(' ')).toMatch(/Unknown board "arduino-uno"/);
    expect(problems.join(' ')).toMatch(/Unknown dataset "imagenet"/);
  });

  it('rejects a schedule whose warm-up and pruning shares exceed the run', () => {
    const { config, problems } = parse('#warmup=0.6&prune=0.6');
    expect(config.schedule).toEqual(BASE_DEFAULTS.schedule);
    expect(problems[0]).toMatch(/must not exceed 1/);
  });

  it('checks the generated-set fields against their ranges', () => {
    const { config, problems } = parse('#data=generated&gclasses=50&gsize=16&gsamples=-1');
    expect(config.dataset).toMatchObject({
      kind: 'generated',
      classes: 4,
      size: 16,
      samples: 2000,
    });
    expect(problems).toHaveLength(2);
  });

  it('carries the generated set’s style, with the style’s own defaults for keys it lacks', () => {
    const textured = parse('#data=generated&gstyle=textured&gsamples=500');
    expect(textured.problems).toEqual([]);
    expect(textured.config.dataset).toEqual({
      kind: 'generated',
      style: 'textured',
      seed: 1,
      classes: 10,
      size: 32,
      samples: 500,
    });
    const again = parse(`#${encodeConfigHash(textured.config)}`);
    expect(again.config.dataset).toEqual(textured.config.dataset);
    // The plain style is the default: its links stay as they were before the option.
    const plain = parse('#data=generated&gsamples=500').config;
    expect(encodeConfigHash(plain)).not.toContain('gstyle');
    const bad = parse('#data=generated&gstyle=sparkly');
    expect(bad.config.dataset).toMatchObject({ kind: 'generated', size: 16, classes: 4 });
    expect(bad.problems.join(' ')).toMatch(/sparkly/);
  });

  it('survives garbage: defaults everywhere, one message about the unknown settings', () => {
    for (const garbage of [
      '#%%%E0%A4%A',
      '#<script>alert(1)</script>',
      '#=&&==&',
      `#${'x'.repeat(5000)}`,
    ]) {
      const { config, problems } = parse(garbage);
      expect(config).toEqual({ ...BASE_DEFAULTS, budgets: budgetsFor() });
      expect(problems.length).toBeLessThanOrEqual(1);
      for (const p of problems) expect(p.length).toBeLessThan(200);
    }
  });

  it('uses the parsed model and board when asking for default budgets', () => {
    const seen: string[] = [];
    parseConfigHash('#model=tiny-cnn&board=esp32-s3', (c) => {
      seen.push(`${c.modelId}@${c.boardId}`);
      return {};
    });
    expect(seen).toEqual(['tiny-cnn@esp32-s3']);
  });
});
