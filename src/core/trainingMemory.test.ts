import { describe, expect, it } from 'vitest';
import { analyseGraph } from './graphAnalysis';
import { zooModel } from './zoo';
import {
  BACKEND_MEMORY_LIMITS,
  parameterCount,
  trainingMemory,
  trainingMemoryProblem,
} from './trainingMemory';
import { graphFromSpec } from '../testing/graphSpec';

/** 8×8×1 → conv 3×3 (4 filters, bias, same) → batch norm → relu → flatten → dense 10. */
const small = graphFromSpec(
  'small',
  'input 8x8x1 | conv conv 4 | bn bn | relu relu | flat flatten | fc dense 10',
  true,
);

const mnistShape: [number, number, number] = [28, 28, 1];
const built = (id: string, width: number) =>
  analyseGraph(
    zooModel(id).build({ inputShape: mnistShape, numClasses: 10, widthMultiplier: width }),
  );

describe('training memory estimate', () => {
  it('counts weights, activations, batch-norm intermediates and the largest patch matrix', () => {
    const analysed = analyseGraph(small);
    // conv 3·3·1·4 + 4, batch norm 4·4, dense 256·10 + 10.
    expect(parameterCount(analysed)).toBe(40 + 16 + 2570);
    const m = trainingMemory(analysed, 1);
    // Outputs: in 64, conv 256, bn 3·256, relu 256, flat 256, fc 10; gradients of the two
    // largest (256 + 256); patches of the conv: 3·3·1 values at 64 positions.
    expect(m.perSample).toBe(64 + 256 + 768 + 256 + 256 + 10 + 512 + 576);
    expect(m.parameters).toBe(4 * 4 * 2626);
    expect(m.total).toBe(m.activations + m.parameters);
  });

  it('grows with the batch for activations only', () => {
    const analysed = built('mnist-cnn', 1);
    const one = trainingMemory(analysed, 32);
    const two = trainingMemory(analysed, 64);
    expect(two.activations).toBe(2 * one.activations);
    expect(two.parameters).toBe(one.parameters);
  });

  it('refuses ResNet-8 at width 4 with a batch of 512 on wasm, naming the figures and a batch that fits', () => {
    const analysed = built('resnet8', 4);
    const problem = trainingMemoryProblem(analysed, 512, 'wasm');
    expect(problem).toMatch(
      /batch of 512 needs about \d+\.\d GiB of memory .* more than the wasm backend can give \(2\.0 GiB\)\. Use a batch of at most (\d+)/,
    );
    const fits = Number(/at most (\d+)/.exec(problem!)![1]);
    expect(fits).toBeGreaterThan(1);
    expect(fits).toBeLessThan(512);
    expect(trainingMemoryProblem(analysed, fits, 'wasm')).toBeUndefined();
    expect(trainingMemoryProblem(analysed, fits + 1, 'wasm')).toBeDefined();
  });

  it('lets the default runs through on every backend', () => {
    for (const backend of Object.keys(
      BACKEND_MEMORY_LIMITS,
    ) as (keyof typeof BACKEND_MEMORY_LIMITS)[]) {
      expect(trainingMemoryProblem(built('mnist-cnn', 1), 32, backend)).toBeUndefined();
      expect(trainingMemoryProblem(built('resnet8', 1), 64, backend)).toBeUndefined();
    }
  });
});
