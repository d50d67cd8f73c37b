/**
 * Operator order and live tensors for the tensor arena (METHOD.md §4, RAM).
 *
 * At each operator the live set is its inputs, its output and every tensor produced
 * earlier that an operator later in the order still reads (the model output stays live to
 * the end). The arena's activation part is the peak over operators of the live bytes plus
 * the operator's scratch buffer. For branching graphs the order matters: we search the
 * valid topological orders for the minimum peak (memoised over sets of executed
 * operators), and fall back to a greedy order when the search exceeds a state limit.
 */

export interface ArenaProblem {
  readonly operatorInputs: readonly (readonly number[])[];
  readonly operatorOutputs: readonly number[];
  /** Per operator, inputs whose buffer its output may take at their last use ([] = none). */
  readonly inPlaceCandidates: readonly (readonly number[])[];
  readonly tensorCount: number;
  /** Tensors present before the first operator (the model input, when it is counted). */
  readonly initialTensors: readonly number[];
  /** Tensors never counted in the arena (the model input in the uNAS convention). */
  readonly excludedTensors: readonly number[];
  /** Tensors that stay live to the end (the model output). */
  readonly finalTensors: readonly number[];
}

/** Costs at one width vector, used to compare orders. */
export interface ArenaCosts {
  readonly tensorBytes: ArrayLike<number>;
  readonly scratchBytes: ArrayLike<number>;
  /** Fixed bytes added per live buffer (alignment padding). */
  readonly perLiveTensorBytes: number;
}

export interface ArenaStep {
  readonly operator: number;
  /** Tensors occupying arena buffers while the operator runs. */
  readonly liveTensors: number[];
}

interface Topology {
  readonly consumers: number[][];
  readonly producer: Int32Array;
  readonly excluded: Uint8Array;
  readonly final: Uint8Array;
  readonly initial: Uint8Array;
}

function topologyOf(problem: ArenaProblem): Topology {
  const consumers: number[][] = Array.from({ length: problem.tensorCount }, () => []);
  problem.operatorInputs.forEach((inputs, op) => {
    for (const t of new Set(inputs)) consumers[t].push(op);
  });
  const producer = new Int32Array(problem.tensorCount).fill(-1);
  problem.operatorOutputs.forEach((t, op) => (producer[t] = op));
  const flag = (list: readonly number[]): Uint8Array => {
    const f = new Uint8Array(problem.tensorCount);
    for (const t of list) f[t] = 1;
    return f;
  };
  return {
    consumers,
    producer,
    excluded: flag(problem.excludedTensors),
    final: flag(problem.finalTensors),
    initial: flag(problem.initialTensors),
  };
}

/** The tensors that occupy the arena at each operator, for a given execution order. */
export function arenaSteps(problem: ArenaProblem, order: readonly number[]): ArenaStep[] {
  const topo = topologyOf(problem);
  const position = new Int32Array(order.length);
  order.forEach((op, k) => (position[op] = k));
  const lastUse = topo.consumers.map((ops) => Math.max(-1, ...ops.map((op) => position[op])));
  const producedAt = Array.from(topo.producer, (op) => (op < 0 ? -1 : position[op]));
  const steps: ArenaStep[] = [];
  order.forEach((op, k) => {
    const output = problem.operatorOutputs[op];
    const live: number[] = [];
    for (let t = 0; t < problem.tensorCount; t++) {
      if (topo.excluded[t] || t === output) continue;
      const available = producedAt[t] < k && (topo.producer[t] >= 0 || topo.initial[t] === 1);
      if (available && (lastUse[t] >= k || topo.final[t] === 1)) live.push(t);
    }
    const reused = problem.inPlaceCandidates[op].some(
      (t) => live.includes(t) && lastUse[t] === k && !topo.final[t] && !topo.initial[t],
    );
    if (!reused) live.push(output);
    steps.push({ operator: op, liveTensors: live });
  });
  return steps;
}

/** Live bytes (incl. scratch) at each step. */
export function stepBytes(steps: readonly ArenaStep[], costs: ArenaCosts): number[] {
  return steps.map((step) => {
    let bytes = costs.scratchBytes[step.operator];
    for (const t of step.liveTensors) bytes += costs.tensorBytes[t] + costs.perLiveTensorBytes;
    return bytes;
  });
}

export interface OrderSearchResult {
  readonly order: number[];
  /** True when the order is proven optimal (exhaustive memoised search completed). */
  readonly optimal: boolean;
  readonly peakBytes: number;
}

/** Mutable state of a walk through the operators. */
class Walk {
  readonly remainingReaders: Int32Array;
  readonly missingInputs: Int32Array;
  readonly available: Uint8Array;
  liveBytes = 0;

  constructor(
    private readonly problem: ArenaProblem,
    private readonly topo: Topology,
    private readonly costs: ArenaCosts,
  ) {
    this.remainingReaders = Int32Array.from(topo.consumers, (c) => c.length);
    this.missingInputs = Int32Array.from(problem.operatorInputs, (inputs) => new Set(inputs).size);
    this.available = new Uint8Array(problem.tensorCount);
    for (let t = 0; t < problem.tensorCount; t++) {
      if (topo.producer[t] < 0) this.makeAvailable(t);
    }
  }

  private bytesOf(t: number): number {
    return this.topo.excluded[t] ? 0 : this.costs.tensorBytes[t] + this.costs.perLiveTensorBytes;
  }

  private makeAvailable(t: number): void {
    this.available[t] = 1;
    for (const op of this.topo.consumers[t]) this.missingInputs[op]--;
    if (this.topo.consumers[t].length > 0 || this.topo.final[t]) this.liveBytes += this.bytesOf(t);
  }

  private makeUnavailable(t: number): void {
    this.available[t] = 0;
    for (const op of this.topo.consumers[t]) this.missingInputs[op]++;
    if (this.topo.consumers[t].length > 0 || this.topo.final[t]) this.liveBytes -= this.bytesOf(t);
  }

  /** Live bytes while `op` runs, given the operators executed so far. */
  stepCost(op: number): number {
    const output = this.problem.operatorOutputs[op];
    const reused = this.problem.inPlaceCandidates[op].some(
      (t) =>
        this.remainingReaders[t] === 1 &&
        !this.topo.final[t] &&
        !this.topo.initial[t] &&
        !this.topo.excluded[t],
    );
    return this.liveBytes + (reused ? 0 : this.bytesOf(output)) + this.costs.scratchBytes[op];
  }

  execute(op: number): void {
    for (const t of new Set(this.problem.operatorInputs[op])) {
      this.remainingReaders[t]--;
      if (this.remainingReaders[t] === 0 && !this.topo.final[t]) this.liveBytes -= this.bytesOf(t);
    }
    this.makeAvailable(this.problem.operatorOutputs[op]);
  }

  undo(op: number): void {
    this.makeUnavailable(this.problem.operatorOutputs[op]);
    for (const t of new Set(this.problem.operatorInputs[op])) {
      if (this.remainingReaders[t] === 0 && !this.topo.final[t]) this.liveBytes += this.bytesOf(t);
      this.remainingReaders[t]++;
    }
  }

  ready(done: Uint8Array): number[] {
    const ops: number[] = [];
    for (let op = 0; op < done.length; op++) {
      if (!done[op] && this.missingInputs[op] === 0) ops.push(op);
    }
    return ops;
  }
}

class SearchLimitReached extends Error {}

/**
 * Minimum-peak operator order. Exhaustive memoised search over sets of executed operators
 * (the live set depends only on that set), capped at `stateLimit` states; past the cap a
 * greedy order (smallest step first) is returned with optimal = false.
 */
export function findMinPeakOrder(
  problem: ArenaProblem,
  costs: ArenaCosts,
  stateLimit = 20_000,
): OrderSearchResult {
  const topo = topologyOf(problem);
  try {
    return exhaustiveOrder(problem, topo, costs, stateLimit);
  } catch (e) {
    if (!(e instanceof SearchLimitReached)) throw e;
    return greedyOrder(problem, topo, costs);
  }
}

function exhaustiveOrder(
  problem: ArenaProblem,
  topo: Topology,
  costs: ArenaCosts,
  stateLimit: number,
): OrderSearchResult {
  const n = problem.operatorOutputs.length;
  const walk = new Walk(problem, topo, costs);
  const done = new Uint8Array(n);
  const memo = new Map<bigint, { peak: number; next: number }>();
  const bits = Array.from({ length: n }, (_, i) => 1n << BigInt(i));

  const best = (key: bigint, executed: number): number => {
    if (executed === n) return 0;
    const known = memo.get(key);
    if (known !== undefined) return known.peak;
    if (memo.size >= stateLimit) throw new SearchLimitReached();
    let bestPeak = Infinity;
    let bestNext = -1;
    for (const op of walk.ready(done)) {
      const step = walk.stepCost(op);
      if (step >= bestPeak) continue;
      walk.execute(op);
      done[op] = 1;
      const rest = best(key | bits[op], executed + 1);
      done[op] = 0;
      walk.undo(op);
      const peak = Math.max(step, rest);
      if (peak < bestPeak) {
        bestPeak = peak;
        bestNext = op;
      }
    }
    memo.set(key, { peak: bestPeak, next: bestNext });
    return bestPeak;
  };

  const peakBytes = best(0n, 0);
  const order: number[] = [];
  let key = 0n;
  while (order.length < n) {
    const next = memo.get(key)!.next;
    order.push(next);
    key |= bits[next];
  }
  return { order, optimal: true, peakBytes };
}

function greedyOrder(problem: ArenaProblem, topo: Topology, costs: ArenaCosts): OrderSearchResult {
  const n = problem.operatorOutputs.length;
  const walk = new Walk(problem, topo, costs);
  const done = new Uint8Array(n);
  const order: number[] = [];
  let peakBytes = 0;
  while (order.length < n) {
    let chosen = -1;
    let chosenStep = Infinity;
    let chosenAfter = Infinity;
    for (const op of walk.ready(done)) {
      const step = walk.stepCost(op);
      walk.execute(op);
      const after = walk.liveBytes;
      walk.undo(op);
      if (step < chosenStep || (step === chosenStep && after < chosenAfter)) {
        chosen = op;
        chosenStep = step;
        chosenAfter = after;
      }
    }
    peakBytes = Math.max(peakBytes, chosenStep);
    walk.execute(chosen);
    done[chosen] = 1;
    order.push(chosen);
  }
  return { order, optimal: false, peakBytes };
}

/** True when the operators admit exactly one topological order (a chain). */
export function hasSingleOrder(problem: ArenaProblem): boolean {
  const topo = topologyOf(problem);
  const costs: ArenaCosts = {
    tensorBytes: new Float64Array(problem.tensorCount),
    scratchBytes: new Float64Array(problem.operatorOutputs.length),
    perLiveTensorBytes: 0,
  };
  const walk = new Walk(problem, topo, costs);
  const done = new Uint8Array(problem.operatorOutputs.length);
  for (let k = 0; k < done.length; k++) {
    const ready = walk.ready(done);
    if (ready.length !== 1) return false;
    walk.execute(ready[0]);
    done[ready[0]] = 1;
  }
  return true;
}
