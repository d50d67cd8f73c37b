import { test as base, expect, type Page } from '@playwright/test';

/**
 * Every page under test fails its test on any request to another origin, on uncaught page
 * errors and on Content-Security-Policy violations: the studio must work offline.
 */
export const test = base.extend<{ foreignRequests: string[]; pageErrors: string[] }>({
  foreignRequests: async ({ page, baseURL }, use) => {
    const origin = new URL(baseURL ?? 'http://127.0.0.1').origin;
    const foreign: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'data:' || url.protocol === 'blob:') return;
      if (url.origin !== origin) foreign.push(request.url());
    });
    await use(foreign);
    expect(foreign, 'requests to other origins').toEqual([]);
  },
  pageErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
        errors.push(msg.text());
      }
    });
    await use(errors);
    expect(errors, 'page errors and CSP violations').toEqual([]);
  },
});

export { expect };

export async function openStudio(page: Page, hash = ''): Promise<void> {
  await page.goto(`./${hash}`);
  await expect(page.getByRole('heading', { name: 'Pruning Studio' })).toBeVisible();
}
