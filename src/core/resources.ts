/**
 * The one vocabulary for the four resources a budget can limit, shared by the pruning
 * controller, the trainer, the worker protocol and the page. Units: bytes (flash, ram),
 * milliseconds (latency) and multiply-accumulates (macs).
 */

export type ResourceName = 'flash' | 'ram' | 'latency' | 'macs';

/** Every resource, in the order the page lists them. */
export const RESOURCE_NAMES: readonly ResourceName[] = ['flash', 'ram', 'latency', 'macs'];

/** One value per resource. */
export type ResourceFigures = Record<ResourceName, number>;

/** A limit per resource; an absent one is not limited. */
export type Budgets = Partial<Record<ResourceName, number>>;

/** One deployed operator's share of the figures. */
export interface LayerFigures {
  node: string;
  op: string;
  flashBytes: number;
  macs: number;
  latencyMs: number;
  /** Live arena bytes while this operator runs. */
  liveBytes: number;
}

/** The resource model's field names (resourceModel.ts), one per resource. */
export interface ModelFields<T> {
  readonly flashBytes: T;
  readonly ramBytes: T;
  readonly latencyMs: T;
  readonly macs: T;
}

/**
 * The resource model's figures (or gradients) keyed by resource name. The one translation
 * between the two namings, until the resource model reports ResourceFigures itself.
 */
export function byResource<T>(fields: ModelFields<T>): Record<ResourceName, T> {
  return {
    flash: fields.flashBytes,
    ram: fields.ramBytes,
    latency: fields.latencyMs,
    macs: fields.macs,
  };
}
