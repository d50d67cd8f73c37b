import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  PlotSvg,
  hoverValues,
  keyedX,
  linePath,
  linearScale,
  nearestIndex,
  scalesFor,
  type PlotLine,
  type PlotYAxis,
} from './Plot';

describe('the live charts’ SVG', () => {
  it('maps a domain onto a range, flipped ranges too, and a flat domain to its start', () => {
    const y = linearScale([0, 1], [200, 10]);
    expect([y(0), y(0.5), y(1)]).toEqual([200, 105, 10]);
    expect(linearScale([2, 2], [5, 50])(7)).toBe(5);
  });

  it('draws a line through the points and breaks it where a value is missing', () => {
    const id = (v: number) => v;
    expect(
      linePath(
        [
          [0, 1],
          [1, 2.04],
          [2, 3],
        ],
        id,
        id,
      ),
    ).toBe('M0,1L1,2L2,3');
    expect(
      linePath(
        [
          [0, 1],
          [1, NaN],
          [2, 3],
          [3, 4],
        ],
        id,
        id,
      ),
    ).toBe('M0,1M2,3L3,4');
    expect(linePath([], id, id)).toBe('');
  });

  it('finds the nearest point by x, at the ends and between points', () => {
    const points = [
      [0, 0],
      [10, 0],
      [20, 0],
      [40, 0],
    ] as const;
    expect([-5, 4, 6, 14.9, 31, 100].map((at) => nearestIndex(points, at))).toEqual([
      0, 0, 1, 1, 3, 3,
    ]);
    expect(nearestIndex([], 3)).toBe(-1);
  });

  it('moves the read-out by key, one point at a time, past repeated steps', () => {
    const points = [
      [1, 0],
      [2, 0],
      [2, 0],
      [5, 0],
    ] as const;
    expect(keyedX(points, undefined, 'ArrowLeft')).toBe(5);
    expect(keyedX(points, undefined, 'ArrowRight')).toBe(1);
    expect(keyedX(points, 5, 'ArrowLeft')).toBe(2);
    expect(keyedX(points, 2, 'ArrowLeft')).toBe(1);
    expect(keyedX(points, 1, 'ArrowLeft')).toBe(1);
    expect(keyedX(points, 2, 'ArrowRight')).toBe(5);
    expect(keyedX(points, 5, 'ArrowRight')).toBe(5);
    expect([keyedX(points, 2, 'Home'), keyedX(points, 2, 'End')]).toEqual([1, 5]);
    expect(keyedX(points, 2, 'Enter')).toBeUndefined();
    expect(keyedX([], undefined, 'End')).toBeUndefined();
  });

  it('reads every line at the nearest step, a sparse line only near its own points', () => {
    const steps = Array.from({ length: 21 }, (_, i) => [i, i / 10] as const);
    const lines: PlotLine[] = [
      { name: 'loss', colour: '#000', points: steps },
      {
        name: 'validation',
        colour: '#0a0',
        points: [
          [0, 0.1],
          [10, 0.8],
          [20, 0.9],
        ],
      },
    ];
    const at10 = hoverValues(lines, 10.3)!;
    expect(at10.x).toBe(10);
    expect(at10.values.map((v) => [v.line.name, v.value])).toEqual([
      ['loss', 1],
      ['validation', 0.8],
    ]);
    // Step 3 has no validation point within half a step (the loss line's spacing).
    expect(hoverValues(lines, 3)!.values.map((v) => v.line.name)).toEqual(['loss']);
    expect(hoverValues(lines, 19.8)!.values.map((v) => v.value)).toEqual([2, 0.9]);
    expect(hoverValues([{ name: 'x', colour: '#000', points: [] }], 3)).toBeUndefined();
  });

  it('puts the tick labels where the scales say, left and right axes outside the plot', () => {
    const yAxes: PlotYAxis[] = [
      { side: 'left', width: 40, domain: [0, 2], ticks: [0, 1, 2] },
      { side: 'right', width: 30, domain: [0, 1], ticks: [0, 1], format: (v) => `${v * 100}%` },
    ];
    const margin = { top: 10, right: 5, bottom: 4, left: 0 };
    const x = { domain: [0, 100] as const, ticks: [0, 50, 100] };
    const s = scalesFor(300, 200, margin, x, yAxes);
    expect([s.left, s.right, s.top]).toEqual([40, 265, 10]);
    expect(s.bottom).toBe(200 - 4 - 24);
    expect(s.x(50)).toBeCloseTo((40 + 265) / 2);
    const html = renderToStaticMarkup(
      createElement(PlotSvg, {
        width: 300,
        height: 200,
        margin,
        x,
        yAxes,
        label: 'Test plot',
        children: (sc) =>
          createElement('path', {
            d: linePath(
              [
                [0, 0],
                [100, 2],
              ],
              sc.x,
              sc.y[0],
            ),
          }),
      }),
    );
    const labels = (cls: string) =>
      [...html.matchAll(new RegExp(`class="${cls}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);
    expect(labels('plot-x-tick')).toEqual(['0', '50', '100']);
    expect(labels('plot-y-tick')).toEqual(['0', '1', '2', '0%', '100%']);
    expect(html).toContain(`d="M40,${s.bottom}L265,10"`);
    expect(html).toContain('aria-label="Test plot"');
    // The right axis's labels start right of the plot area.
    const rightLabel = /<text class="plot-y-tick" x="([\d.]+)"[^>]*>100%/.exec(html)!;
    expect(Number(rightLabel[1])).toBeGreaterThan(265);
  });
});
