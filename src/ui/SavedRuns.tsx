import { useId, useMemo } from 'react';
import {
  CartesianGrid,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { selectSavedRuns } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { RESOURCE_NAMES, type ResourceName, type RunSummary } from '../worker/protocol';
import { KEPT_COLOUR } from './ChartCard';
import {
  BUDGET_INPUT_UNITS,
  RESOURCE_LABELS,
  formatBytes,
  formatMs,
  formatPercent,
  formatResource,
} from './format';

function budgetText(run: RunSummary): string {
  const parts = RESOURCE_NAMES.filter((r) => run.config.budgets[r] !== undefined).map(
    (r) => `${RESOURCE_LABELS[r]} ≤ ${formatResource(r, run.config.budgets[r] as number)}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'no budgets';
}

/** Accuracy against one resource across saved runs: the trade-off front. */
function TradeoffChart({ runs }: { runs: RunSummary[] }) {
  const id = useId();
  const resource = useLiveStudio((s) => s.view.tradeoffResource);
  const setResource = useLiveStudio((s) => s.setTradeoffResource);
  const { unit, scale } = BUDGET_INPUT_UNITS[resource];
  const data = useMemo(
    () =>
      runs.map((r) => ({
        x: r.resources[resource] / scale,
        y: r.validationAccuracy * 100,
        name: `${r.modelName} on ${r.boardName}`,
      })),
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
      <ResponsiveContainer width="100%" height={240}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid stroke="#e3e6ea" />
          <XAxis
            type="number"
            dataKey="x"
            name={RESOURCE_LABELS[resource]}
            unit={` ${unit}`}
            tickFormatter={(v: number) => String(Number(v.toPrecision(3)))}
          />
          <YAxis type="number" dataKey="y" name="validation accuracy" unit="%" width={52} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toPrecision(4) : String(v))} />
          <Scatter data={data} fill={KEPT_COLOUR} isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Finished runs kept in this browser, with their settings and final figures. */
export function SavedRuns() {
  const runs = useLiveStudio(selectSavedRuns);
  const deleteRun = useLiveStudio((s) => s.deleteSavedRun);
  const clearRuns = useLiveStudio((s) => s.clearSavedRuns);
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
      {runs.length === 0 ? (
        <p className="hint">Finished runs are listed here and kept in this browser.</p>
      ) : (
        <>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Saved runs table">
            <table className="runs-table" data-testid="saved-runs-table">
              <thead>
                <tr>
                  <th scope="col">Finished</th>
                  <th scope="col">Model · dataset · board</th>
                  <th scope="col">Budgets</th>
                  <th scope="col" className="num">
                    Accuracy
                  </th>
                  <th scope="col" className="num">
                    Flash
                  </th>
                  <th scope="col" className="num">
                    RAM
                  </th>
                  <th scope="col" className="num">
                    Latency
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...runs].reverse().map((r) => (
                  <tr key={r.id}>
                    <td>{new Date(r.finishedAt).toLocaleString('en-GB')}</td>
                    <th scope="row">
                      {r.modelName} ×{r.config.widthMultiplier} · {r.datasetName} · {r.boardName}
                    </th>
                    <td>{budgetText(r)}</td>
                    <td className="num">{formatPercent(r.validationAccuracy)}</td>
                    <td className="num">{formatBytes(r.resources.flash)}</td>
                    <td className="num">{formatBytes(r.resources.ram)}</td>
                    <td className="num">{formatMs(r.resources.latency)}</td>
                    <td>
                      <button
                        type="button"
                        className="secondary small"
                        aria-label={`Delete the run of ${r.modelName} finished ${r.finishedAt}`}
                        onClick={() => deleteRun(r.id)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <TradeoffChart runs={runs} />
        </>
      )}
    </section>
  );
}
