/**
 * The configuration in the URL hash, like tensorflow/playground: `#model=mnist-cnn&width=1&…`.
 * Every key is one row of PROPERTIES below (what it is, its range, how it is rounded, where it
 * lives in the configuration): parsing, writing and the tests all read that one table.
 * Links are untrusted input: every field is checked on its own, a bad one falls back to its
 * default with a message that names it, and the others are kept.
 */
import {
  CORE_FAMILIES,
  CUSTOM_BOARD_ID,
  CUSTOM_BOARD_LIMITS,
  customBoardProblems,
  defaultCustomBoard,
  type BoardProfile,
} from '../core/hardware';
import { MODEL_ZOO } from '../core/zoo';
import type { BackendSetting, Budgets, ResourceName } from '../worker/protocol';
import { BOARDS } from './boards';
import {
  BACKEND_SETTINGS,
  BASE_DEFAULTS,
  DEFAULT_GENERATED,
  DEFAULT_TEXTURED,
  GENERATED_STYLES,
  LIMITS,
  type DatasetChoice,
  type StudioConfig,
} from './config';

export interface ParsedHash {
  config: StudioConfig;
  /** One readable sentence per rejected field; empty for a clean link. */
  problems: string[];
}

/** Budgets used when the link names none (or a bad one) for this model and board. */
export type DefaultBudgets = (config: Omit<StudioConfig, 'budgets'>) => Budgets;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Generated = Extract<DatasetChoice, { kind: 'generated' }>;
/** The configuration while a link is read, field by field. */
type Draft = Omit<StudioConfig, 'customBoard'> & { customBoard?: Mutable<BoardProfile> };

/** How a number is written: the precision it means (no 123.10000000000001 in a link). */
export type Rounding = 'integer' | { decimals: number } | { significant: number };

export function roundTo(value: number, rounding: Rounding): number {
  if (rounding === 'integer') return Math.round(value);
  if ('decimals' in rounding) return Number(value.toFixed(rounding.decimals));
  return value === 0 ? 0 : Number(value.toPrecision(rounding.significant));
}

interface Common {
  key: string;
  /** Whether the key applies (e.g. generated-set keys only for the generated set). */
  applies?: (c: Draft) => boolean;
}

export interface NumberProperty extends Common {
  type: 'number';
  range: { readonly min: number; readonly max: number };
  rounding: Rounding;
  /** A budget: 'none' means no limit, and the fallback is the board preset's budget. */
  budget?: ResourceName;
  get: (c: Draft) => number | undefined;
  set: (c: Draft, value: number | undefined) => void;
}

export interface ChoiceProperty extends Common {
  type: 'choice';
  /** What the value names, for messages ("Unknown board …"). */
  what: string;
  options: readonly string[];
  get: (c: Draft) => string | undefined;
  set: (c: Draft, value: string) => void;
}

export interface TextProperty extends Common {
  type: 'text';
  maxLength: number;
  get: (c: Draft) => string | undefined;
  set: (c: Draft, value: string) => void;
}

export type HashProperty = NumberProperty | ChoiceProperty | TextProperty;

const generated = (c: Draft) => c.dataset.kind === 'generated';
const gen = (c: Draft) => c.dataset as Generated;
const custom = (c: Draft) => c.boardId === CUSTOM_BOARD_ID;
/** The custom board being read; created from the preset on first use. */
const board = (c: Draft): Mutable<BoardProfile> => (c.customBoard ??= { ...defaultCustomBoard() });

function datasetNumber(
  key: string,
  field: 'seed' | 'classes' | 'size' | 'samples',
  range: { min: number; max: number },
): NumberProperty {
  return {
    key,
    type: 'number',
    range,
    rounding: 'integer',
    applies: generated,
    get: (c) => gen(c)[field],
    set: (c, v) => {
      if (v !== undefined) gen(c)[field] = v;
    },
  };
}

function boardNumber(
  key: string,
  field: 'clockMHz' | 'flashBytes' | 'ramBytes' | 'runtimeFlashBytes' | 'runtimeRamBytes',
  rounding: Rounding,
): NumberProperty {
  return {
    key,
    type: 'number',
    range: CUSTOM_BOARD_LIMITS[field],
    rounding,
    applies: custom,
    get: (c) => c.customBoard?.[field],
    set: (c, v) => {
      if (v !== undefined) board(c)[field] = v;
    },
  };
}

function budget(key: ResourceName, rounding: Rounding): NumberProperty {
  return {
    key,
    type: 'number',
    range: LIMITS[key],
    rounding,
    budget: key,
    get: (c) => c.budgets[key],
    set: (c, v) => {
      if (v === undefined) delete c.budgets[key];
      else c.budgets[key] = v;
    },
  };
}

/**
 * Every key a link can hold, in the order links are written and read (a key's `applies` may
 * look at the keys before it). Budgets are read last: their defaults depend on the rest.
 */
export const PROPERTIES: readonly HashProperty[] = [
  {
    key: 'data',
    type: 'choice',
    what: 'dataset',
    options: ['mnist', 'generated'],
    // Uploads cannot travel in a link.
    get: (c) => (c.dataset.kind === 'upload' ? undefined : c.dataset.kind),
    set: (c, v) => {
      c.dataset =
        v === 'generated' ? { kind: 'generated', ...DEFAULT_GENERATED } : { kind: 'mnist' };
    },
  },
  {
    key: 'gstyle',
    type: 'choice',
    what: 'generated style',
    options: GENERATED_STYLES,
    applies: generated,
    // Written only when not the default, so links of the plain set stay as they were.
    get: (c) => (gen(c).style === 'textured' ? 'textured' : undefined),
    // Before the other generated keys: a style brings its own defaults, which they override.
    set: (c, v) => {
      c.dataset =
        v === 'textured'
          ? { kind: 'generated', ...DEFAULT_TEXTURED }
          : { kind: 'generated', ...DEFAULT_GENERATED };
    },
  },
  datasetNumber('gseed', 'seed', LIMITS.seed),
  datasetNumber('gclasses', 'classes', LIMITS.generatedClasses),
  datasetNumber('gsize', 'size', LIMITS.generatedSize),
  datasetNumber('gsamples', 'samples', LIMITS.generatedSamples),
  {
    key: 'model',
    type: 'choice',
    what: 'model',
    options: MODEL_ZOO.map((m) => m.id),
    get: (c) => c.modelId,
    set: (c, v) => {
      c.modelId = v;
    },
  },
  {
    key: 'width',
    type: 'number',
    range: LIMITS.widthMultiplier,
    rounding: { decimals: 3 },
    get: (c) => c.widthMultiplier,
    set: (c, v) => {
      if (v !== undefined) c.widthMultiplier = v;
    },
  },
  {
    key: 'board',
    type: 'choice',
    what: 'board',
    options: BOARDS.map((b) => b.id),
    get: (c) => c.boardId,
    set: (c, v) => {
      c.boardId = v;
    },
  },
  {
    key: 'cname',
    type: 'text',
    maxLength: CUSTOM_BOARD_LIMITS.nameLength,
    applies: custom,
    get: (c) => c.customBoard?.name,
    set: (c, v) => {
      board(c).name = v;
    },
  },
  {
    key: 'ccore',
    type: 'choice',
    what: 'core family',
    options: CORE_FAMILIES,
    applies: custom,
    get: (c) => c.customBoard?.core,
    set: (c, v) => {
      board(c).core = v as BoardProfile['core'];
    },
  },
  boardNumber('cclock', 'clockMHz', { decimals: 1 }),
  boardNumber('cflash', 'flashBytes', 'integer'),
  boardNumber('cram', 'ramBytes', 'integer'),
  boardNumber('crtflash', 'runtimeFlashBytes', 'integer'),
  boardNumber('crtram', 'runtimeRamBytes', 'integer'),
  {
    key: 'steps',
    type: 'number',
    range: LIMITS.totalSteps,
    rounding: 'integer',
    get: (c) => c.schedule.totalSteps,
    set: (c, v) => {
      if (v !== undefined) c.schedule.totalSteps = v;
    },
  },
  {
    key: 'warmup',
    type: 'number',
    range: LIMITS.warmupFraction,
    rounding: { decimals: 3 },
    get: (c) => c.schedule.warmupFraction,
    set: (c, v) => {
      if (v !== undefined) c.schedule.warmupFraction = v;
    },
  },
  {
    key: 'prune',
    type: 'number',
    range: LIMITS.pruneFraction,
    rounding: { decimals: 3 },
    get: (c) => c.schedule.pruneFraction,
    set: (c, v) => {
      if (v !== undefined) c.schedule.pruneFraction = v;
    },
  },
  {
    key: 'batch',
    type: 'number',
    range: LIMITS.batchSize,
    rounding: 'integer',
    get: (c) => c.batchSize,
    set: (c, v) => {
      if (v !== undefined) c.batchSize = v;
    },
  },
  {
    key: 'lr',
    type: 'number',
    range: LIMITS.learningRate,
    rounding: { significant: 3 },
    get: (c) => c.learningRate,
    set: (c, v) => {
      if (v !== undefined) c.learningRate = v;
    },
  },
  {
    key: 'seed',
    type: 'number',
    range: LIMITS.seed,
    rounding: 'integer',
    get: (c) => c.seed,
    set: (c, v) => {
      if (v !== undefined) c.seed = v;
    },
  },
  {
    key: 'backend',
    type: 'choice',
    what: 'backend',
    options: BACKEND_SETTINGS,
    get: (c) => c.backend,
    set: (c, v) => {
      c.backend = v as BackendSetting;
    },
  },
  // Bytes are whole bytes, MACs whole MACs, latency to the microsecond.
  budget('flash', 'integer'),
  budget('ram', 'integer'),
  budget('latency', { decimals: 3 }),
  budget('macs', 'integer'),
];

const KNOWN_KEYS = new Set(PROPERTIES.map((p) => p.key));
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const shown = (raw: string) => (raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);

/** The text a value is written as: numbers rounded to the precision they mean. */
export function formatHashValue(property: HashProperty, value: number | string): string {
  return property.type === 'number' && typeof value === 'number'
    ? String(roundTo(value, property.rounding))
    : String(value);
}

/** Reads one number; a problem is pushed and undefined returned when it is not acceptable. */
function readNumber(
  p: NumberProperty,
  raw: string,
  fallbackText: string,
  problems: string[],
): number | undefined {
  if (!NUMBER.test(raw.trim())) {
    problems.push(`"${p.key}" must be a number, got "${shown(raw)}"; using ${fallbackText}.`);
    return undefined;
  }
  const value = Number(raw);
  const integer = p.rounding === 'integer';
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'a whole number' : 'a finite number';
    problems.push(`"${p.key}" must be ${kind}, got "${shown(raw)}"; using ${fallbackText}.`);
    return undefined;
  }
  if (value < p.range.min || value > p.range.max) {
    problems.push(
      `"${p.key}" must be between ${p.range.min} and ${p.range.max}, got ${value}; using ${fallbackText}.`,
    );
    return undefined;
  }
  return roundTo(value, p.rounding);
}

function readProperty(p: HashProperty, raw: string, draft: Draft, problems: string[]): void {
  if (p.type === 'choice') {
    if (p.options.includes(raw)) p.set(draft, raw);
    else {
      const fallback = p.get(draft);
      problems.push(`Unknown ${p.what} "${shown(raw)}" in "${p.key}"; using "${fallback}".`);
    }
    return;
  }
  if (p.type === 'text') {
    const text = raw.trim();
    if (text.length > 0 && text.length <= p.maxLength) p.set(draft, text);
    else {
      problems.push(
        `"${p.key}" must be 1 to ${p.maxLength} characters, got ${text.length}; using "${p.get(draft)}".`,
      );
    }
    return;
  }
  if (p.budget !== undefined && raw === 'none') {
    p.set(draft, undefined);
    return;
  }
  const fallback = p.get(draft);
  const fallbackText =
    p.budget === undefined
      ? String(fallback)
      : fallback === undefined
        ? 'no limit'
        : `the default ${fallback}`;
  const value = readNumber(p, raw, fallbackText, problems);
  if (value !== undefined) p.set(draft, value);
}

/** Checks between keys, after each key was read on its own; each restores defaults it rejects. */
function crossChecks(draft: Draft, problems: string[]): void {
  const d = BASE_DEFAULTS.schedule;
  const s = draft.schedule;
  if (s.warmupFraction + s.pruneFraction > 1) {
    problems.push(
      `"warmup" + "prune" must not exceed 1 (got ${s.warmupFraction} + ${s.pruneFraction}); using ${d.warmupFraction} and ${d.pruneFraction}.`,
    );
    s.warmupFraction = d.warmupFraction;
    s.pruneFraction = d.pruneFraction;
  }
  if (draft.customBoard) {
    const found = customBoardProblems(draft.customBoard);
    const preset = defaultCustomBoard();
    if (found.runtimeFlashBytes) {
      problems.push(`${found.runtimeFlashBytes} Using the board's defaults for flash.`);
      draft.customBoard.flashBytes = preset.flashBytes;
      draft.customBoard.runtimeFlashBytes = preset.runtimeFlashBytes;
    }
    if (found.runtimeRamBytes) {
      problems.push(`${found.runtimeRamBytes} Using the board's defaults for RAM.`);
      draft.customBoard.ramBytes = preset.ramBytes;
      draft.customBoard.runtimeRamBytes = preset.runtimeRamBytes;
    }
  }
}

function defaultsDraft(): Draft {
  return {
    ...BASE_DEFAULTS,
    dataset: { ...BASE_DEFAULTS.dataset },
    schedule: { ...BASE_DEFAULTS.schedule },
    budgets: {},
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
  const problems: string[] = [];
  const unknown = [...new Set(params.keys())].filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) {
    const list = unknown.slice(0, 3).map((k) => `"${k.slice(0, 40)}"`);
    problems.push(
      `Ignored unknown link setting${unknown.length > 1 ? 's' : ''} ${list.join(', ')}${unknown.length > 3 ? ' …' : ''}.`,
    );
  }
  const draft = defaultsDraft();
  const read = (p: HashProperty) => {
    const raw = params.get(p.key);
    if (raw !== null && (p.applies?.(draft) ?? true)) readProperty(p, raw, draft, problems);
  };
  PROPERTIES.filter((p) => p.type !== 'number' || p.budget === undefined).forEach(read);
  if (custom(draft)) board(draft);
  else delete draft.customBoard;
  crossChecks(draft, problems);
  const { budgets: _unused, ...rest } = draft;
  draft.budgets = { ...defaultBudgets(rest) };
  PROPERTIES.filter((p) => p.type === 'number' && p.budget !== undefined).forEach(read);
  return { config: draft, problems };
}

/** The hash for a configuration, without the leading '#'; uploads are not in links. */
export function encodeConfigHash(config: StudioConfig): string {
  const p = new URLSearchParams();
  for (const property of PROPERTIES) {
    if (!(property.applies?.(config) ?? true)) continue;
    const value = property.get(config);
    if (value !== undefined) p.set(property.key, formatHashValue(property, value));
    else if (property.type === 'number' && property.budget !== undefined)
      p.set(property.key, 'none');
  }
  return p.toString();
}
