import { useId } from 'react';
import { MODEL_ZOO } from '../core/zoo';
import { LIMITS } from '../state/config';
import { selectEstimate, selectIsRunActive } from '../state/selectors';
import { useStudio } from '../state/store';
import { formatBytes, formatMacs, formatMs } from './format';
import { NumberField } from './NumberField';
import { SelectField } from './SelectField';
import { StepPanel } from './StepPanel';

/** Step 2: the network to train and prune. */
export function ModelPanel() {
  const id = useId();
  const modelId = useStudio((s) => s.config.modelId);
  const width = useStudio((s) => s.config.widthMultiplier);
  const setModel = useStudio((s) => s.setModel);
  const setWidth = useStudio((s) => s.setWidthMultiplier);
  const estimate = useStudio(selectEstimate);
  const active = useStudio(selectIsRunActive);
  const model = MODEL_ZOO.find((m) => m.id === modelId);
  return (
    <StepPanel name="model" step={2} title="Model">
      <div className="field-row">
        <SelectField
          id={`${id}-model`}
          label="Architecture"
          value={modelId}
          options={MODEL_ZOO.map((m) => ({ value: m.id, label: m.name }))}
          disabled={active}
          describedBy={`${id}-description`}
          onChange={setModel}
        />
        <NumberField
          label="Width multiplier"
          value={width}
          min={LIMITS.widthMultiplier.min}
          max={LIMITS.widthMultiplier.max}
          step={0.25}
          disabled={active}
          onCommit={setWidth}
        />
      </div>
      <p className="hint" id={`${id}-description`}>
        {model?.description}
      </p>
      {estimate && (
        <p className="estimate" data-testid="unpruned-estimate">
          Unpruned ≈ {formatBytes(estimate.unpruned.flash)} flash ·{' '}
          {formatBytes(estimate.unpruned.ram)} RAM · {formatMacs(estimate.unpruned.macs)} ·{' '}
          {formatMs(estimate.unpruned.latency)}
        </p>
      )}
    </StepPanel>
  );
}
