import { isValidElement, type ReactNode } from 'react';

/** A right-aligned (numeric) column heading. */
export interface NumericColumn {
  readonly num: ReactNode;
}

/** A column heading: plain, or wrapped by `num()` for a right-aligned numeric column. */
export type Column = ReactNode | NumericColumn;

export const num = (label: ReactNode): NumericColumn => ({ num: label });

function isNumeric(c: Column): c is NumericColumn {
  return typeof c === 'object' && c !== null && !isValidElement(c) && 'num' in c;
}

/**
 * A figures table in a focusable, labelled scroll region (so a keyboard can scroll a table
 * wider than the card): one heading row from `columns`, the body rows from `children`.
 */
export function ScrollTable({
  label,
  columns,
  children,
  scrollClass,
  tableClass,
  testId,
  caption,
}: {
  /** The region's accessible name. */
  label: string;
  columns: readonly Column[];
  children: ReactNode;
  /** Extra classes for the scroll region (besides `table-scroll`). */
  scrollClass?: string;
  tableClass?: string;
  testId?: string;
  caption?: ReactNode;
}) {
  return (
    <div
      className={scrollClass ? `table-scroll ${scrollClass}` : 'table-scroll'}
      tabIndex={0}
      role="region"
      aria-label={label}
    >
      <table className={tableClass} data-testid={testId}>
        {caption !== undefined && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={isNumeric(c) ? 'num' : undefined}>
                {isNumeric(c) ? c.num : c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
