import { useMemo } from 'react';
import type { ConfusionEvaluation } from '../worker/protocol';
import { writeRgba } from '../data/render';
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
    return pixelImageUrl(w, h, (rgba) => writeRgba(rgba, pixels, offset, c));
  }, [samples, index, h, w, c]);
  return <img src={url} width={w} height={h} alt={label} />;
}
