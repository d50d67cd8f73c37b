/**
 * The dataset slice: loading the chosen dataset into the worker (an upload's files are handed
 * over first, in slices), debounced reloads while the generated set's fields are edited, and
 * cancelling a load in flight.
 */
import { UPLOAD_CHUNK_FILES, type UploadFile } from '../worker/protocol';
import { send, type Ctx, type SliceContext } from './sliceContext';

/** Dataset reloads wait for typing in the generated-set fields to pause. */
export const DATASET_DEBOUNCE_MS = 250;

/**
 * Hands the chosen files to the worker once (per choice and worker), in slices one task
 * apart (see 'uploadFiles'), then calls `then` with their id. A newer choice cancels it.
 */
export function handOver(
  ctx: Ctx<'link' | 'timers'>,
  files: UploadFile[],
  then: (uploadId: number) => void,
) {
  const { link, timers } = ctx;
  if (
    link.handedOver &&
    link.handedOver.files === files &&
    link.handedOver.worker === link.worker
  ) {
    then(link.handedOver.id);
    return;
  }
  if (link.handOverTimer !== undefined) timers.clear(link.handOverTimer);
  link.handOverTimer = undefined;
  const id = ++link.uploadSerial;
  const to = link.worker;
  let next = 0;
  const sendSlice = () => {
    link.handOverTimer = undefined;
    if (link.worker !== to) return; // a new worker: its own start hands the files over again
    send(ctx, {
      type: 'uploadFiles',
      uploadId: id,
      files: files.slice(next, next + UPLOAD_CHUNK_FILES),
    });
    next += UPLOAD_CHUNK_FILES;
    if (next < files.length) {
      link.handOverTimer = timers.set(sendSlice, 0);
      return;
    }
    link.handedOver = { files, id, worker: to };
    then(id);
  };
  // Not even the first slice in the task of the choice: the browser has just built the list.
  link.handOverTimer = timers.set(sendSlice, 0);
}

/** Asks the worker for the configured dataset (an upload only once its files are chosen). */
export function loadDataset(ctx: SliceContext) {
  const { get, set, link } = ctx;
  const { config, upload } = get();
  const d = config.dataset;
  if (d.kind === 'upload' && !upload?.files.length) return;
  const requestId = link.nextRequestId++;
  set((s) => ({
    dataset: { ...s.dataset, requestId, loading: true, error: undefined, progress: undefined },
  }));
  if (d.kind !== 'upload') {
    send(ctx, { type: 'loadDataset', requestId, spec: d });
    return;
  }
  handOver(ctx, upload!.files, (uploadId) => {
    // Another dataset was chosen meanwhile: that request counts, not this one.
    if (get().dataset.requestId !== requestId) return;
    if (link.cancelledRequest === requestId) {
      // Cancelled while the files were still being handed over: the worker never saw it.
      ctx.batcher.push({
        type: 'datasetError',
        requestId,
        message: 'loading was cancelled',
        cancelled: true,
      });
      return;
    }
    send(ctx, {
      type: 'loadDataset',
      requestId,
      spec: { kind: 'upload', format: d.format, files: [], uploadId },
    });
  });
}

export function loadDatasetSoon(ctx: SliceContext) {
  const { link, timers } = ctx;
  if (link.datasetTimer !== undefined) timers.clear(link.datasetTimer);
  link.datasetTimer = timers.set(() => {
    link.datasetTimer = undefined;
    loadDataset(ctx);
  }, DATASET_DEBOUNCE_MS);
}

/** Stops the dataset load in flight; the dataset in use stays. */
export function cancelDatasetLoad(ctx: Ctx<'get' | 'link'>) {
  const { dataset } = ctx.get();
  if (!dataset.loading) return;
  // A load still being handed over is stopped on the page; the worker ignores a cancel
  // for a load it has not been sent.
  ctx.link.cancelledRequest = dataset.requestId;
  send(ctx, { type: 'cancelDataset', requestId: dataset.requestId });
}
