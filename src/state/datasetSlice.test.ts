import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UPLOAD_CHUNK_FILES, type UploadFile } from '../worker/protocol';
import {
  cancelDatasetLoad,
  DATASET_DEBOUNCE_MS,
  loadDataset,
  loadDatasetSoon,
} from './datasetSlice';
import { sliceContext } from './testing/sliceContext';

const files = (n: number): UploadFile[] =>
  Array.from({ length: n }, (_, i) => ({ path: `cat/${i}.png`, file: new Blob(['x']) }));

describe('datasetSlice actions on a plain context', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('loads a built-in dataset at once, marking the request as loading', () => {
    const { ctx, sent } = sliceContext();
    loadDataset(ctx);
    expect(sent).toEqual([
      { type: 'loadDataset', requestId: ctx.get().dataset.requestId, spec: { kind: 'mnist' } },
    ]);
    expect(ctx.get().dataset.loading).toBe(true);
  });

  it('waits for the typing to pause: one load for several edits', () => {
    const { ctx, sent } = sliceContext();
    loadDatasetSoon(ctx);
    vi.advanceTimersByTime(DATASET_DEBOUNCE_MS - 1);
    loadDatasetSoon(ctx);
    vi.advanceTimersByTime(DATASET_DEBOUNCE_MS - 1);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent.map((c) => c.type)).toEqual(['loadDataset']);
  });

  it('hands an upload over in slices; cancelled meanwhile, the worker never gets the load', () => {
    const chosen = files(UPLOAD_CHUNK_FILES + 1);
    const { ctx, sent, pushed } = sliceContext({
      config: {
        ...sliceContext().ctx.get().config,
        dataset: { kind: 'upload', format: 'image-folder' },
      },
      upload: { format: 'image-folder', files: chosen, label: 'cats' },
    });
    loadDataset(ctx);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(sent.map((c) => c.type)).toEqual(['uploadFiles']);
    cancelDatasetLoad(ctx);
    vi.runAllTimers();
    const requestId = ctx.get().dataset.requestId;
    expect(sent.map((c) => c.type)).toEqual(['uploadFiles', 'cancelDataset', 'uploadFiles']);
    expect(sent.flatMap((c) => (c.type === 'uploadFiles' ? c.files : []))).toEqual(chosen);
    expect(pushed).toEqual([
      { type: 'datasetError', requestId, message: 'loading was cancelled', cancelled: true },
    ]);
  });
});
