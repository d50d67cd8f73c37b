/**
 * A trainable network built from a core graph, with channel masks (METHOD.md §2).
 *
 * Layers are written with plain tfjs ops over variables rather than tf.layers, so that a mask
 * variable can multiply the activations at every mask point and the task loss's gradient with
 * respect to every channel's mask comes out of the same backward pass as the weight gradients.
 */
import * as tf from '@tensorflow/tfjs';
import type { AnalysedGraph } from '../core/graphAnalysis';
import { maskPoints, type ChannelSegment } from '../core/channelGroups';
import { DEFAULT_BN_EPSILON, type GraphNode, type LayerWeights } from '../core/graph';
import { mulberry32 } from '../core/random';
import {
  batchNormTraining,
  channelMask,
  movingAverages,
  type FusedActivation,
} from './fusedTraining';

export type { LayerWeights };

export type WeightName = keyof LayerWeights;
const TRAINABLE: readonly WeightName[] = ['kernel', 'bias', 'gamma', 'beta'];

export interface BatchStatistics {
  node: string;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** Batch mean/variance of each batch norm (training mode only), to update moving averages. */
  batchStats: BatchStatistics[];
}

const BN_MOMENTUM = 0.9;

/** Shape of each weight of a node, given the analysed graph. */
export function weightShapes(
  analysed: AnalysedGraph,
  node: GraphNode,
): Partial<Record<WeightName, number[]>> {
  const inShape = node.inputs.length > 0 ? analysed.shapes.get(node.inputs[0])! : [];
  const cin = inShape[inShape.length - 1];
  switch (node.op) {
    case 'conv2d':
      return {
        kernel: [node.kernelSize[0], node.kernelSize[1], cin, node.filters],
        ...(node.useBias ? { bias: [node.filters] } : {}),
      };
    case 'depthwiseConv2d':
      return {
        kernel: [node.kernelSize[0], node.kernelSize[1], cin, 1],
        ...(node.useBias ? { bias: [cin] } : {}),
      };
    case 'dense':
      return { kernel: [cin, node.units], ...(node.useBias ? { bias: [node.units] } : {}) };
    case 'batchNorm':
      return { gamma: [cin], beta: [cin], movingMean: [cin], movingVariance: [cin] };
    default:
      return {};
  }
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** He-uniform kernels from a seeded stream; zero biases; BN at identity. Deterministic. */
export function initialWeights(analysed: AnalysedGraph, seed: number): Map<string, LayerWeights> {
  const random = mulberry32(seed);
  const weights = new Map<string, LayerWeights>();
  for (const id of analysed.topoOrder) {
    const node = analysed.nodes.get(id)!;
    const shapes = weightShapes(analysed, node);
    if (Object.keys(shapes).length === 0) continue;
    const layer: LayerWeights = {};
    if (shapes.kernel) {
      const k = shapes.kernel;
      const fanIn =
        node.op === 'dense'
          ? k[0]
          : node.op === 'depthwiseConv2d'
            ? k[0] * k[1]
            : k[0] * k[1] * k[2];
      const limit = Math.sqrt(6 / fanIn);
      layer.kernel = Float32Array.from({ length: product(k) }, () => (random() * 2 - 1) * limit);
    }
    if (shapes.bias) layer.bias = new Float32Array(product(shapes.bias));
    if (shapes.gamma) {
      const c = shapes.gamma[0];
      layer.gamma = new Float32Array(c).fill(1);
      layer.beta = new Float32Array(c);
      layer.movingMean = new Float32Array(c);
      layer.movingVariance = new Float32Array(c).fill(1);
    }
    weights.set(id, layer);
  }
  return weights;
}

type LayerVariables = Partial<Record<WeightName, tf.Variable>>;

export interface NetworkOptions {
  masks: boolean;
  /**
   * Straight-through masks: the forward pass multiplies by the mask, the backward pass hands
   * the layer its output's gradient unmasked, so a masked channel's weights keep learning (as
   * if it were kept) and come back up to date when its rank returns it. dL/dm is unchanged.
   */
  straightThrough?: boolean;
}

/** y·m forward; dL/dy = upstream gradient (not ·m), dL/dm = Σ over all but the last axis. */
const straightThroughMask = tf.customGrad(
  // customGrad passes the inputs, then the save function.
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [y, mask, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([y]);
    return {
      value: tf.mul(y, mask),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const upstream = dy as tf.Tensor;
        const axes = Array.from({ length: upstream.rank - 1 }, (_, i) => i);
        return [upstream.clone(), tf.sum(tf.mul(upstream, saved[0]), axes)];
      },
    };
  },
) as (y: tf.Tensor, mask: tf.Tensor) => tf.Tensor;

export class MaskedNetwork {
  readonly layers = new Map<string, LayerVariables>();
  /** One mask variable per prunable group (undefined for groups that are never pruned). */
  readonly masks: (tf.Variable | undefined)[];
  private readonly maskAt = new Map<string, ChannelSegment[]>();
  private readonly outputLogits: string;
  /** Batch norm id → the activation fused into it in training (see findFusedActivations). */
  private readonly activationOf = new Map<string, FusedActivation>();
  /** The activations so fused (their node passes the batch norm's output on). */
  private readonly fusedActivations = new Set<string>();
  /** Masked channels still receive their gradient (see NetworkOptions.straightThrough). */
  readonly straightThrough: boolean;

  constructor(
    readonly analysed: AnalysedGraph,
    weights: Map<string, LayerWeights>,
    options: NetworkOptions = { masks: true },
  ) {
    this.straightThrough = options.straightThrough === true;
    for (const [id, layer] of weights) {
      const shapes = weightShapes(analysed, analysed.nodes.get(id)!);
      const vars: LayerVariables = {};
      for (const name of Object.keys(shapes) as WeightName[]) {
        const values = layer[name];
        if (!values) throw new Error(`Layer ${id} has no ${name} weights.`);
        // tidy frees the initial value; the variable keeps its own copy.
        vars[name] = tf.tidy(() =>
          tf.variable(tf.tensor(values, shapes[name]), TRAINABLE.includes(name)),
        );
      }
      this.layers.set(id, vars);
    }
    this.masks = analysed.groups.map((g) =>
      options.masks && g.prunable ? tf.tidy(() => tf.variable(tf.ones([g.size]), true)) : undefined,
    );
    if (options.masks) {
      for (const p of maskPoints(analysed)) this.maskAt.set(p.node, p.segments);
    }
    // A final softmax is for inference: training and the loss use the logits before it.
    const out = analysed.nodes.get(analysed.graph.output)!;
    this.outputLogits = out.op === 'softmax' ? out.inputs[0] : out.id;
    this.findFusedActivations();
  }

  /**
   * Batch norms whose only consumer is a ReLU / ReLU6 run it in the same call when training
   * (one pass and one kernel each way instead of three on wasm; the same ops elsewhere). Not
   * where a mask multiplies the batch norm's own output, or where it is the logits.
   */
  private findFusedActivations(): void {
    const consumers = new Map<string, string[]>();
    for (const node of this.analysed.nodes.values()) {
      for (const input of node.inputs)
        consumers.set(input, [...(consumers.get(input) ?? []), node.id]);
    }
    for (const node of this.analysed.nodes.values()) {
      if (node.op !== 'batchNorm' || this.maskAt.has(node.id) || node.id === this.outputLogits) {
        continue;
      }
      const next = consumers.get(node.id) ?? [];
      if (next.length !== 1) continue;
      const activation = this.analysed.nodes.get(next[0])!;
      if (activation.op !== 'relu' && activation.op !== 'relu6') continue;
      this.activationOf.set(node.id, activation.op);
      this.fusedActivations.add(activation.id);
    }
  }

  static initialise(
    analysed: AnalysedGraph,
    seed: number,
    options: NetworkOptions = { masks: true },
  ) {
    return new MaskedNetwork(analysed, initialWeights(analysed, seed), options);
  }

  /** Variables the optimiser trains (kernels, biases, BN scale and shift; not the masks). */
  trainableVariables(): tf.Variable[] {
    const vars: tf.Variable[] = [];
    for (const layer of this.layers.values()) {
      for (const name of TRAINABLE) if (layer[name]) vars.push(layer[name]!);
    }
    return vars;
  }

  maskVariables(): tf.Variable[] {
    return this.masks.filter((m): m is tf.Variable => m !== undefined);
  }

  setMasks(masks: readonly Float32Array[]): void {
    this.masks.forEach((variable, g) => {
      if (variable) tf.tidy(() => variable.assign(tf.tensor1d(masks[g])));
    });
  }

  private maskVector(segments: ChannelSegment[]): tf.Tensor1D {
    const parts = segments.map((s) => this.masks[s.group] ?? tf.ones([s.channels]));
    return (parts.length === 1 ? parts[0] : tf.concat(parts)) as tf.Tensor1D;
  }

  /** The forward pass. Call inside tf.tidy (or a gradient function). */
  forward(x: tf.Tensor4D, training: boolean): ForwardResult {
    const values = new Map<string, tf.Tensor>();
    const batchStats: BatchStatistics[] = [];
    for (const id of this.analysed.topoOrder) {
      const node = this.analysed.nodes.get(id)!;
      const inputs = node.inputs.map((i) => values.get(i)!);
      // An activation fused into the batch norm before it (training only): that output is ours.
      let y =
        training && this.fusedActivations.has(id)
          ? inputs[0]
          : this.apply(node, inputs, x, training, batchStats);
      const segments = this.maskAt.get(id);
      if (segments) {
        let mask: tf.Tensor1D = this.maskVector(segments);
        // After a flatten a feature is (position, channel), channel fastest: one mask per position.
        const features = y.shape[y.shape.length - 1] as number;
        if (features !== mask.shape[0]) mask = tf.tile(mask, [features / mask.shape[0]]);
        y = this.straightThrough ? straightThroughMask(y, mask) : channelMask(y, mask);
      }
      values.set(id, y);
      if (id === this.outputLogits) break;
    }
    return { logits: values.get(this.outputLogits) as tf.Tensor2D, batchStats };
  }

  private apply(
    node: GraphNode,
    inputs: tf.Tensor[],
    x: tf.Tensor4D,
    training: boolean,
    batchStats: BatchStatistics[],
  ): tf.Tensor {
    const layer = this.layers.get(node.id) ?? {};
    const [a] = inputs;
    switch (node.op) {
      case 'input':
        return x;
      case 'conv2d':
      case 'depthwiseConv2d': {
        const args = [
          a as tf.Tensor4D,
          layer.kernel as tf.Tensor4D,
          node.strides as [number, number],
          node.padding,
        ] as const;
        const y = node.op === 'conv2d' ? tf.conv2d(...args) : tf.depthwiseConv2d(...args);
        return layer.bias ? tf.add(y, layer.bias) : y;
      }
      case 'dense': {
        const y = tf.matMul(a as tf.Tensor2D, layer.kernel as tf.Tensor2D);
        return layer.bias ? tf.add(y, layer.bias) : y;
      }
      case 'batchNorm': {
        const eps = node.epsilon ?? DEFAULT_BN_EPSILON;
        if (training) {
          const { y, mean, variance } = batchNormTraining(
            a,
            layer.gamma as tf.Tensor1D,
            layer.beta as tf.Tensor1D,
            eps,
            this.activationOf.get(node.id),
          );
          batchStats.push({ node: node.id, mean: tf.keep(mean), variance: tf.keep(variance) });
          return y;
        }
        return tf.batchNorm(
          a,
          layer.movingMean!,
          layer.movingVariance!,
          layer.beta!,
          layer.gamma!,
          eps,
        );
      }
      case 'relu':
        return tf.relu(a);
      case 'relu6':
        return tf.relu6(a);
      case 'softmax':
        return tf.softmax(a);
      case 'maxPool':
      case 'avgPool': {
        const args = [
          a as tf.Tensor4D,
          node.poolSize as [number, number],
          node.strides as [number, number],
          node.padding,
        ] as const;
        return node.op === 'maxPool' ? tf.maxPool(...args) : tf.avgPool(...args);
      }
      case 'globalAvgPool':
        return tf.mean(a, [1, 2]);
      case 'flatten':
        return tf.reshape(a, [a.shape[0], -1]);
      case 'add':
        return tf.addN(inputs);
      case 'concat':
        return tf.concat(inputs, -1);
    }
  }

  /** Moves BN moving averages towards this batch's statistics, then frees the statistics. */
  updateMovingAverages(stats: BatchStatistics[], momentum = BN_MOMENTUM): void {
    for (const s of stats) {
      const layer = this.layers.get(s.node)!;
      tf.tidy(() => {
        const [mean, variance] = movingAverages(
          layer.movingMean!,
          layer.movingVariance!,
          s.mean,
          s.variance,
          momentum,
        );
        layer.movingMean!.assign(mean);
        layer.movingVariance!.assign(variance);
      });
      s.mean.dispose();
      s.variance.dispose();
    }
  }

  /** All weights as plain arrays (for checkpoints, physical pruning and export). */
  async readWeights(): Promise<Map<string, LayerWeights>> {
    const out = new Map<string, LayerWeights>();
    for (const [id, layer] of this.layers) {
      const copy: LayerWeights = {};
      for (const [name, v] of Object.entries(layer) as [WeightName, tf.Variable][]) {
        copy[name] = new Float32Array(await v.data());
      }
      out.set(id, copy);
    }
    return out;
  }

  dispose(): void {
    for (const layer of this.layers.values()) for (const v of Object.values(layer)) v.dispose();
    for (const m of this.masks) m?.dispose();
  }
}
