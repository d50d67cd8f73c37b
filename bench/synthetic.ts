/**
 * A random dataset of a given input shape, for timing runs where the content does not matter
 * (throughput of the zoo models at their default inputs). Runs in Node and in the browser.
 */
import type { Dataset } from '../src/data/dataset';
import { mulberry32 } from '../src/core/random';

export function randomDataset(
  inputShape: [number, number, number],
  numClasses: number,
  samples: number,
  seed = 7,
): Dataset {
  const random = mulberry32(seed);
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  const split = (count: number) => ({
    x: Uint8Array.from({ length: count * size }, () => Math.floor(random() * 256)),
    y: Uint8Array.from({ length: count }, () => Math.floor(random() * numClasses)),
    count,
  });
  return {
    id: 'random',
    name: 'Random (timing only)',
    source: 'generated',
    inputShape,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, i) => `class ${i}`),
    train: split(samples),
    validation: split(Math.max(1, samples >> 2)),
    normalisation: { scale: 1 / 255, offset: 0 },
  };
}
