import { selectCanExport } from '../state/selectors';
import { useStudio } from '../state/store';
import type { ExportFormat, RunDeployment } from '../worker/protocol';
import { formatBytes } from './format';

const FORMATS: { format: ExportFormat; label: string; what: string }[] = [
  { format: 'tfjs', label: 'TF.js model (.zip)', what: 'for the browser or Node' },
  { format: 'tflite', label: 'TFLite int8 (.tflite)', what: 'for TensorFlow Lite Micro' },
  {
    format: 'c-array',
    label: 'TFLM module (.zip)',
    what:
      'for TensorFlow Lite Micro firmware, zipped: model_data.h/.cc (the .tflite as a C array), ' +
      'model_settings.h (kTensorArenaSize, input and output quantisation, class names), ' +
      'model_ops.h (a resolver with exactly the model’s operators) and an example main.cc',
  },
  { format: 'report', label: 'Report (.json)', what: 'settings, figures and kept channels' },
];

/** Downloads of the finished, pruned network. */
export function ExportPanel() {
  const canExport = useStudio(selectCanExport);
  const pending = useStudio((s) => s.exports.pending);
  const requestExport = useStudio((s) => s.requestExport);
  const deployment = useStudio((s) => (canExport ? s.run.deployment : undefined));
  // Only a run that just finished is still preparing it (a reopened run shows its files).
  const preparing = useStudio((s) => canExport && !s.run.deployment && s.run.kept === 'saving');
  const busy = new Set(Object.values(pending));
  return (
    <section className="panel" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p className="hint" id="export-help">
        {canExport
          ? 'Download the pruned network.'
          : 'Available when a run has finished: the pruned network is exported.'}
      </p>
      <div className="button-row export-buttons">
        {FORMATS.map((f) => (
          <button
            key={f.format}
            type="button"
            disabled={!canExport || busy.has(f.format)}
            aria-describedby="export-help"
            title={f.what}
            onClick={() => requestExport(f.format)}
          >
            {busy.has(f.format) ? 'Preparing…' : f.label}
          </button>
        ))}
      </div>
      {preparing && <p className="hint">Preparing the int8 model for TFLite Micro…</p>}
      {deployment && <DeploymentFacts deployment={deployment} />}
    </section>
  );
}

function quantisation(q: { shape: number[]; scale: number; zeroPoint: number }): string {
  return `int8 [${q.shape.join('×')}], scale ${q.scale.toPrecision(6)}, zero point ${q.zeroPoint}`;
}

/** What firmware needs: the same facts as the report and the C headers. */
function DeploymentFacts({ deployment }: { deployment: RunDeployment }) {
  const { facts } = deployment;
  const a = facts.arena;
  return (
    <div className="deployment" aria-labelledby="deployment-title">
      <h3 id="deployment-title">On TensorFlow Lite Micro</h3>
      <dl className="facts">
        <dt>Accuracy</dt>
        <dd data-testid="deployment-accuracy">
          float {(100 * deployment.floatAccuracy).toFixed(1)} % · int8 (TFLM arithmetic){' '}
          {(100 * deployment.int8Accuracy).toFixed(1)} % on the validation set
        </dd>
        <dt>Tensor arena</dt>
        <dd data-testid="deployment-arena">
          {a.tensorArenaBytes} B ({formatBytes(a.tensorArenaBytes)}): plan{' '}
          {formatBytes(a.plannedActivationBytes)} (of which kernel scratch{' '}
          {formatBytes(a.scratchBytes)}), persistent {formatBytes(a.persistentBytes)}, +{' '}
          {a.marginBytes} B margin; peak at {a.peakOperator}
        </dd>
        <dt>Operators</dt>
        <dd data-testid="deployment-operators">
          {facts.operators.join(', ')} (MicroMutableOpResolver&lt;{facts.operators.length}&gt;)
        </dd>
        <dt>Input</dt>
        <dd>{quantisation(facts.input)}</dd>
        <dt>Output</dt>
        <dd>{quantisation(facts.output)}</dd>
        <dt>Classes</dt>
        <dd data-testid="deployment-classes">
          {facts.classes.map((c, i) => `${i} ${c}`).join(', ')}
        </dd>
      </dl>
    </div>
  );
}
