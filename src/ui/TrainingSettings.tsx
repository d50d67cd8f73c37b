import { LIMITS } from '../state/config';
import { selectIsRunActive } from '../state/selectors';
import { useStudio } from '../state/store';
import { NumberField } from './NumberField';

/** The two phase shares: each may take what the other leaves (fine-tuning gets the rest). */
const SHARE_FIELDS = [
  { key: 'warmupFraction', other: 'pruneFraction', label: 'Warm-up share' },
  { key: 'pruneFraction', other: 'warmupFraction', label: 'Pruning share' },
] as const;

/** The optimiser's fields: whole numbers unless they have a step. */
const TRAINING_FIELDS: readonly {
  key: 'batchSize' | 'learningRate' | 'seed';
  label: string;
  step?: number;
}[] = [
  { key: 'batchSize', label: 'Batch size' },
  { key: 'learningRate', label: 'Learning rate', step: 0.0005 },
  { key: 'seed', label: 'Seed' },
];

/** Schedule and optimiser settings, folded away: the defaults suit a first run. */
export function TrainingSettings() {
  const schedule = useStudio((s) => s.config.schedule);
  const training = {
    batchSize: useStudio((s) => s.config.batchSize),
    learningRate: useStudio((s) => s.config.learningRate),
    seed: useStudio((s) => s.config.seed),
  };
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
        {SHARE_FIELDS.map(({ key, other, label }) => (
          <NumberField
            key={key}
            label={label}
            value={schedule[key]}
            min={LIMITS[key].min}
            max={Math.min(LIMITS[key].max, 1 - schedule[other])}
            step={0.05}
            disabled={active}
            onCommit={(v) => setSchedule({ [key]: v })}
          />
        ))}
        {TRAINING_FIELDS.map(({ key, label, step }) => (
          <NumberField
            key={key}
            label={label}
            value={training[key]}
            min={LIMITS[key].min}
            max={LIMITS[key].max}
            step={step}
            integer={step === undefined}
            disabled={active}
            onCommit={(v) => setTraining({ [key]: v })}
          />
        ))}
      </div>
      <p className="hint">
        Fine-tuning of the physically pruned network takes the remaining{' '}
        {Math.round(finetune * 100)}% of the steps.
      </p>
    </details>
  );
}
