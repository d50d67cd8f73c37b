import { useId, useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { selectLatestMetrics } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, KEPT_COLOUR, NO_RUN_YET, PRUNED_COLOUR } from './ChartCard';

/** Channel importances of one group, sorted, kept channels in colour, with the cut line. */
export function ImportanceChart() {
  const id = useId();
  const latest = useLiveStudio(selectLatestMetrics);
  const selected = useLiveStudio((s) => s.view.selectedGroup);
  const selectGroup = useLiveStudio((s) => s.selectGroup);
  const groups = useMemo(() => latest?.groups.filter((g) => g.prunable) ?? [], [latest]);
  const group = groups.find((g) => g.name === selected) ?? groups[0];
  const bars = useMemo(() => {
    if (!group) return [];
    return group.importance
      .map((importance, channel) => ({ channel, importance, kept: group.mask[channel] === 1 }))
      .sort((a, b) => b.importance - a.importance)
      .map((b, i) => ({ ...b, rank: i + 1 }));
  }, [group]);
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
          ? `${group.name}: ${group.kept} of ${group.size} channels kept (π = ${group.sizeProportion.toFixed(2)}); bars sorted by importance, the line is the cut.`
          : 'Importance of each channel (how much the loss would grow without it), sorted; kept vs pruned.'
      }
      empty={group ? undefined : NO_RUN_YET}
      actions={picker}
    >
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={bars} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} barCategoryGap={1}>
          <CartesianGrid stroke="#e3e6ea" vertical={false} />
          <XAxis dataKey="rank" interval="preserveStartEnd" />
          <YAxis width={52} tickFormatter={(v: number) => v.toExponential(0)} />
          <Tooltip
            formatter={(v) => (typeof v === 'number' ? v.toExponential(2) : String(v))}
            labelFormatter={(rank) => {
              const bar = bars[Number(rank) - 1];
              return bar
                ? `rank ${rank}: channel ${bar.channel} (${bar.kept ? 'kept' : 'pruned'})`
                : '';
            }}
          />
          <Bar dataKey="importance" name="importance" isAnimationActive={false}>
            {bars.map((b) => (
              <Cell key={b.channel} fill={b.kept ? KEPT_COLOUR : PRUNED_COLOUR} />
            ))}
          </Bar>
          {group && group.kept < group.size && (
            <ReferenceLine
              x={group.kept}
              position="end"
              stroke="#1b1f24"
              strokeDasharray="4 3"
              label={{ value: 'cut', position: 'top', fill: '#1b1f24' }}
            />
          )}
        </BarChart>
      </ResponsiveContainer>
      <p className="legend-note">
        <span className="swatch" style={{ background: KEPT_COLOUR }} /> kept{' '}
        <span className="swatch" style={{ background: PRUNED_COLOUR }} /> pruned
      </p>
    </ChartCard>
  );
}
