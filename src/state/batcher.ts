/**
 * Throttles worker events on their way into the store: the worker reports metrics every step
 * (tens per second), the charts redraw at most `1000 / intervalMs` times per second. Events
 * that change what the user can do (run state, notices, datasets, exports) flush at once,
 * together with the metrics queued before them, so their order is kept.
 */
export interface Timers {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

/** setTimeout and clearTimeout. */
export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class EventBatcher<E> {
  private queue: E[] = [];
  private timer: unknown = undefined;

  constructor(
    private readonly deliver: (events: E[]) => void,
    private readonly isThrottled: (event: E) => boolean,
    readonly intervalMs = 200,
    private readonly timers: Timers = realTimers,
  ) {}

  push(event: E): void {
    this.queue.push(event);
    if (!this.isThrottled(event)) this.flush();
    else if (this.timer === undefined) {
      this.timer = this.timers.set(() => this.flush(), this.intervalMs);
    }
  }

  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clear(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return;
    const events = this.queue;
    this.queue = [];
    this.deliver(events);
  }
}
