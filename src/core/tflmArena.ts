/**
 * TensorFlow Lite Micro's tensor arena, modelled as TFLM builds it (tflite-micro 90b983c2,
 * 32-bit Cortex-M with CMSIS-NN kernels): the figure firmware should give its arena.
 *
 * The arena has two ends (micro_allocator.cc, SingleArenaBufferAllocator):
 * - the head holds the memory plan: every activation tensor and kernel scratch buffer, each
 *   rounded up to 16 bytes (MicroArenaBufferAlignment), placed by the GreedyMemoryPlanner
 *   (memory_planner/greedy_memory_planner.cc): buffers sorted by size, largest first (a
 *   bubble sort of the buffers in reverse order of addition, so equal sizes keep the later
 *   one first), each put at the lowest offset where it overlaps no placed buffer that is live
 *   at the same time. Lifetimes follow micro_allocation_info.cc: the model input lives from
 *   scope 0, operator k (0-based) is scope k + 1 for its inputs, outputs and scratch buffers,
 *   the model output lives to the last scope.
 * - the tail holds what lives as long as the interpreter (persistent allocations, see
 *   TFLM_PERSISTENT below).
 * While planning (CommitStaticMemoryPlan) the head also holds temporary data: the scratch
 * buffer requests, the AllocationInfo array and the planner's own arrays. On small models
 * that, not the plan, sets the smallest arena that works.
 *
 * Each constant below names the TFLM structure it stands for; the values were fitted to and
 * checked against arenas measured with TFLM itself (scripts/tflm/measured.json).
 */

/** A buffer the memory planner places. */
export interface PlannerBuffer {
  /** Bytes requested (before the 16-byte rounding). */
  readonly bytes: number;
  readonly firstUse: number;
  readonly lastUse: number;
}

export interface PlacedBuffer extends PlannerBuffer {
  /** Bytes after rounding up to the arena alignment. */
  readonly alignedBytes: number;
  /** Offset from the start of the planned (head) region. */
  readonly offset: number;
}

/** MicroArenaBufferAlignment(): every planned buffer and kernel allocation. */
export const TFLM_BUFFER_ALIGNMENT = 16;

export function alignUp(bytes: number, alignment: number): number {
  return Math.ceil(bytes / alignment) * alignment;
}

/**
 * GreedyMemoryPlanner::CalculateOffsetsIfNeeded, for buffers in the order they are added
 * (tensors by index in the file, then scratch buffers in request order).
 */
export function planGreedy(buffers: readonly PlannerBuffer[]): {
  placed: PlacedBuffer[];
  peakBytes: number;
} {
  const sizes = buffers.map((b) => alignUp(b.bytes, TFLM_BUFFER_ALIGNMENT));
  // Filled from the tail (so in reverse order of addition), then a stable descending sort.
  const order = buffers.map((_, i) => buffers.length - 1 - i);
  order.sort((a, b) => sizes[b] - sizes[a]);
  const offsets = new Array<number>(buffers.length).fill(0);
  // Placed buffers, kept sorted by offset (ties: earlier placed first, as the linked list).
  const byOffset: number[] = [];
  for (const id of order) {
    const { firstUse, lastUse } = buffers[id];
    let candidate = 0;
    for (const other of byOffset) {
      const o = buffers[other];
      if (o.firstUse > lastUse || firstUse > o.lastUse) continue;
      if (offsets[other] - candidate >= sizes[id]) break;
      candidate = Math.max(candidate, offsets[other] + sizes[other]);
    }
    offsets[id] = candidate;
    let at = byOffset.length;
    for (let k = 0; k < byOffset.length; k++) {
      if (offsets[byOffset[k]] > candidate) {
        at = k;
        break;
      }
    }
    byOffset.splice(at, 0, id);
  }
  const placed = buffers.map((b, i) => ({ ...b, alignedBytes: sizes[i], offset: offsets[i] }));
  const peakBytes = placed.reduce((m, b) => Math.max(m, b.offset + b.alignedBytes), 0);
  return { placed, peakBytes };
}

/** What the arena model needs of a deployed model at one integer width vector. */
export interface ArenaLayoutInput {
  /** Per deployed tensor: bytes (activations; the model input included). */
  readonly tensorBytes: ArrayLike<number>;
  readonly tensorIsInput: readonly boolean[];
  readonly tensorIsOutput: readonly boolean[];
  /** Operators in execution order: input tensors, output tensor, constant tensor count. */
  readonly operators: readonly {
    readonly inputs: readonly number[];
    readonly output: number;
    readonly constantTensors: number;
    /** Bytes of each scratch buffer the kernel requests, in request order. */
    readonly scratchBytes: readonly number[];
  }[];
}

export interface PlannedArenaBuffer extends PlacedBuffer {
  readonly kind: 'tensor' | 'scratch';
  /** Deployed tensor index, or the operator's position in the execution order. */
  readonly source: number;
}

/**
 * The buffers TFLM plans, in the order it adds them: activation tensors by their index in the
 * .tflite (the writer's order: the input, then per operator its constants and its output),
 * then the scratch buffers in request order.
 */
export function arenaBuffers(input: ArenaLayoutInput): {
  buffers: (PlannerBuffer & { kind: 'tensor' | 'scratch'; source: number })[];
  fileTensorCount: number;
} {
  const tensors: { tensor: number; first: number; last: number }[] = [];
  const lifetime = new Map<number, { first: number; last: number }>();
  const touch = (t: number, scope: number, creates: boolean): void => {
    const life = lifetime.get(t) ?? { first: -1, last: -1 };
    if (creates && life.first === -1) life.first = scope;
    life.last = scope;
    lifetime.set(t, life);
  };
  const fileOrder: number[] = [];
  input.tensorIsInput.forEach((isInput, t) => {
    if (!isInput) return;
    fileOrder.push(t);
    touch(t, 0, true);
  });
  let fileTensorCount = fileOrder.length;
  const scratch: (PlannerBuffer & { kind: 'scratch'; source: number })[] = [];
  input.operators.forEach((op, k) => {
    const scope = k + 1;
    fileTensorCount += op.constantTensors + 1;
    fileOrder.push(op.output);
    touch(op.output, scope, true);
    for (const t of op.inputs) touch(t, scope, false);
    touch(op.output, scope, false);
    for (const bytes of op.scratchBytes) {
      scratch.push({ kind: 'scratch', source: k, bytes, firstUse: scope, lastUse: scope });
    }
  });
  const lastScope = input.operators.length;
  input.tensorIsOutput.forEach((isOutput, t) => {
    if (isOutput) touch(t, lastScope, true);
  });
  for (const t of fileOrder) {
    const life = lifetime.get(t)!;
    tensors.push({ tensor: t, first: life.first, last: life.last });
  }
  const buffers = [
    ...tensors
      .filter(({ tensor }) => input.tensorBytes[tensor] > 0)
      .map(({ tensor, first, last }) => ({
        kind: 'tensor' as const,
        source: tensor,
        bytes: input.tensorBytes[tensor],
        firstUse: first,
        lastUse: last,
      })),
    ...scratch,
  ];
  return { buffers, fileTensorCount };
}
