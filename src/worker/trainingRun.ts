/**
 * One run of the training session (its trainer, configuration, lock and what it has measured),
 * and the small vocabulary the session's modules share: how they post events and notices.
 */
import * as tf from '@tensorflow/tfjs';
import type { PruningTrainer, TrainerCheckpoint, TrainerSettings } from '../train/trainer';
import type { RunExporter } from './exports';
import type {
  BackendName,
  BudgetChange,
  Budgets,
  RunConfig,
  StepMetrics,
  UniformBaseline,
  WorkerEvent,
} from './protocol';

/** Sends an event to the page (with the buffers it hands over). */
export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;
/** Sends a notice to the page. */
export type Notify = (level: 'info' | 'warning' | 'error', message: string) => void;

export class TrainingRunState {
  stopRequested = false;
  ended = false;
  repairReported = false;
  storageWarned = false;
  unprunedAccuracy?: number;
  unprunedStep?: number;
  exporter?: RunExporter;
  /** Every budget change with the step it applied from; the Start budgets first. */
  budgetHistory: BudgetChange[];
  /** The uniform-width baseline, once trained. */
  baseline?: UniformBaseline;
  /** The last checkpoint: roll-back target after a diverging step or a failed backend. */
  lastGood?: TrainerCheckpoint;
  lastSavedAt = performance.now();
  readonly startedAt = performance.now();
  /** Lets go of the run's lock (see RunLocks). */
  release?: () => void;

  constructor(
    public trainer: PruningTrainer,
    readonly config: RunConfig,
    public backend: BackendName,
    readonly modelName: string,
    /** Names the run's checkpoint and lock: unique per run, so tabs never share one. */
    readonly key: string,
  ) {
    this.budgetHistory = [{ step: trainer.step, budgets: { ...trainer.budgets } }];
  }

  /** The run has ended here: its lock goes, so its checkpoint (if kept) is no longer "live". */
  end(): void {
    this.ended = true;
    this.release?.();
    this.release = undefined;
  }

  /** A copy of the budget history, for a message. */
  budgetHistoryCopy(): BudgetChange[] {
    return this.budgetHistory.map((c) => ({ ...c, budgets: { ...c.budgets } }));
  }
}

/** Trainer settings of a run's configuration. */
export function settingsFor(
  config: RunConfig,
  learningRate = config.learningRate,
): TrainerSettings {
  return {
    totalSteps: config.schedule.totalSteps,
    warmupFraction: config.schedule.warmupFraction,
    pruneFraction: config.schedule.pruneFraction,
    batchSize: config.batchSize,
    learningRate,
    seed: config.seed,
    budgets: config.budgets,
    validationEvery: Math.max(10, Math.round(config.schedule.totalSteps / 10)),
    validationSamples: 500,
  };
}

export function sameBudgets(a: Budgets, b: Budgets): boolean {
  return (['flash', 'ram', 'latency', 'macs'] as const).every((r) => a[r] === b[r]);
}

/** A key no other run of any tab has: time and randomness. */
export function newRunKey(): string {
  const random = Math.floor(Math.random() * 2 ** 48).toString(36);
  return `run-${Date.now().toString(36)}-${random}`;
}

/** The step's metrics with the tensors and bytes tfjs holds now. */
export function withMemory(metrics: StepMetrics): StepMetrics {
  const { numTensors, numBytes } = tf.memory();
  return { ...metrics, memory: { tensors: numTensors, bytes: numBytes } };
}

/** What a thrown value says: an error's message, anything else as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
