import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { DeploymentFacts, Int8Comparison } from '../worker/protocol';
import { deploymentFromReport } from './reportFacts';

interface Report {
  format: string;
  int8Comparison: Int8Comparison;
  deployment: DeploymentFacts;
}

/** The fields of an export report (src/export/report.ts) that a reopened run reads. */
function sampleReportInput(): Report {
  return {
    format: 'pruning-studio-export-report',
    int8Comparison: {
      samples: 2,
      floatAccuracy: 1,
      int8Accuracy: 0.5,
      disagreements: 1,
      perClass: [
        { className: 'a', samples: 1, floatRecall: 1, int8Recall: 1 },
        { className: 'b', samples: 1, floatRecall: 1, int8Recall: 0 },
      ],
      largestDifferences: [
        {
          sample: 1,
          label: 1,
          floatClass: 1,
          int8Class: 0,
          floatProbability: 0.6,
          int8Probability: 0.4,
          maxDifference: 0.2,
        },
      ],
    },
    deployment: {
      operators: ['CONV_2D', 'FULLY_CONNECTED'],
      arena: {
        tensorArenaBytes: 2048,
        plannedActivationBytes: 192,
        scratchBytes: 0,
        persistentBytes: 900,
        planningBytes: 500,
        marginBytes: 16,
        peakOperator: 'conv',
        operatorOrder: ['conv', 'dense'],
        buffers: [
          {
            name: 'input',
            kind: 'tensor',
            bytes: 64,
            alignedBytes: 64,
            offset: 0,
            firstUse: 0,
            lastUse: 1,
          },
          {
            name: 'conv',
            kind: 'tensor',
            bytes: 128,
            alignedBytes: 128,
            offset: 64,
            firstUse: 1,
            lastUse: 2,
          },
          {
            name: 'dense',
            kind: 'tensor',
            bytes: 16,
            alignedBytes: 16,
            offset: 0,
            firstUse: 2,
            lastUse: 2,
          },
        ],
      },
      input: { shape: [1, 4, 4, 1], scale: 0.1, zeroPoint: 0 },
      output: { shape: [1, 2], scale: 0.1, zeroPoint: 0 },
      classes: ['a', 'b'],
      normalisation: { scale: 1, offset: 0 },
    },
  };
}

const bytes = (input: Report) => strToU8(JSON.stringify(input, null, 2));

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
