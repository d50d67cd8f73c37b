/**
 * The one typed message protocol between the UI (main thread) and the training worker.
 * Everything that crosses the boundary is plain, structured-cloneable data.
 */
import type { LoadProgress } from '../data/uploads/progress';
import type { DatasetIdentity, DeploymentFacts, Int8Comparison } from '../export/report';
import type { GroupSnapshot, Phase, StepMetrics } from '../core/runState';
import type { Budgets, LayerFigures, ResourceFigures, ResourceName } from '../core/resources';
import type { BackendName, BackendSetting, BackendTiming } from '../core/backends';
import type { UploadFormat } from '../core/uploadFormats';
export type { DatasetIdentity, DeploymentFacts, Int8Comparison };
export type { ConfusionEvaluation, EvaluatedModel } from '../core/evaluation';
import type { ConfusionEvaluation } from '../core/evaluation';
import type { BoardProfile } from '../core/hardware';
import type { GeneratedStyle } from '../core/runLimits';

// The shared vocabulary lives in core; the protocol re-exports it for the page.
export type { GroupSnapshot, Phase, StepMetrics };
export type { Budgets, LayerFigures, LoadProgress, ResourceFigures, ResourceName };
export { RESOURCE_NAMES } from '../core/resources';
export type { BackendName, BackendSetting, BackendTiming, GeneratedStyle, UploadFormat };

export type DatasetSpec =
  | { kind: 'mnist' }
  | {
      kind: 'generated';
      seed: number;
      classes: number;
      size: number;
      samples: number;
      /** Default 'plain' (runs and links from before the option). */
      style?: GeneratedStyle;
    }
  | {
      kind: 'upload';
      /** What the user said the files are; the files' names must agree. */
      format?: UploadFormat;
      files: UploadFile[];
      /**
       * The files sent before in `uploadFiles` messages with this id: how the page hands them
       * over, once per choice and worker. When present, `files` is empty.
       */
      uploadId?: number;
      /** Size images are resized to (H, W, C with C 1 or 3); default 32×32×3. */
      imageShape?: [number, number, number];
    };

export interface UploadFile {
  /** Path inside the chosen folder, e.g. "cats/001.png" (webkitRelativePath or zip path). */
  path: string;
  file: Blob;
}

/** Chosen files go to the worker in slices of this many, one message per task (see uploadFiles). */
export const UPLOAD_CHUNK_FILES = 50;

export interface ScheduleConfig {
  totalSteps: number;
  warmupFraction: number;
  pruneFraction: number;
  /** The rest is fine-tuning of the physically pruned network. */
}

export interface RunConfig {
  dataset: DatasetSpec;
  modelId: string;
  widthMultiplier: number;
  boardId: string;
  /** The board itself when boardId is 'custom' (the user's own figures). */
  customBoard?: BoardProfile;
  budgets: Budgets;
  schedule: ScheduleConfig;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface DatasetSummary {
  id: string;
  /**
   * Names this load of the dataset in this worker (two uploads of different files may share
   * an id): Start sends it back so the worker trains only on the dataset the page shows.
   */
  loadKey: string;
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
  classNames: string[];
  trainCount: number;
  validationCount: number;
  warnings: string[];
  /** A few samples for the preview grid, normalised to [0, 1]. */
  preview: { x: Float32Array; y: Uint8Array; count: number };
}

/** A budget change during a run: the budgets in force from `step` on. */
export interface BudgetChange {
  step: number;
  budgets: Budgets;
}

export interface RunSummary {
  id: string;
  /** The user's name for the run (Saved runs panel); absent until renamed. */
  name?: string;
  finishedAt: string;
  config: RunConfig;
  datasetName: string;
  /** The dataset the run trained on (absent in runs saved by older versions). */
  dataset?: DatasetIdentity;
  modelName: string;
  boardName: string;
  validationAccuracy: number;
  /**
   * Measured at the end of warm-up (step `unprunedMeasuredAtStep`), on the unpruned network
   * trained only that long: a reference, not a like-for-like "before pruning" figure.
   */
  unprunedValidationAccuracy?: number;
  unprunedMeasuredAtStep?: number;
  /** Validation samples behind validationAccuracy (pruned float network, at the last step). */
  validationSamples?: number;
  /** The exported int8 .tflite against its float original (known once the files are made). */
  quantised?: QuantisedAccuracy;
  /** The fair reference: the unpruned network trained the run's full length (on demand). */
  reference?: ReferenceAccuracy;
  /** The same budgets spent by uniform shrinking, trained as long as the run (on demand). */
  baseline?: UniformBaseline;
  resources: ResourceFigures;
  unpruned: ResourceFigures;
  keptPerGroup: { name: string; kept: number; size: number }[];
  backend: BackendName;
  steps: number;
  durationMs: number;
  /**
   * Every budget change of the run with the step it applied from, the Start budgets first
   * (absent in runs saved by older versions). `config.budgets` is the last entry: the budgets
   * the final network was pruned to.
   */
  budgetHistory?: BudgetChange[];
}

/** The exported int8 model as TFLite Micro runs it (computed once a run has finished). */
export interface RunDeployment {
  facts: DeploymentFacts;
  /** Validation accuracy of the int8 model (TFLM's arithmetic) and of the float network. */
  int8Accuracy: number;
  floatAccuracy: number;
  /** Float vs int8 on the same samples: per-class recall, the largest output differences. */
  comparison?: Int8Comparison;
  /** Pictures of comparison.largestDifferences' samples, in that order (live runs only). */
  differencePictures?: ConfusionEvaluation['samples'];
}

export type ExportFormat = 'tfjs' | 'tflite' | 'c-array' | 'report';

/** The unpruned network, same model, data, schedule and seed, trained `steps` steps. */
export interface ReferenceAccuracy {
  accuracy: number;
  steps: number;
  validationSamples: number;
}

/**
 * The uniform-width baseline of a run: the same model with every prunable group at round(r·C)
 * channels, r the largest width multiplier that the resource model says fits the run's final
 * budgets, trained from scratch for the run's steps (same data, schedule and seed).
 */
export interface UniformBaseline {
  ratio: number;
  keptPerGroup: { name: string; kept: number; size: number }[];
  /** Float validation accuracy at its last step, on every validation sample. */
  accuracy: number;
  steps: number;
  validationSamples: number;
  /** Its own figures (the resource model of the smaller network). */
  resources: ResourceFigures;
  /** The budgets it was sized for, and whether it meets every one. */
  budgets: Budgets;
  fits: boolean;
}

/** The pruned network's accuracy as exported: int8 .tflite and float, on the same samples. */
export interface QuantisedAccuracy {
  int8Accuracy: number;
  floatAccuracy: number;
  samples: number;
}

export interface ExportedFile {
  format: ExportFormat;
  filename: string;
  mime: string;
  bytes: ArrayBuffer;
}

export interface SimulatedFaults {
  /** Throw a "device lost" error at this step (once): the run must go on on the next backend. */
  deviceLostAtStep?: number;
  /** Report a NaN loss at this step (once): the run must roll back with a lower learning rate. */
  nanAtStep?: number;
  /** Spin without end at this step (once): Stop and the step time limit must end the worker. */
  slowStepAtStep?: number;
}

/** What the UI shows to offer resuming an interrupted run. */
export interface CheckpointInfo {
  /** Names the run's stored checkpoint (one per run: tabs never share one). */
  key: string;
  step: number;
  totalSteps: number;
  savedAt: string;
  modelName: string;
  datasetName: string;
  phase: Phase;
}

/** UI → worker. */
export type WorkerCommand =
  | {
      type: 'init';
      /** The page's base URL: built-in assets (data/mnist.bin) resolve against it. */
      baseUrl?: string;
      /** The user's choice; default 'auto'. */
      backendChoice?: BackendSetting;
      /** An exact order to try, without measuring (tests, diagnosis). */
      backends?: BackendName[];
      /** Fault injection (from the page's ?simulate= query): backends to treat as failing. */
      simulatedFailures?: Partial<Record<BackendName, string>>;
      /** Fault injection (?simulate=device-lost@N,nan@N): fail once at a given step. */
      faults?: SimulatedFaults;
    }
  | { type: 'chooseBackend'; choice: BackendSetting }
  /**
   * settleMs, after the page ended a stuck or crashed worker: wait up to this long for that
   * worker's run lock to go, so its checkpoint is offered.
   */
  | { type: 'queryCheckpoint'; settleMs?: number }
  /** Without a key: the checkpoint last offered (see CheckpointInfo.key). */
  | { type: 'resumeCheckpoint'; key?: string }
  | { type: 'discardCheckpoint'; key?: string }
  /**
   * A slice of the chosen files (at most UPLOAD_CHUNK_FILES), in order. Cloning thousands of
   * File handles in one message blocks the page for seconds (2.7 s for 20,000; 0.15–0.5 ms a file here); slices sent
   * one task apart keep every task short. A new uploadId replaces the files of older ones.
   */
  | { type: 'uploadFiles'; uploadId: number; files: UploadFile[] }
  | { type: 'loadDataset'; spec: DatasetSpec; requestId: number }
  /** Stops the load `requestId` at its next file read or image decode; the dataset stays. */
  | { type: 'cancelDataset'; requestId: number }
  | {
      type: 'start';
      config: RunConfig;
      /**
       * The loadKey of the dataset the page shows: the worker refuses to train on any other.
       * Absent (tests, scripts): the worker builds the dataset of `config.dataset` itself.
       */
      datasetKey?: string;
    }
  | { type: 'setBudgets'; budgets: Budgets }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'export'; format: ExportFormat; requestId: number }
  /** Trains the unpruned network for the finished run's full length (once per configuration). */
  | { type: 'trainReference' }
  /** Trains the uniform-width network that fits the finished run's budgets, as long as the run. */
  | { type: 'trainBaseline' }
  /**
   * The clip of one validation sample of run `runId`'s audio upload, decoded again from the
   * uploaded file (answered by a 'sampleAudio' event with the same requestId).
   */
  | { type: 'sampleAudio'; requestId: number; runId: string; validationIndex: number };

/** A validation sample's clip: the front end's input (mono float PCM) its features came from. */
export interface SampleAudio {
  validationIndex: number;
  samples: Float32Array;
  sampleRate: number;
}

/** Worker → UI. */
export type WorkerEvent =
  | {
      type: 'backend';
      active: BackendName;
      skipped: { name: BackendName; reason: string }[];
      /** Probe step times when backends were measured ('auto'). */
      timings?: BackendTiming[];
    }
  | { type: 'dataset'; requestId: number; summary: DatasetSummary }
  | {
      type: 'datasetError';
      requestId: number;
      message: string;
      file?: string;
      /** The user cancelled the load (not a problem with the data). */
      cancelled?: boolean;
    }
  /** How far the load `requestId` has got (at most a few times a second). */
  | { type: 'datasetProgress'; requestId: number; progress: LoadProgress }
  | { type: 'runState'; state: 'running' | 'paused' | 'stopped' | 'finished' }
  | { type: 'metrics'; metrics: StepMetrics }
  | { type: 'finished'; summary: RunSummary }
  /** After 'finished': what the exported .tflite needs on TFLite Micro, and its int8 accuracy. */
  | { type: 'deployment'; runId: string; deployment: RunDeployment }
  /** After a run: the confusion matrix of a model on the validation set. */
  | { type: 'evaluation'; evaluation: ConfusionEvaluation }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  | {
      type: 'exported';
      requestId: number;
      format: ExportFormat;
      filename: string;
      mime: string;
      bytes: ArrayBuffer;
    }
  | { type: 'exportError'; requestId: number; message: string }
  /** After 'finished': the run's four export files, made once, to keep with the saved run. */
  | { type: 'runFiles'; runId: string; files: ExportedFile[]; quantised?: QuantisedAccuracy }
  /** The finished run's files could not be made: it cannot be kept whole. */
  | { type: 'runFilesFailed'; runId: string; message: string }
  /** Progress and result of trainReference (`reference` set once it is done). */
  | {
      type: 'reference';
      runId: string;
      step: number;
      totalSteps: number;
      reference?: ReferenceAccuracy;
      error?: string;
    }
  /**
   * The budgets a running job uses after a setBudgets, with the run's budget history; with
   * `refused` (the reason) when the new budgets were not applied and these are still in force.
   */
  | { type: 'budgets'; budgets: Budgets; history: BudgetChange[]; refused?: string }
  /** A stored run was resumed: its settings (budgets as in force now), for the page to show. */
  | { type: 'resumed'; config: RunConfig; budgetHistory: BudgetChange[] }
  /** Progress and result of trainBaseline (`baseline` set once it is done). */
  | {
      type: 'baseline';
      runId: string;
      step: number;
      totalSteps: number;
      baseline?: UniformBaseline;
      error?: string;
    }
  /** Answer to a sampleAudio command: the clip, or why there is none. */
  | { type: 'sampleAudio'; requestId: number; audio?: SampleAudio; error?: string }
  /** Answer to queryCheckpoint: the interrupted run that can be resumed, or null. */
  | { type: 'checkpoint'; info: CheckpointInfo | null };
