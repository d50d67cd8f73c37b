import { useStudio } from '../state/store';

/** Bigger type for a projector or a small laptop screen; remembered in this browser. */
export function LargeTextToggle() {
  const on = useStudio((s) => s.view.largeText);
  const setLargeText = useStudio((s) => s.setLargeText);
  return (
    <button
      type="button"
      className="header-button"
      aria-pressed={on}
      onClick={() => setLargeText(!on)}
    >
      Large text
    </button>
  );
}
