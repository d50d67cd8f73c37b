import type { ReactNode } from 'react';

/** A labelled drop-down in a `field` box: one option per entry of `options`. */
export function SelectField({
  id,
  label,
  value,
  options,
  disabled,
  describedBy,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  options: readonly { value: string; label: ReactNode }[];
  disabled?: boolean;
  describedBy?: string;
  onChange: (value: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
