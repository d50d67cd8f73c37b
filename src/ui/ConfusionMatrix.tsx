import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { selectSampleAudioProblem } from '../state/selectors';
import { useStudio } from '../state/store';
import type { ConfusionEvaluation, EvaluatedModel } from '../worker/protocol';
import { ChartCard } from './ChartCard';
import { ClipPlayer, type ClipPlayerState } from './clipPlayer';
import { formatPercent } from './format';
import { SampleCanvas } from './SampleCanvas';
import { useAfterPaint } from './useAfterPaint';

const MODEL_NAMES: Record<EvaluatedModel, string> = {
  float: 'Float model',
  int8: 'Int8 model',
};

/** Background of a cell: darker with its share of the row, blue on the diagonal, red off it. */
function cellStyle(count: number, rowTotal: number, diagonal: boolean) {
  if (count === 0 || rowTotal === 0) return undefined;
  // At most 60% colour, so the dark figures keep a contrast of at least 4.5:1.
  const share = 0.08 + 0.52 * (count / rowTotal);
  const [r, g, b] = diagonal ? [31, 95, 168] : [179, 38, 30];
  const mix = (v: number) => Math.round(255 * (1 - share) + v * share);
  return { background: `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})` };
}

/** A ratio as a percentage; whole percents where the columns are narrow. */
const percentOrDash = (v: number | null, compact = false) =>
  v === null ? '–' : compact ? `${Math.round(v * 100)}%` : formatPercent(v);

/** The sample's Play button (audio uploads): plays its clip, or stops it when pressed again. */
interface PlayControl {
  state: ClipPlayerState;
  /** Why no clip can be played at all (a reopened run), shown once above the samples. */
  problem?: string;
  problemId: string;
  /** Per validation index: why that clip could not be had. */
  errors: Record<number, string>;
  toggle: (validationIndex: number) => void;
}

/** One listed sample with its number in the validation set (and its Play button for audio). */
function SamplePicture({
  evaluation,
  index,
  label,
  play,
}: {
  evaluation: ConfusionEvaluation;
  index: number;
  label: string;
  play?: PlayControl;
}) {
  const errorId = useId();
  const validationIndex = evaluation.samples.validationIndex[index];
  const number = validationIndex + 1;
  const error = play?.errors[validationIndex];
  const active =
    play !== undefined &&
    (play.state.playing === validationIndex || play.state.loading === validationIndex);
  return (
    <figure className="sample">
      <SampleCanvas samples={evaluation.samples} index={index} label={label} />
      <figcaption>#{number}</figcaption>
      {play && (
        <>
          <button
            type="button"
            className="secondary small play"
            aria-label={`${active ? 'Stop' : 'Play'} validation sample ${number}`}
            aria-busy={play.state.loading === validationIndex || undefined}
            aria-describedby={play.problem ? play.problemId : error ? errorId : undefined}
            disabled={play.problem !== undefined || error !== undefined}
            onClick={() => play.toggle(validationIndex)}
          >
            <span aria-hidden="true">{active ? '■' : '▶'}</span> {active ? 'Stop' : 'Play'}
          </button>
          {error && (
            <small className="play-error" id={errorId} title={error}>
              {error}
            </small>
          )}
        </>
      )}
    </figure>
  );
}

/**
 * Plays the listed clips of an audio upload, one at a time; everything stops when the list
 * closes (or shows another cell).
 */
function usePlayControl(enabled: boolean): PlayControl | undefined {
  const request = useStudio((s) => s.requestSampleAudio);
  const problem = useStudio(selectSampleAudioProblem);
  const problemId = useId();
  const [state, setState] = useState<ClipPlayerState>({});
  const [errors, setErrors] = useState<Record<number, string>>({});
  const player = useRef<ClipPlayer | undefined>(undefined);
  useEffect(() => {
    if (!enabled) return;
    const made = new ClipPlayer(
      request,
      () => new AudioContext(),
      setState,
      (validationIndex, message) => setErrors((e) => ({ ...e, [validationIndex]: message })),
    );
    player.current = made;
    return () => {
      made.close();
      if (player.current === made) player.current = undefined;
    };
  }, [enabled, request]);
  if (!enabled) return undefined;
  return {
    state,
    problem,
    problemId,
    errors,
    toggle: (validationIndex) => void player.current?.toggle(validationIndex),
  };
}

function CellSamples({
  evaluation,
  cell,
  onClose,
}: {
  evaluation: ConfusionEvaluation;
  cell: number;
  onClose: () => void;
}) {
  const n = evaluation.numClasses;
  const truth = evaluation.classNames[Math.floor(cell / n)];
  const guess = evaluation.classNames[cell % n];
  const count = evaluation.counts[cell];
  const listed = evaluation.cellSamples[cell];
  const play = usePlayControl(evaluation.audio === true && listed.length > 0);
  return (
    <div className="cell-samples" data-testid="cell-samples" aria-live="polite">
      <div className="panel-head">
        <h4>
          True {truth}, predicted {guess}: {count} sample{count === 1 ? '' : 's'}
          {count > listed.length ? ` (the first ${listed.length} shown)` : ''}
        </h4>
        <button type="button" className="secondary small" onClick={onClose}>
          Close
        </button>
      </div>
      {play?.problem && (
        <p className="hint" id={play.problemId}>
          {play.problem}
        </p>
      )}
      {listed.length === 0 ? (
        <p className="hint">No validation sample falls in this cell.</p>
      ) : (
        <div className={`sample-grid${play ? ' audio' : ''}`}>
          {listed.map((index) => (
            <SamplePicture
              key={index}
              evaluation={evaluation}
              index={index}
              play={play}
              label={`Validation sample ${evaluation.samples.validationIndex[index] + 1}: true ${truth}, predicted ${guess}`}
            />
          ))}
        </div>
      )}
    </div>
  );
}

function Matrix({ evaluation }: { evaluation: ConfusionEvaluation }) {
  const id = useId();
  const n = evaluation.numClasses;
  const names = evaluation.classNames;
  // Beyond a dozen classes the columns are numbered (the rows give number and name).
  const compact = n > 12;
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const cells = useRef<(HTMLButtonElement | null)[]>([]);
  const rowTotals = useMemo(
    () =>
      Array.from({ length: n }, (_, t) =>
        evaluation.counts.slice(t * n, t * n + n).reduce((a, b) => a + b, 0),
      ),
    [evaluation, n],
  );

  // Arrow keys move between cells (one tab stop for the whole grid); Enter or Space opens one.
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, cell: number) => {
    const row = Math.floor(cell / n);
    const col = cell % n;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [Math.max(0, row - 1), col],
      ArrowDown: [Math.min(n - 1, row + 1), col],
      ArrowLeft: [row, Math.max(0, col - 1)],
      ArrowRight: [row, Math.min(n - 1, col + 1)],
      Home: [row, 0],
      End: [row, n - 1],
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const next = move[0] * n + move[1];
    setFocus(next);
    cells.current[next]?.focus();
  };

  return (
    <>
      <p className="hint" id={`${id}-summary`}>
        {MODEL_NAMES[evaluation.model]}: {formatPercent(evaluation.accuracy)} of {evaluation.total}{' '}
        validation samples right. Rows are the true class, columns the predicted one
        {compact ? ' (numbered as the rows)' : ''}; recall per row, precision per column. Choose a
        cell to see its samples (arrow keys move between cells).
      </p>
      <div
        className="table-scroll confusion-scroll"
        tabIndex={-1}
        role="region"
        aria-label={`Confusion matrix, ${MODEL_NAMES[evaluation.model].toLowerCase()}`}
      >
        <table
          className={`confusion${compact ? ' compact' : ''}`}
          data-testid="confusion-matrix"
          aria-describedby={`${id}-summary`}
        >
          <thead>
            <tr>
              <th scope="col" className="corner">
                <span className="visually-hidden">True class \ predicted class</span>
                <span aria-hidden="true">
                  true ↓<br />
                  pred. →
                </span>
              </th>
              {names.map((name, p) => (
                <th scope="col" key={p} className="class-name" title={name}>
                  {compact ? (
                    <>
                      <span aria-hidden="true">{p + 1}</span>
                      <span className="visually-hidden">{name}</span>
                    </>
                  ) : (
                    name
                  )}
                </th>
              ))}
              <th scope="col">Recall</th>
            </tr>
          </thead>
          <tbody>
            {names.map((name, t) => (
              <tr key={t}>
                <th scope="row" className="class-name" title={name}>
                  {compact && <span className="class-number">{t + 1}</span>}
                  {name}
                </th>
                {names.map((guess, p) => {
                  const cell = t * n + p;
                  const count = evaluation.counts[cell];
                  return (
                    <td key={p}>
                      <button
                        type="button"
                        ref={(el) => {
                          cells.current[cell] = el;
                        }}
                        className={`cell${t === p ? ' diagonal' : ''}${count === 0 ? ' zero' : ''}`}
                        style={cellStyle(count, rowTotals[t], t === p)}
                        tabIndex={cell === focus ? 0 : -1}
                        aria-pressed={selected === cell}
                        aria-label={`True ${name}, predicted ${guess}: ${count} sample${count === 1 ? '' : 's'}`}
                        data-cell={cell}
                        onFocus={() => setFocus(cell)}
                        onKeyDown={(e) => onKeyDown(e, cell)}
                        onClick={() => setSelected(cell)}
                      >
                        {count}
                      </button>
                    </td>
                  );
                })}
                <td className="num ratio">{percentOrDash(evaluation.recall[t], compact)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">
                <span aria-hidden="true">Prec.</span>
                <span className="visually-hidden">Precision</span>
              </th>
              {names.map((name, p) => (
                <td key={p} className="num ratio">
                  {percentOrDash(evaluation.precision[p], compact)}
                </td>
              ))}
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      {selected !== undefined && (
        <CellSamples
          key={selected}
          evaluation={evaluation}
          cell={selected}
          onClose={() => {
            setSelected(undefined);
            cells.current[selected]?.focus();
          }}
        />
      )}
    </>
  );
}

/**
 * What the model gets wrong: the confusion matrix on the validation set after a run, with
 * per-class precision and recall and the samples of any cell. One matrix per evaluated model
 * (float now; the int8 model's joins it when the worker sends it).
 */
export function ConfusionMatrix() {
  // The matrix's hundred cells lay out in a frame after the rest of a run's finish.
  const evaluations = useAfterPaint(useStudio((s) => s.run.evaluations));
  const available = (['float', 'int8'] as const).filter((m) => evaluations?.[m] !== undefined);
  const [chosen, setChosen] = useState<EvaluatedModel>('float');
  const model = available.includes(chosen) ? chosen : available[0];
  const evaluation = model !== undefined ? evaluations?.[model] : undefined;
  const picker =
    available.length > 1 ? (
      <span className="inline-field" role="radiogroup" aria-label="Model">
        {available.map((m) => (
          <label key={m}>
            <input
              type="radio"
              name="confusion-model"
              checked={m === model}
              onChange={() => setChosen(m)}
            />{' '}
            {MODEL_NAMES[m]}
          </label>
        ))}
      </span>
    ) : undefined;
  return (
    <ChartCard
      id="confusion-chart"
      title="Confusion matrix"
      description="Which classes the model mixes up on the validation set, after the run."
      empty={evaluation ? undefined : 'Finish a run to see what the model gets wrong.'}
      actions={picker}
      wide
    >
      {evaluation && <Matrix key={evaluation.model} evaluation={evaluation} />}
    </ChartCard>
  );
}
