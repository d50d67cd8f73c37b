import { describe, expect, it } from 'vitest';
import { makeMetrics } from '../testing/runFixtures';
import { explainBudgets, explainGroups, explainPhase } from './explain';

describe('How it works, with live numbers', () => {
  it('names the most pruned group with its kept channels and π', () => {
    const lines = explainGroups(makeMetrics(200));
    expect(lines[0]).toBe(
      'conv1 keeps 2 of 4 channels (π = 0.50); 4 of 6 prunable channels are kept in all.',
    );
    expect(lines[1]).toMatch(/least pruned group: conv2 keeps 2 of 2/);
  });

  it('says which λ pushes π down while a budget is exceeded', () => {
    const m = makeMetrics(200, {
      resources: { flash: 41 * 1024, ram: 20_000, latency: 5, macs: 1e6 },
      budgets: { flash: 32 * 1024, ram: 25_000 },
      lambdas: { flash: 0.8, ram: 0 },
    });
    expect(explainBudgets(m)).toEqual([
      'flash 41 KB vs budget 32 KB → λ_flash = 0.80 is pushing π down.',
      'RAM 19.5 KB vs budget 24.4 KB: met, no pressure (λ_ram = 0.00).',
    ]);
  });

  it('does not claim λ pushes while it is still zero or during the warm-up', () => {
    const over = {
      resources: { flash: 41 * 1024, ram: 20_000, latency: 5, macs: 1e6 },
      budgets: { flash: 32 * 1024 },
      lambdas: { flash: 0 },
    };
    expect(explainBudgets(makeMetrics(10, over))[0]).toMatch(/pruning starts after the warm-up/);
    expect(explainBudgets(makeMetrics(200, over))[0]).toMatch(/λ_flash = 0.00 starts to grow/);
  });

  it('describes each phase of the schedule', () => {
    expect(explainPhase(makeMetrics(10))).toMatch(/^Warm-up/);
    expect(explainPhase(makeMetrics(200, { phase: 'finetune' }))).toMatch(/physically removed/);
  });
});
