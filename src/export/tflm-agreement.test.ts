/**
 * The studio against TensorFlow Lite Micro itself. scripts/tflm/measured.json holds what the
 * real TFLM interpreter (Cortex-M4 + CMSIS-NN in qemu for the arena, x86-64 reference kernels
 * for the tensors; default double rounding) measured on the check set of scripts/tflm/suite.ts;
 * `npm run verify:tflm` re-measures it where the tool is installed. Each file is re-exported
 * here and must be byte-identical to the one measured, so the figures below are about the
 * bytes the studio writes today.
 */
import { describe, expect, it } from 'vitest';
import { runInt8 } from './int8Reference';
import { tflmSuite, type SuiteModel } from '../../scripts/tflm/suite';
import type { TflmFixture } from '../../scripts/tflm/fixture';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const fixture = JSON.parse(
  readFileSync(new URL('../../scripts/tflm/measured.json', import.meta.url), 'utf8'),
) as TflmFixture;
const suite = tflmSuite();

function measured(model: SuiteModel) {
  const m = fixture.models.find((f) => f.name === model.name);
  if (!m) throw new Error(`${model.name} was not measured: run npm run verify:tflm`);
  return m;
}

const decode = (b64: string): Int8Array => {
  const bytes = Buffer.from(b64, 'base64');
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
};

describe('exports measured with TensorFlow Lite Micro (scripts/tflm/measured.json)', () => {
  it('covers every model of the check set, and each export is the file that was measured', () => {
    expect(fixture.models.map((m) => m.name).sort()).toEqual(suite.map((m) => m.name).sort());
    for (const model of suite) {
      const sha = createHash('sha256').update(model.bytes).digest('hex');
      expect(sha, `${model.name} changed since it was measured: run npm run verify:tflm`).toBe(
        measured(model).sha256,
      );
    }
  });

  it.each(suite.map((m) => [m.name, m] as const))(
    '%s: the int8 reference equals TFLM byte for byte on every tensor and every output',
    (_, model) => {
      const m = measured(model);
      const tensors = new Map<number, Int8Array>();
      const outputs = runInt8(model.quantized, model.inputs, model.samples, {
        onTensor: (index, values) => tensors.set(index, Int8Array.from(values)),
      });
      const dumped = Object.entries(m.tensors);
      expect(dumped.length).toBeGreaterThan(1);
      for (const [index, b64] of dumped) {
        const ours = tensors.get(Number(index));
        const name = model.quantized.tensors[Number(index)]?.name;
        expect(ours, `tensor ${index} (${name})`).toBeDefined();
        const theirs = decode(b64);
        let differ = 0;
        let maxDiff = 0;
        for (let i = 0; i < theirs.length; i++) {
          const d = Math.abs(theirs[i] - ours![i]);
          if (d) differ++;
          maxDiff = Math.max(maxDiff, d);
        }
        expect({ differ, maxDiff, length: ours!.length }, `tensor ${index} (${name})`).toEqual({
          differ: 0,
          maxDiff: 0,
          length: theirs.length,
        });
      }
      expect(Array.from(outputs)).toEqual(Array.from(decode(m.outputs)));
    },
  );

  it.each(suite.map((m) => [m.name, m] as const))(
    '%s: the RAM figure is an arena TFLM allocates and runs in, at most 3 % + 256 B above the smallest',
    (_, model) => {
      const m = measured(model);
      const arena = model.report.arena!;
      // The memory plan is TFLM's own, to the byte.
      expect(arena.plannedBytes).toBe(m.plannedActivationBytes);
      expect(arena.buffers).toHaveLength(m.plannedBuffers);
      // The persistent part and arena_used_bytes within the fit's residuals.
      expect(Math.abs(arena.persistentBytes - m.tailBytes)).toBeLessThanOrEqual(16);
      expect(Math.abs(arena.usedBytes - m.arenaUsedBytes)).toBeLessThanOrEqual(16);
      const ram = model.report.ram;
      expect(ram).toBeGreaterThanOrEqual(m.smallestArenaBytes);
      expect(ram).toBeLessThanOrEqual(m.smallestArenaBytes * 1.03 + 256);
    },
  );

  it("the C module compiled with its example against TFLM runs in exactly kTensorArenaSize and prints the studio's class", () => {
    expect(fixture.modules.length).toBeGreaterThanOrEqual(4);
    for (const check of fixture.modules) {
      expect(suite.some((m) => m.name === check.name)).toBe(true);
      // Cortex-M4 + CMSIS-NN in qemu, with the generated arena constant and resolver.
      expect(check.m4, `${check.name}: not built for the Cortex-M4`).toBeDefined();
      expect(check.m4!.exitCode, `${check.name}: ${check.m4!.printed}`).toBe(0);
      expect(check.m4!.printed).toContain(`top class ${check.expectedClass} `);
      expect(check.host.exitCode, `${check.name}: ${check.host.printed}`).toBe(0);
    }
  });
});
