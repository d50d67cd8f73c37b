/**
 * Network graph description shared by every part of the studio.
 *
 * A graph is a list of nodes in any order; each node names its inputs by id. Tensors are
 * NHWC without the batch axis: spatial tensors have shape [H, W, C], flat ones [C].
 * The graph describes the *unpruned* architecture; pruning is expressed separately as a
 * channel count per channel group (see groups.ts), so one graph serves every width.
 */

export type Padding = 'same' | 'valid';

interface NodeBase {
  /** Unique, human-readable id; error messages name it. */
  readonly id: string;
  /** Ids of the nodes whose outputs feed this one, in order. */
  readonly inputs: readonly string[];
}

export interface InputNode extends NodeBase {
  readonly op: 'input';
  /** [H, W, C] for images / spectrograms. */
  readonly shape: readonly [number, number, number];
}

/** What a 2-D convolution and a depthwise one share: the sliding kernel and the bias. */
interface ConvolutionBase extends NodeBase {
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
}

export interface Conv2DNode extends ConvolutionBase {
  readonly op: 'conv2d';
  readonly filters: number;
}

export interface DepthwiseConv2DNode extends ConvolutionBase {
  readonly op: 'depthwiseConv2d';
}

export interface DenseNode extends NodeBase {
  readonly op: 'dense';
  readonly units: number;
  readonly useBias: boolean;
}

export interface BatchNormNode extends NodeBase {
  readonly op: 'batchNorm';
  readonly epsilon?: number;
  readonly momentum?: number;
}

export interface ActivationNode extends NodeBase {
  readonly op: 'relu' | 'relu6' | 'softmax';
}

export interface PoolNode extends NodeBase {
  readonly op: 'maxPool' | 'avgPool';
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
}

export interface ReshapeNode extends NodeBase {
  readonly op: 'globalAvgPool' | 'flatten';
}

export interface MergeNode extends NodeBase {
  /** add: element-wise sum of same-shape inputs; concat: along the channel axis. */
  readonly op: 'add' | 'concat';
}

export type GraphNode =
  | InputNode
  | Conv2DNode
  | DepthwiseConv2DNode
  | DenseNode
  | BatchNormNode
  | ActivationNode
  | PoolNode
  | ReshapeNode
  | MergeNode;

export type OpType = GraphNode['op'];

/** Every op of the graph language (the trainer and the exporters support them all). */
export const OP_TYPES: readonly OpType[] = [
  'input',
  'conv2d',
  'depthwiseConv2d',
  'dense',
  'batchNorm',
  'relu',
  'relu6',
  'softmax',
  'maxPool',
  'avgPool',
  'globalAvgPool',
  'flatten',
  'add',
  'concat',
];

/** Batch-norm epsilon when a node gives none (the default of tf.layers.batchNormalization). */
export const DEFAULT_BN_EPSILON = 1e-3;

export interface NetworkGraph {
  /** Display name, e.g. "MNIST CNN". */
  readonly name: string;
  readonly nodes: readonly GraphNode[];
  /** Id of the node whose output is the network output (logits or softmax). */
  readonly output: string;
}

/**
 * Weights of one layer as plain arrays, in tfjs layouts: conv kernel [kh, kw, cin, cout],
 * depthwise [kh, kw, c, 1], dense [in, out]; batch norm keeps its four vectors.
 */
export interface LayerWeights {
  kernel?: Float32Array;
  bias?: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
  movingMean?: Float32Array;
  movingVariance?: Float32Array;
}
