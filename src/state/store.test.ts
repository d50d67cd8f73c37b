import { describe, expect, it } from 'vitest';
import { simulatedFailuresFromQuery } from './store';

describe('simulatedFailuresFromQuery', () => {
  it('turns ?simulate=no-webgpu,no-webgl into forced backend failures with a reason', () => {
    const failures = simulatedFailuresFromQuery('?simulate=no-webgpu,no-webgl');
    expect(Object.keys(failures).sort()).toEqual(['webgl', 'webgpu']);
    expect(failures.webgpu).toMatch(/disabled by \?simulate=no-webgpu/);
  });

  it('ignores unknown or absent simulate values', () => {
    expect(simulatedFailuresFromQuery('')).toEqual({});
    expect(simulatedFailuresFromQuery('?simulate=no-cpu,rm-rf')).toEqual({});
  });
});
