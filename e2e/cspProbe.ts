import { expect, type Page, type Worker } from '@playwright/test';

/**
 * Probes of what the Content-Security-Policy allows inside a page or worker, for the header
 * specs (e2e/headers.spec.ts, e2e/threads.spec.ts).
 */

export interface ProbeResult {
  eval: string;
  newFunction: string;
  fetch: string;
  /** Directives of the securitypolicyviolation events seen meanwhile. */
  violations: string[];
}

/**
 * Runs in a page or worker: what eval, new Function and a foreign fetch do there. Each call runs
 * in a task of its own: code that Playwright evaluates directly is exempt from the eval check
 * (DevTools' allowUnsafeEvalBlockedByCSP), code it schedules is not.
 */
export async function probe(url: string): Promise<ProbeResult> {
  const violations: string[] = [];
  const onViolation = (e: Event) =>
    violations.push((e as SecurityPolicyViolationEvent).effectiveDirective);
  self.addEventListener('securitypolicyviolation', onViolation);
  const attempt = (f: () => unknown): Promise<string> =>
    new Promise((resolve) =>
      setTimeout(async () => {
        try {
          resolve(`ran: ${String(await f())}`);
        } catch (error) {
          resolve(`${(error as Error).name}: ${(error as Error).message}`);
        }
      }, 0),
    );
  const result = {
    // Indirect eval: the global eval, as a library would call it.
    eval: await attempt(() => (0, eval)('6 * 7')),
    newFunction: await attempt(() => new Function('return 6 * 7')()),
    fetch: await attempt(async () => (await fetch(url)).text()),
  };
  await new Promise((resolve) => setTimeout(resolve, 100));
  self.removeEventListener('securitypolicyviolation', onViolation);
  return { ...result, violations: [...new Set(violations)].sort() };
}

export async function trainingWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => /training\.worker/.test(w.url()))).toBe(true);
  return page.workers().find((w) => /training\.worker/.test(w.url()))!;
}
