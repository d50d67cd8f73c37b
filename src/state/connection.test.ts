import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerCommand } from '../worker/protocol';
import { deliver, fromWorker, watchStop } from './connection';
import { makeMetrics, recordingWorker, sliceContext } from './testFixtures';

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

  it('downloads an exported file and clears its request', () => {
    const downloads: string[] = [];
    const { ctx } = sliceContext(
      { exports: { pending: { 7: 'c-array' } } },
      { download: (filename, mime) => downloads.push(`${filename} ${mime}`) },
    );
    deliver(ctx, [
      {
        type: 'exported',
        requestId: 7,
        format: 'c-array',
        filename: 'model.h',
        mime: 'text/x-c',
        bytes: new ArrayBuffer(3),
      },
    ]);
    expect(downloads).toEqual(['model.h text/x-c']);
    expect(ctx.get().exports.pending).toEqual({});
  });
});
