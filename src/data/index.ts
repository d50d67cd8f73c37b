/** The datasets layer's public API (see dataset.ts for the contract). */
export type { Dataset, DatasetSplit } from './dataset';
export { DatasetError, assertDatasetConsistent, datasetBytes, sampleSize } from './dataset';
export type { Batch, BatchSamplerOptions } from './batches';
export {
  BatchSampler,
  deriveSeed,
  mulberry32,
  seededPermutation,
  shuffleInPlace,
  stratifiedSplit,
} from './batches';
export { loadBuiltinMnist, parseMnistAsset } from './mnist';
export type { GeneratedShapesOptions } from './generated';
export { GENERATED_SHAPE_NAMES, generateShapes } from './generated';
export type { KwsFrontEndConfig } from './kwsFrontEnd';
export { DEFAULT_KWS_CONFIG, MfccExtractor } from './kwsFrontEnd';
export type { SampleImage } from './render';
export { gridIndices, sampleImage } from './render';
export * from './uploads/index';
export { browserImageDecoder } from './uploads/browserDecode';
