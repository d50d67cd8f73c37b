/**
 * How a graph becomes a TFLite Micro operator list: THE one place for fusion rules.
 * The int8 .tflite exporter (src/export/lower.ts) follows exactly these rules, so the resource
 * model and the exported file agree (operators, tensors, constant buffers, tensor names).
 *
 * Fusion rules (checked in topological order):
 *  F1. batchNorm folds into the operator that produces its input when that operator is a
 *      conv2d / depthwiseConv2d / dense or a standalone batchNorm (F5), possibly already
 *      extended by earlier folded batchNorms but not by an activation, the producer's only
 *      reader is the batchNorm and the producer is not the network output. It then has no
 *      operator, no tensor and no flash of its own (its scale goes into the weights, its
 *      shift into the bias).
 *  F2. relu / relu6 fuse (as fused_activation_function) into the operator that produces
 *      their input when that operator is a conv2d, depthwiseConv2d, dense, add or a
 *      standalone batchNorm (F5), possibly already extended by F1, the producer's only
 *      reader is the activation, and the producer is not the network output.
 *  F3. flatten is a RESHAPE operator (with an int32 [1, N] new_shape constant in 'tflm').
 *      Its output may share its input's buffer (in-place reshape option).
 *  F4. globalAvgPool is a MEAN over H, W (with an int32 axes constant in 'tflm');
 *      maxPool/avgPool are MAX_POOL_2D/AVERAGE_POOL_2D; concat is CONCATENATION; softmax is
 *      SOFTMAX; an unfused relu/relu6 is RELU/RELU6.
 *  F5. a batchNorm that F1 cannot fold is one linear operator with an int32 bias: on a
 *      spatial tensor a 1×1 DEPTHWISE_CONV_2D (weights = the BN scale, per-channel
 *      quantised), on a flat one a FULLY_CONNECTED with a diagonal C×C weight matrix.
 *      (One operator instead of the converter's MUL + ADD: it can carry a fused ReLU and
 *      runs on the optimised depthwise kernel.)
 *  F6. the network input is a tensor, not an operator.
 *  Bias: in 'tflm' every conv/depthwise/dense has an int32 bias (the converter materialises
 *  a zero bias, and a folded batchNorm needs one anyway); in 'unas' a bias exists when the
 *  layer has useBias or a folded batchNorm.
 *  Names (they are bytes in the file): an activation tensor is named after the graph node
 *  whose value it holds (the last node of a fused chain); a constant after the operator's
 *  leading node, `tfliteConstantName(node, role)`.
 */
import type { GraphNode } from './graph';
import type { AnalysedGraph } from './graphAnalysis';
import {
  channelSum,
  constantForm,
  term,
  type CostPolynomial,
  type LinearForm,
  type ProductTerm,
} from './linearForms';

export type ResourceConvention = 'tflm' | 'unas';

export type TfliteOperatorKind =
  | 'CONV_2D'
  | 'DEPTHWISE_CONV_2D'
  | 'FULLY_CONNECTED'
  | 'MAX_POOL_2D'
  | 'AVERAGE_POOL_2D'
  | 'MEAN'
  | 'ADD'
  | 'CONCATENATION'
  | 'RESHAPE'
  | 'RELU'
  | 'RELU6'
  | 'SOFTMAX';

/** Which latency constant an operator's work is charged with. */
export type CostClass = 'conv' | 'depthwise' | 'dense' | 'pool' | 'add' | 'elementwise';

/** Role of a constant tensor of an operator; part of its name in the .tflite. */
export type ConstantRole = 'weights' | 'bias' | 'axis' | 'shape';

/** Name of an operator's constant tensor in the .tflite, shared by the exporter. */
export function tfliteConstantName(leadingNode: string, role: ConstantRole): string {
  return `${leadingNode}/${role}`;
}

export interface DeployedTensor {
  readonly index: number;
  /** Graph node whose output it is: also the tensor's name in the .tflite. */
  readonly name: string;
  /** Rank of the tensor in the .tflite (batch axis included): 4 spatial, 2 flat. */
  readonly rank: number;
  /** Elements as a linear form in the group widths (positions · Σ segment widths). */
  readonly elements: LinearForm;
  readonly isModelInput: boolean;
  readonly isModelOutput: boolean;
}

export interface DeployedConstantTensor {
  readonly name: string;
  readonly rank: number;
  /** int8 weights and int32 biases carry quantisation parameters; int32 operands do not. */
  readonly quantised: boolean;
}

/** Sizes of one operator as polynomials in the widths; constants are applied later. */
export interface DeployedOperator {
  readonly index: number;
  readonly kind: TfliteOperatorKind;
  readonly costClass: CostClass;
  /** Graph nodes this operator implements (leader first, then folded/fused ones). */
  readonly nodes: string[];
  /** Display label, e.g. "conv1+bn1+relu1". */
  readonly label: string;
  readonly inputs: number[];
  readonly output: number;
  /** Inputs whose buffer the output may take over at their last use (in-place option). */
  readonly inPlaceCandidates: number[];
  readonly inPlaceKind: 'add' | 'reshape' | null;
  /** int8 weight elements (incl. batchNorm MUL/ADD constant vectors). */
  readonly weightElements: CostPolynomial;
  readonly biasElements: CostPolynomial;
  /**
   * Quantisation scales (each with a zero point) of its constant tensors: per output channel
   * for conv / depthwise weights and bias, one per tensor for fully connected.
   */
  readonly quantScales: CostPolynomial;
  /** Constant tensors (weights, bias, MEAN axes, RESHAPE shape). */
  readonly constantTensorCount: number;
  /** The constant tensors as written in 'tflm' (empty in 'unas'). */
  readonly constantTensors: DeployedConstantTensor[];
  /** Tensor indices in the operator's inputs and outputs vectors (constants included). */
  readonly indexCount: number;
  /** Bytes of constant int32 side tensors (RESHAPE new_shape). */
  readonly shapeTensorBytes: number;
  readonly macs: CostPolynomial;
  /** Elements touched by an operator without MACs (activation, copy, softmax, MUL/ADD of BN). */
  readonly elementwiseWork: CostPolynomial;
  /**
   * Kernel scratch buffer bytes while the operator runs: the sum of `scratchRequests`
   * without their rounding (the smooth model's term).
   */
  readonly scratchBytes: CostPolynomial;
  /** The scratch buffers the kernel's Prepare requests from TFLM, in request order. */
  readonly scratchRequests: ScratchRequest[];
  /** Output channels whose requantisation multiplier+shift TFLM keeps in the arena. */
  readonly requantChannels: CostPolynomial;
}

/**
 * One RequestScratchBufferInArena of a kernel (CMSIS-NN on DSP cores such as the Cortex-M4
 * and M7, TFLM's reference kernels otherwise): bytesPerElement · alignUp(elements, roundTo).
 */
export interface ScratchRequest {
  readonly elements: CostPolynomial;
  readonly bytesPerElement: number;
  readonly roundTo: number;
}

const scratch = (
  elements: CostPolynomial,
  bytesPerElement: number,
  roundTo = 1,
): ScratchRequest => ({
  elements,
  bytesPerElement,
  roundTo,
});

export interface DeployedModel {
  readonly convention: ResourceConvention;
  readonly tensors: DeployedTensor[];
  /** In topological order of their leading node (a valid execution order). */
  readonly operators: DeployedOperator[];
  /** Tensor holding each graph node's output. */
  readonly nodeTensor: Map<string, number>;
}

const WEIGHTED_OPS = new Set<GraphNode['op']>(['conv2d', 'depthwiseConv2d', 'dense']);
/** Operators a batchNorm folds into (F1): weighted layers and a standalone BN (F5). */
const BN_HOSTS = new Set<GraphNode['op']>([...WEIGHTED_OPS, 'batchNorm']);
const ACTIVATION_HOSTS = new Set<GraphNode['op']>([
  'conv2d',
  'depthwiseConv2d',
  'dense',
  'add',
  'batchNorm',
]);

/** For each graph node, the node that leads the operator it belongs to (F1, F2). */
export function fusedInto(analysed: AnalysedGraph): Map<string, string> {
  const leader = new Map<string, string>();
  const { nodes, consumers, graph } = analysed;
  const soleReaderIs = (producer: string, reader: string): boolean => {
    const readers = consumers.get(producer)!;
    return readers.length === 1 && readers[0] === reader && producer !== graph.output;
  };
  for (const id of analysed.topoOrder) {
    const node = nodes.get(id)!;
    leader.set(id, id);
    if (node.op !== 'batchNorm' && node.op !== 'relu' && node.op !== 'relu6') continue;
    const producer = node.inputs[0];
    const head = leader.get(producer)!;
    const headOp = nodes.get(head)!.op;
    if (!soleReaderIs(producer, id)) continue;
    const producerOp = nodes.get(producer)!.op;
    const producerIsActivation = producerOp === 'relu' || producerOp === 'relu6';
    if (producerIsActivation) continue;
    if (node.op === 'batchNorm') {
      // The producer is the host itself or a BN already folded into it.
      if (BN_HOSTS.has(headOp) && (head === producer || producerOp === 'batchNorm')) {
        leader.set(id, head);
      }
    } else if (ACTIVATION_HOSTS.has(headOp)) {
      leader.set(id, head);
    }
  }
  return leader;
}

/** Lowers an analysed graph to the operator list its int8 TFLite export will have. */
export function deployGraph(
  analysed: AnalysedGraph,
  convention: ResourceConvention,
): DeployedModel {
  const leader = fusedInto(analysed);
  const builder = new ModelBuilder(analysed, convention);
  const chains = new Map<string, string[]>();
  for (const id of analysed.topoOrder) {
    const head = leader.get(id)!;
    chains.set(head, [...(chains.get(head) ?? []), id]);
  }
  for (const id of analysed.topoOrder) {
    if (leader.get(id) !== id) continue;
    builder.lower(chains.get(id)!);
  }
  return builder.result();
}

type OperatorSpec = Partial<DeployedOperator> & Pick<DeployedOperator, 'kind' | 'costClass'>;

class ModelBuilder {
  private readonly tensors: DeployedTensor[] = [];
  private readonly operators: DeployedOperator[] = [];
  private readonly nodeTensor = new Map<string, number>();

  constructor(
    private readonly analysed: AnalysedGraph,
    private readonly convention: ResourceConvention,
  ) {}

  result(): DeployedModel {
    return {
      convention: this.convention,
      tensors: this.tensors,
      operators: this.operators,
      nodeTensor: this.nodeTensor,
    };
  }

  lower(chain: string[]): void {
    const head = this.node(chain[0]);
    if (head.op === 'input') {
      this.nodeTensor.set(head.id, this.addTensor(head.id));
      return;
    }
    const tail = chain[chain.length - 1];
    const out = this.addTensor(tail);
    for (const id of chain) this.nodeTensor.set(id, out);
    const inputs = [...new Set(head.inputs.map((i) => this.nodeTensor.get(i)!))];
    this.operators.push(this.describe(head, chain, inputs, out));
  }

  private node(id: string): GraphNode {
    return this.analysed.nodes.get(id)!;
  }

  private groupsOf(id: string): number[] {
    return this.analysed.channelSegments.get(id)!.map((s) => s.group);
  }

  /** Σ channel widths of a node's output (per position). */
  private channelsOf(id: string, scale = 1): LinearForm {
    return channelSum(this.groupsOf(id), scale);
  }

  private elementsOf(id: string): LinearForm {
    return this.channelsOf(id, this.analysed.positionsPerChannel.get(id)!);
  }

  private isSpatial(id: string): boolean {
    return this.analysed.shapes.get(id)!.length === 3;
  }

  private spatialSize(id: string): number {
    const shape = this.analysed.shapes.get(id)!;
    return shape.length === 3 ? shape[0] * shape[1] : 1;
  }

  private addTensor(name: string): number {
    const index = this.tensors.length;
    const graph = this.analysed.graph;
    this.tensors.push({
      index,
      name,
      rank: this.analysed.shapes.get(name)!.length + 1,
      elements: this.elementsOf(name),
      isModelInput: this.analysed.inputIds.includes(name),
      isModelOutput: name === graph.output,
    });
    return index;
  }

  private hasBias(node: GraphNode, chain: string[]): boolean {
    if (this.convention === 'tflm') return true;
    const folded = chain.some((id) => this.node(id).op === 'batchNorm');
    return folded || ('useBias' in node && node.useBias === true);
  }

  /** Constant tensors of a weighted operator: weights of the given rank, optional bias. */
  private weightConstants(
    head: GraphNode,
    weightRank: number,
    bias: boolean,
  ): Pick<DeployedOperator, 'constantTensorCount' | 'constantTensors'> {
    const constants: DeployedConstantTensor[] = [
      { name: tfliteConstantName(head.id, 'weights'), rank: weightRank, quantised: true },
    ];
    if (bias)
      constants.push({ name: tfliteConstantName(head.id, 'bias'), rank: 1, quantised: true });
    return { constantTensorCount: constants.length, constantTensors: constants };
  }

  /** The int32 operand of MEAN (axes) and RESHAPE (new shape), in 'tflm' only. */
  private operandConstant(
    head: GraphNode,
    role: 'axis' | 'shape',
  ): Pick<DeployedOperator, 'constantTensorCount' | 'constantTensors' | 'shapeTensorBytes'> {
    if (this.convention !== 'tflm') {
      return { constantTensorCount: 0, constantTensors: [], shapeTensorBytes: 0 };
    }
    return {
      constantTensorCount: 1,
      constantTensors: [{ name: tfliteConstantName(head.id, role), rank: 1, quantised: false }],
      shapeTensorBytes: 8,
    };
  }

  private emptyOperator(): Omit<
    DeployedOperator,
    'index' | 'label' | 'kind' | 'costClass' | 'nodes' | 'inputs' | 'output' | 'indexCount'
  > {
    return {
      inPlaceCandidates: [],
      inPlaceKind: null,
      weightElements: [],
      biasElements: [],
      quantScales: [],
      constantTensorCount: 0,
      constantTensors: [],
      shapeTensorBytes: 0,
      macs: [],
      elementwiseWork: [],
      scratchBytes: [],
      scratchRequests: [],
      requantChannels: [],
    };
  }

  private describe(
    head: GraphNode,
    chain: string[],
    inputs: number[],
    output: number,
  ): DeployedOperator {
    const spec = this.operatorSpec(head, chain, inputs, output);
    const operator: DeployedOperator = {
      ...this.emptyOperator(),
      index: this.operators.length,
      label: chain.join('+'),
      nodes: chain,
      inputs,
      output,
      indexCount: 0,
      ...spec,
    };
    const scratchRequests = this.convention === 'tflm' ? (spec.scratchRequests ?? []) : [];
    const scratchBytes = scratchRequests.flatMap((r) =>
      r.elements.map((t) => ({ ...t, coef: t.coef * r.bytesPerElement })),
    );
    // The file lists every activation input (a repeated one twice), the constants, the output.
    const indexCount = head.inputs.length + operator.constantTensors.length + 1;
    return { ...operator, indexCount, scratchRequests, scratchBytes };
  }

  private operatorSpec(
    head: GraphNode,
    chain: string[],
    inputs: number[],
    output: number,
  ): OperatorSpec {
    const inId = head.inputs[0];
    const outElements = this.tensors[output].elements;
    switch (head.op) {
      case 'conv2d':
        return this.convSpec(head, chain);
      case 'depthwiseConv2d':
        return this.depthwiseSpec(head, chain);
      case 'dense':
        return this.denseSpec(head, chain);
      case 'batchNorm':
        return this.standaloneBatchNormSpec(head, chain);
      case 'maxPool':
      case 'avgPool': {
        const [ph, pw] = head.poolSize;
        const isAvg = head.op === 'avgPool';
        return {
          kind: isAvg ? 'AVERAGE_POOL_2D' : 'MAX_POOL_2D',
          costClass: 'pool',
          macs: [term(this.spatialSize(head.id) * ph * pw, this.channelsOf(head.id))],
          // CMSIS-NN arm_avgpool_s8: one int32 accumulator per channel.
          scratchRequests: isAvg ? [scratch([term(1, this.channelsOf(inId))], 4)] : [],
        };
      }
      case 'globalAvgPool':
        return {
          kind: 'MEAN',
          costClass: 'pool',
          ...this.operandConstant(head, 'axis'),
          macs: [term(this.spatialSize(inId), this.channelsOf(inId))],
          // reduce_common.cc: int32 sums per output, the input iterator (4 ints), the axes (2).
          scratchRequests: [
            scratch([term(1, this.channelsOf(head.id))], 4),
            scratch([term(4, constantForm(1))], 4),
            scratch([term(2, constantForm(1))], 4),
          ],
        };
      case 'add':
        return {
          kind: 'ADD',
          costClass: 'add',
          macs: [term(inputs.length - 1, outElements)],
          inPlaceCandidates: inputs,
          inPlaceKind: 'add',
        };
      case 'concat':
        return {
          kind: 'CONCATENATION',
          costClass: 'elementwise',
          elementwiseWork: [term(1, outElements)],
        };
      case 'flatten':
        return {
          kind: 'RESHAPE',
          costClass: 'elementwise',
          ...this.operandConstant(head, 'shape'),
          elementwiseWork: [term(1, outElements)],
          inPlaceCandidates: inputs,
          inPlaceKind: 'reshape',
        };
      case 'softmax':
        return {
          kind: 'SOFTMAX',
          costClass: 'elementwise',
          elementwiseWork: [term(1, outElements)],
        };
      case 'relu':
      case 'relu6':
        return {
          kind: head.op === 'relu6' ? 'RELU6' : 'RELU',
          costClass: 'elementwise',
          elementwiseWork: [term(1, outElements)],
        };
      case 'input':
        throw new Error(`internal: ${head.op} is lowered elsewhere`);
    }
  }

  /** Quantisation scales of weights and (if present) bias, in 'tflm' only. */
  private quantScales(channels: LinearForm, bias: boolean): ProductTerm[] {
    if (this.convention !== 'tflm') return [];
    return [term(bias ? 2 : 1, channels)];
  }

  private convSpec(node: Extract<GraphNode, { op: 'conv2d' }>, chain: string[]): OperatorSpec {
    const [kh, kw] = node.kernelSize;
    const cin = this.channelsOf(node.inputs[0]);
    const cout = this.channelsOf(node.id);
    const bias = this.hasBias(node, chain);
    // CMSIS-NN: a 1×1 conv (no padding) needs no buffer at any stride; every other kernel
    // an im2col buffer of 2 columns of K·K·C_in int16, C_in·K·K rounded up to 4.
    const oneByOne = kh === 1 && kw === 1;
    return {
      kind: 'CONV_2D',
      costClass: 'conv',
      weightElements: [term(kh * kw, cin, cout)],
      biasElements: bias ? [term(1, cout)] : [],
      quantScales: this.quantScales(cout, bias),
      ...this.weightConstants(node, 4, bias),
      macs: [term(this.spatialSize(node.id) * kh * kw, cin, cout)],
      scratchRequests: oneByOne ? [] : [scratch([term(kh * kw, cin)], 4, 4)],
      requantChannels: this.convention === 'tflm' ? [term(1, cout)] : [],
    };
  }

  /** A depthwise conv of kernel K×K over `channels` (also F5's 1×1 batchNorm). */
  private depthwiseLike(
    node: GraphNode,
    kh: number,
    kw: number,
    channels: LinearForm,
    bias: boolean,
  ): OperatorSpec {
    const is3x3 = kh === 3 && kw === 3;
    return {
      kind: 'DEPTHWISE_CONV_2D',
      costClass: 'depthwise',
      weightElements: [term(kh * kw, channels)],
      biasElements: bias ? [term(1, channels)] : [],
      quantScales: this.quantScales(channels, bias),
      ...this.weightConstants(node, 4, bias),
      macs: [term(this.spatialSize(node.id) * kh * kw, channels)],
      // CMSIS-NN: the 3×3 kernel (padding ≤ 1) needs no buffer, the others K·K·C int16.
      scratchRequests: is3x3 ? [] : [scratch([term(kh * kw, channels)], 2)],
      requantChannels: this.convention === 'tflm' ? [term(1, channels)] : [],
    };
  }

  private depthwiseSpec(
    node: Extract<GraphNode, { op: 'depthwiseConv2d' }>,
    chain: string[],
  ): OperatorSpec {
    const [kh, kw] = node.kernelSize;
    return this.depthwiseLike(node, kh, kw, this.channelsOf(node.id), this.hasBias(node, chain));
  }

  /** A fully connected layer from `fanIn` to `units` (also F5's diagonal batchNorm). */
  private denseLike(
    node: GraphNode,
    fanIn: LinearForm,
    units: LinearForm,
    bias: boolean,
  ): OperatorSpec {
    return {
      kind: 'FULLY_CONNECTED',
      costClass: 'dense',
      weightElements: [term(1, fanIn, units)],
      biasElements: bias ? [term(1, units)] : [],
      // FULLY_CONNECTED weights (and so the bias) are quantised per tensor: one scale each.
      quantScales: this.convention === 'tflm' ? [term(bias ? 2 : 1, constantForm(1))] : [],
      ...this.weightConstants(node, 2, bias),
      macs: [term(1, fanIn, units)],
      requantChannels: this.convention === 'tflm' ? [term(1, constantForm(1))] : [],
    };
  }

  private denseSpec(node: Extract<GraphNode, { op: 'dense' }>, chain: string[]): OperatorSpec {
    const inId = node.inputs[0];
    const fanIn = this.channelsOf(inId, this.analysed.positionsPerChannel.get(inId)!);
    return this.denseLike(node, fanIn, this.channelsOf(node.id), this.hasBias(node, chain));
  }

  /** F5: a batchNorm F1 could not fold, as one linear operator with a bias. */
  private standaloneBatchNormSpec(
    node: Extract<GraphNode, { op: 'batchNorm' }>,
    chain: string[],
  ): OperatorSpec {
    const bias = this.hasBias(node, chain);
    if (this.isSpatial(node.id)) {
      return this.depthwiseLike(node, 1, 1, this.channelsOf(node.id), bias);
    }
    // On a flat tensor (after a flatten: positions × channels features) the diagonal
    // FULLY_CONNECTED is features × features.
    const features = this.elementsOf(node.id);
    return this.denseLike(node, features, features, bias);
  }
}
