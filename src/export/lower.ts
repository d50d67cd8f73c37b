/**
 * Lowers an ExportableModel to the operator list a TFLite file holds by adding its weights to
 * core's deployed graph (core/deployment.ts: the one place for fusion rules, the same operator
 * list the resource model costs). Each deployed operator becomes one LoweredOp: its chain's
 * batchNorms folded into the weights and bias, a fused ReLU/ReLU6 as its activation, a
 * standalone batchNorm (F5) as a 1×1 depthwise conv or a diagonal fully-connected layer.
 * The flash figure and the written file therefore list the same operators by construction
 * (src/export/flash-agreement.test.ts still checks it byte for byte).
 */
import type { GraphNode, Padding } from '../core/graph';
import { deployGraph, type DeployedOperator, type TfliteOperatorKind } from '../core/deployment';
import { batchNormAffine } from './reference';
import { analyseExportable, type ExportableModel, type Shape } from './model';

export type FusedActivation = 'none' | 'relu' | 'relu6';

export interface LoweredOp {
  kind: TfliteOperatorKind;
  /** Graph nodes this operator covers, main node first (e.g. conv, bn, relu). */
  nodeIds: string[];
  /** Value ids (graph node ids) of the inputs. */
  inputs: string[];
  /** Value id (graph node id of the last covered node) of the output. */
  output: string;
  outputShape: Shape;
  activation: FusedActivation;
  /** conv2d [kh,kw,cin,cout]; depthwise [kh,kw,c,1]; fullyConnected [in,out] (tfjs layouts). */
  kernel?: Float32Array;
  /** Per output channel, BN folded in; zeros when the layer has none. */
  bias?: Float64Array;
  kernelSize?: readonly [number, number];
  strides?: readonly [number, number];
  padding?: Padding;
}

export interface LoweredModel {
  name: string;
  inputId: string;
  inputShape: Shape;
  outputId: string;
  ops: LoweredOp[];
  shapes: ReadonlyMap<string, Shape>;
}

export function lowerModel(modelOrUndefined: ExportableModel | undefined): LoweredModel {
  const { analysed, order, shapes } = analyseExportable(modelOrUndefined);
  const model = modelOrUndefined as ExportableModel;
  const deployed = deployGraph(analysed, 'tflm');
  const position = new Map<string, number>(order.map((n, i) => [n.id, i]));
  const ops = deployed.operators.map((op) => withWeights(model, analysed.nodes, shapes, op));
  // Each operator runs where its last node runs in the execution order (docs/export.md).
  ops.sort((a, b) => position.get(a.output)! - position.get(b.output)!);
  const inputId = analysed.inputIds[0];
  return {
    name: model.graph.name,
    inputId,
    inputShape: shapes.get(inputId)!,
    outputId: model.graph.output,
    ops,
    shapes,
  };
}

/** One deployed operator with its float weights: batchNorms folded, activation fused. */
function withWeights(
  model: ExportableModel,
  nodes: ReadonlyMap<string, GraphNode>,
  shapes: ReadonlyMap<string, Shape>,
  deployed: DeployedOperator,
): LoweredOp {
  const chain = deployed.nodes.map((id) => nodes.get(id)!);
  const head = chain[0];
  const last = chain[chain.length - 1];
  const output = last.id;
  const op: LoweredOp = {
    kind: deployed.kind,
    nodeIds: [...deployed.nodes],
    inputs: [...head.inputs],
    output,
    outputShape: shapes.get(output)!,
    activation: last.op === 'relu' || last.op === 'relu6' ? last.op : 'none',
  };
  const w = model.weights[head.id] ?? {};
  const headShape = shapes.get(head.id)!;
  const channels = headShape[headShape.length - 1];
  if (head.op === 'conv2d' || head.op === 'depthwiseConv2d') op.kernelSize = head.kernelSize;
  if (head.op === 'maxPool' || head.op === 'avgPool') op.kernelSize = head.poolSize;
  if ('padding' in head) {
    op.strides = head.strides;
    op.padding = head.padding;
  }
  if (head.op === 'conv2d' || head.op === 'depthwiseConv2d' || head.op === 'dense') {
    op.kernel = Float32Array.from(w.kernel!);
    op.bias = Float64Array.from(w.bias ?? new Float32Array(channels));
  } else if (head.op === 'batchNorm') {
    // F5: a batchNorm with no host to fold into, as an equivalent linear operator.
    const { mul, add } = batchNormAffine(model, head.id, channels, head.epsilon);
    op.bias = Float64Array.from(add);
    if (deployed.kind === 'DEPTHWISE_CONV_2D') {
      op.kernel = Float32Array.from(mul);
      op.kernelSize = [1, 1];
      op.strides = [1, 1];
      op.padding = 'valid';
    } else {
      // On a flat tensor (e.g. after a flatten) every element is a feature of its own.
      op.kernel = new Float32Array(channels * channels);
      for (let i = 0; i < channels; i++) op.kernel[i * channels + i] = mul[i];
    }
  }
  const kernel = op.kernel;
  const bias = op.bias;
  if (kernel && bias) {
    // F1: the chain's batchNorms after the leader fold into its weights and bias (a
    // batchNorm keeps its input's shape, so it has the leader's output channels).
    for (const node of chain.slice(1)) {
      if (node.op !== 'batchNorm') continue;
      const { mul, add } = batchNormAffine(model, node.id, channels, node.epsilon);
      // The output channel is the fastest-moving index in all three tfjs kernel layouts.
      for (let i = 0; i < kernel.length; i++) kernel[i] *= mul[i % channels];
      for (let c = 0; c < channels; c++) bias[c] = bias[c] * mul[c] + add[c];
    }
  }
  return op;
}
