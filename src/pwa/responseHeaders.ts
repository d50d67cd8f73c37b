/**
 * What the service worker does to each response it serves from its cache: it adds every site
 * header (securityHeaders.ts) the host did not send. On a host that sends none (GitHub Pages and
 * the like) this makes the page cross-origin isolated after one reload, so WebAssembly threads
 * work there too, and puts the full CSP on the page and its workers.
 *
 * Pure (Fetch API only), so Vitest checks it in Node.
 */
import { SECURITY_HEADERS } from './securityHeaders';

/** Server-Timing entry name by which the page learns that its isolation came from the service worker. */
export const SW_ISOLATION_TIMING = 'sw-isolation';

/** The response with the site headers it lacks; a response that cannot be rewritten is returned as is. */
export function withSiteHeaders(response: Response): Response {
  // Opaque and error responses have no readable headers to complete.
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) {
    return response;
  }
  const missing = Object.entries(SECURITY_HEADERS).filter(([name]) => !response.headers.has(name));
  if (missing.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of missing) headers.set(name, value);
  if (missing.some(([name]) => name === 'Cross-Origin-Embedder-Policy')) {
    headers.append(
      'Server-Timing',
      `${SW_ISOLATION_TIMING};desc="COOP/COEP added by the service worker"`,
    );
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
