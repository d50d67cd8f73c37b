import { useMemo } from 'react';
import { useChartPoints } from './chartPoints';
import { selectGroupNames, selectStepPoints } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { SERIES_COLOURS } from './ChartCard';
import type { PlotLine, PlotYAxis } from './Plot';
import { StepChart } from './StepChart';

/** π runs from 1/C to 1: every fifth. */
const PI_AXIS: PlotYAxis[] = [
  { side: 'left', width: 40, domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] },
];

/** π per channel group over the steps: one line per group, 1 = all channels kept. */
export function PiChart() {
  const points = useLiveStudio(selectStepPoints);
  const groups = useLiveStudio(selectGroupNames);
  const drawn = useChartPoints(points);
  const lines = useMemo<PlotLine[]>(
    () =>
      groups.map((name, i) => ({
        name,
        colour: SERIES_COLOURS[i % SERIES_COLOURS.length],
        strokeWidth: 2,
        points: drawn.map((p) => [p.step, p.pi[i]] as const),
      })),
    [groups, drawn],
  );
  const last = points.at(-1);
  return (
    <StepChart
      id="pi-chart"
      title="Size proportion π per channel group"
      description="The share of channels each group keeps; pruning lowers π until the budgets are met."
      yAxes={PI_AXIS}
      lines={lines}
      footer={
        last && (
          <p className="hint" data-testid="pi-at-step">
            At step {last.step}:{' '}
            {groups.map((name, i) => `${name} ${last.pi[i].toFixed(3)}`).join(', ')}
          </p>
        )
      }
    />
  );
}
