import { useMemo } from 'react';
import { selectStepPoints, selectValidationPoints } from '../state/selectors';
import { useChartPoints } from './chartPoints';
import { useLiveStudio } from './LiveState';
import type { PlotLine, PlotYAxis } from './Plot';
import { StepChart } from './StepChart';
import { niceTicks, stepDecimals } from './ticks';

const ACCURACY_AXIS: PlotYAxis = {
  side: 'right',
  width: 44,
  domain: [0, 1],
  ticks: [0, 0.25, 0.5, 0.75, 1],
  format: (v) => `${Math.round(v * 100)}%`,
};

/**
 * The loss axis: four round intervals from 0 over the largest loss, as on the accuracy axis, so
 * both share grid lines. Steps without a loss (NaN: the figures the worker sends as a run
 * finishes, a step rolled back) do not count.
 */
export function lossAxis(points: readonly { loss: number }[]): PlotYAxis {
  const largest = points.reduce((m, p) => (Number.isFinite(p.loss) ? Math.max(m, p.loss) : m), 0);
  const step = niceTicks(largest || 1, 4)[1];
  const ticks = [0, 1, 2, 3, 4].map((i) => Number((i * step).toFixed(stepDecimals(step))));
  return { side: 'left', width: 48, domain: [0, ticks[4]], ticks };
}

/** Loss (left axis) and training / validation accuracy (right axis). */
export function TrainingChart() {
  const points = useLiveStudio(selectStepPoints);
  const validation = useChartPoints(useLiveStudio(selectValidationPoints));
  const drawn = useChartPoints(points);
  const yAxes = useMemo<PlotYAxis[]>(() => [lossAxis(points), ACCURACY_AXIS], [points]);
  const lines = useMemo<PlotLine[]>(
    () => [
      { name: 'loss', colour: '#5f6368', points: drawn.map((p) => [p.step, p.loss] as const) },
      {
        name: 'train accuracy',
        colour: '#1f77b4',
        axis: 1,
        points: drawn.map((p) => [p.step, p.accuracy] as const),
      },
      {
        name: 'validation accuracy',
        colour: '#2ca02c',
        axis: 1,
        strokeWidth: 2,
        dots: true,
        points: validation.map((p) => [p.step, p.accuracy] as const),
      },
    ],
    [drawn, validation],
  );
  return (
    <StepChart
      id="training-chart"
      title="Loss and accuracy"
      description="Training loss and accuracy per step; validation accuracy where the run measured it."
      wide
      yAxes={yAxes}
      lines={lines}
      formatValue={(v, line) => (line.axis === 1 ? `${(v * 100).toFixed(1)}%` : v.toFixed(3))}
    />
  );
}
