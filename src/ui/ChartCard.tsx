import type { ReactNode } from 'react';

/** Distinct, print-safe line colours (Tableau 10), one per channel group. */
export const SERIES_COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#e07b00',
  '#138d9c',
  '#8c564b',
  '#c2409a',
  '#5f6368',
  '#8a8d00',
];

export const KEPT_COLOUR = '#1f5fa8';
export const PRUNED_COLOUR = '#c3c9d2';
export const BUDGET_COLOUR = '#b3261e';

/** A titled card around a chart, with a short text saying what it shows (for everyone). */
export function ChartCard({
  id,
  title,
  description,
  empty,
  children,
  actions,
  wide,
  premount,
}: {
  id: string;
  title: string;
  description: string;
  /** Shown instead of the chart while there is nothing to draw. */
  empty?: string;
  children: ReactNode;
  actions?: ReactNode;
  wide?: boolean;
  /**
   * Draw the chart even while empty, hidden under the placeholder: its first draw (measuring
   * its width, laying out the axes) is then paid while the page loads rather than in the tasks
   * right after Start, when every live chart would otherwise mount at once, and the card
   * keeps its height when the first step arrives.
   */
  premount?: boolean;
}) {
  return (
    <figure
      className={`chart-card${wide ? ' wide' : ''}`}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-description`}
      data-testid={id}
    >
      <div className="chart-head">
        <h3 id={`${id}-title`}>{title}</h3>
        {actions}
      </div>
      <p className="hint" id={`${id}-description`}>
        {description}
      </p>
      {premount ? (
        <div className={`chart-body${empty ? ' is-empty' : ''}`}>
          {empty && <p className="chart-empty">{empty}</p>}
          <div className="chart-frame" aria-hidden={empty ? true : undefined}>
            {children}
          </div>
        </div>
      ) : empty ? (
        <p className="chart-empty">{empty}</p>
      ) : (
        children
      )}
    </figure>
  );
}

export const NO_RUN_YET = 'Start a run to see this chart.';
