/**
 * Two tabs of the site: two workers sharing one IndexedDB (here one MemoryCheckpointStore) and
 * one set of Web Locks (one MemoryRunLocks). Neither may lose, take or delete the other's run.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sessionHarness, tinyRunConfig } from '../testing/sessionHarness';
import { MemoryCheckpointStore, MemoryRunLocks } from './checkpointStore';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = tinyRunConfig;

function tab(store: MemoryCheckpointStore, locks: MemoryRunLocks) {
  const harness = sessionHarness({ store, locks });
  const offers = () =>
    harness.events
      .flatMap((e) => (e.type === 'checkpoint' ? [e.info] : []))
      .map((i) => i && i.step);
  return { ...harness, offers };
}

/** Tab A: a run paused in fine-tuning, its checkpoint stored. */
async function pausedRunInTabA(store: MemoryCheckpointStore, locks: MemoryRunLocks) {
  const before = new Set(await store.keys());
  const a = tab(store, locks);
  await a.session.handle({ type: 'init', backends: ['cpu'] });
  const running = a.session.handle({ type: 'start', config: config() });
  await a.waitFor((e) => e.type === 'metrics' && e.metrics.phase === 'finetune');
  await a.session.handle({ type: 'pause' });
  const [key] = (await store.keys()).filter((k) => !before.has(k));
  const stored = await store.load(key);
  expect(stored?.checkpoint.step).toBeGreaterThan(0);
  return { a, running, key, step: stored!.checkpoint.step };
}

describe('two tabs', () => {
  it("tab B's runs (finished or stopped) leave tab A's checkpoint alone", async () => {
    const store = new MemoryCheckpointStore();
    const locks = new MemoryRunLocks();
    const { a, running, key, step } = await pausedRunInTabA(store, locks);

    const b = tab(store, locks);
    await b.session.handle({ type: 'init', backends: ['cpu'] });
    await b.session.handle({ type: 'start', config: config({ seed: 2 }) });
    expect(b.events.some((e) => e.type === 'finished')).toBe(true);
    const firstRunEvents = b.events.length;
    const second = b.session.handle({
      type: 'start',
      config: config({
        seed: 3,
        schedule: { totalSteps: 400, warmupFraction: 0.2, pruneFraction: 0.5 },
      }),
    });
    await b.waitFor((e) => b.events.indexOf(e) >= firstRunEvents && e.type === 'metrics');
    await b.session.handle({ type: 'stop' });
    await second;
    expect(b.events.filter((e) => e.type === 'runState').at(-1)).toMatchObject({
      state: 'stopped',
    });
    // B also discards "its" offer: there is none, A's run is live.
    await b.session.handle({ type: 'discardCheckpoint' });

    expect(await store.keys()).toEqual([key]);
    expect((await store.load(key))?.checkpoint.step).toBe(step);
    await a.session.handle({ type: 'stop' });
    await running;
    expect(await store.keys()).toEqual([]);
  }, 120_000);

  it('a second tab is told a run is going elsewhere and is not offered it while it is live', async () => {
    const store = new MemoryCheckpointStore();
    const locks = new MemoryRunLocks();
    const { a, running, key, step } = await pausedRunInTabA(store, locks);

    const b = tab(store, locks);
    await b.session.handle({ type: 'init', backends: ['cpu'] });
    await b.session.handle({ type: 'queryCheckpoint' });
    expect(b.offers()).toEqual([null]);
    expect(
      b.events.some((e) => e.type === 'notice' && /A run is going in another tab/.test(e.message)),
    ).toBe(true);
    await b.session.handle({ type: 'resumeCheckpoint', key });
    expect(
      b.events.some((e) => e.type === 'notice' && /already being resumed/.test(e.message)),
    ).toBe(true);
    expect(b.events.filter((e) => e.type === 'runState').at(-1)).toMatchObject({
      state: 'stopped',
    });

    // Tab A closes (its worker ends, the browser lets its lock go): now B may resume it.
    locks.lose(key);
    await b.session.handle({ type: 'queryCheckpoint' });
    expect(b.offers().at(-1)).toBe(step);
    await b.session.handle({ type: 'resumeCheckpoint' });
    expect(b.events.some((e) => e.type === 'finished')).toBe(true);
    expect(await store.keys()).toEqual([]);
    void a;
    void running;
  }, 120_000);

  it('after the page ends a stuck worker, the new one waits for its lock to go and offers its run', async () => {
    const store = new MemoryCheckpointStore();
    const locks = new MemoryRunLocks();
    const { key, step } = await pausedRunInTabA(store, locks);
    // The page ended A's worker; the browser lets its lock go a moment later.
    setTimeout(() => locks.lose(key), 100);
    const fresh = tab(store, locks);
    await fresh.session.handle({ type: 'queryCheckpoint' });
    expect(fresh.offers()).toEqual([null]);
    const told = () => fresh.events.filter((e) => e.type === 'notice').length;
    const before = told();
    await fresh.session.handle({ type: 'queryCheckpoint', settleMs: 2000 });
    expect(fresh.offers().at(-1)).toBe(step);
    // The ended worker's run is not "going in another tab".
    expect(told()).toBe(before);
  }, 120_000);

  it('a new run in a tab replaces the interrupted run it offered, not the one of another tab', async () => {
    const store = new MemoryCheckpointStore();
    const locks = new MemoryRunLocks();
    const first = await pausedRunInTabA(store, locks);
    locks.lose(first.key); // tab A closed: its run is interrupted
    const second = await pausedRunInTabA(store, locks); // tab C, still open and paused
    expect((await store.keys()).sort()).toEqual([first.key, second.key].sort());

    const b = tab(store, locks);
    await b.session.handle({ type: 'init', backends: ['cpu'] });
    await b.session.handle({ type: 'queryCheckpoint' });
    expect(b.offers()).toEqual([first.step]);
    await b.session.handle({ type: 'start', config: config({ seed: 4 }) });
    expect(await store.keys()).toEqual([second.key]);
  }, 120_000);
});
