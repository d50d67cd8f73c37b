import { useSyncExternalStore } from 'react';
import { applyUpdate, offlineStatus, subscribeOfflineStatus } from '../pwa/offlineStatus';

/** Whether the app is installed for offline use, and a button to switch to a new version. */
export function OfflineBadge() {
  const status = useSyncExternalStore(subscribeOfflineStatus, offlineStatus);
  if (status.updateReady) {
    return (
      <div className="offline-badge" role="status" aria-live="polite" data-testid="update-ready">
        A new version is ready.{' '}
        <button type="button" onClick={applyUpdate}>
          Reload to update
        </button>
      </div>
    );
  }
  return (
    <div className="offline-badge" role="status" aria-live="polite" data-testid="offline-status">
      {status.offlineReady ? 'Works offline' : ''}
    </div>
  );
}
