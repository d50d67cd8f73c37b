import { describe, expect, it } from 'vitest';
import { niceStep, niceTicks, powerOfTen, scaledTicks, stepDecimals, stepTicks } from './ticks';

describe('axis ticks', () => {
  it('uses round steps that cover the data', () => {
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(512)).toEqual([0, 200, 400, 600]);
    expect(niceTicks(466)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(niceTicks(58.3)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(120)).toEqual([0, 25, 50, 75, 100, 125]);
    expect(niceTicks(120, 3)).toEqual([0, 50, 100, 150]);
    expect(niceStep(0)).toBe(1);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('has no binary noise in the ticks or their decimals', () => {
    for (let max = 1e-6; max < 1e9; max *= 1.37) {
      const ticks = niceTicks(max);
      expect(ticks[0]).toBe(0);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max * (1 - 1e-9));
      expect(ticks.length).toBeLessThanOrEqual(6);
      for (const t of ticks) expect(Number(t.toPrecision(3))).toBe(t);
    }
    expect(stepDecimals(0.25)).toBe(2);
    expect(stepDecimals(500)).toBe(0);
  });

  it('writes tiny importances on one shared power of ten, every label distinct', () => {
    const { ticks, exponent, format } = scaledTicks(0.0237);
    expect(exponent).toBe(-2);
    expect(ticks.map(format)).toEqual(['0', '0.5', '1', '1.5', '2', '2.5']);
    expect(powerOfTen(exponent)).toBe('×10⁻²');
    for (let max = 1e-7; max < 1e8; max *= 1.21) {
      const s = scaledTicks(max);
      const labels = s.ticks.map(s.format);
      expect(new Set(labels).size, `max ${max}: ${labels.join(', ')}`).toBe(labels.length);
      for (const l of labels) expect(l.length).toBeLessThanOrEqual(5);
    }
  });

  it('keeps plain numbers for everyday magnitudes', () => {
    const s = scaledTicks(0.8);
    expect(s.exponent).toBe(0);
    expect(s.ticks.map(s.format)).toEqual(['0', '0.2', '0.4', '0.6', '0.8']);
  });

  it('keeps step ticks within the run', () => {
    expect(stepTicks(120, 3)).toEqual([0, 50, 100]);
    expect(stepTicks(400)).toEqual([0, 100, 200, 300, 400]);
    expect(stepTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
  });
});
