/**
 * Finished runs kept whole: stored once their files arrive, shown again after a reload with
 * their charts and exports, reopened, renamed, deleted, moved as one run file; storage
 * failures say how much is used; the page asks before unloading what would be lost.
 */
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExportFormat, WorkerCommand, WorkerEvent } from '../worker/protocol';
import {
  MemoryRunRecordStore,
  decodeRunFile,
  encodeRunFile,
  type RunRecord,
  type RunRecordStore,
} from './runRecords';
import { SAVED_RUNS_KEY } from './savedRuns';
import { selectUnloadWarning } from './selectors';
import { createStudioStore, type StudioEnvironment } from './store';
import {
  makeDatasetSummary,
  makeDeployment,
  makeEvaluation,
  makeMetrics,
  makeSummary,
  reportBytes,
  sampleReportInput,
  mapStorage,
  recordingWorker,
} from '../testing/runFixtures';

const FORMATS: ExportFormat[] = ['tfjs', 'tflite', 'c-array', 'report'];
const q = { int8Accuracy: 0.81, floatAccuracy: 0.83, samples: 1000 };

function page(
  records: RunRecordStore = new MemoryRunRecordStore(),
  storage = new Map<string, string>(),
  overrides: Partial<StudioEnvironment> = {},
) {
  const sent: WorkerCommand[] = [];
  const downloads: { filename: string; bytes: Uint8Array }[] = [];
  const env: StudioEnvironment = {
    createWorker: recordingWorker(sent),
    storage: mapStorage(storage),
    download: (filename, _mime, bytes) =>
      downloads.push({ filename, bytes: new Uint8Array(bytes) }),
    runRecords: records,
    estimateStorage: async () => ({ usage: 3 * 1024 * 1024, quota: 8 * 1024 * 1024 }),
    ...overrides,
  };
  const store = createStudioStore(env);
  store.getState().connect();
  return { store, sent, downloads, storage, records };
}

/** The four files of a run: distinct bytes per format, as the worker sends them. */
/** The deployment a run's report states, its arena figure told apart by `seed`. */
function reportedFacts(seed: number) {
  const report = sampleReportInput();
  report.deployment.arena.tensorArenaBytes = 12_000 + seed;
  return report;
}

/** The four files of a run: distinct bytes per format, the report a real one. */
function runFiles(runId: string, seed = 1): WorkerEvent {
  return {
    type: 'runFiles',
    runId,
    files: FORMATS.map((format, i) => ({
      format,
      filename: `run-${format}.bin`,
      mime: 'application/octet-stream',
      bytes:
        format === 'report'
          ? reportBytes(reportedFacts(seed)).slice().buffer
          : Uint8Array.from({ length: 16 + i }, (_, k) => (k * 7 + i + seed) % 256).buffer,
    })),
  };
}

/** Drives one run to its end as the worker would (with its insight, unless told not to). */
async function finishRun(p: ReturnType<typeof page>, id: string, seed = 1, insight = true) {
  const load = p.sent.filter((c) => c.type === 'loadDataset').at(-1);
  if (load?.type === 'loadDataset') {
    p.store
      .getState()
      .receiveWorkerEvents([
        { type: 'dataset', requestId: load.requestId, summary: makeDatasetSummary() },
      ]);
  }
  p.store.getState().startRun();
  p.store.getState().receiveWorkerEvents([{ type: 'runState', state: 'running' }]);
  for (const step of [1, 100, 200, 400]) {
    p.store
      .getState()
      .receiveWorkerEvents([
        { type: 'metrics', metrics: makeMetrics(step, { validationAccuracy: step / 500 }) },
      ]);
  }
  vi.advanceTimersByTime(500);
  p.store.getState().receiveWorkerEvents([
    { type: 'finished', summary: makeSummary(id) },
    { type: 'runState', state: 'finished' },
  ]);
  expect(selectUnloadWarning(p.store.getState())).toMatch(/not kept in this browser yet/);
  if (insight) {
    p.store.getState().receiveWorkerEvents([
      { type: 'evaluation', evaluation: makeEvaluation('float', seed) },
      { type: 'deployment', runId: id, deployment: makeDeployment(12_000 + seed) },
      { type: 'evaluation', evaluation: makeEvaluation('int8', seed + 1) },
    ]);
  }
  p.store.getState().receiveWorkerEvents([runFiles(id, seed)]);
  await vi.runAllTimersAsync();
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('finished runs kept whole', () => {
  it('keeps the run with its series, figures and files; exports then come from them', async () => {
    const p = page();
    await finishRun(p, 'run-1');
    const stored = await p.records.get('run-1');
    expect(stored?.series.steps.points.map((x) => x.step)).toEqual([1, 100, 200, 400]);
    expect(stored?.final.step).toBe(400);
    expect(p.store.getState().run.kept).toBe('saved');
    expect(selectUnloadWarning(p.store.getState())).toBeUndefined();
    p.store.getState().requestExport('tflite');
    expect(p.sent.some((c) => c.type === 'export')).toBe(false);
    expect(p.downloads.map((d) => d.filename)).toEqual(['run-tflite.bin']);
    expect(p.store.getState().kept.usage).toEqual({ used: 3 * 1024 ** 2, quota: 8 * 1024 ** 2 });
  });

  it('holds a new Start until the finished run’s files have come, so that run is kept whole', async () => {
    const p = page();
    await finishRun(p, 'run-1');
    // Run 2 finishes; Start is pressed before the worker has sent its files.
    p.store.getState().startRun();
    p.store.getState().receiveWorkerEvents([{ type: 'runState', state: 'running' }]);
    p.store.getState().receiveWorkerEvents([{ type: 'metrics', metrics: makeMetrics(400, {}) }]);
    vi.advanceTimersByTime(500);
    p.store.getState().receiveWorkerEvents([
      { type: 'finished', summary: makeSummary('run-2') },
      { type: 'runState', state: 'finished' },
    ]);
    expect(p.store.getState().run.filesPending).toBe(true);
    const starts = p.sent.filter((c) => c.type === 'start').length;
    p.store.getState().startRun();
    expect(p.sent.filter((c) => c.type === 'start')).toHaveLength(starts);
    expect(p.store.getState().run.summary?.id).toBe('run-2');
    expect(p.store.getState().notices.at(-1)?.message).toMatch(/still being kept/);
    p.store.getState().receiveWorkerEvents([runFiles('run-2', 2)]);
    await vi.runAllTimersAsync();
    expect(p.store.getState().run.filesPending).toBe(false);
    expect(p.store.getState().kept.ids).toEqual(['run-1', 'run-2']);
    expect((await p.records.get('run-2'))?.files.tflite).toBeDefined();
    p.store.getState().startRun();
    expect(p.sent.filter((c) => c.type === 'start')).toHaveLength(starts + 1);
  });

  it('frees Start when the worker cannot make the files, and says the run is not kept', async () => {
    const p = page();
    await finishRun(p, 'run-1');
    p.store.getState().startRun();
    p.store.getState().receiveWorkerEvents([
      { type: 'runState', state: 'running' },
      { type: 'metrics', metrics: makeMetrics(400, {}) },
    ]);
    vi.advanceTimersByTime(500);
    p.store.getState().receiveWorkerEvents([
      { type: 'finished', summary: makeSummary('run-2') },
      { type: 'runState', state: 'finished' },
      { type: 'runFilesFailed', runId: 'run-2', message: 'making its files failed (no memory).' },
    ]);
    const s = p.store.getState();
    expect(s.run.filesPending).toBe(false);
    expect(s.run.kept).toBe('failed');
    expect(s.notices.at(-1)?.message).toMatch(/no memory/);
    expect(selectUnloadWarning(s)).toBeDefined();
    const starts = p.sent.filter((c) => c.type === 'start').length;
    p.store.getState().startRun();
    expect(p.sent.filter((c) => c.type === 'start')).toHaveLength(starts + 1);
  });

  it('after a reload shows the last finished run with its charts, and exports the same bytes', async () => {
    const records = new MemoryRunRecordStore();
    const storage = new Map<string, string>();
    const before = page(records, storage);
    await finishRun(before, 'run-1', 1);
    await finishRun(before, 'run-2', 2);
    for (const f of FORMATS) before.store.getState().requestExport(f);

    const after = page(records, storage);
    await vi.runAllTimersAsync();
    const s = after.store.getState();
    expect(s.run.status).toBe('finished');
    expect(s.run.summary?.id).toBe('run-2');
    expect(s.run.series.steps.points).toHaveLength(4);
    expect(s.run.latest?.groups.map((g) => g.name)).toEqual(['conv1', 'conv2', 'logits']);
    expect(s.kept.ids).toEqual(['run-1', 'run-2']);
    for (const f of FORMATS) after.store.getState().requestExport(f);
    expect(after.downloads.map((d) => d.bytes)).toEqual(before.downloads.map((d) => d.bytes));
    expect(after.sent.some((c) => c.type === 'export')).toBe(false);
  });

  it('reopens an older run, renames it and deletes it everywhere', async () => {
    const records = new MemoryRunRecordStore();
    const storage = new Map<string, string>();
    const p = page(records, storage);
    await finishRun(p, 'run-1', 1);
    await finishRun(p, 'run-2', 2);
    await p.store.getState().reopenRun('run-1');
    expect(p.store.getState().run.summary?.id).toBe('run-1');
    p.store.getState().requestExport('report');
    expect(p.downloads.at(-1)?.bytes).toEqual(
      new Uint8Array((runFiles('run-1', 1) as { files: { bytes: ArrayBuffer }[] }).files[3].bytes),
    );
    p.store.getState().renameSavedRun('run-1', '  Teacher demo  ');
    await vi.runAllTimersAsync();
    expect(p.store.getState().savedRuns.find((r) => r.id === 'run-1')?.name).toBe('Teacher demo');
    expect((await records.get('run-1'))?.summary.name).toBe('Teacher demo');
    expect(JSON.parse(storage.get(SAVED_RUNS_KEY)!).runs[0].name).toBe('Teacher demo');
    p.store.getState().deleteSavedRun('run-1');
    await vi.runAllTimersAsync();
    expect(await records.get('run-1')).toBeUndefined();
    expect(p.store.getState().savedRuns.map((r) => r.id)).toEqual(['run-2']);
    expect(p.store.getState().kept.ids).toEqual(['run-2']);
  });

  it('shows a reopened run with its TFLite Micro facts and confusion matrices', async () => {
    const records = new MemoryRunRecordStore();
    const storage = new Map<string, string>();
    const before = page(records, storage);
    await finishRun(before, 'run-1', 1);
    await finishRun(before, 'run-2', 2);
    const after = page(records, storage); // a reload
    await vi.runAllTimersAsync();
    expect(after.store.getState().run.deployment?.facts).toEqual(reportedFacts(2).deployment);
    await after.store.getState().reopenRun('run-1');
    const s = after.store.getState();
    expect(s.run.deployment?.facts.arena.tensorArenaBytes).toBe(12_001);
    expect(s.run.evaluations?.float).toEqual(makeEvaluation('float', 1));
    expect(s.run.evaluations?.int8?.samples.pixels).toEqual(
      makeEvaluation('int8', 2).samples.pixels,
    );
  });

  it('opens a run whose insight is damaged or absent without it; the run itself is whole', async () => {
    const records = new MemoryRunRecordStore();
    const p = page(records);
    await finishRun(p, 'run-1', 1);
    await finishRun(p, 'run-2', 2, false);
    const stored = records.records.get('run-1')!;
    const damaged = reportedFacts(1) as unknown as { deployment: { operators: unknown } };
    damaged.deployment.operators = 'CONV_2D';
    stored.files.report.bytes = strToU8(JSON.stringify(damaged)).slice().buffer;
    stored.insight = {
      evaluations: {
        float: makeEvaluation('float'),
        int8: { ...makeEvaluation('int8'), counts: [1] },
      },
    };
    await p.store.getState().reopenRun('run-1');
    expect(p.store.getState().run.summary?.id).toBe('run-1');
    expect(p.store.getState().run.deployment).toBeUndefined();
    expect(Object.keys(p.store.getState().run.evaluations ?? {})).toEqual(['float']);
    await p.store.getState().reopenRun('run-2');
    expect(p.store.getState().run.summary?.id).toBe('run-2');
    expect(p.store.getState().run.deployment?.facts).toEqual(reportedFacts(2).deployment);
    expect(p.store.getState().run.evaluations).toBeUndefined();
  });

  it('moves a run to another browser as one run file', async () => {
    const p = page();
    await finishRun(p, 'run-1');
    await p.store.getState().downloadRunFile('run-1');
    const file = p.downloads.at(-1)!;
    expect(file.filename).toMatch(/\.psrun\.zip$/);

    const other = page(); // another browser: nothing stored
    await vi.runAllTimersAsync();
    await other.store.getState().importRunFile(new Blob([file.bytes.slice()]), file.filename);
    await vi.runAllTimersAsync();
    const s = other.store.getState();
    expect(s.run.summary?.id).toBe('run-1');
    expect(s.run.series.steps.points).toHaveLength(4);
    // The final loss is NaN: it survives the JSON of the run file.
    expect(Number.isNaN(s.run.latest!.loss) || s.run.latest!.loss > 0).toBe(true);
    expect(s.savedRuns.map((r) => r.id)).toEqual(['run-1']);
    expect(await other.records.get('run-1')).toBeDefined();
    // With what its Export and insight panels showed.
    expect(s.run.deployment?.facts).toEqual(reportedFacts(1).deployment);
    expect(s.run.evaluations?.int8).toEqual(makeEvaluation('int8', 2));
    other.store.getState().requestExport('c-array');
    expect(other.downloads.at(-1)?.bytes).toEqual(
      new Uint8Array((runFiles('run-1') as { files: { bytes: ArrayBuffer }[] }).files[2].bytes),
    );
  });

  it('ignores the files of a run that is no longer the one shown', async () => {
    const p = page();
    await finishRun(p, 'run-1');
    p.store.getState().receiveWorkerEvents([runFiles('run-0')]);
    await vi.runAllTimersAsync();
    expect(await p.records.get('run-0')).toBeUndefined();
    expect(p.store.getState().shownRecord?.summary.id).toBe('run-1');
  });

  it('an imported run file cannot pick the type or folder of its downloads', async () => {
    const p = page();
    await finishRun(p, 'run-1');
    const whole = (await p.records.get('run-1'))!;
    const odd = {
      ...whole,
      files: {
        ...whole.files,
        report: { ...whole.files.report, filename: '../../evil.html', mime: 'text/html' },
      },
    };
    const back = decodeRunFile(encodeRunFile(odd));
    expect(back.files.report.filename).toBe('evil.html');
    expect(back.files.report.mime).toBe('application/json');
    expect(new Uint8Array(back.files.report.bytes)).toEqual(
      new Uint8Array(whole.files.report.bytes),
    );
  });

  it('refuses a damaged run file with a message, and stores nothing', async () => {
    const p = page();
    await vi.runAllTimersAsync();
    await p.store.getState().importRunFile(new Blob(['not a zip']), 'notes.txt');
    expect(p.store.getState().notices.at(-1)?.message).toMatch(/notes\.txt is not a run file/);
    expect(p.store.getState().savedRuns).toEqual([]);
    expect(p.store.getState().run.status).toBe('idle');
  });

  it('says how much storage is used when the browser refuses to keep the run', async () => {
    const full: RunRecordStore = {
      ...new MemoryRunRecordStore(),
      put: async () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
      list: async () => [],
      get: async () => undefined,
      delete: async () => undefined,
      rename: async () => undefined,
    };
    const p = page(full);
    await finishRun(p, 'run-1');
    const message = p.store.getState().notices.at(-1)?.message;
    expect(message).toMatch(/QuotaExceededError/);
    expect(message).toMatch(/uses 3\.0 MB of the 8\.0 MB/);
    expect(message).toMatch(/Delete saved runs/);
    expect(p.store.getState().run.kept).toBe('failed');
    expect(selectUnloadWarning(p.store.getState())).toMatch(/not kept/);
  });

  it('never shows a half-written or foreign record as a run', async () => {
    const records = new MemoryRunRecordStore();
    const p = page(records);
    await finishRun(p, 'run-1');
    const whole = (await records.get('run-1'))!;
    const broken = structuredClone(whole) as RunRecord;
    broken.summary = { ...broken.summary, id: 'run-0', finishedAt: '2030-01-01T00:00:00.000Z' };
    delete (broken.files as Partial<RunRecord['files']>).tflite;
    records.records.set('run-0', broken);
    const after = page(records, new Map());
    await vi.runAllTimersAsync();
    expect(after.store.getState().run.summary?.id).toBe('run-1');
    expect(after.store.getState().savedRuns.map((r) => r.id)).toEqual(['run-1']);
    // A run file with one file left out is refused, naming what is missing.
    const entries = unzipSync(encodeRunFile(whole));
    for (const name of Object.keys(entries))
      if (name.startsWith('files/tflite/')) delete entries[name];
    expect(() => decodeRunFile(zipSync(entries), 'cut.psrun.zip')).toThrow(
      /cut\.psrun\.zip cannot be opened: its tflite file is missing/,
    );
  });

  it('adds the int8 accuracy of the exported file to the run, in the list and the record', async () => {
    const p = page();
    await finishRun(p, 'run-1');
    p.store
      .getState()
      .receiveWorkerEvents([
        { ...(runFiles('run-1') as Extract<WorkerEvent, { type: 'runFiles' }>), quantised: q },
      ]);
    await vi.runAllTimersAsync();
    expect(p.store.getState().run.summary?.quantised).toEqual(q);
    expect(JSON.parse(p.storage.get(SAVED_RUNS_KEY)!).runs[0].quantised).toEqual(q);
    expect((await p.records.get('run-1'))?.summary.quantised).toEqual(q);
  });

  it('trains the fair reference for the run the worker holds, and keeps it with the run', async () => {
    const records = new MemoryRunRecordStore();
    const storage = new Map<string, string>();
    const p = page(records, storage);
    await finishRun(p, 'run-1');
    p.store.getState().trainReference();
    expect(p.sent.at(-1)).toEqual({ type: 'trainReference' });
    p.store
      .getState()
      .receiveWorkerEvents([{ type: 'reference', runId: 'run-1', step: 120, totalSteps: 400 }]);
    expect(p.store.getState().referenceProgress).toEqual({
      runId: 'run-1',
      step: 120,
      totalSteps: 400,
    });
    const reference = { accuracy: 0.97, steps: 400, validationSamples: 2000 };
    p.store
      .getState()
      .receiveWorkerEvents([
        { type: 'reference', runId: 'run-1', step: 400, totalSteps: 400, reference },
      ]);
    await vi.runAllTimersAsync();
    expect(p.store.getState().referenceProgress).toBeUndefined();
    expect(p.store.getState().run.summary?.reference).toEqual(reference);
    expect(JSON.parse(storage.get(SAVED_RUNS_KEY)!).runs[0].reference).toEqual(reference);
    expect((await records.get('run-1'))?.summary.reference).toEqual(reference);
    // After a reload the worker holds no run: the reference is shown, not trained again.
    const after = page(records, storage);
    await vi.runAllTimersAsync();
    expect(after.store.getState().run.summary?.reference).toEqual(reference);
    after.store.getState().trainReference();
    expect(after.sent.some((c) => c.type === 'trainReference')).toBe(false);
  });

  it('trains the uniform-width baseline once per click, keeps it with the run, says a failure', async () => {
    const records = new MemoryRunRecordStore();
    const storage = new Map<string, string>();
    const p = page(records, storage);
    await finishRun(p, 'run-1');
    p.store.getState().trainBaseline();
    // A second click while it trains sends nothing more.
    p.store.getState().trainBaseline();
    expect(p.sent.filter((c) => c.type === 'trainBaseline')).toHaveLength(1);
    p.store
      .getState()
      .receiveWorkerEvents([{ type: 'baseline', runId: 'run-1', step: 50, totalSteps: 400 }]);
    expect(p.store.getState().baselineProgress).toEqual({
      runId: 'run-1',
      step: 50,
      totalSteps: 400,
    });
    const baseline = {
      ratio: 0.5,
      keptPerGroup: [{ name: 'conv1', kept: 4, size: 8 }],
      accuracy: 0.9,
      steps: 400,
      validationSamples: 2000,
      resources: { flash: 1000, ram: 500, latency: 2, macs: 10_000 },
      budgets: { flash: 1200 },
      fits: true,
    };
    p.store
      .getState()
      .receiveWorkerEvents([
        { type: 'baseline', runId: 'run-1', step: 400, totalSteps: 400, baseline },
      ]);
    await vi.runAllTimersAsync();
    expect(p.store.getState().baselineProgress).toBeUndefined();
    expect(p.store.getState().run.summary?.baseline).toEqual(baseline);
    expect(JSON.parse(storage.get(SAVED_RUNS_KEY)!).runs[0].baseline).toEqual(baseline);
    expect((await records.get('run-1'))?.summary.baseline).toEqual(baseline);
    // A stored baseline with a broken field does not pass as a run.
    const stored = JSON.parse(storage.get(SAVED_RUNS_KEY)!);
    stored.runs[0].baseline.fits = 'yes';
    const broken = new Map([[SAVED_RUNS_KEY, JSON.stringify(stored)]]);
    expect(page(new MemoryRunRecordStore(), broken).store.getState().savedRuns).toEqual([]);

    const q2 = page();
    await finishRun(q2, 'run-2');
    q2.store.getState().trainBaseline();
    q2.store.getState().receiveWorkerEvents([
      {
        type: 'baseline',
        runId: 'run-2',
        step: 0,
        totalSteps: 400,
        error: 'No uniform width fits.',
      },
    ]);
    expect(q2.store.getState().baselineProgress).toBeUndefined();
    expect(q2.store.getState().notices.at(-1)?.message).toBe('No uniform width fits.');
  });

  it('asks before unloading while a run goes', () => {
    const p = page();
    expect(selectUnloadWarning(p.store.getState())).toBeUndefined();
    p.store.getState().receiveWorkerEvents([{ type: 'runState', state: 'running' }]);
    expect(selectUnloadWarning(p.store.getState())).toMatch(/run is in progress/);
  });
});
