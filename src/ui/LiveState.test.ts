import { describe, expect, it } from 'vitest';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS, REDRAW_BUDGET, redrawInterval } from './LiveState';

describe('redrawInterval', () => {
  it('redraws a cheap chart every MIN_INTERVAL_MS', () => {
    expect(redrawInterval(0)).toBe(MIN_INTERVAL_MS);
    expect(redrawInterval(MIN_INTERVAL_MS / REDRAW_BUDGET)).toBe(MIN_INTERVAL_MS);
  });

  it('gives a slow chart at most 1 / REDRAW_BUDGET of the main thread, up to a cap', () => {
    expect(redrawInterval(60)).toBe(60 * REDRAW_BUDGET);
    const share = (ms: number) => ms / redrawInterval(ms);
    for (const ms of [1, 10, 30, 60, 100]) expect(share(ms)).toBeLessThanOrEqual(1 / REDRAW_BUDGET);
    expect(redrawInterval(500)).toBe(MAX_INTERVAL_MS);
  });
});
