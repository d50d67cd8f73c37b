/**
 * Lowers an ExportableModel to the operator list a TFLite file holds: BatchNorm folded into the
 * preceding conv / depthwise / dense, ReLU/ReLU6 fused into the preceding conv / depthwise /
 * dense / add, global average pooling as MEAN, flatten as RESHAPE. A BatchNorm that cannot be
 * folded becomes a 1×1 depthwise conv (spatial) or a diagonal fully-connected layer (flat);
 * a ReLU that cannot be fused becomes a RELU / RELU6 operator. These are the fusion rules of
 * core/deployment.ts (F1–F6): the resource model lowers the same way, so its flash estimate
 * matches the written file (src/export/flash-agreement.test.ts checks operator for operator).
 */
import type { GraphNode, Padding } from '../core/graph';
import { batchNormAffine } from './reference';
import {
  executionOrder,
  inferShapes,
  requireModel,
  type ExportableModel,
  type Shape,
} from './model';

export type FusedActivation = 'none' | 'relu' | 'relu6';

export type LoweredKind =
  | 'conv2d'
  | 'depthwiseConv2d'
  | 'fullyConnected'
  | 'maxPool'
  | 'avgPool'
  | 'mean'
  | 'add'
  | 'reshape'
  | 'softmax'
  | 'concat'
  | 'relu'
  | 'relu6';

export interface LoweredOp {
  kind: LoweredKind;
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
  shapes: Map<string, Shape>;
}

export function lowerModel(modelOrUndefined: ExportableModel | undefined): LoweredModel {
  const model = requireModel(modelOrUndefined);
  const shapes = inferShapes(model);
  const order = executionOrder(model);
  const consumers = new Map<string, GraphNode[]>();
  for (const node of order) {
    for (const id of node.inputs) consumers.set(id, [...(consumers.get(id) ?? []), node]);
  }
  /** The single consumer of `id` when it has exactly one and `id` is not the network output. */
  const soleConsumer = (id: string): GraphNode | undefined => {
    const list = consumers.get(id) ?? [];
    return list.length === 1 && id !== model.graph.output ? list[0] : undefined;
  };
  const absorbed = new Set<string>();
  const ops: LoweredOp[] = [];
  const position = new Map<string, number>(order.map((n, i) => [n.id, i]));

  for (const node of order) {
    if (node.op === 'input' || absorbed.has(node.id)) continue;
    const outShape = shapes.get(node.id) as Shape;
    const op: LoweredOp = {
      kind: 'reshape',
      nodeIds: [node.id],
      inputs: [...node.inputs],
      output: node.id,
      outputShape: outShape,
      activation: 'none',
    };
    const w = model.weights[node.id] ?? {};
    let outChannels = 0;
    let foldable = false;
    switch (node.op) {
      case 'conv2d':
      case 'depthwiseConv2d':
        op.kind = node.op;
        op.kernel = Float32Array.from(w.kernel as Float32Array);
        outChannels = outShape[2];
        op.bias = Float64Array.from(w.bias ?? new Float32Array(outChannels));
        op.kernelSize = node.kernelSize;
        op.strides = node.strides;
        op.padding = node.padding;
        foldable = true;
        break;
      case 'dense':
        op.kind = 'fullyConnected';
        op.kernel = Float32Array.from(w.kernel as Float32Array);
        outChannels = outShape[0];
        op.bias = Float64Array.from(w.bias ?? new Float32Array(outChannels));
        foldable = true;
        break;
      case 'batchNorm': {
        // Not foldable (its producer is shared, or not a conv/dense): an equivalent linear op.
        const c = outShape[outShape.length - 1];
        const { mul, add } = batchNormAffine(model, node.id, c, node.epsilon);
        if (outShape.length === 3) {
          op.kind = 'depthwiseConv2d';
          op.kernel = Float32Array.from(mul);
          op.kernelSize = [1, 1];
          op.strides = [1, 1];
          op.padding = 'valid';
        } else {
          op.kind = 'fullyConnected';
          op.kernel = new Float32Array(c * c);
          for (let i = 0; i < c; i++) op.kernel[i * c + i] = mul[i];
        }
        op.bias = Float64Array.from(add);
        outChannels = c;
        foldable = true;
        break;
      }
      case 'relu':
      case 'relu6':
        op.kind = node.op;
        break;
      case 'softmax':
        op.kind = 'softmax';
        break;
      case 'maxPool':
      case 'avgPool':
        op.kind = node.op;
        op.kernelSize = node.poolSize;
        op.strides = node.strides;
        op.padding = node.padding;
        break;
      case 'globalAvgPool':
        op.kind = 'mean';
        break;
      case 'flatten':
        op.kind = 'reshape';
        break;
      case 'add':
        op.kind = 'add';
        break;
      case 'concat':
        op.kind = 'concat';
        break;
    }
    const kernel = op.kernel;
    const bias = op.bias;
    if (foldable && kernel && bias) {
      // Fold any BatchNorm that directly and solely follows.
      for (
        let next = soleConsumer(op.output);
        next?.op === 'batchNorm';
        next = soleConsumer(op.output)
      ) {
        const { mul, add } = batchNormAffine(model, next.id, outChannels, next.epsilon);
        // The output channel is the fastest-moving index in all three tfjs kernel layouts.
        for (let i = 0; i < kernel.length; i++) kernel[i] *= mul[i % outChannels];
        for (let c = 0; c < outChannels; c++) bias[c] = bias[c] * mul[c] + add[c];
        absorbed.add(next.id);
        op.nodeIds.push(next.id);
        op.output = next.id;
      }
    }
    if (foldable || op.kind === 'add') {
      const next = soleConsumer(op.output);
      if (next && (next.op === 'relu' || next.op === 'relu6')) {
        op.activation = next.op;
        absorbed.add(next.id);
        op.nodeIds.push(next.id);
        op.output = next.id;
      }
    }
    op.outputShape = shapes.get(op.output) as Shape;
    ops.push(op);
  }
  // Order operators by their output node's position: a valid order (see docs/export.md).
  ops.sort((a, b) => (position.get(a.output) as number) - (position.get(b.output) as number));
  return {
    name: model.graph.name,
    inputId: order[0].id,
    inputShape: shapes.get(order[0].id) as Shape,
    outputId: model.graph.output,
    ops,
    shapes,
  };
}
