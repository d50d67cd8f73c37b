/**
 * A finished run, turned into what the page keeps of it: its summary and evaluations, the
 * int8 deployment, the four export files sent once to be saved with the run, the files the
 * page asks for one by one, and the clips of an audio upload.
 */
import { runBoard } from '../core/hardware';
import { evaluateFloatModel } from '../train/evaluation';
import { datasetIdentity, type WorkerDatasets } from './datasets';
import { RunExporter } from './exports';
import type { ExportedFile, ExportFormat, RunSummary, WorkerCommand } from './protocol';
import type { RunCheckpoints } from './recovery';
import {
  messageOf,
  withMemory,
  type Notify,
  type Post,
  type TrainingRunState,
} from './trainingRun';

/**
 * The run has trained to its end: final validation, then its summary, evaluations, deployment
 * and files to the page (its checkpoint goes: nothing is left to resume).
 */
export async function finishRun(
  run: TrainingRunState,
  post: Post,
  notice: Notify,
  checkpoints: RunCheckpoints,
): Promise<void> {
  const { trainer } = run;
  trainer.lastValidationAccuracy = await trainer.accuracy(trainer.dataset.validation);
  await checkpoints.clear(run.key);
  run.end();
  const final = trainer.estimator.report(trainer.keptCounts()).values;
  const unpruned = trainer.unpruned;
  const summary: RunSummary = {
    id: `run-${Date.now().toString(36)}`,
    finishedAt: new Date().toISOString(),
    // The budgets the run ended with (they may have moved during the run).
    config: { ...run.config, budgets: { ...trainer.budgets } },
    datasetName: trainer.dataset.name,
    dataset: datasetIdentity(trainer.dataset),
    modelName: run.modelName,
    boardName: runBoard(run.config).name,
    validationAccuracy: trainer.lastValidationAccuracy,
    unprunedValidationAccuracy: run.unprunedAccuracy,
    unprunedMeasuredAtStep: run.unprunedAccuracy === undefined ? undefined : run.unprunedStep,
    validationSamples: trainer.dataset.validation.count,
    resources: final,
    unpruned,
    keptPerGroup: trainer.original.groups
      .filter((g) => g.prunable)
      .map((g) => ({ name: g.name, kept: trainer.keptCounts()[g.index], size: g.size })),
    backend: run.backend,
    steps: trainer.step,
    durationMs: performance.now() - run.startedAt,
    budgetHistory: run.budgetHistoryCopy(),
  };
  post({
    type: 'metrics',
    metrics: withMemory(trainer.metrics({ loss: NaN, accuracy: NaN }, 0)),
  });
  await evaluateFloatModel(trainer).then(
    (evaluation) => post({ type: 'evaluation', evaluation }),
    (err: unknown) =>
      notice('warning', `The confusion matrix could not be computed: ${String(err)}`),
  );
  const exporter = new RunExporter(trainer, summary);
  run.exporter = exporter;
  post({ type: 'finished', summary });
  post({ type: 'runState', state: 'finished' });
  try {
    post({ type: 'deployment', runId: summary.id, deployment: await exporter.deployment() });
    post({ type: 'evaluation', evaluation: await exporter.int8Evaluation() });
  } catch (e) {
    notice('warning', `Could not prepare the int8 model for TFLite Micro: ${messageOf(e)}`);
  }
  await postRunFiles(exporter, summary.id, post);
}

/** Makes the four export files once and sends them to be kept with the saved run. */
export async function postRunFiles(
  exporter: Pick<RunExporter, 'file' | 'quantisedAccuracy'>,
  runId: string,
  post: Post,
): Promise<void> {
  const files: ExportedFile[] = [];
  try {
    for (const format of ['tfjs', 'tflite', 'c-array', 'report'] as const) {
      const file = await exporter.file(format);
      files.push({ format, filename: file.filename, mime: file.mime, bytes: copy(file.bytes) });
    }
  } catch (err) {
    post({
      type: 'runFilesFailed',
      runId,
      message: `The finished run could not be kept whole in this browser: making its files failed (${messageOf(err)}).`,
    });
    return;
  }
  const measured = await exporter.quantisedAccuracy();
  // Sent only when both were measured (JSON, where saved runs live, has no NaN).
  const quantised =
    Number.isFinite(measured.int8Accuracy) && Number.isFinite(measured.floatAccuracy)
      ? measured
      : undefined;
  post(
    { type: 'runFiles', runId, files, quantised },
    files.map((f) => f.bytes),
  );
}

/** One export file of the session's run (`run`), as the page asked for it. */
export async function exportFile(
  run: TrainingRunState | undefined,
  format: ExportFormat,
  requestId: number,
  post: Post,
): Promise<void> {
  const exporter = run?.exporter;
  if (!exporter) {
    const why = run && !run.ended ? 'the run is still going' : 'no run has finished yet';
    post({
      type: 'exportError',
      requestId,
      message: `Nothing to export: ${why}. Export is available when a run has finished.`,
    });
    return;
  }
  try {
    const file = await exporter.file(format);
    const bytes = copy(file.bytes);
    post({ type: 'exported', requestId, format, filename: file.filename, mime: file.mime, bytes }, [
      bytes,
    ]);
  } catch (err) {
    post({
      type: 'exportError',
      requestId,
      message: `Export as ${format} failed: ${messageOf(err)}`,
    });
  }
}

/**
 * One validation clip of a finished run's audio upload, decoded again here (not on the page);
 * the samples' buffer is transferred, not copied.
 */
export async function sendClip(
  run: TrainingRunState | undefined,
  command: Extract<WorkerCommand, { type: 'sampleAudio' }>,
  datasets: WorkerDatasets,
  post: Post,
): Promise<void> {
  const { requestId, runId, validationIndex } = command;
  if (!run?.exporter || run.exporter.runId !== runId) {
    post({
      type: 'sampleAudio',
      requestId,
      error:
        'This run’s clips are not in the training worker any more (a reopened run, or a newer one replaced it): choose its folder again and rerun to listen.',
    });
    return;
  }
  try {
    const audio = await datasets.clip(run.trainer.dataset, validationIndex);
    post({ type: 'sampleAudio', requestId, audio }, [audio.samples.buffer]);
  } catch (err) {
    post({
      type: 'sampleAudio',
      requestId,
      error: `The clip could not be decoded: ${messageOf(err)}`,
    });
  }
}

/** A copy of the bytes in a buffer of their own (the original stays for later downloads). */
function copy(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}
