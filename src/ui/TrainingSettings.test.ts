import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE as schedule, LIMITS } from '../state/config';
import { TrainingSettings } from './TrainingSettings';

/** Each number field's label and its input's min, max and step, in page order. */
function fields(html: string) {
  return [...html.matchAll(/<label[^>]*>([^<]*)<\/label><input([^>]*)>/g)].map(
    ([, label, attrs]) => {
      const attr = (name: string) => attrs.match(new RegExp(`\\b${name}="([^"]*)"`))?.[1];
      return { label, min: Number(attr('min')), max: Number(attr('max')), step: attr('step') };
    },
  );
}

describe('TrainingSettings', () => {
  // A fresh page: the default schedule.
  it('lists the schedule and optimiser fields with their limits; each share leaves room for the other', () => {
    expect(fields(renderToStaticMarkup(createElement(TrainingSettings)))).toEqual([
      { label: 'Total steps', ...LIMITS.totalSteps, step: '1' },
      {
        label: 'Warm-up share',
        min: LIMITS.warmupFraction.min,
        max: Math.min(LIMITS.warmupFraction.max, 1 - schedule.pruneFraction),
        step: '0.05',
      },
      {
        label: 'Pruning share',
        min: LIMITS.pruneFraction.min,
        max: Math.min(LIMITS.pruneFraction.max, 1 - schedule.warmupFraction),
        step: '0.05',
      },
      { label: 'Batch size', ...LIMITS.batchSize, step: '1' },
      { label: 'Learning rate', ...LIMITS.learningRate, step: '0.0005' },
      { label: 'Seed', ...LIMITS.seed, step: '1' },
    ]);
  });
});
