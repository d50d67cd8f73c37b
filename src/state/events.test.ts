import { describe, expect, it } from 'vitest';
import type { DatasetSummary, WorkerEvent } from '../worker/protocol';
import {
  MAX_NOTICES,
  initialWorkerFacingState,
  reduceWorkerEvent,
  reduceWorkerEvents,
  type WorkerFacingState,
} from './events';
import { MAX_SAVED_RUNS } from './savedRuns';
import { SERIES_CAP } from './series';
import { makeMetrics, makeSummary } from '../testing/runFixtures';

function datasetSummary(name: string): DatasetSummary {
  return {
    id: name,
    loadKey: `${name}#1`,
    name,
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: [...'0123456789'],
    trainCount: 8000,
    validationCount: 2000,
    warnings: [],
    preview: { x: new Float32Array(784), y: new Uint8Array(1), count: 1 },
  };
}

const waitingFor = (requestId: number, s = initialWorkerFacingState()): WorkerFacingState => ({
  ...s,
  dataset: { ...s.dataset, requestId, loading: true },
});

describe('worker events → state', () => {
  it('takes the dataset that answers the pending request and ignores stale answers', () => {
    let s = waitingFor(2);
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 1, summary: datasetSummary('old') });
    expect(s.dataset.summary).toBeUndefined();
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 2, summary: datasetSummary('MNIST') });
    expect(s.dataset).toMatchObject({ loading: false, summary: { name: 'MNIST' } });
  });

  it("keeps the summary object when a run's own load says the same, so the preview is not redrawn", () => {
    let s = waitingFor(1);
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 1, summary: datasetSummary('MNIST') });
    const shown = s.dataset.summary;
    // requestId 0: the run loaded the dataset for itself; a copy of the same summary.
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 0, summary: datasetSummary('MNIST') });
    expect(s.dataset.summary).toBe(shown);
    // Any difference (one preview value, the load) replaces it.
    const changed = datasetSummary('MNIST');
    changed.preview.x[100] = 0.5;
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 0, summary: changed });
    expect(s.dataset.summary).toBe(changed);
    const reloaded = { ...datasetSummary('MNIST'), loadKey: 'MNIST#2' };
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 0, summary: reloaded });
    expect(s.dataset.summary).toBe(reloaded);
  });

  it('keeps the current dataset when a new one fails, and says so in an error notice', () => {
    let s = waitingFor(1);
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 1, summary: datasetSummary('MNIST') });
    s = waitingFor(2, s);
    s = reduceWorkerEvent(s, {
      type: 'datasetError',
      requestId: 2,
      message: 'not a PNG.',
      file: 'cats/1.png',
    });
    expect(s.dataset.summary?.name).toBe('MNIST');
    expect(s.dataset.loading).toBe(false);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0].level).toBe('error');
    expect(s.notices[0].message).toBe(
      'The dataset could not be loaded: cats/1.png: not a PNG. The page keeps using "MNIST".',
    );
  });

  it('shows the progress of the pending load only, and a cancelled load as information', () => {
    let s = waitingFor(1);
    s = reduceWorkerEvent(s, { type: 'dataset', requestId: 1, summary: datasetSummary('MNIST') });
    s = waitingFor(2, s);
    const progress = { bytesRead: 10, bytesTotal: 40, filesRead: 1, files: 4, imagesDecoded: 1 };
    s = reduceWorkerEvent(s, { type: 'datasetProgress', requestId: 1, progress });
    expect(s.dataset.progress).toBeUndefined();
    s = reduceWorkerEvent(s, { type: 'datasetProgress', requestId: 2, progress });
    expect(s.dataset.progress).toEqual(progress);
    s = reduceWorkerEvent(s, {
      type: 'datasetError',
      requestId: 2,
      message: 'loading was cancelled',
      cancelled: true,
    });
    expect(s.dataset).toMatchObject({ loading: false, summary: { name: 'MNIST' } });
    expect(s.dataset.progress).toBeUndefined();
    expect(s.dataset.error).toBeUndefined();
    expect(s.notices.at(-1)).toMatchObject({
      level: 'info',
      message: 'Stopped loading the dataset. The page keeps using "MNIST".',
    });
  });

  it('accepts the dataset a run loaded for itself (request 0)', () => {
    const s = reduceWorkerEvent(waitingFor(3), {
      type: 'dataset',
      requestId: 0,
      summary: datasetSummary('generated'),
    });
    expect(s.dataset.summary?.name).toBe('generated');
  });

  it('appends metrics to bounded chart series and keeps the latest for the panels', () => {
    const events: WorkerEvent[] = Array.from({ length: 3000 }, (_, i) => ({
      type: 'metrics',
      metrics: makeMetrics(i + 1),
    }));
    const s = reduceWorkerEvents(
      {
        ...initialWorkerFacingState(),
        run: { ...initialWorkerFacingState().run, status: 'starting' },
      },
      events,
    );
    expect(s.run.latest?.step).toBe(3000);
    expect(s.run.status).toBe('running');
    expect(s.run.series.steps.points.length).toBeLessThanOrEqual(SERIES_CAP);
    expect(s.run.series.steps.points[0].step).toBe(1);
  });

  it('keeps the newest saved runs up to the limit and says which one it removed', () => {
    let s = initialWorkerFacingState();
    s = {
      ...s,
      savedRuns: Array.from({ length: MAX_SAVED_RUNS }, (_, i) =>
        makeSummary(`r${i}`, {
          finishedAt: `2025-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
        }),
      ),
    };
    s = reduceWorkerEvent(s, { type: 'finished', summary: makeSummary('new') });
    expect(s.savedRuns).toHaveLength(MAX_SAVED_RUNS);
    expect(s.savedRuns[0].id).toBe('r1');
    expect(s.savedRuns.at(-1)?.id).toBe('new');
    expect(s.notices.at(-1)?.message).toMatch(
      /keeps the newest 100 saved runs, so the oldest \(MNIST CNN on MNIST, 2025-01-01\) was removed/,
    );
  });

  it('keeps the confusion matrix of each evaluated model of the run', () => {
    let s = initialWorkerFacingState();
    const evaluation = {
      model: 'float' as const,
      classNames: ['a', 'b'],
      numClasses: 2,
      counts: [3, 1, 0, 4],
      total: 8,
      accuracy: 7 / 8,
      precision: [1, 0.8],
      recall: [0.75, 1],
      cellSamples: [[0], [1], [], [2]],
      samples: {
        inputShape: [1, 1, 1] as [number, number, number],
        count: 3,
        pixels: new Uint8Array(3),
        validationIndex: [0, 1, 2],
      },
    };
    s = reduceWorkerEvent(s, { type: 'evaluation', evaluation });
    s = reduceWorkerEvent(s, { type: 'evaluation', evaluation: { ...evaluation, model: 'int8' } });
    expect(s.run.evaluations?.float).toBe(evaluation);
    expect(s.run.evaluations?.int8?.model).toBe('int8');
  });

  it('saves a finished run (once per id) and marks the run finished', () => {
    let s = initialWorkerFacingState();
    s = reduceWorkerEvent(s, { type: 'finished', summary: makeSummary('a') });
    s = reduceWorkerEvent(s, { type: 'finished', summary: makeSummary('a', { steps: 500 }) });
    expect(s.run.status).toBe('finished');
    expect(s.run.summary?.id).toBe('a');
    expect(s.savedRuns.map((r) => [r.id, r.steps])).toEqual([['a', 500]]);
  });

  it('follows the run state the worker reports', () => {
    let s = initialWorkerFacingState();
    for (const state of ['running', 'paused', 'running', 'stopped'] as const) {
      s = reduceWorkerEvent(s, { type: 'runState', state });
      expect(s.run.status).toBe(state);
    }
  });

  it('records the backend and bounded notices', () => {
    let s = reduceWorkerEvent(initialWorkerFacingState(), {
      type: 'backend',
      active: 'webgl',
      skipped: [{ name: 'webgpu', reason: 'no adapter' }],
    });
    expect(s.backend.active).toBe('webgl');
    for (let i = 0; i < MAX_NOTICES + 5; i++) {
      s = reduceWorkerEvent(s, { type: 'notice', level: 'info', message: `n${i}` });
    }
    expect(s.notices).toHaveLength(MAX_NOTICES);
    expect(s.notices.at(-1)?.message).toBe(`n${MAX_NOTICES + 4}`);
    expect(new Set(s.notices.map((n) => n.id)).size).toBe(MAX_NOTICES);
  });

  it('clears a pending export when it arrives or fails, with a notice on failure', () => {
    let s: WorkerFacingState = {
      ...initialWorkerFacingState(),
      exports: { pending: { 4: 'tflite', 5: 'report' } },
    };
    s = reduceWorkerEvent(s, {
      type: 'exported',
      requestId: 4,
      format: 'tflite',
      filename: 'model.tflite',
      mime: 'application/octet-stream',
      bytes: new ArrayBuffer(4),
    });
    expect(s.exports.pending).toEqual({ 5: 'report' });
    s = reduceWorkerEvent(s, { type: 'exportError', requestId: 5, message: 'no run' });
    expect(s.exports.pending).toEqual({});
    expect(s.notices[0]).toMatchObject({
      level: 'error',
      message: 'Export (report) failed: no run',
    });
  });
});
