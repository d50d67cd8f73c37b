import { useMemo, type ReactNode } from 'react';
import { selectStepPoints } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, NO_RUN_YET } from './ChartCard';
import { LinePlot, type PlotLine, type PlotYAxis } from './Plot';
import { stepTicks } from './ticks';

/**
 * A live line chart over the run's steps (0 to the run's total on the x axis, five ticks),
 * in a chart card that says there is no run yet until the run has a step.
 */
export function StepChart({
  id,
  title,
  description,
  yAxes,
  lines,
  formatValue,
  wide,
  footer,
}: {
  id: string;
  title: string;
  description: string;
  yAxes: readonly PlotYAxis[];
  lines: readonly PlotLine[];
  /** A line's value in the read-out (default: three decimals). */
  formatValue?: (v: number, line: PlotLine) => string;
  wide?: boolean;
  /** Shown under the chart. */
  footer?: ReactNode;
}) {
  const empty = useLiveStudio((s) => selectStepPoints(s).length === 0);
  const total = useLiveStudio((s) => s.run.latest?.totalSteps ?? s.config.schedule.totalSteps);
  const x = useMemo(() => ({ domain: [0, total] as const, ticks: stepTicks(total, 5) }), [total]);
  const rightAxis = yAxes.some((a) => a.side === 'right');
  return (
    <ChartCard
      id={id}
      title={title}
      description={description}
      empty={empty ? NO_RUN_YET : undefined}
      premount
      wide={wide}
    >
      <LinePlot
        height={240}
        margin={{ top: 10, right: rightAxis ? 8 : 18, bottom: 4, left: 0 }}
        x={x}
        yAxes={yAxes}
        lines={lines}
        formatValue={formatValue}
        legend
        label={title}
      />
      {footer}
    </ChartCard>
  );
}
