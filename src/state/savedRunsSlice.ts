/**
 * The saved-runs slice: the run list kept in localStorage (merged with other tabs), and the
 * runs kept whole in this browser: a finished run stored with its files, results trained for
 * it later (reference, baseline) joined to it, reloaded, reopened, renamed, deleted, and moved
 * as a run file.
 */
import type { ExportFormat, RunSummary, WorkerEvent } from '../worker/protocol';
import { withNotice } from './events';
import { deploymentFromReport } from './reportFacts';
import {
  decodeRunFile,
  encodeRunFile,
  formatStorage,
  runFileName,
  runRecordProblem,
  type RunRecord,
  type RunRecordFile,
} from './runRecords';
import { loadSavedRuns, updateSavedRuns, type SavedRunsChange } from './savedRuns';
import { isActive, type Ctx } from './sliceContext';
import { notify } from './viewSlice';

type Access = Ctx<'get' | 'set' | 'env'>;

/**
 * Writes this tab's change into the stored run list, merged with what other tabs stored
 * since, and shows the merged list; says so when storage refuses (the list here keeps it).
 */
export function persistRuns(ctx: Ctx<'set' | 'env'>, change: SavedRunsChange) {
  const { runs, problem } = updateSavedRuns(ctx.env.storage, change);
  if (runs) ctx.set({ savedRuns: runs });
  if (problem) notify(ctx, 'warning', problem);
}

/** Another tab changed the stored list: show it as stored now (an unreadable one is ignored). */
export function reloadSavedRuns({ set, env }: Ctx<'set' | 'env'>) {
  const loaded = loadSavedRuns(env.storage);
  if (!loaded.problem) set({ savedRuns: loaded.runs });
}

async function storageUse({ env }: Ctx<'env'>) {
  try {
    const e = await env.estimateStorage?.();
    return e && e.usage !== undefined && e.quota !== undefined
      ? { used: e.usage, quota: e.quota }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Re-reads how much storage this site uses. */
export function refreshStorageUse(ctx: Ctx<'set' | 'env'>) {
  void storageUse(ctx).then((usage) => {
    if (usage) ctx.set((s) => ({ kept: { ...s.kept, usage } }));
  });
}

/** Says why a run could not be stored, with the storage used and what to do. */
async function storeFailure(ctx: Ctx<'env'>, what: string, err: unknown) {
  const usage = await storageUse(ctx);
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const used = usage
    ? ` This site uses ${formatStorage(usage.used)} of the ${formatStorage(usage.quota)} the browser allows.`
    : '';
  return (
    `${what} could not be kept in this browser (${reason}).${used} ` +
    'Delete saved runs you no longer need (Saved runs panel), or download this one as a run file, to make room.'
  );
}

const markKept = ({ set }: Ctx<'set'>, id: string) =>
  set((s) => ({
    run: s.run.summary?.id === id ? { ...s.run, kept: 'saved' as const } : s.run,
    kept: { ...s.kept, ids: s.kept.ids.includes(id) ? s.kept.ids : [...s.kept.ids, id] },
  }));

/** Stores a record whole; on failure says so (with the storage used) and returns false. */
async function putRecord(ctx: Ctx<'set' | 'env'>, record: RunRecord, what: string) {
  const id = record.summary.id;
  try {
    if (!ctx.env.runRecords) throw new Error('this browser offers no IndexedDB');
    await ctx.env.runRecords.put(record);
  } catch (err) {
    const message = await storeFailure(ctx, what, err);
    ctx.set((s) =>
      withNotice(
        { ...s, run: s.run.summary?.id === id ? { ...s.run, kept: 'failed' as const } : s.run },
        'error',
        message,
      ),
    );
    return false;
  }
  markKept(ctx, id);
  refreshStorageUse(ctx);
  return true;
}

/** The finished run's files arrived: keep the run whole (summary, series, figures, files). */
export function keepRun(ctx: Access, event: Extract<WorkerEvent, { type: 'runFiles' }>) {
  const { get, set } = ctx;
  const { run } = get();
  if (run.summary?.id !== event.runId || !run.latest) return;
  const files: Partial<Record<ExportFormat, RunRecordFile>> = {};
  for (const f of event.files) {
    files[f.format] = { filename: f.filename, mime: f.mime, bytes: f.bytes };
  }
  // The int8 figures are known only now: the summary (list and record) gains them.
  const summary = event.quantised ? { ...run.summary, quantised: event.quantised } : run.summary;
  if (summary !== run.summary) {
    const savedRuns = get().savedRuns.map((r) => (r.id === summary.id ? summary : r));
    set((s) => ({ run: { ...s.run, summary }, savedRuns }));
    persistRuns(ctx, { put: [summary] });
  }
  const record: RunRecord = {
    version: 1 as const,
    summary,
    series: run.series,
    final: run.latest,
    files: files as Record<ExportFormat, RunRecordFile>,
    // The confusion matrices (they arrived before the files); the deployment is in the report.
    insight: { evaluations: run.evaluations },
  };
  const problem = runRecordProblem(record);
  if (problem) {
    set((s) =>
      withNotice(
        { ...s, run: { ...s.run, kept: 'failed' as const } },
        'error',
        `The finished run could not be kept: ${problem}.`,
      ),
    );
    return;
  }
  set({ shownRecord: record });
  void putRecord(ctx, record, 'The finished run');
}

/** A result trained for a finished run joins its summary (list, shown run, kept record). */
function attachToRun(ctx: Access, runId: string, patch: Partial<RunSummary>, what: string) {
  const { get, set } = ctx;
  const withPatch = <T extends RunSummary>(r: T): T => (r.id === runId ? { ...r, ...patch } : r);
  const savedRuns = get().savedRuns.map(withPatch);
  set((s) => ({
    savedRuns,
    run: s.run.summary ? { ...s.run, summary: withPatch(s.run.summary) } : s.run,
  }));
  persistRuns(ctx, { put: savedRuns.filter((r) => r.id === runId) });
  const shown = get().shownRecord;
  if (shown?.summary.id === runId) {
    const record = { ...shown, summary: withPatch(shown.summary) };
    set({ shownRecord: record });
    if (get().kept.ids.includes(runId)) void putRecord(ctx, record, what);
  }
}

/**
 * Progress of a run's side training (the unpruned reference, the uniform-width baseline);
 * once done, the run (list, record) holds its result.
 */
export function onSideRun(
  ctx: Access,
  event: Extract<WorkerEvent, { type: 'reference' | 'baseline' }>,
) {
  const { runId } = event;
  const progressKey = `${event.type}Progress` as const;
  const done =
    event.type === 'reference'
      ? event.reference && { reference: event.reference }
      : event.baseline && { baseline: event.baseline };
  if (event.error) {
    ctx.set({ [progressKey]: undefined });
    notify(ctx, 'error', event.error);
    return;
  }
  if (!done) {
    ctx.set({ [progressKey]: { runId, step: event.step, totalSteps: event.totalSteps } });
    return;
  }
  ctx.set({ [progressKey]: undefined });
  attachToRun(ctx, runId, done, `The run with its ${event.type}`);
}

/** Shows a record as the current (finished) run (its report gives the deployment facts). */
const showRecord = ({ get, set }: Ctx<'get' | 'set'>, record: RunRecord) =>
  set({
    run: {
      status: 'finished',
      summary: record.summary,
      series: record.series,
      latest: record.final,
      // The stored report gives the deployment facts (also of runs kept before the
      // insight was); the record's insight gives the confusion matrices.
      deployment: deploymentFromReport(record.files.report.bytes),
      evaluations: record.insight?.evaluations,
      kept: 'saved',
    },
    shownRecord: record,
    exports: { pending: {} },
    view: { ...get().view, replayStep: undefined },
  });

async function recordOf({ get, env }: Ctx<'get' | 'env'>, id: string) {
  const shown = get().shownRecord;
  if (shown?.summary.id === id) return shown;
  try {
    return await env.runRecords?.get(id);
  } catch {
    return undefined;
  }
}

/** The saved run kept whole; undefined, with `missing` as an error notice, where it is not. */
async function wholeRecord(ctx: Access, id: string, missing: string) {
  const record = await recordOf(ctx, id);
  if (!record) notify(ctx, 'error', missing);
  return record;
}

/** After a reload: list the runs kept whole and show the last one. */
export async function restoreRuns(ctx: Access) {
  const { get, set, env } = ctx;
  refreshStorageUse(ctx);
  if (!env.runRecords) return;
  let summaries;
  try {
    summaries = await env.runRecords.list();
  } catch (err) {
    notify(
      ctx,
      'warning',
      `The runs kept in this browser could not be read (${err instanceof Error ? err.message : String(err)}).`,
    );
    return;
  }
  const byId = new Map(summaries.map((r) => [r.id, r]));
  set((s) => {
    const listed = new Set(s.savedRuns.map((r) => r.id));
    const savedRuns = [
      ...s.savedRuns.map((r) => byId.get(r.id) ?? r),
      ...summaries.filter((r) => !listed.has(r.id)),
    ].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
    return { savedRuns, kept: { ...s.kept, ids: summaries.map((r) => r.id) } };
  });
  const last = summaries.at(-1);
  if (!last || get().run.status !== 'idle') return;
  const record = await recordOf(ctx, last.id);
  if (record && get().run.status === 'idle') showRecord(ctx, record);
}

export function deleteSavedRun(ctx: Access, id: string) {
  const savedRuns = ctx.get().savedRuns.filter((r) => r.id !== id);
  ctx.set((s) => ({ savedRuns, kept: { ...s.kept, ids: s.kept.ids.filter((k) => k !== id) } }));
  persistRuns(ctx, { remove: [id] });
  ctx.env.runRecords?.delete(id).then(
    () => refreshStorageUse(ctx),
    (err: unknown) =>
      notify(
        ctx,
        'warning',
        `The run could not be deleted from this browser's storage: ${String(err)}`,
      ),
  );
}

export function clearSavedRuns(ctx: Access) {
  const ids = ctx.get().savedRuns.map((r) => r.id);
  ctx.set((s) => ({ savedRuns: [], kept: { ...s.kept, ids: [] } }));
  persistRuns(ctx, { remove: ids });
  const store = ctx.env.runRecords;
  if (store) {
    void Promise.all(ids.map((id) => store.delete(id))).then(
      () => refreshStorageUse(ctx),
      () => notify(ctx, 'warning', "Some runs could not be deleted from this browser's storage."),
    );
  }
}

/** Shows a saved run kept whole: its charts, figures and exports. */
export async function reopenRun(ctx: Access, id: string) {
  if (isActive(ctx.get().run.status)) {
    notify(ctx, 'warning', 'Stop the current run before reopening a saved one.');
    return;
  }
  const record = await wholeRecord(
    ctx,
    id,
    'This saved run cannot be reopened: only its summary is kept in this browser (runs saved by an older version, or storage that was full).',
  );
  if (!record || isActive(ctx.get().run.status)) return;
  showRecord(ctx, record);
}

/** An empty name goes back to the default label. */
export function renameSavedRun(ctx: Access, id: string, name: string) {
  const trimmed = name.trim().slice(0, 120);
  const rename = <T extends { id: string; name?: string }>(r: T): T => {
    if (r.id !== id) return r;
    const copy = { ...r };
    if (trimmed) copy.name = trimmed;
    else delete copy.name;
    return copy;
  };
  const savedRuns = ctx.get().savedRuns.map(rename);
  ctx.set((s) => ({
    savedRuns,
    run: s.run.summary ? { ...s.run, summary: rename(s.run.summary) } : s.run,
    shownRecord: s.shownRecord && { ...s.shownRecord, summary: rename(s.shownRecord.summary) },
  }));
  persistRuns(ctx, { put: savedRuns.filter((r) => r.id === id) });
  if (ctx.get().kept.ids.includes(id)) {
    ctx.env.runRecords
      ?.rename(id, trimmed)
      .catch((err: unknown) =>
        notify(ctx, 'warning', `The new name could not be stored: ${String(err)}`),
      );
  }
}

/** Downloads a saved run as one run file (another browser can import it). */
export async function downloadRunFile(ctx: Access, id: string) {
  const record = await wholeRecord(
    ctx,
    id,
    'This saved run cannot be downloaded as a run file: only its summary is kept in this browser.',
  );
  if (!record) return;
  const bytes = encodeRunFile(record);
  ctx.env.download?.(runFileName(record.summary), 'application/zip', bytes.slice().buffer);
}

/** Reads a run file, keeps it in this browser and shows it. */
export async function importRunFile(ctx: Access, file: Blob, name: string) {
  if (isActive(ctx.get().run.status)) {
    notify(ctx, 'warning', 'Stop the current run before opening a run file.');
    return;
  }
  let record: RunRecord;
  try {
    record = decodeRunFile(new Uint8Array(await file.arrayBuffer()), name);
  } catch (err) {
    notify(ctx, 'error', err instanceof Error ? err.message : String(err));
    return;
  }
  const id = record.summary.id;
  ctx.set((s) => ({
    savedRuns: [...s.savedRuns.filter((r) => r.id !== id), record.summary].sort((a, b) =>
      a.finishedAt.localeCompare(b.finishedAt),
    ),
  }));
  persistRuns(ctx, { put: [record.summary] });
  showRecord(ctx, record);
  await putRecord(ctx, record, `The run in ${name}`);
  notify(ctx, 'info', `Opened the run file ${name}.`);
}
