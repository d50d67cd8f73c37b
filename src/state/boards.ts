/**
 * Board presets as the page uses them: core's profiles (METHOD.md §4), so the ids in links and
 * in the worker's RunConfig are the ones the resource model knows.
 */
import {
  BOARDS as CORE_BOARDS,
  CUSTOM_BOARD_ID,
  boardBudgets,
  defaultCustomBoard,
  type BoardProfile,
} from '../core/hardware';

export type { BoardProfile as BoardPreset, CoreFamily } from '../core/hardware';

export const BOARDS: readonly BoardProfile[] = CORE_BOARDS;

export const DEFAULT_BOARD_ID = 'arduino-nano-33-ble-sense';

export function findBoard(id: string): BoardProfile | undefined {
  return BOARDS.find((b) => b.id === id);
}

/** The preset for `id`, or the default board when the id is unknown. */
export function boardOrDefault(id: string): BoardProfile {
  return findBoard(id) ?? findBoard(DEFAULT_BOARD_ID) ?? BOARDS[0];
}

const CUSTOM_PRESET = defaultCustomBoard();

/**
 * The board a configuration names: its own custom board when the id is 'custom' (the preset
 * figures until the user edits them), else the preset (the default one for an unknown id).
 */
export function boardFor(config: { boardId: string; customBoard?: BoardProfile }): BoardProfile {
  if (config.boardId === CUSTOM_BOARD_ID) return config.customBoard ?? CUSTOM_PRESET;
  return boardOrDefault(config.boardId);
}

/** Flash left for the model after the runtime's share (core's estimate per board). */
export function freeFlashBytes(board: BoardProfile): number {
  return Math.max(0, boardBudgets(board).flash);
}

/** SRAM left for the tensor arena after the runtime's share. */
export function freeRamBytes(board: BoardProfile): number {
  return Math.max(0, boardBudgets(board).ram);
}
