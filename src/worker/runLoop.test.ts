import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyRun, tinyRunConfig } from '../testing/sessionHarness';
import { MemoryCheckpointStore, MemoryRunLocks } from './checkpointStore';
import type { SimulatedFaults, WorkerEvent } from './protocol';
import { RunCheckpoints } from './recovery';
import { applyBudgets, PauseGate, repairNotice, trainRun, type LoopContext } from './runLoop';
import type { TrainingRunState } from './trainingRun';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = () => tinyRunConfig({ budgets: { flash: 3000 } });

/** The loop's context around a store, recording what it posts and each failed step. */
function context(faults: SimulatedFaults = {}, goOn = false) {
  const events: WorkerEvent[] = [];
  const failures: unknown[] = [];
  const store = new MemoryCheckpointStore();
  const post = (e: WorkerEvent) => events.push(e);
  const notice: LoopContext['notice'] = (level, message) =>
    events.push({ type: 'notice', level, message });
  const loop: LoopContext = {
    post,
    notice,
    gate: new PauseGate(),
    faults,
    checkpoints: new RunCheckpoints(store, new MemoryRunLocks(), notice, 1 << 20),
    fallBack: async (_run, err) => {
      failures.push(err);
      return goOn;
    },
  };
  const notices = () => events.flatMap((e) => (e.type === 'notice' ? [e.message] : []));
  return { loop, events, failures, store, notices };
}

async function startedRun(): Promise<TrainingRunState> {
  const run = tinyRun(config());
  run.lastGood = await run.trainer.checkpoint();
  return run;
}

/** A started run trained by the loop under `faults`, with how it ended. */
async function trained(faults: SimulatedFaults = {}) {
  const run = await startedRun();
  const loop = context(faults);
  const outcome = await trainRun(run, loop.loop);
  return { ...loop, run, outcome };
}

describe('the step loop', () => {
  it('trains to the end, feeding the chart and storing a checkpoint at the phase change', async () => {
    const { run, outcome, events, store } = await trained();
    expect(outcome).toBe('done');
    expect(run.trainer.step).toBe(30);
    const metrics = events.flatMap((e) => (e.type === 'metrics' ? [e.metrics] : []));
    expect(metrics.at(-1)?.step).toBe(30);
    expect(metrics.at(-1)?.memory?.tensors).toBeGreaterThan(0);
    // Every phase is shown as it begins.
    expect(new Set(metrics.map((m) => m.phase))).toEqual(
      new Set(['warmup', 'pruning', 'finetune', 'done']),
    );
    expect(run.unprunedStep).toBe(6);
    expect(run.unprunedAccuracy).toBeGreaterThanOrEqual(0);
    const stored = await store.load('run-test');
    expect(stored?.checkpoint.step).toBeGreaterThanOrEqual(6);
    expect(run.lastGood?.step).toBe(stored?.checkpoint.step);
    run.trainer.dispose();
  }, 60_000);

  it('rejects a step whose loss is not finite, rolls back and trains on at half the rate', async () => {
    const faults: SimulatedFaults = { nanAtStep: 4 };
    const { run, outcome, notices } = await trained(faults);
    expect(outcome).toBe('done');
    expect(faults.nanAtStep).toBeUndefined();
    expect(notices()).toContainEqual(
      expect.stringMatching(
        /^The loss became NaN at step 4: .*rolled back to step 0 with the learning rate halved to 0\.00500\.$/,
      ),
    );
    expect(run.trainer.optimizer.learningRate).toBeCloseTo(0.005, 12);
    expect(run.trainer.step).toBe(30);
    run.trainer.dispose();
  }, 60_000);

  it('ends as failed when a step throws and there is no backend to go on with', async () => {
    const { run, outcome, failures } = await trained({ deviceLostAtStep: 3 });
    expect(outcome).toBe('failed');
    expect(run.trainer.step).toBe(3);
    expect(failures.map(String)).toEqual(['Error: the GPU device was lost (simulated)']);
    run.trainer.dispose();
  }, 60_000);

  it('holds while paused and ends as stopped when stopped', async () => {
    const run = await startedRun();
    const { loop } = context();
    loop.gate.close();
    const outcome = trainRun(run, loop);
    await new Promise((r) => setTimeout(r, 50));
    expect(run.trainer.step).toBe(0);
    run.stopRequested = true;
    loop.gate.open();
    expect(await outcome).toBe('stopped');
    expect(run.trainer.step).toBe(0);
    run.trainer.dispose();
  }, 60_000);
});

describe('the pause gate', () => {
  it('closes and opens once each, and lets a waiting loop go when opened', async () => {
    const gate = new PauseGate();
    expect(gate.waiting).toBeUndefined();
    expect(gate.open()).toBe(false);
    expect(gate.close()).toBe(true);
    expect(gate.close()).toBe(false);
    let released = false;
    const waiting = gate.waiting!.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    expect(gate.open()).toBe(true);
    await waiting;
    expect(released).toBe(true);
    expect(gate.waiting).toBeUndefined();
  });
});

describe('budgets moved during a run', () => {
  it('are applied from the current step, the last of several before one step winning', async () => {
    const run = tinyRun(config());
    const { events } = context();
    const post = (e: WorkerEvent) => events.push(e);
    const notice = () => {
      throw new Error('no notice expected');
    };
    applyBudgets(run, { flash: 2900 }, post, notice);
    await run.trainer.trainStep();
    applyBudgets(run, { flash: 2800 }, post, notice);
    applyBudgets(run, { flash: 2700 }, post, notice);
    applyBudgets(run, { flash: 2700 }, post, notice);
    expect(run.trainer.budgets).toEqual({ flash: 2700 });
    expect(run.budgetHistory).toEqual([
      { step: 0, budgets: { flash: 2900 } },
      { step: 1, budgets: { flash: 2700 } },
    ]);
    // Unchanged budgets are not answered again.
    expect(events.filter((e) => e.type === 'budgets')).toHaveLength(3);
    expect(events.at(-1)).toEqual({
      type: 'budgets',
      budgets: { flash: 2700 },
      history: run.budgetHistory,
    });
    run.trainer.dispose();
  }, 60_000);

  it('are refused below the smallest network, the run keeping its own', () => {
    const run = tinyRun(config());
    const events: WorkerEvent[] = [];
    const notices: string[] = [];
    applyBudgets(
      run,
      { flash: 10 },
      (e) => events.push(e),
      (_, m) => notices.push(m),
    );
    expect(run.trainer.budgets).toEqual({ flash: 3000 });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^The new budgets were not applied: Budget cannot be met\./);
    expect(events).toEqual([
      {
        type: 'budgets',
        budgets: { flash: 3000 },
        history: [{ step: 0, budgets: { flash: 3000 } }],
        refused: notices[0],
      },
    ]);
    run.trainer.dispose();
  });
});

describe('an early removal, told to the page', () => {
  it('names the step and the scheduled end once, and nothing for a removal at the end', async () => {
    // 40 steps: pruning 8–28; a flash budget 5 % above the unpruned network's is met from the
    // start, at 95 % use (inside the settle band), so it is settled after 3 steps.
    const schedule = { totalSteps: 40, warmupFraction: 0.2, pruneFraction: 0.5 };
    const probe = tinyRun(tinyRunConfig({ budgets: {}, schedule }));
    const flash = probe.trainer.unpruned.flash * 1.05;
    probe.trainer.dispose();
    const early = tinyRun(tinyRunConfig({ budgets: { flash }, schedule }));
    early.lastGood = await early.trainer.checkpoint();
    const first = context();
    expect(await trainRun(early, first.loop)).toBe('done');
    expect(first.notices().filter((m) => m.includes('pruned to its final size'))).toEqual([
      'The budgets were met for 3 pruning steps in a row, so the network was pruned to its ' +
        'final size at step 11 (the pruning phase would have run to step 28) and fine-tunes from there.',
    ]);
    early.trainer.dispose();
    const late = tinyRun(tinyRunConfig({ budgets: {}, schedule }));
    late.lastGood = await late.trainer.checkpoint();
    const second = context();
    expect(await trainRun(late, second.loop)).toBe('done');
    expect(second.notices().filter((m) => m.includes('pruned to its final size'))).toEqual([]);
    late.trainer.dispose();
  }, 90_000);
});

describe('the feasibility repair, told to the page', () => {
  it('is said once, from what the trainer reports, when even the smallest network misses the budgets', async () => {
    // Budgets no network fits (a Start would refuse them): the repair keeps the smallest.
    const run = tinyRun(tinyRunConfig({ budgets: { flash: 10 } }));
    run.lastGood = await run.trainer.checkpoint();
    const { loop, notices } = context();
    expect(await trainRun(run, loop)).toBe('done');
    expect(run.trainer.repair?.feasible).toBe(false);
    expect(notices().filter((m) => m.includes('per layer'))).toEqual([
      'Even one channel per layer does not fit the budget; kept the smallest model.',
    ]);
    run.trainer.dispose();
  }, 60_000);

  it('names the channels it removed, or that even the smallest network misses the budgets', () => {
    expect(repairNotice({ removed: 3, feasible: true })).toBe(
      'Feasibility repair removed 3 more channel(s) to meet the budget.',
    );
    expect(repairNotice({ removed: 3, feasible: false })).toBe(
      'Even one channel per layer does not fit the budget; kept the smallest model.',
    );
  });
});
