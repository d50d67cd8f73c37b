import { describe, expect, it } from 'vitest';
import { MemoryRunRecordStore } from './runRecords';
import { loadSavedRuns, updateSavedRuns } from './savedRuns';
import { deleteSavedRun, renameSavedRun, reopenRun } from './savedRunsSlice';
import { makeSummary, mapStorage } from '../testing/runFixtures';
import { sliceContext } from './testing/sliceContext';

describe('savedRunsSlice actions on a plain context', () => {
  it('renames a saved run in the list, in storage and in the shown run; empty goes back', () => {
    const stored = new Map<string, string>();
    const storage = mapStorage(stored);
    const a = makeSummary('a');
    updateSavedRuns(storage, { put: [a, makeSummary('b')] });
    const { ctx } = sliceContext({}, { storage });
    expect(ctx.get().savedRuns.map((r) => r.id)).toEqual(['a', 'b']);
    ctx.set((s) => ({ run: { ...s.run, status: 'finished', summary: a } }));
    renameSavedRun(ctx, 'a', '   quantised, flash 40 KB   ');
    expect(ctx.get().savedRuns.map((r) => r.name)).toEqual(['quantised, flash 40 KB', undefined]);
    expect(ctx.get().run.summary?.name).toBe('quantised, flash 40 KB');
    expect(loadSavedRuns(storage).runs.find((r) => r.id === 'a')?.name).toBe(
      'quantised, flash 40 KB',
    );
    renameSavedRun(ctx, 'a', '  ');
    expect('name' in ctx.get().savedRuns[0]).toBe(false);
    expect(loadSavedRuns(storage).runs.find((r) => r.id === 'a')?.name).toBeUndefined();
  });

  it('deletes a run from the list and from the records kept whole', async () => {
    const records = new MemoryRunRecordStore();
    const storage = mapStorage(new Map());
    updateSavedRuns(storage, { put: [makeSummary('a'), makeSummary('b')] });
    const { ctx } = sliceContext({ kept: { ids: ['a'] } }, { storage, runRecords: records });
    const deleted: string[] = [];
    records.delete = async (id) => void deleted.push(id);
    deleteSavedRun(ctx, 'a');
    expect(ctx.get().savedRuns.map((r) => r.id)).toEqual(['b']);
    expect(ctx.get().kept.ids).toEqual([]);
    expect(loadSavedRuns(storage).runs.map((r) => r.id)).toEqual(['b']);
    await Promise.resolve();
    expect(deleted).toEqual(['a']);
  });

  it('refuses to reopen a run that only has its summary, and one during a run', async () => {
    const { ctx } = sliceContext(
      { savedRuns: [makeSummary('a')] },
      { runRecords: new MemoryRunRecordStore() },
    );
    await reopenRun(ctx, 'a');
    expect(ctx.get().run.status).toBe('idle');
    expect(ctx.get().notices.at(-1)?.message).toMatch(/^This saved run cannot be reopened/);
    ctx.set((s) => ({ run: { ...s.run, status: 'running' } }));
    await reopenRun(ctx, 'a');
    expect(ctx.get().notices.at(-1)?.message).toBe(
      'Stop the current run before reopening a saved one.',
    );
  });
});
