import { useStudio } from '../state/store';
import type { Phase } from '../worker/protocol';

const PHASES: Record<Phase, string> = {
  warmup: 'warm-up',
  pruning: 'pruning',
  finetune: 'fine-tuning',
  done: 'done',
};

/** Offers to continue a run that a reload or a crashed worker interrupted. */
export function ResumeOffer() {
  const info = useStudio((s) => s.resumable);
  const status = useStudio((s) => s.run.status);
  const resume = useStudio((s) => s.resumeInterruptedRun);
  const discard = useStudio((s) => s.discardInterruptedRun);
  if (!info || status === 'running' || status === 'starting' || status === 'paused') return null;
  const saved = new Date(info.savedAt);
  return (
    <section
      className="resume-offer"
      role="region"
      aria-label="Interrupted run"
      data-testid="resume-offer"
    >
      <p>
        <strong>An interrupted run can be resumed:</strong> {info.modelName} on {info.datasetName},
        step {info.step} of {info.totalSteps} ({PHASES[info.phase] ?? info.phase}), saved{' '}
        {saved.toLocaleTimeString()}.
      </p>
      <div className="resume-actions">
        <button type="button" className="primary" onClick={resume}>
          Resume run
        </button>
        <button type="button" onClick={discard}>
          Discard
        </button>
      </div>
    </section>
  );
}
