import type { ReactNode } from 'react';

/**
 * One numbered step of the set-up column (1 Dataset … 5 Run): a section labelled by its
 * heading `${name}-title`, the heading's `actions` (buttons) beside it.
 */
export function StepPanel({
  name,
  step,
  title,
  heading: Heading = 'h3',
  className,
  actions,
  children,
}: {
  name: string;
  step: number;
  title: string;
  heading?: 'h2' | 'h3';
  /** Classes besides "panel". */
  className?: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const heading = (
    <Heading id={`${name}-title`}>
      <span className="step-number">{step}</span> {title}
    </Heading>
  );
  return (
    <section
      className={className ? `panel ${className}` : 'panel'}
      aria-labelledby={`${name}-title`}
    >
      {actions ? (
        <div className="panel-head">
          {heading}
          {actions}
        </div>
      ) : (
        heading
      )}
      {children}
    </section>
  );
}
