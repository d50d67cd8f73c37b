/**
 * The runs kept whole in this browser, as a part of the studio store: a finished run stored
 * with its files, results trained for it later (reference, baseline) joined to it, reloaded,
 * reopened, renamed, deleted, and moved as a run file. store.ts wires it in; its actions are
 * the store's, so tests call them through the store.
 */
import type { StoreApi } from 'zustand';
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
import type { SavedRunsChange } from './savedRuns';
import type { StudioEnvironment, StudioState } from './store';

export interface KeptRunsContext {
  get: StoreApi<StudioState>['getState'];
  set: StoreApi<StudioState>['setState'];
  env: StudioEnvironment;
  /** Writes a change of the saved-run list (and shows the list as stored). */
  persistRuns: (change: SavedRunsChange) => void;
}

type KeptRunsActions = Pick<
  StudioState,
  | 'deleteSavedRun'
  | 'clearSavedRuns'
  | 'reopenRun'
  | 'renameSavedRun'
  | 'downloadRunFile'
  | 'importRunFile'
  | 'refreshStorageUse'
>;

const isActive = (status: StudioState['run']['status']) =>
  status === 'starting' || status === 'running' || status === 'paused';

export function keptRuns({ get, set, env, persistRuns }: KeptRunsContext) {
  const storageUse = async () => {
    try {
      const e = await env.estimateStorage?.();
      return e && e.usage !== undefined && e.quota !== undefined
        ? { used: e.usage, quota: e.quota }
        : undefined;
    } catch {
      return undefined;
    }
  };

  const refreshStorageUse = () => {
    void storageUse().then((usage) => {
      if (usage) set((s) => ({ kept: { ...s.kept, usage } }));
    });
  };

  /** Says why a run could not be stored, with the storage used and what to do. */
  const storeFailure = async (what: string, err: unknown) => {
    const usage = await storageUse();
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const used = usage
      ? ` This site uses ${formatStorage(usage.used)} of the ${formatStorage(usage.quota)} the browser allows.`
      : '';
    return (
      `${what} could not be kept in this browser (${reason}).${used} ` +
      'Delete saved runs you no longer need (Saved runs panel), or download this one as a run file, to make room.'
    );
  };

  const markKept = (id: string) =>
    set((s) => ({
      run: s.run.summary?.id === id ? { ...s.run, kept: 'saved' as const } : s.run,
      kept: { ...s.kept, ids: s.kept.ids.includes(id) ? s.kept.ids : [...s.kept.ids, id] },
    }));

  /** Stores a record whole; on failure says so (with the storage used) and returns false. */
  const putRecord = async (record: RunRecord, what: string): Promise<boolean> => {
    const id = record.summary.id;
    try {
      if (!env.runRecords) throw new Error('this browser offers no IndexedDB');
      await env.runRecords.put(record);
    } catch (err) {
      const message = await storeFailure(what, err);
      set((s) =>
        withNotice(
          { ...s, run: s.run.summary?.id === id ? { ...s.run, kept: 'failed' as const } : s.run },
          'error',
          message,
        ),
      );
      return false;
    }
    markKept(id);
    refreshStorageUse();
    return true;
  };

  /** The finished run's files arrived: keep the run whole (summary, series, figures, files). */
  const keepRun = (event: Extract<WorkerEvent, { type: 'runFiles' }>) => {
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
      persistRuns({ put: [summary] });
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
    void putRecord(record, 'The finished run');
  };

  /** A result trained for a finished run joins its summary (list, shown run, kept record). */
  const attachToRun = (runId: string, patch: Partial<RunSummary>, what: string) => {
    const withPatch = <T extends RunSummary>(r: T): T => (r.id === runId ? { ...r, ...patch } : r);
    const savedRuns = get().savedRuns.map(withPatch);
    set((s) => ({
      savedRuns,
      run: s.run.summary ? { ...s.run, summary: withPatch(s.run.summary) } : s.run,
    }));
    persistRuns({ put: savedRuns.filter((r) => r.id === runId) });
    const shown = get().shownRecord;
    if (shown?.summary.id === runId) {
      const record = { ...shown, summary: withPatch(shown.summary) };
      set({ shownRecord: record });
      if (get().kept.ids.includes(runId)) void putRecord(record, what);
    }
  };

  /**
   * Progress of a run's side training (the unpruned reference, the uniform-width baseline);
   * once done, the run (list, record) holds its result.
   */
  const onSideRun = (
    progressKey: 'referenceProgress' | 'baselineProgress',
    event: Extract<WorkerEvent, { type: 'reference' | 'baseline' }>,
    done: Partial<RunSummary> | undefined,
    what: string,
  ) => {
    const { runId } = event;
    if (event.error) {
      set({ [progressKey]: undefined });
      get().notify('error', event.error);
      return;
    }
    if (!done) {
      set({ [progressKey]: { runId, step: event.step, totalSteps: event.totalSteps } });
      return;
    }
    set({ [progressKey]: undefined });
    attachToRun(runId, done, what);
  };
  const onReference = (event: Extract<WorkerEvent, { type: 'reference' }>) =>
    onSideRun(
      'referenceProgress',
      event,
      event.reference && { reference: event.reference },
      'The run with its reference',
    );
  const onBaseline = (event: Extract<WorkerEvent, { type: 'baseline' }>) =>
    onSideRun(
      'baselineProgress',
      event,
      event.baseline && { baseline: event.baseline },
      'The run with its baseline',
    );

  /** Shows a record as the current (finished) run (its report gives the deployment facts). */
  const showRecord = (record: RunRecord) =>
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

  const recordOf = async (id: string): Promise<RunRecord | undefined> => {
    const shown = get().shownRecord;
    if (shown?.summary.id === id) return shown;
    try {
      return await env.runRecords?.get(id);
    } catch {
      return undefined;
    }
  };

  /** After a reload: list the runs kept whole and show the last one. */
  const restoreRuns = async () => {
    refreshStorageUse();
    if (!env.runRecords) return;
    let summaries;
    try {
      summaries = await env.runRecords.list();
    } catch (err) {
      get().notify(
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
    const record = await recordOf(last.id);
    if (record && get().run.status === 'idle') showRecord(record);
  };

  const actions: KeptRunsActions = {
    deleteSavedRun: (id) => {
      const savedRuns = get().savedRuns.filter((r) => r.id !== id);
      set((s) => ({ savedRuns, kept: { ...s.kept, ids: s.kept.ids.filter((k) => k !== id) } }));
      persistRuns({ remove: [id] });
      env.runRecords
        ?.delete(id)
        .then(refreshStorageUse, (err: unknown) =>
          get().notify(
            'warning',
            `The run could not be deleted from this browser's storage: ${String(err)}`,
          ),
        );
    },
    clearSavedRuns: () => {
      const ids = get().savedRuns.map((r) => r.id);
      set((s) => ({ savedRuns: [], kept: { ...s.kept, ids: [] } }));
      persistRuns({ remove: ids });
      const store = env.runRecords;
      if (store) {
        void Promise.all(ids.map((id) => store.delete(id))).then(refreshStorageUse, () =>
          get().notify('warning', "Some runs could not be deleted from this browser's storage."),
        );
      }
    },
    reopenRun: async (id) => {
      if (isActive(get().run.status)) {
        get().notify('warning', 'Stop the current run before reopening a saved one.');
        return;
      }
      const record = await recordOf(id);
      if (!record) {
        get().notify(
          'error',
          'This saved run cannot be reopened: only its summary is kept in this browser (runs saved by an older version, or storage that was full).',
        );
        return;
      }
      if (isActive(get().run.status)) return;
      showRecord(record);
    },
    renameSavedRun: (id, name) => {
      const trimmed = name.trim().slice(0, 120);
      const rename = <T extends { id: string; name?: string }>(r: T): T => {
        if (r.id !== id) return r;
        const copy = { ...r };
        if (trimmed) copy.name = trimmed;
        else delete copy.name;
        return copy;
      };
      const savedRuns = get().savedRuns.map(rename);
      set((s) => ({
        savedRuns,
        run: s.run.summary ? { ...s.run, summary: rename(s.run.summary) } : s.run,
        shownRecord: s.shownRecord && {
          ...s.shownRecord,
          summary: rename(s.shownRecord.summary),
        },
      }));
      persistRuns({ put: savedRuns.filter((r) => r.id === id) });
      if (get().kept.ids.includes(id)) {
        env.runRecords
          ?.rename(id, trimmed)
          .catch((err: unknown) =>
            get().notify('warning', `The new name could not be stored: ${String(err)}`),
          );
      }
    },
    downloadRunFile: async (id) => {
      const record = await recordOf(id);
      if (!record) {
        get().notify(
          'error',
          'This saved run cannot be downloaded as a run file: only its summary is kept in this browser.',
        );
        return;
      }
      const bytes = encodeRunFile(record);
      env.download?.(runFileName(record.summary), 'application/zip', bytes.slice().buffer);
    },
    importRunFile: async (file, name) => {
      if (isActive(get().run.status)) {
        get().notify('warning', 'Stop the current run before opening a run file.');
        return;
      }
      let record: RunRecord;
      try {
        record = decodeRunFile(new Uint8Array(await file.arrayBuffer()), name);
      } catch (err) {
        get().notify('error', err instanceof Error ? err.message : String(err));
        return;
      }
      const id = record.summary.id;
      set((s) => ({
        savedRuns: [...s.savedRuns.filter((r) => r.id !== id), record.summary].sort((a, b) =>
          a.finishedAt.localeCompare(b.finishedAt),
        ),
      }));
      persistRuns({ put: [record.summary] });
      showRecord(record);
      await putRecord(record, `The run in ${name}`);
      get().notify('info', `Opened the run file ${name}.`);
    },
    refreshStorageUse,
  };
  return { events: { keepRun, onReference, onBaseline, restoreRuns }, actions };
}
