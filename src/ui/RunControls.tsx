import { useMemo } from 'react';
import { boardOrDefault } from '../state/boards';
import { budgetProblems } from '../state/budgets';
import { selectIsRunActive, selectLatestMetrics, selectRunStatus } from '../state/selectors';
import { useStudio } from '../state/store';
import type { Phase } from '../worker/protocol';
import { formatBytes, formatCount, formatDateTime, formatDuration, formatMs } from './format';
import { AccuracyFigures } from './AccuracyFigures';
import { ReplayScrubber } from './ReplayScrubber';
import { runLabel } from './SavedRuns';
import { StepPanel } from './StepPanel';

export const PHASE_LABELS: Record<Phase, string> = {
  warmup: 'Warm-up',
  pruning: 'Pruning',
  finetune: 'Fine-tuning',
  done: 'Done',
};

const STATUS_TEXT = {
  idle: 'Ready: press Start to train and prune.',
  starting: 'Starting: preparing the data and the model…',
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped. Change the settings and start again.',
  finished: 'Finished. The exports below are ready.',
} as const;

/** The schedule as three segments (warm-up, pruning, fine-tuning) with the current one lit. */
function PhaseStrip({ phase }: { phase: Phase | undefined }) {
  const schedule = useStudio((s) => s.config.schedule);
  const parts: { phase: Phase; share: number }[] = [
    { phase: 'warmup', share: schedule.warmupFraction },
    { phase: 'pruning', share: schedule.pruneFraction },
    {
      phase: 'finetune',
      share: Math.max(0, 1 - schedule.warmupFraction - schedule.pruneFraction),
    },
  ];
  return (
    <ol className="phase-strip" aria-label="Schedule phases">
      {parts.map((p) => (
        <li
          key={p.phase}
          style={{ flexGrow: Math.max(p.share, 0.04) }}
          className={phase === p.phase ? 'current' : undefined}
          aria-current={phase === p.phase ? 'step' : undefined}
        >
          {PHASE_LABELS[p.phase]} {Math.round(p.share * 100)}%
        </li>
      ))}
    </ol>
  );
}

/** Step 5: start, pause, stop; progress, speed and the phase of the schedule. */
export function RunControls() {
  const status = useStudio(selectRunStatus);
  const active = useStudio(selectIsRunActive);
  const latest = useStudio(selectLatestMetrics);
  const totalStepsConfigured = useStudio((s) => s.config.schedule.totalSteps);
  const budgets = useStudio((s) => s.config.budgets);
  const estimate = useStudio((s) => s.estimate);
  const boardId = useStudio((s) => s.config.boardId);
  const startRun = useStudio((s) => s.startRun);
  const pauseRun = useStudio((s) => s.pauseRun);
  const resumeRun = useStudio((s) => s.resumeRun);
  const stopRun = useStudio((s) => s.stopRun);
  const shown = useStudio((s) => (s.run.status === 'finished' ? s.run.summary : undefined));
  const datasetLoading = useStudio((s) => s.dataset.loading);
  const datasetShown = useStudio((s) => s.dataset.summary !== undefined);
  const datasetReady = !datasetLoading && datasetShown;
  // The finished run's files are on their way: a new run would leave it not kept whole.
  const keeping = useStudio((s) => s.run.status === 'finished' && s.run.filesPending === true);
  const infeasible = useMemo(
    () =>
      budgetProblems(budgets, estimate?.smallest, boardOrDefault(boardId)).some(
        (p) => p.smallest !== undefined,
      ),
    [budgets, estimate, boardId],
  );
  const total = latest?.totalSteps ?? totalStepsConfigured;
  const step = active || status === 'finished' || status === 'stopped' ? (latest?.step ?? 0) : 0;
  const percent = total > 0 ? Math.round((step / total) * 100) : 0;
  const phase = active || status === 'finished' ? latest?.phase : undefined;
  return (
    <StepPanel name="run" step={5} title="Run" heading="h2" className="run-controls">
      <div className="button-row">
        <button
          type="button"
          className="primary"
          onClick={startRun}
          disabled={active || infeasible || !datasetReady || keeping}
          aria-describedby={infeasible ? 'budget-problems' : keeping ? 'run-keeping' : undefined}
        >
          Start
        </button>
        {status === 'paused' ? (
          <button type="button" onClick={resumeRun}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={pauseRun} disabled={status !== 'running'}>
            Pause
          </button>
        )}
        <button type="button" onClick={stopRun} disabled={!active}>
          Stop
        </button>
        <p className="run-status" role="status" data-testid="run-status">
          {STATUS_TEXT[status]}
          {infeasible && !active && ' A budget is infeasible (see Budgets).'}
          {!active && datasetLoading && ' Waiting for the dataset to load.'}
          {!active && !datasetLoading && !datasetShown && ' Choose a dataset first.'}
          {keeping && (
            <span id="run-keeping"> Keeping the run: its export files are being made.</span>
          )}
        </p>
      </div>
      {shown && (
        <p className="hint" data-testid="shown-run">
          Showing: {runLabel(shown)}, finished {formatDateTime(shown.finishedAt)}.
        </p>
      )}
      {shown && <AccuracyFigures summary={shown} />}
      <ReplayScrubber />
      <div
        className="progress"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={step}
        aria-valuetext={`Step ${step} of ${total}${phase ? `, ${PHASE_LABELS[phase]}` : ''}`}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <PhaseStrip phase={phase} />
      <dl className="run-figures">
        <div>
          <dt>Step</dt>
          <dd data-testid="run-step">
            {step} / {total}
          </dd>
        </div>
        <div>
          <dt>Phase</dt>
          <dd data-testid="run-phase">{phase ? PHASE_LABELS[phase] : '–'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{latest && active ? formatDuration(latest.etaMs) : '–'}</dd>
        </div>
        <div>
          <dt>Step time</dt>
          <dd>{latest ? formatMs(latest.stepMs) : '–'}</dd>
        </div>
        <div>
          <dt>Tensor memory</dt>
          <dd data-testid="tensor-memory">
            {latest?.memory
              ? `${formatBytes(latest.memory.bytes)} (${latest.memory.tensors} tensors)`
              : '–'}
          </dd>
        </div>
        <div>
          <dt>Samples/s</dt>
          <dd>{latest ? formatCount(latest.samplesPerSecond) : '–'}</dd>
        </div>
      </dl>
    </StepPanel>
  );
}
