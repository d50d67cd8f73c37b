import { useId, useState } from 'react';
import {
  CORE_FAMILIES,
  CORE_TIMINGS,
  CUSTOM_BOARD_ID,
  customBoardProblems,
  type BoardField,
  type BoardProfile,
} from '../core/hardware';
import { BOARDS, freeFlashBytes, freeRamBytes } from '../state/boards';
import { selectBoard, selectIsRunActive } from '../state/selectors';
import { useStudio } from '../state/store';
import { formatBytes } from './format';
import { SelectField } from './SelectField';
import { StepPanel } from './StepPanel';

const CORE_NAMES: Record<string, string> = {
  'cortex-m0plus': 'Cortex-M0+',
  'cortex-m4': 'Cortex-M4',
  'cortex-m7': 'Cortex-M7',
  'cortex-m33': 'Cortex-M33',
  'cortex-m55': 'Cortex-M55',
  'xtensa-lx7': 'Xtensa LX7',
};

type Fields = Record<BoardField, string>;

/** The number fields of the form: label, unit, and how the typed text maps to the profile. */
const NUMBER_FIELDS: {
  field: Exclude<BoardField, 'name' | 'core'>;
  label: string;
  unit: 'MHz' | 'KB';
}[] = [
  { field: 'clockMHz', label: 'Clock', unit: 'MHz' },
  { field: 'flashBytes', label: 'Flash', unit: 'KB' },
  { field: 'ramBytes', label: 'RAM', unit: 'KB' },
  { field: 'runtimeFlashBytes', label: "Runtime's flash", unit: 'KB' },
  { field: 'runtimeRamBytes', label: "Runtime's RAM", unit: 'KB' },
];

const KB = 1024;

function fieldsOf(board: BoardProfile): Fields {
  const kb = (bytes: number) => String(Number((bytes / KB).toFixed(2)));
  return {
    name: board.name,
    core: board.core,
    clockMHz: String(board.clockMHz),
    flashBytes: kb(board.flashBytes),
    ramBytes: kb(board.ramBytes),
    runtimeFlashBytes: kb(board.runtimeFlashBytes),
    runtimeRamBytes: kb(board.runtimeRamBytes),
  };
}

const NUMBER_TEXT = /^\s*(\d+\.?\d*|\.\d+)\s*$/;

/** The board the typed fields describe, and what is wrong with it (field by field). */
function readFields(fields: Fields): {
  board: BoardProfile;
  problems: Partial<Record<BoardField, string>>;
} {
  const problems: Partial<Record<BoardField, string>> = {};
  const number = (field: Exclude<BoardField, 'name' | 'core'>, unit: string, scale: number) => {
    if (!NUMBER_TEXT.test(fields[field])) {
      const label = NUMBER_FIELDS.find((f) => f.field === field)!.label;
      problems[field] = `${label} must be a number in ${unit}.`;
      return Number.NaN;
    }
    const value = Number(fields[field]) * scale;
    return scale === 1 ? value : Math.round(value);
  };
  const board: BoardProfile = {
    id: CUSTOM_BOARD_ID,
    name: fields.name.trim(),
    core: fields.core as BoardProfile['core'],
    clockMHz: number('clockMHz', 'MHz', 1),
    flashBytes: number('flashBytes', 'KB', KB),
    ramBytes: number('ramBytes', 'KB', KB),
    runtimeFlashBytes: number('runtimeFlashBytes', 'KB', KB),
    runtimeRamBytes: number('runtimeRamBytes', 'KB', KB),
  };
  return { board, problems: { ...customBoardProblems(board), ...problems } };
}

/**
 * The user's own board: every field editable, checked as it is typed. A valid board replaces
 * the store's at once (the budget presets follow it); while a field is wrong, the store keeps the
 * last valid board, the field says what is wrong, and nothing typed is lost.
 */
function CustomBoardForm({ board, disabled }: { board: BoardProfile; disabled: boolean }) {
  const id = useId();
  const setCustomBoard = useStudio((s) => s.setCustomBoard);
  // The fields being typed, for the board they started from; another board (a link) resets them.
  const [draft, setDraft] = useState<{ base: BoardProfile; fields: Fields } | null>(null);
  const fields = draft !== null && draft.base === board ? draft.fields : fieldsOf(board);
  const { problems } = readFields(fields);

  const edit = (field: BoardField, value: string) => {
    const next = { ...fields, [field]: value };
    const read = readFields(next);
    if (Object.keys(read.problems).length === 0) {
      setCustomBoard(read.board);
      setDraft({ base: read.board, fields: next });
    } else setDraft({ base: board, fields: next });
  };

  const describedBy = (field: BoardField) =>
    problems[field] !== undefined ? `${id}-${field}-error` : undefined;
  const error = (field: BoardField) =>
    problems[field] !== undefined ? (
      <span
        id={`${id}-${field}-error`}
        className="field-error"
        data-testid={`board-${field}-error`}
      >
        {problems[field]}
      </span>
    ) : null;

  return (
    <fieldset className="custom-board" disabled={disabled} data-testid="custom-board">
      <legend>Your board</legend>
      <div className="field">
        <label htmlFor={`${id}-name`}>Board name</label>
        <input
          id={`${id}-name`}
          type="text"
          value={fields.name}
          maxLength={80}
          aria-invalid={problems.name !== undefined}
          aria-describedby={describedBy('name')}
          onChange={(e) => edit('name', e.target.value)}
        />
        {error('name')}
      </div>
      <div className="field">
        <label htmlFor={`${id}-core`}>Core family</label>
        <select
          id={`${id}-core`}
          value={fields.core}
          aria-describedby={describedBy('core')}
          onChange={(e) => edit('core', e.target.value)}
        >
          {CORE_FAMILIES.map((f) => (
            <option key={f} value={f}>
              {CORE_TIMINGS[f].name}
            </option>
          ))}
        </select>
        {error('core')}
      </div>
      <div className="field-grid">
        {NUMBER_FIELDS.map(({ field, label, unit }) => (
          <div className="field" key={field}>
            <label htmlFor={`${id}-${field}`}>
              {label} ({unit})
            </label>
            <input
              id={`${id}-${field}`}
              type="text"
              inputMode="decimal"
              value={fields[field]}
              aria-invalid={problems[field] !== undefined}
              aria-describedby={describedBy(field)}
              onChange={(e) => edit(field, e.target.value)}
            />
            {error(field)}
          </div>
        ))}
      </div>
      <p className="hint">
        The runtime's share is what TensorFlow Lite Micro, its kernels and your application take
        outside the model (flash) and outside the tensor arena (RAM).
      </p>
    </fieldset>
  );
}

/** Step 3: the microcontroller; its preset fills the budgets. */
export function BoardPanel() {
  const id = useId();
  const board = useStudio(selectBoard);
  const boardId = useStudio((s) => s.config.boardId);
  const setBoard = useStudio((s) => s.setBoard);
  const active = useStudio(selectIsRunActive);
  return (
    <StepPanel name="board" step={3} title="Board">
      <SelectField
        id={`${id}-board`}
        label="Microcontroller board"
        value={boardId}
        options={BOARDS.map((b) => ({
          value: b.id,
          label: b.id === CUSTOM_BOARD_ID ? 'Custom board (your own figures)' : b.name,
        }))}
        disabled={active}
        describedBy={`${id}-specs`}
        onChange={setBoard}
      />
      {boardId === CUSTOM_BOARD_ID && <CustomBoardForm board={board} disabled={active} />}
      <p className="hint" id={`${id}-specs`} data-testid="board-specs">
        {boardId === CUSTOM_BOARD_ID && `${board.name}: `}
        {CORE_NAMES[board.core] ?? board.core} at {board.clockMHz} MHz ·{' '}
        {formatBytes(board.flashBytes)} flash ({formatBytes(freeFlashBytes(board))} free for the
        model) · {formatBytes(board.ramBytes)} RAM ({formatBytes(freeRamBytes(board))} free)
      </p>
    </StepPanel>
  );
}
