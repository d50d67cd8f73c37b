/** Chosen files go to the worker once, in short slices; Start and later runs send none. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UPLOAD_CHUNK_FILES, type UploadFile } from '../worker/protocol';
import { makeDatasetSummary, makeSummary } from '../testing/runFixtures';
import { connectedStore } from './testing/sliceContext';

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

  it('sends 3000 chosen files once, in slices one task apart, and never again with Start', () => {
    const { store, sent } = connectedStore();
    const files = chosen(3000);
    const from = sent.length;
    store.getState().setUpload({ format: 'image-folder', files, label: 'pets (3000 files)' });
    // Nothing in the task of the choice; then one slice per task.
    expect(sent.slice(from)).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(sent.slice(from).map((c) => c.type)).toEqual(['uploadFiles']);
    for (let i = 0; i < 80; i++) vi.advanceTimersByTime(1);
    const handed = sent.slice(from);
    const slices = handed.filter((c) => c.type === 'uploadFiles');
    expect(slices).toHaveLength(3000 / UPLOAD_CHUNK_FILES);
    expect(
      slices.every((c) => c.type === 'uploadFiles' && c.files.length <= UPLOAD_CHUNK_FILES),
    ).toBe(true);
    const paths = slices.flatMap((c) =>
      c.type === 'uploadFiles' ? c.files.map((f) => f.path) : [],
    );
    expect(paths).toEqual(files.map((f) => f.path));
    const load = handed.at(-1);
    if (load?.type !== 'loadDataset' || load.spec.kind !== 'upload')
      throw new Error('no upload load');
    expect(load.spec.files).toEqual([]);
    expect(load.spec.uploadId).toBe(slices[0].type === 'uploadFiles' && slices[0].uploadId);

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
        // (The files of a run are beside the point here; Start waits for them or for this.)
        { type: 'runFilesFailed', runId: `run-${run}`, message: 'No files in this test.' },
      ]);
      vi.advanceTimersByTime(300);
    }
    // Back to the upload after another dataset: loaded again from the files the worker holds.
    store.getState().setDatasetKind('mnist');
    store.getState().setDatasetKind('upload');
    vi.advanceTimersByTime(300);
    const after = sent.slice(before);
    expect(after.filter((c) => c.type === 'start')).toHaveLength(2);
    expect(after.filter((c) => c.type === 'uploadFiles')).toHaveLength(0);
    expect(after.flatMap((c) => blobsIn(c))).toHaveLength(0);
    const again = after.filter((c) => c.type === 'loadDataset').at(-1);
    expect(again?.type === 'loadDataset' && again.spec).toMatchObject({
      kind: 'upload',
      files: [],
      uploadId: load.spec.uploadId,
    });
    const start = after.find((c) => c.type === 'start');
    expect(start?.type === 'start' && start.datasetKey).toBe('k1');
  });

  it('a newer choice during the hand-over stops the older one: only its files and load go', () => {
    const { store, sent } = connectedStore();
    const from = sent.length;
    store.getState().setUpload({ format: 'image-folder', files: chosen(1000), label: 'old' });
    vi.advanceTimersByTime(0);
    const newer = chosen(10).map((f) => ({ ...f, path: `new/${f.path}` }));
    store.getState().setUpload({ format: 'image-folder', files: newer, label: 'new' });
    for (let i = 0; i < 20; i++) vi.advanceTimersByTime(1);
    const handed = sent.slice(from);
    const ids = [...new Set(handed.flatMap((c) => (c.type === 'uploadFiles' ? [c.uploadId] : [])))];
    expect(ids).toHaveLength(2);
    // The older choice got out one slice before it was replaced; no load was asked for it.
    expect(handed.filter((c) => c.type === 'uploadFiles' && c.uploadId === ids[0])).toHaveLength(1);
    const loads = handed.filter((c) => c.type === 'loadDataset');
    expect(loads).toHaveLength(1);
    expect(loads[0].type === 'loadDataset' && loads[0].spec).toMatchObject({ uploadId: ids[1] });
  });

  it('Cancel while the files are still being handed over sends no load, and says it stopped', () => {
    const { store, sent } = connectedStore();
    store.getState().setUpload({ format: 'image-folder', files: chosen(3000), label: 'pets' });
    vi.advanceTimersByTime(0);
    expect(store.getState().dataset.loading).toBe(true);
    store.getState().cancelDatasetLoad();
    for (let i = 0; i < 80; i++) vi.advanceTimersByTime(1);
    expect(sent.some((c) => c.type === 'loadDataset' && c.spec.kind === 'upload')).toBe(false);
    expect(store.getState().dataset.loading).toBe(false);
    expect(store.getState().notices.at(-1)?.message).toMatch(/^Stopped loading the dataset\./);
  });

  it('Cancel once the load was sent asks the worker to stop it', () => {
    const { store, sent } = connectedStore();
    store.getState().setUpload({ format: 'image-folder', files: chosen(10), label: 'pets' });
    for (let i = 0; i < 5; i++) vi.advanceTimersByTime(1);
    const load = sent.find((c) => c.type === 'loadDataset' && c.spec.kind === 'upload');
    expect(load).toBeDefined();
    store.getState().cancelDatasetLoad();
    expect(sent.at(-1)).toEqual({
      type: 'cancelDataset',
      requestId: load?.type === 'loadDataset' ? load.requestId : -1,
    });
  });
});
