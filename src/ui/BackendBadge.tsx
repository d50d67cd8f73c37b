import { useStudio } from '../state/store';

/** Shows the active tfjs backend and, when a faster one was skipped, why. */
export function BackendBadge() {
  const backend = useStudio((s) => s.backend);
  return (
    <div className="backend-badge" role="status" aria-live="polite">
      <span>
        Backend: <strong data-testid="active-backend">{backend.active ?? 'detecting…'}</strong>
      </span>
      {backend.skipped.length > 0 && (
        <ul className="backend-reasons">
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
