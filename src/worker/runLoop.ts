/**
 * The step loop of a run: one training step after another until the run is done or stopped,
 * waiting while paused, with the page's chart fed a few times per second, validation at its
 * steps, checkpoints now and then, and the budgets the page moves while it trains.
 */
import { runBoard } from '../core/hardware';
import { feasibilityProblem } from '../train/estimator';
import type { PruningTrainer, StepResult } from '../train/trainer';
import { scheduleBoundaries } from '../core/pruning';
import type { Budgets, SimulatedFaults } from './protocol';
import { rollBackDiverged, type RunCheckpoints } from './recovery';
import {
  sameBudgets,
  withMemory,
  type Notify,
  type Post,
  type TrainingRunState,
} from './trainingRun';

/** Minimum time between two metrics messages: the UI redraws a few times per second. */
const METRICS_INTERVAL_MS = 100;
/** Checkpoints are stored at most this often (and at every phase change). */
const CHECKPOINT_INTERVAL_MS = 5000;

/** Holds the step loop while the run is paused. */
export class PauseGate {
  private gate?: { promise: Promise<void>; release: () => void };

  /** While paused: settles when the run goes on. */
  get waiting(): Promise<void> | undefined {
    return this.gate?.promise;
  }

  /** Pauses; false when already paused. */
  close(): boolean {
    if (this.gate) return false;
    let release = () => {};
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.gate = { promise, release };
    return true;
  }

  /** Lets the run go on; false when it was not paused. */
  open(): boolean {
    const gate = this.gate;
    if (!gate) return false;
    this.gate = undefined;
    gate.release();
    return true;
  }
}

/** What the step loop needs of the session. */
export interface LoopContext {
  post: Post;
  notice: Notify;
  gate: PauseGate;
  /** Simulated faults still to happen (each once: it is cleared when it fires). */
  faults: SimulatedFaults;
  checkpoints: RunCheckpoints;
  /** A step threw: true when the run goes on (on another backend), false when it must stop. */
  fallBack(run: TrainingRunState, err: unknown): Promise<boolean>;
}

/**
 * Trains the run until it is done ('done'), the page stopped it ('stopped') or a step failed
 * with nowhere to go on ('failed'). Ending the run is the caller's.
 */
export async function trainRun(
  run: TrainingRunState,
  context: LoopContext,
): Promise<'done' | 'stopped' | 'failed'> {
  const { post, notice, gate, faults, checkpoints } = context;
  let lastPost = 0;
  let lastPhase = run.trainer.phase;
  while (!run.trainer.done && !run.stopRequested) {
    const paused = gate.waiting;
    if (paused) {
      await paused;
      continue;
    }
    const trainer = run.trainer;
    const began = performance.now();
    const phaseBefore = trainer.phase;
    let result: StepResult;
    try {
      if (faults.slowStepAtStep === trainer.step) {
        faults.slowStepAtStep = undefined;
        spinForever();
      }
      if (faults.deviceLostAtStep === trainer.step) {
        faults.deviceLostAtStep = undefined;
        throw new Error('the GPU device was lost (simulated)');
      }
      result = await trainer.trainStep();
    } catch (err) {
      if (await context.fallBack(run, err)) continue;
      return 'failed';
    }
    if (faults.nanAtStep === trainer.step) {
      faults.nanAtStep = undefined;
      result = { ...result, loss: NaN };
    }
    if (!Number.isFinite(result.loss)) {
      notice('warning', rollBackDiverged(run, result.loss));
      continue;
    }
    if (phaseBefore === 'pruning' && trainer.removed) {
      const early = earlyRemovalNotice(trainer);
      if (early) notice('info', early);
    }
    if (trainer.repair && !run.repairReported) {
      run.repairReported = true;
      notice('info', repairNotice(trainer.repair));
    }
    const phaseAfter = trainer.phase;
    const validate =
      (trainer.settings.validationEvery > 0 &&
        trainer.step % trainer.settings.validationEvery === 0) ||
      (phaseBefore === 'warmup' && phaseAfter !== 'warmup');
    if (validate) {
      trainer.lastValidationAccuracy = await trainer.accuracy(
        trainer.dataset.validation,
        trainer.settings.validationSamples,
      );
      if (phaseBefore === 'warmup' && phaseAfter !== 'warmup') {
        run.unprunedAccuracy = trainer.lastValidationAccuracy;
        run.unprunedStep = trainer.step;
      }
    }
    const stepMs = performance.now() - began;
    const now = performance.now();
    if (
      now - lastPost >= METRICS_INTERVAL_MS ||
      phaseAfter !== lastPhase ||
      validate ||
      trainer.done
    ) {
      lastPost = now;
      lastPhase = phaseAfter;
      post({ type: 'metrics', metrics: withMemory(trainer.metrics(result, stepMs)) });
    }
    if (
      !trainer.done &&
      (phaseAfter !== phaseBefore || now - run.lastSavedAt >= CHECKPOINT_INTERVAL_MS)
    ) {
      await checkpoints.save(run);
    }
    // Let queued commands (pause, budgets, stop) in between steps.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return run.stopRequested ? 'stopped' : 'done';
}

/**
 * New budgets for a running job, checked as a Start checks them: below the smallest network
 * they are refused (the run keeps its budgets), and once the network has been pruned to its
 * final size (fine-tuning) they could no longer change it. The page always hears back.
 */
export function applyBudgets(
  run: TrainingRunState,
  budgets: Budgets,
  post: Post,
  notice: Notify,
): void {
  const { trainer } = run;
  if (sameBudgets(budgets, trainer.budgets)) return;
  let refused: string | undefined;
  if (trainer.removed || trainer.phase === 'finetune' || trainer.phase === 'done') {
    refused =
      `The network was already pruned to its final size for the budgets in force; ` +
      `fine-tuning does not change its size, so the new budgets were not applied. ` +
      `Start a new run to prune to them.`;
  } else {
    const problem = feasibilityProblem(trainer.original, runBoard(run.config), budgets);
    if (problem) refused = `The new budgets were not applied: ${problem}`;
  }
  if (refused) {
    notice('error', refused);
  } else {
    trainer.setBudgets(budgets);
    const last = run.budgetHistory.at(-1);
    // Several changes before one step: the last one is what that step used.
    if (last && last.step === trainer.step) last.budgets = { ...budgets };
    else run.budgetHistory.push({ step: trainer.step, budgets: { ...budgets } });
  }
  post({
    type: 'budgets',
    budgets: { ...trainer.budgets },
    history: run.budgetHistoryCopy(),
    ...(refused ? { refused } : {}),
  });
}

/**
 * What the page is told when the channels went before the pruning phase's end (the budgets
 * were met long enough, method-notes §7); undefined for a removal at the scheduled step.
 */
export function earlyRemovalNotice(trainer: PruningTrainer): string | undefined {
  const { pruneEnd } = scheduleBoundaries(trainer.settings.totalSteps, trainer.settings);
  const at = trainer.removedAtStep;
  if (at === undefined || at >= pruneEnd) return undefined;
  return (
    `The budgets were met for ${trainer.settleSteps} pruning steps in a row, so the network ` +
    `was pruned to its final size at step ${at} (the pruning phase would have run to step ` +
    `${pruneEnd}) and fine-tunes from there.`
  );
}

/** What the page is told of the feasibility repair before fine-tuning (PruningTrainer.repair). */
export function repairNotice(repair: { removed: number; feasible: boolean }): string {
  return repair.feasible
    ? `Feasibility repair removed ${repair.removed} more channel(s) to meet the budget.`
    : 'Even one channel per layer does not fit the budget; kept the smallest model.';
}

/** A step that never ends (fault injection): blocks the worker until the page ends it. */
function spinForever(): void {
  const until = performance.now() + 60 * 60 * 1000;
  while (performance.now() < until) {
    // Nothing: the worker cannot read messages meanwhile, as in a stuck kernel.
  }
}
