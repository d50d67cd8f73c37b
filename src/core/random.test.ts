import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32, seededPermutation } from './random';

describe('mulberry32', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.slice(0, 5)).not.toEqual(Array.from({ length: 5 }, () => c()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('seededPermutation is a permutation and repeatable', () => {
    const p = seededPermutation(100, 3);
    expect([...p].sort((u, v) => u - v)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(seededPermutation(100, 3)).toEqual(p);
    expect(seededPermutation(100, 4)).not.toEqual(p);
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
  });
});
