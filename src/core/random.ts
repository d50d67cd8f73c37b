/**
 * Seeded randomness, the one generator of the studio: weight initialisation (train), sample
 * order and augmentation (data), synthetic data sets and the test models all draw from it, so
 * the same seed gives the same run everywhere.
 */

/**
 * mulberry32, a 32-bit PRNG by Tommy Ettinger (public domain); period 2^32, fine for
 * shuffling and augmentation. Returns floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes two integers into a new seed (so epoch e of seed s gets its own stream). */
export function deriveSeed(seed: number, salt: number): number {
  // A round of the murmur3 finaliser over seed ⊕ salt·golden-ratio.
  let h = (seed ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fisher–Yates shuffle in place, driven by `random` (a function returning [0, 1)). */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(
  items: T,
  random: () => number,
): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** A random permutation of 0..n-1, the same for the same seed. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, mulberry32(seed));
}
