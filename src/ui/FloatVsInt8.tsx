import { useStudio } from '../state/store';
import type { ConfusionEvaluation, Int8Comparison } from '../worker/protocol';
import { SampleCanvas } from './SampleCanvas';

type SamplePictures = ConfusionEvaluation['samples'];
import { ChartCard } from './ChartCard';
import { formatDelta, formatPercent, formatCount } from './format';
import { ScrollTable, num } from './ScrollTable';

const recall = (v: number | null) => (v === null ? '–' : formatPercent(v));

function Comparison({ c, pictures }: { c: Int8Comparison; pictures?: SamplePictures }) {
  const name = (k: number) => c.perClass[k]?.className ?? String(k);
  const worst = c.perClass.reduce<number | undefined>((w, k, i) => {
    if (k.floatRecall === null || k.int8Recall === null) return w;
    const d = k.int8Recall - k.floatRecall;
    if (d >= 0) return w;
    const wd = w === undefined ? 0 : c.perClass[w].int8Recall! - c.perClass[w].floatRecall!;
    return d < wd ? i : w;
  }, undefined);
  return (
    <>
      <dl className="run-figures" data-testid="float-int8-summary">
        <div>
          <dt>Float accuracy</dt>
          <dd data-testid="float-int8-float">{formatPercent(c.floatAccuracy)}</dd>
        </div>
        <div>
          <dt>Int8 accuracy</dt>
          <dd data-testid="float-int8-int8">{formatPercent(c.int8Accuracy)}</dd>
        </div>
        <div>
          <dt>Change</dt>
          <dd>{formatDelta(c.floatAccuracy, c.int8Accuracy)}</dd>
        </div>
        <div>
          <dt>Top class differs on</dt>
          <dd>
            {c.disagreements} of {formatCount(c.samples)} samples
          </dd>
        </div>
      </dl>
      <div className="insight-columns">
        <ScrollTable
          label="Recall per class, float and int8"
          testId="float-int8-classes"
          caption="Recall per class"
          columns={['Class', num('Samples'), num('Float'), num('Int8'), num('Change')]}
        >
          {c.perClass.map((k, i) => (
            <tr key={i} className={i === worst ? 'marked' : undefined}>
              <th scope="row">{k.className}</th>
              <td className="num">{k.samples}</td>
              <td className="num">{recall(k.floatRecall)}</td>
              <td className="num">{recall(k.int8Recall)}</td>
              <td className="num">
                {formatDelta(k.floatRecall, k.int8Recall)}
                {i === worst && <span className="tag">largest drop</span>}
              </td>
            </tr>
          ))}
        </ScrollTable>
        <ScrollTable
          label="Samples whose float and int8 outputs differ most"
          testId="float-int8-differences"
          caption="Largest output differences (changed top class first)"
          columns={['Sample', 'True', 'Float says (p true)', 'Int8 says (p true)', num('Max |Δp|')]}
        >
          {c.largestDifferences.length === 0 ? (
            <tr>
              <td colSpan={5}>The two models give the same outputs on every sample.</td>
            </tr>
          ) : (
            c.largestDifferences.map((d, i) => (
              <tr key={d.sample} className={d.floatClass !== d.int8Class ? 'marked' : undefined}>
                <th scope="row">
                  {pictures?.validationIndex[i] === d.sample && (
                    <SampleCanvas
                      samples={pictures}
                      index={i}
                      label={`Validation sample ${d.sample + 1}, true ${name(d.label)}`}
                    />
                  )}
                  #{d.sample + 1}
                </th>
                <td>{name(d.label)}</td>
                <td>
                  {name(d.floatClass)} ({d.floatProbability.toFixed(2)})
                </td>
                <td>
                  {name(d.int8Class)} ({d.int8Probability.toFixed(2)})
                  {d.floatClass !== d.int8Class && <span className="tag">changed</span>}
                </td>
                <td className="num">{d.maxDifference.toFixed(3)}</td>
              </tr>
            ))
          )}
        </ScrollTable>
      </div>
    </>
  );
}

/**
 * The exported int8 model next to its float original, on the same validation samples (with
 * TFLite Micro's arithmetic): accuracy, recall per class and the samples that differ most.
 */
export function FloatVsInt8() {
  const comparison = useStudio((s) => s.run.deployment?.comparison);
  const pictures = useStudio((s) => s.run.deployment?.differencePictures);
  return (
    <ChartCard
      id="float-int8"
      title="Float vs int8"
      description="What quantising to int8 costs: the exported .tflite (TFLite Micro's arithmetic) against its float original, on the same validation samples."
      empty={comparison ? undefined : 'Finish a run to compare its float and int8 models.'}
      wide
    >
      {comparison && <Comparison c={comparison} pictures={pictures} />}
    </ChartCard>
  );
}
