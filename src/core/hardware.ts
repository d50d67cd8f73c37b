/**
 * Microcontroller cores and boards: the latency constants per core family and the board
 * presets that fill the budget sliders.
 *
 * Latency model (METHOD.md §4, the project's own; uNAS counts MACs only):
 *   cycles = Σ_ops MACs_op · cyclesPerMac(class, core) + work_op · elementwiseCyclesPerElement
 *            + operatorOverheadCycles
 *   ms = cycles / (clockMHz · 1000)
 * These are int8 TFLite Micro + optimised-kernel (CMSIS-NN / ESP-NN) estimates; memory
 * wait states, caches and flash accelerators are not modelled. Where no precise public
 * figure was found, the comment says how the number was derived. Calibrate on hardware.
 */
import type { ResourceFigures } from './resources';

export type CoreFamily =
  'cortex-m0plus' | 'cortex-m4' | 'cortex-m7' | 'cortex-m33' | 'cortex-m55' | 'xtensa-lx7';

export interface CoreTiming {
  readonly family: CoreFamily;
  readonly name: string;
  readonly convCyclesPerMac: number;
  readonly depthwiseCyclesPerMac: number;
  readonly denseCyclesPerMac: number;
  /** Per window element (the MACs of METHOD §4 for pooling and MEAN). */
  readonly poolCyclesPerMac: number;
  /** Per element and extra input of an ADD (requantise both inputs, add, requantise). */
  readonly addCyclesPerMac: number;
  /** Per output element of RELU, RESHAPE copy, CONCATENATION, SOFTMAX, MUL/ADD of a BN. */
  readonly elementwiseCyclesPerElement: number;
  /** Interpreter dispatch plus kernel set-up per operator invocation. */
  readonly operatorOverheadCycles: number;
}

/*
 * Anchors used below.
 * [A] CMSIS-NN paper: L. Lai, N. Suda, V. Chandra, "CMSIS-NN: Efficient Neural Network
 *     Kernels for Arm Cortex-M CPUs", arXiv:1801.06601 (2018). CIFAR-10 CNN on an
 *     STM32F746 (Cortex-M7, 216 MHz). Its three 5×5 conv layers hold ≈12.3 M MACs
 *     (2.46 M + 6.55 M + 3.28 M, our count from the layer table); the reported ≈99 ms per
 *     image (≈10 images/s) gives 21.4 M cycles / 12.3 M MACs ≈ 1.7 cycles/MAC overall.
 *     (Re-check the figure in the paper's results table before tightening the constant.)
 * [B] Arm's published CoreMark/MHz: Cortex-M0+ 2.46, M4 3.42, M7 5.01, M33 4.02
 *     (developer.arm.com processor pages). Used to scale [A] to cores without a direct
 *     NN measurement, for cores that share the same DSP (SMLAD) kernel path.
 * [C] ESP-NN README (github.com/espressif/esp-nn, "Kernelwise performance for s8
 *     versions", ESP32-S3 at 240 MHz, ticks per kernel call): 1×1 conv 10×10×64→64:
 *     428,675 ticks for 409,600 MACs (1.05/MAC); 1×1 conv 8×8×16→16: 32,433 ticks for
 *     16,384 MACs (1.98/MAC); depthwise 3×3 18×18×16 valid: 203,278 ticks for 36,864 MACs
 *     (5.5/MAC); max pool 3×3 16×16×16: 76,747 ticks for 28,224 window elements (2.7);
 *     avg pool: 160,580 (5.7); elementwise add of 1,615 elements: 87,119 ticks (54/element,
 *     operands in external PSRAM); relu6 of 1,615 elements: 2,734 ticks (1.7/element);
 *     fully connected 265×3: 9,547 ticks (12/MAC, dominated by call overhead).
 * [D] Arm Cortex-M55 launch material (Feb 2020): Helium gives "up to 15×" ML performance
 *     over previous Cortex-M cores; Helium executes int8 VMLADAV at 8 MACs/cycle peak
 *     (dual-beat 128-bit vectors).
 * [E] Cortex-M0+ Technical Reference Manual instruction timings (LDRB 2 cycles, MULS
 *     1 cycle with the fast multiplier the RP2040 has, ADDS 1, taken branch 2): with no DSP
 *     extension an int8 MAC costs two byte loads, a multiply, an add and loop overhead.
 * Operator overhead: TFLM's MicroInterpreter::Invoke dispatch plus CMSIS-NN wrapper set-up
 * (building dims/params structs) is a few hundred to ~2,000 cycles; we use 1,000 on
 * Cortex-M and scale by [B] for M0+. Not measured: calibrate with the TFLM profiler.
 */
export const CORE_TIMINGS: Readonly<Record<CoreFamily, CoreTiming>> = {
  'cortex-m7': {
    family: 'cortex-m7',
    name: 'Arm Cortex-M7',
    convCyclesPerMac: 1.7, // [A]
    depthwiseCyclesPerMac: 3.4, // [A] × 2: depthwise reuses each input once per tap; [C] shows ≈3–5× conv on LX7, CMSIS-NN's 3×3 kernel narrows it
    denseCyclesPerMac: 1.5, // [A]-derived: weight-streaming dot product, no im2col
    poolCyclesPerMac: 1.0, // derived: SIMD compare/add of 4 int8 lanes + loads, ≈ [C] ratio pool/conv
    addCyclesPerMac: 6, // derived: per element two requantisations (2 multiplies + shifts) + clamp
    elementwiseCyclesPerElement: 1, // derived: memcpy/SIMD clamp ≈ 1 cycle per byte
    operatorOverheadCycles: 1000,
  },
  'cortex-m4': {
    family: 'cortex-m4',
    name: 'Arm Cortex-M4(F)',
    convCyclesPerMac: 2.5, // [A] × 5.01/3.42 [B] (no dual issue)
    depthwiseCyclesPerMac: 5.0, // same ratio to conv as on M7
    denseCyclesPerMac: 2.2, // [A]-derived × [B]
    poolCyclesPerMac: 1.5, // M7 value × [B]
    addCyclesPerMac: 9, // M7 value × [B]
    elementwiseCyclesPerElement: 1.5, // M7 value × [B]
    operatorOverheadCycles: 1000,
  },
  'cortex-m33': {
    family: 'cortex-m33',
    name: 'Arm Cortex-M33',
    convCyclesPerMac: 2.1, // [A] × 5.01/4.02 [B]; M33 has the same DSP extension
    depthwiseCyclesPerMac: 4.2,
    denseCyclesPerMac: 1.9,
    poolCyclesPerMac: 1.25,
    addCyclesPerMac: 7.5,
    elementwiseCyclesPerElement: 1.25,
    operatorOverheadCycles: 1000,
  },
  'cortex-m55': {
    family: 'cortex-m55',
    name: 'Arm Cortex-M55 (Helium)',
    convCyclesPerMac: 0.45, // [D]: 8 MACs/cycle peak at ≈30 % efficiency; ≈4× M7 per cycle
    depthwiseCyclesPerMac: 0.9,
    denseCyclesPerMac: 0.4,
    poolCyclesPerMac: 0.3,
    addCyclesPerMac: 2,
    elementwiseCyclesPerElement: 0.3,
    operatorOverheadCycles: 1000,
  },
  'cortex-m0plus': {
    family: 'cortex-m0plus',
    name: 'Arm Cortex-M0+',
    convCyclesPerMac: 7, // [E]: 2×LDRB (4) + MULS (1) + ADDS (1) + amortised loop (≈1)
    depthwiseCyclesPerMac: 9, // [E] plus per-tap address arithmetic
    denseCyclesPerMac: 7, // [E]
    poolCyclesPerMac: 4, // [E]: load, compare/add, loop
    addCyclesPerMac: 25, // [E]: two 32-bit requantisations in software (no SMULL → 64-bit via 4 MULS)
    elementwiseCyclesPerElement: 3, // [E]: load, clamp, store
    operatorOverheadCycles: 2000, // 1,000 × 5.01/2.46 [B], rounded
  },
  'xtensa-lx7': {
    family: 'xtensa-lx7',
    name: 'Xtensa LX7 (ESP32-S3, ESP-NN)',
    convCyclesPerMac: 1.5, // [C]: 1.05–1.98 for 1×1 kernels; larger C_in is nearer 1
    depthwiseCyclesPerMac: 5.5, // [C]
    denseCyclesPerMac: 2.0, // [C]-derived: the 265×3 case is overhead-bound; large FC ≈ 1×1 conv
    poolCyclesPerMac: 4.2, // [C]: mean of max (2.7) and avg (5.7) pooling
    addCyclesPerMac: 54, // [C], operands in external PSRAM; internal SRAM will be faster
    elementwiseCyclesPerElement: 1.7, // [C] relu6
    operatorOverheadCycles: 1500, // derived: [C] FC call ≈ 9.5 k ticks for 795 MACs suggests ≥ 1 k
  },
};

export interface BoardProfile {
  readonly id: string;
  readonly name: string;
  readonly core: CoreFamily;
  readonly clockMHz: number;
  readonly flashBytes: number;
  readonly ramBytes: number;
  /** Estimated flash taken by the TFLite Micro interpreter + kernels + app (user-editable). */
  readonly runtimeFlashBytes: number;
  /** Estimated SRAM taken outside the arena: stack, heap, runtime globals (user-editable). */
  readonly runtimeRamBytes: number;
}

const KiB = 1024;
const MiB = 1024 * 1024;

export const CUSTOM_BOARD_ID = 'custom';

const NUCLEO_F412ZG: BoardProfile = {
  id: 'nucleo-f412zg',
  name: 'NUCLEO-F412ZG',
  core: 'cortex-m4',
  clockMHz: 100,
  flashBytes: 1 * MiB,
  ramBytes: 256 * KiB,
  runtimeFlashBytes: 150 * KiB,
  runtimeRamBytes: 16 * KiB,
};

/*
 * Runtime estimates: a TFLM application with the operators used here and CMSIS-NN kernels
 * is typically 100–200 KB of code on Cortex-M (TFLM's own size reports for its examples
 * are in this range; the TinyEngine paper, Lin et al. NeurIPS 2020, reports interpreter
 * overheads of this order). We use 150 KB on Arm, 250 KB on ESP32-S3 (ESP-IDF + FreeRTOS +
 * ESP-NN), 16 KB of RAM for stack/globals (32 KB on ESP32-S3, whose IDF reserves more).
 * Derived, not measured: edit per project.
 */
export const BOARDS: readonly BoardProfile[] = [
  {
    id: 'stm32f746g-disco',
    name: 'STM32F746G-DISCO',
    core: 'cortex-m7',
    clockMHz: 216,
    flashBytes: 1 * MiB,
    ramBytes: 320 * KiB,
    runtimeFlashBytes: 150 * KiB,
    runtimeRamBytes: 16 * KiB,
  },
  NUCLEO_F412ZG,
  {
    id: 'nucleo-h743zi',
    name: 'NUCLEO-H743ZI',
    core: 'cortex-m7',
    clockMHz: 480,
    flashBytes: 2 * MiB,
    ramBytes: 1 * MiB,
    runtimeFlashBytes: 150 * KiB,
    runtimeRamBytes: 16 * KiB,
  },
  {
    id: 'arduino-nano-33-ble-sense',
    name: 'Arduino Nano 33 BLE Sense (nRF52840)',
    core: 'cortex-m4',
    clockMHz: 64,
    flashBytes: 1 * MiB,
    ramBytes: 256 * KiB,
    // Arduino's mbed-os core adds to the TFLM runtime.
    runtimeFlashBytes: 200 * KiB,
    runtimeRamBytes: 48 * KiB,
  },
  {
    id: 'raspberry-pi-pico',
    name: 'Raspberry Pi Pico (RP2040)',
    core: 'cortex-m0plus',
    clockMHz: 133,
    flashBytes: 2 * MiB,
    ramBytes: 264 * KiB,
    runtimeFlashBytes: 120 * KiB,
    runtimeRamBytes: 16 * KiB,
  },
  {
    id: 'esp32-s3',
    name: 'ESP32-S3 (8 MB flash module)',
    core: 'xtensa-lx7',
    clockMHz: 240,
    flashBytes: 8 * MiB,
    ramBytes: 512 * KiB,
    runtimeFlashBytes: 250 * KiB,
    runtimeRamBytes: 32 * KiB,
  },
  // A custom board starts from the F412ZG's figures; the board form edits them.
  { ...NUCLEO_F412ZG, id: CUSTOM_BOARD_ID, name: 'Custom board' },
];

/** Every core family the latency model knows, in the order the board form lists them. */
export const CORE_FAMILIES: readonly CoreFamily[] = [
  'cortex-m0plus',
  'cortex-m4',
  'cortex-m33',
  'cortex-m7',
  'cortex-m55',
  'xtensa-lx7',
];

/**
 * What a user-defined board may say: wide enough for any part TFLite Micro runs on (a few KB of
 * SRAM up to external PSRAM and flash), narrow enough that a typo (a clock of 0, 10 GB of RAM)
 * is caught. Byte fields are whole bytes.
 */
export const CUSTOM_BOARD_LIMITS = {
  nameLength: 40,
  clockMHz: { min: 1, max: 2000 },
  flashBytes: { min: 16 * KiB, max: 64 * MiB },
  ramBytes: { min: 2 * KiB, max: 64 * MiB },
  runtimeFlashBytes: { min: 0, max: 64 * MiB },
  runtimeRamBytes: { min: 0, max: 64 * MiB },
} as const;

export type BoardField = Exclude<keyof BoardProfile, 'id'>;

const FIELD_NAMES: Record<BoardField, string> = {
  name: 'Name',
  core: 'Core',
  clockMHz: 'Clock',
  flashBytes: 'Flash',
  ramBytes: 'RAM',
  runtimeFlashBytes: "Runtime's flash",
  runtimeRamBytes: "Runtime's RAM",
};

const kb = (bytes: number) => `${Number((bytes / KiB).toFixed(2))} KB`;

/**
 * What is wrong with a custom board, one sentence per field (empty: the board is usable).
 * Byte figures are said in KB (1024 bytes), as the board form asks for them.
 */
export function customBoardProblems(
  board: Omit<BoardProfile, 'id'>,
): Partial<Record<BoardField, string>> {
  const problems: Partial<Record<BoardField, string>> = {};
  const name = typeof board.name === 'string' ? board.name.trim() : '';
  if (name.length === 0) problems.name = 'Name must not be empty.';
  else if (name.length > CUSTOM_BOARD_LIMITS.nameLength) {
    problems.name = `Name must be at most ${CUSTOM_BOARD_LIMITS.nameLength} characters (got ${name.length}).`;
  }
  if (!CORE_FAMILIES.includes(board.core)) {
    problems.core = `Core must be one of ${CORE_FAMILIES.map((f) => CORE_TIMINGS[f].name).join(', ')}.`;
  }
  const range = (field: Exclude<BoardField, 'name' | 'core'>, show: (v: number) => string) => {
    const value = board[field];
    const { min, max } = CUSTOM_BOARD_LIMITS[field];
    const whole = field !== 'clockMHz';
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems[field] = `${FIELD_NAMES[field]} must be a number.`;
    } else if (whole && !Number.isInteger(value)) {
      problems[field] = `${FIELD_NAMES[field]} must be a whole number of bytes (got ${value}).`;
    } else if (value < min || value > max) {
      problems[field] =
        `${FIELD_NAMES[field]} must be between ${show(min)} and ${show(max)} (got ${show(value)}).`;
    }
  };
  range('clockMHz', (v) => `${v} MHz`);
  range('flashBytes', kb);
  range('ramBytes', kb);
  range('runtimeFlashBytes', kb);
  range('runtimeRamBytes', kb);
  if (!problems.flashBytes && !problems.runtimeFlashBytes) {
    if (board.runtimeFlashBytes >= board.flashBytes) {
      problems.runtimeFlashBytes = `${FIELD_NAMES.runtimeFlashBytes} (${kb(board.runtimeFlashBytes)}) must be less than the board's flash (${kb(board.flashBytes)}): nothing would be left for the model.`;
    }
  }
  if (!problems.ramBytes && !problems.runtimeRamBytes) {
    if (board.runtimeRamBytes >= board.ramBytes) {
      problems.runtimeRamBytes = `${FIELD_NAMES.runtimeRamBytes} (${kb(board.runtimeRamBytes)}) must be less than the board's RAM (${kb(board.ramBytes)}): nothing would be left for the tensor arena.`;
    }
  }
  return problems;
}

/** The preset a new custom board starts from. */
export function defaultCustomBoard(): BoardProfile {
  return boardById(CUSTOM_BOARD_ID);
}

/**
 * The board a run uses: a preset by id, or the run's own custom board. A custom board that
 * fails its checks is refused with the reasons (it may come from an old or edited record).
 */
export function runBoard(config: { boardId: string; customBoard?: BoardProfile }): BoardProfile {
  if (config.boardId !== CUSTOM_BOARD_ID || config.customBoard === undefined) {
    return boardById(config.boardId);
  }
  const problems = Object.values(customBoardProblems(config.customBoard));
  if (problems.length > 0) throw new Error(`The custom board is not valid: ${problems.join(' ')}`);
  return { ...config.customBoard, id: CUSTOM_BOARD_ID, name: config.customBoard.name.trim() };
}

export function boardById(id: string): BoardProfile {
  const board = BOARDS.find((b) => b.id === id);
  if (board === undefined) throw new Error(`unknown board "${id}"`);
  return board;
}

/** Budgets a board preset puts on the sliders: what is left for the model and its arena. */
export function boardBudgets(board: BoardProfile): Pick<ResourceFigures, 'flash' | 'ram'> {
  return {
    flash: board.flashBytes - board.runtimeFlashBytes,
    ram: board.ramBytes - board.runtimeRamBytes,
  };
}
