/**
 * What the browser itself did inside the page's long tasks, from a Chromium trace
 * (`devtools.timeline` events): a CPU profile only says "(program)" for the renderer's own work
 * (style, layout, paint, garbage collection, parsing), the trace names it. Used by
 * `npm run bench:main-thread -- --trace`.
 */

/** One event of Chromium's trace-event format (the fields used here). */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: {
    name?: string;
    data?: { functionName?: string; url?: string };
    /** Layout events: how much of the layout tree was dirty. */
    beginData?: { dirtyObjects?: number; totalObjects?: number };
  };
}

export interface TaskSummary {
  /** µs of the task in the trace's clock, ms after `fromTs`, and its length in ms. */
  ts: number;
  atMs: number;
  durationMs: number;
  /** The largest layout in the task: objects laid out of the tree's (none: no layout). */
  layout?: { dirty: number; total: number };
  /** Self time in ms per event name (scripts: `FunctionCall name file`), largest first. */
  self: [string, number][];
}

/** The renderer's main thread: the thread named CrRendererMain with the most events. */
function mainThread(events: readonly TraceEvent[]): string | undefined {
  const named = events.filter((e) => e.ph === 'M' && e.name === 'thread_name');
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return named
    .filter((e) => e.args?.name === 'CrRendererMain')
    .map((e) => `${e.pid}:${e.tid}`)
    .sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0))[0];
}

function label(e: TraceEvent): string {
  const data = e.args?.data;
  if (data?.functionName || data?.url) {
    const file = (data.url ?? '').split('/').at(-1) ?? '';
    return `${e.name} ${data.functionName || '(anonymous)'} ${file}`.trim();
  }
  return e.name;
}

/**
 * The main thread's tasks (`RunTask` complete events) of at least `minMs` from `fromTs` on, each
 * with the self time of the events nested in it, per name.
 */
export function summariseLongTasks(
  events: readonly TraceEvent[],
  minMs = 50,
  fromTs = -Infinity,
): TaskSummary[] {
  const thread = mainThread(events);
  if (!thread) return [];
  const onThread = events
    .filter((e) => e.ph === 'X' && e.dur !== undefined && `${e.pid}:${e.tid}` === thread)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const tasks = onThread.filter(
    (e) => e.name === 'RunTask' && e.dur! >= minMs * 1000 && e.ts >= fromTs,
  );
  return tasks.map((task) => {
    const end = task.ts + task.dur!;
    const inside = onThread.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur! <= end);
    const self = new Map<string, number>();
    // A stack of open events: each event's time, less its children's, is its own.
    const stack: { event: TraceEvent; children: number }[] = [{ event: task, children: 0 }];
    const close = (entry: { event: TraceEvent; children: number }) => {
      const key = label(entry.event);
      self.set(key, (self.get(key) ?? 0) + (entry.event.dur! - entry.children) / 1000);
    };
    for (const e of inside) {
      while (stack.length > 1 && e.ts >= stack.at(-1)!.event.ts + stack.at(-1)!.event.dur!) {
        close(stack.pop()!);
      }
      stack.at(-1)!.children += e.dur!;
      stack.push({ event: e, children: 0 });
    }
    while (stack.length) close(stack.pop()!);
    const layouts = inside
      .map((e) => e.args?.beginData)
      .filter((d) => d?.totalObjects !== undefined)
      .map((d) => ({ dirty: d!.dirtyObjects ?? 0, total: d!.totalObjects! }))
      .sort((a, b) => b.dirty - a.dirty);
    return {
      ts: task.ts,
      atMs: Number.isFinite(fromTs) ? (task.ts - fromTs) / 1000 : task.ts / 1000,
      durationMs: task.dur! / 1000,
      ...(layouts.length ? { layout: layouts[0] } : {}),
      self: [...self.entries()].sort((a, b) => b[1] - a[1]),
    };
  });
}

/** A markdown section per task: the self times of its largest `rows` entries. */
export function taskSummaryMarkdown(tasks: readonly TaskSummary[], rows = 12, minMs = 50): string {
  if (tasks.length === 0) return `No task of ${minMs} ms or more on the main thread in the trace.`;
  return tasks
    .map((t, i) =>
      [
        `Task ${i + 1}: ${t.durationMs.toFixed(0)} ms at ${(t.atMs / 1000).toFixed(1)} s` +
          (t.layout
            ? `; its largest layout: ${t.layout.dirty} of ${t.layout.total} layout objects`
            : ''),
        '',
        '| event (self time) | ms |',
        '| --- | --- |',
        ...t.self.slice(0, rows).map(([name, ms]) => `| ${name} | ${ms.toFixed(1)} |`),
      ].join('\n'),
    )
    .join('\n\n');
}
