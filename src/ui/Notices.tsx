import { selectNotices } from '../state/selectors';
import { useStudio } from '../state/store';

/** Messages from the worker and the page; errors are announced at once (role=alert). */
export function Notices() {
  const notices = useStudio(selectNotices);
  const dismiss = useStudio((s) => s.dismissNotice);
  const clear = useStudio((s) => s.clearNotices);
  return (
    <section className="notices" aria-label="Notices" aria-live="polite">
      {notices.length > 1 && (
        <button type="button" className="secondary small clear-notices" onClick={clear}>
          Dismiss all
        </button>
      )}
      <ul>
        {notices.map((n) => (
          <li
            key={n.id}
            className={`notice notice-${n.level}`}
            role={n.level === 'error' ? 'alert' : undefined}
            data-testid="notice"
          >
            <span className="notice-level">
              {n.level === 'error' ? 'Error' : n.level === 'warning' ? 'Warning' : 'Note'}:
            </span>{' '}
            <span className="notice-message">{n.message}</span>
            <button
              type="button"
              className="dismiss"
              aria-label={`Dismiss: ${n.message.slice(0, 60)}`}
              onClick={() => dismiss(n.id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
