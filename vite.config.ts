import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * PS_TEST_PAGES=1 adds the e2e test pages (e2e/pages/) to the build, with the TFLite
 * interpreter's wasm files. A normal build has neither (tested by e2e/tflite-interpreter.spec.ts).
 */
const testPages = process.env.PS_TEST_PAGES === '1';
const root = dirname(fileURLToPath(import.meta.url));
const tfliteWasmDir = resolve(root, 'node_modules/@tensorflow/tfjs-tflite/wasm');

/**
 * Cross-origin isolation lets wasm threads (SharedArrayBuffer) work; the studio also runs
 * without it (single-threaded). A static host should send the same two headers.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Strict Content-Security-Policy for the production build (the dev server needs inline
 * scripts for hot reload, so it is only added at build time). Inline *style attributes*
 * are allowed because the chart library positions its tooltips with them; no inline or
 * eval'd script is. 'wasm-unsafe-eval' allows compiling WebAssembly, nothing else.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

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
        `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}" />`,
      );
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

export default defineConfig({
  // Relative base: the built site works from any folder of any static file server.
  base: './',
  plugins: [react(), cspMetaTag(), ...(testPages ? [tfliteWasmAssets()] : [])],
  worker: { format: 'es' },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders, port: 4173, strictPort: true },
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
