import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { generateShapes } from '../data/generated';
import { SampleGrid } from './SampleGrid';

describe('SampleGrid', () => {
  it('renders one labelled image per sample under data-testid="sample-grid"', () => {
    const dataset = generateShapes({ classes: 4, samples: 40, seed: 1 });
    const html = renderToStaticMarkup(
      createElement(SampleGrid, { dataset, count: 6, split: 'validation' }),
    );
    expect(html).toContain('data-testid="sample-grid"');
    expect(html).toContain(`aria-label="6 validation samples from ${dataset.name}"`);
    expect(html.match(/<img src="data:image\/bmp;base64,/g)).toHaveLength(6);
    const first = dataset.classNames[dataset.validation.y[0]];
    expect(html).toContain(`alt="Image of sample 1, class ${first}"`);
  });
});
