import { describe, expect, it } from 'vitest';
import { arenaTimeline, liveBuffers, scopeLabel, type TimelineBuffer } from './arenaTimeline';
import { plainCnn, residualNet } from '../testing/exampleGraphs';
import { analyseGraph } from './graphAnalysis';
import { createResourceModel, fullWidths } from './resourceModel';
import { planGreedy } from './tflmArena';

const buffer = (
  name: string,
  bytes: number,
  firstUse: number,
  lastUse: number,
  offset: number,
): TimelineBuffer => ({
  name,
  kind: 'tensor',
  bytes,
  alignedBytes: bytes,
  offset,
  firstUse,
  lastUse,
});

describe('arena timeline', () => {
  it('finds the operator whose live buffers reach highest, and those buffers', () => {
    // input (0..1) → a (1..2) → b (2..3); b sits above a at operator 2.
    const buffers = [
      buffer('input', 64, 0, 1, 0),
      buffer('a', 96, 1, 2, 64),
      buffer('b', 32, 2, 3, 160),
      buffer('a scratch', 16, 2, 2, 0),
    ];
    const t = arenaTimeline(['op1', 'op2', 'op3'], buffers);
    expect(t.peakScope).toBe(2);
    expect(t.peakOperator).toBe('op2');
    expect(t.plannedBytes).toBe(192);
    expect(t.peakBuffers).toEqual([3, 1, 2]);
    expect(t.topBuffer).toBe(2);
    expect(liveBuffers(buffers, 0)).toEqual([0]);
    expect(scopeLabel(t.operators, 0)).toBe('input');
    expect(scopeLabel(t.operators, 3)).toBe('op3');
  });

  it('agrees with the resource model: the peak operator and the planned size', () => {
    for (const graph of [plainCnn(), residualNet()]) {
      const analysed = analyseGraph(graph);
      const report = createResourceModel(analysed).report(fullWidths(analysed));
      const arena = report.arena!;
      const t = arenaTimeline(
        report.operators.map((op) => op.label),
        arena.buffers,
      );
      expect(t.peakOperator).toBe(arena.peakOperator);
      expect(t.plannedBytes).toBe(arena.plannedBytes);
      // No two buffers live at the same time overlap in the plan.
      for (const [i, a] of arena.buffers.entries()) {
        for (const b of arena.buffers.slice(i + 1)) {
          const together = a.firstUse <= b.lastUse && b.firstUse <= a.lastUse;
          const overlap =
            a.offset < b.offset + b.alignedBytes && b.offset < a.offset + a.alignedBytes;
          expect(together && overlap).toBe(false);
        }
      }
    }
  });

  it('refuses buffers that are not part of a plan for these operators', () => {
    const placed = planGreedy([{ bytes: 10, firstUse: 0, lastUse: 4 }]).placed;
    expect(() => arenaTimeline(['a', 'b'], [{ ...placed[0], name: 'x', kind: 'tensor' }])).toThrow(
      /"x" is not part of a plan for 2 operators \(live 0\.\.4/,
    );
    expect(() => arenaTimeline(['a'], [buffer('y', 8, 0, 1, -16)])).toThrow(/"y"/);
  });
});
