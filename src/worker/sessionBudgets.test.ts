import * as tf from '@tensorflow/tfjs';
import { strFromU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig, WorkerEvent } from './protocol';
import { MemoryCheckpointStore, type CheckpointStore } from './checkpointStore';
import { onlyStored, sessionHarness, tinyRunConfig } from '../testing/sessionHarness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const harness = (store: CheckpointStore = new MemoryCheckpointStore()) => sessionHarness({ store });

const config = (overrides: Partial<RunConfig> = {}): RunConfig =>
  tinyRunConfig({ budgets: { flash: 4000 }, ...overrides });

/** Starts a run and pauses it once it reaches `phase`; `running` settles when the run ends. */
async function pausedIn(h: ReturnType<typeof harness>, phase: 'pruning' | 'finetune') {
  await h.session.handle({ type: 'init', backends: ['cpu'] });
  const running = h.session.handle({ type: 'start', config: config() });
  await h.waitFor((e) => e.type === 'metrics' && e.metrics.phase === phase);
  await h.session.handle({ type: 'pause' });
  await h.waitFor((e) => e.type === 'runState' && e.state === 'paused');
  // Wrapped: an async function returning the promise itself would wait for the run to end.
  return { running };
}

const budgetEvents = (events: WorkerEvent[]) =>
  events.flatMap((e) => (e.type === 'budgets' ? [e] : []));
const finishedSummary = (events: WorkerEvent[]) => {
  const f = events.find((e) => e.type === 'finished');
  if (f?.type !== 'finished') throw new Error('the run did not finish');
  return f.summary;
};

describe('budgets as they were', () => {
  it('records a mid-run change with its step; the summary and the report state the budgets pruned to', async () => {
    const h = harness();
    const { running } = await pausedIn(h, 'pruning');
    await h.session.handle({ type: 'setBudgets', budgets: { flash: 3000 } });
    const [changed] = budgetEvents(h.events);
    expect(changed.refused).toBeUndefined();
    expect(changed.budgets).toEqual({ flash: 3000 });
    const step = changed.history[1].step;
    expect(step).toBeGreaterThanOrEqual(6); // warm-up is the first 6 of 30 steps
    expect(changed.history).toEqual([
      { step: 0, budgets: { flash: 4000 } },
      { step, budgets: { flash: 3000 } },
    ]);
    await h.session.handle({ type: 'resume' });
    await running;
    const summary = finishedSummary(h.events);
    expect(summary.config.budgets).toEqual({ flash: 3000 });
    expect(summary.budgetHistory).toEqual(changed.history);
    expect(summary.resources.flash).toBeLessThanOrEqual(3000);
    await h.session.handle({ type: 'export', format: 'report', requestId: 7 });
    const exported = h.events.find((e) => e.type === 'exported');
    const report = JSON.parse(
      strFromU8(
        new Uint8Array(exported?.type === 'exported' ? exported.bytes : new ArrayBuffer(0)),
      ),
    );
    expect(report.budgets.flashBytes).toBe(3000);
    expect(report.budgetHistory).toEqual([
      { step: 0, budgets: { flashBytes: 4000 } },
      { step, budgets: { flashBytes: 3000 } },
    ]);
  });

  it('refuses a budget below the smallest network mid-run, as a Start would, and keeps the previous one', async () => {
    const h = harness();
    const { running } = await pausedIn(h, 'pruning');
    await h.session.handle({ type: 'setBudgets', budgets: { flash: 100 } });
    const [refusal] = budgetEvents(h.events);
    expect(refusal.refused).toMatch(/^The new budgets were not applied: Budget cannot be met\./);
    expect(refusal.budgets).toEqual({ flash: 4000 });
    const error = h.events.find((e) => e.type === 'notice' && e.level === 'error');
    expect(error?.type === 'notice' && error.message).toMatch(
      /Even with one channel per layer group the model needs [\d.]+ KB flash, over the budget of 0\.1 KB flash/,
    );
    await h.session.handle({ type: 'resume' });
    await running;
    const summary = finishedSummary(h.events);
    expect(summary.config.budgets).toEqual({ flash: 4000 });
    expect(summary.budgetHistory).toEqual([{ step: 0, budgets: { flash: 4000 } }]);
    expect(summary.resources.flash).toBeLessThanOrEqual(4000);
  });

  it('refuses a change once the network was pruned to its final size (fine-tuning)', async () => {
    const h = harness();
    const { running } = await pausedIn(h, 'finetune');
    await h.session.handle({ type: 'setBudgets', budgets: { flash: 9000 } });
    const [refusal] = budgetEvents(h.events);
    expect(refusal.refused).toMatch(/already pruned to its final size/);
    expect(refusal.budgets).toEqual({ flash: 4000 });
    await h.session.handle({ type: 'resume' });
    await running;
    expect(finishedSummary(h.events).config.budgets).toEqual({ flash: 4000 });
  });

  it('a resumed run brings back its budgets in force and their history', async () => {
    const crashed = harness();
    const { running } = await pausedIn(crashed, 'pruning');
    await crashed.session.handle({ type: 'setBudgets', budgets: { flash: 3000 } });
    const history = budgetEvents(crashed.events)[0].history;
    await crashed.session.handle({ type: 'resume' });
    // Saved at the change to fine-tuning; the worker dies there.
    await crashed.waitFor((e) => e.type === 'metrics' && e.metrics.phase === 'finetune');
    await crashed.session.handle({ type: 'pause' });
    const stored = await onlyStored(crashed.store);
    expect(stored?.budgetHistory).toEqual(history);

    const fresh = harness(crashed.store);
    await fresh.session.handle({ type: 'init', backends: ['cpu'] });
    await fresh.session.handle({ type: 'resumeCheckpoint' });
    const resumed = fresh.events.find((e) => e.type === 'resumed');
    expect(resumed?.type === 'resumed' && resumed.config).toMatchObject({
      boardId: 'stm32f746g-disco',
      modelId: 'tiny-cnn',
      budgets: { flash: 3000 },
    });
    expect(resumed?.type === 'resumed' && resumed.budgetHistory).toEqual(history);
    const summary = finishedSummary(fresh.events);
    expect(summary.config.budgets).toEqual({ flash: 3000 });
    expect(summary.budgetHistory).toEqual(history);
    await crashed.session.handle({ type: 'stop' });
    await running;
  });
});
