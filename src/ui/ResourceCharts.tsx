import { useMemo } from 'react';
import { selectLatestMetrics, selectReplayStep, selectStepPoints } from '../state/selectors';
import { useStudio } from '../state/store';
import { useChartPoints } from './chartPoints';
import { LiveStateProvider, useLiveStudio } from './LiveState';
import type { ResourceName } from '../worker/protocol';
import { BUDGET_COLOUR, ChartCard, NO_RUN_YET, SERIES_COLOURS } from './ChartCard';
import { BUDGET_INPUT_UNITS, RESOURCE_LABELS, formatResource } from './format';
import { LinePlot, type PlotLine, type PlotYAxis } from './Plot';
import { niceTicks, stepTicks } from './ticks';

const CHARTED: ResourceName[] = ['flash', 'ram', 'latency'];

function ResourceChart({ resource, colour }: { resource: ResourceName; colour: string }) {
  const points = useLiveStudio(selectStepPoints);
  const drawn = useChartPoints(points);
  // Replaying a finished run: the budget in force at that step.
  const budget = useLiveStudio((s) =>
    selectReplayStep(s) === undefined
      ? s.config.budgets[resource]
      : selectLatestMetrics(s)?.budgets[resource],
  );
  const total = useLiveStudio((s) => s.run.latest?.totalSteps ?? s.config.schedule.totalSteps);
  const { unit, scale } = BUDGET_INPUT_UNITS[resource];
  const peak = points.reduce((m, p) => Math.max(m, p[resource]), 0);
  // Round ticks in the unit the heading names (KB, ms), with room above the budget line.
  const yAxes = useMemo<PlotYAxis[]>(() => {
    const ticks = niceTicks(Math.max(peak, budget ?? 0) / scale || 1, 4).map((t) => t * scale);
    return [
      {
        side: 'left',
        width: 48,
        domain: [0, ticks.at(-1) ?? 1],
        ticks,
        format: (v) => String(Number((v / scale).toPrecision(6))),
      },
    ];
  }, [peak, budget, scale]);
  const x = useMemo(() => ({ domain: [0, total] as const, ticks: stepTicks(total, 3) }), [total]);
  const lines = useMemo<PlotLine[]>(
    () => [
      {
        name: RESOURCE_LABELS[resource],
        colour,
        strokeWidth: 2,
        points: drawn.map((p) => [p.step, p[resource]] as const),
      },
    ],
    [drawn, resource, colour],
  );
  return (
    <div className="mini-chart">
      <h4>
        {RESOURCE_LABELS[resource]} ({unit})
        {budget !== undefined && (
          <span className="budget-key">
            <span className="dash" aria-hidden="true" /> budget {formatResource(resource, budget)}
          </span>
        )}
      </h4>
      <LinePlot
        height={170}
        margin={{ top: 12, right: 16, bottom: 0, left: 0 }}
        x={x}
        yAxes={yAxes}
        lines={lines}
        // The budget is named in the heading, not on the plot, where a label would cover a tick.
        references={budget === undefined ? [] : [{ y: budget, colour: BUDGET_COLOUR, dash: '5 4' }]}
        formatValue={(v) => formatResource(resource, v)}
        label={`${RESOURCE_LABELS[resource]} over the run`}
      />
    </div>
  );
}

/** Estimated flash, RAM and latency of the pruned network over the steps, against the budgets. */
export function ResourceCharts() {
  // Not a live chart itself (see App): it changes only when a run gains its first step.
  const hasPoints = useStudio((s) => s.run.series.steps.points.length > 0);
  return (
    <ChartCard
      id="resource-chart"
      title="Resources over the run"
      description="The resource model's figures for the network as currently pruned; dashed red lines are the budgets."
      empty={hasPoints ? undefined : NO_RUN_YET}
      premount
      wide
    >
      <div className="mini-charts">
        {CHARTED.map((r, i) => (
          // Each mini chart redraws in its own task (see LiveState).
          <LiveStateProvider key={r} name={`ResourceChart ${r}`}>
            <ResourceChart resource={r} colour={SERIES_COLOURS[i]} />
          </LiveStateProvider>
        ))}
      </div>
    </ChartCard>
  );
}
