import { selectLatestMetrics } from '../state/selectors';
import { useLiveStudio } from './LiveState';
import { explainBudgets, explainGroups, explainPhase } from './explain';

/** The method in four ideas, with the live numbers of the current run. */
export function HowItWorks() {
  const latest = useLiveStudio(selectLatestMetrics);
  return (
    <section className="panel how-it-works" aria-labelledby="how-title">
      <h2 id="how-title">How it works</h2>
      <dl className="concepts">
        <div>
          <dt>Size proportion π</dt>
          <dd>
            Each channel group (a layer&apos;s output channels, or layers joined by a residual add)
            keeps a share π of its channels: k = round(π · C).
          </dd>
        </div>
        <div>
          <dt>Importance</dt>
          <dd>
            How much the loss would grow without a channel: a running average of |∂L/∂m| for its
            mask m. Channels are ranked by it.
          </dd>
        </div>
        <div>
          <dt>Mask</dt>
          <dd>
            The k most important channels of a group pass (mask 1), the others are zeroed (mask 0)
            but keep training, so they can come back.
          </dd>
        </div>
        <div>
          <dt>Budget feedback λ</dt>
          <dd>
            For each budget, λ grows while the estimate is over it and shrinks once it fits; λ times
            the overshoot pushes π down against the task loss, which pushes it up.
          </dd>
        </div>
      </dl>
      <div className="live-explanation" data-testid="live-explanation" aria-live="off">
        <h3>In this run</h3>
        {latest ? (
          <ul>
            <li>{explainPhase(latest)}</li>
            {explainGroups(latest).map((line) => (
              <li key={line}>{line}</li>
            ))}
            {explainBudgets(latest).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : (
          <p className="hint">Live figures appear here once a run starts.</p>
        )}
      </div>
    </section>
  );
}
