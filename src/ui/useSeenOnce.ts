import { useCallback, useEffect, useState } from 'react';

/**
 * Whether an element has come within `margin` of the viewport at least once. Heavy content
 * below the fold mounts when the user scrolls to it, not while the page is busy elsewhere, and
 * stays mounted afterwards. Where the browser has no IntersectionObserver it counts as seen.
 * Returns the ref to put on the element and the flag.
 */
export function useSeenOnce<T extends Element>(
  margin = '200px',
): [(el: T | null) => void, boolean] {
  const [element, setElement] = useState<T | null>(null);
  const [seen, setSeen] = useState(() => typeof IntersectionObserver === 'undefined');
  const ref = useCallback((el: T | null) => setElement(el), []);
  useEffect(() => {
    if (seen || !element) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setSeen(true);
      },
      { rootMargin: margin },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [element, seen, margin]);
  return [ref, seen];
}
