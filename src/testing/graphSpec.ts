/**
 * Small test graphs written as one line each: steps separated by `|`, each step
 * `id op[(input, …)] arg …`. A step reads the step before it unless it names its inputs.
 *
 *   input HxWxC                       the graph input, named 'input' (the first step)
 *   conv F [kK] [sS] [same|valid] [bias|nobias]
 *   dw [kK] [sS] [bias|nobias]        depthwise, 'same' padding
 *   dense U
 *   maxpool|avgpool P [sS] [same|valid]   stride P and 'valid' unless given
 *   bn | relu | relu6 | softmax | gap | flatten | add | concat
 *
 * Defaults: 3×3 kernels, stride 1, 'same' padding; `bias` (default on or off) is the
 * caller's. The last step is the graph's output. Example:
 * `input 8x8x2 | c1 conv 4 nobias | r1 relu | gap gap | fc dense 3`.
 */
import type { GraphNode, NetworkGraph, Padding } from '../core/graph';

const SIMPLE_OPS = {
  bn: 'batchNorm',
  relu: 'relu',
  relu6: 'relu6',
  softmax: 'softmax',
  gap: 'globalAvgPool',
  flatten: 'flatten',
  add: 'add',
  concat: 'concat',
} as const;

interface Options {
  /** kK, sS, same/valid, bias/nobias: what a convolution's or pool's words may set. */
  kernel: number;
  stride: number | undefined;
  padding: Padding;
  useBias: boolean;
}

function options(words: readonly string[], defaults: Options, step: string): Options {
  const o = { ...defaults };
  for (const word of words) {
    const flag = /^([ks])(\d+)$/.exec(word);
    if (flag) o[flag[1] === 'k' ? 'kernel' : 'stride'] = Number(flag[2]);
    else if (word === 'same' || word === 'valid') o.padding = word;
    else if (word === 'bias' || word === 'nobias') o.useBias = word === 'bias';
    else throw new Error(`graph spec: unknown option "${word}" in step "${step}"`);
  }
  return o;
}

function count(word: string | undefined, what: string, step: string): number {
  const n = Number(word);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`graph spec: step "${step}" needs a positive whole ${what}, got "${word}"`);
  }
  return n;
}

function node(step: string, previous: string | undefined, useBias: boolean): GraphNode {
  const input = /^input (\S+)$/.exec(step);
  if (input) {
    const shape = input[1].split('x').map((d) => count(d, 'dimension', step));
    if (shape.length !== 3) throw new Error(`graph spec: input "${step}" needs HxWxC`);
    return { id: 'input', op: 'input', inputs: [], shape: [shape[0], shape[1], shape[2]] };
  }
  const match = /^(\S+) (\w+)(?:\(([^)]*)\))?((?: \S+)*)$/.exec(step);
  if (!match) throw new Error(`graph spec: cannot read step "${step}"`);
  const [, id, op, named, rest] = match;
  const args = rest.split(' ').filter(Boolean);
  const inputs = named !== undefined ? named.split(',').map((s) => s.trim()) : [previous ?? ''];
  if (inputs.includes('')) throw new Error(`graph spec: step "${step}" has no input`);
  const conv = { kernel: 3, stride: 1, padding: 'same' as Padding, useBias };
  if (op === 'conv') {
    const o = options(args.slice(1), conv, step);
    const stride = o.stride ?? 1;
    return {
      id,
      op: 'conv2d',
      inputs,
      filters: count(args[0], 'filter count', step),
      kernelSize: [o.kernel, o.kernel],
      strides: [stride, stride],
      padding: o.padding,
      useBias: o.useBias,
    };
  }
  if (op === 'dw') {
    const o = options(args, conv, step);
    const stride = o.stride ?? 1;
    return {
      id,
      op: 'depthwiseConv2d',
      inputs,
      kernelSize: [o.kernel, o.kernel],
      strides: [stride, stride],
      padding: o.padding,
      useBias: o.useBias,
    };
  }
  if (op === 'dense') {
    return { id, op: 'dense', inputs, units: count(args[0], 'unit count', step), useBias: true };
  }
  if (op === 'maxpool' || op === 'avgpool') {
    const size = count(args[0], 'pool size', step);
    const wrong = args.slice(1).find((w) => /^k\d+$|bias$/.test(w));
    if (wrong) throw new Error(`graph spec: a pool takes no "${wrong}" (step "${step}")`);
    const o = options(args.slice(1), { ...conv, stride: undefined, padding: 'valid' }, step);
    const stride = o.stride ?? size;
    return {
      id,
      op: op === 'maxpool' ? 'maxPool' : 'avgPool',
      inputs,
      poolSize: [size, size],
      strides: [stride, stride],
      padding: o.padding,
    };
  }
  if (op in SIMPLE_OPS) {
    if (args.length) throw new Error(`graph spec: step "${step}" takes no arguments`);
    return { id, op: SIMPLE_OPS[op as keyof typeof SIMPLE_OPS], inputs } as GraphNode;
  }
  throw new Error(`graph spec: unknown op "${op}" in step "${step}"`);
}

/** The graph `spec` describes (see the file comment); convolutions have a bias if `useBias`. */
export function graphFromSpec(name: string, spec: string, useBias: boolean): NetworkGraph {
  const nodes: GraphNode[] = [];
  for (const step of spec.split('|').map((s) => s.trim())) {
    nodes.push(node(step, nodes.at(-1)?.id, useBias));
  }
  const output = nodes.at(-1)?.id;
  if (output === undefined) throw new Error(`graph spec "${name}" has no steps`);
  return { name, output, nodes };
}
