/**
 * Types for the browser bundle of @tensorflow/tfjs-tflite, which ships none for this path.
 * Only what src/testing/tfliteVerify.ts uses (see FACTS.md: the package's bare ESM entry does not bundle).
 */
declare module '@tensorflow/tfjs-tflite/dist/tf-tflite.fesm.js' {
  import type { Tensor } from '@tensorflow/tfjs';

  export interface TfliteTensorInfo {
    name: string;
    shape: number[];
    dtype: string;
  }
  export interface TFLiteModel {
    readonly inputs: TfliteTensorInfo[];
    readonly outputs: TfliteTensorInfo[];
    predict(inputs: Tensor): Tensor | Record<string, Tensor>;
  }
  export function setWasmPath(path: string): void;
  export function loadTFLiteModel(
    model: string | ArrayBuffer,
    options?: { numThreads?: number },
  ): Promise<TFLiteModel>;
}
