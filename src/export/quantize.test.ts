import { describe, expect, it } from 'vitest';
import { lowerModel } from './lower';
import type { ExportableModel } from './model';
import {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from './int8Arithmetic';
import { compareInt8WithFloat, quantizeInput, runInt8 } from './int8Reference';
import {
  activationRange,
  quantizeModel,
  quantParamsForRange,
  type QuantizedModel,
} from './quantize';
import { randomInputs, seededRandom, testModels, withRandomWeights } from '../testing/exportModels';
import { extraGraphs } from '../../scripts/tflm/suite';
import { graphFromSpec } from '../testing/graphSpec';

const CALIBRATION = 32;
const EVALUATION = 200;

function quantize(model: ExportableModel, seed = 3): QuantizedModel {
  return quantizeModel(model, {
    calibrationInputs: randomInputs(model, CALIBRATION, seed),
    calibrationCount: CALIBRATION,
  });
}

describe('int8 arithmetic helpers', () => {
  it('quantizeMultiplier reproduces the real multiplier to 31 bits', () => {
    for (const real of [1e-5, 0.0123, 0.5, 0.75, 0.9999999, 1, 3.7, 200]) {
      const { multiplier, shift } = quantizeMultiplier(real);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      expect(Math.abs(multiplier * 2 ** (shift - 31) - real) / real).toBeLessThan(2 ** -30);
    }
  });

  /** gemmlowp's double rounding, written with BigInt straight from its definition. */
  function doubleRoundingBig(x: number, multiplier: number, shift: number): number {
    const left = BigInt(Math.max(shift, 0));
    const right = BigInt(Math.max(-shift, 0));
    const a = BigInt(x) << left;
    const ab = a * BigInt(multiplier);
    const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
    const high = (ab + nudge) / (1n << 31n); // BigInt division truncates, as C++ does
    if (right === 0n) return Number(high);
    const mask = (1n << right) - 1n;
    const remainder = high & mask;
    const threshold = (mask >> 1n) + (high < 0n ? 1n : 0n);
    return Number((high >> right) + (remainder > threshold ? 1n : 0n));
  }

  it('multiplyByQuantizedMultiplier rounds twice, exactly as TFLite Micro', () => {
    const rand = seededRandom(7);
    let differsFromSingleRounding = 0;
    for (let i = 0; i < 5000; i++) {
      const acc = Math.round((rand() - 0.5) * 2 ** 24);
      const real = 10 ** (-6 + 6.5 * rand());
      const { multiplier, shift } = quantizeMultiplier(real);
      const exact = doubleRoundingBig(acc, multiplier, shift);
      expect(multiplyByQuantizedMultiplier(acc, multiplier, shift)).toBe(exact);
      const s = BigInt(31 - shift);
      const single = Number((BigInt(acc) * BigInt(multiplier) + (1n << (s - 1n))) >> s);
      if (single !== exact) differsFromSingleRounding++;
    }
    // The two roundings are different functions: TFLM's default is not XNNPACK's.
    expect(differsFromSingleRounding).toBeGreaterThan(0);
  });

  it('the rounding primitives handle signs and the saturating corner case', () => {
    expect(saturatingRoundingDoublingHighMul(-2147483648, -2147483648)).toBe(2147483647);
    expect(saturatingRoundingDoublingHighMul(2 ** 30, 2 ** 30)).toBe(2 ** 29);
    expect(saturatingRoundingDoublingHighMul(-3, 2 ** 30)).toBe(-1); // -1.5 rounds away from 0
    expect(roundingDivideByPOT(5, 1)).toBe(3);
    expect(roundingDivideByPOT(-5, 1)).toBe(-3);
    expect(roundingDivideByPOT(-4, 1)).toBe(-2);
    expect(roundingDivideByPOT(7, 0)).toBe(7);
  });

  it('activation ranges include zero and clamp relu / relu6 in the quantised domain', () => {
    const p = quantParamsForRange(0.5, 10); // widened to [0, 10]
    expect(p.zeroPoint).toBe(-128);
    expect(activationRange('relu', p)).toEqual([-128, 127]);
    expect(activationRange('relu6', p)).toEqual([-128, -128 + Math.round(6 / p.scale)]);
    const q = quantParamsForRange(-2, 6);
    expect(q.scale).toBeCloseTo(8 / 255, 7);
    expect(activationRange('relu', q)[0]).toBe(q.zeroPoint);
  });
});

describe("standalone RELU6 (TFLM clamps it in its input's quantised domain)", () => {
  it("shares its input's scale and zero point, so the int8 model follows the float one", () => {
    const graph = extraGraphs().find((g) => g.name === 'standalone relu6')!;
    const model = withRandomWeights(graph, 5);
    const q = quantize(model);
    const op = q.operators.find((o) => o.kind === 'RELU6')!;
    const input = q.tensors[op.inputs[0]];
    const output = q.tensors[op.outputs[0]];
    expect(output.scale).toEqual(input.scale);
    expect(output.zeroPoint).toEqual(input.zeroPoint);
    const inputs = randomInputs(model, EVALUATION, 9);
    const report = compareInt8WithFloat(model, q, inputs, EVALUATION);
    // With its own parameters the clamped values would be read on another scale: the
    // outputs were off by 0.3 on average (mean |int8 − float| 0.004 when tied).
    expect(report.meanAbsError).toBeLessThan(0.02);
    expect(report.top1Agreement).toBeGreaterThanOrEqual(0.95);
  });
});

describe('quantizeModel', () => {
  const models = testModels(31);

  it('folds BatchNorm and fuses ReLU into the preceding conv', () => {
    const lowered = lowerModel(models[0]);
    expect(lowered.ops.map((o) => o.kind)).toEqual([
      'CONV_2D',
      'CONV_2D',
      'MEAN',
      'FULLY_CONNECTED',
    ]);
    expect(lowered.ops[0].nodeIds).toEqual(['c1', 'bn1', 'r1']);
    expect(lowered.ops[0].activation).toBe('relu');
    const dw = lowerModel(models[1]);
    expect(dw.ops.map((o) => o.kind)).toEqual([
      'CONV_2D',
      'DEPTHWISE_CONV_2D',
      'CONV_2D',
      'MEAN',
      'FULLY_CONNECTED',
      'SOFTMAX',
    ]);
    expect(dw.ops[0].activation).toBe('relu6');
    const residual = lowerModel(models[2]);
    const add = residual.ops.find((o) => o.kind === 'ADD');
    expect(add?.activation).toBe('relu');
    // r1 feeds both c2 and the add: it must stay a separate value, fused into c1 only.
    expect(residual.ops[0].nodeIds).toEqual(['c1', 'r1']);
  });

  for (const model of models) {
    it(`gives bias scale = input scale × weight scale per channel ('${model.graph.name}')`, () => {
      const q = quantize(model);
      let checked = 0;
      for (const op of q.operators) {
        if (!['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(op.kind)) continue;
        const input = q.tensors[op.inputs[0]];
        const weights = q.tensors[op.inputs[1]];
        const bias = q.tensors[op.inputs[2]];
        const ws = weights.scale as number[];
        const bs = bias.scale as number[];
        expect(bias.type).toBe('int32');
        expect(bs.length).toBe(ws.length);
        expect(weights.zeroPoint?.every((z) => z === 0)).toBe(true);
        expect(bias.zeroPoint?.every((z) => z === 0)).toBe(true);
        for (let c = 0; c < ws.length; c++) {
          expect(ws[c]).toBeGreaterThan(0);
          const expected = (input.scale as number[])[0] * ws[c];
          expect(Math.abs(bs[c] - expected) / expected).toBeLessThan(1e-6);
          checked++;
        }
        // Symmetric: each channel's largest |q| is 127 (per-tensor: the tensor's).
        const data = weights.data as Int8Array;
        expect(Math.max(...Array.from(data, Math.abs))).toBe(127);
        expect(Math.min(...data)).toBeGreaterThanOrEqual(-127);
      }
      expect(checked).toBeGreaterThan(0);
    });
  }

  it('uses per-output-channel weight scales for conv and depthwise (quantized_dimension 0 / 3)', () => {
    const q = quantize(models[1]);
    const conv = q.tensors[q.operators[0].inputs[1]];
    expect(conv.scale?.length).toBe(4);
    expect(conv.quantizedDimension).toBe(0);
    expect(conv.shape).toEqual([4, 1, 1, 3]);
    const dw = q.tensors[q.operators[1].inputs[1]];
    expect(dw.scale?.length).toBe(4);
    expect(dw.quantizedDimension).toBe(3);
    expect(dw.shape).toEqual([1, 3, 3, 4]);
    const fc = q.tensors[q.operators[4].inputs[1]];
    expect(fc.scale?.length).toBe(1); // per tensor by default
    const perChannel = quantizeModel(models[1], {
      calibrationInputs: randomInputs(models[1], 8, 1),
      calibrationCount: 8,
      perChannelDense: true,
    });
    expect(perChannel.tensors[perChannel.operators[4].inputs[1]].scale?.length).toBe(4);
  });

  it('shares parameters across pooling, reshape and concat; softmax output is 1/256, −128', () => {
    const pools = quantize(models[5]);
    for (const op of pools.operators) {
      if (op.kind === 'MAX_POOL_2D' || op.kind === 'AVERAGE_POOL_2D' || op.kind === 'RESHAPE') {
        expect(pools.tensors[op.outputs[0]].scale).toEqual(pools.tensors[op.inputs[0]].scale);
        expect(pools.tensors[op.outputs[0]].zeroPoint).toEqual(
          pools.tensors[op.inputs[0]].zeroPoint,
        );
      }
    }
    const cat = quantize(models[3]);
    const concat = cat.operators.find((o) => o.kind === 'CONCATENATION');
    for (const i of concat?.inputs ?? []) {
      expect(cat.tensors[i].scale).toEqual(cat.tensors[concat?.outputs[0] as number].scale);
    }
    const sm = quantize(models[1]);
    expect(sm.output.scale).toBe(1 / 256);
    expect(sm.output.zeroPoint).toBe(-128);
  });

  it('quantises a uint8-pixel input exactly as int8 = raw − 128', () => {
    const q = quantize(models[0]);
    expect(q.input.scale).toBe(Math.fround(1 / 255));
    expect(q.input.zeroPoint).toBe(-128);
    const raw = [0, 1, 128, 255];
    expect(
      Array.from(
        quantizeInput(
          q,
          raw.map((r) => r / 255),
        ),
      ),
    ).toEqual(raw.map((r) => r - 128));
  });

  it('gives an all-zero (pruned) channel a positive weight scale', () => {
    const model = withRandomWeights(models[0].graph, 5);
    const kernel = model.weights.c2.kernel as Float32Array;
    for (let i = 0; i < kernel.length; i++) if (i % 6 === 2) kernel[i] = 0;
    const q = quantize(model);
    const w = q.tensors[q.operators[1].inputs[1]];
    expect((w.scale as number[])[2]).toBeGreaterThan(0);
    expect(
      Array.from((w.data as Int8Array).subarray(2 * 9 * 4, 3 * 9 * 4)).every((v) => v === 0),
    ).toBe(true);
  });

  it('warns, naming the tensor, when an activation is constant on the calibration data', () => {
    const graph = graphFromSpec(
      'dead layer',
      'input 4x4x1 | dead conv 2 | dead_relu relu | gap gap | fc dense 2',
      true,
    );
    const model = withRandomWeights(graph, 2);
    model.weights.dead.kernel?.fill(0);
    model.weights.dead.bias?.fill(-1);
    const q = quantize(model);
    expect(q.warnings.some((w) => w.includes("'dead_relu'") && /constant/.test(w))).toBe(true);
    for (const t of q.tensors) for (const s of t.scale ?? [1]) expect(s).toBeGreaterThan(0);
    // It still runs and the output is finite.
    const out = runInt8(q, quantizeInput(q, randomInputs(model, 2, 1)), 2);
    expect(out.length).toBe(4);
  });

  it('refuses to quantise when there is no model', () => {
    expect(() =>
      quantizeModel(undefined, { calibrationInputs: new Float32Array(0), calibrationCount: 1 }),
    ).toThrow(/Nothing to export/);
  });

  const agreements: string[] = [];
  for (const model of models) {
    it(`int8 reference agrees with float top-1 on random inputs ('${model.graph.name}')`, () => {
      const q = quantize(model);
      const x = randomInputs(model, EVALUATION, 101);
      const r = compareInt8WithFloat(model, q, x, EVALUATION);
      agreements.push(
        `${model.graph.name}: top-1 ${(r.top1Agreement * 100).toFixed(1)}%, ` +
          `max |err| ${r.maxAbsError.toFixed(4)}, mean |err| ${r.meanAbsError.toFixed(4)}`,
      );
      console.log(`[int8 vs float] ${agreements[agreements.length - 1]}`);
      expect(r.top1Agreement).toBeGreaterThanOrEqual(0.9);
    });
  }
});
