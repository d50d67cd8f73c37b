/**
 * What a training run reports after a step, as plain data: produced by the trainer, carried to
 * the page by the worker protocol (which re-exports these types) and charted there.
 */
import type { SchedulePhase } from './pruning';
import type { Budgets, LayerFigures, ResourceFigures, ResourceName } from './resources';

/** The schedule's phase at a step, and 'done' once every step has run. */
export type Phase = SchedulePhase | 'done';

export interface GroupSnapshot {
  name: string;
  size: number;
  prunable: boolean;
  /** Size proportion π in [1/C, 1]. */
  sizeProportion: number;
  kept: number;
  /** Importance per channel (EMA of |dL/dm|), in channel order. */
  importance: number[];
  /** 1 for channels kept by the hard mask, 0 for pruned ones, in channel order. */
  mask: number[];
}

export interface StepMetrics {
  step: number;
  totalSteps: number;
  phase: Phase;
  loss: number;
  accuracy: number;
  validationAccuracy?: number;
  resources: ResourceFigures;
  unpruned: ResourceFigures;
  budgets: Budgets;
  lambdas: Partial<Record<ResourceName, number>>;
  groups: GroupSnapshot[];
  layers: LayerFigures[];
  ramPeakNode: string;
  stepMs: number;
  samplesPerSecond: number;
  /** tfjs memory in the worker (the session adds it): flat across steps and runs if nothing leaks. */
  memory?: { tensors: number; bytes: number };
  elapsedMs: number;
  etaMs: number;
}
