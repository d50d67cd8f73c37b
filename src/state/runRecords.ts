/**
 * Finished runs kept whole: the summary, the chart series, the run's last metrics (π,
 * importances, masks and per-layer figures at its end) and its four export files (TF.js float
 * weights, int8 .tflite, C array, report). Kept in IndexedDB (one transaction per run, so a
 * run is stored entirely or not at all) and moved between browsers as one run file.
 *
 * Whatever is read back (storage, an imported file) is untrusted and checked field by field:
 * a record that fails is never shown as a run.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type {
  ConfusionEvaluation,
  EvaluatedModel,
  ExportFormat,
  RunSummary,
  StepMetrics,
} from '../worker/protocol';
import { isRunSummary } from './savedRuns';
import type { DecimatedSeries, RunSeries } from './series';

export const RUN_RECORD_VERSION = 1;
export const EXPORT_FORMATS: readonly ExportFormat[] = ['tfjs', 'tflite', 'c-array', 'report'];
/** What each export is; an imported run file cannot choose another type for its downloads. */
const MIME: Record<ExportFormat, string> = {
  tfjs: 'application/zip',
  tflite: 'application/octet-stream',
  'c-array': 'application/zip',
  report: 'application/json',
};

export interface RunRecordFile {
  filename: string;
  mime: string;
  bytes: ArrayBuffer;
}

export interface RunRecord {
  version: typeof RUN_RECORD_VERSION;
  summary: RunSummary;
  series: RunSeries;
  /** The run's last metrics: what the π, importance, resource and layer charts show at its end. */
  final: StepMetrics;
  files: Record<ExportFormat, RunRecordFile>;
  /**
   * The confusion matrices the run finished with (its TFLite Micro facts are in its report).
   * Optional: a run kept before they existed has none, and a damaged part is dropped (the
   * run itself still opens).
   */
  insight?: RunInsight;
}

export interface RunInsight {
  evaluations?: Partial<Record<EvaluatedModel, ConfusionEvaluation>>;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number';
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNumArray = (x: unknown): boolean => Array.isArray(x) && x.every(isNum);
const PHASES = ['idle', 'warmup', 'pruning', 'repair', 'finetune', 'done'];

function isFigures(x: unknown): boolean {
  return isObj(x) && ['flash', 'ram', 'latency', 'macs'].every((k) => isNum(x[k]));
}

function isSeries(x: unknown, isPoint: (p: unknown) => boolean): x is DecimatedSeries<unknown> {
  return (
    isObj(x) &&
    Array.isArray(x.points) &&
    x.points.every(isPoint) &&
    isNum(x.offered) &&
    isNum(x.stride) &&
    x.stride >= 1
  );
}

function isRunSeries(x: unknown): x is RunSeries {
  if (!isObj(x) || !Array.isArray(x.groupNames) || !x.groupNames.every(isStr)) return false;
  const groups = x.groupNames.length;
  const isStep = (p: unknown) =>
    isObj(p) &&
    isNum(p.step) &&
    isStr(p.phase) &&
    PHASES.includes(p.phase) &&
    isNum(p.loss) &&
    isNum(p.accuracy) &&
    isFigures(p) &&
    isNumArray(p.pi) &&
    (p.pi as number[]).length === groups;
  const isValidation = (p: unknown) => isObj(p) && isNum(p.step) && isNum(p.accuracy);
  return (
    isSeries(x.steps, isStep) &&
    isSeries(x.validation, isValidation) &&
    (x.snapshots === undefined || isSeries(x.snapshots, isFinalMetrics))
  );
}

function isFinalMetrics(x: unknown): x is StepMetrics {
  return (
    isObj(x) &&
    isNum(x.step) &&
    isNum(x.totalSteps) &&
    isStr(x.phase) &&
    PHASES.includes(x.phase) &&
    isFigures(x.resources) &&
    isFigures(x.unpruned) &&
    isObj(x.budgets) &&
    isObj(x.lambdas) &&
    Array.isArray(x.groups) &&
    x.groups.every(
      (g) =>
        isObj(g) &&
        isStr(g.name) &&
        isNum(g.size) &&
        typeof g.prunable === 'boolean' &&
        isNum(g.sizeProportion) &&
        isNum(g.kept) &&
        isNumArray(g.importance) &&
        isNumArray(g.mask),
    ) &&
    Array.isArray(x.layers) &&
    x.layers.every(
      (l) =>
        isObj(l) &&
        isStr(l.node) &&
        isStr(l.op) &&
        isNum(l.flashBytes) &&
        isNum(l.macs) &&
        isNum(l.latencyMs) &&
        isNum(l.liveBytes),
    ) &&
    isStr(x.ramPeakNode)
  );
}

function isFile(x: unknown): x is RunRecordFile {
  return (
    isObj(x) &&
    isStr(x.filename) &&
    x.filename.length > 0 &&
    isStr(x.mime) &&
    x.bytes instanceof ArrayBuffer &&
    x.bytes.byteLength > 0
  );
}

function isEvaluation(x: unknown, model: EvaluatedModel): x is ConfusionEvaluation {
  if (!isObj(x) || x.model !== model || !isNum(x.numClasses) || !isObj(x.samples)) return false;
  const n = x.numClasses;
  const { samples } = x;
  const shape = samples.inputShape;
  const count = samples.count;
  return (
    Number.isInteger(n) &&
    n > 0 &&
    Array.isArray(x.classNames) &&
    x.classNames.length === n &&
    x.classNames.every(isStr) &&
    isNumArray(x.counts) &&
    (x.counts as number[]).length === n * n &&
    isNum(x.total) &&
    isNum(x.accuracy) &&
    Array.isArray(x.precision) &&
    Array.isArray(x.recall) &&
    Array.isArray(x.cellSamples) &&
    x.cellSamples.length === n * n &&
    x.cellSamples.every(isNumArray) &&
    Array.isArray(shape) &&
    shape.length === 3 &&
    isNumArray(shape) &&
    isNum(count) &&
    samples.pixels instanceof Uint8Array &&
    samples.pixels.length === count * (shape as number[]).reduce((a, b) => a * b, 1) &&
    isNumArray(samples.validationIndex)
  );
}

/** The parts of a stored insight that are whole; undefined when none is. */
export function wholeInsight(x: unknown): RunInsight | undefined {
  if (!isObj(x)) return undefined;
  const insight: RunInsight = {};
  const evaluations: Partial<Record<EvaluatedModel, ConfusionEvaluation>> = {};
  const listed = isObj(x.evaluations) ? x.evaluations : {};
  for (const model of ['float', 'int8'] as const) {
    if (isEvaluation(listed[model], model)) evaluations[model] = listed[model];
  }
  if (Object.keys(evaluations).length > 0) insight.evaluations = evaluations;
  return Object.keys(insight).length > 0 ? insight : undefined;
}

/** Why `x` is not a whole run record, or undefined when it is one. */
export function runRecordProblem(x: unknown): string | undefined {
  if (!isObj(x)) return 'it is not a run';
  if (x.version !== RUN_RECORD_VERSION) return `it has an unknown version (${String(x.version)})`;
  if (!isRunSummary(x.summary)) return 'its summary is incomplete';
  if (!isRunSeries(x.series)) return 'its chart series are incomplete';
  if (!isFinalMetrics(x.final)) return 'its final figures are incomplete';
  const files = x.files;
  if (!isObj(files)) return 'it has no export files';
  const missing = EXPORT_FORMATS.filter((f) => !isFile(files[f]));
  if (missing.length > 0)
    return `its ${missing.join(', ')} file${missing.length > 1 ? 's are' : ' is'} missing`;
  return undefined;
}

export function isRunRecord(x: unknown): x is RunRecord {
  return runRecordProblem(x) === undefined;
}

/** A stored value as a run record (its damaged insight parts dropped), or undefined. */
export function checkedRecord(x: unknown): RunRecord | undefined {
  if (!isRunRecord(x)) return undefined;
  const { insight, ...rest } = x;
  const whole = wholeInsight(insight);
  return whole ? { ...rest, insight: whole } : rest;
}

/** Where whole runs are kept; every method rejects with a readable Error. */
export interface RunRecordStore {
  /** Stores the record whole, or nothing (one transaction). */
  put(record: RunRecord): Promise<void>;
  /** The record if it is stored and whole; undefined otherwise. */
  get(id: string): Promise<RunRecord | undefined>;
  /** Summaries of the whole records stored, oldest first. */
  list(): Promise<RunSummary[]>;
  delete(id: string): Promise<void>;
  /** Changes the stored run's name (in its summary). */
  rename(id: string, name: string): Promise<void>;
}

export class MemoryRunRecordStore implements RunRecordStore {
  readonly records = new Map<string, RunRecord>();
  async put(record: RunRecord): Promise<void> {
    this.records.set(record.summary.id, structuredClone(record));
  }
  async get(id: string): Promise<RunRecord | undefined> {
    return checkedRecord(structuredClone(this.records.get(id)));
  }
  async list(): Promise<RunSummary[]> {
    return [...this.records.values()]
      .filter(isRunRecord)
      .map((r) => structuredClone(r.summary))
      .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  }
  async delete(id: string): Promise<void> {
    this.records.delete(id);
  }
  async rename(id: string, name: string): Promise<void> {
    const r = this.records.get(id);
    if (r) r.summary = { ...r.summary, name };
  }
}

const DB_NAME = 'pruning-studio-runs';
const RECORDS = 'records';
const SUMMARIES = 'summaries';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/**
 * Two object stores written together: the whole records, and their summaries (so the list
 * is read without loading every run's files). A summary counts only if its record is there.
 */
export class IndexedDbRunRecordStore implements RunRecordStore {
  private db?: Promise<IDBDatabase>;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore(RECORDS);
        req.result.createObjectStore(SUMMARIES);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    });
    return this.db;
  }

  async put(record: RunRecord): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([RECORDS, SUMMARIES], 'readwrite');
    const finished = done(tx);
    tx.objectStore(RECORDS).put(record, record.summary.id);
    tx.objectStore(SUMMARIES).put(record.summary, record.summary.id);
    await finished;
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const db = await this.open();
    const tx = db.transaction(RECORDS, 'readonly');
    const value: unknown = await request(tx.objectStore(RECORDS).get(id));
    return checkedRecord(value);
  }

  async list(): Promise<RunSummary[]> {
    const db = await this.open();
    const tx = db.transaction([RECORDS, SUMMARIES], 'readonly');
    const [keys, summaries] = await Promise.all([
      request(tx.objectStore(RECORDS).getAllKeys()),
      request(tx.objectStore(SUMMARIES).getAll()) as Promise<unknown[]>,
    ]);
    const whole = new Set(keys.map(String));
    return summaries
      .filter((s): s is RunSummary => isRunSummary(s) && whole.has(s.id))
      .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  }

  async delete(id: string): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([RECORDS, SUMMARIES], 'readwrite');
    const finished = done(tx);
    tx.objectStore(RECORDS).delete(id);
    tx.objectStore(SUMMARIES).delete(id);
    await finished;
  }

  async rename(id: string, name: string): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([RECORDS, SUMMARIES], 'readwrite');
    const finished = done(tx);
    const records = tx.objectStore(RECORDS);
    const record: unknown = await request(records.get(id));
    if (isRunRecord(record)) {
      const summary = { ...record.summary, name };
      records.put({ ...record, summary }, id);
      tx.objectStore(SUMMARIES).put(summary, id);
    }
    await finished;
  }
}

/** Bytes as "1.2 MB", for storage messages. */
export function formatStorage(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

// ---- Run files: one run, whole, in a zip another browser imports ----------------------------

const RUN_FILE_FORMAT = 'pruning-studio-run';
const MANIFEST = 'run.json';

/** JSON has no NaN or ±Infinity (a finished run's last loss is NaN): they travel tagged. */
const NON_FINITE = '$nonFinite';
const toJson = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isFinite(value) ? { [NON_FINITE]: String(value) } : value;
const fromJson = (_key: string, value: unknown) => {
  if (isObj(value) && Object.keys(value).length === 1 && isStr(value[NON_FINITE])) {
    return Number(value[NON_FINITE]);
  }
  return value;
};

/** The run as one zip: run.json (summary, series, final figures, file list) + the exports. */
export function encodeRunFile(record: RunRecord): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  const files: Record<string, { filename: string; mime: string; entry: string }> = {};
  for (const format of EXPORT_FORMATS) {
    const f = record.files[format];
    const entry = `files/${format}/${f.filename}`;
    entries[entry] = new Uint8Array(f.bytes);
    files[format] = { filename: f.filename, mime: f.mime, entry };
  }
  // The confusion matrices' sample pictures travel as raw bytes beside the JSON.
  const evaluations: Record<string, unknown> = {};
  for (const [model, evaluation] of Object.entries(record.insight?.evaluations ?? {})) {
    const entry = `insight/${model}-samples.bin`;
    entries[entry] = evaluation.samples.pixels;
    evaluations[model] = { ...evaluation, samples: { ...evaluation.samples, pixels: entry } };
  }
  const manifest = {
    format: RUN_FILE_FORMAT,
    version: record.version,
    summary: record.summary,
    series: record.series,
    final: record.final,
    files,
    insight: record.insight && { evaluations },
  };
  entries[MANIFEST] = strToU8(JSON.stringify(manifest, toJson));
  // A fixed date: the same run always gives the same file.
  return zipSync(entries, { mtime: new Date(record.summary.finishedAt) });
}

export class RunFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFileError';
  }
}

/** Reads a run file back; throws a RunFileError that says what is wrong. */
export function decodeRunFile(bytes: Uint8Array, name = 'the file'): RunRecord {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch {
    throw new RunFileError(`${name} is not a run file (it is not a zip archive).`);
  }
  const manifestBytes = entries[MANIFEST];
  if (!manifestBytes) throw new RunFileError(`${name} is not a run file (it has no ${MANIFEST}).`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(strFromU8(manifestBytes), fromJson);
  } catch {
    throw new RunFileError(`${name}: its ${MANIFEST} is not valid JSON.`);
  }
  if (!isObj(manifest) || manifest.format !== RUN_FILE_FORMAT) {
    throw new RunFileError(`${name} is not a Pruning Studio run file.`);
  }
  const files: Partial<Record<ExportFormat, RunRecordFile>> = {};
  const listed = isObj(manifest.files) ? manifest.files : {};
  for (const format of EXPORT_FORMATS) {
    const f = listed[format];
    if (!isObj(f) || !isStr(f.entry) || !isStr(f.filename)) continue;
    const data = entries[f.entry];
    // Only a plain file name is kept (no folders), with the type of its format.
    const filename = f.filename.split(/[\\/]/).pop() ?? '';
    if (data) files[format] = { filename, mime: MIME[format], bytes: data.slice().buffer };
  }
  const record = {
    version: manifest.version,
    summary: manifest.summary,
    series: manifest.series,
    final: manifest.final,
    files,
  };
  const problem = runRecordProblem(record);
  if (problem) throw new RunFileError(`${name} cannot be opened: ${problem}.`);
  const insight = wholeInsight(withSamplePixels(manifest.insight, entries));
  return insight ? { ...(record as RunRecord), insight } : (record as RunRecord);
}

/** The run file's insight with each evaluation's sample pictures read from their entry. */
function withSamplePixels(insight: unknown, entries: Record<string, Uint8Array>): unknown {
  if (!isObj(insight) || !isObj(insight.evaluations)) return insight;
  const evaluations: Obj = {};
  for (const [model, evaluation] of Object.entries(insight.evaluations)) {
    if (!isObj(evaluation) || !isObj(evaluation.samples)) continue;
    const entry = evaluation.samples.pixels;
    const pixels = isStr(entry) && entry.startsWith('insight/') ? entries[entry] : undefined;
    if (pixels) evaluations[model] = { ...evaluation, samples: { ...evaluation.samples, pixels } };
  }
  return { ...insight, evaluations };
}

/** A file name for a run's run file. */
export function runFileName(summary: RunSummary): string {
  const base = (summary.name ?? `${summary.modelName} ${summary.finishedAt.slice(0, 16)}`)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${base || 'run'}.psrun.zip`;
}
