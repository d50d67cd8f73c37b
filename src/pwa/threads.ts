/**
 * How many threads the wasm training kernels use, and how the page explains it. Pure: the
 * training worker (src/train/backend.ts) and the header (src/ui/BackendBadge.tsx) share it.
 */

/** The most threads a run uses: past this, splitting a batch of 32 gains little and costs memory. */
export const MAX_WASM_THREADS = 8;

/**
 * Threads for the kernels: every logical core the browser reports (capped at MAX_WASM_THREADS)
 * where the page is cross-origin isolated, else one (threads need SharedArrayBuffer).
 */
export function wasmThreadCount(
  isolated: boolean,
  hardwareConcurrency: number | undefined,
): number {
  if (!isolated) return 1;
  const cores = Number.isFinite(hardwareConcurrency) ? Math.floor(hardwareConcurrency!) : 1;
  return Math.max(1, Math.min(MAX_WASM_THREADS, cores));
}

/** Where the page's cross-origin isolation comes from, or why it has none. */
export type IsolationSource =
  | 'server-headers'
  | 'service-worker'
  | 'pending-reload'
  | 'insecure-context'
  | 'no-service-worker'
  | 'service-worker-failed'
  | 'development';

export interface IsolationFacts {
  crossOriginIsolated: boolean;
  secureContext: boolean;
  serviceWorkerSupported: boolean;
  /** The page was served by our service worker with the isolation headers it added. */
  isolatedByServiceWorker: boolean;
  /** A service worker controls the page. */
  controlled: boolean;
  /** Development server (no service worker there). */
  development: boolean;
  /** The service worker failed to register or install (its error message). */
  serviceWorkerError?: string;
}

export function isolationSource(f: IsolationFacts): IsolationSource {
  if (f.crossOriginIsolated) return f.isolatedByServiceWorker ? 'service-worker' : 'server-headers';
  if (f.development) return 'development';
  if (!f.secureContext) return 'insecure-context';
  if (!f.serviceWorkerSupported) return 'no-service-worker';
  if (f.serviceWorkerError) return 'service-worker-failed';
  return 'pending-reload';
}

/** One sentence for the header: how many threads, and why. */
export function threadModeText(
  source: IsolationSource,
  threads: number,
  serviceWorkerError?: string,
): string {
  const count = `${threads} ${threads === 1 ? 'thread' : 'threads'}`;
  switch (source) {
    case 'server-headers':
      return `WebAssembly kernels: ${count}, the server sends COOP/COEP headers (cross-origin isolated).`;
    case 'service-worker':
      return `WebAssembly kernels: ${count}, the host sends no COOP/COEP, so the offline service worker adds them (cross-origin isolated).`;
    case 'pending-reload':
      return `WebAssembly kernels: ${count} until the offline copy is installed and the page reloads once to become cross-origin isolated.`;
    case 'insecure-context':
      return `WebAssembly kernels: ${count}, threads need HTTPS (or localhost) for cross-origin isolation.`;
    case 'no-service-worker':
      return `WebAssembly kernels: ${count}, the host sends no COOP/COEP and this browser has no service workers to add them.`;
    case 'service-worker-failed':
      return `WebAssembly kernels: ${count}, the offline service worker could not start (${serviceWorkerError ?? 'unknown error'}).`;
    case 'development':
      return `WebAssembly kernels: ${count}, the development server is not cross-origin isolated.`;
  }
}
