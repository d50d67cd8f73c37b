import { useMemo } from 'react';
import { selectLatestMetrics } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { ChartCard, NO_RUN_YET, SERIES_COLOURS } from './ChartCard';
import { flashSegments } from './flashStack';
import { formatBytes, formatMacs, formatMs } from './format';
import { layerRowId } from './MemoryTimeline';
import { ScrollTable, num } from './ScrollTable';

/** Flash per operator as one stacked bar, with a legend that reads as text. */
function FlashStack({ segments }: { segments: ReturnType<typeof flashSegments> }) {
  const colour = (i: number, overhead: boolean) =>
    overhead ? '#8a919c' : SERIES_COLOURS[i % SERIES_COLOURS.length];
  return (
    <div className="flash-stack" data-testid="flash-stack">
      <h4>Flash per layer</h4>
      <div className="flash-bar" aria-hidden="true">
        {segments.map((s, i) => (
          <span
            key={s.name}
            title={`${s.name}: ${formatBytes(s.bytes)}`}
            style={{ width: `${s.share * 100}%`, background: colour(i, s.overhead) }}
          />
        ))}
      </div>
      <ul className="flash-legend">
        {segments.map((s, i) => (
          <li key={s.name}>
            <span
              className="swatch"
              style={{ background: colour(i, s.overhead) }}
              aria-hidden="true"
            />
            {s.name}: {formatBytes(s.bytes)} ({(s.share * 100).toFixed(1)}%)
          </li>
        ))}
      </ul>
    </div>
  );
}

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
  const segments = useMemo(
    () => flashSegments(layers, latest?.resources.flash ?? 0),
    [layers, latest],
  );
  // The exported model's arena peak (memory timeline), once the run has finished.
  const arenaPeak = useLiveStudio((s) =>
    s.view.replayStep === undefined ? s.run.deployment?.facts.arena.peakOperator : undefined,
  );
  return (
    <ChartCard
      id="layer-breakdown"
      title="Per-layer breakdown"
      description="Each operator's flash, MACs, latency and live RAM; the RAM peak sets the tensor arena size."
      empty={layers.length === 0 ? NO_RUN_YET : undefined}
      wide
    >
      {segments.length > 0 && <FlashStack segments={segments} />}
      <ScrollTable
        label="Per-layer figures table"
        tableClass="layer-table"
        columns={[
          'Operator',
          'Type',
          num('Flash'),
          'Flash share',
          num('MACs'),
          num('Latency'),
          num('Live RAM'),
          'Note',
        ]}
      >
        {layers.map((l) => {
          const notes = [
            l.node === latest?.ramPeakNode && 'RAM peak',
            l.node === flashTop && 'most flash',
            l.node === latencyTop && 'slowest',
          ].filter(Boolean);
          const share = totalFlash > 0 ? l.flashBytes / totalFlash : 0;
          return (
            <tr
              key={l.node}
              id={layerRowId(l.node)}
              className={notes.length > 0 || l.node === arenaPeak ? 'marked' : undefined}
            >
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
                {l.node === arenaPeak && (
                  <a href="#memory-timeline-title" className="tag" data-testid="arena-peak-link">
                    arena peak: see memory timeline
                  </a>
                )}
              </td>
            </tr>
          );
        })}
      </ScrollTable>
    </ChartCard>
  );
}
