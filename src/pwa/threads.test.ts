import { describe, expect, it } from 'vitest';
import {
  isolationSource,
  MAX_WASM_THREADS,
  threadModeText,
  wasmThreadCount,
  type IsolationFacts,
} from './threads';

const base: IsolationFacts = {
  crossOriginIsolated: false,
  secureContext: true,
  serviceWorkerSupported: true,
  isolatedByServiceWorker: false,
  controlled: false,
  development: false,
};

describe('wasm threads', () => {
  it('uses every core when isolated, capped, and one thread otherwise', () => {
    expect(wasmThreadCount(true, 2)).toBe(2);
    expect(wasmThreadCount(true, 6)).toBe(6);
    expect(wasmThreadCount(true, 64)).toBe(MAX_WASM_THREADS);
    expect(wasmThreadCount(false, 16)).toBe(1);
    expect(wasmThreadCount(true, undefined)).toBe(1);
    expect(wasmThreadCount(true, 0)).toBe(1);
  });

  it('says where isolation comes from, or why there is none', () => {
    expect(isolationSource({ ...base, crossOriginIsolated: true })).toBe('server-headers');
    expect(
      isolationSource({ ...base, crossOriginIsolated: true, isolatedByServiceWorker: true }),
    ).toBe('service-worker');
    expect(isolationSource(base)).toBe('pending-reload');
    expect(isolationSource({ ...base, secureContext: false })).toBe('insecure-context');
    expect(isolationSource({ ...base, serviceWorkerSupported: false })).toBe('no-service-worker');
    expect(isolationSource({ ...base, serviceWorkerError: 'quota' })).toBe('service-worker-failed');
  });

  it('states the thread count and the reason in the header text', () => {
    expect(threadModeText('server-headers', 4)).toMatch(/4 threads.*server sends COOP\/COEP/);
    expect(threadModeText('service-worker', 2)).toMatch(/2 threads.*service worker adds them/);
    expect(threadModeText('insecure-context', 1)).toMatch(/1 thread,.*HTTPS/);
    expect(threadModeText('service-worker-failed', 1, 'quota exceeded')).toContain(
      'quota exceeded',
    );
  });
});
