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
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInt8 } from '../src/export/int8Reference';
import { argmaxRows } from '../src/export/reference';
import { tflmModule } from '../src/export/tflmModule';
import { tflmSuite, randomPrunings, type SuiteModel } from './tflm/suite';
import type { ModuleCheck, TflmMeasurement, TflmFixture } from './tflm/fixture';

/** Models whose generated C module is compiled against TFLM and run (host library). */
const MODULE_CHECKS = ['mnist-cnn-pruned', 'ds-cnn-pruned', 'mobilenetv2-pruned', 'test-depthwise'];

/**
 * Writes the studio's TFLM module for a model (class names "class 0"…, the first check-set
 * sample as the example), compiles it with the example main.cc against the SDK's host
 * library, runs it and returns what it printed.
 */
function checkModule(m: SuiteModel, sdk: string, work: string): ModuleCheck {
  const q = m.quantized;
  const size = m.inputs.length / m.samples;
  const sample = m.inputs.subarray(0, size);
  const scores = runInt8(q, sample, 1);
  const expectedClass = argmaxRows(scores, scores.length)[0];
  const input = Float32Array.from(sample, (v) => (v - q.input.zeroPoint) * q.input.scale);
  const module = tflmModule({
    bytes: m.bytes,
    quantized: q,
    arenaBytes: m.report.ram,
    classNames: Array.from(scores, (_, i) => `class ${i}`),
    normalisation: { scale: 1 / 255, offset: 0 },
    example: { input, expectedClass },
  });
  const dir = join(work, `module-${m.name}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(module.files)) writeFileSync(join(dir, name), text);
  const include = [
    'include',
    'include/third_party/flatbuffers',
    'include/third_party/gemmlowp',
    'include/third_party/ruy',
  ].map((i) => `-I${join(sdk, i)}`);
  const common = [
    '-std=c++17',
    '-fno-rtti',
    '-fno-exceptions',
    '-DTF_LITE_STATIC_MEMORY',
    '-Wall',
    '-Wextra',
  ];
  const run = (cmd: string, args: string[]): { status: number | null; out: string } => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().slice(0, 2000) };
  };
  // 64-bit host, reference kernels: TFLM's bookkeeping is larger there (MODEL_HOST_ARENA_EXTRA).
  const hostBuild = run('g++', [
    ...common,
    '-O1',
    '-DMODEL_HOST_ARENA_EXTRA=4096',
    ...include,
    'main.cc',
    'model_data.cc',
    join(sdk, 'lib/host/libtensorflow-microlite.a'),
    '-lm',
    '-o',
    'example',
  ]);
  const host =
    hostBuild.status === 0
      ? { compiled: true, ...asResult(run(join(dir, 'example'), [])) }
      : { compiled: false, exitCode: null, printed: hostBuild.out };
  // Cortex-M4 + CMSIS-NN in qemu, with exactly kTensorArenaSize.
  let m4: ModuleCheck['m4'];
  const toolSrc = join(dirname(tool), 'src');
  if (spawnSync('arm-none-eabi-g++', ['--version']).status === 0) {
    const arch = [
      '-mcpu=cortex-m4',
      '-mthumb',
      '-mfloat-abi=soft',
      '-funsigned-char',
      '-mlittle-endian',
    ];
    // What a board support package provides: the tool's start-up code expects a SysTick
    // handler, and TFLM's log goes to the semihosting console.
    writeFileSync(
      join(dir, 'board.cc'),
      [
        '#include <cstdarg>',
        '#include <cstdio>',
        'extern "C" void SysTick_Handler(void) {}',
        'extern "C" void DebugLog(const char* format, va_list args) { vprintf(format, args); }',
        'extern "C" int DebugVsnprintf(char* buffer, size_t size, const char* format, va_list args) {',
        '  return vsnprintf(buffer, size, format, args);',
        '}',
        '',
      ].join('\n'),
    );
    const startup = run('arm-none-eabi-gcc', [
      '-O2',
      ...arch,
      '-c',
      join(toolSrc, 'startup.c'),
      '-o',
      'startup.o',
    ]);
    const build =
      startup.status === 0
        ? run('arm-none-eabi-g++', [
            ...common,
            '-O2',
            '-fno-threadsafe-statics',
            '-DKERNELS_OPTIMIZED_FOR_SPEED',
            ...arch,
            '--specs=rdimon.specs',
            '-ffunction-sections',
            '-fdata-sections',
            '-Wno-unused-parameter',
            ...include,
            'main.cc',
            'model_data.cc',
            'board.cc',
            'startup.o',
            join(sdk, 'lib/cortex-m4-cmsis-nn/libtensorflow-microlite.a'),
            '-T',
            join(toolSrc, 'mps2.ld'),
            '-Wl,--defsym=PSRAM_BASE=0x21000000',
            '-Wl,--gc-sections',
            '-lm',
            '-o',
            'example.elf',
          ])
        : startup;
    m4 =
      build.status === 0
        ? {
            compiled: true,
            ...asResult(
              run('qemu-system-arm', [
                '-M',
                'mps2-an386',
                '-nographic',
                '-icount',
                'shift=0',
                '-semihosting-config',
                'enable=on,target=native',
                '-kernel',
                'example.elf',
              ]),
            ),
          }
        : { compiled: false, exitCode: null, printed: build.out };
  }
  return { name: m.name, expectedClass, host, m4 };
}

function asResult(r: { status: number | null; out: string }): {
  exitCode: number | null;
  printed: string;
} {
  return { exitCode: r.status, printed: r.out };
}

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
  // --modules: keep the committed measurements, re-run only the C module checks.
  const modulesOnly = process.argv.includes('--modules');
  try {
    if (modulesOnly) {
      const committed = JSON.parse(readFileSync(fixturePath, 'utf8')) as TflmFixture;
      measurements.push(...committed.models);
    }
    for (const m of modulesOnly ? [] : tflmSuite()) {
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
    const firstModel = tflmSuite()[0];
    writeFileSync(join(work, `${firstModel.name}.tflite`), firstModel.bytes);
    const first = check([`${firstModel.name}.tflite`, '--target', 'm4', '--no-search'], work);
    const sdk = join(dirname(tool), 'sdk');
    const modules = tflmSuite()
      .filter((m) => MODULE_CHECKS.includes(m.name))
      .map((m) => checkModule(m, sdk, work));
    // Out of sample: random prunings the constants were not fitted to.
    let holdoutFailures = 0;
    for (const m of modulesOnly ? [] : randomPrunings()) {
      writeFileSync(join(work, 'holdout.tflite'), m.bytes);
      const r = check(['holdout.tflite', '--target', 'm4'], work);
      const smallest = r.smallest_arena_bytes ?? r.arena_used_bytes;
      const ram = m.report.ram;
      const ok = ram >= smallest && ram <= smallest * 1.03 + 256;
      if (!ok) holdoutFailures++;
      console.log(
        `holdout ${m.name.padEnd(18)} RAM ${ram} smallest ${smallest} plan ${m.report.arena?.plannedBytes}/${r.allocation.planned_activation_bytes} ${ok ? 'ok' : 'OUT OF BOUNDS'}`,
      );
    }
    if (holdoutFailures > 0) process.exitCode = 1;
    for (const c of modules) {
      console.log(`module ${c.name} host: exit ${c.host.exitCode} ${c.host.printed}`);
      console.log(
        `module ${c.name} m4:   exit ${c.m4?.exitCode} ${c.m4?.printed ?? 'not built (no arm-none-eabi-g++)'}`,
      );
    }
    const fixture: TflmFixture = {
      measuredWith: `TFLite Micro ${first.runner.tflm_commit}, Cortex-M4 + CMSIS-NN in qemu-system-arm (arena), x86-64 reference kernels (tensors); default (double) rounding`,
      samples: tflmSuite()[0].samples,
      models: measurements,
      modules,
    };
    writeFileSync(fixturePath, `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`verify:tflm: wrote ${fixturePath} (${measurements.length} models)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
