import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';

export type BackendName = 'webgpu' | 'webgl' | 'cpu' | 'wasm';

/** Fastest first: WebGPU, then WebGL, then the (slow) CPU backend. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

export interface BackendChoice {
  active: BackendName;
  /** Each faster backend that was tried and not used, with why. */
  skipped: { name: BackendName; reason: string }[];
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** Why WebGPU cannot be used here, or undefined when an adapter is available. */
async function webgpuUnavailableReason(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return 'this browser does not expose WebGPU (navigator.gpu is missing)';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'WebGPU is exposed but no GPU adapter was found';
  } catch (err) {
    return `WebGPU adapter request failed: ${String(err)}`;
  }
  return undefined;
}

function webglUnavailableReason(): string | undefined {
  if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return 'no OffscreenCanvas in this context, so WebGL cannot run here';
  }
  return undefined;
}

async function tryBackend(name: BackendName, forcedFailure?: string): Promise<string | undefined> {
  if (forcedFailure) return forcedFailure;
  const reason =
    name === 'webgpu'
      ? await webgpuUnavailableReason()
      : name === 'webgl'
        ? webglUnavailableReason()
        : undefined;
  if (reason) return reason;
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tfjs could not initialise the ${name} backend`;
    await tf.ready();
    // A tiny op proves the backend really computes (some drivers initialise, then fail).
    const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const value = (await probe.data())[0];
    probe.dispose();
    if (value !== 3) return `the ${name} backend computed a wrong result`;
    return undefined;
  } catch (err) {
    return `the ${name} backend failed to start: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Activates the fastest backend that works, in `preference` order, and says why each
 * faster one was skipped. The CPU backend always works, so this never fails.
 */
export async function selectBackend(
  preference: readonly BackendName[] = BACKEND_PREFERENCE,
  /** Fault injection for tests and diagnosis: backends to treat as failing, with the reason. */
  simulatedFailures: Partial<Record<BackendName, string>> = {},
): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const name of preference) {
    const reason = await tryBackend(name, simulatedFailures[name]);
    if (!reason) return { active: name, skipped };
    skipped.push({ name, reason });
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { active: 'cpu', skipped };
}
