import { describe, expect, it } from 'vitest';
import { summariseLongTasks, taskSummaryMarkdown, type TraceEvent } from './trace-summary';

const meta = (tid: number, name: string): TraceEvent => ({
  name: 'thread_name',
  ph: 'M',
  ts: 0,
  pid: 1,
  tid,
  args: { name },
});
const x = (tid: number, name: string, ts: number, dur: number, fn?: string): TraceEvent => ({
  name,
  ph: 'X',
  ts,
  dur,
  pid: 1,
  tid,
  ...(fn ? { args: { data: { functionName: fn, url: 'http://h/assets/index-abc.js' } } } : {}),
});

describe('the long-task trace summary', () => {
  it("gives each long main-thread task's own time per event, children subtracted", () => {
    const events = [
      meta(7, 'CrRendererMain'),
      meta(9, 'DedicatedWorker thread'),
      // A 60 ms task: a 30 ms script (10 ms of it a GC), then 25 ms of layout; 5 ms untraced.
      x(7, 'RunTask', 1000, 60_000),
      x(7, 'FunctionCall', 1000, 30_000, 'commitRoot'),
      x(7, 'MinorGC', 5000, 10_000),
      {
        ...x(7, 'Layout', 31_000, 25_000),
        args: { beginData: { dirtyObjects: 40, totalObjects: 900 } },
      },
      // A short task and a long one on another thread: not the page's long tasks.
      x(7, 'RunTask', 70_000, 20_000),
      x(9, 'RunTask', 0, 200_000),
    ];
    const [task, ...rest] = summariseLongTasks(events);
    expect(rest).toEqual([]);
    expect(task.durationMs).toBe(60);
    expect(task.layout).toEqual({ dirty: 40, total: 900 });
    expect(Object.fromEntries(task.self)).toEqual({
      'FunctionCall commitRoot index-abc.js': 20,
      Layout: 25,
      MinorGC: 10,
      RunTask: 5,
    });
    expect(task.self[0][0]).toBe('Layout');
    expect(taskSummaryMarkdown([task])).toContain('| Layout | 25.0 |');
    expect(taskSummaryMarkdown([task])).toContain('largest layout: 40 of 900 layout objects');
    expect(summariseLongTasks(events, 50, 500)[0].atMs).toBe(0.5);
    // Only tasks from a time on (the click on Start).
    expect(summariseLongTasks(events, 50, 2000)).toEqual([]);
  });
});
