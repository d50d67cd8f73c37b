import { describe, expect, it } from 'vitest';
import { SW_ISOLATION_TIMING, withSiteHeaders } from './responseHeaders';
import { SECURITY_HEADERS } from './securityHeaders';

describe('withSiteHeaders (the service worker rewrite)', () => {
  it('adds every missing header and marks the isolation as its own', async () => {
    const plain = new Response('<p>page</p>', {
      status: 200,
      headers: { 'Content-Type': 'text/html' },
    });
    const served = withSiteHeaders(plain);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      expect(served.headers.get(name)).toBe(value);
    }
    expect(served.headers.get('Content-Type')).toBe('text/html');
    expect(served.headers.get('Server-Timing')).toContain(SW_ISOLATION_TIMING);
    expect(await served.text()).toBe('<p>page</p>');
    expect(served.status).toBe(200);
  });

  it("keeps the host's own headers and does not claim isolation the host provided", () => {
    const fromHost = new Response('x', {
      headers: {
        'Cross-Origin-Embedder-Policy': 'credentialless',
        'Cross-Origin-Opener-Policy': 'same-origin',
      },
    });
    const served = withSiteHeaders(fromHost);
    expect(served.headers.get('Cross-Origin-Embedder-Policy')).toBe('credentialless');
    expect(served.headers.get('Content-Security-Policy')).toBe(
      SECURITY_HEADERS['Content-Security-Policy'],
    );
    expect(served.headers.get('Server-Timing')).toBeNull();
  });

  it('returns a response that already has every header unchanged', () => {
    const complete = new Response('x', { headers: { ...SECURITY_HEADERS } });
    expect(withSiteHeaders(complete)).toBe(complete);
  });

  it('passes error responses through', () => {
    const failed = Response.error();
    expect(withSiteHeaders(failed)).toBe(failed);
  });
});
