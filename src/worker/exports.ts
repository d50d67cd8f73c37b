/**
 * Turns a finished run into the files a user downloads: TF.js zip, int8 .tflite, C array and a
 * report. The .tflite (and its quantisation check) is made once per run and reused.
 */
import { zipSync, strToU8 } from 'fflate';
import type { LayerWeights } from '../core/graph';
import { boardById } from '../core/hardware';
import type { Dataset } from '../data/dataset';
import { toCArray } from '../export/carray';
import type { ExportableModel } from '../export/model';
import { compareInt8WithFloat } from '../export/quantize';
import { buildReport } from '../export/report';
import { exportTfjsModel } from '../export/tfjs';
import { exportTflite } from '../export/tflite';
import type { PruningTrainer } from '../train/trainer';
import type { ExportFormat, QuantisedAccuracy, RunSummary } from './protocol';

export interface ExportFile {
  filename: string;
  mime: string;
  bytes: Uint8Array;
}

/** Samples used to calibrate int8 activation ranges (training data, METHOD §6). */
const CALIBRATION_SAMPLES = 128;
/** Validation samples on which int8 accuracy is measured for the report. */
const INT8_CHECK_SAMPLES = 1000;

function normalisedSamples(dataset: Dataset, split: 'train' | 'validation', limit: number) {
  const data = dataset[split];
  const [h, w, c] = dataset.inputShape;
  const n = h * w * c;
  const count = Math.min(limit, data.count);
  const { scale, offset } = dataset.normalisation;
  const x = new Float32Array(count * n);
  for (let i = 0; i < x.length; i++) x[i] = data.x[i] * scale + offset;
  return { x, y: data.y.subarray(0, count), count };
}

export class RunExporter {
  private model?: ExportableModel;
  private tflite?: Promise<{
    bytes: Uint8Array;
    int8Accuracy: number;
    floatAccuracy: number;
    warnings: string[];
  }>;

  constructor(
    private readonly trainer: PruningTrainer,
    private readonly summary: RunSummary,
  ) {}

  get runId(): string {
    return this.summary.id;
  }

  /** The pruned network as the exporters take it (weights read once). */
  async exportable(): Promise<ExportableModel> {
    if (!this.model) {
      const weights: Record<string, LayerWeights> = {};
      for (const [id, layer] of await this.trainer.weights()) weights[id] = layer;
      this.model = {
        graph: this.trainer.current.graph,
        weights,
        operatorOrder: this.trainer.exportOrder(),
        normalisation: this.trainer.dataset.normalisation,
      };
    }
    return this.model;
  }

  /** Accuracy of the exported int8 .tflite and of its float original, on the same samples. */
  async quantisedAccuracy(): Promise<QuantisedAccuracy> {
    const t = await this.tfliteFile();
    const samples = Math.min(INT8_CHECK_SAMPLES, this.trainer.dataset.validation.count);
    return { int8Accuracy: t.int8Accuracy, floatAccuracy: t.floatAccuracy, samples };
  }

  private tfliteFile() {
    this.tflite ??= this.makeTflite();
    return this.tflite;
  }

  private async makeTflite() {
    const model = await this.exportable();
    const dataset = this.trainer.dataset;
    const calibration = normalisedSamples(dataset, 'train', CALIBRATION_SAMPLES);
    const { bytes, quantized } = exportTflite(model, {
      calibrationInputs: calibration.x,
      calibrationCount: calibration.count,
    });
    const check = normalisedSamples(dataset, 'validation', INT8_CHECK_SAMPLES);
    const comparison = compareInt8WithFloat(model, quantized, check.x, check.count, check.y);
    return {
      bytes,
      int8Accuracy: comparison.int8Accuracy ?? NaN,
      floatAccuracy: comparison.floatAccuracy ?? NaN,
      warnings: quantized.warnings,
    };
  }

  private readonly files = new Map<ExportFormat, Promise<ExportFile>>();

  /**
   * One file of the run, made once: every later download (and the copy kept with the saved
   * run) is the same bytes.
   */
  file(format: ExportFormat): Promise<ExportFile> {
    let file = this.files.get(format);
    if (!file) {
      file = this.make(format);
      this.files.set(format, file);
      // A failed attempt is not kept: the next request tries again.
      file.catch(() => this.files.delete(format));
    }
    return file;
  }

  private async make(format: ExportFormat): Promise<ExportFile> {
    const base = this.summary.modelName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    switch (format) {
      case 'tfjs': {
        const files = await exportTfjsModel(await this.exportable());
        return { filename: `${base}-tfjs.zip`, mime: 'application/zip', bytes: files.zip };
      }
      case 'tflite': {
        const { bytes } = await this.tfliteFile();
        return { filename: `${base}-int8.tflite`, mime: 'application/octet-stream', bytes };
      }
      case 'c-array': {
        const { bytes } = await this.tfliteFile();
        const c = toCArray(bytes);
        const zip = zipSync({
          [c.headerFileName]: strToU8(c.header),
          [c.sourceFileName]: strToU8(c.source),
        });
        return { filename: `${base}-model_data.zip`, mime: 'application/zip', bytes: zip };
      }
      case 'report': {
        const tflite = await this.tfliteFile();
        const s = this.summary;
        const board = boardById(s.config.boardId);
        const input = {
          modelName: s.modelName,
          // The dataset the run trained on (name, input shape, classes in label order, counts).
          dataset: s.dataset,
          createdAt: s.finishedAt,
          board: { name: board.name, core: board.core, clockMHz: board.clockMHz },
          budgets: {
            flashBytes: s.config.budgets.flash,
            ramBytes: s.config.budgets.ram,
            latencyMs: s.config.budgets.latency,
          },
          estimates: {
            flashBytes: s.resources.flash,
            ramBytes: s.resources.ram,
            latencyMs: s.resources.latency,
            macs: s.resources.macs,
          },
          channels: s.keptPerGroup.map((g) => ({ layer: g.name, kept: g.kept, original: g.size })),
          accuracy: {
            beforePruning: s.unprunedValidationAccuracy,
            afterPruning: s.validationAccuracy,
            afterInt8: tflite.int8Accuracy,
          },
          // What each accuracy was measured on (network, step, samples).
          accuracyMeasured: {
            beforePruning:
              s.unprunedMeasuredAtStep === undefined
                ? undefined
                : { network: 'unpruned, end of warm-up', step: s.unprunedMeasuredAtStep },
            afterPruning: { network: 'pruned, float', step: s.steps, samples: s.validationSamples },
            afterInt8: {
              network: 'pruned, int8 .tflite',
              step: s.steps,
              samples: Math.min(INT8_CHECK_SAMPLES, this.trainer.dataset.validation.count),
            },
          },
          tfliteBytes: tflite.bytes.length,
          warnings: tflite.warnings,
        };
        const report = buildReport(input);
        return {
          filename: `${base}-report.json`,
          mime: 'application/json',
          bytes: strToU8(report.json),
        };
      }
    }
  }
}
