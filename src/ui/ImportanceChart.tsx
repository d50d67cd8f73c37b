import { useId, useMemo } from 'react';
import { selectLatestMetrics } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, KEPT_COLOUR, NO_RUN_YET, PRUNED_COLOUR } from './ChartCard';
import { BarPlot, type PlotBar, type PlotYAxis } from './Plot';
import { niceTicks, powerOfTen, scaledTicks } from './ticks';

/** Rank ticks: 1, then round ranks, and the last one (the group's size). */
function rankTicks(count: number): number[] {
  if (count === 0) return [];
  const inner = niceTicks(count, 4).filter((t) => t > 1 && t < count);
  // Drop a round rank that would crowd the last label.
  const step = inner.length > 1 ? inner[1] - inner[0] : count;
  return [1, ...inner.filter((t) => count - t >= step / 2), count].filter(
    (t, i, all) => all.indexOf(t) === i,
  );
}

/** Channel importances of one group, sorted, kept channels in colour, with the cut line. */
export function ImportanceChart() {
  const id = useId();
  const latest = useLiveStudio(selectLatestMetrics);
  const selected = useLiveStudio((s) => s.view.selectedGroup);
  const selectGroup = useLiveStudio((s) => s.selectGroup);
  const groups = useMemo(() => latest?.groups.filter((g) => g.prunable) ?? [], [latest]);
  const group = groups.find((g) => g.name === selected) ?? groups[0];
  // Kept channels first, then pruned ones, each by importance: the cut line then separates
  // them exactly, even where the mask's hysteresis lets a pruned channel score above a kept one.
  const bars = useMemo(() => {
    if (!group) return [];
    return group.importance
      .map((importance, channel) => ({ channel, importance, kept: group.mask[channel] === 1 }))
      .sort((a, b) => Number(b.kept) - Number(a.kept) || b.importance - a.importance)
      .map((b, i) => ({ ...b, rank: i + 1 }));
  }, [group]);
  const overtaken = useMemo(() => {
    const weakestKept = Math.min(...bars.filter((b) => b.kept).map((b) => b.importance));
    return bars.filter((b) => !b.kept && b.importance > weakestKept).length;
  }, [bars]);
  const y = useMemo(() => scaledTicks(Math.max(0, ...bars.map((b) => b.importance))), [bars]);
  const yAxis = useMemo<PlotYAxis>(
    () => ({
      side: 'left',
      width: 44,
      ticks: y.ticks,
      domain: [0, y.ticks[y.ticks.length - 1]],
      format: y.format,
    }),
    [y],
  );
  const x = useMemo(() => rankTicks(bars.length), [bars.length]);
  const plotBars = useMemo<PlotBar[]>(
    () =>
      bars.map((b) => ({
        value: b.importance,
        colour: b.kept ? KEPT_COLOUR : PRUNED_COLOUR,
        label: `rank ${b.rank}: channel ${b.channel} (${b.kept ? 'kept' : 'pruned'}), importance ${b.importance.toExponential(2)}`,
      })),
    [bars],
  );
  const picker =
    groups.length > 0 ? (
      <span className="inline-field">
        <label htmlFor={`${id}-group`}>Group</label>
        <select
          id={`${id}-group`}
          value={group?.name}
          onChange={(e) => selectGroup(e.target.value)}
        >
          {groups.map((g) => (
            <option key={g.name} value={g.name}>
              {g.name} ({g.kept}/{g.size})
            </option>
          ))}
        </select>
      </span>
    ) : undefined;
  return (
    <ChartCard
      id="importance-chart"
      title="Channel importances"
      description={
        group
          ? `${group.name}: ${group.kept} of ${group.size} channels kept (π = ${group.sizeProportion.toFixed(2)}). Kept channels first, then pruned ones, each sorted by importance; the dashed line is the cut.` +
            (overtaken > 0
              ? ` ${overtaken} pruned channel${overtaken > 1 ? 's' : ''} now score${overtaken > 1 ? '' : 's'} above the weakest kept one: the mask swaps a kept channel only for a clearly better one.`
              : '')
          : 'Importance of each channel (how much the loss would grow without it), sorted; kept vs pruned.'
      }
      empty={group ? undefined : NO_RUN_YET}
      premount
      actions={picker}
    >
      <BarPlot
        height={240}
        margin={{ top: 24, right: 16, bottom: 4, left: 0 }}
        xTicks={x}
        yAxis={yAxis}
        bars={plotBars}
        marker={group && group.kept < group.size ? { after: group.kept, label: 'cut' } : undefined}
        label={group ? `Importances of ${group.name}'s channels by rank` : 'Channel importances'}
      />
      <p className="legend-note">
        <span className="swatch" style={{ background: KEPT_COLOUR }} /> kept{' '}
        <span className="swatch" style={{ background: PRUNED_COLOUR }} /> pruned
        {y.exponent !== 0 && (
          <span data-testid="importance-scale"> · importance axis {powerOfTen(y.exponent)}</span>
        )}
      </p>
    </ChartCard>
  );
}
