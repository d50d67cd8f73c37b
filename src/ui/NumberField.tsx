import { useId, useState } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number | 'any';
  integer?: boolean;
  disabled?: boolean;
  onCommit: (value: number) => void;
}

/**
 * A labelled number input that only reports valid values: while the text is being typed
 * (or is out of range) the store keeps the last good value and the field says what is wrong.
 */
export function NumberField({
  label,
  value,
  min,
  max,
  step = 'any',
  integer = false,
  disabled,
  onCommit,
}: NumberFieldProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const parsed = draft === null ? value : Number(draft);
  const valid =
    draft === null ||
    (draft.trim() !== '' &&
      Number.isFinite(parsed) &&
      parsed >= min &&
      parsed <= max &&
      (!integer || Number.isInteger(parsed)));
  return (
    <div className="number-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        min={min}
        max={max}
        step={integer ? 1 : step}
        value={draft ?? String(value)}
        disabled={disabled}
        aria-invalid={!valid}
        aria-describedby={valid ? undefined : `${id}-error`}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          const n = Number(text);
          if (
            text.trim() !== '' &&
            Number.isFinite(n) &&
            n >= min &&
            n <= max &&
            (!integer || Number.isInteger(n))
          ) {
            onCommit(n);
          }
        }}
        onBlur={() => setDraft(null)}
      />
      {!valid && (
        <span id={`${id}-error`} className="field-error">
          {integer ? 'A whole number' : 'A number'} from {min} to {max}
        </span>
      )}
    </div>
  );
}
