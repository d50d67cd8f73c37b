import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBatcher } from './batcher';

type E = { throttled: boolean; n: number };

describe('EventBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('delivers throttled events at most once per interval, in order and in batches', () => {
    const batches: number[][] = [];
    const b = new EventBatcher<E>(
      (es) => batches.push(es.map((e) => e.n)),
      (e) => e.throttled,
      200,
    );
    // 60 events a second for one second.
    for (let i = 0; i < 60; i++) {
      b.push({ throttled: true, n: i });
      vi.advanceTimersByTime(1000 / 60);
    }
    vi.advanceTimersByTime(200);
    expect(batches.length).toBeLessThanOrEqual(6);
    expect(batches.flat()).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('flushes queued events together with an urgent one, keeping their order', () => {
    const batches: number[][] = [];
    const b = new EventBatcher<E>(
      (es) => batches.push(es.map((e) => e.n)),
      (e) => e.throttled,
      200,
    );
    b.push({ throttled: true, n: 1 });
    b.push({ throttled: true, n: 2 });
    b.push({ throttled: false, n: 3 });
    expect(batches).toEqual([[1, 2, 3]]);
    vi.advanceTimersByTime(1000);
    expect(batches).toEqual([[1, 2, 3]]);
  });
});
