import { useEffect, useMemo, useRef } from 'react';
import type { Dataset } from '../data/dataset';
import { gridIndices, sampleImage } from '../data/render';

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
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const image = useMemo(() => sampleImage(dataset, split, index), [dataset, split, index]);
  const label = dataset.classNames[dataset[split].y[index]] ?? '?';
  const isFeatures = dataset[split].x instanceof Float32Array;
  const zoom = tileSize / Math.max(image.width, image.height);

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    const { width, height, data } = image;
    context.putImageData(new ImageData(new Uint8ClampedArray(data), width, height), 0, 0);
  }, [image]);

  return (
    <figure className="sample-grid__tile" style={{ margin: 0, textAlign: 'center' }}>
      <canvas
        ref={canvasRef}
        width={image.width}
        height={image.height}
        role="img"
        aria-label={`${isFeatures ? 'Feature heat map' : 'Image'} of sample ${index + 1}, class ${label}`}
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

/** A grid of samples from one split, each drawn on its own canvas with its class label. */
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
