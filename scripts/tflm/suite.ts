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
  testLayers,
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

const { conv, dense, dw, input, pool, unary } = testLayers;

/**
 * Graphs for the operators and cases the other models do not reach: a standalone RELU6 and
 * RELU, a batch norm after a flatten, a three-way concatenation into softmax, a 5×5
 * depthwise conv (a CMSIS-NN scratch buffer), a strided 1×1 conv, average pooling, and
 * graphs without a dense layer or with two MEANs (so each operator's arena cost is measured
 * apart from the others).
 */
export function extraGraphs(): NetworkGraph[] {
  return [
    {
      name: 'standalone relu6',
      output: 'fc',
      nodes: [
        input(10, 10, 3),
        conv('c1', 'input', 6, 3),
        pool('mp', 'maxPool', 'c1', 2, 2, 'valid'),
        unary('r6', 'relu6', 'mp'),
        unary('gap', 'globalAvgPool', 'r6'),
        dense('fc', 'gap', 4),
      ],
    },
    {
      name: 'bn after flatten',
      output: 'fc',
      nodes: [
        input(6, 6, 2),
        conv('c1', 'input', 4, 3, 2),
        unary('r1', 'relu', 'c1'),
        unary('flat', 'flatten', 'r1'),
        unary('bn', 'batchNorm', 'flat'),
        dense('fc', 'bn', 3),
      ],
    },
    {
      name: 'concat3 softmax',
      output: 'sm',
      nodes: [
        input(8, 8, 1),
        conv('a', 'input', 3, 1),
        conv('b', 'input', 5, 3),
        conv('c', 'input', 2, 5),
        { id: 'cat', op: 'concat', inputs: ['a', 'b', 'c'] },
        unary('r', 'relu', 'cat'),
        unary('gap', 'globalAvgPool', 'r'),
        dense('fc', 'gap', 5),
        unary('sm', 'softmax', 'fc'),
      ],
    },
    {
      name: 'dw5 strided pointwise',
      output: 'fc',
      nodes: [
        input(12, 12, 4),
        conv('c1', 'input', 12, 3),
        unary('r1', 'relu', 'c1'),
        dw('dw', 'r1', 5),
        unary('r2', 'relu6', 'dw'),
        conv('pw', 'r2', 16, 1, 2),
        pool('ap', 'avgPool', 'pw', 2, 2, 'valid'),
        unary('flat', 'flatten', 'ap'),
        dense('fc', 'flat', 6),
      ],
    },
    {
      name: 'no dense',
      output: 'sm',
      nodes: [
        input(6, 6, 2),
        conv('c1', 'input', 4, 3),
        unary('r1', 'relu', 'c1'),
        conv('c2', 'r1', 3, 3, 2),
        unary('gap', 'globalAvgPool', 'c2'),
        unary('sm', 'softmax', 'gap'),
      ],
    },
    {
      name: 'two means',
      output: 'fc',
      nodes: [
        input(6, 6, 2),
        conv('a', 'input', 5, 3),
        unary('ga', 'globalAvgPool', 'a'),
        conv('b', 'input', 5, 1),
        unary('gb', 'globalAvgPool', 'b'),
        { id: 'add', op: 'add', inputs: ['ga', 'gb'] },
        dense('fc', 'add', 3),
      ],
    },
    {
      name: 'flatten softmax',
      output: 'sm',
      nodes: [
        input(5, 5, 2),
        conv('c1', 'input', 3, 3, 2),
        unary('flat', 'flatten', 'c1'),
        unary('sm', 'softmax', 'flat'),
      ],
    },
  ];
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
