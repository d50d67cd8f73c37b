import { describe, expect, it } from 'vitest';
import { tflmSuite } from '../../scripts/tflm/suite';
import { DEFAULT_KWS_CONFIG } from '../core/kwsConfig';
import { modelOperators, tflmModule } from './tflmModule';
import { BuiltinOperator } from './tflite';
import { readTflite } from '../testing/tfliteReader';

const OPERATOR_NAME = new Map<number, string>(
  Object.entries(BuiltinOperator).map(([name, code]) => [code, name]),
);

const suite = tflmSuite();

function moduleFor(name: string, classNames?: string[]) {
  const m = suite.find((s) => s.name === name)!;
  const outputs = m.quantized.output.shape[1];
  return {
    m,
    module: tflmModule({
      bytes: m.bytes,
      quantized: m.quantized,
      arenaBytes: m.report.ram,
      classNames: classNames ?? Array.from({ length: outputs }, (_, i) => `word ${i}`),
      normalisation: { scale: 1 / 255, offset: 0 },
      frontEnd: DEFAULT_KWS_CONFIG,
      example: { input: new Float32Array(m.inputs.length / m.samples), expectedClass: 1 },
    }),
  };
}

describe('the TFLite Micro C module', () => {
  it('registers exactly the operators the .tflite uses, in a resolver of that size', () => {
    for (const name of ['mobilenetv2-pruned', 'test-concat3-softmax', 'test-standalone-relu6']) {
      const { m, module } = moduleFor(name);
      const file = readTflite(m.bytes);
      const inFile = new Set(
        file.operators.map((op) =>
          OPERATOR_NAME.get(file.operatorCodes[op.opcodeIndex].builtinCode),
        ),
      );
      expect(new Set(module.operators)).toEqual(inFile);
      expect(module.operators).toEqual(modelOperators(m.quantized));
      const ops = module.files['model_ops.h'];
      expect(ops).toContain(`tflite::MicroMutableOpResolver<${inFile.size}>`);
      const added = [...ops.matchAll(/resolver\.(Add\w+)\(\)/g)].map((r) => r[1]);
      expect(added).toHaveLength(inFile.size);
      expect(new Set(added).size).toBe(inFile.size);
    }
  });

  it('states the arena, the I/O quantisation and the classes the studio computed', () => {
    const { m, module } = moduleFor('ds-cnn-pruned', [
      'yes',
      'no',
      '"quoted"',
      'über',
      ...'abcdefgh',
    ]);
    const settings = module.files['model_settings.h'];
    const arena = Number(/kTensorArenaBytes = (\d+);/.exec(settings)?.[1]);
    expect(arena % 16).toBe(0);
    expect(arena).toBeGreaterThanOrEqual(m.report.ram);
    expect(arena - m.report.ram).toBeLessThan(16);
    expect(settings).toContain(`kInputZeroPoint = ${m.quantized.input.zeroPoint};`);
    expect(settings).toContain(`kOutputZeroPoint = ${m.quantized.output.zeroPoint};`);
    const scale = Number(/kInputScale = ([0-9.e-]+)f;/.exec(settings)?.[1]);
    expect(Math.fround(scale)).toBe(Math.fround(m.quantized.input.scale));
    const [, h, w, c] = m.quantized.input.shape;
    expect(settings).toContain(`kInputSize = ${h * w * c};`);
    // Class names in output order, as valid C string literals.
    expect(settings).toMatch(
      /kClassNames\[kNumClasses\] = \{\n {4}"yes",\n {4}"no",\n {4}"\\"quoted\\"",\n {4}"\\303\\274ber",/,
    );
    expect(settings).toContain('constexpr int kHopSamples = 320;');
    expect(settings).toContain('constexpr int kMfccCount = 10;');
  });

  it('ships an example that uses the generated resolver, settings and model array', () => {
    const { module } = moduleFor('test-plain-cnn');
    const main = module.files['main.cc'];
    for (const piece of [
      '#include "model_ops.h"',
      '#include "model_settings.h"',
      'RegisterModelOps(resolver)',
      'tensor_arena[kTensorArenaSize]',
      'tflite::GetModel(g_model_data)',
      'kExpectedClass = 1;',
    ]) {
      expect(main).toContain(piece);
    }
    expect(Object.keys(module.files).sort()).toEqual(
      ['main.cc', 'model_data.cc', 'model_data.h', 'model_ops.h', 'model_settings.h'].sort(),
    );
  });

  it('refuses class names that do not match the outputs', () => {
    expect(() => moduleFor('test-plain-cnn', ['a', 'b'])).toThrow(
      /2 class names for 3 model outputs/,
    );
  });
});
