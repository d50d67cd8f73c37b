import { describe, expect, it } from 'vitest';
import {
  CUSTOM_BOARD_ID,
  boardBudgets,
  customBoardProblems,
  defaultCustomBoard,
  runBoard,
  type BoardProfile,
} from './hardware';

const mine: BoardProfile = {
  id: CUSTOM_BOARD_ID,
  name: '  Lab board  ',
  core: 'cortex-m33',
  clockMHz: 160,
  flashBytes: 512 * 1024,
  ramBytes: 192 * 1024,
  runtimeFlashBytes: 90 * 1024,
  runtimeRamBytes: 20 * 1024,
};

describe('custom boards', () => {
  it('accepts a sensible board and leaves what the runtime does not take for the model', () => {
    expect(customBoardProblems(mine)).toEqual({});
    expect(boardBudgets(runBoard({ boardId: CUSTOM_BOARD_ID, customBoard: mine }))).toEqual({
      flash: 422 * 1024,
      ram: 172 * 1024,
    });
  });

  it('says what is wrong with each field, in the units the form uses', () => {
    const problems = customBoardProblems({
      ...mine,
      name: ' ',
      core: 'pentium' as BoardProfile['core'],
      clockMHz: 0,
      flashBytes: 1000.5,
      ramBytes: 1024,
      runtimeRamBytes: Number.NaN,
    });
    expect(problems.name).toBe('Name must not be empty.');
    expect(problems.core).toMatch(/^Core must be one of Arm Cortex-M0\+, /);
    expect(problems.clockMHz).toBe('Clock must be between 1 MHz and 2000 MHz (got 0 MHz).');
    expect(problems.flashBytes).toMatch(/whole number of bytes/);
    expect(problems.ramBytes).toBe('RAM must be between 2 KB and 65536 KB (got 1 KB).');
    expect(problems.runtimeRamBytes).toBe("Runtime's RAM must be a number.");
  });

  it('refuses a runtime that leaves nothing for the model or the arena', () => {
    const problems = customBoardProblems({
      ...mine,
      runtimeFlashBytes: mine.flashBytes,
      runtimeRamBytes: mine.ramBytes + 1,
    });
    expect(problems.runtimeFlashBytes).toMatch(
      /Runtime's flash \(512 KB\) must be less than the board's flash \(512 KB\)/,
    );
    expect(problems.runtimeRamBytes).toMatch(/nothing would be left for the tensor arena/);
  });

  it('gives a run its own board, the preset by id, or refuses an invalid custom board', () => {
    expect(runBoard({ boardId: CUSTOM_BOARD_ID, customBoard: mine }).name).toBe('Lab board');
    expect(runBoard({ boardId: CUSTOM_BOARD_ID })).toEqual(defaultCustomBoard());
    expect(runBoard({ boardId: 'esp32-s3', customBoard: mine }).id).toBe('esp32-s3');
    expect(() =>
      runBoard({ boardId: CUSTOM_BOARD_ID, customBoard: { ...mine, clockMHz: -1 } }),
    ).toThrow(/The custom board is not valid: Clock must be between/);
  });
});
