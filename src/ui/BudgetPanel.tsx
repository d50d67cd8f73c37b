import { useId, useMemo, useState } from 'react';
import { boardLimit, budgetProblems } from '../state/budgets';
import {
  selectBoard,
  selectBudgets,
  selectCurrentFigure,
  selectEstimate,
  selectSmallestFigure,
  selectUnprunedFigure,
} from '../state/selectors';
import { presetBudgets, studioStore, useStudio } from '../state/store';
import { RESOURCE_NAMES, type ResourceName } from '../worker/protocol';
import {
  BUDGET_INPUT_UNITS,
  RESOURCE_LABELS,
  budgetsText,
  SLIDER_STEPS,
  formatResource,
  fromInputUnits,
  fromSliderPosition,
  roundForDisplay,
  toInputUnits,
  toSliderPosition,
} from './format';
import { StepPanel } from './StepPanel';

/** Slider ends: from half the narrowest network to a bit above the unpruned one. */
function sliderRange(unpruned: number | undefined, smallest: number | undefined) {
  const max = (unpruned ?? 1e7) * 1.25;
  const min = Math.min(max / 20, smallest !== undefined ? smallest * 0.5 : max / 1000);
  return { min: Math.max(min, 1e-3), max };
}

function BudgetSlider({ resource }: { resource: ResourceName }) {
  const id = useId();
  const label = RESOURCE_LABELS[resource];
  const { unit } = BUDGET_INPUT_UNITS[resource];
  const budget = useStudio((s) => s.config.budgets[resource]);
  const setBudget = useStudio((s) => s.setBudget);
  const board = useStudio(selectBoard);
  const current = useStudio(selectCurrentFigure(resource));
  const unpruned = useStudio(selectUnprunedFigure(resource));
  const smallest = useStudio(selectSmallestFigure(resource));
  const [draft, setDraft] = useState<string | null>(null);
  const { min, max } = sliderRange(unpruned, smallest);
  const limit = boardLimit(board, resource);
  const enabled = budget !== undefined;
  const over = enabled && current !== undefined && current > budget;

  const enable = (on: boolean) => {
    setBudget(resource, on ? defaultFor(resource, unpruned) : undefined);
  };

  return (
    <div className={`budget${enabled ? '' : ' budget-off'}`} data-testid={`budget-${resource}`}>
      <div className="budget-head">
        <label className="budget-name" htmlFor={`${id}-range`}>
          {label} budget
        </label>
        <label className="budget-toggle">
          <input type="checkbox" checked={enabled} onChange={(e) => enable(e.target.checked)} />
          Limit {resource === 'flash' || resource === 'latency' ? label.toLowerCase() : label}
        </label>
      </div>
      <div className="budget-inputs">
        <input
          id={`${id}-range`}
          type="range"
          min={0}
          max={SLIDER_STEPS}
          step={1}
          disabled={!enabled}
          value={toSliderPosition(budget ?? max, min, max)}
          aria-valuetext={enabled ? formatResource(resource, budget) : 'no limit'}
          aria-describedby={`${id}-figures`}
          onChange={(e) => {
            setDraft(null);
            const value = roundForDisplay(fromSliderPosition(Number(e.target.value), min, max));
            setBudget(resource, resource === 'latency' ? value : Math.round(value));
          }}
        />
        <span className="budget-number">
          <input
            type="text"
            inputMode="decimal"
            aria-label={`${label} budget in ${unit}`}
            disabled={!enabled}
            value={draft ?? (enabled ? toInputUnits(resource, budget) : '')}
            placeholder="off"
            aria-invalid={draft !== null && fromInputUnits(resource, draft) === undefined}
            onChange={(e) => {
              setDraft(e.target.value);
              const value = fromInputUnits(resource, e.target.value);
              if (value !== undefined) setBudget(resource, value);
            }}
            onBlur={() => setDraft(null)}
          />
          <span className="unit" aria-hidden="true">
            {unit}
          </span>
        </span>
      </div>
      <p className="budget-figures" id={`${id}-figures`}>
        <span>
          Now:{' '}
          <strong className={over ? 'over' : undefined}>
            {current !== undefined ? formatResource(resource, current) : '–'}
          </strong>
          {over && <span className="over"> (over budget)</span>}
        </span>
        <span>Unpruned: {unpruned !== undefined ? formatResource(resource, unpruned) : '–'}</span>
        <span>Board: {limit !== undefined ? formatResource(resource, limit) : 'no limit'}</span>
      </p>
    </div>
  );
}

/** The budget a re-enabled limit starts from: the preset's, or a quarter of the model. */
function defaultFor(resource: ResourceName, unpruned: number | undefined): number | undefined {
  const { config } = studioStore.getState();
  const preset = presetBudgets(config)[resource];
  if (preset !== undefined) return preset;
  return unpruned !== undefined ? Math.round(unpruned / 4) : undefined;
}

/** Budgets below the narrowest network or above the board, said before starting. */
export function BudgetProblems() {
  const budgets = useStudio(selectBudgets);
  const estimate = useStudio(selectEstimate);
  const board = useStudio(selectBoard);
  const problems = useMemo(
    () => budgetProblems(budgets, estimate?.smallest, board),
    [budgets, estimate, board],
  );
  if (problems.length === 0) return null;
  return (
    <ul className="budget-problems" id="budget-problems" data-testid="budget-problems">
      {problems.map((p) =>
        p.smallest !== undefined ? (
          <li key={`${p.resource}-small`}>
            <strong>Infeasible:</strong> the {RESOURCE_LABELS[p.resource].toLowerCase()} budget of{' '}
            {formatResource(p.resource, p.budget)} is below the smallest this model can reach (≈{' '}
            {formatResource(p.resource, p.smallest)} with one channel per layer). Raise it or pick a
            smaller model.
          </li>
        ) : (
          <li key={`${p.resource}-limit`}>
            The {RESOURCE_LABELS[p.resource].toLowerCase()} budget of{' '}
            {formatResource(p.resource, p.budget)} is more than the board has free (
            {formatResource(p.resource, p.limit ?? 0)}); the model may not fit.
          </li>
        ),
      )}
    </ul>
  );
}

/** Where the budgets of the run on show moved, with the steps (nothing if they never did). */
function BudgetHistory() {
  const history = useStudio((s) => s.run.budgetHistory ?? s.run.summary?.budgetHistory);
  if (!history || history.length < 2) return null;
  return (
    <div className="budget-history" data-testid="budget-history">
      <p className="hint">
        This run&apos;s budgets moved; the network is pruned to the last ones in force:
      </p>
      <ol>
        {history.map((c, i) => (
          <li key={`${c.step}-${i}`}>
            {i === 0 ? 'Start' : `Step ${c.step}`}: {budgetsText(c.budgets)}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Step 4: what the pruned network must fit in. */
export function BudgetPanel() {
  const resetBudgets = useStudio((s) => s.resetBudgets);
  return (
    <StepPanel
      name="budget"
      step={4}
      title="Budgets"
      actions={
        <button type="button" className="secondary small" onClick={resetBudgets}>
          Reset to board preset
        </button>
      }
    >
      <p className="hint">
        Pruning shrinks the network until every limited figure is within its budget. Moving a slider
        during a run re-targets the pruning.
      </p>
      {RESOURCE_NAMES.map((r) => (
        <BudgetSlider key={r} resource={r} />
      ))}
      <BudgetProblems />
      <BudgetHistory />
    </StepPanel>
  );
}
