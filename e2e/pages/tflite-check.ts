/**
 * Test page (built only with PS_TEST_PAGES=1): runs exported .tflite files in the real TFLite
 * interpreter (@tensorflow/tfjs-tflite, WebAssembly) and compares its top-1 with a float
 * reference. Playwright drives it through `window.tfliteCheck`; see e2e/tflite-interpreter.spec.ts.
 *
 * Arguments come from page.evaluate (JSON), so bytes may be given as a base64 string or a
 * number array, and float inputs as a number array; results are plain JSON.
 */
import * as tf from '@tensorflow/tfjs';
import { analyseGraph } from '../../src/core/graphAnalysis';
import { zooModel } from '../../src/core/zoo';
import { loadBuiltinMnist } from '../../src/data/mnist';
import { generateShapes } from '../../src/data/generated';
import { strFromU8, unzipSync } from 'fflate';
import type { Dataset } from '../../src/data/dataset';
import { initialWeights } from '../../src/train/network';
import type { ExportableModel } from '../../src/export/model';
import { quantizeInput, runInt8 } from '../../src/export/int8Reference';
import { argmaxRows, runFloat } from '../../src/export/reference';
import { exportTflite } from '../../src/export/tflite';
import { readTflite } from '../../src/testing/tfliteReader';
import {
  verifyWithTfliteInterpreter,
  type TfliteTensorDescription,
} from '../../src/testing/tfliteVerify';

/** Site root, relative to this page (dist/e2e/pages/tflite-check.html). */
const siteRoot = new URL('../../', window.location.href);

export interface VerifySummary {
  samples: number;
  /** Fraction of samples whose interpreter top-1 equals the expected top-1. */
  agreement: number;
  interpreterTop1: number[];
  inputs: TfliteTensorDescription[];
  outputs: TfliteTensorDescription[];
  declared: {
    input: { shape: number[]; type: number; scale?: number[]; zeroPoint?: number[] };
    output: { shape: number[]; type: number; scale?: number[]; zeroPoint?: number[] };
  };
  /** Max |interpreter − runInt8| over all int8 outputs (when the int8 reference was given). */
  maxOutputDifference?: number;
  loadMs: number;
  inferenceMsPerSample: number;
}

export interface ZooCheckSummary extends VerifySummary {
  fileBytes: number;
  /** Top-1 agreement of the project's own int8 reference (runInt8) with the float model. */
  int8ReferenceAgreement: number;
  floatTop1: number[];
}

function toBytes(tflite: Uint8Array | ArrayBuffer | number[] | string): Uint8Array {
  if (typeof tflite === 'string') {
    const raw = atob(tflite);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  if (tflite instanceof Uint8Array) return tflite;
  if (tflite instanceof ArrayBuffer) return new Uint8Array(tflite);
  return Uint8Array.from(tflite);
}

/** Float inputs → int8 with the input tensor's own quantisation, as a deployment would. */
function quantiseForFile(bytes: Uint8Array, inputs: ArrayLike<number>): Int8Array {
  const file = readTflite(bytes);
  const t = file.tensors[file.inputs[0]];
  const scale = t.scale?.[0];
  const zeroPoint = t.zeroPoint?.[0] ?? 0;
  if (!scale) throw new Error('The model input is not quantised (no scale in the file).');
  const out = new Int8Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const q = Math.round(inputs[i] / scale) + zeroPoint;
    out[i] = q < -128 ? -128 : q > 127 ? 127 : q;
  }
  return out;
}

let backendReady: Promise<void> | undefined;
/** tfjs only carries the int tensors to and from the interpreter: the cpu backend is enough. */
function cpuBackend(): Promise<void> {
  backendReady ??= tf.setBackend('cpu').then(() => tf.ready());
  return backendReady;
}

/**
 * Runs `tflite` in the interpreter on float `inputs` (already normalised, [samples, ...]) and
 * compares its top-1 with `expectedTop1` (e.g. the float model's). Reusable by any e2e test
 * that has a .tflite and a reference.
 */
async function verifyTflite(
  tflite: Uint8Array | ArrayBuffer | number[] | string,
  inputs: ArrayLike<number>,
  expectedTop1: readonly number[],
  options: { expectedInt8Outputs?: ArrayLike<number>; numThreads?: number } = {},
): Promise<VerifySummary> {
  await cpuBackend();
  const bytes = toBytes(tflite);
  const result = await verifyWithTfliteInterpreter(
    bytes,
    quantiseForFile(bytes, inputs),
    expectedTop1,
    {
      wasmPath: new URL('tflite/', siteRoot).href,
      numThreads: options.numThreads,
      expectedOutputs: options.expectedInt8Outputs
        ? Int8Array.from(options.expectedInt8Outputs)
        : undefined,
    },
  );
  return {
    samples: expectedTop1.length,
    agreement: result.agreement,
    interpreterTop1: result.top1,
    inputs: result.inputs,
    outputs: result.interpreterOutputs,
    declared: result.declared,
    maxOutputDifference: result.maxOutputDifference,
    loadMs: result.loadMs,
    inferenceMsPerSample: result.inferenceMsPerSample,
  };
}

let mnist: Promise<Dataset> | undefined;
function builtinMnist(): Promise<Dataset> {
  mnist ??= loadBuiltinMnist(undefined, new URL('data/mnist.bin', siteRoot).href);
  return mnist;
}

/** `count` normalised samples of a split, from `offset`. */
function normalised(dataset: Dataset, split: 'train' | 'validation', count: number): Float32Array {
  const { x } = dataset[split];
  const per = dataset.inputShape.reduce((a, b) => a * b, 1);
  const { scale, offset } = dataset.normalisation;
  return Float32Array.from({ length: count * per }, (_, i) => x[i] * scale + offset);
}

interface ZooExport {
  bytes: Uint8Array;
  inputs: Float32Array;
  floatTop1: number[];
  int8Outputs: Int8Array;
  int8ReferenceAgreement: number;
}

export interface ZooExportOptions {
  modelId: string;
  widthMultiplier?: number;
  seed?: number;
  /** Validation samples (the first ones) to run. */
  samples: number;
  calibrationSamples?: number;
}

/**
 * Builds a zoo model for the built-in MNIST with deterministic initial weights (initialWeights),
 * exports it in the page (calibrated on training samples) and runs the float reference and
 * the project's int8 reference on the first `samples` validation samples.
 */
async function exportZoo(options: ZooExportOptions): Promise<ZooExport> {
  const dataset = await builtinMnist();
  const samples = Math.min(options.samples, dataset.validation.count);
  const graph = zooModel(options.modelId).build({
    inputShape: dataset.inputShape,
    numClasses: dataset.numClasses,
    widthMultiplier: options.widthMultiplier,
  });
  const analysed = analyseGraph(graph);
  const model: ExportableModel = {
    graph,
    weights: Object.fromEntries(initialWeights(analysed, options.seed ?? 1)),
    normalisation: dataset.normalisation,
  };
  const calibrationCount = options.calibrationSamples ?? 64;
  const { bytes, quantized } = exportTflite(model, {
    calibrationInputs: normalised(dataset, 'train', calibrationCount),
    calibrationCount,
  });
  const inputs = normalised(dataset, 'validation', samples);
  const classes = dataset.numClasses;
  const floatTop1 = argmaxRows(runFloat(model, inputs, samples), classes);
  const int8Outputs = runInt8(quantized, quantizeInput(quantized, inputs), samples);
  const int8Top1 = argmaxRows(int8Outputs, classes);
  const int8ReferenceAgreement = int8Top1.filter((c, i) => c === floatTop1[i]).length / samples;
  return { bytes, inputs, floatTop1, int8Outputs, int8ReferenceAgreement };
}

/** exportZoo with JSON-friendly results, for a test that wants the file and its reference. */
async function exportZooModel(options: ZooExportOptions): Promise<{
  tfliteBase64: string;
  inputs: number[];
  floatTop1: number[];
}> {
  const { bytes, inputs, floatTop1 } = await exportZoo(options);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return { tfliteBase64: btoa(binary), inputs: Array.from(inputs), floatTop1 };
}

/** Export in the page, then check the interpreter against the float reference. */
async function exportAndVerifyZooModel(options: ZooExportOptions): Promise<ZooCheckSummary> {
  const { bytes, inputs, floatTop1, int8Outputs, int8ReferenceAgreement } =
    await exportZoo(options);
  const summary = await verifyTflite(bytes, inputs, floatTop1, {
    expectedInt8Outputs: int8Outputs,
  });
  return { ...summary, fileBytes: bytes.length, int8ReferenceAgreement, floatTop1 };
}

/**
 * Checks files downloaded from a real studio run on a generated dataset: the run's .tflite in
 * the interpreter against the run's TF.js export (the float model) on the validation samples.
 */
async function verifyExportedRun(
  tfliteBase64: string,
  tfjsZipBase64: string,
  generated: { seed: number; classes: number; size: number; samples: number },
): Promise<VerifySummary & { floatAccuracy: number }> {
  await cpuBackend();
  const dataset = generateShapes(generated);
  const count = dataset.validation.count;
  const inputs = normalised(dataset, 'validation', count);
  const files = unzipSync(toBytes(tfjsZipBase64));
  const json = JSON.parse(strFromU8(files['model.json']));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: files['weights.bin'].slice().buffer,
    }),
  );
  const [h, w, c] = dataset.inputShape;
  const logits = tf.tidy(() => model.predict(tf.tensor4d(inputs, [count, h, w, c])) as tf.Tensor);
  const floatTop1 = argmaxRows(await logits.data(), logits.shape[1] ?? 1);
  logits.dispose();
  model.dispose();
  const labels = dataset.validation.y;
  const floatAccuracy = floatTop1.filter((p, i) => p === labels[i]).length / count;
  return { ...(await verifyTflite(tfliteBase64, inputs, floatTop1)), floatAccuracy };
}

const api = {
  verifyTflite,
  verifyExportedRun,
  exportZooModel,
  exportAndVerifyZooModel,
  ready: true,
};
declare global {
  interface Window {
    tfliteCheck?: typeof api;
  }
}
window.tfliteCheck = api;
document.getElementById('status')!.textContent = 'ready';
