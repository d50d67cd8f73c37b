import { LIMITS } from '../state/config';
import { selectIsRunActive } from '../state/selectors';
import { useStudio } from '../state/store';
import { NumberField } from './NumberField';

/** Schedule and optimiser settings, folded away: the defaults suit a first run. */
export function TrainingSettings() {
  const schedule = useStudio((s) => s.config.schedule);
  const batchSize = useStudio((s) => s.config.batchSize);
  const learningRate = useStudio((s) => s.config.learningRate);
  const seed = useStudio((s) => s.config.seed);
  const setSchedule = useStudio((s) => s.setSchedule);
  const setTraining = useStudio((s) => s.setTraining);
  const active = useStudio(selectIsRunActive);
  const finetune = Math.max(0, 1 - schedule.warmupFraction - schedule.pruneFraction);
  return (
    <details className="panel training-settings">
      <summary>Training settings</summary>
      <div className="field-grid">
        <NumberField
          label="Total steps"
          value={schedule.totalSteps}
          min={LIMITS.totalSteps.min}
          max={LIMITS.totalSteps.max}
          integer
          disabled={active}
          onCommit={(totalSteps) => setSchedule({ totalSteps })}
        />
        <NumberField
          label="Warm-up share"
          value={schedule.warmupFraction}
          min={LIMITS.warmupFraction.min}
          max={Math.min(LIMITS.warmupFraction.max, 1 - schedule.pruneFraction)}
          step={0.05}
          disabled={active}
          onCommit={(warmupFraction) => setSchedule({ warmupFraction })}
        />
        <NumberField
          label="Pruning share"
          value={schedule.pruneFraction}
          min={LIMITS.pruneFraction.min}
          max={Math.min(LIMITS.pruneFraction.max, 1 - schedule.warmupFraction)}
          step={0.05}
          disabled={active}
          onCommit={(pruneFraction) => setSchedule({ pruneFraction })}
        />
        <NumberField
          label="Batch size"
          value={batchSize}
          min={LIMITS.batchSize.min}
          max={LIMITS.batchSize.max}
          integer
          disabled={active}
          onCommit={(v) => setTraining({ batchSize: v })}
        />
        <NumberField
          label="Learning rate"
          value={learningRate}
          min={LIMITS.learningRate.min}
          max={LIMITS.learningRate.max}
          step={0.0005}
          disabled={active}
          onCommit={(v) => setTraining({ learningRate: v })}
        />
        <NumberField
          label="Seed"
          value={seed}
          min={LIMITS.seed.min}
          max={LIMITS.seed.max}
          integer
          disabled={active}
          onCommit={(v) => setTraining({ seed: v })}
        />
      </div>
      <p className="hint">
        Fine-tuning of the physically pruned network takes the remaining{' '}
        {Math.round(finetune * 100)}% of the steps.
      </p>
    </details>
  );
}
