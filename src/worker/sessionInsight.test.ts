import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BoardProfile } from '../core/hardware';
import { sessionHarness, tinyRunConfig } from '../testing/sessionHarness';
import type { RunConfig, WorkerEvent } from './protocol';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const lab: BoardProfile = {
  id: 'custom',
  name: 'Lab board',
  core: 'cortex-m0plus',
  clockMHz: 48,
  flashBytes: 256 * 1024,
  ramBytes: 32 * 1024,
  runtimeFlashBytes: 100 * 1024,
  runtimeRamBytes: 8 * 1024,
};

const config = (overrides: Partial<RunConfig> = {}): RunConfig =>
  tinyRunConfig({
    dataset: { kind: 'generated', seed: 1, classes: 3, size: 12, samples: 240 },
    boardId: 'custom',
    customBoard: lab,
    schedule: { totalSteps: 10, warmupFraction: 0.2, pruneFraction: 0.5 },
    ...overrides,
  });

async function run(runConfig: RunConfig): Promise<WorkerEvent[]> {
  const { events, session } = sessionHarness();
  await session.handle({ type: 'init', backends: ['cpu'] });
  await session.handle({ type: 'start', config: runConfig });
  return events;
}

describe('a run on a custom board, and its confusion matrix', () => {
  it("uses the board's own figures, names it in the summary and sends the float matrix first", async () => {
    const events = await run(config());
    const finished = events.findIndex((e) => e.type === 'finished');
    const evaluation = events.findIndex((e) => e.type === 'evaluation');
    expect(finished).toBeGreaterThan(0);
    expect(evaluation).toBeGreaterThan(0);
    expect(evaluation).toBeLessThan(finished);
    const summary = events[finished].type === 'finished' ? events[finished].summary : undefined;
    expect(summary?.boardName).toBe('Lab board');
    expect(summary?.config.customBoard).toEqual(lab);
    const matrix =
      events[evaluation].type === 'evaluation' ? events[evaluation].evaluation : undefined;
    expect(matrix?.model).toBe('float');
    expect(matrix?.counts.reduce((a, b) => a + b, 0)).toBe(matrix?.total);
    expect(matrix?.accuracy).toBeCloseTo(summary!.validationAccuracy, 10);

    // The same network on a 4× faster clock of the same core: a quarter of the latency.
    const fast = await run(config({ customBoard: { ...lab, clockMHz: 192 } }));
    const fastSummary = fast.find((e) => e.type === 'finished');
    if (fastSummary?.type !== 'finished' || !summary) throw new Error('no summary');
    expect(fastSummary.summary.unpruned.latency).toBeCloseTo(summary.unpruned.latency / 4, 6);
  }, 120_000);

  it('refuses an invalid custom board before training, with the reason', async () => {
    const events = await run(config({ customBoard: { ...lab, runtimeRamBytes: lab.ramBytes } }));
    expect(events.some((e) => e.type === 'metrics')).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'notice',
        level: 'error',
        message: expect.stringMatching(/custom board is not valid: Runtime's RAM .* must be less/),
      }),
    );
    expect(events.at(-1)).toEqual({ type: 'runState', state: 'stopped' });
  });
});

describe('a refused checkpoint without a message', () => {
  it('names the error instead of showing "()"', async () => {
    const full = {
      save: async () => {
        throw new DOMException('', 'QuotaExceededError');
      },
      load: async () => undefined,
      keys: async () => [],
      clear: async () => undefined,
    };
    const { events, session } = sessionHarness({ store: full });
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'start', config: config({ boardId: 'stm32f746g-disco' }) });
    const warning = events.find((e) => e.type === 'notice' && /checkpoint/.test(e.message));
    expect(warning?.type === 'notice' && warning.message).toMatch(
      /in this browser \(QuotaExceededError\): training goes on/,
    );
  }, 120_000);
});
