import {
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type ReactNode,
  type Ref,
} from 'react';

/**
 * The live charts' own SVG: axes, grid, lines, bars and a hover read-out, drawn by React in a
 * millisecond or two. A recharts chart costs 10–22 ms of a quiet core per data change (its
 * store and selectors re-run whatever changed, bench/results/main-thread.md) and several times
 * that while a run's threads hold the cores, which is what kept the main thread's tasks over
 * 50 ms during a run. The charts that do not follow a run stay on recharts.
 */

export interface PlotAxis {
  domain: readonly [number, number];
  ticks: readonly number[];
  format?: (v: number) => string;
}

export interface PlotYAxis extends PlotAxis {
  side: 'left' | 'right';
  /** Room for the tick labels, px. */
  width: number;
}

export interface PlotMargin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** Maps [d0, d1] onto [r0, r1]; a flat domain maps everything to r0. */
export function linearScale(
  [d0, d1]: readonly [number, number],
  [r0, r1]: readonly [number, number],
): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Coordinates rounded to a tenth of a pixel: shorter paths, nothing visible lost. */
const px = (v: number) => Math.round(v * 10) / 10;

/**
 * An SVG path through the points, in order; a point whose y is not a finite number breaks
 * the line (a gap) rather than dropping it to zero.
 */
export function linePath(
  points: readonly (readonly [number, number])[],
  x: (v: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  let pen = false;
  for (const [px0, py0] of points) {
    if (!Number.isFinite(py0) || !Number.isFinite(px0)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(x(px0))},${px(y(py0))}`;
    pen = true;
  }
  return d;
}

/** The index of the point whose x is nearest `at` (points sorted by x); -1 when none. */
export function nearestIndex(points: readonly (readonly [number, number])[], at: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] <= at) lo = mid;
    else hi = mid;
  }
  return Math.abs(points[hi][0] - at) < Math.abs(points[lo][0] - at) ? hi : lo;
}

/**
 * Where a key moves the read-out along points sorted by x: the next point right of `current`
 * or left of it (the last or first one when there is none yet), Home and End the ends;
 * undefined for any other key, or when there are no points.
 */
export function keyedX(
  points: readonly (readonly [number, number])[],
  current: number | undefined,
  key: string,
): number | undefined {
  if (points.length === 0) return undefined;
  const xs = points.map((p) => p[0]);
  switch (key) {
    case 'Home':
      return xs[0];
    case 'End':
      return xs[xs.length - 1];
    case 'ArrowRight':
      return current === undefined ? xs[0] : (xs.find((x) => x > current) ?? xs[xs.length - 1]);
    case 'ArrowLeft':
      return current === undefined ? xs[xs.length - 1] : (xs.findLast((x) => x < current) ?? xs[0]);
    default:
      return undefined;
  }
}

export interface PlotScales {
  x: (v: number) => number;
  /** One per y axis, in the order given. */
  y: ((v: number) => number)[];
  /** The plot area, px. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The width an element is laid out at, followed as it changes (0 until it is laid out). */
export function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

export function plotScales(
  width: number,
  height: number,
  margin: PlotMargin,
  x: PlotAxis,
  yAxes: readonly PlotYAxis[],
): PlotScales {
  const leftAxes = yAxes.filter((a) => a.side === 'left').reduce((s, a) => s + a.width, 0);
  const rightAxes = yAxes.filter((a) => a.side === 'right').reduce((s, a) => s + a.width, 0);
  const left = margin.left + leftAxes;
  const right = Math.max(left + 1, width - margin.right - rightAxes);
  const top = margin.top;
  const bottom = Math.max(top + 1, height - margin.bottom);
  return {
    x: linearScale(x.domain, [left, right]),
    y: yAxes.map((a) => linearScale(a.domain, [bottom, top])),
    left,
    right,
    top,
    bottom,
  };
}

const X_AXIS_HEIGHT = 24;
const TICK = 5;

/** The scales of a PlotSvg of this size: the margins plus the x axis's labels below. */
export function scalesFor(
  width: number,
  height: number,
  margin: PlotMargin,
  x: PlotAxis,
  yAxes: readonly PlotYAxis[],
): PlotScales {
  return plotScales(width, height, { ...margin, bottom: margin.bottom + X_AXIS_HEIGHT }, x, yAxes);
}

/**
 * Grid, axes and tick labels around what `children` draws with the scales; `overlay` is drawn
 * last (a hover line). Tick labels carry the classes plot-x-tick and plot-y-tick.
 */
export function PlotSvg({
  width,
  height,
  margin,
  x,
  yAxes,
  verticalGrid = true,
  label,
  children,
  onPointer,
}: {
  width: number;
  height: number;
  margin: PlotMargin;
  x: PlotAxis;
  yAxes: readonly PlotYAxis[];
  verticalGrid?: boolean;
  /** What the drawing shows, for a screen reader (the card's text says it in full). */
  label: string;
  children: (scales: PlotScales) => ReactNode;
  /** Pointer over the plot at data x (undefined: it left). */
  onPointer?: (x: number | undefined) => void;
}) {
  const s = scalesFor(width, height, margin, x, yAxes);
  const fx = x.format ?? String;
  const grid = yAxes[0];
  let leftEdge = s.left;
  let rightEdge = s.right;
  const axisX = yAxes.map((a) => {
    if (a.side === 'left') {
      const at = leftEdge;
      leftEdge -= a.width;
      return at;
    }
    const at = rightEdge;
    rightEdge += a.width;
    return at;
  });
  const pointer = onPointer
    ? (e: PointerEvent<SVGRectElement>) => {
        const box = e.currentTarget.ownerSVGElement?.getBoundingClientRect();
        if (!box) return;
        const px0 = e.clientX - box.left;
        const [d0, d1] = x.domain;
        const at = d0 + ((px0 - s.left) / Math.max(1, s.right - s.left)) * (d1 - d0);
        onPointer(Math.min(Math.max(at, Math.min(d0, d1)), Math.max(d0, d1)));
      }
    : undefined;
  return (
    <svg className="plot-svg" width={width} height={height} role="img" aria-label={label}>
      <g className="plot-grid" stroke="#e3e6ea">
        {grid?.ticks.map((t) => (
          <line key={`h${t}`} x1={s.left} x2={s.right} y1={px(s.y[0](t))} y2={px(s.y[0](t))} />
        ))}
        {verticalGrid &&
          x.ticks.map((t) => (
            <line key={`v${t}`} x1={px(s.x(t))} x2={px(s.x(t))} y1={s.top} y2={s.bottom} />
          ))}
      </g>
      <g className="plot-axis" stroke="#666">
        <line x1={s.left} x2={s.right} y1={s.bottom} y2={s.bottom} />
        {x.ticks.map((t) => (
          <line key={t} x1={px(s.x(t))} x2={px(s.x(t))} y1={s.bottom} y2={s.bottom + TICK} />
        ))}
        {yAxes.map((a, i) => (
          <g key={i}>
            <line x1={axisX[i]} x2={axisX[i]} y1={s.top} y2={s.bottom} />
            {a.ticks.map((t) => {
              const y = px(s.y[i](t));
              const out = a.side === 'left' ? -TICK : TICK;
              return <line key={t} x1={axisX[i]} x2={axisX[i] + out} y1={y} y2={y} />;
            })}
          </g>
        ))}
      </g>
      <g className="plot-labels">
        {x.ticks.map((t) => (
          <text
            key={t}
            className="plot-x-tick"
            x={px(s.x(t))}
            y={s.bottom + TICK + 3}
            textAnchor="middle"
            dominantBaseline="hanging"
          >
            {fx(t)}
          </text>
        ))}
        {yAxes.map((a, i) =>
          a.ticks.map((t) => (
            <text
              key={`${i}-${t}`}
              className="plot-y-tick"
              x={axisX[i] + (a.side === 'left' ? -TICK - 3 : TICK + 3)}
              y={px(s.y[i](t))}
              textAnchor={a.side === 'left' ? 'end' : 'start'}
              dominantBaseline="middle"
            >
              {(a.format ?? String)(t)}
            </text>
          )),
        )}
      </g>
      {children(s)}
      {pointer && (
        <rect
          className="plot-hover-area"
          x={s.left}
          y={s.top}
          width={s.right - s.left}
          height={s.bottom - s.top}
          fill="transparent"
          onPointerMove={pointer}
          onPointerDown={pointer}
          onPointerLeave={() => onPointer?.(undefined)}
        />
      )}
    </svg>
  );
}

export interface PlotLine {
  name: string;
  colour: string;
  /** Sorted by x. */
  points: readonly (readonly [number, number])[];
  /** Index into the plot's y axes (default 0). */
  axis?: number;
  strokeWidth?: number;
  /** Draw a dot at every point (few points: validation accuracy). */
  dots?: boolean;
}

export interface PlotReference {
  y: number;
  axis?: number;
  colour: string;
  dash?: string;
}

/**
 * A plot's focusable frame: arrow keys, Home and End move the read-out along `points` (see
 * keyedX), Escape and leaving the plot close it.
 */
function PlotFrame({
  frameRef,
  height,
  label,
  points,
  current,
  onHover,
  children,
}: {
  frameRef: Ref<HTMLDivElement>;
  height: number;
  label: string;
  /** The x positions the keys step through (called on a key press only). */
  points: () => readonly (readonly [number, number])[];
  current: number | undefined;
  onHover: (x: number | undefined) => void;
  children: ReactNode;
}) {
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') onHover(undefined);
    const next = keyedX(points(), current, e.key);
    if (next === undefined) return;
    e.preventDefault();
    onHover(next);
  };
  return (
    <div
      className="plot"
      ref={frameRef}
      style={{ minHeight: height }}
      tabIndex={0}
      aria-label={label}
      onKeyDown={onKeyDown}
      onBlur={() => onHover(undefined)}
    >
      {children}
    </div>
  );
}

/**
 * A line chart at the width of its container: grid, axes, one path per line, dashed
 * reference lines, an optional legend, and the values at the pointer's x (nearest point of
 * each line) while the pointer is over it.
 */
export function LinePlot({
  height,
  margin,
  x,
  yAxes,
  lines,
  references = [],
  legend,
  label,
  xLabel = 'step',
  formatValue = (v) => v.toFixed(3),
}: {
  height: number;
  margin: PlotMargin;
  x: PlotAxis;
  yAxes: readonly PlotYAxis[];
  lines: readonly PlotLine[];
  references?: readonly PlotReference[];
  legend?: boolean;
  label: string;
  xLabel?: string;
  formatValue?: (v: number, line: PlotLine) => string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  // The read-out's data x (a step), from the pointer or the arrow keys.
  const [hover, setHover] = useState<number | undefined>();
  const readout = hover === undefined ? undefined : hoverValues(lines, hover);
  const cursor = readout && scalesFor(width, height, margin, x, yAxes).x(readout.x);
  return (
    <PlotFrame
      frameRef={ref}
      height={height}
      label={`${label}: arrow keys read the values step by step`}
      points={() => lines.find((l) => l.points.length > 0)?.points ?? []}
      current={readout?.x}
      onHover={setHover}
    >
      {width > 0 && (
        <PlotSvg
          width={width}
          height={height}
          margin={margin}
          x={x}
          yAxes={yAxes}
          label={label}
          onPointer={setHover}
        >
          {(s) => (
            <>
              {references.map((r, i) => {
                const y = px(s.y[r.axis ?? 0](r.y));
                return (
                  <line
                    key={i}
                    className="plot-reference"
                    x1={s.left}
                    x2={s.right}
                    y1={y}
                    y2={y}
                    stroke={r.colour}
                    strokeDasharray={r.dash}
                  />
                );
              })}
              {lines.map((line) => {
                const y = s.y[line.axis ?? 0];
                return (
                  <g key={line.name} className="plot-series" data-series={line.name}>
                    <path
                      className="plot-line"
                      d={linePath(line.points, s.x, y)}
                      fill="none"
                      stroke={line.colour}
                      strokeWidth={line.strokeWidth ?? 1.5}
                      strokeLinejoin="round"
                    />
                    {line.dots &&
                      line.points.map(([px0, py0]) =>
                        Number.isFinite(py0) ? (
                          <circle
                            key={px0}
                            cx={px(s.x(px0))}
                            cy={px(y(py0))}
                            r={2.5}
                            fill="#fff"
                            stroke={line.colour}
                          />
                        ) : null,
                      )}
                  </g>
                );
              })}
              {readout && (
                <line
                  className="plot-cursor"
                  x1={px(s.x(readout.x))}
                  x2={px(s.x(readout.x))}
                  y1={s.top}
                  y2={s.bottom}
                  stroke="#888"
                  pointerEvents="none"
                />
              )}
            </>
          )}
        </PlotSvg>
      )}
      {readout && cursor !== undefined && (
        <div
          className="plot-tip"
          style={cursor > width / 2 ? { right: width - cursor + 8 } : { left: cursor + 8 }}
        >
          <div>
            {xLabel} {readout.x}
          </div>
          {readout.values.map(({ line, value }) => (
            <div key={line.name} style={{ color: line.colour }}>
              {line.name}: {formatValue(value, line)}
            </div>
          ))}
        </div>
      )}
      {legend && (
        <ul className="plot-legend">
          {lines.map((line) => (
            <li key={line.name}>
              <span className="swatch" style={{ background: line.colour }} aria-hidden="true" />
              {line.name}
            </li>
          ))}
        </ul>
      )}
    </PlotFrame>
  );
}

/**
 * What the read-out shows at data x: the x of the first line's nearest point, and each line's
 * value at its point nearest that x; a sparse line (validation every few steps) only where it
 * has a point within half the first line's spacing of it.
 */
export function hoverValues(
  lines: readonly PlotLine[],
  at: number,
): { x: number; values: { line: PlotLine; value: number }[] } | undefined {
  const first = lines.find((l) => l.points.length > 0);
  if (!first) return undefined;
  const x = first.points[nearestIndex(first.points, at)][0];
  const near = first.points.length > 1 ? (first.points[1][0] - first.points[0][0]) / 2 : Infinity;
  const values = lines.flatMap((line) => {
    const i = nearestIndex(line.points, x);
    if (i < 0) return [];
    const [px0, value] = line.points[i];
    if (Math.abs(px0 - x) > near || !Number.isFinite(value)) return [];
    return [{ line, value }];
  });
  return { x, values };
}

export interface PlotBar {
  value: number;
  colour: string;
  /** What the read-out says of this bar. */
  label: string;
}

/**
 * A bar chart at the width of its container: bar i (from 1) at x = i, `marker` a dashed
 * vertical line after bar `marker.after` with its label above the plot, and the bar under the
 * pointer (or chosen with the arrow keys) described in a read-out.
 */
export function BarPlot({
  height,
  margin,
  xTicks,
  yAxis,
  bars,
  marker,
  label,
}: {
  height: number;
  margin: PlotMargin;
  xTicks: readonly number[];
  yAxis: PlotYAxis;
  bars: readonly PlotBar[];
  marker?: { after: number; label: string };
  label: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | undefined>();
  const n = bars.length;
  const x: PlotAxis = { domain: [0.5, n + 0.5], ticks: xTicks };
  const at = hover === undefined || n === 0 ? undefined : Math.min(n, Math.max(1, hover));
  const s = scalesFor(width, height, margin, x, [yAxis]);
  const band = (s.right - s.left) / Math.max(1, n);
  return (
    <PlotFrame
      frameRef={ref}
      height={height}
      label={`${label}: arrow keys read the bars one by one`}
      points={() => bars.map((_, i) => [i + 1, 0] as const)}
      current={at}
      onHover={setHover}
    >
      {width > 0 && (
        <PlotSvg
          width={width}
          height={height}
          margin={margin}
          x={x}
          yAxes={[yAxis]}
          verticalGrid={false}
          label={label}
          onPointer={(v) => setHover(v === undefined ? undefined : Math.round(v))}
        >
          {(sc) => (
            <>
              {bars.map((b, i) => {
                const top = sc.y[0](Math.max(0, b.value));
                return (
                  <rect
                    key={i}
                    className={`plot-bar${at === i + 1 ? ' is-active' : ''}`}
                    x={px(sc.x(i + 1) - band / 2 + 0.5)}
                    y={px(top)}
                    width={px(Math.max(0.5, band - 1))}
                    height={px(Math.max(0, sc.bottom - top))}
                    fill={b.colour}
                  />
                );
              })}
              {marker && marker.after > 0 && marker.after < n && (
                <g className="plot-marker">
                  <line
                    x1={px(sc.x(marker.after + 0.5))}
                    x2={px(sc.x(marker.after + 0.5))}
                    y1={sc.top}
                    y2={sc.bottom}
                    stroke="#1b1f24"
                    strokeDasharray="4 3"
                  />
                  <text
                    x={px(sc.x(marker.after + 0.5))}
                    y={sc.top - 6}
                    textAnchor="middle"
                    fill="#1b1f24"
                  >
                    {marker.label}
                  </text>
                </g>
              )}
            </>
          )}
        </PlotSvg>
      )}
      {at !== undefined && (
        <div
          className="plot-tip"
          style={s.x(at) > width / 2 ? { right: width - s.x(at) + 8 } : { left: s.x(at) + 8 }}
        >
          {bars[at - 1].label}
        </div>
      )}
    </PlotFrame>
  );
}
