/** A pixel-matching baseline for the generated sets' tests (not used by the app). */
import type { Dataset } from '../data/dataset';

/** 1-nearest-neighbour accuracy on raw values, validation against train. */
export function nearestNeighbourAccuracy(ds: Dataset): number {
  const n = ds.inputShape[0] * ds.inputShape[1] * ds.inputShape[2];
  let correct = 0;
  for (let v = 0; v < ds.validation.count; v++) {
    let best = Infinity;
    let label = -1;
    for (let t = 0; t < ds.train.count; t++) {
      let d = 0;
      for (let j = 0; j < n; j++) {
        const e = ds.validation.x[v * n + j] - ds.train.x[t * n + j];
        d += e * e;
      }
      if (d < best) {
        best = d;
        label = ds.train.y[t];
      }
    }
    if (label === ds.validation.y[v]) correct++;
  }
  return correct / ds.validation.count;
}
