import { describe, expect, it } from 'vitest';
import type { GraphNode, NetworkGraph } from '../core/graph';
import { analyseExportable, ExportError, type ExportableModel } from './model';
import { quantizeModel } from './quantize';
import { runFloat } from './reference';
import { buildLayersModel } from './tfjs';
import { exportTflite } from './tflite';
import { randomInputs, testModels, withRandomWeights } from '../testing/exportModels';
import { layers as L } from '../testing/exampleGraphs';
import { graphFromSpec } from '../testing/graphSpec';

function withNode(extra: GraphNode): ExportableModel {
  const base = testModels(1)[0];
  const graph: NetworkGraph = {
    ...base.graph,
    nodes: [...base.graph.nodes, extra],
    output: extra.id,
  };
  return { ...base, graph };
}

describe('exporters in bad states', () => {
  it('name the node and op of an unsupported operation', () => {
    const model = withNode({ id: 'up1', op: 'upsample', inputs: ['fc'] } as unknown as GraphNode);
    const expected = /node "up1": unknown op "upsample" \(supported: input, conv2d/;
    expect(() => analyseExportable(model)).toThrow(expected);
    expect(() => runFloat(model, new Float32Array(128), 1)).toThrow(expected);
    expect(() => buildLayersModel(model)).toThrow(expected);
    expect(() =>
      exportTflite(model, { calibrationInputs: new Float32Array(128), calibrationCount: 1 }),
    ).toThrow(expected);
    expect(() => analyseExportable(model)).toThrow(ExportError);
  });

  it('say clearly that there is nothing to export when the model is undefined', () => {
    expect(() => runFloat(undefined, new Float32Array(1), 1)).toThrow(/Nothing to export/);
    expect(() => buildLayersModel(undefined)).toThrow(/Nothing to export/);
    expect(() =>
      exportTflite(undefined, { calibrationInputs: new Float32Array(0), calibrationCount: 1 }),
    ).toThrow(/no trained model is available yet/);
  });

  it('name the node whose weights are missing or the wrong size', () => {
    const model = testModels(1)[0];
    const broken: ExportableModel = {
      ...model,
      weights: { ...model.weights, c2: { kernel: new Float32Array(5) } },
    };
    expect(() => analyseExportable(broken)).toThrow(
      /node 'c2' \(conv2d\): 'kernel' has 5 values, expected 216/,
    );
    const missing: ExportableModel = { ...model, weights: { ...model.weights, fc: {} } };
    expect(() => analyseExportable(missing)).toThrow(/node 'fc' \(dense\) has no 'kernel' weights/);
  });

  it('reject a dense layer on a spatial input and mismatched add shapes', () => {
    const graph: NetworkGraph = {
      name: 'bad dense',
      output: 'fc',
      nodes: [L.input('input', [4, 4, 1]), L.dense('fc', 'input', 2)],
    };
    expect(() =>
      analyseExportable({ graph, weights: {}, normalisation: { scale: 1, offset: 0 } }),
    ).toThrow(
      /node "fc": dense needs a flat \[C\] input \(add a flatten or globalAvgPool before it\), got \[4, 4, 1\]/,
    );
    const add = graphFromSpec('bad add', 'input 4x4x1 | c conv 2 k1 | add add(input, c)', false);
    expect(() => analyseExportable(withRandomWeights(add, 1))).toThrow(
      /node "add": add inputs differ in shape: \[4, 4, 1\] vs \[4, 4, 2\]/,
    );
  });

  it('reject wrong calibration input sizes with the expected shape', () => {
    const model = testModels(1)[0];
    expect(() =>
      quantizeModel(model, { calibrationInputs: new Float32Array(10), calibrationCount: 1 }),
    ).toThrow(/expected 1 × 128 for input shape \[8, 8, 2\]/);
    expect(() =>
      quantizeModel(model, { calibrationInputs: randomInputs(model, 1, 1), calibrationCount: 0 }),
    ).toThrow(/at least one calibration input/);
  });
});
