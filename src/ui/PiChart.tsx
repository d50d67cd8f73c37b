import { useMemo } from 'react';
import { Line, YAxis } from 'recharts';
import { useChartPoints } from './chartPoints';
import { selectGroupNames, selectStepPoints } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { SERIES_COLOURS } from './ChartCard';
import { StepChart } from './StepChart';

/** π runs from 1/C to 1: every fifth. */
const PI_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** π per channel group over the steps: one line per group, 1 = all channels kept. */
export function PiChart() {
  const points = useLiveStudio(selectStepPoints);
  const groups = useLiveStudio(selectGroupNames);
  const drawn = useChartPoints(points);
  // One accessor per group, kept across redraws: a Line with unchanged props is not redrawn.
  const accessors = useMemo(() => groups.map((_, i) => (p: { pi: number[] }) => p.pi[i]), [groups]);
  const last = points.at(-1);
  return (
    <StepChart
      id="pi-chart"
      title="Size proportion π per channel group"
      description="The share of channels each group keeps; pruning lowers π until the budgets are met."
      data={drawn}
      yAxes={<YAxis domain={[0, 1]} ticks={PI_TICKS} interval={0} width={40} />}
      footer={
        last && (
          <p className="hint" data-testid="pi-at-step">
            At step {last.step}:{' '}
            {groups.map((name, i) => `${name} ${last.pi[i].toFixed(3)}`).join(', ')}
          </p>
        )
      }
    >
      {groups.map((name, i) => (
        <Line
          key={name}
          name={name}
          dataKey={accessors[i]}
          stroke={SERIES_COLOURS[i % SERIES_COLOURS.length]}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
      ))}
    </StepChart>
  );
}
