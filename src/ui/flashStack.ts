/**
 * Flash per layer as one stacked bar: each operator's share of the model's flash, and the rest
 * (model tables, operator codes, input tensor) as one "model overhead" segment.
 */
import type { LayerFigures } from '../worker/protocol';

export interface FlashSegment {
  name: string;
  bytes: number;
  /** Of the total, in [0, 1]; the segments sum to 1. */
  share: number;
  overhead: boolean;
}

export function flashSegments(
  layers: readonly Pick<LayerFigures, 'node' | 'flashBytes'>[],
  totalFlash: number,
): FlashSegment[] {
  const attributed = layers.reduce((s, l) => s + l.flashBytes, 0);
  const overhead = Math.max(0, totalFlash - attributed);
  const total = attributed + overhead;
  if (!(total > 0)) return [];
  const segments = layers.map((l) => ({
    name: l.node,
    bytes: l.flashBytes,
    share: l.flashBytes / total,
    overhead: false,
  }));
  if (overhead > 0) {
    segments.push({
      name: 'model overhead',
      bytes: overhead,
      share: overhead / total,
      overhead: true,
    });
  }
  return segments;
}
