import { lazy, Suspense, useId, useMemo, useState, type KeyboardEvent } from 'react';
import { selectSavedRuns } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { RESOURCE_NAMES, type ResourceName, type RunSummary } from '../worker/protocol';
import { useSeenOnce } from './useSeenOnce';
import { LoadBoundary } from './LoadBoundary';
import { formatStorage } from '../state/runRecords';
import {
  BUDGET_INPUT_UNITS,
  RESOURCE_LABELS,
  formatBytes,
  formatMs,
  formatPercent,
  budgetText,
  formatDateTime,
} from './format';
import { ScrollTable, num } from './ScrollTable';

const TRADEOFF_HEIGHT = 240;
/** recharts, loaded with this chart's module the first time the chart comes into view. */
const TradeoffScatter = lazy(() => import('./TradeoffScatter'));

/** Accuracy against one resource across saved runs: the trade-off front. */
function TradeoffChart({ runs }: { runs: RunSummary[] }) {
  const id = useId();
  const [plotRef, seen] = useSeenOnce<HTMLDivElement>();
  const resource = useLiveStudio((s) => s.view.tradeoffResource);
  const setResource = useLiveStudio((s) => s.setTradeoffResource);
  const { unit, scale } = BUDGET_INPUT_UNITS[resource];
  const data = useMemo(
    () =>
      runs.map((r) => ({
        x: r.resources[resource] / scale,
        y: r.validationAccuracy * 100,
        name: runLabel(r),
      })),
    [runs, resource, scale],
  );
  // Each run's uniform-width baseline, where one was trained: same budgets, same steps.
  const baselines = useMemo(
    () =>
      runs.flatMap((r) =>
        r.baseline
          ? [
              {
                x: r.baseline.resources[resource] / scale,
                y: r.baseline.accuracy * 100,
                name: `${runLabel(r)}: uniform width ×${r.baseline.ratio.toFixed(3)}`,
              },
            ]
          : [],
      ),
    [runs, resource, scale],
  );
  return (
    <figure className="chart-card" aria-labelledby={`${id}-title`} data-testid="tradeoff-chart">
      <div className="chart-head">
        <h3 id={`${id}-title`}>Accuracy vs {RESOURCE_LABELS[resource]}</h3>
        <span className="inline-field">
          <label htmlFor={`${id}-resource`}>Resource</label>
          <select
            id={`${id}-resource`}
            value={resource}
            onChange={(e) => setResource(e.target.value as ResourceName)}
          >
            {RESOURCE_NAMES.map((r) => (
              <option key={r} value={r}>
                {RESOURCE_LABELS[r]}
              </option>
            ))}
          </select>
        </span>
      </div>
      <div ref={plotRef} className="tradeoff-plot" style={{ minHeight: TRADEOFF_HEIGHT }}>
        {seen && (
          <LoadBoundary what="the saved runs' chart">
            <Suspense fallback={<p className="hint">Loading the chart…</p>}>
              <TradeoffScatter
                runs={data}
                baselines={baselines}
                xLabel={RESOURCE_LABELS[resource]}
                xUnit={unit}
                height={TRADEOFF_HEIGHT}
              />
            </Suspense>
          </LoadBoundary>
        )}
      </div>
    </figure>
  );
}

/** A run's name: the user's, else model, dataset and board. */
export function runLabel(r: RunSummary): string {
  return (
    r.name ?? `${r.modelName} ×${r.config.widthMultiplier} · ${r.datasetName} · ${r.boardName}`
  );
}

/** How much this site keeps in the browser (IndexedDB and the rest), and how many whole runs. */
function StorageUse({ whole }: { whole: number }) {
  const usage = useLiveStudio((s) => s.kept.usage);
  return (
    <p className="hint" data-testid="storage-use">
      {whole} run{whole === 1 ? '' : 's'} kept whole in this browser (IndexedDB).{' '}
      {usage
        ? `Site storage used: ${formatStorage(usage.used)} of ${formatStorage(usage.quota)} allowed.`
        : 'This browser does not say how much storage the site uses.'}
    </p>
  );
}

/** Opens a run file (downloaded from another browser, e.g. the teacher's). */
function ImportRun() {
  const id = useId();
  const importRun = useLiveStudio((s) => s.importRunFile);
  const active = useLiveStudio(
    (s) => s.run.status === 'starting' || s.run.status === 'running' || s.run.status === 'paused',
  );
  return (
    <p className="import-run">
      <label htmlFor={`${id}-file`}>Open a run file</label>{' '}
      <input
        id={`${id}-file`}
        type="file"
        accept=".zip,application/zip"
        disabled={active}
        data-testid="import-run-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void importRun(file, file.name);
          e.target.value = '';
        }}
      />
    </p>
  );
}

function RenameField({ run, onDone }: { run: RunSummary; onDone: () => void }) {
  const rename = useLiveStudio((s) => s.renameSavedRun);
  const [draft, setDraft] = useState(run.name ?? '');
  const save = () => {
    rename(run.id, draft);
    onDone();
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') save();
    if (e.key === 'Escape') onDone();
  };
  return (
    <span className="rename-field">
      <input
        type="text"
        value={draft}
        maxLength={120}
        aria-label={`New name for ${runLabel(run)}`}
        placeholder={runLabel({ ...run, name: undefined })}
        autoFocus
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKey}
      />
      <button type="button" className="secondary small" onClick={save}>
        Save name
      </button>
      <button type="button" className="secondary small" onClick={onDone}>
        Cancel
      </button>
    </span>
  );
}

/** Finished runs kept in this browser, with their settings and final figures. */
export function SavedRuns() {
  const runs = useLiveStudio(selectSavedRuns);
  const deleteRun = useLiveStudio((s) => s.deleteSavedRun);
  const clearRuns = useLiveStudio((s) => s.clearSavedRuns);
  const reopen = useLiveStudio((s) => s.reopenRun);
  const downloadRunFile = useLiveStudio((s) => s.downloadRunFile);
  const keptIds = useLiveStudio((s) => s.kept.ids);
  const shownId = useLiveStudio((s) => s.run.summary?.id);
  const active = useLiveStudio(
    (s) => s.run.status === 'starting' || s.run.status === 'running' || s.run.status === 'paused',
  );
  const [renaming, setRenaming] = useState<string | undefined>();
  const whole = runs.filter((r) => keptIds.includes(r.id)).length;
  return (
    <section className="panel saved-runs" aria-labelledby="saved-title">
      <div className="panel-head">
        <h2 id="saved-title">Saved runs</h2>
        {runs.length > 0 && (
          <button type="button" className="secondary small" onClick={clearRuns}>
            Delete all
          </button>
        )}
      </div>
      <StorageUse whole={whole} />
      <ImportRun />
      {runs.length === 0 ? (
        <p className="hint">Finished runs are listed here and kept in this browser.</p>
      ) : (
        <>
          <ScrollTable
            label="Saved runs table"
            tableClass="runs-table"
            testId="saved-runs-table"
            columns={[
              'Finished',
              'Run (model · dataset · board)',
              'Budgets',
              num(
                <>
                  Accuracy <span className="hint">(pruned, float, last step | int8)</span>
                </>,
              ),
              num('Flash'),
              num('RAM'),
              num('Latency'),
              <span className="visually-hidden">Actions</span>,
            ]}
          >
            {[...runs].reverse().map((r) => {
              const kept = keptIds.includes(r.id);
              const label = runLabel(r);
              return (
                <tr key={r.id} aria-current={r.id === shownId ? 'true' : undefined}>
                  <td>{formatDateTime(r.finishedAt)}</td>
                  <th scope="row">
                    {renaming === r.id ? (
                      <RenameField run={r} onDone={() => setRenaming(undefined)} />
                    ) : (
                      <>
                        {label}
                        {r.name && (
                          <span className="hint">
                            {' '}
                            ({r.modelName} · {r.datasetName} · {r.boardName})
                          </span>
                        )}
                        {r.id === shownId && <span className="hint"> (shown)</span>}
                        {!kept && <span className="hint"> (summary only)</span>}
                      </>
                    )}
                  </th>
                  <td>{budgetText(r)}</td>
                  <td className="num">
                    {formatPercent(r.validationAccuracy)}
                    {r.quantised && ` | ${formatPercent(r.quantised.int8Accuracy)}`}
                    {r.baseline && (
                      <span className="hint">
                        {' '}
                        (uniform width: {formatPercent(r.baseline.accuracy)})
                      </span>
                    )}
                  </td>
                  <td className="num">{formatBytes(r.resources.flash)}</td>
                  <td className="num">{formatBytes(r.resources.ram)}</td>
                  <td className="num">{formatMs(r.resources.latency)}</td>
                  <td className="run-actions">
                    <button
                      type="button"
                      className="secondary small"
                      disabled={!kept || active}
                      aria-label={`Reopen ${label}`}
                      title={kept ? undefined : 'Only the summary of this run is kept'}
                      onClick={() => void reopen(r.id)}
                    >
                      Reopen
                    </button>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={`Rename ${label}`}
                      onClick={() => setRenaming(r.id)}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      className="secondary small"
                      disabled={!kept}
                      aria-label={`Download ${label} as a run file`}
                      onClick={() => void downloadRunFile(r.id)}
                    >
                      Run file
                    </button>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={`Delete ${label} (finished ${r.finishedAt})`}
                      onClick={() => deleteRun(r.id)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </ScrollTable>
          <TradeoffChart runs={runs} />
        </>
      )}
    </section>
  );
}
