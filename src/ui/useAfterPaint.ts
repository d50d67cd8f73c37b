import { useEffect, useState } from 'react';

/**
 * `value`, but a change shows only after the browser has painted the frame in which it arrived.
 * A heavy part of the page that changes together with others (the confusion matrix's hundred
 * cells when a run finishes) then gets its style, layout and paint in a frame of its own, and
 * the main thread never does all of it in one task. While the tab is hidden (no frames) the
 * change waits until it is shown.
 */
export function useAfterPaint<T>(value: T): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The frame callback runs before that frame's paint; the task it queues runs after it.
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setShown(() => value), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [value, shown]);
  return shown;
}
