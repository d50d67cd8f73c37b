import { describe, expect, it } from 'vitest';
import { BASE_DEFAULTS, type StudioConfig } from './config';
import { encodeConfigHash, parseConfigHash } from './hash';

const budgetsFor = () => ({ flash: 50_000, ram: 20_000, latency: 100 });
const parse = (hash: string) => parseConfigHash(hash, budgetsFor);

const sample: StudioConfig = {
  dataset: { kind: 'generated', seed: 7, classes: 6, size: 24, samples: 900 },
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
