import { useMemo } from 'react';
import { selectLatestMetrics } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, NO_RUN_YET } from './ChartCard';
import { formatBytes, formatMacs, formatMs } from './format';

function argmax<T>(items: readonly T[], key: (t: T) => number): T | undefined {
  return items.reduce<T | undefined>(
    (best, t) => (best === undefined || key(t) > key(best) ? t : best),
    undefined,
  );
}

/** Per-operator figures of the pruned network, marking where flash, RAM and latency go. */
export function LayerBreakdown() {
  const latest = useLiveStudio(selectLatestMetrics);
  const layers = useMemo(() => latest?.layers ?? [], [latest]);
  const flashTop = useMemo(() => argmax(layers, (l) => l.flashBytes)?.node, [layers]);
  const latencyTop = useMemo(() => argmax(layers, (l) => l.latencyMs)?.node, [layers]);
  const totalFlash = layers.reduce((s, l) => s + l.flashBytes, 0);
  return (
    <ChartCard
      id="layer-breakdown"
      title="Per-layer breakdown"
      description="Each operator's flash, MACs, latency and live RAM; the RAM peak sets the tensor arena size."
      empty={layers.length === 0 ? NO_RUN_YET : undefined}
      wide
    >
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Per-layer figures table">
        <table className="layer-table">
          <thead>
            <tr>
              <th scope="col">Operator</th>
              <th scope="col">Type</th>
              <th scope="col" className="num">
                Flash
              </th>
              <th scope="col">Flash share</th>
              <th scope="col" className="num">
                MACs
              </th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col" className="num">
                Live RAM
              </th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {layers.map((l) => {
              const notes = [
                l.node === latest?.ramPeakNode && 'RAM peak',
                l.node === flashTop && 'most flash',
                l.node === latencyTop && 'slowest',
              ].filter(Boolean);
              const share = totalFlash > 0 ? l.flashBytes / totalFlash : 0;
              return (
                <tr key={l.node} className={notes.length > 0 ? 'marked' : undefined}>
                  <th scope="row">{l.node}</th>
                  <td>{l.op}</td>
                  <td className="num">{formatBytes(l.flashBytes)}</td>
                  <td>
                    <span className="share-bar" aria-hidden="true">
                      <span style={{ width: `${Math.round(share * 100)}%` }} />
                    </span>
                    <span className="visually-hidden">{Math.round(share * 100)}%</span>
                  </td>
                  <td className="num">{formatMacs(l.macs)}</td>
                  <td className="num">{formatMs(l.latencyMs)}</td>
                  <td className="num">{formatBytes(l.liveBytes)}</td>
                  <td>
                    {notes.map((n) => (
                      <span key={String(n)} className="tag">
                        {n}
                      </span>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </ChartCard>
  );
}
