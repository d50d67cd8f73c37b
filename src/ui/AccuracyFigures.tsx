import { useStudio } from '../state/store';
import type { RunSummary } from '../worker/protocol';
import { formatPercent, formatCount } from './format';

/** The fair reference: the unpruned network trained as long as the pruned one, on demand. */
function FullLengthReference({ summary }: { summary: RunSummary }) {
  const live = useStudio((s) => s.liveRunId === summary.id);
  const progress = useStudio((s) =>
    s.referenceProgress?.runId === summary.id ? s.referenceProgress : undefined,
  );
  const train = useStudio((s) => s.trainReference);
  const total = summary.config.schedule.totalSteps;
  const ref = summary.reference;
  if (!ref && !live) return null;
  return (
    <div>
      <dt>
        Unpruned network, float, after step {ref?.steps ?? total} of {total} (fair reference)
      </dt>
      <dd data-testid="accuracy-reference">
        {ref ? (
          <>
            {formatPercent(ref.accuracy)} ({formatCount(ref.validationSamples)} validation samples)
          </>
        ) : progress ? (
          `Training: step ${progress.step} of ${progress.totalSteps}…`
        ) : (
          <button type="button" className="secondary small" onClick={train}>
            Train it ({formatCount(total)} steps)
          </button>
        )}
      </dd>
    </div>
  );
}

/**
 * A finished run's accuracies, each named with the network and the step it was measured on.
 * The warm-up figure is a reference only: that network trained a fraction of the run.
 */
export function AccuracyFigures({ summary }: { summary: RunSummary }) {
  const total = summary.config.schedule.totalSteps;
  const q = summary.quantised;
  const warmupStep = summary.unprunedMeasuredAtStep;
  return (
    <dl className="run-figures accuracy-figures" data-testid="accuracy-figures">
      <div>
        <dt>
          Pruned network, float, after step {summary.steps} of {total}
        </dt>
        <dd data-testid="accuracy-pruned">
          {formatPercent(summary.validationAccuracy)}
          {summary.validationSamples !== undefined &&
            ` (${formatCount(summary.validationSamples)} validation samples)`}
        </dd>
      </div>
      {q && (
        <div>
          <dt>Same network as exported: int8 .tflite | float</dt>
          <dd data-testid="accuracy-int8">
            {formatPercent(q.int8Accuracy)} | {formatPercent(q.floatAccuracy)} (
            {formatCount(q.samples)} validation samples)
          </dd>
        </div>
      )}
      <FullLengthReference summary={summary} />
      {summary.unprunedValidationAccuracy !== undefined && (
        <div>
          <dt>
            Unpruned network
            {warmupStep !== undefined
              ? ` after step ${warmupStep} of ${total} (end of warm-up)`
              : ' at the end of warm-up'}
          </dt>
          <dd data-testid="accuracy-warmup">
            {formatPercent(summary.unprunedValidationAccuracy)}{' '}
            <span className="hint">
              reference only: it trained{' '}
              {warmupStep !== undefined && warmupStep > 0
                ? `${(summary.steps / warmupStep).toFixed(1)}× fewer steps`
                : 'fewer steps'}{' '}
              than the pruned network
            </span>
          </dd>
        </div>
      )}
    </dl>
  );
}
