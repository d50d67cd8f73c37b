// Optional helper threads for the convolutions. Needs SharedArrayBuffer, i.e. a cross-origin
// isolated page (COOP same-origin + COEP require-corp) or Node.
//
// Every thread instantiates train-kernels-shared.wasm on one shared WebAssembly.Memory. The
// calling thread copies the helpers' inputs into it (KernelHeap.runSplit), gives each helper a
// part of the batch through a control block in that memory (Atomics.wait / notify, no messages
// per call), runs its own part meanwhile (in place on tfjs's heap, or in the shared memory) and
// waits for the others. Helpers block in Atomics.wait, so they must be workers.
import type { TrainKernelExports } from './kernelHeap';

/** Exports a helper may be asked to run (index = job code). */
export const THREAD_JOBS = [
  'conv2dBackpropFilter',
  'conv2dBackpropInput',
  'depthwiseBackpropFilter',
  'depthwiseBackpropInput',
  'conv2dForward',
] as const;
export type ThreadJob = (typeof THREAD_JOBS)[number];

/** Control block per helper, in i32 slots: [state, job, argc, args…, failed]. */
const CONTROL_SLOTS = 32;
/** Slot a helper sets to 1 when its job threw (it still goes back to IDLE, so nobody hangs). */
const FAILED = CONTROL_SLOTS - 1;
const CONTROL_BYTES = CONTROL_SLOTS * 4;
const IDLE = 0;
const BUSY = 1;
const EXIT = 2;

/** What a helper receives once. */
export interface KernelThreadSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of this helper's control block. */
  control: number;
}

/** The helper's side, written so it can also run as an eval'd Node worker (see NODE_HELPER_SOURCE). */
export function runKernelThread(setup: KernelThreadSetup, ready: () => void): void {
  const kernels = new WebAssembly.Instance(setup.module, { env: { memory: setup.memory } })
    .exports as unknown as Record<string, (...args: number[]) => void>;
  const control = new Int32Array(setup.memory.buffer, setup.control, CONTROL_SLOTS);
  ready();
  for (;;) {
    Atomics.wait(control, 0, IDLE);
    const state = Atomics.load(control, 0);
    if (state === EXIT) return;
    if (state !== BUSY) continue;
    const args = Array.from(control.subarray(3, 3 + control[2]));
    try {
      kernels[THREAD_JOBS[control[1]]](...args);
    } catch {
      control[FAILED] = 1;
    }
    Atomics.store(control, 0, IDLE);
    Atomics.notify(control, 0);
  }
}

/** The same loop as plain JavaScript for Node's `new Worker(source, { eval: true })`. */
export const NODE_HELPER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const jobs = ${JSON.stringify(THREAD_JOBS)};
parentPort.once('message', ({ module, memory, control: at }) => {
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const control = new Int32Array(memory.buffer, at, ${CONTROL_SLOTS});
  parentPort.postMessage('ready');
  for (;;) {
    Atomics.wait(control, 0, ${IDLE});
    const state = Atomics.load(control, 0);
    if (state === ${EXIT}) break;
    if (state !== ${BUSY}) continue;
    try {
      kernels[jobs[control[1]]](...control.subarray(3, 3 + control[2]));
    } catch {
      control[${FAILED}] = 1;
    }
    Atomics.store(control, 0, ${IDLE});
    Atomics.notify(control, 0);
  }
  parentPort.close();
});
`;

/** A started helper: how to send its setup, learn it is ready, and stop it. */
export interface HelperHandle {
  start(setup: KernelThreadSetup): Promise<void>;
  terminate(): void;
}

export interface ThreadCall {
  job: ThreadJob;
  args: number[];
}

const PAGE_BYTES = 65536;

export class KernelThreadPool {
  readonly memory: WebAssembly.Memory;
  readonly kernels: TrainKernelExports;
  private readonly controls: Int32Array[];
  private disposed = false;

  private constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly helpers: HelperHandle[],
  ) {
    this.memory = memory;
    this.kernels = new WebAssembly.Instance(module, { env: { memory } })
      .exports as unknown as TrainKernelExports;
    this.controls = helpers.map(
      (_, i) => new Int32Array(memory.buffer, i * CONTROL_BYTES, CONTROL_SLOTS),
    );
  }

  /** Threads that work on a call: the caller plus the helpers. */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /** First byte free for data (after the control blocks). */
  get dataStart(): number {
    return Math.ceil((this.helpers.length * CONTROL_BYTES) / 64) * 64 + 64;
  }

  /**
   * Starts `threads − 1` helpers with `spawn` on a shared memory (max `maximumPages`).
   * Rejects if SharedArrayBuffer is unavailable or a helper does not start.
   */
  static async start(
    sharedModule: WebAssembly.Module,
    threads: number,
    spawn: () => HelperHandle,
    maximumPages = 16384,
  ): Promise<KernelThreadPool> {
    if (typeof SharedArrayBuffer === 'undefined') {
      throw new Error('kernel threads need SharedArrayBuffer (a cross-origin isolated page)');
    }
    const memory = new WebAssembly.Memory({ initial: 64, maximum: maximumPages, shared: true });
    const helpers: HelperHandle[] = [];
    try {
      for (let i = 0; i < threads - 1; i++) helpers.push(spawn());
      await Promise.all(
        helpers.map((h, i) =>
          h.start({ module: sharedModule, memory, control: i * CONTROL_BYTES }),
        ),
      );
    } catch (error) {
      helpers.forEach((h) => h.terminate());
      throw error;
    }
    return new KernelThreadPool(sharedModule, memory, helpers);
  }

  /** Grows the shared memory to hold at least `bytes`. */
  ensureBytes(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
  }

  /** Runs calls[0] here and calls[1…] on helpers, and returns when all are done. */
  run(calls: ThreadCall[]): void {
    const [own, ...others] = calls;
    this.runAlongside(others, () =>
      (this.kernels[own.job] as (...args: number[]) => void)(...own.args),
    );
  }

  /**
   * Starts calls[i] on helper i, runs `own` on this thread meanwhile (it may work on another
   * memory, e.g. tfjs's heap), and returns when all are done.
   */
  runAlongside(calls: ThreadCall[], own: () => void): void {
    if (this.disposed) throw new Error('kernel thread pool was disposed');
    if (calls.length > this.helpers.length) throw new Error('more parts than threads');
    for (let i = 0; i < calls.length; i++) {
      const control = this.controls[i];
      const { job, args } = calls[i];
      control[1] = THREAD_JOBS.indexOf(job);
      control[2] = args.length;
      control.set(args, 3);
      control[FAILED] = 0;
      Atomics.store(control, 0, BUSY);
      Atomics.notify(control, 0);
    }
    let failure: unknown;
    try {
      own();
    } catch (error) {
      failure = error;
    }
    let helperFailed = false;
    for (let i = 0; i < calls.length; i++) {
      const control = this.controls[i];
      while (Atomics.load(control, 0) === BUSY) Atomics.wait(control, 0, BUSY);
      helperFailed ||= control[FAILED] === 1;
    }
    if (failure) throw failure;
    if (helperFailed) throw new Error(`a kernel thread failed in ${calls[0].job}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const control of this.controls) {
      Atomics.store(control, 0, EXIT);
      Atomics.notify(control, 0);
    }
    this.helpers.forEach((h) => h.terminate());
  }
}
