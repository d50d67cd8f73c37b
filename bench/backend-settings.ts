/**
 * Settings of the backend section (`npm run bench -- --only backends`): ms per plain training
 * step of nets A and B and the zoo models on wasm / webgl / webgpu / cpu in headless Chromium,
 * and the PyTorch CPU reference. Kept apart from settings.ts (the other sections' settings).
 *
 * Three sizes: `full` for `--only backends` (every zoo model; about 10 min on the 2-core
 * machine, most of it tfjs cpu and SwiftShader), `inDefaultRun` for the part of the default
 * `npm run bench` (nets A and B only, few steps: about 4–5 min, most of it one step of net B on
 * webgpu and cpu, to stay near the 30 min of the whole run)
 * and `quick` for `--quick`.
 */
import { MODEL_ZOO } from '../src/core/zoo';
import type { StepNet, StepTimingConfig } from './backends';
import type { BrowserBackend } from './pages/protocol';

export interface BackendSectionSettings {
  /** Per browser backend; a backend without an entry is not run. */
  browser: Partial<Record<BrowserBackend, StepTimingConfig>>;
  /** The PyTorch reference (bench/pytorch_reference.py), run at 1 and at 2 threads. */
  pytorch: StepTimingConfig;
  /**
   * The longest one browser page may take (at least the section settings' browserTimeoutMs).
   * SwiftShader's webgpu page of the full table takes about 2.5 min on an idle 2-core machine
   * and 20 min when other work loads it 8×; past this the column reads "failed: Timeout".
   */
  pageTimeoutMs: number;
}

const ZOO = MODEL_ZOO.map((m) => m.id);
const A: StepNet = { net: 'net-A', batch: 32 };
const B: StepNet = { net: 'net-B', batch: 64 };
const zoo = (batch: number, extra: Partial<StepNet> = {}): StepNet[] =>
  ZOO.map((net) => ({ net, batch, ...extra }));

const full: BackendSectionSettings = {
  browser: {
    wasm: { nets: [A, B, ...zoo(32)], warmupSteps: 2, steps: 10 },
    webgl: { nets: [A, B, ...zoo(16)], warmupSteps: 1, steps: 3 },
    webgpu: { nets: [A, B, ...zoo(16)], warmupSteps: 1, steps: 2 },
    // tfjs cpu compiles nothing: no warm-up on the networks whose one step takes a minute.
    cpu: {
      nets: [A, { ...B, warmupSteps: 0 }, ...zoo(4)],
      warmupSteps: 1,
      steps: 1,
    },
  },
  pytorch: { nets: [A, B, ...zoo(32)], warmupSteps: 2, steps: 10 },
  pageTimeoutMs: 45 * 60_000,
};

const inDefaultRun: BackendSectionSettings = {
  browser: {
    wasm: { nets: [A, B], warmupSteps: 2, steps: 10 },
    // SwiftShader takes 15–50 s per step of net B, tfjs cpu about a minute: one step each.
    webgl: { nets: [A, B], warmupSteps: 1, steps: 1 },
    webgpu: { nets: [A, B], warmupSteps: 1, steps: 1 },
    cpu: { nets: [A, B], warmupSteps: 0, steps: 1 },
  },
  pytorch: { nets: [A, B], warmupSteps: 2, steps: 10 },
  pageTimeoutMs: 12 * 60_000,
};

const quick: BackendSectionSettings = {
  browser: {
    wasm: { nets: [A, B], warmupSteps: 1, steps: 2 },
    webgl: { nets: [A], warmupSteps: 1, steps: 1 },
    webgpu: { nets: [A], warmupSteps: 1, steps: 1 },
    cpu: { nets: [{ ...A, batch: 8 }], warmupSteps: 0, steps: 1 },
  },
  pytorch: { nets: [A, B], warmupSteps: 1, steps: 3 },
  pageTimeoutMs: 4 * 60_000,
};

export const BACKEND_SECTION_SETTINGS = { full, inDefaultRun, quick };
