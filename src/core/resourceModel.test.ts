import { describe, expect, it } from 'vitest';
import type { GraphNode, NetworkGraph } from './graph';
import { analyseGraph, type AnalysedGraph } from './graphAnalysis';
import {
  createResourceModel,
  fullWidths,
  peakArenaBytes,
  proportionGradients,
  widthsFromProportions,
  type ResourceFigures,
  type ResourceOptions,
} from './resourceModel';
import { deployGraph } from './deployment';
import { arenaSteps, stepBytes } from './arenaSchedule';
import { boardById } from './hardware';
import {
  concatNet,
  layers as L,
  mobileNetV2Block,
  plainCnn,
  residualNet,
  unasReferenceGraph,
} from '../testing/exampleGraphs';
import { graphFromSpec } from '../testing/graphSpec';

const FIGURES: (keyof ResourceFigures)[] = ['flash', 'ram', 'macs', 'latency'];

describe('uNAS reference vector (METHOD §4)', () => {
  const a = analyseGraph(unasReferenceGraph());
  it("reproduces peak 4,510 B, size 45,150 B, 166,500 MACs in 'unas' mode", () => {
    const f = createResourceModel(a, { convention: 'unas' }).evaluate(fullWidths(a));
    expect(f.ram).toBe(4510);
    expect(f.flash).toBe(45150);
    expect(f.macs).toBe(166500);
  });
  it('peaks at 7,572 B with the input counted', () => {
    expect(peakArenaBytes(a, fullWidths(a), { convention: 'unas', countInputInRam: true })).toBe(
      7572,
    );
  });
  it("gives the documented 'tflm' figures (docs/resource-model.md)", () => {
    const r = createResourceModel(a).report(fullWidths(a));
    // Calibrated on the exporter's files (its .tflite of this graph: 46,720 B).
    expect(r.flash).toBe(46733);
    expect(r.modelOverheadFlashBytes).toBe(442);
    expect(r.operators.map((o) => [o.kind, o.flashBytes])).toEqual([
      ['CONV_2D', 645],
      ['RESHAPE', 238],
      ['FULLY_CONNECTED', 45408],
    ]);
    // TFLM's arena: plan 9,024 (input 3,072 + conv scratch 112 + conv output 4,512, 16-byte
    // rounded; the RESHAPE copy reuses the input's place) + persistent 755, + 32 B margin.
    expect(r.arena?.plannedBytes).toBe(9024);
    expect(r.persistentArenaBytes).toBe(755);
    expect(r.ram).toBe(9024 + 755 + 32);
    expect(r.peakOperator).toBe('conv');
    expect(r.macs).toBe(166500);
    // STM32F746 (M7, 216 MHz): 121,500·1.7 + 45,000·1.5 + 4,500·1 + 3·1,000 cycles.
    expect(r.latency).toBeCloseTo(281550 / 216000, 9);
    expect(r.largestFlashOperator).toBe('dense');
    expect(r.runtimeFlashBytes).toBe(boardById('stm32f746g-disco').runtimeFlashBytes);
  });
});

describe('fusion rules (deployment.ts)', () => {
  it('folds BN and fuses ReLU into convs; GAP is MEAN; no operator for BN', () => {
    const d = deployGraph(analyseGraph(plainCnn()), 'tflm');
    expect(d.operators.map((o) => o.kind)).toEqual([
      'CONV_2D',
      'CONV_2D',
      'CONV_2D',
      'MEAN',
      'FULLY_CONNECTED',
      'SOFTMAX',
    ]);
    expect(d.operators[0].nodes).toEqual(['conv1', 'conv1_bn', 'conv1_relu']);
    expect(d.nodeTensor.get('conv1')).toBe(d.nodeTensor.get('conv1_relu'));
  });
  it('fuses a ReLU into an ADD; keeps the BN-without-ReLU chain of the projection', () => {
    const d = deployGraph(analyseGraph(residualNet()), 'tflm');
    const labels = d.operators.map((o) => o.label);
    expect(labels).toContain('b1_add+b1_relu');
    expect(labels).toContain('b1c2+b1c2_bn');
    expect(d.operators.filter((o) => o.kind === 'ADD')).toHaveLength(2);
  });
  it('lowers an unfoldable BN to a 1×1 DEPTHWISE_CONV_2D and an unfusable ReLU to RELU', () => {
    const graph = graphFromSpec(
      'x',
      'input 8x8x3 | c conv 4 | p maxpool 2 | bn bn | r relu | p2 maxpool 2 | r2 relu | f flatten | out dense 2',
      false,
    );
    const d = deployGraph(analyseGraph(graph), 'tflm');
    expect(d.operators.map((o) => o.kind)).toEqual([
      'CONV_2D',
      'MAX_POOL_2D',
      'DEPTHWISE_CONV_2D',
      'MAX_POOL_2D',
      'RELU',
      'RESHAPE',
      'FULLY_CONNECTED',
    ]);
    expect(d.operators[2].nodes).toEqual(['bn', 'r']);
    expect(d.operators[2].constantTensors.map((c) => c.name)).toEqual(['bn/weights', 'bn/bias']);
  });
  it('folds consecutive BNs into one operator; a flat unfoldable BN is a diagonal FULLY_CONNECTED', () => {
    const graph = graphFromSpec(
      'x',
      'input 4x4x2 | c conv 3 | bn1 bn | bn2 bn | r relu | gap gap | bn3 bn | out dense 2',
      false,
    );
    const d = deployGraph(analyseGraph(graph), 'tflm');
    expect(d.operators.map((o) => o.label)).toEqual(['c+bn1+bn2+r', 'gap', 'bn3', 'out']);
    expect(d.operators[2].kind).toBe('FULLY_CONNECTED');
    const m = createResourceModel(analyseGraph(graph));
    const widths = Float64Array.from(m.analysed.groups, (g) => g.size);
    // Diagonal 3×3 int8 weights and 3 int32 biases.
    expect(m.report(widths).operators[2].flashBytes).toBeGreaterThan(9 + 12);
  });
  it('does not fuse into a layer whose output is read twice', () => {
    const spec = 'input 8x8x3 | c conv 4 | r relu | sum add(c, r) | gap gap | out dense 2';
    const d = deployGraph(analyseGraph(graphFromSpec('x', spec, false)), 'tflm');
    expect(d.operators.map((o) => o.label)).toEqual(['c', 'r', 'sum', 'gap', 'out']);
  });
});

/** Widths away from integers (no rounding ties) and from the full sizes. */
function testWidths(a: AnalysedGraph): Float64Array {
  return Float64Array.from(a.groups, (g) => Math.max(1.3, 0.6 * g.size + 0.27 + 0.11 * g.index));
}

function finiteDifference(
  evaluate: (w: Float64Array) => ResourceFigures,
  widths: Float64Array,
  g: number,
  key: keyof ResourceFigures,
  h = 1e-3,
): number {
  const up = Float64Array.from(widths);
  const down = Float64Array.from(widths);
  up[g] += h;
  down[g] -= h;
  return (evaluate(up)[key] - evaluate(down)[key]) / (2 * h);
}

const ARCHITECTURES: [string, NetworkGraph][] = [
  ['plain CNN', plainCnn()],
  ['residual', residualNet()],
  ['MobileNetV2-style', mobileNetV2Block()],
  ['concat', concatNet()],
  ['uNAS reference', unasReferenceGraph()],
];
const OPTION_SETS: [string, ResourceOptions][] = [
  ['tflm', {}],
  ['unas', { convention: 'unas' }],
  ['tflm in-place add, Pico', { inPlaceAdd: true, board: boardById('raspberry-pi-pico') }],
];

describe('analytic gradients match central finite differences (rel. err ≤ 1e-3)', () => {
  for (const [name, graph] of ARCHITECTURES) {
    for (const [optionName, options] of OPTION_SETS) {
      it(`${name}, ${optionName}`, () => {
        const a = analyseGraph(graph);
        const model = createResourceModel(a, options);
        const widths = testWidths(a);
        const { gradients } = model.evaluateWithGradients(widths);
        const evaluate = (w: Float64Array) => model.evaluateSmooth(w);
        let checked = 0;
        for (const group of a.groups) {
          for (const key of FIGURES) {
            const analytic = gradients[key][group.index];
            if (!group.prunable) {
              expect(analytic).toBe(0);
              continue;
            }
            const numeric = finiteDifference(evaluate, widths, group.index, key);
            const scale = Math.max(Math.abs(analytic), Math.abs(numeric), 1e-9);
            expect(Math.abs(analytic - numeric) / scale, `${group.name} ${key}`).toBeLessThan(1e-3);
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(0);
      });
    }
  }

  it('the RAM gradient is non-zero only for groups live at the peak operator', () => {
    const a = analyseGraph(plainCnn());
    const model = createResourceModel(a, { convention: 'unas' });
    const widths = testWidths(a);
    const report = model.report(widths);
    expect(report.peakOperator).toBe('conv2+conv2_bn+conv2_relu');
    const { gradients } = model.evaluateWithGradients(widths);
    // conv2's step holds conv1's output (c1·28·28) and its own (c2·14·14).
    expect(gradients.ram[1]).toBeCloseTo(784, 9);
    expect(gradients.ram[2]).toBeCloseTo(196, 9);
    expect(gradients.ram[3]).toBe(0);
  });

  it('π gradients are C_g times the width gradients', () => {
    const a = analyseGraph(mobileNetV2Block());
    const model = createResourceModel(a);
    const pi = a.groups.map((g) => (g.prunable ? 0.5 : 1));
    const widths = widthsFromProportions(a, pi);
    const { gradients } = model.evaluateWithGradients(widths);
    const byPi = proportionGradients(a, gradients);
    for (const g of a.groups) {
      expect(byPi.macs[g.index]).toBeCloseTo(g.prunable ? g.size * gradients.macs[g.index] : 0, 6);
    }
  });
});

describe('RAM: operator order and in-place options', () => {
  const twoBranches: NetworkGraph = {
    name: 'two branches',
    nodes: [
      L.input('in', [16, 16, 8]),
      L.conv('a1', 'in', 64, 1),
      L.conv('b1', 'in', 64, 1),
      L.conv('a2', 'a1', 4, 1),
      L.conv('b2', 'b1', 4, 1),
      L.concat('cat', ['a2', 'b2']),
      L.gap('gap', 'cat'),
      L.dense('out', 'gap', 2),
    ],
    output: 'out',
  };

  it('finds an order with a lower peak than the listed topological order', () => {
    const a = analyseGraph(twoBranches);
    const model = createResourceModel(a, { convention: 'unas', countInputInRam: true });
    const report = model.report(fullWidths(a));
    expect(report.orderIsOptimal).toBe(true);
    const d = model.deployed;
    const listed = arenaSteps(
      {
        operatorInputs: d.operators.map((o) => o.inputs),
        operatorOutputs: d.operators.map((o) => o.output),
        inPlaceCandidates: d.operators.map(() => []),
        tensorCount: d.tensors.length,
        initialTensors: [0],
        excludedTensors: [],
        finalTensors: [d.nodeTensor.get('out')!],
      },
      d.operators.map((o) => o.index),
    );
    const tensorBytes = d.tensors.map((t) => {
      let v = t.elements.constant;
      t.elements.groups.forEach((g, i) => (v += t.elements.coefs[i] * a.groups[g].size));
      return v;
    });
    const listedPeak = Math.max(
      ...stepBytes(listed, {
        tensorBytes,
        scratchBytes: d.operators.map(() => 0),
        perLiveTensorBytes: 0,
      }),
    );
    expect(listedPeak).toBe(2048 + 16384 + 16384);
    expect(report.ram).toBe(2048 + 1024 + 16384);
    expect(report.executionOrder.slice(0, 4)).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('falls back to a greedy order past the search limit', () => {
    const a = analyseGraph(twoBranches);
    const r = createResourceModel(a, { convention: 'unas', orderSearchStateLimit: 1 }).report(
      fullWidths(a),
    );
    expect(r.orderIsOptimal).toBe(false);
    expect(r.executionOrder).toHaveLength(7);
  });

  it('an in-place ADD writes into its input at that input’s last use', () => {
    const g: NetworkGraph = {
      name: 'residual pair',
      nodes: [
        L.input('in', [8, 8, 3]),
        L.conv('c', 'in', 16),
        L.conv('d', 'c', 16),
        L.add('sum', ['c', 'd']),
        L.gap('gap', 'sum'),
        L.dense('out', 'gap', 2),
      ],
      output: 'out',
    };
    const a = analyseGraph(g);
    const off = peakArenaBytes(a, fullWidths(a), { convention: 'unas' });
    const on = peakArenaBytes(a, fullWidths(a), { convention: 'unas', inPlaceAdd: true });
    expect(off).toBe(3 * 1024);
    expect(on).toBe(2 * 1024);
  });
});

describe('evaluation speed', () => {
  it('evaluates a 30+-layer graph with gradients well under 1 ms', () => {
    const nodes: GraphNode[] = [L.input('in', [32, 32, 3]), L.conv('stem', 'in', 16, 3, 2)];
    let last = 'stem';
    for (let b = 0; b < 6; b++) {
      const p = `b${b}`;
      nodes.push(
        L.conv(`${p}_e`, last, 64, 1),
        L.bn(`${p}_ebn`, `${p}_e`),
        L.relu6(`${p}_er`, `${p}_ebn`),
        L.depthwise(`${p}_dw`, `${p}_er`),
        L.bn(`${p}_dbn`, `${p}_dw`),
        L.relu6(`${p}_dr`, `${p}_dbn`),
        L.conv(`${p}_p`, `${p}_dr`, 16, 1),
        L.bn(`${p}_pbn`, `${p}_p`),
        L.add(`${p}_add`, [last, `${p}_pbn`]),
      );
      last = `${p}_add`;
    }
    nodes.push(L.gap('gap', last), L.dense('out', 'gap', 10));
    const a = analyseGraph({ name: 'deep', nodes, output: 'out' });
    expect(a.topoOrder.length).toBeGreaterThan(50);
    const model = createResourceModel(a);
    const widths = testWidths(a);
    for (let i = 0; i < 50; i++) model.evaluateWithGradients(widths);
    const start = performance.now();
    const runs = 500;
    for (let i = 0; i < runs; i++) model.evaluateWithGradients(widths);
    expect((performance.now() - start) / runs).toBeLessThan(1);
  });
});
