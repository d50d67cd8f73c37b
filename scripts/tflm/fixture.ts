/** Shape of scripts/tflm/measured.json, written by `npm run verify:tflm`. */
export interface TflmMeasurement {
  readonly name: string;
  /** Of the measured .tflite: the tests re-export and compare before trusting the figures. */
  readonly sha256: string;
  readonly fileBytes: number;
  /** Cortex-M4 + CMSIS-NN: MicroInterpreter::arena_used_bytes after AllocateTensors. */
  readonly arenaUsedBytes: number;
  /** Smallest arena with which AllocateTensors and Invoke work (1-byte search). */
  readonly smallestArenaBytes: number;
  readonly headBytes: number;
  readonly tailBytes: number;
  readonly plannedActivationBytes: number;
  readonly plannedBuffers: number;
  readonly hostArenaUsedBytes: number;
  /** TFLM's RecordingMicroAllocator account per allocation type (M4). */
  readonly recorded: Readonly<
    Record<string, { readonly used: number; readonly requested: number; readonly count: number }>
  >;
  /** int8 outputs of every sample, base64. */
  readonly outputs: string;
  /** Every non-constant tensor of sample 0 by tensor index, base64. */
  readonly tensors: Readonly<Record<string, string>>;
}

/** The generated C module compiled with its example main.cc against TFLM and run. */
export interface ModuleRun {
  readonly compiled: boolean;
  /** 0: it printed the class the studio expects; 2: another class; else a failure. */
  readonly exitCode: number | null;
  readonly printed: string;
}

export interface ModuleCheck {
  readonly name: string;
  readonly expectedClass: number;
  /** x86-64 host library (reference kernels), arena + MODEL_HOST_ARENA_EXTRA. */
  readonly host: ModuleRun;
  /** Cortex-M4 + CMSIS-NN in qemu with exactly kTensorArenaSize (when the toolchain is there). */
  readonly m4?: ModuleRun;
}

export interface TflmFixture {
  readonly measuredWith: string;
  readonly samples: number;
  readonly models: readonly TflmMeasurement[];
  readonly modules: readonly ModuleCheck[];
}
