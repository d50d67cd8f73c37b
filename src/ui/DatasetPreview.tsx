import { useEffect, useRef } from 'react';
import type { DatasetSummary } from '../worker/protocol';

const MAX_SAMPLES = 12;

/** Draws one NHWC sample (values in [0, 1]) into a canvas at its native size. */
function SampleCanvas({
  summary,
  index,
  label,
}: {
  summary: DatasetSummary;
  index: number;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [h, w, c] = summary.inputShape;
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const image = ctx.createImageData(w, h);
    const offset = index * h * w * c;
    const x = summary.preview.x;
    for (let p = 0; p < h * w; p++) {
      const at = offset + p * c;
      const to255 = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
      // One channel: grey; three: RGB; other counts (e.g. spectrograms): the first channel.
      const r = to255(x[at]);
      image.data[p * 4] = r;
      image.data[p * 4 + 1] = c === 3 ? to255(x[at + 1]) : r;
      image.data[p * 4 + 2] = c === 3 ? to255(x[at + 2]) : r;
      image.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [summary, index, h, w, c]);
  return (
    <figure className="sample">
      <canvas ref={ref} width={w} height={h} role="img" aria-label={`Sample of class ${label}`} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** A few samples of the loaded dataset with their labels, from the worker's preview. */
export function DatasetPreview({ summary }: { summary: DatasetSummary }) {
  const count = Math.min(MAX_SAMPLES, summary.preview.count);
  return (
    <div className="sample-grid" data-testid="sample-grid">
      {Array.from({ length: count }, (_, i) => {
        const y = summary.preview.y[i];
        return (
          <SampleCanvas
            key={i}
            summary={summary}
            index={i}
            label={summary.classNames[y] ?? String(y)}
          />
        );
      })}
    </div>
  );
}
