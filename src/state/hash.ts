/**
 * The configuration in the URL hash, like tensorflow/playground: `#model=mnist-cnn&width=1&…`.
 * Links are untrusted input: every field is checked on its own, a bad one falls back to its
 * default with a message that names it, and the others are kept.
 */
import { MODEL_ZOO } from '../core/zoo';
import type { BackendSetting, Budgets, ResourceName } from '../worker/protocol';
import { BOARDS } from './boards';
import {
  BACKEND_SETTINGS,
  BASE_DEFAULTS,
  DEFAULT_GENERATED,
  LIMITS,
  type DatasetChoice,
  type StudioConfig,
} from './config';

const BUDGET_KEYS: readonly ResourceName[] = ['flash', 'ram', 'latency', 'macs'];
const KNOWN_KEYS = new Set([
  'data',
  'gseed',
  'gclasses',
  'gsize',
  'gsamples',
  'model',
  'width',
  'board',
  ...BUDGET_KEYS,
  'steps',
  'warmup',
  'prune',
  'batch',
  'lr',
  'seed',
  'backend',
]);

export interface ParsedHash {
  config: StudioConfig;
  /** One readable sentence per rejected field; empty for a clean link. */
  problems: string[];
}

/** Budgets used when the link names none (or a bad one) for this model and board. */
export type DefaultBudgets = (config: Omit<StudioConfig, 'budgets'>) => Budgets;

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

class FieldReader {
  readonly problems: string[] = [];
  constructor(private readonly params: URLSearchParams) {}

  number(
    key: string,
    fallback: number,
    range: { min: number; max: number },
    integer = false,
    fallbackText = String(fallback),
  ): number {
    const raw = this.params.get(key);
    if (raw === null) return fallback;
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    if (!NUMBER.test(raw.trim())) {
      this.problems.push(`"${key}" must be a number, got "${shown}"; using ${fallbackText}.`);
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      const kind = integer ? 'a whole number' : 'a finite number';
      this.problems.push(`"${key}" must be ${kind}, got "${shown}"; using ${fallbackText}.`);
      return fallback;
    }
    if (value < range.min || value > range.max) {
      this.problems.push(
        `"${key}" must be between ${range.min} and ${range.max}, got ${value}; using ${fallbackText}.`,
      );
      return fallback;
    }
    return value;
  }

  choice(key: string, fallback: string, allowed: readonly string[], what: string): string {
    const raw = this.params.get(key);
    if (raw === null) return fallback;
    if (!allowed.includes(raw)) {
      const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
      this.problems.push(`Unknown ${what} "${shown}" in "${key}"; using "${fallback}".`);
      return fallback;
    }
    return raw;
  }
}

function readDataset(r: FieldReader): DatasetChoice {
  const kind = r.choice('data', 'mnist', ['mnist', 'generated'], 'dataset');
  if (kind === 'mnist') return { kind: 'mnist' };
  const g = DEFAULT_GENERATED;
  return {
    kind: 'generated',
    seed: r.number('gseed', g.seed, LIMITS.seed, true),
    classes: r.number('gclasses', g.classes, LIMITS.generatedClasses, true),
    size: r.number('gsize', g.size, LIMITS.generatedSize, true),
    samples: r.number('gsamples', g.samples, LIMITS.generatedSamples, true),
  };
}

/** Parses `#…` (with or without the leading '#'); never throws. */
export function parseConfigHash(hash: string, defaultBudgets: DefaultBudgets): ParsedHash {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(text);
  } catch {
    params = new URLSearchParams();
  }
  const r = new FieldReader(params);
  const unknown = [...new Set(params.keys())].filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 3).map((k) => `"${k.slice(0, 40)}"`);
    r.problems.push(
      `Ignored unknown link setting${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}${unknown.length > 3 ? ' …' : ''}.`,
    );
  }
  const d = BASE_DEFAULTS;
  const dataset = readDataset(r);
  const modelId = r.choice(
    'model',
    d.modelId,
    MODEL_ZOO.map((m) => m.id),
    'model',
  );
  const widthMultiplier = r.number('width', d.widthMultiplier, LIMITS.widthMultiplier);
  const boardId = r.choice(
    'board',
    d.boardId,
    BOARDS.map((b) => b.id),
    'board',
  );
  const totalSteps = r.number('steps', d.schedule.totalSteps, LIMITS.totalSteps, true);
  let warmupFraction = r.number('warmup', d.schedule.warmupFraction, LIMITS.warmupFraction);
  let pruneFraction = r.number('prune', d.schedule.pruneFraction, LIMITS.pruneFraction);
  if (warmupFraction + pruneFraction > 1) {
    r.problems.push(
      `"warmup" + "prune" must not exceed 1 (got ${warmupFraction} + ${pruneFraction}); using ${d.schedule.warmupFraction} and ${d.schedule.pruneFraction}.`,
    );
    warmupFraction = d.schedule.warmupFraction;
    pruneFraction = d.schedule.pruneFraction;
  }
  const rest = {
    dataset,
    modelId,
    widthMultiplier,
    boardId,
    schedule: { totalSteps, warmupFraction, pruneFraction },
    batchSize: r.number('batch', d.batchSize, LIMITS.batchSize, true),
    learningRate: r.number('lr', d.learningRate, LIMITS.learningRate),
    seed: r.number('seed', d.seed, LIMITS.seed, true),
    backend: r.choice('backend', d.backend, BACKEND_SETTINGS, 'backend') as BackendSetting,
  };
  const fallbackBudgets = defaultBudgets(rest);
  const budgets: Budgets = {};
  for (const key of BUDGET_KEYS) {
    const fallback = fallbackBudgets[key];
    if (params.get(key) === 'none') continue;
    const text = fallback === undefined ? 'no limit' : `the default ${fallback}`;
    const value = r.number(key, fallback ?? Number.NaN, LIMITS[key], false, text);
    if (!Number.isNaN(value)) budgets[key] = value;
  }
  return { config: { ...rest, budgets }, problems: r.problems };
}

/** The hash for a configuration, without the leading '#'; uploads are not in links. */
export function encodeConfigHash(config: StudioConfig): string {
  const p = new URLSearchParams();
  const d = config.dataset;
  if (d.kind === 'generated') {
    p.set('data', 'generated');
    p.set('gseed', String(d.seed));
    p.set('gclasses', String(d.classes));
    p.set('gsize', String(d.size));
    p.set('gsamples', String(d.samples));
  } else if (d.kind === 'mnist') p.set('data', 'mnist');
  p.set('model', config.modelId);
  p.set('width', String(config.widthMultiplier));
  p.set('board', config.boardId);
  for (const key of BUDGET_KEYS) {
    const b = config.budgets[key];
    p.set(key, b === undefined ? 'none' : String(b));
  }
  p.set('steps', String(config.schedule.totalSteps));
  p.set('warmup', String(config.schedule.warmupFraction));
  p.set('prune', String(config.schedule.pruneFraction));
  p.set('batch', String(config.batchSize));
  p.set('lr', String(config.learningRate));
  p.set('seed', String(config.seed));
  p.set('backend', config.backend);
  return p.toString();
}
