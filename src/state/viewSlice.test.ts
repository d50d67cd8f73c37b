import { describe, expect, it } from 'vitest';
import { mapStorage } from '../testing/runFixtures';
import { sliceContext } from './testing/sliceContext';
import { dismissNotice, notify, setLargeText, setReplayStep, storedLargeText } from './viewSlice';

describe('viewSlice actions on a plain context', () => {
  it('keeps the large-text choice for the next visit, and a storage that throws only loses it', () => {
    const stored = new Map<string, string>();
    const { ctx } = sliceContext({}, { storage: mapStorage(stored) });
    setLargeText(ctx, true);
    expect(ctx.get().view.largeText).toBe(true);
    expect(storedLargeText(mapStorage(stored))).toBe(true);
    setLargeText(ctx, false);
    expect(storedLargeText(mapStorage(stored))).toBe(false);

    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const blocked = sliceContext({}, { storage: refusing }).ctx;
    expect(() => setLargeText(blocked, true)).not.toThrow();
    expect(blocked.get().view.largeText).toBe(true);
    expect(storedLargeText(refusing)).toBe(false);
  });

  it('numbers notices in order and dismisses only the one named', () => {
    const { ctx } = sliceContext();
    notify(ctx, 'info', 'first');
    notify(ctx, 'error', 'second');
    const [first, second] = ctx.get().notices;
    expect(first).toMatchObject({ level: 'info', message: 'first' });
    expect(second.id).toBeGreaterThan(first.id);
    dismissNotice(ctx, first.id);
    expect(ctx.get().notices.map((n) => n.message)).toEqual(['second']);
  });

  it('replays a step and goes back to the end, leaving the other view options', () => {
    const { ctx } = sliceContext();
    setLargeText(ctx, true);
    setReplayStep(ctx, 40);
    expect(ctx.get().view).toMatchObject({ replayStep: 40, largeText: true });
    setReplayStep(ctx, undefined);
    expect(ctx.get().view.replayStep).toBeUndefined();
    expect(ctx.get().view.largeText).toBe(true);
  });
});
