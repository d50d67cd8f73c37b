import { test } from './fixtures';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

/**
 * A plain static file server for the built site (dist/), like GitHub Pages: correct MIME types
 * and nothing else, in particular no COOP/COEP and no CSP header. `rewrite` lets a test change a
 * file as it is served (e.g. deploy a "new version" of the service worker).
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  /** Paths requested so far. */
  requests: string[];
  rewrite?: (path: string, body: Buffer) => Buffer;
  close(): Promise<void>;
}

export async function serveStatic(root = resolve('dist')): Promise<StaticServer> {
  const state: StaticServer = { url: '', requests: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.requests.push(path);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        const out = state.rewrite ? state.rewrite(path, body) : body;
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': out.length,
        });
        res.end(out);
      },
      () => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () => new Promise((done) => server.close(() => done()));
  return state;
}

/**
 * The studio's fixtures (foreign-request and CSP guards included) against the plain static
 * server instead of `vite preview`: `baseURL` is the plain server's address. The server lives as
 * long as the Playwright worker; each test gets it with no requests recorded and no rewrite.
 */
export const plainHostTest = test.extend<
  { plainSite: StaticServer },
  { plainServer: StaticServer }
>({
  plainServer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const site = await serveStatic();
      await use(site);
      await site.close();
    },
    { scope: 'worker' },
  ],
  plainSite: async ({ plainServer }, use) => {
    plainServer.requests.length = 0;
    plainServer.rewrite = undefined;
    await use(plainServer);
    plainServer.rewrite = undefined;
  },
  baseURL: async ({ plainServer }, use) => use(plainServer.url),
});
