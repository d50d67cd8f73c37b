import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatDateTime,
  formatDelta,
  formatBytes,
  formatDuration,
  formatMacs,
  formatMs,
  formatPercent,
  fromInputUnits,
  fromSliderPosition,
  roundForDisplay,
  toInputUnits,
  toSliderPosition,
} from './format';

describe('unit formatting', () => {
  it('writes bytes in 1024-based B, KB and MB with three significant figures', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(42_189)).toBe('41.2 KB');
    expect(formatBytes(320 * 1024)).toBe('320 KB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatBytes(Number.NaN)).toBe('–');
  });

  it('writes latency in ms, switching to seconds for long ones', () => {
    expect(formatMs(0.4234)).toBe('0.42 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(729.4)).toBe('729 ms');
    expect(formatMs(12_400)).toBe('12.4 s');
  });

  it('writes MACs with k, M and G', () => {
    expect(formatMacs(950)).toBe('950 MACs');
    expect(formatMacs(12_300)).toBe('12.3k MACs');
    expect(formatMacs(18_720_000)).toBe('18.7M MACs');
    expect(formatMacs(2.5e9)).toBe('2.5G MACs');
  });

  it('writes accuracy and remaining time', () => {
    expect(formatPercent(0.9734)).toBe('97.3%');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(-1)).toBe('–');
  });
});

describe('changes in percentage points', () => {
  it('signs a change, rounds to tenths and has no negative zero', () => {
    expect(formatDelta(0.98, 0.972)).toBe('−0.8 pt');
    expect(formatDelta(0.5, 0.504)).toBe('+0.4 pt');
    expect(formatDelta(0.5, 0.49999)).toBe('0.0 pt');
    expect(formatDelta(null, 0.5)).toBe('–');
    expect(formatDelta(0.5, NaN)).toBe('–');
  });
});

describe('budget fields', () => {
  it('shows budgets in KB, ms and M MACs and parses them back to protocol units', () => {
    expect(toInputUnits('flash', 59_392)).toBe('58');
    expect(toInputUnits('ram', 26_700)).toBe('26.1');
    expect(toInputUnits('latency', 182.3)).toBe('182');
    expect(toInputUnits('macs', 4_200_000)).toBe('4.2');
    expect(fromInputUnits('flash', '20')).toBe(20_480);
    expect(fromInputUnits('latency', '2.5')).toBe(2.5);
    expect(fromInputUnits('macs', '0.5')).toBe(500_000);
  });

  it('rejects typed budgets that are not positive numbers', () => {
    for (const text of ['', '-3', '0', 'abc', '1e3', '1,5']) {
      expect(fromInputUnits('flash', text)).toBeUndefined();
    }
  });

  it('maps slider positions on a log scale and back', () => {
    expect(toSliderPosition(1, 1, 1000)).toBe(0);
    expect(toSliderPosition(1000, 1, 1000)).toBe(1000);
    expect(toSliderPosition(10, 1, 1000)).toBe(333);
    expect(toSliderPosition(5000, 1, 1000)).toBe(1000);
    expect(fromSliderPosition(500, 4, 400)).toBeCloseTo(40, 6);
    expect(roundForDisplay(42_187)).toBe(42_200);
    // No binary noise where a slider lands on a decimal figure.
    for (let v = 0.01; v < 1000; v *= 1.037) {
      expect(String(roundForDisplay(v))).toMatch(/^\d+(\.\d{1,4})?$/);
      expect(String(roundForDisplay(v)).replace(/^0\.0*|\./g, '').length).toBeLessThanOrEqual(3);
    }
  });

  it('writes counts with thousands separators exactly as English toLocaleString does', () => {
    for (const n of [0, 7, 999, 1000, 8000, 12_345, 999_999, 1_000_000, 1_234_567_890, -4321]) {
      expect(formatCount(n)).toBe(n.toLocaleString('en'));
    }
    expect(formatCount(1234.6)).toBe('1,235');
    expect(formatCount(Number.NaN)).toBe('–');
  });

  it('writes a moment as en-GB toLocaleString does', () => {
    for (const when of [
      '2026-12-03T14:05:09.000Z',
      '1999-01-31T23:59:59.000Z',
      '2027-07-04T03:02:01.000Z',
      0,
    ]) {
      expect(formatDateTime(when)).toBe(new Date(when).toLocaleString('en-GB'));
    }
    expect(formatDateTime('not a date')).toBe('–');
  });
});
