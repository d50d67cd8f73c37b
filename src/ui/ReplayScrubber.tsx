import { useId } from 'react';
import { selectReplayStep } from '../state/selectors';
import { useStudio } from '../state/store';

/**
 * Replay of a finished (or reopened) run: every chart moves to the recorded step chosen here.
 * A native range input, so arrow keys, Page Up/Down, Home and End move it.
 */
export function ReplayScrubber() {
  const id = useId();
  const finished = useStudio((s) => s.run.status === 'finished');
  const first = useStudio((s) => s.run.series.snapshots?.points[0]?.step);
  const last = useStudio((s) => s.run.latest?.step);
  const replayStep = useStudio(selectReplayStep);
  const setReplayStep = useStudio((s) => s.setReplayStep);
  if (!finished || first === undefined || last === undefined || last <= first) return null;
  const value = replayStep ?? last;
  return (
    <div className="replay" data-testid="replay">
      <label htmlFor={`${id}-step`}>Replay step</label>
      <input
        id={`${id}-step`}
        type="range"
        min={first}
        max={last}
        step={1}
        value={value}
        aria-valuetext={`Step ${value} of ${last}`}
        onChange={(e) => {
          const step = Number(e.target.value);
          setReplayStep(step >= last ? undefined : step);
        }}
      />
      <output htmlFor={`${id}-step`} data-testid="replay-step">
        Step {value} of {last}
      </output>
      <button
        type="button"
        className="secondary small"
        disabled={replayStep === undefined}
        onClick={() => setReplayStep(undefined)}
      >
        Go to the end
      </button>
    </div>
  );
}
