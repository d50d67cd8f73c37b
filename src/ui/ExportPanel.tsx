import { selectCanExport } from '../state/selectors';
import { useStudio } from '../state/store';
import type { ExportFormat } from '../worker/protocol';

const FORMATS: { format: ExportFormat; label: string; what: string }[] = [
  { format: 'tfjs', label: 'TF.js model (.zip)', what: 'for the browser or Node' },
  { format: 'tflite', label: 'TFLite int8 (.tflite)', what: 'for TensorFlow Lite Micro' },
  {
    format: 'c-array',
    label: 'C array (.h + .cc)',
    what: 'the .tflite as model_data.h and model_data.cc for TensorFlow Lite Micro, zipped',
  },
  { format: 'report', label: 'Report (.json)', what: 'settings, figures and kept channels' },
];

/** Downloads of the finished, pruned network. */
export function ExportPanel() {
  const canExport = useStudio(selectCanExport);
  const pending = useStudio((s) => s.exports.pending);
  const requestExport = useStudio((s) => s.requestExport);
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
    </section>
  );
}
