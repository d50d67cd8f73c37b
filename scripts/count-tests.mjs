// Sums the Vitest and Playwright JSON reports into one line: "N passed, M failed".
// Usage: node scripts/count-tests.mjs [exit status of the test command]
import { existsSync, readFileSync } from 'node:fs';

const testStatus = Number(process.argv[2] ?? 0);

function readJson(path) {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

let passed = 0;
let failed = 0;

const vitest = readJson('test-results/vitest.json');
if (vitest) {
  passed += vitest.numPassedTests ?? 0;
  failed += vitest.numFailedTests ?? 0;
}

const playwright = readJson('test-results/playwright.json');
if (playwright?.stats) {
  passed += playwright.stats.expected ?? 0;
  failed += (playwright.stats.unexpected ?? 0) + (playwright.stats.flaky ?? 0);
}

// A failing command whose reports do not show the failure (typecheck, lint, build) counts as one.
if (testStatus !== 0 && failed === 0) failed = 1;

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
