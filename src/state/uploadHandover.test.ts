/** Chosen files go to the worker once, as one Blob; Start and later runs send none. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  packUploadFiles,
  unpackUploadFiles,
  type UploadFile,
  type WorkerCommand,
} from '../worker/protocol';
import { createStudioStore } from './store';
import { makeDatasetSummary, makeSummary } from './testFixtures';

/** Every Blob anywhere in a message (what structured cloning has to copy a handle of). */
function blobsIn(value: unknown, found: Blob[] = []): Blob[] {
  if (value instanceof Blob) found.push(value);
  else if (Array.isArray(value)) value.forEach((v) => blobsIn(v, found));
  else if (value && typeof value === 'object')
    Object.values(value).forEach((v) => blobsIn(v, found));
  return found;
}

const chosen = (n: number): UploadFile[] =>
  Array.from({ length: n }, (_, i) => ({
    path: `class-${i % 2}/${i}.png`,
    file: new Blob([`file ${i} `.repeat(1 + (i % 3))]),
  }));

describe('upload hand-over to the worker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('packs the files into one Blob and unpacks the same paths and bytes', async () => {
    const files = chosen(7);
    const packed = packUploadFiles(files);
    expect(blobsIn(packed)).toHaveLength(1);
    const back = unpackUploadFiles(structuredClone(packed));
    expect(back.map((f) => f.path)).toEqual(files.map((f) => f.path));
    for (let i = 0; i < files.length; i++) {
      expect(await back[i].file.text()).toBe(await files[i].file.text());
    }
  });

  it('refuses a pack whose list does not add up to its bytes', () => {
    const packed = packUploadFiles(chosen(3));
    packed.entries[1].size += 1;
    expect(() => unpackUploadFiles(packed)).toThrow(/changed while they were handed to the worker/);
  });

  it('sends 3000 chosen files once, as one Blob, and never again with Start', () => {
    const sent: WorkerCommand[] = [];
    const store = createStudioStore({
      createWorker: () => ({
        postMessage: (c: WorkerCommand) => sent.push(c),
        onmessage: null,
        onerror: null,
      }),
    });
    store.getState().connect();
    const files = chosen(3000);
    store.getState().setUpload({ format: 'image-folder', files, label: 'pets (3000 files)' });
    const loads = sent.filter((c) => c.type === 'loadDataset');
    const load = loads.at(-1);
    if (load?.type !== 'loadDataset' || load.spec.kind !== 'upload')
      throw new Error('no upload load');
    expect(load.spec.files).toEqual([]);
    expect(blobsIn(load)).toHaveLength(1);
    expect(load.spec.packed?.entries).toHaveLength(3000);

    store.getState().receiveWorkerEvents([
      {
        type: 'dataset',
        requestId: load.requestId,
        summary: makeDatasetSummary({ loadKey: 'k1' }),
      },
    ]);
    vi.advanceTimersByTime(300);
    const before = sent.length;
    for (let run = 1; run <= 2; run++) {
      store.getState().startRun();
      store.getState().receiveWorkerEvents([
        { type: 'runState', state: 'running' },
        { type: 'finished', summary: makeSummary(`run-${run}`) },
        { type: 'runState', state: 'finished' },
      ]);
      vi.advanceTimersByTime(300);
    }
    const after = sent.slice(before);
    expect(after.filter((c) => c.type === 'start')).toHaveLength(2);
    // No file, no Blob, no second load: the worker already holds the data.
    expect(after.filter((c) => c.type === 'loadDataset')).toHaveLength(0);
    expect(after.flatMap((c) => blobsIn(c))).toHaveLength(0);
    const start = after.find((c) => c.type === 'start');
    expect(start?.type === 'start' && start.datasetKey).toBe('k1');
  });
});
