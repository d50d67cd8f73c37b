import { useMemo } from 'react';
import { Line, YAxis } from 'recharts';
import { selectStepPoints, selectValidationPoints } from '../state/selectors';
import { useChartPoints } from './chartPoints';
import { useLiveStudio } from './LiveState';
import { StepChart } from './StepChart';
import { niceTicks, stepDecimals } from './ticks';

/** The lines drawn from the training steps (Line props): on which axis, of which field. */
const TRAINING_LINES = [
  { yAxisId: 'loss', dataKey: 'loss', name: 'loss', stroke: '#5f6368' },
  { yAxisId: 'accuracy', dataKey: 'accuracy', name: 'train accuracy', stroke: '#1f77b4' },
] as const;

/** Loss (left axis) and training / validation accuracy (right axis). */
export function TrainingChart() {
  const points = useLiveStudio(selectStepPoints);
  const validation = useChartPoints(useLiveStudio(selectValidationPoints));
  const drawn = useChartPoints(points);
  // Four round intervals on the loss axis, as on the accuracy axis, so both share grid lines.
  const lossTicks = useMemo(() => {
    const top = niceTicks(points.reduce((m, p) => Math.max(m, p.loss), 0) || 1, 4);
    const step = top[1];
    return [0, 1, 2, 3, 4].map((i) => Number((i * step).toFixed(stepDecimals(step))));
  }, [points]);
  return (
    <StepChart
      id="training-chart"
      title="Loss and accuracy"
      description="Training loss and accuracy per step; validation accuracy where the run measured it."
      rightAxis
      wide
      yAxes={
        <>
          <YAxis
            yAxisId="loss"
            width={48}
            domain={[0, lossTicks[4]]}
            ticks={lossTicks}
            interval={0}
          />
          <YAxis
            yAxisId="accuracy"
            orientation="right"
            domain={[0, 1]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            interval={0}
            width={44}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
          />
        </>
      }
    >
      {TRAINING_LINES.map((line) => (
        <Line key={line.name} {...line} data={drawn} dot={false} isAnimationActive={false} />
      ))}
      <Line
        yAxisId="accuracy"
        data={validation}
        dataKey="accuracy"
        name="validation accuracy"
        stroke="#2ca02c"
        strokeWidth={2}
        dot={{ r: 2 }}
        isAnimationActive={false}
      />
    </StepChart>
  );
}
