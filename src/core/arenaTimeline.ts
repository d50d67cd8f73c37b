/**
 * The tensor arena over time: what the memory planner placed where, and while which operators
 * it lives. Scope 0 is before the first operator (the model input is written); scope k + 1 is
 * operator k of the deployed order (core/tflmArena.ts). Pure data for the page's timeline and
 * the export report.
 */

/** One planned buffer (an activation tensor or a kernel's scratch buffer). */
export interface TimelineBuffer {
  readonly name: string;
  readonly kind: 'tensor' | 'scratch';
  /** Bytes requested, and after the planner's 16-byte rounding. */
  readonly bytes: number;
  readonly alignedBytes: number;
  /** Offset from the start of the planned region. */
  readonly offset: number;
  /** First and last scope it is live in (inclusive). */
  readonly firstUse: number;
  readonly lastUse: number;
}

export interface ArenaTimeline {
  /** Operator labels in execution order: scope k + 1 is operators[k]. */
  readonly operators: readonly string[];
  readonly buffers: readonly TimelineBuffer[];
  /** Highest end of any buffer: the planned region's size. */
  readonly plannedBytes: number;
  /** The scope (≥ 1) whose live buffers reach highest; 0 when there is no operator. */
  readonly peakScope: number;
  readonly peakOperator: string;
  /** Indices into `buffers` of those live at the peak scope, lowest offset first. */
  readonly peakBuffers: readonly number[];
  /** The live buffer that ends highest at the peak (what sets the planned size). */
  readonly topBuffer: number;
}

export const isLiveAt = (b: TimelineBuffer, scope: number): boolean =>
  b.firstUse <= scope && scope <= b.lastUse;

/** Indices of the buffers live in a scope, lowest offset first. */
export function liveBuffers(buffers: readonly TimelineBuffer[], scope: number): number[] {
  return buffers
    .map((b, i) => ({ b, i }))
    .filter(({ b }) => isLiveAt(b, scope))
    .sort((x, y) => x.b.offset - y.b.offset || x.i - y.i)
    .map(({ i }) => i);
}

/**
 * The timeline of a planned arena. The peak is the first operator at which the live buffers
 * reach highest, as the resource model names it; an input that is not a whole plan (a buffer
 * out of the operators' range, a negative offset) is refused with what is wrong.
 */
export function arenaTimeline(
  operators: readonly string[],
  buffers: readonly TimelineBuffer[],
): ArenaTimeline {
  const lastScope = operators.length;
  buffers.forEach((b) => {
    if (
      !(b.firstUse >= 0 && b.firstUse <= b.lastUse && b.lastUse <= lastScope) ||
      !(b.offset >= 0 && b.alignedBytes >= b.bytes && b.bytes >= 0)
    ) {
      throw new Error(
        `arena buffer "${b.name}" is not part of a plan for ${lastScope} operators ` +
          `(live ${b.firstUse}..${b.lastUse}, offset ${b.offset}, ${b.alignedBytes} B)`,
      );
    }
  });
  let peakScope = 0;
  let peakTop = -1;
  for (let scope = 1; scope <= lastScope; scope++) {
    let top = 0;
    for (const b of buffers) if (isLiveAt(b, scope)) top = Math.max(top, b.offset + b.alignedBytes);
    if (top > peakTop) {
      peakTop = top;
      peakScope = scope;
    }
  }
  const peakBuffers = peakScope > 0 ? liveBuffers(buffers, peakScope) : [];
  const topBuffer = peakBuffers.reduce(
    (best, i) =>
      best < 0 ||
      buffers[i].offset + buffers[i].alignedBytes >
        buffers[best].offset + buffers[best].alignedBytes
        ? i
        : best,
    -1,
  );
  return {
    operators,
    buffers,
    plannedBytes: buffers.reduce((m, b) => Math.max(m, b.offset + b.alignedBytes), 0),
    peakScope,
    peakOperator: peakScope > 0 ? operators[peakScope - 1] : '',
    peakBuffers,
    topBuffer,
  };
}

/** What a scope is called: "input" before the first operator, else the operator's label. */
export function scopeLabel(operators: readonly string[], scope: number): string {
  return scope === 0 ? 'input' : (operators[scope - 1] ?? `operator ${scope}`);
}
