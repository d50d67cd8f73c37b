import { useId, useMemo, useState } from 'react';
import { arenaTimeline, isLiveAt, liveBuffers, scopeLabel } from '../core/arenaTimeline';
import { useStudio } from '../state/store';
import type { DeploymentFacts } from '../worker/protocol';
import { BUDGET_COLOUR, ChartCard, KEPT_COLOUR, PRUNED_COLOUR } from './ChartCard';
import { formatBytes, formatCount } from './format';
import { ScrollTable, num } from './ScrollTable';

/** The per-layer table's row of an operator (LayerBreakdown gives its rows these ids). */
export const layerRowId = (operator: string) =>
  `layer-row-${operator.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

/** The drawing's size (viewBox units) and the margins around the plot. */
const [WIDTH, HEIGHT] = [540, 230];
const [LEFT, RIGHT, TOP, BOTTOM] = [64, 8, 10, 34];

/** The arena drawn as buffers (bars: first to last use, at their offset) over the operators. */
function TimelineSvg({
  timeline,
  scope,
  titleId,
}: {
  timeline: ReturnType<typeof arenaTimeline>;
  scope: number;
  titleId: string;
}) {
  const columns = timeline.operators.length + 1;
  const columnWidth = (WIDTH - LEFT - RIGHT) / columns;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const top = Math.max(1, timeline.plannedBytes);
  const y = (bytes: number) => TOP + plotHeight * (1 - bytes / top);
  const peak = new Set(timeline.peakBuffers);
  return (
    <svg
      className="timeline-svg"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-labelledby={titleId}
      data-testid="memory-timeline-svg"
    >
      <rect
        x={LEFT + scope * columnWidth}
        y={TOP}
        width={columnWidth}
        height={plotHeight}
        fill="#fff4d6"
      />
      {timeline.peakScope !== scope && (
        <rect
          x={LEFT + timeline.peakScope * columnWidth}
          y={TOP}
          width={columnWidth}
          height={plotHeight}
          fill="none"
          stroke={BUDGET_COLOUR}
          strokeDasharray="4 3"
        />
      )}
      {timeline.buffers.map((b, i) => {
        const live = isLiveAt(b, scope);
        const fill = live
          ? peak.has(i) && scope === timeline.peakScope
            ? BUDGET_COLOUR
            : KEPT_COLOUR
          : PRUNED_COLOUR;
        return (
          <rect
            key={i}
            data-buffer={b.name}
            x={LEFT + b.firstUse * columnWidth + 1}
            y={y(b.offset + b.alignedBytes)}
            width={Math.max(2, (b.lastUse - b.firstUse + 1) * columnWidth - 2)}
            height={Math.max(1, (b.alignedBytes / top) * plotHeight - 1)}
            fill={fill}
            stroke="#fff"
          >
            <title>
              {`${b.name}: ${formatBytes(b.alignedBytes)} at offset ${b.offset} B, ${scopeLabel(timeline.operators, b.firstUse)} → ${scopeLabel(timeline.operators, b.lastUse)}`}
            </title>
          </rect>
        );
      })}
      <line x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotHeight} stroke="#8a919c" />
      <line
        x1={LEFT}
        x2={WIDTH - RIGHT}
        y1={TOP + plotHeight}
        y2={TOP + plotHeight}
        stroke="#8a919c"
      />
      {[0, 0.5, 1].map((f) => (
        <text key={f} x={LEFT - 6} y={y(f * top) + 4} textAnchor="end" className="timeline-tick">
          {formatBytes(f * top)}
        </text>
      ))}
      {Array.from({ length: columns }, (_, s) => (
        <text
          key={s}
          x={LEFT + (s + 0.5) * columnWidth}
          y={TOP + plotHeight + 16}
          textAnchor="middle"
          className={`timeline-tick${s === scope ? ' current' : ''}`}
        >
          {s === 0 ? 'in' : s}
        </text>
      ))}
      <text
        x={LEFT + (WIDTH - LEFT - RIGHT) / 2}
        y={HEIGHT - 2}
        textAnchor="middle"
        className="timeline-tick"
      >
        operator (in execution order)
      </text>
    </svg>
  );
}

function Timeline({ facts }: { facts: DeploymentFacts }) {
  const id = useId();
  const timeline = useMemo(
    () => arenaTimeline(facts.arena.operatorOrder, facts.arena.buffers),
    [facts],
  );
  // The chosen operator, for this model (a new run's timeline starts at its peak again).
  const [chosen, setChosen] = useState<{ facts: DeploymentFacts; scope: number }>();
  const scope = chosen?.facts === facts ? chosen.scope : timeline.peakScope;
  const setScope = (next: number) => setChosen({ facts, scope: next });
  const n = timeline.operators.length;
  const live = liveBuffers(timeline.buffers, scope);
  const liveTop = live.reduce(
    (m, i) => Math.max(m, timeline.buffers[i].offset + timeline.buffers[i].alignedBytes),
    0,
  );
  const peakName = timeline.peakOperator;
  const setters = timeline.peakBuffers.map((i) => timeline.buffers[i].name);
  return (
    <>
      <p className="timeline-peak" data-testid="memory-timeline-peak">
        Peak at{' '}
        <a href={`#${layerRowId(peakName)}`} className="peak-name">
          {peakName}
        </a>{' '}
        (operator {timeline.peakScope} of {n}): the plan needs {formatBytes(timeline.plannedBytes)}{' '}
        ({formatCount(timeline.plannedBytes)} B), set by {setters.join(', ')}. The arena adds{' '}
        {formatBytes(facts.arena.persistentBytes)} held for the whole run.
      </p>
      <div className="timeline-controls">
        <label htmlFor={`${id}-scope`}>Operator</label>
        <input
          id={`${id}-scope`}
          type="range"
          min={0}
          max={n}
          step={1}
          value={scope}
          aria-valuetext={`${scope === 0 ? 'input' : `${scope} of ${n}`}: ${scopeLabel(timeline.operators, scope)}`}
          onChange={(e) => setScope(Number(e.target.value))}
        />
        <button
          type="button"
          className="secondary small"
          onClick={() => setScope(timeline.peakScope)}
          disabled={scope === timeline.peakScope}
        >
          Go to the peak
        </button>
      </div>
      <p className="hint" id={`${id}-title`} aria-live="polite" data-testid="memory-timeline-now">
        {scope === 0
          ? 'Before the first operator (input)'
          : `Operator ${scope}, ${scopeLabel(timeline.operators, scope)}`}
        {scope === timeline.peakScope ? ' (the peak)' : ''}: {live.length} buffer
        {live.length === 1 ? '' : 's'} live up to {formatBytes(liveTop)}:{' '}
        {live.map((i) => timeline.buffers[i].name).join(', ')}.
      </p>
      <TimelineSvg timeline={timeline} scope={scope} titleId={`${id}-title`} />
      <p className="legend-note">
        <span className="swatch" style={{ background: BUDGET_COLOUR }} aria-hidden="true" />
        live at the peak{' '}
        <span className="swatch" style={{ background: KEPT_COLOUR }} aria-hidden="true" />
        live at the chosen operator{' '}
        <span className="swatch" style={{ background: PRUNED_COLOUR }} aria-hidden="true" />
        not live then. Bars run from a buffer&apos;s first to its last use, at the offset the
        planner gave it.
      </p>
      <ScrollTable
        label="Arena buffers table"
        scrollClass="timeline-table"
        testId="memory-timeline-table"
        columns={['Buffer', num('Offset'), num('Bytes'), 'Live (first → last operator)', 'Note']}
      >
        {timeline.buffers.map((b, i) => {
          const atPeak = timeline.peakBuffers.includes(i);
          return (
            <tr key={i} className={isLiveAt(b, scope) ? 'marked' : undefined}>
              <th scope="row">
                {b.name}
                {b.kind === 'scratch' ? ' (scratch)' : ''}
              </th>
              <td className="num">{formatCount(b.offset)} B</td>
              <td className="num">{formatCount(b.alignedBytes)} B</td>
              <td>
                {scopeLabel(timeline.operators, b.firstUse)} →{' '}
                {scopeLabel(timeline.operators, b.lastUse)}
              </td>
              <td>
                {atPeak && <span className="tag">live at peak</span>}
                {i === timeline.topBuffer && <span className="tag">sets the size</span>}
              </td>
            </tr>
          );
        })}
      </ScrollTable>
    </>
  );
}

/**
 * The tensor arena over the deployed operators: every planned buffer as a bar from its first
 * to its last use at the offset TFLite Micro's memory planner gives it, the peak operator and
 * the buffers live then highlighted, with a table of the same facts.
 */
export function MemoryTimeline() {
  const facts = useStudio((s) => s.run.deployment?.facts);
  const usable = facts && facts.arena.buffers?.length > 0;
  return (
    <ChartCard
      id="memory-timeline"
      title="Memory timeline (tensor arena)"
      description="Where each activation tensor and scratch buffer of the exported model sits in TFLite Micro's arena while the operators run, in their deployed order."
      empty={usable ? undefined : 'Finish a run to see how its arena is laid out.'}
      wide
    >
      {usable && <Timeline facts={facts} />}
    </ChartCard>
  );
}
