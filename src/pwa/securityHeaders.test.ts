import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  contentSecurityPolicyHeader,
  contentSecurityPolicyMeta,
  exemptFromCsp,
  SECURITY_HEADERS,
} from './securityHeaders';

/** Header blocks of a Netlify / Cloudflare Pages `_headers` file: path → header → value. */
function parseHeadersFile(text: string): Map<string, Map<string, string>> {
  const blocks = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      current = new Map();
      blocks.set(line.trim(), current);
      continue;
    }
    const colon = line.indexOf(':');
    if (!current || colon < 0) throw new Error(`_headers: a header line outside a path: ${line}`);
    current.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return blocks;
}

const directives = (policy: string) => policy.split(';').map((d) => d.trim());

describe('security headers', () => {
  it('the header CSP covers workers, connections and framing, and allows no eval', () => {
    const policy = directives(contentSecurityPolicyHeader);
    expect(policy).toContain("worker-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(contentSecurityPolicyHeader).not.toMatch(/'unsafe-eval'|\*/);
  });

  it('the meta CSP is the header CSP without what a meta tag cannot carry', () => {
    expect(contentSecurityPolicyMeta).not.toContain('frame-ancestors');
    expect(directives(contentSecurityPolicyHeader)).toEqual([
      ...directives(contentSecurityPolicyMeta),
      "frame-ancestors 'none'",
    ]);
  });

  it('public/_headers sends exactly the headers vite preview sends, to every path', () => {
    const file = parseHeadersFile(
      readFileSync(new URL('../../public/_headers', import.meta.url), 'utf8'),
    );
    expect(Object.fromEntries(file.get('/*') ?? [])).toEqual(SECURITY_HEADERS);
  });

  it('exempts only the TFLite test page from the CSP', () => {
    expect(exemptFromCsp('/e2e/pages/tflite-check.html')).toBe(true);
    expect(exemptFromCsp('/index.html')).toBe(false);
    expect(exemptFromCsp('/')).toBe(false);
    expect(exemptFromCsp('/assets/training.worker-abc.js')).toBe(false);
    expect(exemptFromCsp('/e2e/pages/other.html')).toBe(false);
  });
});
