import { fitsBudgets } from '../core/uniformWidth';
import { useStudio } from '../state/store';
import { RESOURCE_NAMES, type RunSummary, type UniformBaseline } from '../worker/protocol';
import { ChartCard } from './ChartCard';
import {
  RESOURCE_LABELS,
  formatBytes,
  formatMs,
  formatPercent,
  formatResource,
  formatCount,
} from './format';
import { ScrollTable, num } from './ScrollTable';

function budgetsText(budgets: UniformBaseline['budgets']): string {
  const parts = RESOURCE_NAMES.filter((r) => budgets[r] !== undefined).map(
    (r) => `${RESOURCE_LABELS[r]} ≤ ${formatResource(r, budgets[r] as number)}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'no budgets';
}

const keptText = (groups: { kept: number; size: number }[]) =>
  groups.map((g) => `${g.kept}/${g.size}`).join(' · ');

function ComparisonTable({
  summary,
  baseline,
}: {
  summary: RunSummary;
  baseline: UniformBaseline;
}) {
  const rows = [
    {
      name: 'Pruned while training (this run)',
      accuracy: summary.validationAccuracy,
      resources: summary.resources,
      kept: summary.keptPerGroup,
      fits: fitsBudgets(summary.resources, baseline.budgets),
    },
    {
      name: `Uniform width ×${baseline.ratio.toFixed(3)}`,
      accuracy: baseline.accuracy,
      resources: baseline.resources,
      kept: baseline.keptPerGroup,
      fits: baseline.fits,
    },
  ];
  return (
    <>
      <p className="hint">
        Both sized for the run&apos;s budgets ({budgetsText(baseline.budgets)}), trained{' '}
        {formatCount(baseline.steps)} steps on the same data, schedule and seed; float accuracy on
        all {formatCount(baseline.validationSamples)} validation samples.
      </p>
      <ScrollTable
        label="Baseline comparison table"
        tableClass="baseline-table"
        testId="baseline-table"
        columns={['Network', num('Accuracy'), num('Flash'), num('RAM'), num('Latency'), 'Budgets']}
      >
        {rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">
              {r.name}
              <span className="kept-line">channels kept: {keptText(r.kept)}</span>
            </th>
            <td className="num">{formatPercent(r.accuracy)}</td>
            <td className="num">{formatBytes(r.resources.flash)}</td>
            <td className="num">{formatBytes(r.resources.ram)}</td>
            <td className="num">{formatMs(r.resources.latency)}</td>
            <td>{r.fits ? 'fits' : <span className="tag">over budget</span>}</td>
          </tr>
        ))}
      </ScrollTable>
      <p className="hint" data-testid="baseline-verdict">
        {baseline.accuracy === summary.validationAccuracy
          ? 'The same accuracy either way.'
          : `${baseline.accuracy < summary.validationAccuracy ? 'Pruning while training' : 'Uniform shrinking'} is ${(Math.abs(summary.validationAccuracy - baseline.accuracy) * 100).toFixed(1)} percentage points more accurate at these budgets.`}
      </p>
    </>
  );
}

/**
 * The same budgets spent by uniform shrinking: one click trains the uniform-width network
 * that fits them, as long as the run, and compares the two.
 */
export function BaselineComparison() {
  const summary = useStudio((s) => (s.run.status === 'finished' ? s.run.summary : undefined));
  const live = useStudio((s) => s.liveRunId !== undefined && s.liveRunId === summary?.id);
  const progress = useStudio((s) =>
    s.baselineProgress?.runId === summary?.id ? s.baselineProgress : undefined,
  );
  const train = useStudio((s) => s.trainBaseline);
  const baseline = summary?.baseline;
  const total = summary?.config.schedule.totalSteps ?? 0;
  let empty: string | undefined;
  if (!summary) empty = 'Finish a run to compare it with uniform shrinking to the same budgets.';
  else if (!baseline && !live && !progress)
    empty = 'The baseline is trained by the page that ran this run: start a new run to compare.';
  return (
    <ChartCard
      id="baseline"
      title="Same budget, uniform width"
      description="How pruning while training compares with the plainest alternative: every layer shrunk by one width multiplier, the largest whose network fits the same budgets."
      empty={empty}
      wide
    >
      {summary && baseline && <ComparisonTable summary={summary} baseline={baseline} />}
      {summary && !baseline && (
        <p role="status" data-testid="baseline-status">
          {progress ? (
            `Training the uniform-width network: step ${formatCount(progress.step)} of ${formatCount(progress.totalSteps)}…`
          ) : (
            <button type="button" onClick={train}>
              Train the uniform-width baseline ({formatCount(total)} steps)
            </button>
          )}
        </p>
      )}
    </ChartCard>
  );
}
