import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizeModel, type QuantizedModel } from './quantize';
import {
  BuiltinOperator,
  BuiltinOptionsType,
  exportTflite,
  TensorType,
  writeTflite,
} from './tflite';
import { bufferBytes, readTflite } from '../testing/tfliteReader';
import { randomInputs, testModels, withRandomWeights } from '../testing/exportModels';
import type { ExportableModel } from './model';
import { graphFromSpec } from '../testing/graphSpec';

function quantize(model: ExportableModel): QuantizedModel {
  return quantizeModel(model, {
    calibrationInputs: randomInputs(model, 8, 4),
    calibrationCount: 8,
  });
}

const KIND_CODE: Record<string, number> = {
  CONV_2D: BuiltinOperator.CONV_2D,
  DEPTHWISE_CONV_2D: BuiltinOperator.DEPTHWISE_CONV_2D,
  FULLY_CONNECTED: BuiltinOperator.FULLY_CONNECTED,
  MAX_POOL_2D: BuiltinOperator.MAX_POOL_2D,
  AVERAGE_POOL_2D: BuiltinOperator.AVERAGE_POOL_2D,
  MEAN: BuiltinOperator.MEAN,
  ADD: BuiltinOperator.ADD,
  RESHAPE: BuiltinOperator.RESHAPE,
  SOFTMAX: BuiltinOperator.SOFTMAX,
  CONCATENATION: BuiltinOperator.CONCATENATION,
};

describe('TFLite writer', () => {
  for (const model of testModels(41)) {
    it(`writes a file whose key fields read back ('${model.graph.name}')`, () => {
      const q = quantize(model);
      const bytes = writeTflite(q);
      const r = readTflite(bytes);
      expect(r.identifier).toBe('TFL3');
      expect(r.version).toBe(3);
      expect(r.inputs).toEqual([q.inputTensor]);
      expect(r.outputs).toEqual([q.outputTensor]);
      // Operators in the given order, with the right builtin codes (both fields).
      expect(r.operators.length).toBe(q.operators.length);
      r.operators.forEach((op, i) => {
        const code = r.operatorCodes[op.opcodeIndex];
        expect(code.builtinCode).toBe(KIND_CODE[q.operators[i].kind]);
        expect(code.deprecatedBuiltinCode).toBe(KIND_CODE[q.operators[i].kind]);
        expect(op.inputs).toEqual(q.operators[i].inputs);
        expect(op.outputs).toEqual(q.operators[i].outputs);
      });
      // Tensors: shapes, types, quantisation, constant data, 16-byte aligned buffers.
      expect(r.buffers[0].length).toBe(0);
      r.tensors.forEach((t, i) => {
        const src = q.tensors[i];
        expect(t.name).toBe(src.name);
        expect(t.shape).toEqual(src.shape);
        expect(t.type).toBe(src.type === 'int8' ? TensorType.INT8 : TensorType.INT32);
        if (src.scale) {
          expect(t.scale).toEqual(src.scale.map(Math.fround));
          expect(t.zeroPoint).toEqual(src.zeroPoint);
          expect(t.quantizedDimension).toBe(src.quantizedDimension);
        } else {
          expect(t.scale).toBeUndefined();
        }
        if (src.data) {
          expect(t.buffer).toBeGreaterThan(0);
          const data = bufferBytes(r, i);
          expect(r.buffers[t.buffer].offset % 16).toBe(0);
          const expected =
            src.data instanceof Int8Array
              ? new Uint8Array(src.data.buffer, src.data.byteOffset, src.data.length)
              : new Uint8Array(Int32Array.from(src.data).buffer);
          expect(Array.from(data)).toEqual(Array.from(expected));
        } else {
          expect(t.buffer).toBe(0);
        }
      });
    });
  }

  it('writes conv / pool / mean / reshape options as the schema defines them', () => {
    const pools = readTflite(writeTflite(quantize(testModels(41)[5])));
    const [c1, mp, , ap, flat] = pools.operators;
    expect(c1.optionsType).toBe(BuiltinOptionsType.Conv2DOptions);
    expect(c1.options.get(0) ?? 0).toBe(0); // SAME
    expect(c1.options.get(1)).toBe(1); // stride_w
    expect(c1.options.get(3)).toBe(1); // RELU
    expect(mp.optionsType).toBe(BuiltinOptionsType.Pool2DOptions);
    expect(mp.options.get(0)).toBe(1); // VALID
    expect([mp.options.get(1), mp.options.get(2), mp.options.get(3), mp.options.get(4)]).toEqual([
      2, 2, 2, 2,
    ]);
    expect(ap.options.get(3)).toBe(3);
    expect(flat.optionsType).toBe(BuiltinOptionsType.ReshapeOptions);
    expect(Array.from(new Int32Array(bufferBytes(pools, flat.inputs[1]).slice().buffer))).toEqual([
      1, 16,
    ]);

    const plain = readTflite(writeTflite(quantize(testModels(41)[0])));
    const c2 = plain.operators[1];
    expect([c2.options.get(1), c2.options.get(2)]).toEqual([2, 2]);
    const mean = plain.operators[2];
    expect(plain.operatorCodes[mean.opcodeIndex].builtinCode).toBe(BuiltinOperator.MEAN);
    expect(mean.optionsType).toBe(BuiltinOptionsType.ReducerOptions);
    expect(mean.options.get(0) ?? 0).toBe(0); // keep_dims false
    const axis = mean.inputs[1];
    expect(plain.tensors[axis].type).toBe(TensorType.INT32);
    expect(Array.from(new Int32Array(bufferBytes(plain, axis).slice().buffer))).toEqual([1, 2]);
    expect(plain.tensors[mean.outputs[0]].shape).toEqual([1, 6]);

    const dw = readTflite(writeTflite(quantize(testModels(41)[1])));
    const dwOp = dw.operators[1];
    expect(dwOp.optionsType).toBe(BuiltinOptionsType.DepthwiseConv2DOptions);
    expect(dwOp.options.get(3)).toBe(1); // depth_multiplier
    expect(dwOp.options.get(4)).toBe(1); // RELU
    expect(dw.operators[0].options.get(3)).toBe(3); // RELU6
    expect(dw.operatorCodes[dw.operators[5].opcodeIndex].builtinCode).toBe(BuiltinOperator.SOFTMAX);
  });

  it('keeps the operator order it is given (RAM-minimising order from core)', () => {
    const model = testModels(41)[3]; // concat: branches 'a' and 'b' are independent
    const order1 = ['b', 'rb', 'a', 'ra', 'cat', 'c', 'rc', 'gap', 'fc'];
    const r = readTflite(writeTflite(quantize({ ...model, operatorOrder: order1 })));
    const names = r.operators.map((op) => r.tensors[op.outputs[0]].name);
    expect(names).toEqual(['rb', 'ra', 'cat', 'rc', 'gap', 'fc']);
    expect(() =>
      quantize({ ...model, operatorOrder: ['cat', 'a', 'ra', 'b', 'rb', 'c', 'rc', 'gap', 'fc'] }),
    ).toThrow(/runs 'cat' before its input/);
  });

  it('exportTflite refuses when there is no model', () => {
    expect(() =>
      exportTflite(undefined, { calibrationInputs: new Float32Array(0), calibrationCount: 1 }),
    ).toThrow(/Nothing to export/);
  });

  it('writes RELU for an activation that cannot be fused (after concat)', () => {
    const graph = graphFromSpec(
      'relu after concat',
      'input 4x4x1 | a conv 2 k1 | cat concat(a, input) | r relu | gap gap | fc dense 2',
      true,
    );
    const r = readTflite(writeTflite(quantize(withRandomWeights(graph, 3))));
    expect(r.operators.map((o) => r.operatorCodes[o.opcodeIndex].builtinCode)).toEqual([
      BuiltinOperator.CONV_2D,
      BuiltinOperator.CONCATENATION,
      BuiltinOperator.RELU,
      BuiltinOperator.MEAN,
      BuiltinOperator.FULLY_CONNECTED,
    ]);
  });
});

/**
 * Our own subset of the TFLite schema: just the tables and fields this writer uses, declared
 * in the official order so that slots match, with placeholder tables keeping union positions.
 */
function subsetSchema(): string {
  const unionMembers = new Map<number, string>(
    Object.entries(BuiltinOptionsType)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => [v, k]),
  );
  const maxTag = Math.max(...unionMembers.keys());
  const members: string[] = [];
  const placeholders: string[] = [];
  for (let tag = 1; tag <= maxTag; tag++) {
    const name = unionMembers.get(tag) ?? `UnusedOptions${tag}`;
    if (!unionMembers.has(tag)) placeholders.push(`table ${name} {}`);
    members.push(name);
  }
  const ops = Object.entries(BuiltinOperator)
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
  return `namespace tflite;
file_identifier "TFL3";
enum TensorType : byte { FLOAT32 = 0, INT32 = 2, INT8 = 9 }
enum BuiltinOperator : int32 { ${ops} }
enum Padding : byte { SAME, VALID }
enum ActivationFunctionType : byte { NONE = 0, RELU = 1, RELU_N1_TO_1 = 2, RELU6 = 3 }
table CustomQuantization { custom:[ubyte]; }
union QuantizationDetails { CustomQuantization }
table QuantizationParameters { min:[float]; max:[float]; scale:[float]; zero_point:[long];
  details:QuantizationDetails; quantized_dimension:int; }
table Tensor { shape:[int]; type:TensorType; buffer:uint; name:string; quantization:QuantizationParameters; }
table Conv2DOptions { padding:Padding; stride_w:int; stride_h:int; fused_activation_function:ActivationFunctionType; }
table DepthwiseConv2DOptions { padding:Padding; stride_w:int; stride_h:int; depth_multiplier:int;
  fused_activation_function:ActivationFunctionType; }
table Pool2DOptions { padding:Padding; stride_w:int; stride_h:int; filter_width:int; filter_height:int;
  fused_activation_function:ActivationFunctionType; }
table FullyConnectedOptions { fused_activation_function:ActivationFunctionType; }
table SoftmaxOptions { beta:float; }
table ConcatenationOptions { axis:int; fused_activation_function:ActivationFunctionType; }
table AddOptions { fused_activation_function:ActivationFunctionType; }
table ReshapeOptions { new_shape:[int]; }
table ReducerOptions { keep_dims:bool; }
${placeholders.join('\n')}
union BuiltinOptions { ${members.join(', ')} }
table OperatorCode { deprecated_builtin_code:byte; custom_code:string; version:int = 1; builtin_code:BuiltinOperator; }
table Operator { opcode_index:uint; inputs:[int]; outputs:[int]; builtin_options:BuiltinOptions; }
table SubGraph { tensors:[Tensor]; inputs:[int]; outputs:[int]; operators:[Operator]; name:string; }
table Buffer { data:[ubyte] (force_align: 16); }
table Model { version:uint; operator_codes:[OperatorCode]; subgraphs:[SubGraph]; description:string; buffers:[Buffer]; }
root_type Model;
`;
}

function hasFlatc(): boolean {
  try {
    execFileSync('flatc', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasFlatc())('TFLite writer checked by flatc', () => {
  it('decodes with flatc --strict-json to the same structure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tflite-flatc-'));
    try {
      writeFileSync(join(dir, 'subset.fbs'), subsetSchema());
      for (const [i, model] of testModels(41).entries()) {
        const q = quantize(model);
        const file = join(dir, `m${i}.tflite`);
        writeFileSync(file, writeTflite(q));
        execFileSync(
          'flatc',
          [
            '--json',
            '--raw-binary',
            '--strict-json',
            '--defaults-json',
            '-o',
            dir,
            join(dir, 'subset.fbs'),
            '--',
            file,
          ],
          { stdio: 'pipe' },
        );
        const json = JSON.parse(readFileSync(join(dir, `m${i}.json`), 'utf8'));
        expect(json.version).toBe(3);
        const sg = json.subgraphs[0];
        expect(sg.operators.length).toBe(q.operators.length);
        expect(sg.tensors.map((t: { name: string }) => t.name)).toEqual(
          q.tensors.map((t) => t.name),
        );
        sg.operators.forEach(
          (op: { opcode_index: number; builtin_options_type: string }, k: number) => {
            const code = json.operator_codes[op.opcode_index];
            expect(BuiltinOperator[code.builtin_code as keyof typeof BuiltinOperator]).toBe(
              KIND_CODE[q.operators[k].kind],
            );
          },
        );
        const conv = sg.operators.find(
          (o: { builtin_options_type: string }) => o.builtin_options_type === 'Conv2DOptions',
        );
        expect(conv.builtin_options.fused_activation_function).toMatch(/RELU|NONE/);
        const w = sg.tensors[q.operators[0].inputs[1]];
        expect(w.type).toBe('INT8');
        expect(w.quantization.zero_point.every((z: number) => z === 0)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
