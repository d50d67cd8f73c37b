import { describe, expect, it } from 'vitest';
import {
  MAX_SAVED_RUNS,
  SAVED_RUNS_KEY,
  isRunSummary,
  loadSavedRuns,
  parseSavedRuns,
  serialiseSavedRuns,
  storeSavedRuns,
  unavailableStorage,
} from './savedRuns';
import { makeSummary } from '../testing/runFixtures';

describe('saved runs in localStorage', () => {
  it('round-trips runs through JSON', () => {
    const runs = [makeSummary('a'), makeSummary('b')];
    expect(parseSavedRuns(serialiseSavedRuns(runs))).toEqual({ runs });
  });

  it('ignores unreadable JSON or an unknown format with a notice, never throwing', () => {
    for (const text of ['{not json', '[]', '{"version":2,"runs":[]}', '"hello"', 'null']) {
      const loaded = parseSavedRuns(text);
      expect(loaded.runs).toEqual([]);
      expect(loaded.problem).toMatch(/ignored/);
    }
    expect(parseSavedRuns(null)).toEqual({ runs: [] });
  });

  it('drops only the runs that fail the schema check and counts them', () => {
    const good = makeSummary('good');
    const text = JSON.stringify({
      version: 1,
      runs: [
        good,
        { ...good, id: 7 },
        { ...good, resources: { flash: 'big' } },
        { ...good, backend: 'quantum' },
        null,
      ],
    });
    const loaded = parseSavedRuns(text);
    expect(loaded.runs).toEqual([good]);
    expect(loaded.problem).toBe('4 saved runs were unreadable and ignored.');
  });

  it('checks nested fields: config, budgets and kept channels', () => {
    const good = makeSummary('x');
    expect(isRunSummary(good)).toBe(true);
    expect(isRunSummary({ ...good, config: { ...good.config, budgets: { flash: '1' } } })).toBe(
      false,
    );
    expect(isRunSummary({ ...good, keptPerGroup: [{ name: 'c', kept: 1 }] })).toBe(false);
    expect(isRunSummary({ ...good, validationAccuracy: Number.NaN })).toBe(false);
  });

  it('keeps a run with its budget history, and drops one whose history is malformed', () => {
    const good = makeSummary('x', {
      budgetHistory: [
        { step: 0, budgets: { flash: 20_000 } },
        { step: 120, budgets: { flash: 9216 } },
      ],
    });
    expect(parseSavedRuns(serialiseSavedRuns([good])).runs).toEqual([good]);
    expect(isRunSummary({ ...good, budgetHistory: [{ step: 0 }] })).toBe(false);
    expect(isRunSummary({ ...good, budgetHistory: [{ step: -1, budgets: {} }] })).toBe(false);
    expect(isRunSummary({ ...good, budgetHistory: { step: 0, budgets: {} } })).toBe(false);
  });

  it('keeps a run on a custom board with its board, and drops one whose board is invalid', () => {
    const board = {
      id: 'custom',
      name: '<b>Lab</b> board',
      core: 'cortex-m33' as const,
      clockMHz: 160,
      flashBytes: 512 * 1024,
      ramBytes: 128 * 1024,
      runtimeFlashBytes: 64 * 1024,
      runtimeRamBytes: 8 * 1024,
    };
    const run = makeSummary('c', { boardName: board.name });
    run.config = { ...run.config, boardId: 'custom', customBoard: board };
    expect(parseSavedRuns(serialiseSavedRuns([run])).runs[0].config.customBoard).toEqual(board);
    for (const bad of [{ ...board, clockMHz: 0 }, { ...board, name: 7 }, 'custom']) {
      expect(isRunSummary({ ...run, config: { ...run.config, customBoard: bad } })).toBe(false);
    }
  });

  it('says when the browser gives the page no storage, on load and on save', () => {
    const blocked = unavailableStorage(new DOMException('denied', 'SecurityError'));
    expect(loadSavedRuns(blocked).problem).toMatch(/does not let the page keep data/);
    expect(storeSavedRuns(blocked, [makeSummary('a')])).toMatch(/Could not save the run list/);
    expect(() => unavailableStorage(undefined).getItem('x')).toThrow(/not available/);
  });

  it('stores uploads without their files and keeps at most MAX_SAVED_RUNS', () => {
    const upload = makeSummary('u', {
      config: {
        ...makeSummary('u').config,
        dataset: {
          kind: 'upload',
          format: 'image-folder',
          files: [{ path: 'a/1.png', file: new Blob(['x']) }],
        },
      },
    });
    const stored = JSON.parse(serialiseSavedRuns([upload]));
    expect(stored.runs[0].config.dataset).toEqual({
      kind: 'upload',
      format: 'image-folder',
      files: [],
    });
    const many = Array.from({ length: MAX_SAVED_RUNS + 3 }, (_, i) => makeSummary(`r${i}`));
    const kept = parseSavedRuns(serialiseSavedRuns(many)).runs;
    expect(kept).toHaveLength(MAX_SAVED_RUNS);
    expect(kept[0].id).toBe('r3');
  });

  it('reports storage that refuses instead of throwing', () => {
    const full = {
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      getItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(storeSavedRuns(full, [makeSummary('a')])).toMatch(/Could not save/);
    expect(loadSavedRuns(full).problem).toMatch(/does not let the page keep data/);
    const map = new Map<string, string>();
    const ok = {
      setItem: (k: string, v: string) => map.set(k, v),
      getItem: (k: string) => map.get(k) ?? null,
    };
    expect(storeSavedRuns(ok, [makeSummary('a')])).toBeUndefined();
    expect(map.has(SAVED_RUNS_KEY)).toBe(true);
    expect(loadSavedRuns(ok).runs.map((r) => r.id)).toEqual(['a']);
  });
});
