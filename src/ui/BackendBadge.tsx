import { useId, useSyncExternalStore } from 'react';
import { offlineStatus, subscribeOfflineStatus } from '../pwa/offlineStatus';
import { threadModeText, wasmThreadCount } from '../pwa/threads';
import { BACKEND_SETTINGS } from '../state/config';
import { useStudio } from '../state/store';
import type { BackendSetting } from '../worker/protocol';

const LABELS: Record<BackendSetting, string> = {
  auto: 'Fastest (measured)',
  webgpu: 'WebGPU',
  wasm: 'WebAssembly (SIMD)',
  webgl: 'WebGL',
  cpu: 'CPU (slow)',
};

/**
 * The active tfjs backend, the measured probe step of each backend (when the worker measured
 * them), why a backend was not used, how many threads WebAssembly gets and why, and a control
 * to choose one.
 */
export function BackendBadge() {
  const id = useId();
  const backend = useStudio((s) => s.backend);
  const choice = useStudio((s) => s.config.backend);
  const running = useStudio((s) => ['starting', 'running', 'paused'].includes(s.run.status));
  const setChoice = useStudio((s) => s.setBackendChoice);
  const timings = backend.timings ?? [];
  const offline = useSyncExternalStore(subscribeOfflineStatus, offlineStatus);
  const threads = wasmThreadCount(
    globalThis.crossOriginIsolated === true,
    navigator.hardwareConcurrency,
  );
  return (
    <div className="backend-badge">
      <div role="status" aria-live="polite">
        Backend:{' '}
        <strong data-testid="active-backend">
          {backend.active ?? (choice === 'auto' ? 'measuring…' : 'starting…')}
        </strong>
      </div>
      <p className="thread-mode" data-testid="thread-mode">
        {threadModeText(offline.isolation, threads, offline.serviceWorkerError)}
      </p>
      <label htmlFor={`${id}-choice`} className="visually-hidden">
        Training backend
      </label>
      <select
        id={`${id}-choice`}
        value={choice}
        disabled={running}
        title={running ? 'The backend can be changed between runs.' : undefined}
        onChange={(e) => setChoice(e.target.value as BackendSetting)}
      >
        {BACKEND_SETTINGS.map((b) => (
          <option key={b} value={b}>
            {LABELS[b]}
          </option>
        ))}
      </select>
      {(timings.length > 0 || backend.skipped.length > 0) && (
        <ul className="backend-reasons" data-testid="backend-timings">
          {timings.map((t) => (
            <li key={t.name}>
              {t.name}: {t.msPerStep.toFixed(1)} ms per probe step
              {t.name === backend.active ? ' (fastest, in use)' : ''}
            </li>
          ))}
          {backend.skipped.map((s) => (
            <li key={s.name}>
              {s.name} not used: {s.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
