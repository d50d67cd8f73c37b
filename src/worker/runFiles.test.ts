import { describe, expect, it } from 'vitest';
import type { RunExporter } from './exports';
import type { ExportFormat, WorkerEvent } from './protocol';
import { exportFile, postRunFiles } from './runFiles';
import type { TrainingRunState } from './trainingRun';

type Sent = { event: WorkerEvent; transfer?: Transferable[] };

/** An exporter whose files are their format's name as bytes; `broken` fails to be made. */
function exporter(
  broken?: ExportFormat,
  accuracy = { floatAccuracy: 0.9, int8Accuracy: 0.88, samples: 100 },
) {
  const made = new Map<ExportFormat, Uint8Array>();
  const fake = {
    runId: 'run-1',
    file: async (format: ExportFormat) => {
      if (format === broken) throw new Error(`no ${format} today`);
      const bytes = new TextEncoder().encode(format);
      made.set(format, bytes);
      return { filename: `model.${format}`, mime: 'application/octet-stream', bytes };
    },
    quantisedAccuracy: async () => accuracy,
  };
  return { fake: fake as unknown as RunExporter, made };
}

const sender = () => {
  const sent: Sent[] = [];
  return {
    sent,
    post: (event: WorkerEvent, transfer?: Transferable[]) => sent.push({ event, transfer }),
  };
};

describe("a finished run's files", () => {
  it('are sent once, all four, in buffers of their own that are handed over', async () => {
    const { fake, made } = exporter();
    const { sent, post } = sender();
    await postRunFiles(fake, 'run-1', post);
    expect(sent).toHaveLength(1);
    const [{ event, transfer }] = sent;
    if (event.type !== 'runFiles') throw new Error(`sent ${event.type}`);
    expect(event.files.map((f) => [f.format, f.filename])).toEqual([
      ['tfjs', 'model.tfjs'],
      ['tflite', 'model.tflite'],
      ['c-array', 'model.c-array'],
      ['report', 'model.report'],
    ]);
    expect(event.quantised).toEqual({ floatAccuracy: 0.9, int8Accuracy: 0.88, samples: 100 });
    expect(transfer).toEqual(event.files.map((f) => f.bytes));
    // Copies: the exporter keeps its own bytes for later downloads.
    for (const file of event.files) {
      expect(new TextDecoder().decode(file.bytes)).toBe(file.format);
      expect(file.bytes).not.toBe(made.get(file.format)!.buffer);
    }
  });

  it('leave the int8 accuracy out when it could not be measured', async () => {
    const { fake } = exporter(undefined, { floatAccuracy: 0.9, int8Accuracy: NaN, samples: 0 });
    const { sent, post } = sender();
    await postRunFiles(fake, 'run-1', post);
    expect(sent[0].event.type === 'runFiles' && sent[0].event.quantised).toBeUndefined();
  });

  it('that cannot all be made are reported as the run not kept whole, with the reason', async () => {
    const { fake } = exporter('c-array');
    const { sent, post } = sender();
    await postRunFiles(fake, 'run-1', post);
    expect(sent).toEqual([
      {
        event: {
          type: 'runFilesFailed',
          runId: 'run-1',
          message:
            'The finished run could not be kept whole in this browser: making its files failed (no c-array today).',
        },
        transfer: undefined,
      },
    ]);
  });
});

describe('an export the page asks for', () => {
  const run = (over: Partial<TrainingRunState>) => over as TrainingRunState;

  it('says why there is nothing to export before a run has finished', async () => {
    const { sent, post } = sender();
    await exportFile(undefined, 'tflite', 1, post);
    await exportFile(run({ ended: false }), 'tflite', 2, post);
    expect(sent.map((s) => s.event)).toEqual([
      {
        type: 'exportError',
        requestId: 1,
        message:
          'Nothing to export: no run has finished yet. Export is available when a run has finished.',
      },
      {
        type: 'exportError',
        requestId: 2,
        message:
          'Nothing to export: the run is still going. Export is available when a run has finished.',
      },
    ]);
  });

  it('sends the file in a buffer it hands over, or the reason it failed', async () => {
    const { fake } = exporter('report');
    const { sent, post } = sender();
    const finished = run({ ended: true, exporter: fake });
    await exportFile(finished, 'tflite', 3, post);
    await exportFile(finished, 'report', 4, post);
    const [ok, failed] = sent;
    expect(ok.event).toMatchObject({ type: 'exported', requestId: 3, format: 'tflite' });
    if (ok.event.type !== 'exported') throw new Error(`sent ${ok.event.type}`);
    expect(ok.transfer).toEqual([ok.event.bytes]);
    expect(new TextDecoder().decode(ok.event.bytes)).toBe('tflite');
    expect(failed.event).toEqual({
      type: 'exportError',
      requestId: 4,
      message: 'Export as report failed: no report today',
    });
  });
});
