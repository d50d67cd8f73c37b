import { useMemo } from 'react';
import type { ConfusionEvaluation } from '../worker/protocol';
import { pixelImageUrl } from './pixelImage';

/** One sample of the worker's 0..255 pictures (grey, or RGB for 3 channels) as an image. */
export function SampleCanvas({
  samples,
  index,
  label,
}: {
  samples: ConfusionEvaluation['samples'];
  index: number;
  label: string;
}) {
  const [h, w, c] = samples.inputShape;
  const url = useMemo(() => {
    const pixels = samples.pixels;
    const offset = index * h * w * c;
    return pixelImageUrl(w, h, (rgba) => {
      for (let p = 0; p < h * w; p++) {
        const at = offset + p * c;
        rgba[p * 4] = pixels[at];
        rgba[p * 4 + 1] = c === 3 ? pixels[at + 1] : pixels[at];
        rgba[p * 4 + 2] = c === 3 ? pixels[at + 2] : pixels[at];
        rgba[p * 4 + 3] = 255;
      }
    });
  }, [samples, index, h, w, c]);
  return <img src={url} width={w} height={h} alt={label} />;
}
