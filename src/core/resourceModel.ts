/**
 * The MCU resource model (METHOD.md §4): flash, RAM (tensor arena), MACs and latency of
 * the deployed int8 network as closed-form functions of the per-group channel widths c_g,
 * with analytic gradients.
 *
 * Widths: one entry per channel group (AnalysedGraph.groups order), continuous or integer;
 * entries of non-prunable groups are ignored (their full size is used) and their gradient
 * is 0.
 *
 * Speed: the graph is lowered and compiled once (createResourceModel); an evaluation is a
 * pass over a few typed arrays. The RAM-optimal operator order depends on the widths: it
 * is searched at the widths rounded to integers and cached per rounded width vector (a
 * graph with a single valid order skips the search). The RAM value and gradient are then
 * exact for that order at the given continuous widths.
 */
import type { ResourceFigures, ResourceName } from './resources';
import type { AnalysedGraph } from './graphAnalysis';
import {
  deployGraph,
  type CostClass,
  type DeployedModel,
  type DeployedOperator,
  type DeployedTensor,
  type ResourceConvention,
  type TfliteOperatorKind,
} from './deployment';
import { BOARDS, CORE_TIMINGS, type BoardProfile, type CoreTiming } from './hardware';
import {
  CompiledPolynomials,
  term,
  constantForm,
  type CostPolynomial,
  type ProductTerm,
} from './linearForms';
import {
  arenaSteps,
  findMinPeakOrder,
  hasSingleOrder,
  stepBytes,
  type ArenaProblem,
  type ArenaStep,
} from './arenaSchedule';
import {
  CONVENTION_RULES,
  TFLITE_FLASH_OVERHEAD,
  TFLM_ARENA,
  flatbufferStringBytes,
  type ConventionRules,
  type FlashOverheadConstants,
  type TflmArenaConstants,
} from './resourceConstants';
import {
  TFLM_BUFFER_ALIGNMENT,
  alignUp,
  arenaBuffers,
  planGreedy,
  type PlannedArenaBuffer,
} from './tflmArena';

export interface ResourceOptions {
  /** 'tflm' (default): int8 TFLite Micro; 'unas': the uNAS resource model's conventions. */
  readonly convention?: ResourceConvention;
  /** Board for latency (core constants and clock). Default: STM32F746G-DISCO. */
  readonly board?: BoardProfile;
  /** An ADD may write into an input of the same shape at that input's last use. Default false. */
  readonly inPlaceAdd?: boolean;
  /** A RESHAPE output may share its input's buffer. Default: true in 'unas', false in 'tflm'. */
  readonly inPlaceReshape?: boolean;
  /** Count the model input in the arena. Default: true in 'tflm', false in 'unas'. */
  readonly countInputInRam?: boolean;
  readonly flashOverhead?: Partial<FlashOverheadConstants>;
  readonly arena?: Partial<TflmArenaConstants>;
  /** Memoised order-search states before falling back to a greedy order. Default 20,000. */
  readonly orderSearchStateLimit?: number;
}

export type { ResourceFigures };

/** d(figure)/dc_g per group (0 for non-prunable groups), per resource. */
export type ResourceGradients = Readonly<Record<ResourceName, Float64Array>>;

export interface OperatorCost {
  readonly index: number;
  readonly kind: TfliteOperatorKind;
  readonly label: string;
  readonly nodes: string[];
  /** Constant data + flatbuffer overhead of the operator and its output tensor. */
  readonly flashBytes: number;
  readonly macs: number;
  readonly latencyMs: number;
  /** Activation bytes in the arena while it runs (live tensors, scratch, alignment). */
  readonly liveBytes: number;
  readonly scratchBytes: number;
  readonly outputBytes: number;
}

export interface ResourceReport extends ResourceFigures {
  readonly convention: ResourceConvention;
  readonly board: BoardProfile;
  /** Operators in execution order. */
  readonly operators: OperatorCost[];
  /** Operator labels in the RAM-optimal execution order (the exporter's order). */
  readonly executionOrder: string[];
  /** False when the order search hit its limit and a greedy order was used. */
  readonly orderIsOptimal: boolean;
  /** Flash not attributed to one operator: model tables, operator codes, input tensor. */
  readonly modelOverheadFlashBytes: number;
  /** Arena bytes held for the whole run (TFLM's persistent tail). */
  readonly persistentArenaBytes: number;
  /** The planned activation region (TFLM's head; the live-set peak in 'unas'). */
  readonly peakActivationBytes: number;
  /** TFLite Micro's arena as its allocator lays it out ('tflm' only). */
  readonly arena?: TflmArenaLayout;
  readonly peakOperator: string;
  readonly largestFlashOperator: string;
  readonly slowestOperator: string;
  /** Shown separately, not included in flashBytes / ramBytes. */
  readonly runtimeFlashBytes: number;
  readonly runtimeRamBytes: number;
}

/** The tensor arena TFLite Micro builds for the model (core/tflmArena.ts). */
export interface TflmArenaLayout {
  /** The figure to size the firmware's arena from (ramBytes): smallest that works + margin. */
  readonly arenaBytes: number;
  /** arena_used_bytes TFLM reports after AllocateTensors: head + tail. */
  readonly usedBytes: number;
  /** The memory plan's size (activations and scratch buffers). */
  readonly plannedBytes: number;
  /** Of which kernel scratch buffers (sum of their aligned sizes; they share space). */
  readonly scratchBytes: number;
  readonly persistentBytes: number;
  /** What memory planning needs at its peak (tail so far + temporary planning data). */
  readonly planningBytes: number;
  readonly marginBytes: number;
  /** Every planned buffer with its offset and lifetime (scope k + 1 = operator k). */
  readonly buffers: (PlannedArenaBuffer & { readonly name: string })[];
  /** The operator (label) during which the plan reaches its highest offset. */
  readonly peakOperator: string;
}

interface ResolvedOptions {
  convention: ResourceConvention;
  rules: ConventionRules;
  board: BoardProfile;
  core: CoreTiming;
  inPlaceAdd: boolean;
  inPlaceReshape: boolean;
  countInputInRam: boolean;
  flash: FlashOverheadConstants;
  arena: TflmArenaConstants;
  stateLimit: number;
}

function resolveOptions(options: ResourceOptions): ResolvedOptions {
  const convention = options.convention ?? 'tflm';
  const rules = CONVENTION_RULES[convention];
  const board = options.board ?? BOARDS[0];
  return {
    convention,
    rules,
    board,
    core: CORE_TIMINGS[board.core],
    inPlaceAdd: options.inPlaceAdd ?? false,
    inPlaceReshape: options.inPlaceReshape ?? rules.inPlaceReshapeByDefault,
    countInputInRam: options.countInputInRam ?? rules.countInputInRamByDefault,
    flash: { ...TFLITE_FLASH_OVERHEAD, ...options.flashOverhead },
    arena: { ...TFLM_ARENA, ...options.arena },
    stateLimit: options.orderSearchStateLimit ?? 20_000,
  };
}

function scaled(poly: CostPolynomial, factor: number): ProductTerm[] {
  return factor === 0 ? [] : poly.map((t) => ({ ...t, coef: t.coef * factor }));
}

function cyclesPerMac(core: CoreTiming, costClass: CostClass): number {
  switch (costClass) {
    case 'conv':
      return core.convCyclesPerMac;
    case 'depthwise':
      return core.depthwiseCyclesPerMac;
    case 'dense':
      return core.denseCyclesPerMac;
    case 'pool':
      return core.poolCyclesPerMac;
    case 'add':
      return core.addCyclesPerMac;
    case 'elementwise':
      return 0;
  }
}

/** Index ranges of the compiled quantities. */
interface Layout {
  flash: number; // per operator
  macs: number;
  latency: number; // per operator, in cycles
  scratch: number;
  tensors: number; // per tensor, bytes
  persistent: number; // one quantity
  modelFlash: number; // one quantity
  requant: number; // per operator, output channels with requantisation arrays
  scratchRequests: number; // one per scratch request, its element count
  total: number;
}

/** Compiled resource model of one graph under one set of options. */
export class ResourceModel {
  readonly analysed: AnalysedGraph;
  readonly deployed: DeployedModel;
  private readonly opts: ResolvedOptions;
  private readonly compiled: CompiledPolynomials;
  private readonly layout: Layout;
  private readonly values: Float64Array;
  private readonly arenaProblem: ArenaProblem;
  private readonly fixedOrder: number[] | null;
  private readonly orderCache = new Map<string, { steps: ArenaStep[]; optimal: boolean }>();
  private readonly widthsBuffer: Float64Array;
  private readonly arenaCache = new Map<string, TflmArenaLayout>();
  /** Index of each operator's first scratch request in the flattened request list. */
  private readonly requestStart: number[];

  constructor(analysed: AnalysedGraph, options: ResourceOptions = {}) {
    this.analysed = analysed;
    this.opts = resolveOptions(options);
    this.deployed = deployGraph(analysed, this.opts.convention);
    const { quantities, layout } = this.buildQuantities();
    this.layout = layout;
    this.compiled = new CompiledPolynomials(quantities);
    this.values = new Float64Array(layout.total);
    this.widthsBuffer = new Float64Array(analysed.groups.length);
    this.arenaProblem = this.buildArenaProblem();
    let start = 0;
    this.requestStart = this.deployed.operators.map((op) => {
      const first = start;
      start += op.scratchRequests.length;
      return first;
    });
    this.fixedOrder = hasSingleOrder(this.arenaProblem)
      ? this.deployed.operators.map((op) => op.index)
      : null;
  }

  get board(): BoardProfile {
    return this.opts.board;
  }

  private buildQuantities(): { quantities: CostPolynomial[]; layout: Layout } {
    const ops = this.deployed.operators;
    const n = ops.length;
    const tensors = this.deployed.tensors.length;
    const requests = ops.flatMap((op) => op.scratchRequests);
    const layout: Layout = {
      flash: 0,
      macs: n,
      latency: 2 * n,
      scratch: 3 * n,
      tensors: 4 * n,
      persistent: 4 * n + tensors,
      modelFlash: 4 * n + tensors + 1,
      requant: 4 * n + tensors + 2,
      scratchRequests: 5 * n + tensors + 2,
      total: 5 * n + tensors + 2 + requests.length,
    };
    const quantities: CostPolynomial[] = [
      ...ops.map((op) => this.operatorFlash(op)),
      ...ops.map((op) => op.macs),
      ...ops.map((op) => this.operatorCycles(op)),
      ...ops.map((op) => (this.opts.rules.arenaOverheads ? op.scratchBytes : [])),
      ...this.deployed.tensors.map((t) => [
        term(this.opts.rules.activationBytesPerElement, t.elements),
      ]),
      this.persistentArena(),
      this.modelFlash(),
      ...ops.map((op) => op.requantChannels),
      ...requests.map((r) => r.elements),
    ];
    return { quantities, layout };
  }

  /** Flatbuffer bytes of a tensor: table, shape, name, quantisation parameters. */
  private tensorTableBytes(rank: number, name: string, quantised: boolean): number {
    const { flash } = this.opts;
    return (
      flash.perTensorBytes +
      flash.perShapeDimBytes * rank +
      flatbufferStringBytes(name) +
      (quantised ? flash.perQuantisedTensorBytes : 0)
    );
  }

  /** An activation tensor (int8, one scale). */
  private activationTensorBytes(tensor: DeployedTensor): number {
    return (
      this.tensorTableBytes(tensor.rank, tensor.name, true) + this.opts.flash.quantBytesPerChannel
    );
  }

  private operatorFlash(op: DeployedOperator): CostPolynomial {
    const { rules, flash } = this.opts;
    const terms: ProductTerm[] = [
      ...scaled(op.weightElements, rules.weightBytesPerElement),
      ...scaled(op.biasElements, rules.biasBytesPerElement),
    ];
    if (!rules.flashOverheads) return terms;
    let fixed =
      flash.perOperatorBytes +
      flash.optionsBytes[op.kind] +
      op.indexCount * flash.perOperatorIndexBytes +
      this.activationTensorBytes(this.deployed.tensors[op.output]) +
      op.shapeTensorBytes;
    for (const c of op.constantTensors) {
      fixed += this.tensorTableBytes(c.rank, c.name, c.quantised) + flash.perConstantBufferBytes;
    }
    return [
      ...terms,
      ...scaled(op.quantScales, flash.quantBytesPerChannel),
      term(fixed, constantForm(1)),
    ];
  }

  private modelFlash(): CostPolynomial {
    const { rules, flash } = this.opts;
    if (!rules.flashOverheads) return [];
    const kinds = new Set(this.deployed.operators.map((op) => op.kind)).size;
    const inputs = this.deployed.tensors
      .filter((t) => t.isModelInput)
      .reduce((sum, t) => sum + this.activationTensorBytes(t), 0);
    const bytes = flash.modelBytes + kinds * flash.perOperatorCodeBytes + inputs;
    return [term(bytes, constantForm(1))];
  }

  private operatorCycles(op: DeployedOperator): CostPolynomial {
    const core = this.opts.core;
    const copyElided = op.kind === 'RESHAPE' && this.opts.inPlaceReshape;
    return [
      ...scaled(op.macs, cyclesPerMac(core, op.costClass)),
      ...scaled(op.elementwiseWork, copyElided ? 0 : core.elementwiseCyclesPerElement),
      term(core.operatorOverheadCycles, constantForm(1)),
    ];
  }

  /** Operators whose kernels keep per-channel requantisation arrays in the arena. */
  private static hasRequantArrays(op: DeployedOperator): boolean {
    return op.kind === 'CONV_2D' || op.kind === 'DEPTHWISE_CONV_2D';
  }

  /** TFLM's persistent tail without the requantisation arrays (constant in the widths). */
  private fixedPersistentBytes(): number {
    const { arena } = this.opts;
    const ops = this.deployed.operators;
    const fileTensors =
      this.deployed.tensors.length + ops.reduce((k, op) => k + op.constantTensorCount, 0);
    const io = this.deployed.tensors.filter((t) => t.isModelInput || t.isModelOutput).length;
    const requests = ops.reduce((k, op) => k + op.scratchRequests.length, 0);
    return (
      arena.fixedBytes +
      fileTensors * arena.evalTensorBytes +
      ops.length * arena.nodeAndRegistrationBytes +
      ops.reduce((sum, op) => sum + arena.operatorBytes[op.kind], 0) +
      requests * arena.scratchHandleBytes +
      io * arena.ioTensorBytes
    );
  }

  /** The smooth persistent tail: the requantisation arrays without their 16-byte rounding. */
  private persistentArena(): CostPolynomial {
    const { rules, arena } = this.opts;
    if (!rules.arenaOverheads) return [];
    const perChannel = 4 * arena.requantArraysPerOperator;
    return [
      term(this.fixedPersistentBytes(), constantForm(1)),
      ...this.deployed.operators
        .filter(ResourceModel.hasRequantArrays)
        .flatMap((op) => scaled(op.requantChannels, perChannel)),
    ];
  }

  private buildArenaProblem(): ArenaProblem {
    const { tensors, operators } = this.deployed;
    const inputs = tensors.filter((t) => t.isModelInput).map((t) => t.index);
    const inPlaceAllowed = (op: DeployedOperator): boolean =>
      (op.inPlaceKind === 'add' && this.opts.inPlaceAdd) ||
      (op.inPlaceKind === 'reshape' && this.opts.inPlaceReshape);
    return {
      operatorInputs: operators.map((op) => op.inputs),
      operatorOutputs: operators.map((op) => op.output),
      inPlaceCandidates: operators.map((op) => (inPlaceAllowed(op) ? op.inPlaceCandidates : [])),
      tensorCount: tensors.length,
      initialTensors: this.opts.countInputInRam ? inputs : [],
      excludedTensors: this.opts.countInputInRam ? [] : inputs,
      finalTensors: tensors.filter((t) => t.isModelOutput).map((t) => t.index),
    };
  }

  /** Widths with non-prunable groups at full size; validated. */
  private effectiveWidths(widths: ArrayLike<number>): Float64Array {
    const groups = this.analysed.groups;
    if (widths.length !== groups.length) {
      throw new Error(`expected ${groups.length} group widths, got ${widths.length}`);
    }
    const w = this.widthsBuffer;
    for (let g = 0; g < groups.length; g++) {
      const value = groups[g].prunable ? widths[g] : groups[g].size;
      if (!Number.isFinite(value))
        throw new Error(`width of group "${groups[g].name}" is not finite`);
      w[g] = value;
    }
    return w;
  }

  /** The smooth model's expected padding per live buffer (planned buffers are 16-aligned). */
  private perLiveTensorBytes(): number {
    return this.opts.rules.arenaOverheads ? TFLM_BUFFER_ALIGNMENT / 2 : 0;
  }

  /** Arena steps of the RAM-optimal order at these widths (searched at rounded widths). */
  private stepsFor(widths: Float64Array): { steps: ArenaStep[]; optimal: boolean } {
    const key =
      this.fixedOrder === null
        ? Array.from(widths, (c) => Math.max(1, Math.round(c))).join(',')
        : '';
    const cached = this.orderCache.get(key);
    if (cached !== undefined) return cached;
    let order = this.fixedOrder;
    let optimal = true;
    if (order === null) {
      const rounded = Float64Array.from(widths, (c) => Math.max(1, Math.round(c)));
      const values = this.compiled.evaluate(rounded, new Float64Array(this.layout.total));
      const { tensors, scratch } = this.layout;
      const result = findMinPeakOrder(
        this.arenaProblem,
        {
          tensorBytes: values.subarray(tensors, tensors + this.deployed.tensors.length),
          scratchBytes: values.subarray(scratch, scratch + this.deployed.operators.length),
          perLiveTensorBytes: this.perLiveTensorBytes(),
        },
        this.opts.stateLimit,
      );
      order = result.order;
      optimal = result.optimal;
    }
    const entry = { steps: arenaSteps(this.arenaProblem, order), optimal };
    if (this.orderCache.size >= 256) this.orderCache.clear();
    this.orderCache.set(key, entry);
    return entry;
  }

  private sumRange(start: number, count: number): number {
    let s = 0;
    for (let i = start; i < start + count; i++) s += this.values[i];
    return s;
  }

  /** Evaluates everything at the widths; returns per-step live bytes too. */
  private run(widths: ArrayLike<number>): {
    figures: ResourceFigures;
    /** The live-set model's RAM (what the gradient is of). */
    smoothRamBytes: number;
    arena: TflmArenaLayout | undefined;
    steps: ArenaStep[];
    live: number[];
    optimal: boolean;
  } {
    const w = this.effectiveWidths(widths);
    const { steps, optimal } = this.stepsFor(w);
    // Before the evaluation at w: the gradient pass reuses the compiled forms' cached values.
    const arena = this.opts.rules.arenaOverheads ? this.arenaLayout(w, steps) : undefined;
    this.compiled.evaluate(w, this.values);
    const n = this.deployed.operators.length;
    const L = this.layout;
    const live = stepBytes(steps, {
      tensorBytes: this.values.subarray(L.tensors, L.tensors + this.deployed.tensors.length),
      scratchBytes: this.values.subarray(L.scratch, L.scratch + n),
      perLiveTensorBytes: this.perLiveTensorBytes(),
    });
    const peak = live.length === 0 ? 0 : Math.max(...live);
    const cycles = this.sumRange(L.latency, n);
    const smoothRamBytes = peak + this.values[L.persistent];
    return {
      figures: {
        flash: this.sumRange(L.flash, n) + this.values[L.modelFlash],
        ram: arena ? arena.arenaBytes : smoothRamBytes,
        macs: this.sumRange(L.macs, n),
        latency: cycles / (this.opts.board.clockMHz * 1000),
      },
      smoothRamBytes,
      arena,
      steps,
      live,
      optimal,
    };
  }

  /**
   * TFLite Micro's arena at the widths rounded to whole channels, in the given execution
   * order: the greedy plan of the activations and scratch buffers, the persistent tail, and
   * the temporary data of planning (core/tflmArena.ts, TFLM_ARENA).
   */
  private arenaLayout(widths: Float64Array, steps: ArenaStep[]): TflmArenaLayout {
    const rounded = Float64Array.from(widths, (c) => Math.max(1, Math.round(c)));
    const key = `${Array.from(rounded).join(',')}|${steps.map((s) => s.operator).join(',')}`;
    const cached = this.arenaCache.get(key);
    if (cached !== undefined) return cached;
    const L = this.layout;
    const { arena } = this.opts;
    const values = this.compiled.evaluate(rounded, new Float64Array(L.total));
    const ops = steps.map((step) => this.deployed.operators[step.operator]);
    const { buffers, fileTensorCount } = arenaBuffers({
      tensorBytes: values.subarray(L.tensors, L.tensors + this.deployed.tensors.length),
      tensorIsInput: this.deployed.tensors.map((t) => t.isModelInput),
      tensorIsOutput: this.deployed.tensors.map((t) => t.isModelOutput),
      operators: ops.map((op) => ({
        inputs: op.inputs,
        output: op.output,
        constantTensors: op.constantTensorCount,
        scratchBytes: op.scratchRequests.map((r, k) => {
          const elements = values[L.scratchRequests + this.requestStart[op.index] + k];
          return r.bytesPerElement * alignUp(elements, r.roundTo);
        }),
      })),
    });
    const plan = planGreedy(buffers);
    const requantBytes = ops
      .filter(ResourceModel.hasRequantArrays)
      .reduce(
        (sum, op) =>
          sum +
          arena.requantArraysPerOperator *
            alignUp(4 * values[L.requant + op.index], TFLM_BUFFER_ALIGNMENT),
        0,
      );
    const persistentBytes = this.fixedPersistentBytes() + requantBytes;
    const io = this.deployed.tensors.filter((t) => t.isModelInput || t.isModelOutput).length;
    const requests = buffers.filter((b) => b.kind === 'scratch').length;
    // CommitStaticMemoryPlan runs before the interpreter allocates its input/output tensors.
    const planningBytes =
      persistentBytes -
      io * arena.ioTensorBytes +
      alignUp(
        arena.scratchRequestBytes * (requests + arena.maxScratchRequestsPerOperator),
        TFLM_BUFFER_ALIGNMENT,
      ) +
      arena.subgraphOffsetBytes +
      arena.allocationInfoBytes * (fileTensorCount + requests) +
      arena.plannerBytesPerBuffer * buffers.length;
    const usedBytes = plan.peakBytes + persistentBytes;
    const placed = plan.placed.map((b, i) => {
      const { kind, source } = buffers[i];
      const name =
        kind === 'tensor' ? this.deployed.tensors[source].name : `${ops[source].label} scratch`;
      return { ...b, kind, source, name };
    });
    // The scope whose live buffers reach highest in the plan.
    let peakScope = 0;
    let peakTop = -1;
    for (let scope = 1; scope <= ops.length; scope++) {
      let top = 0;
      for (const b of placed) {
        if (b.firstUse <= scope && b.lastUse >= scope)
          top = Math.max(top, b.offset + b.alignedBytes);
      }
      if (top > peakTop) {
        peakTop = top;
        peakScope = scope;
      }
    }
    const layout: TflmArenaLayout = {
      arenaBytes: Math.max(usedBytes, planningBytes) + arena.marginBytes,
      usedBytes,
      plannedBytes: plan.peakBytes,
      scratchBytes: placed
        .filter((b) => b.kind === 'scratch')
        .reduce((sum, b) => sum + b.alignedBytes, 0),
      persistentBytes,
      planningBytes,
      marginBytes: arena.marginBytes,
      buffers: placed,
      peakOperator: ops.length > 0 ? ops[Math.max(0, peakScope - 1)].label : '',
    };
    if (this.arenaCache.size >= 256) this.arenaCache.clear();
    this.arenaCache.set(key, layout);
    return layout;
  }

  /**
   * Flash, RAM, MACs and latency at the given per-group widths. In 'tflm' the RAM is TFLite
   * Micro's arena at the widths rounded to whole channels (a step function of the widths).
   */
  evaluate(widths: ArrayLike<number>): ResourceFigures {
    return this.run(widths).figures;
  }

  /**
   * The same figures with RAM from the smooth live-set model: the function whose gradient
   * `evaluateWithGradients` returns (continuous in the widths, no rounding).
   */
  evaluateSmooth(widths: ArrayLike<number>): ResourceFigures {
    const { figures, smoothRamBytes } = this.run(widths);
    return { ...figures, ram: smoothRamBytes };
  }

  /** Figures and their analytic gradients w.r.t. the per-group widths c_g. */
  evaluateWithGradients(widths: ArrayLike<number>): {
    figures: ResourceFigures;
    gradients: ResourceGradients;
  } {
    const { figures, steps, live } = this.run(widths);
    const L = this.layout;
    const n = this.deployed.operators.length;
    const gradientOf = (fill: (weights: Float64Array) => void): Float64Array => {
      const weights = new Float64Array(L.total);
      fill(weights);
      const grad = new Float64Array(this.analysed.groups.length);
      this.compiled.accumulateGradient(weights, grad);
      this.analysed.groups.forEach((g) => {
        if (!g.prunable) grad[g.index] = 0;
      });
      return grad;
    };
    const perMs = 1 / (this.opts.board.clockMHz * 1000);
    const gradients: ResourceGradients = {
      flash: gradientOf((w) => {
        w.fill(1, L.flash, L.flash + n);
        w[L.modelFlash] = 1;
      }),
      macs: gradientOf((w) => w.fill(1, L.macs, L.macs + n)),
      latency: gradientOf((w) => w.fill(perMs, L.latency, L.latency + n)),
      ram: gradientOf((w) => this.fillPeakWeights(w, steps, live)),
    };
    return { figures, gradients };
  }

  /** Subgradient of the peak: the average over the steps attaining it. */
  private fillPeakWeights(weights: Float64Array, steps: ArenaStep[], live: number[]): void {
    const L = this.layout;
    weights[L.persistent] = 1;
    if (live.length === 0) return;
    const peak = Math.max(...live);
    const tolerance = 1e-9 * Math.max(1, Math.abs(peak));
    const peakSteps = steps.filter((_, k) => live[k] >= peak - tolerance);
    const share = 1 / peakSteps.length;
    for (const step of peakSteps) {
      weights[L.scratch + step.operator] += share;
      for (const t of step.liveTensors) weights[L.tensors + t] += share;
    }
  }

  /** Full breakdown: per-operator flash, MACs, latency, live bytes; peaks and order. */
  report(widths: ArrayLike<number>): ResourceReport {
    const { figures, steps, live, optimal, arena } = this.run(widths);
    const L = this.layout;
    const ops = this.deployed.operators;
    const perMs = 1 / (this.opts.board.clockMHz * 1000);
    const operators: OperatorCost[] = steps.map((step, k) => {
      const op = ops[step.operator];
      return {
        index: op.index,
        kind: op.kind,
        label: op.label,
        nodes: op.nodes,
        flashBytes: this.values[L.flash + op.index],
        macs: this.values[L.macs + op.index],
        latencyMs: this.values[L.latency + op.index] * perMs,
        liveBytes: live[k],
        scratchBytes: this.values[L.scratch + op.index],
        outputBytes: this.values[L.tensors + op.output],
      };
    });
    const argmax = (key: (o: OperatorCost) => number): string =>
      operators.reduce((best, o) => (key(o) > key(best) ? o : best), operators[0])?.label ?? '';
    return {
      ...figures,
      convention: this.opts.convention,
      board: this.opts.board,
      operators,
      executionOrder: operators.map((o) => o.label),
      orderIsOptimal: optimal,
      modelOverheadFlashBytes: this.values[L.modelFlash],
      persistentArenaBytes: arena ? arena.persistentBytes : this.values[L.persistent],
      peakActivationBytes: arena ? arena.plannedBytes : figures.ram - this.values[L.persistent],
      arena,
      peakOperator: arena ? arena.peakOperator : argmax((o) => o.liveBytes),
      largestFlashOperator: argmax((o) => o.flashBytes),
      slowestOperator: argmax((o) => o.latencyMs),
      runtimeFlashBytes: this.opts.board.runtimeFlashBytes,
      runtimeRamBytes: this.opts.board.runtimeRamBytes,
    };
  }
}

export function createResourceModel(
  analysed: AnalysedGraph,
  options: ResourceOptions = {},
): ResourceModel {
  return new ResourceModel(analysed, options);
}

/** One-off full report (compiles a model; keep a ResourceModel for repeated calls). */
export function estimateResources(
  analysed: AnalysedGraph,
  widths: ArrayLike<number>,
  options: ResourceOptions = {},
): ResourceReport {
  return new ResourceModel(analysed, options).report(widths);
}

/** Tensor-arena bytes (persistent + peak activations) at the widths. */
export function peakArenaBytes(
  analysed: AnalysedGraph,
  widths: ArrayLike<number>,
  options: ResourceOptions = {},
): number {
  return new ResourceModel(analysed, options).evaluate(widths).ram;
}

/** Every group at its full size C_g (the unpruned network). */
export function fullWidths(analysed: AnalysedGraph): Float64Array {
  return Float64Array.from(analysed.groups, (g) => g.size);
}

/** c_g = π_g · C_g (non-prunable groups: C_g). */
export function widthsFromProportions(
  analysed: AnalysedGraph,
  proportions: ArrayLike<number>,
): Float64Array {
  return Float64Array.from(analysed.groups, (g) =>
    g.prunable ? proportions[g.index] * g.size : g.size,
  );
}

/** d/dπ_g = C_g · d/dc_g (0 for non-prunable groups). */
export function proportionGradient(
  analysed: AnalysedGraph,
  widthGradient: ArrayLike<number>,
): Float64Array {
  return Float64Array.from(analysed.groups, (g) =>
    g.prunable ? g.size * widthGradient[g.index] : 0,
  );
}

/** All four gradients w.r.t. the size proportions π. */
export function proportionGradients(
  analysed: AnalysedGraph,
  gradients: ResourceGradients,
): ResourceGradients {
  return {
    flash: proportionGradient(analysed, gradients.flash),
    ram: proportionGradient(analysed, gradients.ram),
    macs: proportionGradient(analysed, gradients.macs),
    latency: proportionGradient(analysed, gradients.latency),
  };
}
