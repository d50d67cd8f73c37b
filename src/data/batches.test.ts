import { describe, expect, it } from 'vitest';
import { BatchSampler, gatherSplit, stratifiedSplit } from './batches';
import type { DatasetSplit } from './dataset';

function rampSplit(count: number, sampleLength: number): DatasetSplit {
  const x = new Uint8Array(count * sampleLength);
  for (let i = 0; i < count; i++) x.fill(i % 256, i * sampleLength, (i + 1) * sampleLength);
  return { x, y: Uint8Array.from({ length: count }, (_, i) => i % 3), count };
}

describe('stratifiedSplit', () => {
  it('holds out the fraction of every class, disjointly and deterministically', () => {
    const labels = Uint8Array.from({ length: 300 }, (_, i) => (i < 200 ? 0 : i < 290 ? 1 : 2));
    const { train, validation } = stratifiedSplit(labels, 3, 0.2, 5);
    expect(train.length + validation.length).toBe(300);
    expect(new Set([...train, ...validation]).size).toBe(300);
    const valPerClass = [0, 0, 0];
    for (const i of validation) valPerClass[labels[i]]++;
    expect(valPerClass).toEqual([40, 18, 2]);
    expect(stratifiedSplit(labels, 3, 0.2, 5).validation).toEqual(validation);
  });

  it('keeps at least one training sample per class', () => {
    const { train } = stratifiedSplit([0, 1], 2, 0.9, 1);
    expect(train.length).toBe(2);
  });
});

describe('BatchSampler', () => {
  it('yields normalised NHWC batches covering each epoch exactly once', () => {
    const split = rampSplit(10, 4);
    const sampler = new BatchSampler(split, {
      batchSize: 4,
      inputShape: [2, 2, 1],
      normalisation: { scale: 0.5, offset: 1 },
      seed: 11,
    });
    expect(sampler.batchesPerEpoch).toBe(3);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const batch of sampler.epochBatches()) {
      sizes.push(batch.size);
      expect(batch.x.length).toBe(batch.size * 4);
      expect(batch.y).toBeInstanceOf(Int32Array);
      for (let k = 0; k < batch.size; k++) {
        const raw = (batch.x[k * 4] - 1) / 0.5;
        expect([...batch.x.subarray(k * 4, k * 4 + 4)]).toEqual(
          [1, 1, 1, 1].map(() => raw * 0.5 + 1),
        );
        expect(batch.y[k]).toBe(raw % 3);
        seen.push(raw);
      }
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reuses its buffers instead of allocating per batch', () => {
    const sampler = new BatchSampler(rampSplit(64, 8), {
      batchSize: 16,
      inputShape: [8, 1, 1],
      normalisation: { scale: 1, offset: 0 },
      seed: 1,
    });
    const first = sampler.next();
    const second = sampler.next();
    expect(second.x).toBe(first.x);
    expect(second.y).toBe(first.y);
  });

  it('reshuffles every epoch, reproducibly from the seed', () => {
    const make = () =>
      new BatchSampler(rampSplit(32, 1), {
        batchSize: 32,
        inputShape: [1, 1, 1],
        normalisation: { scale: 1, offset: 0 },
        seed: 99,
      });
    const a = make();
    const epoch0 = [...a.next().x];
    const epoch1 = [...a.next().x];
    expect(a.epoch).toBe(1);
    expect(epoch1).not.toEqual(epoch0);
    expect([...epoch1].sort((u, v) => u - v)).toEqual([...epoch0].sort((u, v) => u - v));
    const b = make();
    expect([...b.next().x]).toEqual(epoch0);
    expect([...b.next().x]).toEqual(epoch1);
  });

  it('keeps file order without shuffle and drops the ragged batch with dropLast', () => {
    const sampler = new BatchSampler(rampSplit(10, 1), {
      batchSize: 4,
      inputShape: [1, 1, 1],
      normalisation: { scale: 1, offset: 0 },
      seed: 1,
      shuffle: false,
      dropLast: true,
    });
    expect(sampler.batchesPerEpoch).toBe(2);
    expect([...sampler.next().x]).toEqual([0, 1, 2, 3]);
    expect([...sampler.next().x]).toEqual([4, 5, 6, 7]);
    expect([...sampler.next().x]).toEqual([0, 1, 2, 3]);
  });

  it.each([
    ['shuffled, ragged last batch', { shuffle: true, dropLast: false }],
    ['shuffled, dropLast', { shuffle: true, dropLast: true }],
    ['file order', { shuffle: false, dropLast: false }],
  ])('seek(k) gives the batch that k calls of next() lead to (%s)', (_, flags) => {
    const options = {
      batchSize: 4,
      inputShape: [1, 1, 2] as const,
      normalisation: { scale: 1, offset: 0 },
      seed: 21,
      ...flags,
    };
    const split = rampSplit(10, 2); // 3 batches an epoch (2 with dropLast)
    const copy = (b: { x: Float32Array; y: Int32Array; size: number }) => ({
      x: [...b.x],
      y: [...b.y],
      size: b.size,
    });
    for (let k = 0; k <= 10; k++) {
      const reference = new BatchSampler(split, options);
      for (let i = 0; i < k; i++) reference.next();
      const sought = new BatchSampler(split, options);
      sought.next(); // seek is absolute: what was drawn before does not matter
      sought.seek(k);
      expect(sought.epoch).toBe(reference.epoch);
      // The same next batch, and the same ones after it (across epoch ends).
      for (let j = 0; j < 4; j++) {
        expect(copy(sought.next())).toEqual(copy(reference.next()));
        expect(sought.epoch).toBe(reference.epoch);
      }
    }
  });

  it('rejects a step seek cannot reach', () => {
    const sampler = new BatchSampler(rampSplit(4, 1), {
      batchSize: 2,
      inputShape: [1, 1, 1],
      normalisation: { scale: 1, offset: 0 },
      seed: 1,
    });
    expect(() => sampler.seek(-1)).toThrow(/whole number ≥ 0, got -1/);
    expect(() => sampler.seek(1.5)).toThrow(/got 1.5/);
  });

  it('rejects bad sizes', () => {
    const opts = {
      inputShape: [1, 1, 1] as const,
      normalisation: { scale: 1, offset: 0 },
      seed: 1,
    };
    expect(() => new BatchSampler(rampSplit(4, 1), { ...opts, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new BatchSampler(rampSplit(0, 1), { ...opts, batchSize: 2 })).toThrow(/empty/);
    expect(() => new BatchSampler(rampSplit(4, 2), { ...opts, batchSize: 2 })).toThrow(/length/);
  });
});

describe('gatherSplit', () => {
  it('keeps uint8 storage for images (memory bound: 1 byte per value)', () => {
    const split = gatherSplit(new Uint8Array([1, 1, 2, 2, 3, 3]), [0, 1, 0], 2, [2, 0]);
    expect(split.x).toBeInstanceOf(Uint8Array);
    expect([...split.x]).toEqual([3, 3, 1, 1]);
    expect([...split.y]).toEqual([0, 0]);
    // A 50,000-image CIFAR-10 upload: 50,000 · 3,072 B ≈ 154 MB of uint8 pixels.
    expect(50_000 * 32 * 32 * 3).toBe(153_600_000);
  });
});
