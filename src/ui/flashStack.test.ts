import { describe, expect, it } from 'vitest';
import { flashSegments } from './flashStack';

describe('flash per layer as a stacked bar', () => {
  it('gives each operator its share and the unattributed rest as model overhead', () => {
    const s = flashSegments(
      [
        { node: 'conv1', flashBytes: 300 },
        { node: 'dense', flashBytes: 500 },
      ],
      1000,
    );
    expect(s.map((x) => [x.name, x.bytes, x.share, x.overhead])).toEqual([
      ['conv1', 300, 0.3, false],
      ['dense', 500, 0.5, false],
      ['model overhead', 200, 0.2, true],
    ]);
  });

  it('has no overhead segment when the layers account for all, and nothing to draw at zero', () => {
    const s = flashSegments([{ node: 'a', flashBytes: 10 }], 8);
    expect(s).toEqual([{ name: 'a', bytes: 10, share: 1, overhead: false }]);
    expect(flashSegments([], 0)).toEqual([]);
  });
});
