import { useMemo } from 'react';
import type { Dataset } from '../data/dataset';
import { gridIndices, sampleImage } from '../data/render';
import { pixelImageUrl } from './pixelImage';

export interface SampleGridProps {
  dataset: Dataset;
  /** How many samples to show (spread evenly over the split). */
  count: number;
  split: 'train' | 'validation';
  /** On-screen size of each tile in CSS pixels (longer side). Default 56. */
  tileSize?: number;
}

function SampleTile({
  dataset,
  split,
  index,
  tileSize,
}: {
  dataset: Dataset;
  split: 'train' | 'validation';
  index: number;
  tileSize: number;
}) {
  const image = useMemo(() => sampleImage(dataset, split, index), [dataset, split, index]);
  const label = dataset.classNames[dataset[split].y[index]] ?? '?';
  const isFeatures = dataset[split].x instanceof Float32Array;
  const zoom = tileSize / Math.max(image.width, image.height);

  const url = useMemo(
    () => pixelImageUrl(image.width, image.height, (rgba) => rgba.set(image.data)),
    [image],
  );

  return (
    <figure className="sample-grid__tile" style={{ margin: 0, textAlign: 'center' }}>
      <img
        src={url}
        width={image.width}
        height={image.height}
        alt={`${isFeatures ? 'Feature heat map' : 'Image'} of sample ${index + 1}, class ${label}`}
        style={{
          width: Math.round(image.width * zoom),
          height: Math.round(image.height * zoom),
          imageRendering: 'pixelated',
        }}
      />
      <figcaption style={{ fontSize: '0.75rem' }}>{label}</figcaption>
    </figure>
  );
}

/** A grid of samples from one split, each an image with its class label. */
export function SampleGrid({ dataset, count, split, tileSize = 56 }: SampleGridProps) {
  const indices = gridIndices(dataset[split].count, count);
  const splitName = split === 'train' ? 'training' : 'validation';
  return (
    <section
      data-testid="sample-grid"
      aria-label={`${indices.length} ${splitName} samples from ${dataset.name}`}
      style={{
        display: 'grid',
        gridTemplateColumns: `repeat(auto-fill, minmax(${tileSize + 8}px, 1fr))`,
        gap: '0.5rem',
      }}
    >
      {indices.length === 0 ? (
        <p>No {splitName} samples.</p>
      ) : (
        indices.map((index) => (
          <SampleTile
            key={index}
            dataset={dataset}
            split={split}
            index={index}
            tileSize={tileSize}
          />
        ))
      )}
    </section>
  );
}

export default SampleGrid;
