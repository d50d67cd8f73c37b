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

/** The four figures alone, e.g. of a resource report (which carries much more). */
export function figuresOf(source: ResourceFigures): ResourceFigures {
  return { flash: source.flash, ram: source.ram, latency: source.latency, macs: source.macs };
}
