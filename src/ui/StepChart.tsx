import { useMemo, type ReactNode } from 'react';
import { CartesianGrid, Legend, LineChart, ResponsiveContainer, Tooltip, XAxis } from 'recharts';
import { selectStepPoints } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, NO_RUN_YET } from './ChartCard';
import { stepTicks } from './ticks';

/**
 * A live line chart over the run's steps (0 to the run's total on the x axis, five ticks),
 * in a chart card that says there is no run yet until the run has a step: `yAxes`, then `children` (the
 * lines), which read `data` when it is given, else each line brings its own.
 */
export function StepChart({
  id,
  title,
  description,
  data,
  yAxes,
  rightAxis,
  wide,
  children,
  footer,
}: {
  id: string;
  title: string;
  description: string;
  data?: readonly object[];
  yAxes: ReactNode;
  /** Whether one of the y axes stands on the right (it takes the right margin). */
  rightAxis?: boolean;
  wide?: boolean;
  children: ReactNode;
  /** Shown under the chart. */
  footer?: ReactNode;
}) {
  const empty = useLiveStudio((s) => selectStepPoints(s).length === 0);
  const total = useLiveStudio((s) => s.run.latest?.totalSteps ?? s.config.schedule.totalSteps);
  const xTicks = useMemo(() => stepTicks(total, 5), [total]);
  return (
    <ChartCard
      id={id}
      title={title}
      description={description}
      empty={empty ? NO_RUN_YET : undefined}
      premount
      wide={wide}
    >
      <ResponsiveContainer width="100%" height={240}>
        <LineChart
          data={data as object[] | undefined}
          margin={{ top: 10, right: rightAxis ? 8 : 18, bottom: 4, left: 0 }}
        >
          <CartesianGrid stroke="#e3e6ea" />
          <XAxis
            dataKey="step"
            type="number"
            domain={[0, total]}
            ticks={xTicks}
            interval={0}
            // Lines with data of their own repeat the steps; one data set does not.
            allowDuplicatedCategory={data !== undefined}
          />
          {yAxes}
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
          <Legend />
          {children}
        </LineChart>
      </ResponsiveContainer>
      {footer}
    </ChartCard>
  );
}
