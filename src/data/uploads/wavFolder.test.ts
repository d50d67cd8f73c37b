import { describe, expect, it } from 'vitest';
import { DatasetError, assertDatasetConsistent } from '../dataset';
import { makeWav, memoryFile, tone } from '../testing/fixtures';
import { MfccExtractor } from '../kwsFrontEnd';
import type { UploadFile } from './files';
import { clipWindow, decodeClipAt, fitClip, loadWavFolder, loudestWindow } from './wavFolder';

function clip(hz: number, seconds = 1, rate = 16000, seed = 0) {
  const samples = tone(hz * (1 + seed * 0.01), rate, Math.round(seconds * rate), 0.4);
  return makeWav([samples], rate);
}

function speechFolder(perClass = 5) {
  const files = [];
  for (let i = 0; i < perClass; i++) {
    files.push(memoryFile(`kws/yes/yes_${i}.wav`, clip(400, 1, 16000, i)));
    files.push(memoryFile(`kws/no/no_${i}.wav`, clip(2500, 1, 16000, i)));
  }
  return files;
}

describe('loadWavFolder', () => {
  it('turns a Speech Commands folder into 49×10×1 MFCC features', async () => {
    const { dataset, warnings } = await loadWavFolder(speechFolder(), { seed: 2 });
    expect(dataset.inputShape).toEqual([49, 10, 1]);
    expect(dataset.classNames).toEqual(['no', 'yes']);
    expect(dataset.train.x).toBeInstanceOf(Float32Array);
    expect(dataset.train.count + dataset.validation.count).toBe(10);
    expect(dataset.validation.count).toBe(2);
    expect(warnings).toEqual([]);
    // Training features standardised: mean ≈ 0, deviation ≈ 1 after normalisation.
    const { scale, offset } = dataset.normalisation;
    const normalised = Array.from(dataset.train.x, (v) => v * scale + offset);
    const mean = normalised.reduce((s, v) => s + v, 0) / normalised.length;
    const variance = normalised.reduce((s, v) => s + (v - mean) ** 2, 0) / normalised.length;
    expect(mean).toBeCloseTo(0, 4);
    expect(variance).toBeCloseTo(1, 3);
  });

  it('resamples 44.1 kHz stereo and 8 kHz clips to the same features as 16 kHz ones', async () => {
    const at16 = await loadWavFolder(
      [
        memoryFile('k/a/1.wav', clip(1000)),
        memoryFile('k/b/1.wav', clip(3000)),
        memoryFile('k/a/2.wav', clip(1000)),
        memoryFile('k/b/2.wav', clip(3000)),
      ],
      { validationFraction: 0.5 },
    );
    const stereo = makeWav([tone(1000, 44100, 44100, 0.4), tone(1000, 44100, 44100, 0.4)], 44100);
    const other = await loadWavFolder(
      [
        memoryFile('k/a/1.wav', stereo),
        memoryFile('k/b/1.wav', clip(3000, 1, 8000)),
        memoryFile('k/a/2.wav', stereo),
        memoryFile('k/b/2.wav', clip(3000, 1, 8000)),
      ],
      { validationFraction: 0.5 },
    );
    // Compare the middle frame's c0..c3 of class "a".
    const frame = (x: Float32Array) => Array.from(x.subarray(24 * 10, 24 * 10 + 4));
    const pick = (ds: typeof at16.dataset) => {
      const i = Array.from(ds.train.y).indexOf(0);
      return frame(ds.train.x.subarray(i * 490, (i + 1) * 490) as Float32Array);
    };
    pick(other.dataset).forEach((v, k) => expect(v).toBeCloseTo(pick(at16.dataset)[k], 0));
  });

  it('pads short clips with a warning, or rejects them when configured', async () => {
    const files = [...speechFolder(2), memoryFile('kws/yes/short.wav', clip(400, 0.5))];
    const { warnings } = await loadWavFolder(files, { validationFraction: 0.3 });
    expect(warnings).toEqual(['kws/yes/short.wav: 0.50 s, zero-padded to 1.00 s']);
    await expect(loadWavFolder(files, { shortClips: 'reject' })).rejects.toThrow(
      /kws\/yes\/short.wav.*0.50 s long, shorter than the 1.00 s/,
    );
  });

  it('keeps the loudest second of a longer clip', () => {
    const samples = new Float32Array(32000);
    samples.fill(0.5, 20000, 21000);
    const window = loudestWindow(samples, 16000, 320);
    expect(window.length).toBe(16000);
    expect(window.reduce((s, v) => s + v, 0)).toBeCloseTo(500, 3);
  });

  it('uses validation_list.txt and ignores _background_noise_', async () => {
    const files = [
      ...speechFolder(3),
      memoryFile('kws/validation_list.txt', 'yes/yes_0.wav\nno/no_1.wav\n'),
      memoryFile('kws/_background_noise_/noise.wav', clip(50)),
    ];
    const { dataset, warnings } = await loadWavFolder(files);
    expect(dataset.validation.count).toBe(2);
    expect(dataset.train.count).toBe(4);
    expect(dataset.classNames).toEqual(['no', 'yes']);
    expect(warnings.some((w) => w.includes('_background_noise_'))).toBe(true);
  });

  it.each([
    ['an empty folder', [], /empty/],
    [
      'one keyword only',
      [memoryFile('kws/yes/1.wav', clip(400)), memoryFile('kws/yes/2.wav', clip(400))],
      /only one class/,
    ],
    [
      'no WAV files',
      [memoryFile('kws/yes/a.mp3', 'x'), memoryFile('kws/no/b.mp3', 'y')],
      /no WAV files.*mp3/,
    ],
    [
      'a file that is not a WAV',
      [...speechFolder(2), memoryFile('kws/no/bad.wav', 'hello there, not audio')],
      /kws\/no\/bad.wav.*"RIFF"/,
    ],
    [
      'a clip over the byte limit',
      [...speechFolder(2), memoryFile('kws/no/huge.wav', 'x', 64 << 20)],
      /huge.wav.*over the 16.0 MiB limit/,
    ],
  ])('rejects %s with a DatasetError', async (_, files, message) => {
    const promise = loadWavFolder(files as ReturnType<typeof memoryFile>[]);
    await expect(promise).rejects.toThrow(DatasetError);
    await expect(loadWavFolder(files as ReturnType<typeof memoryFile>[])).rejects.toThrow(message);
  });
});

describe('loadWavFolder: long and high-rate recordings', () => {
  it('resamples only the kept second of a 20-s 384 kHz recording, with the same features', async () => {
    const rate = 384_000;
    const long = new Float32Array(20 * rate);
    long.set(tone(1000, rate, rate, 0.4), 12 * rate); // the keyword, 12 s in; silence elsewhere
    const files = (a: Uint8Array) => [
      memoryFile('k/a/1.wav', a),
      memoryFile('k/b/1.wav', clip(3000)),
      memoryFile('k/a/2.wav', clip(1000)),
      memoryFile('k/b/2.wav', clip(3000)),
    ];
    const started = performance.now();
    const high = await loadWavFolder(files(makeWav([long], rate)), { validationFraction: 0.5 });
    const seconds = (performance.now() - started) / 1000;
    const at16 = await loadWavFolder(files(clip(1000)), { validationFraction: 0.5 });
    const frame = (ds: typeof at16.dataset) => {
      const i = Array.from(ds.train.y).indexOf(0);
      return Array.from(ds.train.x.subarray(i * 490 + 240, i * 490 + 244));
    };
    frame(high.dataset).forEach((v, k) => expect(v).toBeCloseTo(frame(at16.dataset)[k], 0));
    expect(high.warnings).toEqual([]);
    // Resampling all 20 s took ~8.5 s on a laptop (20 s on a loaded CI box); one second ~0.1 s.
    expect(seconds).toBeLessThan(4);
  });

  it('keeps the loudest window at the source rate and pads a short high-rate clip', () => {
    const config = { sampleRate: 16000, clipSamples: 16000, hopSamples: 320 };
    const out = new Float32Array(16000);
    const rate = 48000;
    const samples = new Float32Array(3 * rate);
    samples.fill(0.5, 2 * rate, 3 * rate); // loud last second
    expect(fitClip(samples, rate, config, out)).toBeUndefined();
    expect(out[8000]).toBeCloseTo(0.5, 3);
    expect(fitClip(new Float32Array(rate / 2).fill(0.5), rate, config, out)).toBe(8000);
    expect(out[4000]).toBeCloseTo(0.5, 3);
    expect(out[12000]).toBe(0);
  });
});

/** A recording at `rate`, `seconds` long, silent but for a tone of `hz` from `loudAt` s for 1 s. */
function burst(hz: number, seconds: number, loudAt: number, rate: number) {
  const samples = new Float32Array(Math.round(seconds * rate));
  const loud = tone(hz, rate, rate, 0.5);
  samples.set(
    loud.subarray(0, samples.length - Math.round(loudAt * rate)),
    Math.round(loudAt * rate),
  );
  return makeWav([samples], rate);
}

describe('clip sources of WAV uploads', () => {
  // Long files cut at different places, a short one padded, other rates: every kind of window.
  const mixed = (): UploadFile[] => [
    memoryFile('kws/yes/a.wav', burst(500, 3, 1.7, 16000)),
    memoryFile('kws/no/a.wav', burst(2400, 2.5, 0.2, 44100)),
    memoryFile('kws/yes/b.wav', burst(450, 0.6, 0, 8000)),
    memoryFile('kws/no/b.wav', burst(2600, 1, 0, 16000)),
    memoryFile('kws/yes/c.wav', burst(520, 4, 2.9, 48000)),
    memoryFile('kws/no/c.wav', burst(2200, 2, 0.9, 22050)),
    memoryFile('kws/README.txt', 'not a clip'),
    memoryFile('kws/yes/d.wav', burst(480, 1.5, 0.4, 16000)),
    memoryFile('kws/no/d.wav', burst(2500, 1, 0, 16000)),
  ];

  /** Decodes every validation sample again and recomputes its features. */
  async function recomputed(
    files: UploadFile[],
    dataset: Awaited<ReturnType<typeof loadWavFolder>>['dataset'],
  ) {
    const sources = dataset.validationSources!;
    const extractor = new MfccExtractor(dataset.frontEnd);
    const out: { path: string; start: number; features: Float32Array }[] = [];
    for (let k = 0; k < dataset.validation.count; k++) {
      const file = files[sources.file[k]];
      const window = { start: sources.start[k], length: sources.length[k] };
      const clip = decodeClipAt(await file.bytes(), file.path, window, dataset.frontEnd!);
      expect(clip).toHaveLength(dataset.frontEnd!.clipSamples);
      out.push({ path: file.path, start: window.start, features: extractor.compute(clip) });
    }
    return out;
  }

  it('decodes each validation clip again to exactly the samples its features came from', async () => {
    const files = mixed();
    const { dataset } = await loadWavFolder(files, { validationFraction: 0.5, seed: 3 });
    const size = 49 * 10;
    expect(dataset.validation.count).toBe(4);
    const again = await recomputed(files, dataset);
    again.forEach(({ path, features }, k) => {
      // Same class as the sample it stands for, and bit for bit the same features.
      expect(path).toContain(`/${dataset.classNames[dataset.validation.y[k]]}/`);
      expect(features).toEqual(dataset.validation.x.subarray(k * size, (k + 1) * size));
    });
    // Four different files: the sources are not all one file.
    expect(new Set(again.map((a) => a.path)).size).toBe(4);
  });

  it('records the cut window of a long file, at its own rate, in the listed split too', async () => {
    const files = [
      ...mixed(),
      memoryFile('kws/validation_list.txt', 'yes/a.wav\nno/a.wav\nyes/c.wav\nno/b.wav\n'),
    ];
    const { dataset } = await loadWavFolder(files);
    expect(dataset.validation.count).toBe(4);
    const sources = dataset.validationSources!;
    const byPath = new Map(
      Array.from(sources.file, (f, k) => [
        files[f].path,
        { start: sources.start[k], length: sources.length[k], k },
      ]),
    );
    expect([...byPath.keys()].sort()).toEqual([
      'kws/no/a.wav',
      'kws/no/b.wav',
      'kws/yes/a.wav',
      'kws/yes/c.wav',
    ]);
    // The loud second of yes/a.wav starts at 1.7 s: the window is within a hop of it.
    const a = byPath.get('kws/yes/a.wav')!;
    expect(a.length).toBe(16000);
    expect(Math.abs(a.start - 1.7 * 16000)).toBeLessThanOrEqual(320);
    const c = byPath.get('kws/yes/c.wav')!;
    expect(c.length).toBe(48000);
    expect(Math.abs(c.start - 2.9 * 48000)).toBeLessThanOrEqual(960);
    // A file of exactly one clip is kept whole.
    expect(byPath.get('kws/no/b.wav')).toMatchObject({ start: 0, length: 16000 });
    const size = 49 * 10;
    (await recomputed(files, dataset)).forEach(({ features }, k) =>
      expect(features).toEqual(dataset.validation.x.subarray(k * size, (k + 1) * size)),
    );
  });

  it('a dataset whose clip sources do not match its validation split is refused', async () => {
    const { dataset } = await loadWavFolder(mixed(), { validationFraction: 0.5, seed: 3 });
    expect(() => assertDatasetConsistent(dataset)).not.toThrow();
    const sources = dataset.validationSources!;
    const short = { ...sources, start: sources.start.subarray(1) };
    expect(() => assertDatasetConsistent({ ...dataset, validationSources: short })).toThrow(
      /clip sources do not match the validation count 4/,
    );
    const untyped = { ...sources, file: Array.from(sources.file) as unknown as Uint32Array };
    expect(() => assertDatasetConsistent({ ...dataset, validationSources: untyped })).toThrow(
      DatasetError,
    );
  });

  it('clipWindow is the window fitClip keeps', () => {
    const config = { sampleRate: 16000, clipSamples: 16000, hopSamples: 320 };
    const samples = new Float32Array(3 * 44100);
    samples.fill(0.3, 44100 + 5000, 2 * 44100 + 5000);
    const window = clipWindow(samples, 44100, config);
    expect(window.length).toBe(44100);
    expect(Math.abs(window.start - (44100 + 5000))).toBeLessThanOrEqual(882);
    const fitted = new Float32Array(16000);
    fitClip(samples, 44100, config, fitted);
    const wav = makeWav([samples], 44100, 'float32');
    expect(decodeClipAt(wav.slice().buffer, 'x.wav', window, config)).toEqual(fitted);
  });

  it('says which file changed when it no longer holds the window', async () => {
    const config = { sampleRate: 16000, clipSamples: 16000, hopSamples: 320 };
    const shorter = makeWav([tone(400, 16000, 8000)], 16000);
    expect(() =>
      decodeClipAt(
        shorter.slice().buffer,
        'kws/yes/a.wav',
        { start: 27000, length: 16000 },
        config,
      ),
    ).toThrow(/kws\/yes\/a\.wav: has changed since it was uploaded/);
    expect(() =>
      decodeClipAt(shorter.slice().buffer, 'kws/yes/a.wav', { start: 0, length: 16000 }, config),
    ).toThrow(DatasetError);
    expect(() =>
      decodeClipAt(new ArrayBuffer(10), 'bad.wav', { start: 0, length: 1 }, config),
    ).toThrow(/bad\.wav/);
  });
});
