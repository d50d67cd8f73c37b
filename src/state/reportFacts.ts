/**
 * A kept run's deployment facts (arena plan, float vs int8) read back from its stored export
 * report, so a reopened or imported run shows its memory timeline and int8 comparison without
 * the worker. The report is untrusted (another browser's run file): every field is checked,
 * and anything that does not check out gives undefined (the panels then say there is nothing).
 */
import { strFromU8 } from 'fflate';
import { arenaTimeline } from '../core/arenaTimeline';
import type { DeploymentFacts, Int8Comparison, RunDeployment } from '../worker/protocol';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isFraction = (x: unknown): boolean => isNum(x) && x >= 0 && x <= 1;
const isFractionOrNull = (x: unknown): boolean => x === null || isFraction(x);
const isQuant = (x: unknown): boolean =>
  isObj(x) &&
  Array.isArray(x.shape) &&
  x.shape.every(isNum) &&
  isNum(x.scale) &&
  isNum(x.zeroPoint);

function isFacts(x: unknown): x is DeploymentFacts {
  if (!isObj(x) || !isObj(x.arena)) return false;
  const a = x.arena;
  return (
    Array.isArray(x.operators) &&
    x.operators.every(isStr) &&
    ['tensorArenaBytes', 'plannedActivationBytes', 'scratchBytes', 'persistentBytes'].every((k) =>
      isNum(a[k]),
    ) &&
    ['planningBytes', 'marginBytes'].every((k) => isNum(a[k])) &&
    isStr(a.peakOperator) &&
    Array.isArray(a.operatorOrder) &&
    a.operatorOrder.every(isStr) &&
    Array.isArray(a.buffers) &&
    a.buffers.every(
      (b) =>
        isObj(b) &&
        isStr(b.name) &&
        (b.kind === 'tensor' || b.kind === 'scratch') &&
        ['bytes', 'alignedBytes', 'offset', 'firstUse', 'lastUse'].every((k) => isNum(b[k])),
    ) &&
    isQuant(x.input) &&
    isQuant(x.output) &&
    Array.isArray(x.classes) &&
    x.classes.every(isStr) &&
    isObj(x.normalisation) &&
    isNum(x.normalisation.scale) &&
    isNum(x.normalisation.offset)
  );
}

function isComparison(x: unknown): x is Int8Comparison {
  return (
    isObj(x) &&
    isNum(x.samples) &&
    isFraction(x.floatAccuracy) &&
    isFraction(x.int8Accuracy) &&
    isNum(x.disagreements) &&
    Array.isArray(x.perClass) &&
    x.perClass.every(
      (k) =>
        isObj(k) &&
        isStr(k.className) &&
        isNum(k.samples) &&
        isFractionOrNull(k.floatRecall) &&
        isFractionOrNull(k.int8Recall),
    ) &&
    Array.isArray(x.largestDifferences) &&
    x.largestDifferences.every(
      (d) =>
        isObj(d) &&
        ['sample', 'label', 'floatClass', 'int8Class'].every((k) => isNum(d[k])) &&
        ['floatProbability', 'int8Probability', 'maxDifference'].every((k) => isNum(d[k])),
    )
  );
}

/** The deployment a stored report states, or undefined when it states none that checks out. */
export function deploymentFromReport(bytes: ArrayBuffer | Uint8Array): RunDeployment | undefined {
  let report: unknown;
  try {
    report = JSON.parse(strFromU8(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
  } catch {
    return undefined;
  }
  if (!isObj(report) || report.format !== 'pruning-studio-export-report') return undefined;
  const facts = report.deployment;
  if (!isFacts(facts)) return undefined;
  try {
    // The plan must be a plan: every buffer within the operators, the peak the one it names.
    const timeline = arenaTimeline(facts.arena.operatorOrder, facts.arena.buffers);
    if (timeline.peakOperator !== facts.arena.peakOperator) return undefined;
  } catch {
    return undefined;
  }
  const comparison = report.int8Comparison;
  if (!isComparison(comparison)) return undefined;
  return {
    facts,
    int8Accuracy: comparison.int8Accuracy,
    floatAccuracy: comparison.floatAccuracy,
    comparison,
  };
}
