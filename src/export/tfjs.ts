/**
 * TF.js layers-model writer: rebuilds the pruned network with the functional API, sets its
 * weights, and saves model.json + weights.bin, zipped into one download.
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import type { GraphNode } from '../core/graph';
import {
  DEFAULT_BN_EPSILON,
  ExportError,
  analyseExportable,
  requireModel,
  type ExportableModel,
  type Shape,
} from './model';

/** Layer names tfjs accepts everywhere (weight names, JSON): letters, digits, '_'; unique. */
function layerNamer(): (id: string) => string {
  const used = new Set<string>();
  return (id) => {
    let base = id.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z]/.test(base)) base = `l_${base}`;
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
}

/** Builds a tf.LayersModel with the model's weights set. The caller owns (disposes) it. */
export function buildLayersModel(modelOrUndefined: ExportableModel | undefined): tf.LayersModel {
  const model = requireModel(modelOrUndefined);
  const { order, shapes } = analyseExportable(model);
  const nameOf = layerNamer();
  const symbols = new Map<string, tf.SymbolicTensor>();
  const pending: { layer: tf.layers.Layer; weights: tf.Tensor[] }[] = [];
  let inputSymbol: tf.SymbolicTensor | undefined;

  const apply = (node: GraphNode, layer: tf.layers.Layer, weights: tf.Tensor[] = []): void => {
    const args = node.inputs.map((id) => symbols.get(id) as tf.SymbolicTensor);
    const out = layer.apply(args.length === 1 ? args[0] : args) as tf.SymbolicTensor;
    symbols.set(node.id, out);
    if (weights.length > 0) pending.push({ layer, weights });
  };

  try {
    for (const node of order) {
      const name = nameOf(node.id);
      const w = model.weights[node.id] ?? {};
      const inShape = node.inputs.length > 0 ? (shapes.get(node.inputs[0]) as Shape) : [];
      switch (node.op) {
        case 'input':
          inputSymbol = tf.input({ shape: [...node.shape], name });
          symbols.set(node.id, inputSymbol);
          break;
        case 'conv2d': {
          const [kh, kw] = node.kernelSize;
          const weights: tf.Tensor[] = [
            tf.tensor4d(w.kernel as Float32Array, [kh, kw, inShape[2], node.filters]),
          ];
          if (node.useBias) weights.push(tf.tensor1d(w.bias as Float32Array));
          apply(
            node,
            tf.layers.conv2d({
              name,
              filters: node.filters,
              kernelSize: [...node.kernelSize],
              strides: [...node.strides],
              padding: node.padding,
              useBias: node.useBias,
            }),
            weights,
          );
          break;
        }
        case 'depthwiseConv2d': {
          const [kh, kw] = node.kernelSize;
          const weights: tf.Tensor[] = [
            tf.tensor4d(w.kernel as Float32Array, [kh, kw, inShape[2], 1]),
          ];
          if (node.useBias) weights.push(tf.tensor1d(w.bias as Float32Array));
          apply(
            node,
            tf.layers.depthwiseConv2d({
              name,
              kernelSize: [...node.kernelSize],
              strides: [...node.strides],
              padding: node.padding,
              depthMultiplier: 1,
              useBias: node.useBias,
            }),
            weights,
          );
          break;
        }
        case 'dense': {
          const weights: tf.Tensor[] = [
            tf.tensor2d(w.kernel as Float32Array, [inShape[0], node.units]),
          ];
          if (node.useBias) weights.push(tf.tensor1d(w.bias as Float32Array));
          apply(node, tf.layers.dense({ name, units: node.units, useBias: node.useBias }), weights);
          break;
        }
        case 'batchNorm': {
          const c = inShape[inShape.length - 1];
          const ones = new Float32Array(c).fill(1);
          const zeros = new Float32Array(c);
          // Missing gamma/beta mean identity; the reference uses the same defaults.
          apply(
            node,
            tf.layers.batchNormalization({
              name,
              axis: -1,
              epsilon: node.epsilon ?? DEFAULT_BN_EPSILON,
              momentum: node.momentum ?? 0.99,
            }),
            [
              tf.tensor1d(w.gamma ?? ones),
              tf.tensor1d(w.beta ?? zeros),
              tf.tensor1d(w.movingMean ?? zeros),
              tf.tensor1d(w.movingVariance ?? ones),
            ],
          );
          break;
        }
        case 'relu':
          apply(node, tf.layers.reLU({ name }));
          break;
        case 'relu6':
          apply(node, tf.layers.reLU({ name, maxValue: 6 }));
          break;
        case 'softmax':
          apply(node, tf.layers.softmax({ name, axis: -1 }));
          break;
        case 'maxPool':
        case 'avgPool': {
          const config = {
            name,
            poolSize: [...node.poolSize] as [number, number],
            strides: [...node.strides] as [number, number],
            padding: node.padding,
          };
          apply(
            node,
            node.op === 'maxPool'
              ? tf.layers.maxPooling2d(config)
              : tf.layers.averagePooling2d(config),
          );
          break;
        }
        case 'globalAvgPool':
          apply(node, tf.layers.globalAveragePooling2d({ name }));
          break;
        case 'flatten':
          apply(node, tf.layers.flatten({ name }));
          break;
        case 'add':
          apply(node, tf.layers.add({ name }));
          break;
        case 'concat':
          apply(node, tf.layers.concatenate({ name, axis: -1 }));
          break;
        default:
          throw new ExportError(
            `Unsupported operation '${String((node as GraphNode).op)}' at node '${(node as GraphNode).id}'.`,
          );
      }
    }
    const layersModel = tf.model({
      inputs: inputSymbol as tf.SymbolicTensor,
      outputs: symbols.get(model.graph.output) as tf.SymbolicTensor,
      name: nameOf(model.graph.name || 'pruned_model'),
    });
    for (const { layer, weights } of pending) layer.setWeights(weights);
    return layersModel;
  } finally {
    for (const { weights } of pending) for (const t of weights) t.dispose();
  }
}

export interface TfjsModelFiles {
  /** model.json text (tfjs layers format, weightsManifest pointing at weights.bin). */
  modelJson: string;
  weightsBin: Uint8Array;
  /** model.json + weights.bin in one zip, ready for download. */
  zip: Uint8Array;
}

/** Saves the model as tfjs layers-model files (model.json + weights.bin) and zips them. */
export async function exportTfjsModel(
  modelOrUndefined: ExportableModel | undefined,
  weightsFileName = 'weights.bin',
): Promise<TfjsModelFiles> {
  const layersModel = buildLayersModel(modelOrUndefined);
  let saved: tf.io.ModelArtifacts | undefined;
  try {
    await layersModel.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return {
          modelArtifactsInfo: {
            dateSaved: new Date(),
            modelTopologyType: 'JSON',
          },
        };
      }),
    );
  } finally {
    layersModel.dispose();
  }
  if (!saved || !saved.weightData || !saved.weightSpecs) {
    throw new ExportError('TF.js did not produce model artifacts.');
  }
  const data = saved.weightData;
  const weightsBin = new Uint8Array(
    data instanceof ArrayBuffer ? data : tf.io.concatenateArrayBuffers(data),
  );
  const json = {
    modelTopology: saved.modelTopology,
    format: 'layers-model',
    generatedBy: saved.generatedBy,
    convertedBy: 'Pruning Studio',
    weightsManifest: [{ paths: [`./${weightsFileName}`], weights: saved.weightSpecs }],
  };
  const modelJson = JSON.stringify(json);
  const zip = zipSync({
    'model.json': strToU8(modelJson),
    [weightsFileName]: weightsBin,
  });
  return { modelJson, weightsBin, zip };
}
