import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { analyseGraph } from '../core/graphAnalysis';
import { scheduleBoundaries } from '../core/pruning';
import { zooModel } from '../core/zoo';
import { generateShapes } from '../data/generated';
import { createResourceEstimator } from './estimator';
import { PruningTrainer, type TrainerSettings } from './trainer';
import { testTrainerSettings } from '../testing/trainerSettings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dataset = generateShapes({ size: 12, classes: 4, samples: 800, seed: 1 });

function setup(settings: Partial<TrainerSettings>, width = 4) {
  const analysed = analyseGraph(
    zooModel('tiny-cnn').build({ inputShape: [12, 12, 1], numClasses: 4, widthMultiplier: width }),
  );
  const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
  const unpruned = estimator.report(analysed.groups.map((g) => g.size)).values;
  const trainer = new PruningTrainer(analysed, dataset, testTrainerSettings(settings), estimator);
  return { trainer, estimator, unpruned };
}

describe('PruningTrainer', () => {
  it('meets a flash budget of 25% of the unpruned model and stays well above chance, without leaking tensors', async () => {
    const baseline = tf.memory().numTensors;
    const probe = setup({});
    const budget = probe.unpruned.flash * 0.25;
    probe.trainer.dispose();
    const { trainer, estimator } = setup({ budgets: { flash: budget }, totalSteps: 160 });
    const countsByPhase = new Map<string, number[]>();
    while (!trainer.done) {
      await trainer.trainStep();
      // Grouped by the phase a step ends in: the step that removes the channels (early, once
      // the budget is met) is the first of the fine-tuning phase.
      const phase = trainer.done ? 'finetune' : trainer.phase;
      const list = countsByPhase.get(phase) ?? [];
      list.push(tf.memory().numTensors);
      countsByPhase.set(phase, list);
    }
    const final = estimator.report(trainer.keptCounts()).values;
    expect(final.flash).toBeLessThanOrEqual(budget);
    // ... and uses it (pull from below + fill-to-budget at removal, docs/method-notes.md).
    expect(final.flash).toBeGreaterThan(0.85 * budget);
    expect(trainer.removed).toBe(true);
    // The network really got smaller.
    const weights = trainer.network.trainableVariables().reduce((s, v) => s + v.size, 0);
    expect(weights).toBeLessThan(0.5 * 9 * 32 * 64);
    const accuracy = await trainer.accuracy();
    expect(accuracy).toBeGreaterThan(0.6); // chance is 0.25
    // Tensor count is flat within each phase (after the first step creates optimiser state).
    for (const [phase, counts] of countsByPhase) {
      const steady = counts.slice(1);
      expect(new Set(steady).size, `tensor count in ${phase}`).toBe(1);
    }
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('gives the same π trajectory for the same seed and another for another seed', async () => {
    const trajectory = async (seed: number) => {
      const { trainer, unpruned } = setup(
        { seed, totalSteps: 24, warmupFraction: 0.25, pruneFraction: 0.75 },
        2,
      );
      trainer.setBudgets({ flash: unpruned.flash * 0.5 });
      const out: number[][] = [];
      while (!trainer.done) {
        await trainer.trainStep();
        out.push(Array.from(trainer.controller.sizeProportions));
      }
      trainer.dispose();
      return out;
    };
    const a = await trajectory(11);
    const b = await trajectory(11);
    const c = await trajectory(12);
    expect(a).toEqual(b);
    expect(a.at(-1)).not.toEqual([1, 1, 1]);
    expect(c).not.toEqual(a);
  });

  it('trains the whole network without masks, π or removal when pruning is off', async () => {
    const baseline = tf.memory().numTensors;
    const { trainer, unpruned } = setup({ pruning: false, totalSteps: 60 }, 2);
    trainer.setBudgets({ flash: unpruned.flash * 0.25 });
    const sizes = trainer.original.groups.map((g) => g.size);
    const weightsBefore = trainer.network.trainableVariables().reduce((s, v) => s + v.size, 0);
    expect(trainer.network.maskVariables()).toEqual([]);
    while (!trainer.done) await trainer.trainStep();
    expect(trainer.removed).toBe(false);
    expect(trainer.keptCounts()).toEqual(sizes);
    expect(Array.from(trainer.controller.sizeProportions)).toEqual(sizes.map(() => 1));
    expect(trainer.controller.observedSteps).toBe(0);
    const weightsAfter = trainer.network.trainableVariables().reduce((s, v) => s + v.size, 0);
    expect(weightsAfter).toBe(weightsBefore);
    expect(await trainer.accuracy()).toBeGreaterThan(0.5); // chance is 0.25
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('follows a budget lowered during pruning', async () => {
    const { trainer, estimator, unpruned } = setup({ totalSteps: 80 }, 3);
    trainer.setBudgets({ flash: unpruned.flash * 0.6 });
    while (trainer.step < 40) await trainer.trainStep();
    const midway = estimator.report(trainer.keptCounts()).values.flash;
    const lower = unpruned.flash * 0.3;
    trainer.setBudgets({ flash: lower });
    while (trainer.phase === 'pruning') await trainer.trainStep();
    const before = estimator.report(trainer.keptCounts()).values.flash;
    expect(before).toBeLessThan(midway);
    while (!trainer.done) await trainer.trainStep();
    expect(estimator.report(trainer.keptCounts()).values.flash).toBeLessThanOrEqual(lower);
    trainer.dispose();
  });
});

describe('early removal once the budget is met (settleSteps)', () => {
  // 40 steps: warm-up 8, pruning 20; an early removal may happen before step 18.
  const settings = { totalSteps: 40, seed: 7, settleSteps: 4 };

  it('removes the channels after that many pruning steps in a row within the budget; a resumed run does the same', async () => {
    // A budget the unpruned network already meets: every pruning step is within it, so the
    // streak is complete after the first 4 and the channels go at the next step.
    const run = async (stopAt?: number) => {
      const { trainer, estimator, unpruned } = setup(settings, 1);
      const budget = unpruned.flash * 1.05;
      let t = trainer;
      t.setBudgets({ flash: budget });
      const trajectory: number[][] = [];
      let phaseAfterRemoval: string | undefined;
      while (!t.done) {
        if (t.step === stopAt) {
          const stored = structuredClone(await t.checkpoint());
          t.dispose();
          t = PruningTrainer.fromCheckpoint(t.original, dataset, t.settings, estimator, stored);
        }
        const wasRemoved = t.removed;
        await t.trainStep();
        if (t.removed && !wasRemoved) phaseAfterRemoval = t.phase;
        trajectory.push([t.settledSteps, t.removed ? 1 : 0, ...t.keptCounts()]);
      }
      expect(estimator.report(t.keptCounts()).values.flash).toBeLessThanOrEqual(budget);
      const result = { trajectory, removedAt: t.removedAtStep, phaseAfterRemoval };
      t.dispose();
      return result;
    };
    const straight = await run();
    const { warmupEnd } = scheduleBoundaries(40, { warmupFraction: 0.2, pruneFraction: 0.5 });
    expect(straight.removedAt).toBe(warmupEnd + 4);
    // The streak as counted after each step: 0 in the warm-up, then 1, 2, 3, 4.
    expect(straight.trajectory.slice(warmupEnd - 1, warmupEnd + 4).map((r) => r[0])).toEqual([
      0, 1, 2, 3, 4,
    ]);
    // The rest is fine-tuning, and the smaller network does not change any more.
    expect(straight.phaseAfterRemoval).toBe('finetune');
    const removal = straight.trajectory.findIndex((row) => row[1] === 1);
    for (const row of straight.trajectory.slice(removal)) {
      expect(row.slice(2)).toEqual(straight.trajectory[removal].slice(2));
    }
    // Resumed in the middle of the streak: the same run.
    expect((await run(warmupEnd + 2)).trajectory).toEqual(straight.trajectory);
  });

  it('counts only steps that meet a budget the network has to shrink for', async () => {
    const { trainer, estimator, unpruned } = setup(settings, 2);
    const budget = unpruned.flash * 0.8;
    trainer.setBudgets({ flash: budget });
    while (!trainer.removed) {
      const pruning = trainer.phase === 'pruning';
      await trainer.trainStep();
      if (pruning && !trainer.removed) {
        const within = estimator.report(trainer.keptCounts()).values.flash <= budget;
        // A step over the budget ends the streak; from step 18 on (the second half of the
        // pruning phase) nothing counts.
        if (!within || trainer.step - 1 >= 18) expect(trainer.settledSteps).toBe(0);
        else expect(trainer.settledSteps).toBeGreaterThan(0);
      }
    }
    trainer.dispose();
  });

  it('waits until the kept channels use the budget to within the settle band', async () => {
    // A budget of twice the unpruned flash: met at once by the full widths (the streak counts),
    // which use only half of it, and π cannot grow past them.
    const removedAt = async (band: number | undefined, factor: number) => {
      const { trainer, unpruned } = setup({ ...settings, settleBand: band }, 1);
      trainer.setBudgets({ flash: unpruned.flash * factor });
      const uses: number[] = [];
      while (!trainer.removed) {
        uses.push(trainer.budgetUse());
        await trainer.trainStep();
      }
      const result = { at: trainer.removedAtStep, settled: trainer.settledSteps, uses };
      trainer.dispose();
      return result;
    };
    const { warmupEnd, pruneEnd } = scheduleBoundaries(40, {
      warmupFraction: 0.2,
      pruneFraction: 0.5,
    });
    // Default band (10 %): half the budget unused, so no early removal; the streak itself was
    // complete (it counts until the window closes at step 18, then restarts at 0).
    const waited = await removedAt(undefined, 2);
    expect(waited.uses[warmupEnd + 4]).toBeCloseTo(0.5, 5);
    expect(waited.at).toBe(pruneEnd);
    // No band (1): removed as soon as the streak is complete.
    expect((await removedAt(1, 2)).at).toBe(warmupEnd + 4);
    // A band of 50 % admits a use of 1/1.9.
    expect((await removedAt(0.5, 1.9)).at).toBe(warmupEnd + 4);
    expect((await removedAt(0.45, 1.9)).at).toBe(pruneEnd);
  });

  it('measures the use on the tightest budget when there are several', async () => {
    // Flash is half used, RAM to 1/1.05: RAM binds, and its use is within the band.
    const { trainer, unpruned } = setup(settings, 1);
    trainer.setBudgets({ flash: unpruned.flash * 2, ram: unpruned.ram * 1.05 });
    expect(trainer.budgetUse()).toBeCloseTo(1 / 1.05, 5);
    while (!trainer.removed) await trainer.trainStep();
    const { warmupEnd } = scheduleBoundaries(40, { warmupFraction: 0.2, pruneFraction: 0.5 });
    expect(trainer.removedAtStep).toBe(warmupEnd + 4);
    trainer.dispose();
  });

  it('waits for the end of the pruning phase without a budget, or with one met only in its second half', async () => {
    const { trainer, unpruned } = setup(settings, 1);
    // No budget until step 18 (nothing to settle on), then one that is met at once.
    while (trainer.step < 18) await trainer.trainStep();
    expect(trainer.removed).toBe(false);
    expect(trainer.settledSteps).toBe(0);
    trainer.setBudgets({ flash: unpruned.flash * 1.05 });
    while (!trainer.removed) await trainer.trainStep();
    expect(trainer.removedAtStep).toBe(28);
    trainer.dispose();
  });

  it('keeps the whole pruning phase once the user changes the budgets mid-run, also after a resume', async () => {
    const { trainer, estimator, unpruned } = setup(settings, 1);
    trainer.setBudgets({ flash: unpruned.flash * 1.05 });
    while (trainer.step < 9) await trainer.trainStep();
    trainer.setBudgets({ flash: unpruned.flash * 1.1 });
    expect(trainer.earlyRemovalOff).toBe(true);
    const stored = structuredClone(await trainer.checkpoint());
    trainer.dispose();
    const resumed = PruningTrainer.fromCheckpoint(
      trainer.original,
      dataset,
      trainer.settings,
      estimator,
      stored,
    );
    // The same budgets again (as a roll-back restores them) change nothing.
    resumed.setBudgets({ ...resumed.budgets });
    while (!resumed.removed) await resumed.trainStep();
    expect(resumed.removedAtStep).toBe(28);
    resumed.dispose();
  });
});

describe('checkpoints', () => {
  it('a run resumed from a stored checkpoint continues exactly as the uninterrupted run', async () => {
    const settings = { totalSteps: 30, warmupFraction: 0.2, pruneFraction: 0.5, seed: 5 };
    const run = async (stopAt?: number) => {
      const { trainer, estimator, unpruned } = setup(settings, 2);
      let t = trainer;
      t.setBudgets({ flash: unpruned.flash * 0.5 });
      const trajectory: number[][] = [];
      while (!t.done) {
        if (t.step === stopAt) {
          // Through structured clone, as IndexedDB stores it.
          const stored = structuredClone(await t.checkpoint());
          t.dispose();
          t = PruningTrainer.fromCheckpoint(t.original, dataset, t.settings, estimator, stored);
        }
        await t.trainStep();
        trajectory.push([...Array.from(t.controller.sizeProportions), t.removed ? 1 : 0]);
      }
      const weights = await t.weights();
      t.dispose();
      return { trajectory, weights };
    };
    const straight = await run();
    for (const stopAt of [12, 25]) {
      const resumed = await run(stopAt);
      expect(resumed.trajectory).toEqual(straight.trajectory);
      expect(resumed.weights).toEqual(straight.weights);
    }
  });
});

describe('memory', () => {
  it('frees every tensor of a step that fails midway, and the run can go on', async () => {
    const { trainer } = setup({ totalSteps: 20 }, 1);
    await trainer.trainStep(); // the first step creates the optimiser's moments
    const before = tf.memory().numTensors;
    const apply = vi.spyOn(trainer.optimizer, 'apply').mockImplementationOnce(() => {
      throw new Error('simulated backend failure');
    });
    // Fails after the batch, the forward pass, the gradients and the batch statistics exist.
    await expect(trainer.trainStep()).rejects.toThrow('simulated backend failure');
    expect(tf.memory().numTensors).toBe(before);
    expect(trainer.step).toBe(1);
    apply.mockRestore();
    await trainer.trainStep();
    expect(trainer.step).toBe(2);
    trainer.dispose();
  });

  it('holds tensor count and bytes flat over a 1,000-step run and frees everything at the end', async () => {
    const small = generateShapes({ size: 8, classes: 3, samples: 120, seed: 9 });
    const analysed = analyseGraph(
      zooModel('tiny-cnn').build({ inputShape: [8, 8, 1], numClasses: 3, widthMultiplier: 0.5 }),
    );
    const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
    const unpruned = estimator.report(analysed.groups.map((g) => g.size)).values;
    const baseline = tf.memory();
    const trainer = new PruningTrainer(
      analysed,
      small,
      testTrainerSettings({
        totalSteps: 1000,
        batchSize: 4,
        seed: 1,
        budgets: { flash: unpruned.flash * 0.9 },
        validationSamples: 20,
      }),
      estimator,
    );
    const seen = new Map<string, Set<string>>();
    let previousPhase = '';
    while (!trainer.done) {
      const phase = trainer.phase;
      await trainer.trainStep();
      if (phase !== previousPhase) {
        previousPhase = phase; // the first step of a phase may allocate (optimiser, removal)
        continue;
      }
      const { numTensors, numBytes } = tf.memory();
      const set = seen.get(phase) ?? new Set<string>();
      set.add(`${numTensors}/${numBytes}`);
      seen.set(phase, set);
    }
    expect([...seen.keys()]).toEqual(['warmup', 'pruning', 'finetune']);
    for (const [phase, values] of seen) expect([...values], phase).toHaveLength(1);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(baseline.numTensors);
    expect(tf.memory().numBytes).toBe(baseline.numBytes);
  });
});
