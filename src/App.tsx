import { useEffect } from 'react';
import { selectUnloadWarning } from './state/selectors';
import { studioStore, useStudio } from './state/store';
import { BackendBadge } from './ui/BackendBadge';
import { BaselineComparison } from './ui/BaselineComparison';
import { BoardPanel } from './ui/BoardPanel';
import { BudgetPanel } from './ui/BudgetPanel';
import { ConfusionMatrix } from './ui/ConfusionMatrix';
import { DatasetPanel } from './ui/DatasetPanel';
import { ExportPanel } from './ui/ExportPanel';
import { FloatVsInt8 } from './ui/FloatVsInt8';
import { HowItWorks } from './ui/HowItWorks';
import { LargeTextToggle } from './ui/LargeTextToggle';
import { MemoryTimeline } from './ui/MemoryTimeline';
import { ModelPanel } from './ui/ModelPanel';
import { Notices } from './ui/Notices';
import { OfflineBadge } from './ui/OfflineBadge';
import { ResumeOffer } from './ui/ResumeOffer';
import { LiveCharts } from './ui/LiveCharts';
import { LiveStateProvider } from './ui/LiveState';
import { RunControls } from './ui/RunControls';
import { SavedRuns } from './ui/SavedRuns';
import { TrainingSettings } from './ui/TrainingSettings';

export function App() {
  const connect = useStudio((s) => s.connect);
  const applyHash = useStudio((s) => s.applyHash);
  const largeText = useStudio((s) => s.view.largeText);
  useEffect(() => connect(), [connect]);
  useEffect(() => {
    // A link pasted into the address bar of an open page: take its settings.
    const onHashChange = () => applyHash(window.location.hash);
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [applyHash]);
  useEffect(() => {
    // Ask before a reload or close would lose an unfinished run or an unsaved finished one.
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!selectUnloadWarning(studioStore.getState())) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);
  useEffect(() => {
    document.documentElement.classList.toggle('large-text', largeText);
  }, [largeText]);
  return (
    <div className="app">
      <a className="skip-link" href="#run-title">
        Skip to the run
      </a>
      <header className="app-header">
        <div className="brand">
          <h1>Pruning Studio</h1>
          <p className="tagline">
            Train a CNN in your browser and prune it to fit a microcontroller
          </p>
        </div>
        <div className="header-tools">
          <BackendBadge />
          <OfflineBadge />
          <LargeTextToggle />
        </div>
      </header>
      <Notices />
      <ResumeOffer />
      <main className="layout">
        <section className="setup" aria-labelledby="setup-title">
          <h2 id="setup-title" className="column-title">
            Set up
          </h2>
          <DatasetPanel />
          <ModelPanel />
          <BoardPanel />
          <BudgetPanel />
          <TrainingSettings />
        </section>
        <section className="results" aria-label="Run and results">
          <RunControls />
          <div className="chart-grid">
            <LiveCharts />
            <MemoryTimeline />
            <ConfusionMatrix />
            <FloatVsInt8 />
            <BaselineComparison />
          </div>
          <LiveStateProvider name="HowItWorks">
            <HowItWorks />
          </LiveStateProvider>
          <ExportPanel />
          <LiveStateProvider name="SavedRuns">
            <SavedRuns />
          </LiveStateProvider>
        </section>
      </main>
    </div>
  );
}
