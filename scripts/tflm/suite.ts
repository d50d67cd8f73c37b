/**
 * The TFLite Micro check set: every zoo model (unpruned and pruned to a quarter of its
 * channels) and every exporter test graph, exported exactly as the studio exports a run
 * (RAM-optimal operator order, int8 calibration on seeded inputs). Deterministic, so that
 * `npm run verify:tflm` (which measures these files with TFLM) and the unit tests (which
 * compare the studio's figures with those measurements) see the same bytes.
 */
import { analyseGraph, type AnalysedGraph } from '../../src/core/graphAnalysis';
import { ResourceModel, type ResourceReport } from '../../src/core/resourceModel';
import { MODEL_ZOO } from '../../src/core/zoo';
import type { ExportableModel } from '../../src/export/model';
import { exportOperatorOrder } from '../../src/export/order';
import { quantizeInput } from '../../src/export/int8Reference';
import type { QuantizedModel } from '../../src/export/quantize';
import type { NetworkGraph } from '../../src/core/graph';
import {
  randomInputs,
  seededRandom,
  specGraphs,
  testModels,
  withRandomWeights,
} from '../../src/testing/exportModels';
import { exportTflite } from '../../src/export/tflite';
import { initialWeights } from '../../src/train/network';
import { prunedGraph, prunedWeights } from '../../src/train/physical';

export interface SuiteModel {
  readonly name: string;
  readonly analysed: AnalysedGraph;
  readonly report: ResourceReport;
  readonly model: ExportableModel;
  readonly bytes: Uint8Array;
  readonly quantized: QuantizedModel;
  /** int8 inputs, `samples` of them back to back. */
  readonly inputs: Int8Array;
  readonly samples: number;
}

export const SUITE_SAMPLES = 4;

function exportOne(
  name: string,
  model: Omit<ExportableModel, 'operatorOrder'>,
  seed: number,
): SuiteModel {
  const analysed = analyseGraph(model.graph);
  const report = new ResourceModel(analysed).report(analysed.groups.map((g) => g.size));
  const exportable: ExportableModel = {
    ...model,
    operatorOrder: exportOperatorOrder(analysed, report),
  };
  const calibration = randomInputs(exportable, 8, seed);
  const { bytes, quantized } = exportTflite(exportable, {
    calibrationInputs: calibration,
    calibrationCount: 8,
  });
  const inputs = quantizeInput(quantized, randomInputs(exportable, SUITE_SAMPLES, seed + 1));
  return {
    name,
    analysed,
    report,
    model: exportable,
    bytes,
    quantized,
    inputs,
    samples: SUITE_SAMPLES,
  };
}

/** A zoo model with seeded initial weights, physically pruned to `keep(group)` channels. */
function prunedZooModel(
  zoo: (typeof MODEL_ZOO)[number],
  widthMultiplier: number,
  weightSeed: number,
  keep: (group: AnalysedGraph['groups'][number]) => number,
): Omit<ExportableModel, 'operatorOrder'> {
  const graph = zoo.build({
    inputShape: zoo.defaultInput,
    numClasses: zoo.defaultClasses,
    widthMultiplier,
  });
  const analysed = analyseGraph(graph);
  const weights = initialWeights(analysed, weightSeed);
  const kept = analysed.groups.map((g) =>
    Array.from({ length: g.prunable ? keep(g) : g.size }, (_, c) => c),
  );
  return {
    graph: prunedGraph(analysed, kept),
    weights: Object.fromEntries(prunedWeights(analysed, weights, kept)),
    normalisation: { scale: 1 / 255, offset: 0 },
  };
}

/** Zoo models at full width and with every prunable group cut to its first quarter. */
function zooModels(): SuiteModel[] {
  return MODEL_ZOO.flatMap((zoo, z) =>
    [false, true].map((pruned) =>
      exportOne(
        `${zoo.id}${pruned ? '-pruned' : ''}`,
        prunedZooModel(zoo, 1, 100 + z, (g) =>
          pruned ? Math.max(1, Math.ceil(g.size / 4)) : g.size,
        ),
        7 + z,
      ),
    ),
  );
}

/**
 * Graphs for the operators and cases the other models do not reach: a standalone RELU6 and
 * RELU, a batch norm after a flatten, a three-way concatenation into softmax, a 5×5
 * depthwise conv (a CMSIS-NN scratch buffer), a strided 1×1 conv, average pooling, and
 * graphs without a dense layer or with two MEANs (so each operator's arena cost is measured
 * apart from the others).
 */
const EXTRA_GRAPHS: Record<string, string> = {
  'standalone relu6': 'input 10x10x3 | c1 conv 6 | mp maxpool 2 | r6 relu6 | gap gap | fc dense 4',
  'bn after flatten': 'input 6x6x2 | c1 conv 4 s2 | r1 relu | flat flatten | bn bn | fc dense 3',
  'concat3 softmax':
    'input 8x8x1 | a conv 3 k1 | b conv(input) 5 | c conv(input) 2 k5 | cat concat(a, b, c) | r relu | gap gap | fc dense 5 | sm softmax',
  'dw5 strided pointwise':
    'input 12x12x4 | c1 conv 12 | r1 relu | dw dw k5 | r2 relu6 | pw conv 16 k1 s2 | ap avgpool 2 | flat flatten | fc dense 6',
  'no dense': 'input 6x6x2 | c1 conv 4 | r1 relu | c2 conv 3 s2 | gap gap | sm softmax',
  'two means':
    'input 6x6x2 | a conv 5 | ga gap | b conv(input) 5 k1 | gb gap | add add(ga, gb) | fc dense 3',
  'flatten softmax': 'input 5x5x2 | c1 conv 3 s2 | flat flatten | sm softmax',
};

export function extraGraphs(): NetworkGraph[] {
  return specGraphs(EXTRA_GRAPHS);
}

/**
 * Random prunings of every zoo model at three widths (each prunable group keeps a random
 * number of channels): `verify:tflm` measures them as an out-of-sample check of the arena
 * constants, which were fitted on tflmSuite().
 */
export function randomPrunings(seed = 99): SuiteModel[] {
  const rand = seededRandom(seed);
  return MODEL_ZOO.flatMap((zoo, z) =>
    [0.5, 0.75, 1].map((widthMultiplier, k) =>
      exportOne(
        `${zoo.id}-random-${k}`,
        prunedZooModel(zoo, widthMultiplier, 5 + k, (g) => 1 + Math.floor(rand() * g.size)),
        200 + 3 * z + k,
      ),
    ),
  );
}

export function tflmSuite(): SuiteModel[] {
  const graphs = [...testModels(3), ...extraGraphs().map((g, i) => withRandomWeights(g, 30 + i))];
  return [
    ...zooModels(),
    ...graphs.map((m, i) => exportOne(`test-${m.graph.name.replace(/\s+/g, '-')}`, m, 50 + i)),
  ];
}
