/**
 * The flags headless Chromium runs with, for the e2e tests (playwright.config.ts) and the
 * browser benchmarks (bench/browser.ts): no sandbox (containers), no background traffic, and
 * WebGPU enabled where the machine has it.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];
