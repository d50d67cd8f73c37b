import { describe, expect, it } from 'vitest';
import { budgetText } from './format';

describe('budgetText (saved runs)', () => {
  it('states the budgets the network was pruned to, then how they moved', () => {
    expect(budgetText({ config: { budgets: { flash: 9216 } } } as never)).toBe('Flash ≤ 9 KB');
    const moved = budgetText({
      config: { budgets: { flash: 9216, ram: 30_000 } },
      budgetHistory: [
        { step: 0, budgets: { flash: 20_000, ram: 30_000 } },
        { step: 120, budgets: { flash: 9216, ram: 30_000 } },
      ],
    } as never);
    expect(moved).toMatch(/^Flash ≤ 9 KB, RAM ≤ 29\.3 KB \(changed during the run: /);
    expect(moved).toMatch(
      /Start: Flash ≤ 19\.5 KB, RAM ≤ 29\.3 KB; step 120: Flash ≤ 9 KB, RAM ≤ 29\.3 KB\)$/,
    );
  });
});
