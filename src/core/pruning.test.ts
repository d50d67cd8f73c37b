import { describe, expect, it } from 'vitest';
import {
  PruningController,
  DEFAULT_PRUNING_OPTIONS,
  VectorAdam,
  correctedDecay,
  dualAscent,
  exchangeAtMargin,
  fillToBudget,
  hardMask,
  keptChannelCount,
  phaseAt,
  rankChannels,
  relaxedMask,
  repairToBudget,
  sizeProportionGradient,
  type ResourceEvaluation,
} from './pruning';
import type { Budgets, ResourceFigures } from './resources';

describe('channel counts and ranks', () => {
  it('keeps round(π·C) channels, at least one and at most C', () => {
    expect(keptChannelCount(0.5, 32)).toBe(16);
    expect(keptChannelCount(0.001, 32)).toBe(1);
    expect(keptChannelCount(1.7, 8)).toBe(8);
    expect(keptChannelCount(0.34, 10)).toBe(3);
  });

  it('ranks the most important channel 0 and breaks ties by index', () => {
    expect(Array.from(rankChannels([0.1, 0.5, 0.1, 0.9]))).toEqual([2, 1, 3, 0]);
  });

  it('hard mask keeps exactly the k best-ranked channels', () => {
    const ranks = rankChannels([0.3, 0.1, 0.7, 0.2]);
    expect(Array.from(hardMask(ranks, 2))).toEqual([1, 0, 1, 0]);
  });
});

describe('relaxed mask feedback', () => {
  it('dL/dπ matches the finite difference of Σ g_c·m̃_c(π)', () => {
    const g = [0.3, -0.2, 0.05, -0.4, 0.1, 0.2];
    const ranks = rankChannels([6, 5, 4, 3, 2, 1]);
    for (const pi of [0.2, 0.5, 0.77]) {
      const f = (p: number) => relaxedMask(ranks, p, 1).reduce((s, m, c) => s + g[c] * m, 0);
      const h = 1e-5;
      const numeric = (f(pi + h) - f(pi - h)) / (2 * h);
      expect(sizeProportionGradient(g, ranks, pi, 1)).toBeCloseTo(numeric, 6);
    }
  });

  it('concentrates the feedback on channels near the cut', () => {
    const ranks = rankChannels(Array.from({ length: 32 }, (_, c) => 32 - c));
    const farOnly = new Float64Array(32);
    farOnly[0] = 1; // the most important channel, far from a cut at 16
    const nearOnly = new Float64Array(32);
    nearOnly[16] = 1; // the first channel below the cut
    expect(Math.abs(sizeProportionGradient(farOnly, ranks, 0.5, 1))).toBeLessThan(1e-5);
    expect(Math.abs(sizeProportionGradient(nearOnly, ranks, 0.5, 1))).toBeGreaterThan(1);
  });
});

describe('dual ascent and Adam', () => {
  it('raises λ while violated, lowers it when met, never below zero', () => {
    expect(dualAscent(0, 0.5, 0.1)).toBeCloseTo(0.05);
    expect(dualAscent(0.05, -0.2, 0.1)).toBeCloseTo(0.03);
    expect(dualAscent(0.01, -1, 0.1)).toBe(0);
  });

  it('Adam minimises a badly scaled quadratic in both coordinates', () => {
    const x = Float64Array.from([1, 1]);
    const adam = new VectorAdam(2, 0.05);
    for (let i = 0; i < 400; i++) adam.step(x, [2000 * x[0], 0.002 * x[1]]);
    expect(Math.abs(x[0])).toBeLessThan(0.05);
    expect(Math.abs(x[1])).toBeLessThan(0.05);
  });
});

/** A toy resource model: flash = Σ c_g² (like weights between layers of equal width). */
function quadraticFlash(widths: readonly number[]): ResourceEvaluation {
  const zero = () => new Float64Array(widths.length);
  const gradients = { flash: zero(), ram: zero(), latency: zero(), macs: zero() };
  widths.forEach((c, g) => (gradients.flash[g] = 2 * c));
  const values: ResourceFigures = {
    flash: widths.reduce((s, c) => s + c * c, 0),
    ram: 0,
    latency: 0,
    macs: 0,
  };
  return { values, gradients };
}

describe('PruningController', () => {
  it('averages the importances with weights that do not favour the first step', () => {
    const beta = 0.99;
    const ctl = new PruningController([{ size: 1, prunable: true }], {
      ...DEFAULT_PRUNING_OPTIONS,
      importanceDecay: beta,
    });
    // A large first gradient, then 47 small ones: the EMA corrected as Adam's moments are.
    const grads = [100, ...Array.from({ length: 47 }, (_, i) => 1 + (i % 3))];
    grads.forEach((g) => ctl.observe([[g]]));
    const t = grads.length;
    const weights = grads.map((_, i) => ((1 - beta) * Math.pow(beta, t - 1 - i)) / (1 - beta ** t));
    const expected = grads.reduce((sum, g, i) => sum + weights[i] * g, 0);
    expect(ctl.importances[0][0]).toBeCloseTo(expected, 9);
    // The first step weighs about 1/48 of the whole, not β^47 ≈ 62 %.
    expect(weights[0]).toBeLessThan(0.03);
    expect(ctl.importances[0][0]).toBeLessThan(5);
    expect(correctedDecay(beta, 1)).toBe(0);
    expect(correctedDecay(0.9, 1000)).toBeCloseTo(0.9, 9);
  });

  it('settles π at the flash budget when the task pushes for more channels', () => {
    const groups = [
      { size: 32, prunable: true },
      { size: 64, prunable: true },
      { size: 10, prunable: false },
    ];
    const ctl = new PruningController(groups, {
      importanceDecay: 0.9,
      temperature: 1,
      piLearningRate: 0.02,
      lambdaRate: 0.05,
    });
    const budget = quadraticFlash([32, 64, 10]).values.flash / 4;
    // Every channel lowers the loss a little: the task alone would keep all of them.
    const task = groups.map((g) => new Float64Array(g.size).fill(-0.01));
    for (let step = 0; step < 300; step++) {
      ctl.observe(task);
      ctl.updateSizes(task, quadraticFlash(ctl.continuousWidths()), { flash: budget });
    }
    const final = quadraticFlash(ctl.keptCounts()).values.flash;
    expect(final).toBeLessThanOrEqual(budget * 1.05);
    expect(final).toBeGreaterThan(budget * 0.8);
    expect(ctl.keptCounts()[2]).toBe(10);
    expect(ctl.lambdas.flash).toBeGreaterThan(0);
  });

  it('settles within a few % under the budget and does not collapse when the task is neutral', () => {
    // The task feedback is zero-mean noise: only the budget decides. Before the pull from below
    // and log-π steps, momentum carried π past the budget and, at tight budgets, to 1/C.
    const groups = [
      { size: 32, prunable: true },
      { size: 64, prunable: true },
      { size: 128, prunable: true },
    ];
    for (const divisor of [4, 80]) {
      const ctl = new PruningController(groups, {
        ...DEFAULT_PRUNING_OPTIONS,
        piLearningRate: 5 / 120,
      });
      const budget = quadraticFlash([32, 64, 128]).values.flash / divisor;
      let seed = 1;
      const noise = () => {
        seed = (seed * 16807) % 2147483647;
        return (seed / 2147483647 - 0.5) * 0.02;
      };
      for (let step = 0; step < 120; step++) {
        if (step >= 72) ctl.setLearningRate((5 / 120) * (1 - (0.9 * (step - 72)) / 48));
        const task = groups.map((g) => Float64Array.from({ length: g.size }, noise));
        ctl.observe(task);
        ctl.updateSizes(task, quadraticFlash(ctl.continuousWidths()), { flash: budget });
      }
      const final = quadraticFlash(ctl.continuousWidths()).values.flash;
      expect(final).toBeLessThanOrEqual(budget * 1.03);
      expect(final).toBeGreaterThan(budget * 0.93);
      for (const k of ctl.keptCounts()) expect(k).toBeGreaterThan(1);
    }
  });

  it('ranks with hysteresis: a kept channel is only displaced by a clearly better one', () => {
    const ctl = new PruningController([{ size: 4, prunable: true }], {
      ...DEFAULT_PRUNING_OPTIONS,
      rankHysteresis: 0.25,
      importanceDecay: 0,
    });
    ctl.observe([[4, 3, 2, 1]]);
    ctl.setKept([2]);
    ctl.observe([[4, 3, 3.3, 1]]); // 3.3 < 3·1.25: channel 1 stays
    expect(Array.from(ctl.masks()[0])).toEqual([1, 1, 0, 0]);
    ctl.observe([[4, 3, 4, 1]]); // 4 > 3.75: channel 2 comes in
    expect(Array.from(ctl.masks()[0])).toEqual([1, 0, 1, 0]);
  });

  it('keeps the channels with the largest |dL/dm| in its masks', () => {
    const ctl = new PruningController([{ size: 4, prunable: true }]);
    ctl.observe([[0.01, -0.9, 0.3, 0.02]]);
    ctl.setKept([2]);
    expect(Array.from(ctl.masks()[0])).toEqual([0, 1, 1, 0]);
  });

  it('restores its exact state from a checkpoint', () => {
    const groups = [{ size: 8, prunable: true }];
    const a = new PruningController(groups);
    const grads = [[0.1, 0.2, -0.3, 0.05, 0.5, -0.1, 0.0, 0.2]];
    for (let i = 0; i < 5; i++) {
      a.observe(grads);
      a.updateSizes(grads, quadraticFlash(a.continuousWidths()), { flash: 20 });
    }
    const b = new PruningController(groups);
    b.restore(JSON.parse(JSON.stringify(a.state())));
    a.observe(grads);
    b.observe(grads);
    a.updateSizes(grads, quadraticFlash(a.continuousWidths()), { flash: 20 });
    b.updateSizes(grads, quadraticFlash(b.continuousWidths()), { flash: 20 });
    expect(Array.from(b.sizeProportions)).toEqual(Array.from(a.sizeProportions));
  });
});

describe('repairToBudget', () => {
  it('removes least-important channels until every budget is met', () => {
    const groups = [
      { size: 4, prunable: true },
      { size: 4, prunable: true },
    ];
    const importances = [Float64Array.from([4, 3, 2, 1]), Float64Array.from([40, 30, 20, 10])];
    const ranks = importances.map((i) => rankChannels(i));
    const evaluate = (kept: readonly number[]) => quadraticFlash(kept).values;
    const result = repairToBudget(
      { groups, importances, ranks, budgets: { flash: 20 }, evaluate },
      [4, 4],
    );
    expect(result.feasible).toBe(true);
    expect(evaluate(result.kept).flash).toBeLessThanOrEqual(20);
    // Group 0's channels are ten times less important, so it gives up more.
    expect(result.kept[0]).toBeLessThan(result.kept[1]);
  });

  it('reports infeasible when one channel per group still does not fit', () => {
    const groups = [{ size: 4, prunable: true }];
    const imp = [Float64Array.from([1, 1, 1, 1])];
    const result = repairToBudget(
      {
        groups,
        importances: imp,
        ranks: imp.map((i) => rankChannels(i)),
        budgets: { flash: 0.5 },
        evaluate: (kept) => quadraticFlash(kept).values,
      },
      [4],
    );
    expect(result.feasible).toBe(false);
    expect(result.kept).toEqual([1]);
  });
});

/** Two prunable groups of four channels and one fixed group of three (fill and exchange tests). */
const groups = [
  { size: 4, prunable: true },
  { size: 4, prunable: true },
  { size: 3, prunable: false },
];

describe('fillToBudget', () => {
  const importances = [
    Float64Array.from([4, 3, 2, 1]),
    Float64Array.from([40, 30, 20, 10]),
    Float64Array.from([1, 1, 1]),
  ];
  const ranks = importances.map((i) => rankChannels(i));
  const evaluate = (kept: readonly number[]) => quadraticFlash(kept).values;
  const within = (budgets: Budgets) => ({ groups, importances, ranks, budgets, evaluate });

  it('re-admits channels while they fit, best importance per byte first, never past a budget', () => {
    const result = fillToBudget(within({ flash: 30 }), [1, 1, 3]);
    expect(evaluate(result.kept).flash).toBeLessThanOrEqual(30);
    // No single further channel fits any more.
    for (const g of [0, 1]) {
      if (result.kept[g] >= 4) continue;
      const trial = [...result.kept];
      trial[g] += 1;
      expect(evaluate(trial).flash).toBeGreaterThan(30);
    }
    // Group 1's channels are ten times more important: it gets the room first.
    expect(result.kept[1]).toBe(4);
    expect(result.kept[2]).toBe(3);
    expect(result.added).toBe(result.kept[0] - 1 + result.kept[1] - 1);
  });

  it('mirrors repair: repair then fill lands on the budget from either side', () => {
    const over = repairToBudget(within({ flash: 30 }), [4, 4, 3]);
    const filled = fillToBudget(within({ flash: 30 }), over.kept);
    expect(evaluate(filled.kept).flash).toBeLessThanOrEqual(30);
    expect(evaluate(filled.kept).flash).toBeGreaterThanOrEqual(evaluate(over.kept).flash);
  });

  it('changes nothing without a budget or from an infeasible point', () => {
    expect(fillToBudget(within({}), [1, 1, 3]).kept).toEqual([1, 1, 3]);
    expect(fillToBudget(within({ flash: 5 }), [4, 4, 3]).added).toBe(0);
  });
});

describe('exchangeAtMargin', () => {
  const importances = [
    Float64Array.from([4, 3, 2, 1]),
    Float64Array.from([10, 40, 20, 30]),
    Float64Array.from([1, 1, 1]),
  ];
  const ranks = importances.map((i) => rankChannels(i));
  // Every channel costs one byte: a move keeps the flash figure.
  const linear = (kept: readonly number[]) => ({
    flash: kept.reduce((a, c) => a + c, 0),
    ram: 0,
    latency: 0,
    macs: 0,
  });
  const within = (budgets: Budgets, evaluate = linear) => ({
    groups,
    importances,
    ranks,
    budgets,
    evaluate,
  });

  it('moves channels to where the next one matters more, until the margins agree', () => {
    const result = exchangeAtMargin(within({ flash: 7 }), [3, 1, 3], 100);
    // Group 1's 2nd and 3rd channels (30, 20) beat group 0's 3rd and 2nd (2, 3); its 4th (10)
    // does not beat group 0's last one left (4), which also could not go.
    expect(result.kept).toEqual([1, 3, 3]);
    expect(result.moved).toBe(2);
    expect(linear(result.kept).flash).toBe(7);
  });

  it('stops at the move limit, keeps a group at one channel, never breaks a budget', () => {
    expect(exchangeAtMargin(within({ flash: 7 }), [3, 1, 3], 1).kept).toEqual([2, 2, 3]);
    // Quadratic cost: the move group 1 gains from (20 against 3) would cost 19 bytes of 18.
    const quadratic = (kept: readonly number[]) => quadraticFlash(kept).values;
    expect(exchangeAtMargin(within({ flash: 18 }, quadratic), [2, 2, 3], 100)).toEqual({
      kept: [2, 2, 3],
      moved: 0,
    });
    expect(exchangeAtMargin(within({ flash: 19 }, quadratic), [2, 2, 3], 100).kept).toEqual([
      1, 3, 3,
    ]);
    // From an infeasible point, or with nothing better to move: unchanged.
    expect(exchangeAtMargin(within({ flash: 5 }), [3, 1, 3], 100)).toEqual({
      kept: [3, 1, 3],
      moved: 0,
    });
    expect(exchangeAtMargin(within({ flash: 7 }), [1, 3, 3], 100).moved).toBe(0);
  });
});

describe('schedule', () => {
  it('splits steps into warm-up, pruning and fine-tune', () => {
    const f = { warmupFraction: 0.2, pruneFraction: 0.5 };
    expect(phaseAt(0, 100, f)).toBe('warmup');
    expect(phaseAt(19, 100, f)).toBe('warmup');
    expect(phaseAt(20, 100, f)).toBe('pruning');
    expect(phaseAt(69, 100, f)).toBe('pruning');
    expect(phaseAt(70, 100, f)).toBe('finetune');
  });

  it('ends the pruning phase at an early removal, never the warm-up', () => {
    const f = { warmupFraction: 0.2, pruneFraction: 0.5 };
    expect(phaseAt(35, 100, f, true)).toBe('finetune');
    expect(phaseAt(35, 100, f, false)).toBe('pruning');
    expect(phaseAt(10, 100, f, true)).toBe('warmup');
  });
});

/**
 * A toy allocation problem where uniform width is clearly wrong: three groups whose channels
 * have diminishing value v_g(r) = a_g·exp(−r/(C_g/4)) (rank r) and cost w_g bytes each. The task
 * feedback is dL/dm_c = −v_g(c) + noise (removing a channel loses its value); flash = Σ w_g·c_g.
 */
const TOY = { sizes: [32, 64, 128], value: [4, 1, 2], cost: [1, 4, 2] };
const toyValue = (g: number, r: number) => TOY.value[g] * Math.exp(-r / (TOY.sizes[g] / 4));
const toyTotal = (kept: readonly number[]) =>
  kept.reduce(
    (t, k, g) => t + Array.from({ length: k }, (_, r) => toyValue(g, r)).reduce((a, b) => a + b, 0),
    0,
  );
function toyFlash(widths: readonly number[]): ResourceEvaluation {
  const zero = () => new Float64Array(widths.length);
  const gradients = { flash: zero(), ram: zero(), latency: zero(), macs: zero() };
  widths.forEach((_, g) => (gradients.flash[g] = TOY.cost[g]));
  const flash = widths.reduce((t, c, g) => t + TOY.cost[g] * c, 0);
  return { values: { flash, ram: 0, latency: 0, macs: 0 }, gradients };
}

describe('the method against uniform width on a toy allocation problem', () => {
  it('keeps most of the value the best allocation keeps, far more than uniform width', () => {
    const groups = TOY.sizes.map((size) => ({ size, prunable: true }));
    const budget = toyFlash(TOY.sizes).values.flash / 4;
    const budgets: Budgets = { flash: budget };
    const evaluate = (kept: readonly number[]) => toyFlash(kept).values;
    // Uniform width: the largest r with every group at round(r·C) that fits.
    let uniform = [1, 1, 1];
    for (let r = 0; r <= 1; r += 0.001) {
      const k = TOY.sizes.map((c) => keptChannelCount(r, c));
      if (evaluate(k).flash <= budget) uniform = k;
    }
    // The best allocation: greedy by value per byte from one channel each (values decrease).
    const truth = TOY.sizes.map((c, g) =>
      Float64Array.from({ length: c }, (_, r) => toyValue(g, r)),
    );
    const best = fillToBudget(
      { groups, importances: truth, ranks: truth.map((t) => rankChannels(t)), budgets, evaluate },
      [1, 1, 1],
    ).kept;

    const steps = 120;
    const ctl = new PruningController(groups, {
      ...DEFAULT_PRUNING_OPTIONS,
      piLearningRate: 5 / steps,
    });
    let seed = 3;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647 - 0.5) * 0.005;
    };
    for (let step = 0; step < steps; step++) {
      if (step >= 72) ctl.setLearningRate((5 / steps) * (1 - (0.9 * (step - 72)) / 48));
      const task = TOY.sizes.map((c, g) =>
        Float64Array.from({ length: c }, (_, r) => -0.01 * toyValue(g, r) + noise()),
      );
      ctl.observe(task);
      ctl.updateSizes(task, toyFlash(ctl.continuousWidths()), budgets);
    }
    const [u, b] = [toyTotal(uniform), toyTotal(best)];
    expect(b).toBeGreaterThan(u * 1.1); // the toy does reward allocation
    // π alone (before repair and fill) lands at the budget with most of the best allocation's gain.
    const byPi = ctl.keptCounts();
    expect(evaluate(byPi).flash).toBeGreaterThan(0.9 * budget);
    expect(evaluate(byPi).flash).toBeLessThan(1.05 * budget);
    expect(toyTotal(byPi) - u).toBeGreaterThan(0.6 * (b - u));
    // And the removal step's repair and fill keep it within budget and improve it further.
    const search = { groups, importances: ctl.importances, ranks: ctl.ranks, budgets, evaluate };
    const kept = fillToBudget(search, repairToBudget(search, byPi).kept).kept;
    expect(evaluate(kept).flash).toBeLessThanOrEqual(budget);
    expect(toyTotal(kept) - u).toBeGreaterThan(0.8 * (b - u));
  });
});

describe('shared scale and offsets (offsetRange)', () => {
  const groups = [
    { size: 32, prunable: true },
    { size: 64, prunable: true },
    { size: 128, prunable: true },
  ];
  const run = (offsetRange: number, steps: number) => {
    const ctl = new PruningController(groups, { ...DEFAULT_PRUNING_OPTIONS, offsetRange });
    const budget = quadraticFlash([32, 64, 128]).values.flash / 8;
    for (let step = 0; step < steps; step++) {
      // Task feedback that favours group 0 and disfavours group 2.
      const task = groups.map((g, i) => new Float64Array(g.size).fill((i - 1) * 0.002));
      ctl.observe(task);
      ctl.updateSizes(task, quadraticFlash(ctl.continuousWidths()), { flash: budget });
    }
    return ctl;
  };

  it('is uniform width at range 0 and deviates from it by at most the range', () => {
    const uniform = run(0, 60);
    const [p0, p1, p2] = uniform.sizeProportions;
    expect(p0).toBeCloseTo(p1, 12);
    expect(p1).toBeCloseTo(p2, 12);
    expect(p0).toBeLessThan(0.9);
    const bounded = run(0.5, 60);
    const logs = Array.from(bounded.sizeProportions, Math.log);
    expect(Math.max(...logs) - Math.min(...logs)).toBeLessThanOrEqual(1 + 1e-9);
    expect(Math.max(...logs) - Math.min(...logs)).toBeGreaterThan(0.1);
  });

  it('restores its exact state from a checkpoint', () => {
    const a = run(0.7, 20);
    const b = new PruningController(groups, { ...DEFAULT_PRUNING_OPTIONS, offsetRange: 0.7 });
    b.restore(JSON.parse(JSON.stringify(a.state())));
    const task = groups.map((g) => new Float64Array(g.size).fill(0.001));
    for (const c of [a, b]) {
      c.observe(task);
      c.updateSizes(task, quadraticFlash(c.continuousWidths()), { flash: 5000 });
    }
    expect(Array.from(b.sizeProportions)).toEqual(Array.from(a.sizeProportions));
  });
});
