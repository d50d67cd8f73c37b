import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import {
  contentSecurityPolicyMeta,
  exemptFromCsp,
  ISOLATION_HEADERS,
  SECURITY_HEADERS,
} from './src/pwa/securityHeaders';

/**
 * PS_TEST_PAGES=1 adds the e2e test pages (e2e/pages/) to the build, with the TFLite
 * interpreter's wasm files. A normal build has neither (tested by e2e/tflite-interpreter.spec.ts).
 */
const testPages = process.env.PS_TEST_PAGES === '1';
const root = dirname(fileURLToPath(import.meta.url));
const tfliteWasmDir = resolve(root, 'node_modules/@tensorflow/tfjs-tflite/wasm');

/**
 * The page carries the CSP as a <meta> tag too, for hosts that send no headers (the dev server
 * needs inline scripts for hot reload, so it is only added at build time). The full policy,
 * with what a meta tag cannot say (frame-ancestors), is sent as a header: see securityHeaders.ts.
 */
function cspMetaTag(): Plugin {
  return {
    name: 'pruning-studio-csp',
    apply: 'build',
    transformIndexHtml(html, ctx) {
      // The studio page only: the e2e test pages (PS_TEST_PAGES=1) run the TFLite
      // interpreter, which starts its threads as blob: workers.
      if (ctx.path !== '/index.html') return html;
      return html.replace(
        '<meta charset="UTF-8" />',
        `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicyMeta}" />`,
      );
    },
  };
}

/**
 * `vite preview` serves the built site with the headers a static host should send
 * (public/_headers says the same for Netlify / Cloudflare Pages): the CSP on every response, so
 * it covers the workers, whose policy comes from their own script's response, not the page's.
 */
function previewSecurityHeaders(): Plugin {
  return {
    name: 'pruning-studio-preview-headers',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = new URL(req.url ?? '/', 'http://preview.invalid').pathname;
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
          if (name === 'Content-Security-Policy' && exemptFromCsp(path)) continue;
          res.setHeader(name, value);
        }
        next();
      });
    },
  };
}

/**
 * Test builds only: emits node_modules/@tensorflow/tfjs-tflite/wasm/* at tflite/ (the path
 * the test page gives setWasmPath) and beside the test pages in e2e/pages/ (the interpreter
 * script preloads its wasm relative to the page when it loads, and logs a 404 otherwise).
 */
function tfliteWasmAssets(): Plugin {
  return {
    name: 'pruning-studio-tflite-wasm',
    apply: 'build',
    generateBundle() {
      for (const name of readdirSync(tfliteWasmDir)) {
        const source = readFileSync(resolve(tfliteWasmDir, name));
        for (const folder of ['tflite', 'e2e/pages']) {
          this.emitFile({ type: 'asset', fileName: `${folder}/${name}`, source });
        }
      }
    },
  };
}

/**
 * The installable offline app: Workbox precaches the built site (page, scripts, styles, every
 * wasm binary, the built-in MNIST asset, manifest and icons) from the service worker in
 * src/pwa/sw.ts, which also adds the security and isolation headers a plain host does not send.
 * The page registers it itself (src/pwa/register.ts) and asks before switching to a new version.
 */
function offlineApp(): Plugin[] {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/pwa',
    filename: 'sw.ts',
    injectRegister: false,
    registerType: 'prompt',
    manifestFilename: 'manifest.webmanifest',
    manifest: {
      name: 'Pruning Studio',
      short_name: 'Pruning Studio',
      description: 'Train a small CNN in your browser and prune it to fit a microcontroller.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#ffffff',
      theme_color: '#1f4e79',
      icons: [
        { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
        { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        {
          src: 'icons/icon-maskable-512.png',
          sizes: '512x512',
          type: 'image/png',
          purpose: 'maskable',
        },
      ],
    },
    // The icons are in globPatterns below; the plugin adds the manifest itself.
    includeManifestIcons: false,
    injectManifest: {
      globPatterns: ['**/*.{html,js,css,wasm,bin,png}'],
      // Test-only pages (PS_TEST_PAGES=1) and the TFLite interpreter they load are not the app.
      globIgnores: ['e2e/**', 'tflite/**', 'assets/tfliteCheck-*', 'assets/tf-tflite*'],
      // The MNIST asset is 7.5 MiB; the tfjs wasm binaries are a few MiB each.
      maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
    },
  });
}

export default defineConfig({
  // Relative base: the built site works from any folder of any static file server.
  base: './',
  plugins: [
    react(),
    cspMetaTag(),
    previewSecurityHeaders(),
    offlineApp(),
    ...(testPages ? [tfliteWasmAssets()] : []),
  ],
  worker: { format: 'es' },
  // Cross-origin isolation in development too (wasm threads); the CSP only in the build.
  server: { headers: { ...ISOLATION_HEADERS } },
  preview: { port: 4173, strictPort: true },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    ...(testPages
      ? {
          rollupOptions: {
            input: {
              index: resolve(root, 'index.html'),
              tfliteCheck: resolve(root, 'e2e/pages/tflite-check.html'),
            },
          },
        }
      : {}),
  },
});
