import { describe, expect, it } from 'vitest';
import type { SampleAudio } from '../worker/protocol';
import { ClipPlayer, type ClipContext, type ClipPlayerState } from './clipPlayer';

/** A stand-in for the browser's AudioContext that records what is played. */
function fakeContext() {
  const log = {
    buffers: [] as { channels: number; length: number; rate: number; data?: Float32Array }[],
    sources: [] as {
      buffer?: { length: number };
      started: number;
      stopped: number;
      connected: boolean;
      end: () => void;
    }[],
    closed: 0,
    resumed: 0,
  };
  const context = {
    state: 'suspended' as AudioContextState,
    destination: {} as AudioDestinationNode,
    resume: async () => void log.resumed++,
    close: async () => void log.closed++,
    createBuffer: (channels: number, length: number, rate: number) => {
      const entry: (typeof log.buffers)[number] = { channels, length, rate };
      log.buffers.push(entry);
      return {
        length,
        sampleRate: rate,
        copyToChannel: (data: Float32Array, channel: number) => {
          expect(channel).toBe(0);
          entry.data = data.slice();
        },
      } as unknown as AudioBuffer;
    },
    createBufferSource: () => {
      const entry = {
        buffer: undefined as { length: number } | undefined,
        started: 0,
        stopped: 0,
        connected: false,
        end: () => node.onended?.call(node as never, new Event('ended')),
      };
      const node = {
        onended: null as ((this: never, e: Event) => void) | null,
        set buffer(b: AudioBuffer) {
          entry.buffer = b;
        },
        connect: () => void (entry.connected = true),
        disconnect: () => void (entry.connected = false),
        start: () => void entry.started++,
        stop: () => void entry.stopped++,
      };
      log.sources.push(entry);
      return node as unknown as AudioBufferSourceNode;
    },
  } satisfies ClipContext;
  return { context, log };
}

const clip = (index: number): SampleAudio => ({
  validationIndex: index,
  samples: Float32Array.from({ length: 8000 + index }, (_, i) => Math.sin(i * (index + 1))),
  sampleRate: 16000,
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(fetch: (i: number) => Promise<SampleAudio> = async (i) => clip(i)) {
  const { context, log } = fakeContext();
  const states: ClipPlayerState[] = [];
  const errors: [number, string][] = [];
  let made = 0;
  const player = new ClipPlayer(
    fetch,
    () => {
      made++;
      return context;
    },
    (s) => states.push(s),
    (i, m) => errors.push([i, m]),
  );
  const playing = () => log.sources.filter((s) => s.started > s.stopped && s.connected).length;
  return { player, log, states, errors, playing, made: () => made };
}

describe('ClipPlayer', () => {
  it('plays the clip as a mono buffer at its own rate, and a second press stops it', async () => {
    const t = setup();
    await t.player.toggle(3);
    expect(t.log.resumed).toBe(1);
    expect(t.log.buffers).toHaveLength(1);
    expect(t.log.buffers[0]).toMatchObject({ channels: 1, length: 8003, rate: 16000 });
    expect(t.log.buffers[0].data).toEqual(clip(3).samples);
    expect(t.log.sources[0]).toMatchObject({
      started: 1,
      connected: true,
      buffer: { length: 8003 },
    });
    expect(t.states.at(-1)).toEqual({ playing: 3 });
    await t.player.toggle(3);
    expect(t.log.sources[0].stopped).toBe(1);
    expect(t.playing()).toBe(0);
    expect(t.states.at(-1)).toEqual({});
    // Played to its end: nothing plays any more.
    await t.player.toggle(3);
    t.log.sources[1].end();
    expect(t.states.at(-1)).toEqual({});
    expect(t.made()).toBe(1);
  });

  it('plays one clip at a time: another press replaces it, a late clip is dropped', async () => {
    const waits = new Map<number, ReturnType<typeof deferred<SampleAudio>>>();
    const t = setup((i) => {
      const d = deferred<SampleAudio>();
      waits.set(i, d);
      return d.promise;
    });
    const first = t.player.toggle(1);
    expect(t.states.at(-1)).toEqual({ loading: 1 });
    const second = t.player.toggle(2);
    waits.get(2)!.resolve(clip(2));
    await second;
    waits.get(1)!.resolve(clip(1));
    await first;
    expect(t.log.buffers.map((b) => b.length)).toEqual([8002]);
    expect(t.states.at(-1)).toEqual({ playing: 2 });
    const third = t.player.toggle(4);
    expect(t.log.sources[0].stopped).toBe(1);
    waits.get(4)!.resolve(clip(4));
    await third;
    expect(t.playing()).toBe(1);
    expect(t.states.at(-1)).toEqual({ playing: 4 });
  });

  it('reports a clip that cannot be had, and stops for good when closed', async () => {
    const t = setup(async (i) => {
      if (i === 7) throw new Error('kws/no/7.wav: gone');
      return clip(i);
    });
    await t.player.toggle(7);
    expect(t.errors).toEqual([[7, 'kws/no/7.wav: gone']]);
    expect(t.states.at(-1)).toEqual({});
    expect(t.log.sources).toHaveLength(0);
    await t.player.toggle(2);
    expect(t.playing()).toBe(1);
    t.player.close();
    expect(t.playing()).toBe(0);
    expect(t.log.closed).toBe(1);
    await t.player.toggle(2);
    expect(t.log.sources).toHaveLength(1);
  });

  it('says so when the browser has no Web Audio, without asking for the clip', async () => {
    const asked: number[] = [];
    const errors: [number, string][] = [];
    const player = new ClipPlayer(
      async (i) => {
        asked.push(i);
        return clip(i);
      },
      () => {
        throw new Error('AudioContext is not defined');
      },
      () => {},
      (i, m) => errors.push([i, m]),
    );
    await player.toggle(1);
    expect(errors).toEqual([
      [1, 'This browser cannot play sound here (AudioContext is not defined).'],
    ]);
    expect(asked).toEqual([]);
  });
});
