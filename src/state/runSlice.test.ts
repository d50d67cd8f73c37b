import { describe, expect, it } from 'vitest';
import { requestExport, startRun, trainBaseline } from './runSlice';
import { makeDatasetSummary, makeSummary } from '../testing/runFixtures';
import { sliceContext } from './testing/sliceContext';

describe('runSlice actions on a plain context', () => {
  it('starts a run on the dataset shown, with fresh charts and no replay', () => {
    const summary = makeDatasetSummary();
    const { ctx, sent } = sliceContext({
      dataset: { requestId: 3, loading: false, summary },
    });
    ctx.set((s) => ({ view: { ...s.view, replayStep: 12 } }));
    startRun(ctx);
    expect(ctx.get().run.status).toBe('starting');
    expect(ctx.get().view.replayStep).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'start', datasetKey: summary.loadKey });
    expect(sent[0]).toMatchObject({ config: { modelId: ctx.get().config.modelId } });
    // A second Start while it is starting is ignored.
    startRun(ctx);
    expect(sent).toHaveLength(1);
  });

  it('does not start while the dataset loads: a notice says why', () => {
    const { ctx, sent } = sliceContext({ dataset: { requestId: 1, loading: true } });
    startRun(ctx);
    expect(sent).toEqual([]);
    expect(ctx.get().run.status).toBe('idle');
    expect(ctx.get().notices.at(-1)).toMatchObject({
      level: 'warning',
      message: 'The dataset is still loading: press Start once it is shown.',
    });
  });

  it('asks the worker for an export with a new request id each time', () => {
    const { ctx, sent } = sliceContext();
    requestExport(ctx, 'tflite');
    requestExport(ctx, 'report');
    const ids = sent.map((c) => (c.type === 'export' ? c.requestId : -1));
    expect(sent.map((c) => c.type)).toEqual(['export', 'export']);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ctx.get().exports.pending).toEqual({ [ids[0]]: 'tflite', [ids[1]]: 'report' });
  });

  it('trains the baseline of the live finished run once', () => {
    const summary = makeSummary('run-1');
    const { ctx, sent } = sliceContext({ liveRunId: 'run-1' });
    ctx.set((s) => ({ run: { ...s.run, status: 'finished', summary } }));
    trainBaseline(ctx);
    trainBaseline(ctx);
    expect(sent).toEqual([{ type: 'trainBaseline' }]);
    expect(ctx.get().baselineProgress).toEqual({
      runId: 'run-1',
      step: 0,
      totalSteps: summary.config.schedule.totalSteps,
    });
  });
});
