import { useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { selectGroupNames, selectStepPoints } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, NO_RUN_YET, SERIES_COLOURS } from './ChartCard';
import { stepTicks } from './ticks';

/** π runs from 1/C to 1: every fifth. */
const PI_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** π per channel group over the steps: one line per group, 1 = all channels kept. */
export function PiChart() {
  const points = useLiveStudio(selectStepPoints);
  const groups = useLiveStudio(selectGroupNames);
  const total = useLiveStudio((s) => s.run.latest?.totalSteps ?? s.config.schedule.totalSteps);
  const xTicks = useMemo(() => stepTicks(total, 5), [total]);
  return (
    <ChartCard
      id="pi-chart"
      title="Size proportion π per channel group"
      description="The share of channels each group keeps; pruning lowers π until the budgets are met."
      empty={points.length === 0 ? NO_RUN_YET : undefined}
      premount
    >
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={points} margin={{ top: 10, right: 18, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e3e6ea" />
          <XAxis dataKey="step" type="number" domain={[0, total]} ticks={xTicks} interval={0} />
          <YAxis domain={[0, 1]} ticks={PI_TICKS} interval={0} width={40} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
          <Legend />
          {groups.map((name, i) => (
            <Line
              key={name}
              name={name}
              dataKey={(p: { pi: number[] }) => p.pi[i]}
              stroke={SERIES_COLOURS[i % SERIES_COLOURS.length]}
              dot={false}
              strokeWidth={2}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      {points.length > 0 && (
        <p className="hint" data-testid="pi-at-step">
          At step {points[points.length - 1].step}:{' '}
          {groups
            .map((name, i) => `${name} ${points[points.length - 1].pi[i].toFixed(3)}`)
            .join(', ')}
        </p>
      )}
    </ChartCard>
  );
}
