/**
 * Pure-TypeScript float forward pass over an ExportableModel: the oracle for the other writers
 * and the source of calibration ranges for int8 quantisation. NHWC, one sample at a time,
 * TF semantics ('same' padding splits smaller half before; pooling ignores padded cells).
 */
import type { GraphNode } from '../core/graph';
import {
  DEFAULT_BN_EPSILON,
  ExportError,
  analyseExportable,
  padBefore,
  requireModel,
  sizeOf,
  type ExportableModel,
  type Shape,
} from './model';

export interface FloatRunOptions {
  /** Called with every node's output for one sample (calibration uses it). */
  onNodeOutput?: (nodeId: string, values: Float32Array, shape: Shape) => void;
}

/**
 * Runs the float network on `batch` samples of model input (already normalised), laid out
 * [batch, H, W, C]. Returns the output node's values, [batch, ...outputShape].
 */
export function runFloat(
  modelOrUndefined: ExportableModel | undefined,
  input: Float32Array,
  batch: number,
  options: FloatRunOptions = {},
): Float32Array {
  const model = requireModel(modelOrUndefined);
  const { order, shapes } = analyseExportable(model);
  const inputNode = order[0];
  const inSize = sizeOf(shapes.get(inputNode.id) as Shape);
  if (input.length !== batch * inSize) {
    throw new ExportError(
      `Input has ${input.length} values; expected ${batch} × ${inSize} for input shape ` +
        `[${(shapes.get(inputNode.id) as Shape).join(', ')}].`,
    );
  }
  const outShape = shapes.get(model.graph.output) as Shape;
  const outSize = sizeOf(outShape);
  const result = new Float32Array(batch * outSize);
  // Free each value after its last use to keep memory small on larger inputs.
  const lastUse = new Map<string, number>();
  order.forEach((node, i) => node.inputs.forEach((id) => lastUse.set(id, i)));
  for (let b = 0; b < batch; b++) {
    const values = new Map<string, Float32Array>();
    order.forEach((node, i) => {
      const out =
        node.op === 'input'
          ? input.slice(b * inSize, (b + 1) * inSize)
          : evaluateNode(
              model,
              node,
              node.inputs.map((id) => values.get(id) as Float32Array),
              shapes,
            );
      values.set(node.id, out);
      options.onNodeOutput?.(node.id, out, shapes.get(node.id) as Shape);
      for (const id of node.inputs) if (lastUse.get(id) === i) values.delete(id);
    });
    result.set(values.get(model.graph.output) as Float32Array, b * outSize);
  }
  return result;
}

function evaluateNode(
  model: ExportableModel,
  node: GraphNode,
  ins: Float32Array[],
  shapes: ReadonlyMap<string, Shape>,
): Float32Array {
  const inShape = shapes.get(node.inputs[0]) as Shape;
  const outShape = shapes.get(node.id) as Shape;
  const w = model.weights[node.id] ?? {};
  const x = ins[0];
  switch (node.op) {
    case 'conv2d':
      return conv2d(x, inShape, outShape, w.kernel as Float32Array, w.bias, node, false);
    case 'depthwiseConv2d':
      return conv2d(x, inShape, outShape, w.kernel as Float32Array, w.bias, node, true);
    case 'dense': {
      const nIn = inShape[0];
      const nOut = outShape[0];
      const k = w.kernel as Float32Array;
      const out = new Float32Array(nOut);
      for (let o = 0; o < nOut; o++) {
        let acc = w.bias ? w.bias[o] : 0;
        for (let i = 0; i < nIn; i++) acc += x[i] * k[i * nOut + o];
        out[o] = acc;
      }
      return out;
    }
    case 'batchNorm': {
      const c = outShape[outShape.length - 1];
      const { mul, add } = batchNormAffine(model, node.id, c, node.epsilon);
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = x[i] * mul[i % c] + add[i % c];
      return out;
    }
    case 'relu':
      return x.map((v) => (v > 0 ? v : 0));
    case 'relu6':
      return x.map((v) => Math.min(Math.max(v, 0), 6));
    case 'softmax': {
      // Along the last axis, as tf.layers.softmax does.
      const c = outShape[outShape.length - 1];
      const out = new Float32Array(x.length);
      for (let base = 0; base < x.length; base += c) {
        let max = -Infinity;
        for (let i = 0; i < c; i++) max = Math.max(max, x[base + i]);
        let sum = 0;
        for (let i = 0; i < c; i++) sum += out[base + i] = Math.exp(x[base + i] - max);
        for (let i = 0; i < c; i++) out[base + i] /= sum;
      }
      return out;
    }
    case 'maxPool':
    case 'avgPool':
      return pool(x, inShape, outShape, node);
    case 'globalAvgPool': {
      const [h, wd, c] = inShape;
      const out = new Float64Array(c);
      for (let p = 0; p < h * wd; p++) for (let ch = 0; ch < c; ch++) out[ch] += x[p * c + ch];
      return Float32Array.from(out, (v) => v / (h * wd));
    }
    case 'flatten':
      return x;
    case 'add': {
      const out = new Float32Array(x.length);
      for (const t of ins) for (let i = 0; i < out.length; i++) out[i] += t[i];
      return out;
    }
    case 'concat': {
      const c = outShape[outShape.length - 1];
      const positions = sizeOf(outShape) / c;
      const out = new Float32Array(positions * c);
      let offset = 0;
      node.inputs.forEach((id, k) => {
        const s = shapes.get(id) as Shape;
        const ci = s[s.length - 1];
        for (let p = 0; p < positions; p++) {
          for (let ch = 0; ch < ci; ch++) out[p * c + offset + ch] = ins[k][p * ci + ch];
        }
        offset += ci;
      });
      return out;
    }
    case 'input':
      return x;
  }
}

/** Batch normalisation at inference as y = x·mul + add per channel (also used to fold BN). */
export function batchNormAffine(
  model: ExportableModel,
  nodeId: string,
  channels: number,
  epsilon: number | undefined,
): { mul: Float64Array; add: Float64Array } {
  const w = model.weights[nodeId] ?? {};
  const eps = epsilon ?? DEFAULT_BN_EPSILON;
  const mul = new Float64Array(channels);
  const add = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const gamma = w.gamma ? w.gamma[c] : 1;
    const beta = w.beta ? w.beta[c] : 0;
    const mean = w.movingMean ? w.movingMean[c] : 0;
    const variance = w.movingVariance ? w.movingVariance[c] : 1;
    mul[c] = gamma / Math.sqrt(variance + eps);
    add[c] = beta - mean * mul[c];
  }
  return { mul, add };
}

interface WindowOp {
  kernelSize?: readonly [number, number];
  poolSize?: readonly [number, number];
  strides: readonly [number, number];
  padding: 'same' | 'valid';
}

function conv2d(
  x: Float32Array,
  inShape: Shape,
  outShape: Shape,
  kernel: Float32Array,
  bias: Float32Array | undefined,
  node: WindowOp,
  depthwise: boolean,
): Float32Array {
  const [, , cin] = inShape;
  const [, , cout] = outShape;
  const [kh, kw] = node.kernelSize as readonly [number, number];
  const out = new Float32Array(outShape[0] * outShape[1] * cout);
  const acc = new Float64Array(cout);
  const geometry = { ...node, input: inShape, output: outShape, window: [kh, kw] as const };
  forEachWindow(geometry, {
    start: () => {
      for (let o = 0; o < cout; o++) acc[o] = bias ? bias[o] : 0;
    },
    tap: (inPixel, tapIndex) => {
      const xBase = inPixel * cin;
      const kBase = tapIndex * cin;
      if (depthwise) {
        for (let c = 0; c < cin; c++) acc[c] += x[xBase + c] * kernel[kBase + c];
      } else {
        for (let c = 0; c < cin; c++) {
          const xv = x[xBase + c];
          if (xv === 0) continue;
          const kRow = (kBase + c) * cout;
          for (let o = 0; o < cout; o++) acc[o] += xv * kernel[kRow + o];
        }
      }
    },
    end: (outPixel) => out.set(acc, outPixel * cout),
  });
  return out;
}

/** A sliding window's geometry: [h, w, …] in, [oh, ow, …] out, its size, strides and padding. */
export interface WindowGeometry {
  readonly input: readonly number[];
  readonly output: readonly number[];
  readonly window: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
}

/**
 * Slides a window over an NHWC image, output pixel by output pixel (row-major): `start`, then
 * `tap` for each window cell inside the input (padding cells are skipped; `inPixel` is
 * iy·w + ix, `tapIndex` is ky·kw + kx), then `end`. The convolutions and poolings of the float
 * and the int8 references all walk their windows with it.
 */
export function forEachWindow(
  g: WindowGeometry,
  visit: {
    start: (outPixel: number) => void;
    tap: (inPixel: number, tapIndex: number) => void;
    end: (outPixel: number) => void;
  },
): void {
  const [h, wd] = g.input;
  const [oh, ow] = g.output;
  const [kh, kw] = g.window;
  const [sh, sw] = g.strides;
  const pt = padBefore(h, kh, sh, g.padding);
  const pl = padBefore(wd, kw, sw, g.padding);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const outPixel = oy * ow + ox;
      visit.start(outPixel);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh + ky - pt;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw + kx - pl;
          if (ix < 0 || ix >= wd) continue;
          visit.tap(iy * wd + ix, ky * kw + kx);
        }
      }
      visit.end(outPixel);
    }
  }
}

/**
 * Visits every pooling window (NHWC, padding cells skipped) and gives its output index, the
 * largest value, the sum and the count of the cells inside the input: the float and the int8
 * references both pool with it.
 */
export function forEachPoolWindow(
  x: ArrayLike<number>,
  g: WindowGeometry,
  emit: (outIndex: number, max: number, sum: number, count: number) => void,
): void {
  const c = g.input[2];
  const best = new Float64Array(c);
  const sum = new Float64Array(c);
  let count = 0;
  forEachWindow(g, {
    start: () => {
      best.fill(-Infinity);
      sum.fill(0);
      count = 0;
    },
    tap: (inPixel) => {
      for (let ch = 0; ch < c; ch++) {
        const v = x[inPixel * c + ch];
        if (v > best[ch]) best[ch] = v;
        sum[ch] += v;
      }
      count++;
    },
    end: (outPixel) => {
      for (let ch = 0; ch < c; ch++) emit(outPixel * c + ch, best[ch], sum[ch], count);
    },
  });
}

function pool(
  x: Float32Array,
  inShape: Shape,
  outShape: Shape,
  node: WindowOp & { op: 'maxPool' | 'avgPool' },
): Float32Array {
  const out = new Float32Array(outShape[0] * outShape[1] * inShape[2]);
  forEachPoolWindow(
    x,
    {
      input: inShape,
      output: outShape,
      window: node.poolSize as readonly [number, number],
      strides: node.strides,
      padding: node.padding,
    },
    (i, max, sum, count) => (out[i] = node.op === 'maxPool' ? max : sum / count),
  );
  return out;
}

/** Index of the largest value in each row of `values` (rows of `width`). */
export function argmaxRows(values: ArrayLike<number>, width: number): number[] {
  const rows = values.length / width;
  const result: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let i = 1; i < width; i++) if (values[r * width + i] > values[r * width + best]) best = i;
    result.push(best);
  }
  return result;
}
