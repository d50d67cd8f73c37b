/**
 * Runs an exported .tflite in the real TFLite interpreter (tfjs-tflite, WebAssembly) and
 * compares its top-1 with what the app expects. Browser only (the interpreter needs `self`):
 * the e2e test imports this module; nothing else in the app does, so the interpreter stays
 * out of the main bundle.
 *
 * Serving: the wasm files from node_modules/@tensorflow/tfjs-tflite/wasm/ must be served at
 * `wasmPath` (default `${BASE_URL}tflite/`) — see docs/export.md.
 */
import * as tf from '@tensorflow/tfjs';
import { readTflite } from './tfliteReader';

export interface TfliteTensorDescription {
  name: string;
  shape: number[];
  /** As the interpreter reports it to tfjs (int8 shows as 'int32'). */
  dtype: string;
}

export interface TfliteVerification {
  /** Fraction of samples whose interpreter top-1 equals expectedTop1. */
  agreement: number;
  top1: number[];
  /** Raw int8 outputs of the interpreter, [samples, classes]. */
  outputs: Int8Array;
  /** Max |interpreter − expected| over expectedOutputs, when given (expect ≤ 1). */
  maxOutputDifference?: number;
  inputs: TfliteTensorDescription[];
  interpreterOutputs: TfliteTensorDescription[];
  /** Types and quantisation as written in the file (TFLite TensorType: 9 = INT8). */
  declared: {
    input: { shape: number[]; type: number; scale?: number[]; zeroPoint?: number[] };
    output: { shape: number[]; type: number; scale?: number[]; zeroPoint?: number[] };
  };
  loadMs: number;
  inferenceMsPerSample: number;
}

export interface TfliteVerifyOptions {
  /** Folder serving the tfjs-tflite wasm files, with a trailing '/'. */
  wasmPath?: string;
  numThreads?: number;
  /** The app's own int8 outputs (runInt8) for the same inputs, to compare values. */
  expectedOutputs?: Int8Array;
}

function defaultWasmPath(): string {
  const base = (import.meta as { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/';
  return `${base.endsWith('/') ? base : `${base}/`}tflite/`;
}

export async function verifyWithTfliteInterpreter(
  tfliteBytes: Uint8Array,
  inputsInt8: Int8Array,
  expectedTop1: readonly number[],
  options: TfliteVerifyOptions = {},
): Promise<TfliteVerification> {
  const samples = expectedTop1.length;
  if (samples === 0) throw new Error('verifyWithTfliteInterpreter: no samples given.');
  if (inputsInt8.length % samples !== 0) {
    throw new Error(
      `verifyWithTfliteInterpreter: ${inputsInt8.length} input values do not split into ${samples} samples.`,
    );
  }
  const file = readTflite(tfliteBytes);
  const inT = file.tensors[file.inputs[0]];
  const outT = file.tensors[file.outputs[0]];

  const tflite = await import('@tensorflow/tfjs-tflite/dist/tf-tflite.fesm.js');
  let wasmPath = options.wasmPath ?? defaultWasmPath();
  if (!wasmPath.endsWith('/')) wasmPath += '/';
  tflite.setWasmPath(wasmPath);

  const t0 = performance.now();
  // Copy into a fresh ArrayBuffer: the interpreter takes the whole buffer.
  const model = await tflite.loadTFLiteModel(tfliteBytes.slice().buffer, {
    numThreads: options.numThreads ?? 1,
  });
  const loadMs = performance.now() - t0;

  const perSample = inputsInt8.length / samples;
  const shape = model.inputs[0].shape.map((d) => (d === -1 ? 1 : d));
  const classes = outT.shape[outT.shape.length - 1];
  const outputs = new Int8Array(samples * classes);
  const top1: number[] = [];
  let agree = 0;
  const t1 = performance.now();
  for (let s = 0; s < samples; s++) {
    const x = Int32Array.from(inputsInt8.subarray(s * perSample, (s + 1) * perSample));
    const values = tf.tidy(() => {
      const input = tf.tensor(x, shape, 'int32');
      const result = model.predict(input);
      const out = result instanceof tf.Tensor ? result : Object.values(result)[0];
      return out.dataSync();
    });
    let best = 0;
    for (let i = 0; i < classes; i++) {
      outputs[s * classes + i] = values[i];
      if (values[i] > values[best]) best = i;
    }
    top1.push(best);
    if (best === expectedTop1[s]) agree++;
  }
  const inferenceMsPerSample = (performance.now() - t1) / samples;

  let maxOutputDifference: number | undefined;
  if (options.expectedOutputs) {
    maxOutputDifference = 0;
    for (let i = 0; i < outputs.length; i++) {
      maxOutputDifference = Math.max(
        maxOutputDifference,
        Math.abs(outputs[i] - options.expectedOutputs[i]),
      );
    }
  }
  const describe = (t: {
    name: string;
    shape: number[];
    dtype: string;
  }): TfliteTensorDescription => ({
    name: t.name,
    shape: [...t.shape],
    dtype: t.dtype,
  });
  return {
    agreement: agree / samples,
    top1,
    outputs,
    maxOutputDifference,
    inputs: model.inputs.map(describe),
    interpreterOutputs: model.outputs.map(describe),
    declared: {
      input: { shape: inT.shape, type: inT.type, scale: inT.scale, zeroPoint: inT.zeroPoint },
      output: { shape: outT.shape, type: outT.type, scale: outT.scale, zeroPoint: outT.zeroPoint },
    },
    loadMs,
    inferenceMsPerSample,
  };
}
