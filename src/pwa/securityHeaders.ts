/**
 * The security headers of the built site, in one place: `vite preview` sends them (vite.config.ts),
 * public/_headers states them for static hosts that read that file (Netlify, Cloudflare Pages;
 * src/pwa/securityHeaders.test.ts keeps it in step), the page carries the CSP as a <meta> tag for
 * hosts that send no headers, and the service worker adds whichever of them a response lacks.
 *
 * Pure TypeScript: no DOM, no Node, so the config, the page and the service worker share it.
 */

/**
 * Directives that work in a <meta> tag too. Inline *style attributes* are allowed because the
 * chart library positions its tooltips with them; no inline or eval'd script is:
 * 'wasm-unsafe-eval' allows compiling WebAssembly and nothing else. `worker-src 'self'` covers the
 * training worker, its kernel threads and the service worker; `connect-src 'self'` keeps every
 * fetch (the page's and the workers') on the site's own origin.
 */
export const CSP_DIRECTIVES: readonly string[] = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
];

/** Directives a browser honours only in a header (in a <meta> tag it ignores them, with a warning). */
export const CSP_HEADER_ONLY_DIRECTIVES: readonly string[] = ["frame-ancestors 'none'"];

/** The policy as a header: every directive, so workers and framing are covered too. */
export const contentSecurityPolicyHeader = [...CSP_DIRECTIVES, ...CSP_HEADER_ONLY_DIRECTIVES].join(
  '; ',
);

/** The policy as a <meta http-equiv> tag, for hosts that send no headers. */
export const contentSecurityPolicyMeta = CSP_DIRECTIVES.join('; ');

/**
 * Cross-origin isolation: with these two the page (and its workers) may use SharedArrayBuffer,
 * i.e. WebAssembly threads. Every resource of the site is same-origin, so require-corp costs nothing.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Every header the built site is served with. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicyHeader,
  ...ISOLATION_HEADERS,
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Paths (relative to the site root) that must not get the CSP: the e2e test page that runs the
 * TFLite interpreter, which starts its threads as blob: workers. Only PS_TEST_PAGES=1 builds have it.
 */
export function exemptFromCsp(pathFromRoot: string): boolean {
  return /^\/?e2e\/pages\/tflite-check\.html$/.test(pathFromRoot);
}
