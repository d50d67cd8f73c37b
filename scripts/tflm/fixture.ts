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

export interface TflmFixture {
  readonly measuredWith: string;
  readonly samples: number;
  readonly models: readonly TflmMeasurement[];
}
