import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerCommand } from '../worker/protocol';
import { deliver, fromWorker, watchStop } from './connection';
import { makeMetrics, recordingWorker } from '../testing/runFixtures';
import { sliceContext } from './testing/sliceContext';

describe('connection on a plain context', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('ends a worker silent for the step time limit and starts a new one', () => {
    const next: WorkerCommand[] = [];
    const { ctx, pushed } = sliceContext({}, { createWorker: recordingWorker(next) });
    const first = ctx.link.worker;
    fromWorker(ctx, { type: 'runState', state: 'running' });
    expect(pushed).toEqual([{ type: 'runState', state: 'running' }]);
    vi.advanceTimersByTime(ctx.link.stepTimeLimitMs - 1);
    expect(ctx.link.worker).toBe(first);
    vi.advanceTimersByTime(1);
    expect(ctx.link.worker).not.toBe(first);
    expect(next.map((c) => c.type)).toEqual(['init', 'queryCheckpoint', 'loadDataset']);
    expect(ctx.get().notices.at(-1)?.message).toMatch(/^A training step ran for more than 120 s/);
  });

  it('after Stop, a worker that goes on talking gets the grace time again; a silent one is ended', () => {
    const next: WorkerCommand[] = [];
    const { ctx } = sliceContext({}, { createWorker: recordingWorker(next) });
    const first = ctx.link.worker;
    fromWorker(ctx, { type: 'runState', state: 'running' });
    watchStop(ctx);
    vi.advanceTimersByTime(ctx.link.stopGraceMs - 1);
    fromWorker(ctx, { type: 'metrics', metrics: makeMetrics(3) });
    vi.advanceTimersByTime(ctx.link.stopGraceMs - 1);
    expect(ctx.link.worker).toBe(first);
    vi.advanceTimersByTime(1);
    expect(ctx.link.worker).not.toBe(first);
    expect(ctx.get().notices.at(-1)?.message).toMatch(/^The run did not stop within 5 s/);
  });

  it('a worker that says it stopped is not ended', () => {
    const { ctx } = sliceContext({}, { createWorker: recordingWorker([]) });
    const first = ctx.link.worker;
    fromWorker(ctx, { type: 'runState', state: 'running' });
    watchStop(ctx);
    fromWorker(ctx, { type: 'runState', state: 'stopped' });
    vi.advanceTimersByTime(ctx.link.stepTimeLimitMs * 2);
    expect(ctx.link.worker).toBe(first);
    expect(ctx.get().notices).toEqual([]);
  });

  it('shows the budgets still in force when the worker refused new ones', () => {
    const { ctx } = sliceContext();
    const defaults = ctx.get().budgetDefaults;
    deliver(ctx, [
      { type: 'budgets', budgets: { flash: 50_000 }, history: [], refused: 'below the smallest' },
    ]);
    expect(ctx.get().config.budgets).toEqual({ flash: 50_000 });
    expect(ctx.get().budgetDefaults).toBe(defaults);
    deliver(ctx, [{ type: 'budgets', budgets: { flash: 40_000 }, history: [] }]);
    expect(ctx.get().config.budgets).toEqual({ flash: 50_000 });
  });
});
