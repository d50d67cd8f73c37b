import { ImportanceChart } from './ImportanceChart';
import { LayerBreakdown } from './LayerBreakdown';
import { LiveStateProvider } from './LiveState';
import { PiChart } from './PiChart';
import { ResourceCharts } from './ResourceCharts';
import { TrainingChart } from './TrainingChart';

/**
 * The charts that follow a run as it trains, each redrawn in its own task under its name
 * (see LiveState); items of the page's chart grid.
 */
export function LiveCharts() {
  return (
    <>
      <LiveStateProvider name="PiChart">
        <PiChart />
      </LiveStateProvider>
      <LiveStateProvider name="ImportanceChart">
        <ImportanceChart />
      </LiveStateProvider>
      {/* Its three small charts redraw under providers of their own. */}
      <ResourceCharts />
      <LiveStateProvider name="TrainingChart">
        <TrainingChart />
      </LiveStateProvider>
      <LiveStateProvider name="LayerBreakdown">
        <LayerBreakdown />
      </LiveStateProvider>
    </>
  );
}
