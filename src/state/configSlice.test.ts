import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CUSTOM_BOARD_ID, defaultCustomBoard } from '../core/hardware';
import type { WorkerCommand } from '../worker/protocol';
import {
  BUDGET_DEBOUNCE_MS,
  followDefaults,
  setBackendChoice,
  setBudget,
  setCustomBoard,
  setDatasetKind,
  setGeneratedOptions,
  setModel,
} from './configSlice';
import { DEFAULT_GENERATED, DEFAULT_TEXTURED, expectedInput } from './config';
import { sliceContext } from './testing/sliceContext';

const budgetCommands = (sent: WorkerCommand[]) => sent.filter((c) => c.type === 'setBudgets');

describe('configSlice actions on a plain context', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('during a run, tells the worker the last budget once the slider settles', () => {
    const { ctx, sent } = sliceContext();
    ctx.set((s) => ({ run: { ...s.run, status: 'running' } }));
    setBudget(ctx, 'flash', 40_000.4);
    setBudget(ctx, 'flash', 30_000.6);
    expect(ctx.get().config.budgets.flash).toBe(30_001);
    vi.advanceTimersByTime(BUDGET_DEBOUNCE_MS - 1);
    expect(budgetCommands(sent)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(budgetCommands(sent)).toEqual([
      { type: 'setBudgets', budgets: { ...ctx.get().config.budgets } },
    ]);
    expect(budgetCommands(sent)[0]).toMatchObject({ budgets: { flash: 30_001 } });
  });

  it('removes a budget set to nothing, and between runs tells the worker nothing', () => {
    const { ctx, sent } = sliceContext();
    expect(ctx.get().config.budgets.ram).toBeDefined();
    setBudget(ctx, 'ram', undefined);
    setBudget(ctx, 'latency', -3);
    vi.runAllTimers();
    expect(ctx.get().config.budgets.ram).toBeUndefined();
    expect(ctx.get().config.budgets.latency).toBeUndefined();
    expect(sent).toEqual([]);
  });

  it('keeps the budget the user set when the model changes, and moves the others', () => {
    const { ctx } = sliceContext();
    const before = ctx.get().budgetDefaults!;
    setBudget(ctx, 'flash', 12_345);
    setModel(ctx, 'tiny-cnn');
    const after = ctx.get();
    expect(after.config.modelId).toBe('tiny-cnn');
    expect(after.config.budgets.flash).toBe(12_345);
    expect(after.budgetDefaults).not.toEqual(before);
    expect(after.config.budgets.ram).toBe(after.budgetDefaults!.ram);
  });

  it('refuses a custom board with problems, with a notice naming them', () => {
    const { ctx } = sliceContext();
    const config = ctx.get().config;
    setCustomBoard(ctx, { ...defaultCustomBoard(), flashBytes: -1 });
    expect(ctx.get().config).toBe(config);
    expect(ctx.get().notices.at(-1)).toMatchObject({ level: 'error' });
    expect(ctx.get().notices.at(-1)!.message).toMatch(/^The custom board was not changed: \S/);
    setCustomBoard(ctx, defaultCustomBoard());
    expect(ctx.get().config.boardId).toBe(CUSTOM_BOARD_ID);
  });

  it('switches the generated set’s style with that style’s defaults, and keeps it while fields change', () => {
    const { ctx } = sliceContext();
    setDatasetKind(ctx, 'generated');
    setGeneratedOptions(ctx, { style: 'textured' });
    expect(ctx.get().config.dataset).toEqual({ kind: 'generated', ...DEFAULT_TEXTURED });
    setGeneratedOptions(ctx, { samples: 600 });
    expect(ctx.get().config.dataset).toMatchObject({ style: 'textured', size: 32, samples: 600 });
    expect(expectedInput(ctx.get().config.dataset, { input: [8, 8, 1], classes: 2 })).toEqual({
      inputShape: [32, 32, 3],
      numClasses: 10,
    });
    setGeneratedOptions(ctx, { style: 'plain' });
    expect(ctx.get().config.dataset).toEqual({
      kind: 'generated',
      ...DEFAULT_GENERATED,
      style: 'plain',
    });
  });

  it('changes the backend only between runs', () => {
    const { ctx, sent } = sliceContext();
    ctx.set((s) => ({ run: { ...s.run, status: 'paused' } }));
    setBackendChoice(ctx, 'wasm');
    expect(sent).toEqual([]);
    ctx.set((s) => ({ run: { ...s.run, status: 'stopped' } }));
    setBackendChoice(ctx, 'wasm');
    expect(ctx.get().config.backend).toBe('wasm');
    expect(sent).toEqual([{ type: 'chooseBackend', choice: 'wasm' }]);
  });

  it('follows the defaults only where the budget still holds the old default', () => {
    expect(
      followDefaults(
        { flash: 100, ram: 7, macs: 5 },
        { flash: 100, ram: 50, macs: 5 },
        {
          flash: 80,
          ram: 40,
          latency: 2,
        },
      ),
    ).toEqual({ flash: 80, ram: 7, latency: 2 });
  });
});
