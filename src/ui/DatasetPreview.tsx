import { memo, useMemo } from 'react';
import type { DatasetSummary } from '../worker/protocol';
import { writeRgba } from '../data/render';
import { pixelImageUrl } from './pixelImage';

const MAX_SAMPLES = 12;

/** One NHWC sample (values in [0, 1]) as an image at its native size. */
function SampleCanvas({
  summary,
  index,
  label,
}: {
  summary: DatasetSummary;
  index: number;
  label: string;
}) {
  const [h, w, c] = summary.inputShape;
  const url = useMemo(() => {
    const offset = index * h * w * c;
    const x = summary.preview.x;
    const to255 = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
    // One channel: grey; three: RGB; other counts (e.g. spectrograms): the first channel.
    return pixelImageUrl(w, h, (rgba) => writeRgba(rgba, x, offset, c, to255));
  }, [summary, index, h, w, c]);
  return (
    <figure className="sample">
      <img src={url} width={w} height={h} alt={`Sample of class ${label}`} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/**
 * A few samples of the loaded dataset with their labels, from the worker's preview. Memoised:
 * it redraws only for a new summary.
 */
export const DatasetPreview = memo(function DatasetPreview({
  summary,
}: {
  summary: DatasetSummary;
}) {
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
});
