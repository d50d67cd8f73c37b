import { useEffect } from 'react';
import { useStudio } from './state/store';
import { BackendBadge } from './ui/BackendBadge';

export function App() {
  const connect = useStudio((s) => s.connect);
  useEffect(() => connect(), [connect]);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Pruning Studio</h1>
        <BackendBadge />
      </header>
      <main />
    </div>
  );
}
