import { useDeferredValue, useId } from 'react';
import { uploadLimitHint } from '../data/uploads/files';
import { DEFAULT_GENERATED, DEFAULT_TEXTURED, LIMITS, type GeneratedStyle } from '../state/config';
import { useStudio } from '../state/store';
import { selectDataset, selectIsRunActive } from '../state/selectors';
import type { UploadFormat } from '../worker/protocol';
import { DatasetPreview } from './DatasetPreview';
import { NumberField } from './NumberField';
import { StepPanel } from './StepPanel';
import { SelectField } from './SelectField';
import { formatCount } from './format';

const UPLOAD_FORMATS: { id: UploadFormat; label: string; folder: boolean; hint: string }[] = [
  {
    id: 'image-folder',
    label: 'Image folder',
    folder: true,
    hint: 'One sub-folder per class (e.g. cats/, dogs/) of PNG, JPEG, GIF, BMP or WebP images, or a .zip of such folders.',
  },
  {
    id: 'cifar10',
    label: 'CIFAR-10 binary',
    folder: false,
    hint: 'data_batch_*.bin and test_batch.bin files.',
  },
  {
    id: 'mnist-idx',
    label: 'MNIST IDX',
    folder: false,
    hint: 'The *-images-idx3-ubyte and *-labels-idx1-ubyte files.',
  },
  {
    id: 'wav-folder',
    label: 'WAV folder (audio)',
    folder: true,
    hint: 'One sub-folder per word of 1-second .wav clips; turned into MFCC features.',
  },
];

/** The generated dataset's fields, all whole numbers. */
const GENERATED_FIELDS = [
  { key: 'classes', label: 'Classes', limits: LIMITS.generatedClasses },
  { key: 'size', label: 'Image size (px)', limits: LIMITS.generatedSize },
  { key: 'samples', label: 'Samples', limits: LIMITS.generatedSamples },
  { key: 'seed', label: 'Data seed', limits: LIMITS.seed },
] as const;

const STYLE_OPTIONS = [
  { value: 'plain', label: 'Plain grey (easy)' },
  { value: 'textured', label: 'Textured colour (hard)' },
] as const;

function GeneratedOptions({ disabled }: { disabled: boolean }) {
  const id = useId();
  const dataset = useStudio((s) => s.config.dataset);
  const setOptions = useStudio((s) => s.setGeneratedOptions);
  if (dataset.kind !== 'generated') return null;
  return (
    <div className="field-grid">
      <SelectField
        id={`${id}-style`}
        label="Style"
        value={dataset.style ?? 'plain'}
        options={STYLE_OPTIONS}
        disabled={disabled}
        onChange={(v) => setOptions({ style: v as GeneratedStyle })}
      />
      {GENERATED_FIELDS.map(({ key, label, limits }) => (
        <NumberField
          key={key}
          label={label}
          value={dataset[key]}
          min={limits.min}
          max={limits.max}
          integer
          disabled={disabled}
          onCommit={(v) => setOptions({ [key]: v })}
        />
      ))}
    </div>
  );
}

function UploadOptions({ disabled }: { disabled: boolean }) {
  const id = useId();
  const dataset = useStudio((s) => s.config.dataset);
  const upload = useStudio((s) => s.upload);
  const setUpload = useStudio((s) => s.setUpload);
  const notify = useStudio((s) => s.notify);
  const format =
    dataset.kind === 'upload' ? dataset.format : (upload?.format ?? UPLOAD_FORMATS[0].id);
  const spec = UPLOAD_FORMATS.find((f) => f.id === format) ?? UPLOAD_FORMATS[0];
  const onFiles = (list: FileList | null) => {
    const files = [...(list ?? [])];
    if (files.length === 0) {
      notify('warning', 'No files were chosen.');
      return;
    }
    const first = files[0].webkitRelativePath.split('/')[0];
    setUpload({
      format,
      files: files.map((f) => ({ path: f.webkitRelativePath || f.name, file: f })),
      label: `${spec.folder && first ? first : files[0].name} (${files.length} file${files.length === 1 ? '' : 's'})`,
    });
  };
  return (
    <div className="upload">
      <label htmlFor={`${id}-format`}>File format</label>
      <select
        id={`${id}-format`}
        value={format}
        disabled={disabled}
        onChange={(e) =>
          setUpload({
            format: e.target.value as UploadFormat,
            files: [],
            label: 'no files chosen',
          })
        }
      >
        {UPLOAD_FORMATS.map((f) => (
          <option key={f.id} value={f.id}>
            {f.label}
          </option>
        ))}
      </select>
      <p className="hint" id={`${id}-hint`}>
        {spec.hint} {uploadLimitHint(spec.id)}
      </p>
      <label htmlFor={`${id}-files`}>{spec.folder ? 'Choose a folder' : 'Choose files'}</label>
      <input
        key={format}
        id={`${id}-files`}
        type="file"
        multiple
        disabled={disabled}
        aria-describedby={`${id}-hint`}
        ref={(el) => {
          // webkitdirectory is not in React's typings; it picks a whole folder.
          if (el && spec.folder) el.setAttribute('webkitdirectory', '');
        }}
        onChange={(e) => onFiles(e.target.files)}
      />
      {upload && upload.files.length > 0 && <p className="hint">Chosen: {upload.label}</p>}
    </div>
  );
}

/** The load in flight: how far it has got, and a way to stop it (the dataset in use stays). */
function DatasetLoading() {
  const progress = useStudio((s) => s.dataset.progress);
  const cancel = useStudio((s) => s.cancelDatasetLoad);
  const upload = useStudio((s) => s.config.dataset.kind === 'upload');
  const fraction =
    progress && progress.bytesTotal > 0 ? progress.bytesRead / progress.bytesTotal : undefined;
  const parts: string[] = [];
  if (progress && progress.files > 1) {
    parts.push(`${formatCount(progress.filesRead)} of ${formatCount(progress.files)} files read`);
  }
  if (progress && progress.imagesDecoded > 0) {
    parts.push(`${formatCount(progress.imagesDecoded)} images decoded`);
  }
  return (
    <div className="dataset-loading" data-testid="dataset-loading">
      <p className="hint">Loading the dataset…{parts.length > 0 && ` ${parts.join(', ')}.`}</p>
      {upload && (
        <>
          <progress
            max={1}
            value={fraction}
            aria-label="Dataset loading progress"
            data-testid="dataset-progress"
          />{' '}
          <button type="button" onClick={cancel}>
            Cancel loading
          </button>
        </>
      )}
    </div>
  );
}

function DatasetStatus() {
  const dataset = useStudio(selectDataset);
  const summary = dataset.summary;
  // The preview's pictures render in a background pass that yields to the page every few ms:
  // when the first dataset arrives as a run starts, they made a 50–80 ms task of it.
  const previewed = useDeferredValue(summary);
  return (
    <div className="dataset-status" aria-live="polite">
      {dataset.loading && <DatasetLoading />}
      {summary && (
        <>
          <p className="dataset-summary">
            <strong>{summary.name}</strong>: {summary.inputShape.join('×')} inputs,{' '}
            {summary.numClasses} classes, {formatCount(summary.trainCount)} training /{' '}
            {formatCount(summary.validationCount)} validation samples
          </p>
          {summary.warnings.map((w) => (
            <p key={w} className="hint warning-text">
              {w}
            </p>
          ))}
          {previewed && <DatasetPreview summary={previewed} />}
        </>
      )}
      {dataset.error && (
        <p className="error-text" data-testid="dataset-error">
          {dataset.error}
        </p>
      )}
    </div>
  );
}

/** Step 1: which data the network learns from. */
export function DatasetPanel() {
  const kind = useStudio((s) => s.config.dataset.kind);
  const setKind = useStudio((s) => s.setDatasetKind);
  const active = useStudio(selectIsRunActive);
  const choices = [
    { id: 'mnist', label: 'Built-in MNIST digits', hint: '28×28 handwritten digits, 10 classes' },
    {
      id: 'generated',
      label: 'Generated shapes',
      hint: `synthetic shapes: grey ${DEFAULT_GENERATED.size}×${DEFAULT_GENERATED.size} (instant) or colour ${DEFAULT_TEXTURED.size}×${DEFAULT_TEXTURED.size} on clutter`,
    },
    { id: 'upload', label: 'Your files', hint: 'images, CIFAR-10, MNIST IDX or WAV' },
  ] as const;
  return (
    <StepPanel name="dataset" step={1} title="Dataset">
      <fieldset className="choice-list" disabled={active}>
        <legend className="visually-hidden">Dataset source</legend>
        {choices.map((c) => (
          <label key={c.id} className="choice">
            <input
              type="radio"
              name="dataset-kind"
              value={c.id}
              checked={kind === c.id}
              onChange={() => setKind(c.id)}
            />
            <span>
              {c.label} <span className="hint">— {c.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {kind === 'generated' && <GeneratedOptions disabled={active} />}
      {kind === 'upload' && <UploadOptions disabled={active} />}
      <DatasetStatus />
    </StepPanel>
  );
}
