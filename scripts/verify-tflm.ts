/**
 * `npm run verify:tflm`: measures every model of the TFLite Micro check set
 * (scripts/tflm/suite.ts) with the real TFLite Micro interpreter and regenerates the fixture
 * the unit tests compare the studio with (scripts/tflm/measured.json).
 *
 * Optional: it needs the `tflm-check` tool (TFLM runners for the x86-64 host and an emulated
 * Cortex-M4 with CMSIS-NN, plus qemu-system-arm). Point TFLM_CHECK at it; without it the
 * script says so and exits 0, and the tests keep using the committed measurements.
 * Per model it records, on the Cortex-M4 target: arena_used_bytes, the smallest arena that
 * allocates and runs, the allocation breakdown and the outputs of every sample; on the host
 * (reference kernels, the same arithmetic, byte-identical outputs): every non-constant
 * tensor of sample 0.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tflmSuite } from './tflm/suite';
import type { TflmMeasurement, TflmFixture } from './tflm/fixture';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixturePath = join(root, 'scripts/tflm/measured.json');
const tool = process.env.TFLM_CHECK ?? resolve(root, '../shared/tflm/tflm-check');

interface CheckSummary {
  ok: boolean;
  error: string | null;
  arena_used_bytes: number;
  smallest_arena_bytes?: number;
  allocation: {
    arena_head_nonpersistent_bytes: number;
    arena_tail_persistent_bytes: number;
    planned_activation_bytes: number;
    planned_buffers: number;
    recorded: { type: string; used_bytes: number; requested_bytes: number; count: number }[];
  };
  runner: { tflm_commit: string; target: string; kernels: string; rounding: string };
  [key: string]: unknown;
}

function check(args: string[], cwd: string): CheckSummary {
  const run = spawnSync('python3', [tool, ...args, '-q'], { cwd, encoding: 'utf8' });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  let summary: CheckSummary;
  try {
    summary = JSON.parse(line) as CheckSummary;
  } catch {
    throw new Error(`tflm-check printed no summary: ${run.stderr}`);
  }
  if (!summary.ok) throw new Error(`tflm-check failed (${args[0]}): ${summary.error}`);
  return summary;
}

function main(): void {
  if (!existsSync(tool)) {
    console.log(`verify:tflm: tflm-check not found (${tool}); set TFLM_CHECK. Nothing measured.`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'tflm-'));
  const measurements: TflmMeasurement[] = [];
  try {
    for (const m of tflmSuite()) {
      const model = `${m.name}.tflite`;
      writeFileSync(join(work, model), m.bytes);
      writeFileSync(join(work, 'in.bin'), m.inputs);
      const inputs = ['--inputs', 'in.bin', '--samples', String(m.samples)];
      const m4 = check([model, '--target', 'm4', ...inputs, '--out', 'm4.bin'], work);
      const dumpDir = join(work, `dump-${m.name}`);
      const host = check(
        [model, ...inputs, '--no-search', '--out', 'host.bin', '--dump', dumpDir],
        work,
      );
      const m4Out = readFileSync(join(work, 'm4.bin'));
      const hostOut = readFileSync(join(work, 'host.bin'));
      if (!m4Out.equals(hostOut)) throw new Error(`${m.name}: M4 and host outputs differ`);
      const tensors: Record<string, string> = {};
      for (const f of readdirSync(dumpDir).sort()) {
        tensors[f.replace(/\.bin$/, '')] = readFileSync(join(dumpDir, f)).toString('base64');
      }
      const a = m4.allocation;
      measurements.push({
        name: m.name,
        sha256: createHash('sha256').update(m.bytes).digest('hex'),
        fileBytes: m.bytes.length,
        arenaUsedBytes: m4.arena_used_bytes,
        smallestArenaBytes: m4.smallest_arena_bytes ?? m4.arena_used_bytes,
        headBytes: a.arena_head_nonpersistent_bytes,
        tailBytes: m4.arena_used_bytes - a.arena_head_nonpersistent_bytes,
        plannedActivationBytes: a.planned_activation_bytes,
        plannedBuffers: a.planned_buffers,
        hostArenaUsedBytes: host.arena_used_bytes,
        recorded: Object.fromEntries(
          a.recorded.map((r) => [
            r.type,
            { used: r.used_bytes, requested: r.requested_bytes, count: r.count },
          ]),
        ),
        outputs: m4Out.toString('base64'),
        tensors,
      });
      console.log(
        `${m.name.padEnd(22)} used ${m4.arena_used_bytes} smallest ${m4.smallest_arena_bytes} ` +
          `head ${a.arena_head_nonpersistent_bytes} buffers ${a.planned_buffers}`,
      );
    }
    const first = check([`${measurements[0].name}.tflite`, '--target', 'm4', '--no-search'], work);
    const fixture: TflmFixture = {
      measuredWith: `TFLite Micro ${first.runner.tflm_commit}, Cortex-M4 + CMSIS-NN in qemu-system-arm (arena), x86-64 reference kernels (tensors); default (double) rounding`,
      samples: tflmSuite()[0].samples,
      models: measurements,
    };
    writeFileSync(fixturePath, `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`verify:tflm: wrote ${fixturePath} (${measurements.length} models)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
