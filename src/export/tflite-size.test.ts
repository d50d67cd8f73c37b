import { describe, expect, it } from 'vitest';
import type { NetworkGraph } from '../core/graph';
import { quantizeModel } from './quantize';
import { tfliteSizeBreakdown, writeTflite } from './tflite';
import { randomInputs, testModels, withRandomWeights } from './test-models';

/** Net A of FACTS.md: 28×28×1, conv16 → conv32 s2 → conv32 s2 (3×3 same, BN, ReLU), GAP, dense 10. */
function netA(widths = [16, 32, 32]): NetworkGraph {
  const nodes: NetworkGraph['nodes'][number][] = [
    { id: 'input', op: 'input', inputs: [], shape: [28, 28, 1] },
  ];
  let prev = 'input';
  widths.forEach((filters, i) => {
    const id = `conv${i + 1}`;
    nodes.push(
      {
        id,
        op: 'conv2d',
        inputs: [prev],
        filters,
        kernelSize: [3, 3],
        strides: i === 0 ? [1, 1] : [2, 2],
        padding: 'same',
        useBias: false,
      },
      { id: `${id}_bn`, op: 'batchNorm', inputs: [id] },
      { id: `${id}_relu`, op: 'relu', inputs: [`${id}_bn`] },
    );
    prev = `${id}_relu`;
  });
  nodes.push(
    { id: 'gap', op: 'globalAvgPool', inputs: [prev] },
    { id: 'logits', op: 'dense', inputs: ['gap'], units: 10, useBias: true },
  );
  return { name: 'net A', nodes, output: 'logits' };
}

describe('TFLite size model', () => {
  it('predicts the written size within 2 % (and 100 B) on every test model and net A widths', () => {
    const models = [
      ...testModels(3),
      withRandomWeights(netA(), 1),
      withRandomWeights(netA([4, 8, 8]), 2),
      withRandomWeights(netA([32, 64, 64]), 3),
    ];
    for (const model of models) {
      const q = quantizeModel(model, {
        calibrationInputs: randomInputs(model, 2, 1),
        calibrationCount: 2,
      });
      const b = tfliteSizeBreakdown(q);
      expect(b.actualBytes).toBe(writeTflite(q).length);
      const err = Math.abs(b.estimatedBytes - b.actualBytes);
      console.log(
        `[tflite size] ${model.graph.name}: actual ${b.actualBytes} B, estimate ${b.estimatedBytes} B ` +
          `(weights ${b.weightBytes} B, bias ${b.biasBytes} B, quant ${b.quantParamBytes} B, ` +
          `${b.tensors} tensors, ${b.operators} ops)`,
      );
      expect(err).toBeLessThanOrEqual(Math.max(100, 0.02 * b.actualBytes));
    }
  });
});
