/// <reference lib="webworker" />
/**
 * The service worker (built by vite-plugin-pwa's injectManifest into sw.js at the site root).
 *
 * - Precaches the built site with Workbox, so the studio opens and trains with the network off.
 * - Serves every precached response with the site's security and isolation headers added where
 *   the host sent none (responseHeaders.ts): the service-worker header technique, which makes a
 *   plain static host cross-origin isolated after one reload.
 * - Waits when it is an update until the page, told that a new version is ready, asks it to take
 *   over (SKIP_WAITING); Workbox then drops the old precache entries.
 */
import { clientsClaim } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { withSiteHeaders } from './responseHeaders';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

addPlugins([
  {
    cachedResponseWillBeUsed: async ({ cachedResponse }) =>
      cachedResponse ? withSiteHeaders(cachedResponse) : cachedResponse,
  },
]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Any navigation inside the scope opens the app shell (links carry their settings in the hash);
// the test-only pages (PS_TEST_PAGES=1 builds) are not part of the app and go to the network.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/\/e2e\//, /\/tflite\//],
  }),
);

// A first install takes the open page at once (it then reloads if it needs isolation);
// an update waits for the user.
clientsClaim();

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
