/**
 * The benchmark page: runs the timing measurements of ../timing.ts on one browser backend.
 * The job arrives as JSON in the URL hash; the result is left in `window.benchResult`.
 */
import * as tf from '@tensorflow/tfjs';
import { parseMnistAsset } from '../../src/data/mnist';
import { selectBackend, type BackendName } from '../../src/train/backend';
import { measureOverhead, measureThroughput } from '../timing';
import type { PageJob, PageResult } from './protocol';

declare global {
  interface Window {
    benchResult?: PageResult;
  }
}

function log(line: string): void {
  console.log(`[bench] ${line}`);
  document.getElementById('log')!.textContent += `${line}\n`;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}

async function deviceDescription(backend: BackendName): Promise<string> {
  if (backend === 'webgpu') {
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
    const info = (await gpu?.requestAdapter())?.info;
    return info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : '';
  }
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return ext ? String(gl!.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : '';
  }
  return '';
}

async function run(job: PageJob): Promise<PageResult> {
  const result: PageResult = {
    backend: job.backend,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    device: '',
    overhead: [],
    throughput: [],
  };
  const choice = await selectBackend([job.backend]);
  if (choice.active !== job.backend) {
    result.skipped = choice.skipped.map((s) => s.reason).join('; ') || 'not available';
    return result;
  }
  result.device = await deviceDescription(job.backend);
  log(`backend ${tf.getBackend()} (${result.device})`);
  if (job.overhead.length > 0) {
    const response = await fetch('./data/mnist.bin');
    if (!response.ok) throw new Error(`mnist.bin: HTTP ${response.status}`);
    const mnist = parseMnistAsset(await response.arrayBuffer());
    for (const config of job.overhead) {
      log(`overhead ${config.model} ×${config.width}, batch ${config.batch}`);
      result.overhead.push(await measureOverhead(mnist, config, log));
    }
  }
  if (job.throughput) {
    log(`throughput, batch ${job.throughput.batch}`);
    result.throughput = await measureThroughput(job.throughput, log);
  }
  return result;
}

const job = JSON.parse(decodeURIComponent(location.hash.slice(1))) as PageJob;
run(job)
  .then((r) => (window.benchResult = r))
  .catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    window.benchResult = {
      backend: job.backend,
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      device: '',
      overhead: [],
      throughput: [],
      error: error instanceof Error ? error.message : String(error),
    };
  });
