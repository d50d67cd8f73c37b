/**
 * Listening to a confusion-matrix sample: the page asks the worker for the clip of the run it
 * finished here, matches the answer to the question, and says why when there is no clip.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SampleAudio, WorkerCommand, WorkerEvent } from '../worker/protocol';
import { MemoryRunRecordStore } from './runRecords';
import { selectSampleAudioProblem } from './selectors';
import { createStudioStore } from './store';
import {
  makeDatasetSummary,
  makeEvaluation,
  makeMetrics,
  makeSummary,
  reportBytes,
  sampleReportInput,
} from '../testing/runFixtures';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function page(records = new MemoryRunRecordStore(), storage = new Map<string, string>()) {
  const sent: WorkerCommand[] = [];
  const workers: { onerror: ((e: ErrorEvent) => void) | null }[] = [];
  const store = createStudioStore({
    createWorker: () => {
      const worker = {
        postMessage: (c: WorkerCommand) => sent.push(c),
        onmessage: null,
        onerror: null,
      };
      workers.push(worker);
      return worker;
    },
    storage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
    },
    runRecords: records,
  });
  store.getState().connect();
  const events = (list: WorkerEvent[]) => store.getState().receiveWorkerEvents(list);
  return { store, sent, workers, events, records, storage };
}

/** A run finished in this page, as the worker reports it, kept whole in `records`. */
async function finish(p: ReturnType<typeof page>, id: string) {
  const load = p.sent.filter((c) => c.type === 'loadDataset').at(-1);
  if (load?.type === 'loadDataset') {
    p.events([{ type: 'dataset', requestId: load.requestId, summary: makeDatasetSummary() }]);
  }
  p.store.getState().startRun();
  p.events([
    { type: 'runState', state: 'running' },
    { type: 'metrics', metrics: makeMetrics(400) },
    { type: 'finished', summary: makeSummary(id) },
    { type: 'runState', state: 'finished' },
    { type: 'evaluation', evaluation: { ...makeEvaluation('float'), audio: true } },
    {
      type: 'runFiles',
      runId: id,
      files: (['tfjs', 'tflite', 'c-array', 'report'] as const).map((format) => ({
        format,
        filename: `x.${format}`,
        mime: 'application/octet-stream',
        bytes:
          format === 'report'
            ? reportBytes(sampleReportInput()).slice().buffer
            : new Uint8Array([1, 2, 3]).buffer,
      })),
    },
  ]);
  await vi.runAllTimersAsync();
}

const clip = (validationIndex: number): SampleAudio => ({
  validationIndex,
  samples: Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 10)),
  sampleRate: 16000,
});

describe('requestSampleAudio', () => {
  it('asks the worker for a clip of the run it holds and answers each request with its own clip', async () => {
    const p = page();
    await finish(p, 'run-1');
    expect(selectSampleAudioProblem(p.store.getState())).toBeUndefined();
    const first = p.store.getState().requestSampleAudio(3);
    const second = p.store.getState().requestSampleAudio(5);
    const asked = p.sent.filter((c) => c.type === 'sampleAudio');
    expect(asked).toEqual([
      { type: 'sampleAudio', requestId: expect.any(Number), runId: 'run-1', validationIndex: 3 },
      { type: 'sampleAudio', requestId: expect.any(Number), runId: 'run-1', validationIndex: 5 },
    ]);
    const [a, b] = asked as Extract<WorkerCommand, { type: 'sampleAudio' }>[];
    expect(a.requestId).not.toBe(b.requestId);
    // Answers in the other order still reach their own request.
    const five = clip(5);
    const three = clip(3);
    p.events([{ type: 'sampleAudio', requestId: b.requestId, audio: five }]);
    p.events([{ type: 'sampleAudio', requestId: a.requestId, audio: three }]);
    await expect(first).resolves.toBe(three);
    await expect(second).resolves.toBe(five);
  });

  it("rejects with the worker's reason, and when the worker is restarted", async () => {
    const p = page();
    await finish(p, 'run-1');
    const failing = p.store.getState().requestSampleAudio(1);
    const ask = p.sent.filter((c) => c.type === 'sampleAudio').at(-1);
    if (ask?.type !== 'sampleAudio') throw new Error('not sent');
    p.events([{ type: 'sampleAudio', requestId: ask.requestId, error: 'kws/no/1.wav: gone' }]);
    await expect(failing).rejects.toThrow('kws/no/1.wav: gone');
    const pending = p.store.getState().requestSampleAudio(2);
    p.workers[0].onerror?.({ message: 'boom' } as ErrorEvent);
    await expect(pending).rejects.toThrow(/worker was restarted/);
    // The new worker holds no run: the clips of the shown run are not playable any more.
    expect(selectSampleAudioProblem(p.store.getState())).toMatch(/not loaded in this page/);
  });

  it('refuses without asking the worker for a run reopened after a reload', async () => {
    const records = new MemoryRunRecordStore();
    const storage = new Map<string, string>();
    await finish(page(records, storage), 'run-1');
    const after = page(records, storage);
    await vi.runAllTimersAsync();
    expect(after.store.getState().run.summary?.id).toBe('run-1');
    expect(after.store.getState().run.evaluations?.float?.audio).toBe(true);
    const problem = selectSampleAudioProblem(after.store.getState());
    expect(problem).toMatch(/clips are not loaded in this page.*choose its folder again/);
    await expect(after.store.getState().requestSampleAudio(0)).rejects.toThrow(problem!);
    expect(after.sent.some((c) => c.type === 'sampleAudio')).toBe(false);
  });
});
