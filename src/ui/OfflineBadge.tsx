import { useSyncExternalStore } from 'react';
import { applyUpdate, offlineStatus, subscribeOfflineStatus } from '../pwa/offlineStatus';
import { useStudio } from '../state/store';

/**
 * Whether the app is installed for offline use, and a button to switch to a new version; while a
 * run is going on the switch waits (a reload would interrupt it).
 */
export function OfflineBadge() {
  const status = useSyncExternalStore(subscribeOfflineStatus, offlineStatus);
  const running = useStudio((s) => ['starting', 'running', 'paused'].includes(s.run.status));
  if (status.updateReady) {
    return (
      <div className="offline-badge" role="status" aria-live="polite" data-testid="update-ready">
        {running ? (
          'A new version is ready: reload to update once this run has ended.'
        ) : (
          <>
            A new version is ready.{' '}
            <button type="button" onClick={applyUpdate}>
              Reload to update
            </button>
          </>
        )}
      </div>
    );
  }
  return (
    <div className="offline-badge" role="status" aria-live="polite" data-testid="offline-status">
      {status.offlineReady ? 'Works offline' : ''}
    </div>
  );
}
