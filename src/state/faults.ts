/**
 * Faults a page can ask its worker to fake, read from the page's `?simulate=` query: a way to
 * check the fallbacks and the recovery on a machine where nothing fails.
 */
import type { BackendName, SimulatedFaults } from '../worker/protocol';

/** The comma-separated items of `?simulate=` (none without it). */
const simulated = (search: string) => new URLSearchParams(search).get('simulate')?.split(',') ?? [];

/**
 * `?simulate=device-lost@5` or `nan@8` makes the worker fail once at that step: the run must go
 * on on the next backend, or roll back with a lower learning rate. `slow-step@3` makes step 3
 * never end (the worker spins): Stop, or the step time limit, must still end the run.
 */
export function simulatedFaultsFromQuery(search: string): SimulatedFaults {
  const faults: SimulatedFaults = {};
  for (const item of simulated(search)) {
    const match = /^(device-lost|nan|slow-step)@(\d{1,7})$/.exec(item);
    if (!match) continue;
    const step = Number(match[2]);
    if (match[1] === 'device-lost') faults.deviceLostAtStep = step;
    else if (match[1] === 'slow-step') faults.slowStepAtStep = step;
    else faults.nanAtStep = step;
  }
  return faults;
}

/**
 * `?simulate=no-webgpu` (or `no-webgl`, `no-wasm`, comma-separated) makes the worker treat a
 * backend as failing.
 */
export function simulatedFailuresFromQuery(search: string): Partial<Record<BackendName, string>> {
  const failures: Partial<Record<BackendName, string>> = {};
  const wanted = simulated(search);
  for (const name of ['webgpu', 'wasm', 'webgl'] as const) {
    if (wanted.includes(`no-${name}`)) failures[name] = `${name} disabled by ?simulate=no-${name}`;
  }
  return failures;
}
