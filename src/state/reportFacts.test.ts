import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { DeploymentFacts } from '../worker/protocol';
import { deploymentFromReport } from './reportFacts';
import { reportBytes as bytes, sampleReportInput } from '../testing/runFixtures';

describe('deployment facts read back from a stored report', () => {
  it('gives the arena plan and the comparison the report states', () => {
    const input = sampleReportInput();
    const d = deploymentFromReport(bytes(input));
    expect(d?.facts).toEqual(input.deployment);
    expect(d?.comparison).toEqual(input.int8Comparison);
    expect(d?.int8Accuracy).toBe(0.5);
    expect(d?.floatAccuracy).toBe(1);
  });

  it('gives nothing for a report that is not one, or whose plan does not check out', () => {
    expect(deploymentFromReport(strToU8('not json'))).toBeUndefined();
    expect(deploymentFromReport(strToU8('{"format":"other"}'))).toBeUndefined();
    const input = sampleReportInput();
    // A report of an older version: no plan.
    const old = structuredClone(input);
    delete (old.deployment.arena as Partial<DeploymentFacts['arena']>).buffers;
    expect(deploymentFromReport(bytes(old))).toBeUndefined();
    // A buffer live beyond the last operator; a peak the plan does not have; a broken comparison.
    const outside = sampleReportInput();
    outside.deployment.arena.buffers[2] = { ...outside.deployment.arena.buffers[2], lastUse: 3 };
    expect(deploymentFromReport(bytes(outside))).toBeUndefined();
    const wrongPeak = sampleReportInput();
    wrongPeak.deployment.arena.peakOperator = 'dense';
    expect(deploymentFromReport(bytes(wrongPeak))).toBeUndefined();
    const badComparison = structuredClone(input);
    badComparison.int8Comparison.perClass[0].int8Recall = 2;
    expect(deploymentFromReport(bytes(badComparison))).toBeUndefined();
  });
});
