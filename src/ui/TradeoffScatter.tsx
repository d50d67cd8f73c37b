/**
 * The saved runs' trade-off scatter, drawn with recharts. Its own module so that the page loads
 * recharts (and its store, d3 scales and text measuring) only when this chart is first shown:
 * mounting it cost the page a 100 ms task at the end of every run
 * (bench/results/main-thread-profile.md), and most runs finish with it out of view.
 */
import {
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { BUDGET_COLOUR, KEPT_COLOUR } from './ChartCard';

export interface TradeoffPoint {
  x: number;
  y: number;
  name: string;
}

export interface TradeoffScatterProps {
  runs: TradeoffPoint[];
  baselines: TradeoffPoint[];
  /** The x axis: the resource's label and its unit. */
  xLabel: string;
  xUnit: string;
  height: number;
}

export default function TradeoffScatter({
  runs,
  baselines,
  xLabel,
  xUnit,
  height,
}: TradeoffScatterProps) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
        <CartesianGrid stroke="#e3e6ea" />
        <XAxis
          type="number"
          dataKey="x"
          name={xLabel}
          unit={` ${xUnit}`}
          tickFormatter={(v: number) => String(Number(v.toPrecision(3)))}
        />
        <YAxis type="number" dataKey="y" name="validation accuracy" unit="%" width={52} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? v.toPrecision(4) : String(v))} />
        <Scatter
          name="pruned while training"
          data={runs}
          fill={KEPT_COLOUR}
          isAnimationActive={false}
        />
        {baselines.length > 0 && (
          <Scatter
            name="uniform-width baseline"
            data={baselines}
            fill={BUDGET_COLOUR}
            shape="triangle"
            isAnimationActive={false}
          />
        )}
        {baselines.length > 0 && <Legend verticalAlign="top" height={24} />}
      </ScatterChart>
    </ResponsiveContainer>
  );
}
