import { useId } from 'react';
import { BOARDS, freeFlashBytes, freeRamBytes } from '../state/boards';
import { selectBoard, selectIsRunActive } from '../state/selectors';
import { useStudio } from '../state/store';
import { formatBytes } from './format';

const CORE_NAMES: Record<string, string> = {
  'cortex-m0plus': 'Cortex-M0+',
  'cortex-m4': 'Cortex-M4',
  'cortex-m7': 'Cortex-M7',
  'cortex-m33': 'Cortex-M33',
  'cortex-m55': 'Cortex-M55',
  'xtensa-lx7': 'Xtensa LX7',
};

/** Step 3: the microcontroller; its preset fills the budgets. */
export function BoardPanel() {
  const id = useId();
  const board = useStudio(selectBoard);
  const setBoard = useStudio((s) => s.setBoard);
  const active = useStudio(selectIsRunActive);
  return (
    <section className="panel" aria-labelledby="board-title">
      <h3 id="board-title">
        <span className="step-number">3</span> Board
      </h3>
      <div className="field">
        <label htmlFor={`${id}-board`}>Microcontroller board</label>
        <select
          id={`${id}-board`}
          value={board.id}
          disabled={active}
          aria-describedby={`${id}-specs`}
          onChange={(e) => setBoard(e.target.value)}
        >
          {BOARDS.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </div>
      <p className="hint" id={`${id}-specs`} data-testid="board-specs">
        {CORE_NAMES[board.core] ?? board.core} at {board.clockMHz} MHz ·{' '}
        {formatBytes(board.flashBytes)} flash ({formatBytes(freeFlashBytes(board))} free for the
        model) · {formatBytes(board.ramBytes)} RAM ({formatBytes(freeRamBytes(board))} free)
      </p>
    </section>
  );
}
