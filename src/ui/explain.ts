/**
 * Sentences for the "How it works" panel, filled with the current run's numbers. Pure, so the
 * wording is tested against a given StepMetrics.
 */
import type { ResourceName, StepMetrics } from '../worker/protocol';
import { RESOURCE_LABELS, formatResource } from './format';

const LAMBDA_NAMES: Record<ResourceName, string> = {
  flash: 'λ_flash',
  ram: 'λ_ram',
  latency: 'λ_latency',
  macs: 'λ_macs',
};

/** What π and the masks currently do: the most and the least pruned groups. */
export function explainGroups(m: StepMetrics): string[] {
  const groups = m.groups.filter((g) => g.prunable);
  if (groups.length === 0) return [];
  const sorted = [...groups].sort((a, b) => a.sizeProportion - b.sizeProportion);
  const say = (g: (typeof groups)[number]) =>
    `${g.name} keeps ${g.kept} of ${g.size} channels (π = ${g.sizeProportion.toFixed(2)})`;
  const kept = groups.reduce((s, g) => s + g.kept, 0);
  const size = groups.reduce((s, g) => s + g.size, 0);
  const lines = [`${say(sorted[0])}; ${kept} of ${size} prunable channels are kept in all.`];
  if (sorted.length > 1) lines.push(`The least pruned group: ${say(sorted[sorted.length - 1])}.`);
  return lines;
}

/** The budget feedback: for each limited resource, figure vs budget and what λ does. */
export function explainBudgets(m: StepMetrics): string[] {
  const lines: string[] = [];
  for (const r of Object.keys(RESOURCE_LABELS) as ResourceName[]) {
    const budget = m.budgets[r];
    if (budget === undefined) continue;
    const now = m.resources[r];
    const lambda = m.lambdas[r] ?? 0;
    // Acronyms keep their capitals: "flash", "latency" but "RAM", "MACs".
    const name =
      r === 'flash' || r === 'latency' ? RESOURCE_LABELS[r].toLowerCase() : RESOURCE_LABELS[r];
    const figures = `${name} ${formatResource(r, now)} vs budget ${formatResource(r, budget)}`;
    const l = `${LAMBDA_NAMES[r]} = ${lambda.toFixed(2)}`;
    if (now > budget && m.phase === 'warmup') {
      lines.push(`${figures}: over; pruning starts after the warm-up.`);
    } else if (now > budget && lambda > 0.005) lines.push(`${figures} → ${l} is pushing π down.`);
    else if (now > budget) lines.push(`${figures}: over, so ${l} starts to grow.`);
    else if (lambda > 0.005) lines.push(`${figures}: met; ${l} is easing off.`);
    else lines.push(`${figures}: met, no pressure (${l}).`);
  }
  return lines;
}

export function explainPhase(m: StepMetrics): string {
  switch (m.phase) {
    case 'warmup':
      return 'Warm-up: every channel is kept (π = 1) while the importances accumulate.';
    case 'pruning':
      return 'Pruning: each step moves π by the task loss and the budget feedback, then re-ranks channels and redraws the masks.';
    case 'finetune':
      return 'Fine-tuning: π is frozen, pruned channels are physically removed and the smaller network keeps training.';
    case 'done':
      return 'Done: the pruned network is ready to export.';
    default:
      return '';
  }
}
