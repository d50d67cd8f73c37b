/**
 * Turns a finished run into the files a user downloads: TF.js zip, int8 .tflite, C array and a
 * report. The .tflite (and its quantisation check) is made once per run and reused.
 */
import { zipSync, strToU8 } from 'fflate';
import type { LayerWeights } from '../core/graph';
import { analyseGraph } from '../core/graphAnalysis';
import { runBoard } from '../core/hardware';
import { ResourceModel, fullWidths, type ResourceReport } from '../core/resourceModel';
import type { Dataset } from '../data/dataset';
import type { ExportableModel } from '../export/model';
import { compareOutputs } from '../export/int8Comparison';
import { dequantize, quantizeInput, runInt8 } from '../export/int8Reference';
import type { QuantizedModel } from '../export/quantize';
import { argmaxRows, runFloat } from '../export/reference';
import { buildReport, type DeploymentFacts, type Int8Comparison } from '../export/report';
import { exportTfjsModel } from '../export/tfjs';
import { exportTflite } from '../export/tflite';
import { modelOperators, tflmModule } from '../export/tflmModule';
import { evaluateModel, samplePictures, type PredictClasses } from '../train/evaluation';
import type { PruningTrainer } from '../train/trainer';
import type {
  ConfusionEvaluation,
  ExportFormat,
  QuantisedAccuracy,
  RunDeployment,
  RunSummary,
} from './protocol';

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
    quantized: QuantizedModel;
    /** The resource model's view of exactly the exported graph (TFLM arena, operators). */
    deployed: ResourceReport;
    int8Accuracy: number;
    floatAccuracy: number;
    comparison: Int8Comparison;
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
    // Both models on the same samples, once: accuracies, per-class recall, largest differences.
    const comparison = compareOutputs({
      floatOutputs: runFloat(model, check.x, check.count),
      int8Outputs: dequantize(
        runInt8(quantized, quantizeInput(quantized, check.x), check.count),
        quantized.output,
      ),
      outputsAreProbabilities:
        model.graph.nodes.find((n) => n.id === model.graph.output)?.op === 'softmax',
      labels: check.y,
      count: check.count,
      classNames: dataset.classNames.slice(0, dataset.numClasses),
    });
    const analysed = analyseGraph(model.graph);
    const deployed = new ResourceModel(analysed, {
      board: runBoard(this.summary.config),
    }).report(fullWidths(analysed));
    return {
      bytes,
      quantized,
      deployed,
      int8Accuracy: check.count > 0 ? comparison.int8Accuracy : NaN,
      floatAccuracy: check.count > 0 ? comparison.floatAccuracy : NaN,
      comparison,
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
        const tflite = await this.tfliteFile();
        const module = tflmModule({
          bytes: tflite.bytes,
          quantized: tflite.quantized,
          arenaBytes: tflite.deployed.ram,
          classNames: this.trainer.dataset.classNames,
          normalisation: this.trainer.dataset.normalisation,
          frontEnd: this.trainer.dataset.frontEnd,
          example: this.exampleSample(tflite.quantized),
        });
        const zip = zipSync(
          Object.fromEntries(
            Object.entries(module.files).map(([name, text]) => [name, strToU8(text)]),
          ),
        );
        return { filename: `${base}-tflm.zip`, mime: 'application/zip', bytes: zip };
      }
      case 'report': {
        const tflite = await this.tfliteFile();
        const s = this.summary;
        const board = runBoard(s.config);
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
          budgetHistory: s.budgetHistory?.map((c) => ({
            step: c.step,
            budgets: {
              flashBytes: c.budgets.flash,
              ramBytes: c.budgets.ram,
              latencyMs: c.budgets.latency,
            },
          })),
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
          int8Comparison: tflite.comparison,
          tfliteBytes: tflite.bytes.length,
          deployment: this.deploymentFacts(tflite),
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
  /** The int8 model as TFLM runs it: facts for the UI and the int8 accuracy. */
  async deployment(): Promise<RunDeployment> {
    const tflite = await this.tfliteFile();
    return {
      facts: this.deploymentFacts(tflite),
      int8Accuracy: tflite.int8Accuracy,
      floatAccuracy: tflite.floatAccuracy,
      comparison: tflite.comparison,
      differencePictures: samplePictures(
        this.trainer.dataset,
        tflite.comparison.largestDifferences.map((d) => d.sample),
      ),
    };
  }

  /**
   * The int8 model's confusion matrix, with TFLite Micro's arithmetic, on the same validation
   * samples as the int8 accuracy (so the matrix and the report agree).
   */
  async int8Evaluation(): Promise<ConfusionEvaluation> {
    const { quantized } = await this.tfliteFile();
    const predict: PredictClasses = async (x, count) => {
      const scores = runInt8(quantized, quantizeInput(quantized, x), count);
      return argmaxRows(scores, scores.length / count);
    };
    return evaluateModel('int8', predict, this.trainer.dataset, { limit: INT8_CHECK_SAMPLES });
  }

  /** Operators, arena breakdown, I/O quantisation and classes: one source for report and C. */
  private deploymentFacts(tflite: Awaited<NonNullable<RunExporter['tflite']>>): DeploymentFacts {
    const arena = tflite.deployed.arena!;
    const q = tflite.quantized;
    return {
      operators: modelOperators(q),
      arena: {
        tensorArenaBytes: Math.ceil(arena.arenaBytes / 16) * 16,
        plannedActivationBytes: arena.plannedBytes,
        scratchBytes: arena.scratchBytes,
        persistentBytes: arena.persistentBytes,
        planningBytes: arena.planningBytes,
        marginBytes: arena.marginBytes,
        peakOperator: arena.peakOperator,
        operatorOrder: tflite.deployed.operators.map((op) => op.label),
        buffers: arena.buffers.map((b) => ({
          name: b.name,
          kind: b.kind,
          bytes: b.bytes,
          alignedBytes: b.alignedBytes,
          offset: b.offset,
          firstUse: b.firstUse,
          lastUse: b.lastUse,
        })),
      },
      input: { shape: q.input.shape, scale: q.input.scale, zeroPoint: q.input.zeroPoint },
      output: { shape: q.output.shape, scale: q.output.scale, zeroPoint: q.output.zeroPoint },
      classes: this.trainer.dataset.classNames,
      normalisation: this.trainer.dataset.normalisation,
    };
  }

  /** The first validation sample and the class the int8 model (TFLM's arithmetic) gives it. */
  private exampleSample(quantized: QuantizedModel): { input: Float32Array; expectedClass: number } {
    const sample = normalisedSamples(this.trainer.dataset, 'validation', 1);
    // As the example's C++ quantises: float32 division, rounded half away from zero.
    const input = Float32Array.from(sample.x);
    const { scale, zeroPoint } = quantized.input;
    const q = Int8Array.from(input, (x) => {
      const v = Math.fround(x / scale);
      const r = (v < 0 ? -Math.round(-v) : Math.round(v)) + zeroPoint;
      return r < -128 ? -128 : r > 127 ? 127 : r;
    });
    const scores = runInt8(quantized, q, 1);
    return { input, expectedClass: argmaxRows(scores, scores.length)[0] };
  }
}
