import { useEffect, useRef } from 'react';
import type { ConfusionEvaluation } from '../worker/protocol';

/** One sample of the worker's 0..255 pictures (grey, or RGB for 3 channels) on a canvas. */
export function SampleCanvas({
  samples,
  index,
  label,
}: {
  samples: ConfusionEvaluation['samples'];
  index: number;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [h, w, c] = samples.inputShape;
  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    const image = context.createImageData(w, h);
    const pixels = samples.pixels;
    const offset = index * h * w * c;
    for (let p = 0; p < h * w; p++) {
      const at = offset + p * c;
      image.data[p * 4] = pixels[at];
      image.data[p * 4 + 1] = c === 3 ? pixels[at + 1] : pixels[at];
      image.data[p * 4 + 2] = c === 3 ? pixels[at + 2] : pixels[at];
      image.data[p * 4 + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }, [samples, index, h, w, c]);
  return <canvas ref={ref} width={w} height={h} role="img" aria-label={label} />;
}
