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
import { selectStepPoints, selectValidationPoints } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, NO_RUN_YET } from './ChartCard';
import { niceTicks, stepDecimals, stepTicks } from './ticks';

/** Loss (left axis) and training / validation accuracy (right axis). */
export function TrainingChart() {
  const points = useLiveStudio(selectStepPoints);
  const validation = useLiveStudio(selectValidationPoints);
  const total = useLiveStudio((s) => s.run.latest?.totalSteps ?? s.config.schedule.totalSteps);
  const xTicks = useMemo(() => stepTicks(total, 5), [total]);
  // Four round intervals on the loss axis, as on the accuracy axis, so both share grid lines.
  const lossTicks = useMemo(() => {
    const top = niceTicks(points.reduce((m, p) => Math.max(m, p.loss), 0) || 1, 4);
    const step = top[1];
    return [0, 1, 2, 3, 4].map((i) => Number((i * step).toFixed(stepDecimals(step))));
  }, [points]);
  return (
    <ChartCard
      id="training-chart"
      title="Loss and accuracy"
      description="Training loss and accuracy per step; validation accuracy where the run measured it."
      empty={points.length === 0 ? NO_RUN_YET : undefined}
      premount
      wide
    >
      <ResponsiveContainer width="100%" height={240}>
        <LineChart margin={{ top: 10, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e3e6ea" />
          <XAxis
            dataKey="step"
            type="number"
            domain={[0, total]}
            ticks={xTicks}
            interval={0}
            allowDuplicatedCategory={false}
          />
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
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
          <Legend />
          <Line
            yAxisId="loss"
            data={points}
            dataKey="loss"
            name="loss"
            stroke="#5f6368"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            yAxisId="accuracy"
            data={points}
            dataKey="accuracy"
            name="train accuracy"
            stroke="#1f77b4"
            dot={false}
            isAnimationActive={false}
          />
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
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
