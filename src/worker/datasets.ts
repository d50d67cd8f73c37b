/**
 * The training worker's datasets: the one in use (with the loadKey the page shows), the files
 * the page handed over, and the load in flight (its progress, Cancel, and a newer choice that
 * supersedes it). Kept apart from the run loop in session.ts.
 */
import type { Dataset } from '../data/dataset';
import { DatasetError } from '../data/dataset';
import { generateShapes } from '../data/generated';
import { generateTexturedShapes } from '../data/textured';
import { loadBuiltinMnist } from '../data/mnist';
import { valueSpan } from '../data/render';
import { browserImageDecoder } from '../data/uploads/browserDecode';
import { detectUploadFormat, loadUpload, type UploadFile as DataUploadFile } from '../data/uploads';
import { decodeClipAt } from '../data/uploads/wavFolder';
import { LoadCancelled, LoadControl, throttled, type LoadProgress } from '../data/uploads/progress';
import type {
  DatasetIdentity,
  DatasetSpec,
  DatasetSummary,
  SampleAudio,
  UploadFile,
  WorkerEvent,
} from './protocol';

const PREVIEW_SAMPLES = 24;
/** Dataset progress messages at most this often. */
const PROGRESS_INTERVAL_MS = 150;

interface DatasetLoad {
  requestId: number;
  control?: LoadControl;
  cancelled?: boolean;
}

export class WorkerDatasets {
  /** Where the built-in MNIST file is served from (the page's base URL). */
  baseUrl = '';
  private dataset?: Dataset;
  /** loadKey of `dataset` (see DatasetSummary.loadKey). */
  private key?: string;
  private serial = 0;
  /** The latest chosen files, as the page handed them over (see 'uploadFiles'). */
  private upload?: { id: number; files: UploadFile[] };
  /** The latest dataset request; the results of older ones are dropped. */
  private latestRequest?: number;
  /** Set while the latest dataset request is still loading. */
  private loading = false;
  /** The load running now, so that Cancel (or a newer choice) can stop it. */
  private current?: DatasetLoad;
  /**
   * The files each uploaded dataset was loaded from (handles, not copies), for as long as the
   * dataset lives: a run's clips can be decoded again after a newer upload replaced the choice.
   */
  private sourceFiles = new WeakMap<Dataset, readonly DataUploadFile[]>();

  constructor(private readonly post: (event: WorkerEvent) => void) {}

  async build(
    spec: DatasetSpec,
    watch?: (files: DataUploadFile[]) => LoadControl,
  ): Promise<{ dataset: Dataset; warnings: string[] }> {
    switch (spec.kind) {
      case 'mnist': {
        const url = this.baseUrl ? new URL('data/mnist.bin', this.baseUrl).href : 'data/mnist.bin';
        return { dataset: await loadBuiltinMnist((u) => fetch(u), url), warnings: [] };
      }
      case 'generated': {
        const options = {
          seed: spec.seed,
          classes: spec.classes,
          size: spec.size,
          samples: spec.samples,
        };
        return {
          dataset:
            spec.style === 'textured' ? generateTexturedShapes(options) : generateShapes(options),
          warnings: [],
        };
      }
      case 'upload': {
        const chosen = spec.uploadId === undefined ? spec.files : this.handedOver(spec.uploadId);
        const files: DataUploadFile[] = chosen.map((f) => ({
          path: f.path,
          size: f.file.size,
          bytes: () => f.file.arrayBuffer(),
        }));
        const detected = detectUploadFormat(files);
        if (spec.format && detected && spec.format !== detected) {
          throw new DatasetError(
            `the chosen files look like ${detected}, not ${spec.format}: pick the matching upload type`,
          );
        }
        const control = watch?.(files);
        const result = await loadUpload(control ? control.watchFiles(files) : files, {
          image: {
            targetShape: spec.imageShape ?? [32, 32, 3],
            decode: control ? control.watchDecoder(browserImageDecoder) : browserImageDecoder,
          },
        });
        control?.check();
        if (result.dataset.validationSources) this.sourceFiles.set(result.dataset, files);
        return { dataset: result.dataset, warnings: result.warnings };
      }
    }
  }

  /** Keeps a slice of the chosen files; a newer choice (uploadId) drops the older files. */
  receiveFiles(uploadId: number, files: UploadFile[]): void {
    if (!this.upload || this.upload.id < uploadId) this.upload = { id: uploadId, files: [] };
    if (this.upload.id === uploadId) this.upload.files.push(...files);
  }

  private handedOver(uploadId: number): UploadFile[] {
    if (this.upload?.id !== uploadId) {
      throw new DatasetError(
        'the chosen files did not all reach the training worker: choose them again',
      );
    }
    return this.upload.files;
  }

  /**
   * Validation sample `index` of an audio upload, decoded again from its file: the clip its
   * features were computed from. Throws a DatasetError saying why when it cannot be.
   */
  async clip(dataset: Dataset, index: number): Promise<SampleAudio> {
    const sources = dataset.validationSources;
    const config = dataset.frontEnd;
    if (!sources || !config) {
      throw new DatasetError(`"${dataset.name}" is not an audio upload: its samples have no sound`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= dataset.validation.count) {
      throw new DatasetError(
        `there is no validation sample ${index} in "${dataset.name}" (it has ${dataset.validation.count})`,
      );
    }
    const files = this.sourceFiles.get(dataset);
    if (!files) {
      throw new DatasetError(
        `the clips of "${dataset.name}" are not in this page any more: choose its folder again to listen`,
      );
    }
    const file = files.at(sources.file[index]);
    if (!file) {
      throw new DatasetError(
        `validation sample ${index} of "${dataset.name}" names no uploaded file: choose its folder again`,
      );
    }
    let bytes: ArrayBuffer;
    try {
      bytes = await file.bytes();
    } catch {
      throw new DatasetError(
        'could not be read: it was moved or deleted since the upload',
        file.path,
      );
    }
    const window = { start: sources.start[index], length: sources.length[index] };
    const samples = decodeClipAt(bytes, file.path, window, config);
    return { validationIndex: index, samples, sampleRate: config.sampleRate };
  }

  /** Makes `dataset` the current one and returns its summary (with a new loadKey). */
  use(dataset: Dataset, warnings: string[]): DatasetSummary {
    this.dataset = dataset;
    this.serial += 1;
    this.key = `${dataset.id}#${this.serial}`;
    return summarise(dataset, warnings, this.key);
  }

  /**
   * Loads a dataset; on any problem the current dataset (and run) stay as they were. A load
   * that a newer request superseded while it ran is dropped: only the latest request counts.
   */
  async load(spec: DatasetSpec, requestId: number): Promise<void> {
    this.latestRequest = requestId;
    this.loading = true;
    // A newer choice makes the older load pointless: stop it at its next read.
    this.current?.control?.cancel();
    const load: DatasetLoad = { requestId };
    this.current = load;
    const superseded = () => this.latestRequest !== requestId;
    const progress = throttled(
      (p: LoadProgress) => this.post({ type: 'datasetProgress', requestId, progress: p }),
      PROGRESS_INTERVAL_MS,
    );
    const watch = (files: DataUploadFile[]) => {
      load.control = new LoadControl(files, (p) => progress.push(p));
      // A cancel that came before the files were listed still counts.
      if (load.cancelled) load.control.cancel();
      return load.control;
    };
    try {
      const { dataset, warnings } = await this.build(spec, watch);
      if (load.cancelled) throw new LoadCancelled();
      if (superseded()) return;
      this.loading = false;
      progress.flush();
      this.post({ type: 'dataset', requestId, summary: this.use(dataset, warnings) });
    } catch (err) {
      if (superseded()) return;
      this.loading = false;
      this.post({
        type: 'datasetError',
        requestId,
        message: err instanceof Error ? err.message : String(err),
        file: err instanceof DatasetError ? err.file : undefined,
        cancelled: err instanceof LoadCancelled || undefined,
      });
    } finally {
      if (this.current === load) this.current = undefined;
    }
  }

  /** The page's Cancel: the load stops at its next file read or image decode. */
  cancel(requestId: number): void {
    const load = this.current;
    if (load?.requestId !== requestId) return;
    load.cancelled = true;
    load.control?.cancel();
  }

  /** The dataset a Start expecting `datasetKey` may train on, or why there is none. */
  expected(datasetKey: string): Dataset | string {
    if (this.loading) {
      return 'The run was not started: a newer dataset is still loading. Press Start again once it is shown.';
    }
    if (!this.dataset || this.key !== datasetKey) {
      return (
        `The run was not started: the dataset shown on the page is not the one loaded for training ` +
        `(${this.dataset ? `"${this.dataset.name}"` : 'none'}). Choose the dataset again, then press Start.`
      );
    }
    return this.dataset;
  }
}

export function datasetIdentity(dataset: Dataset): DatasetIdentity {
  return {
    id: dataset.id,
    name: dataset.name,
    inputShape: [...dataset.inputShape],
    classNames: [...dataset.classNames],
    trainCount: dataset.train.count,
    validationCount: dataset.validation.count,
  };
}

/** A few samples scaled to [0, 1] for the preview grid, and the dataset's figures. */
export function summarise(
  dataset: Dataset,
  warnings: string[],
  loadKey = dataset.id,
): DatasetSummary {
  const [h, w, c] = dataset.inputShape;
  const n = h * w * c;
  const count = Math.min(PREVIEW_SAMPLES, dataset.train.count);
  const raw = dataset.train.x.subarray(0, count * n);
  const { min, range } = valueSpan(raw);
  const x = Float32Array.from(raw, (v) => (v - min) / range);
  return {
    id: dataset.id,
    loadKey,
    name: dataset.name,
    inputShape: dataset.inputShape,
    numClasses: dataset.numClasses,
    classNames: dataset.classNames,
    trainCount: dataset.train.count,
    validationCount: dataset.validation.count,
    warnings,
    preview: { x, y: dataset.train.y.slice(0, count), count },
  };
}
