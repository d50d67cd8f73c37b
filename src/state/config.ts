/**
 * The run configuration the page edits: what round-trips through the URL hash and becomes the
 * worker's RunConfig when the user presses Start.
 */
import type {
  BackendSetting,
  DatasetSpec,
  GeneratedStyle,
  RunConfig,
  ScheduleConfig,
  UploadFile,
  UploadFormat,
} from '../worker/protocol';
import { CUSTOM_BOARD_ID } from '../core/hardware';
import { DEFAULT_BOARD_ID } from './boards';

export type DatasetChoice =
  | { kind: 'mnist' }
  | Extract<DatasetSpec, { kind: 'generated' }>
  /** Files live in the store only; a link cannot carry them. */
  | { kind: 'upload'; format: UploadFormat };

/** The worker's RunConfig with the dataset as the page knows it, and the backend choice. */
export interface StudioConfig extends Omit<RunConfig, 'dataset'> {
  dataset: DatasetChoice;
  /** Training backend: 'auto' measures them all and takes the fastest. */
  backend: BackendSetting;
}

export const BACKEND_SETTINGS: readonly BackendSetting[] = [
  'auto',
  'webgpu',
  'wasm',
  'webgl',
  'cpu',
];

export const DEFAULT_MODEL_ID = 'mnist-cnn';

export const DEFAULT_GENERATED = { seed: 1, classes: 4, size: 16, samples: 2000 } as const;

/** The textured style's defaults: the ten shapes at 32×32 in colour, the RGB models' input. */
export const DEFAULT_TEXTURED = {
  seed: 1,
  classes: 10,
  size: 32,
  samples: 4000,
  style: 'textured',
} as const;

/** Short enough that a first run shows pruning within seconds (warm-up is 20% of it). */
export const DEFAULT_SCHEDULE: ScheduleConfig = {
  totalSteps: 400,
  warmupFraction: 0.2,
  pruneFraction: 0.5,
};

/** Everything but the budgets, which depend on the model and the board (see budgets.ts). */
export const BASE_DEFAULTS: Omit<StudioConfig, 'budgets'> = {
  dataset: { kind: 'mnist' },
  modelId: DEFAULT_MODEL_ID,
  widthMultiplier: 1,
  boardId: DEFAULT_BOARD_ID,
  schedule: DEFAULT_SCHEDULE,
  batchSize: 32,
  learningRate: 0.002,
  seed: 1,
  backend: 'auto',
};

/** Allowed ranges, shared by the hash validator, the form fields and the checkpoint check. */
export { GENERATED_STYLES, LIMITS } from '../core/runLimits';
export type { GeneratedStyle };

/** The worker's RunConfig for this configuration; uploads bring their files. */
export function toRunConfig(config: StudioConfig, uploadFiles: UploadFile[] = []): RunConfig {
  const d = config.dataset;
  return {
    dataset: d.kind === 'upload' ? { kind: 'upload', format: d.format, files: uploadFiles } : d,
    modelId: config.modelId,
    widthMultiplier: config.widthMultiplier,
    boardId: config.boardId,
    ...(config.boardId === CUSTOM_BOARD_ID && config.customBoard
      ? { customBoard: { ...config.customBoard } }
      : {}),
    budgets: { ...config.budgets },
    schedule: { ...config.schedule },
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    seed: config.seed,
  };
}

/** Input shape and classes the model will see before the worker has summarised the dataset. */
export function expectedInput(
  dataset: DatasetChoice,
  modelDefault: { input: [number, number, number]; classes: number },
): { inputShape: [number, number, number]; numClasses: number } {
  if (dataset.kind === 'mnist') return { inputShape: [28, 28, 1], numClasses: 10 };
  if (dataset.kind === 'generated') {
    const channels = dataset.style === 'textured' ? 3 : 1;
    return { inputShape: [dataset.size, dataset.size, channels], numClasses: dataset.classes };
  }
  return { inputShape: modelDefault.input, numClasses: modelDefault.classes };
}
