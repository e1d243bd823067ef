// Step 8: the four settlement scenarios side by side, recomputed by the engine as the assumption
// sliders move (scenarios.compute); the UI never re-implements the rules.
import { useEffect, useRef, useState } from 'react';
import { RotateCcw, Save } from 'lucide-react';
import type { Scenarios } from '../../analysis/model';
import type { ScenarioAssumptions } from '../../analysis/settings';
import { ScenarioSchema } from '../api/shared';
import { api, errorMessage } from '../api/client';
import { useApp, useWarned } from '../store';
import { ScenarioChart } from '../components/charts';
import { Card, Empty, ErrorBox, Loading, NeedsReview, PageHeader, Success } from '../components/ui';
import { money } from '../format';

type Key = keyof ScenarioAssumptions;
/** The same assumptions (every rate equal). */
const sameRates = (x: ScenarioAssumptions, y: ScenarioAssumptions) => (Object.keys(y) as (keyof ScenarioAssumptions)[]).every((k) => x[k] === y[k]);
/** A rate as the engine holds it: two decimals at least, three when it has them (0.464, not 0.46). */
const rate = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 3 });
const SLIDERS: { key: Key; label: string; max: number; step: number; hint: string }[] = [
  { key: 'negotiated_back_period_rate', label: 'Negotiated back-period rate', max: 2, step: 0.01, hint: 'Share of the back period paid when found at the annual review' },
  { key: 'audit_settlement_rate_low', label: 'Audit settlement rate (low)', max: 4, step: 0.01, hint: 'Back period at list price, negotiated audit' },
  { key: 'audit_settlement_rate_high', label: 'Audit settlement rate (high)', max: 4, step: 0.01, hint: '' },
  { key: 'no_cooperation_loading_low', label: 'No-cooperation loading (low)', max: 5, step: 0.01, hint: 'Legal and audit costs on top of the back period' },
  { key: 'no_cooperation_loading_high', label: 'No-cooperation loading (high)', max: 5, step: 0.01, hint: '' },
];
/** Each range's low end may not pass its high end (a low above the high draws a range upside down). */
const PAIRS: { low: Key; high: Key; what: string }[] = [
  { low: 'audit_settlement_rate_low', high: 'audit_settlement_rate_high', what: 'audit settlement rate' },
  { low: 'no_cooperation_loading_low', high: 'no_cooperation_loading_high', what: 'no-cooperation loading' },
];
/** A slider's value kept on its side of its pair, and what to say when it was stopped there. */
function bounded(a: ScenarioAssumptions, key: Key, v: number): { value: number; note: string | null } {
  for (const p of PAIRS) {
    if (key === p.low && v > a[p.high]) return { value: a[p.high], note: `The low ${p.what} stops at the high one (${rate(a[p.high])}). Raise the high ${p.what} first.` };
    if (key === p.high && v < a[p.low]) return { value: a[p.low], note: `The high ${p.what} stops at the low one (${rate(a[p.low])}). Lower the low ${p.what} first.` };
  }
  return { value: v, note: null };
}

export function SettlementStep() {
  const settings = useApp((s) => s.settings);
  const summary = useApp((s) => s.summary);
  const cannotJudge = useWarned('usage_outside_window', 'no_subscriptions');
  const refresh = useApp((s) => s.refresh);
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  // What is being tried lives in the store, so leaving the step and coming back keeps it (until saved or
  // the engagement is closed); the saved assumptions stay what the headline and the workbook use.
  const draft = useApp((s) => s.scenarioDraft);
  const setDraft = useApp((s) => s.setScenarioDraft);
  const a = draft ?? settings?.scenario ?? null;
  const setA = (next: ScenarioAssumptions) => setDraft(settings && sameRates(next, settings.scenario) ? null : next);
  const [result, setResult] = useState<Scenarios | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [notes, setNotes] = useState<Partial<Record<Key, string>>>({});
  const seq = useRef(0);
  const currency = settings?.currency ?? 'USD';

  useEffect(() => {
    if (!a) return;
    const mine = ++seq.current;
    api('scenarios.compute', { assumptions: a }).then(
      (r) => mine === seq.current && (setResult(r), setError(null)),
      (e: unknown) => mine === seq.current && setError(`Could not compute the scenarios: ${errorMessage(e)}`),
    );
  }, [a]);
  const unsaved = draft !== null && settings !== null && !sameRates(draft, settings.scenario);

  if (!summary)
    return (
      <div className="page">
        <PageHeader title="Settlement" lead="What closing the gap register costs in four situations, from a quarterly self-review to an audit without cooperation." />
        <NeedsReview what="the four settlement scenarios for the gap register" />
      </div>
    );
  if (!a) return <Loading what="assumptions" />;
  const fmt = (n: number) => money(n, currency, { compact: true });
  // Assumptions saved before the sliders were bounded may still hold a low above its high.
  const crossed = PAIRS.filter((p) => a[p.low] > a[p.high]);
  const rows = result
    ? [
        { label: 'Self-review, best', low: result.self_review_best, high: result.self_review_best, what: 'Gap found in a quarterly review and closed at once' },
        { label: 'Self-review, typical', low: result.self_review_typical, high: result.self_review_typical, what: 'Found at the annual review, back period negotiated' },
        { label: 'Audit, negotiated', low: result.audit_negotiated_low, high: result.audit_negotiated_high, what: 'Audit, settled by negotiation' },
        { label: 'Audit, no cooperation', low: result.audit_no_cooperation_low, high: result.audit_no_cooperation_high, what: 'List-price remediation, back period plus legal and audit costs' },
      ]
    : [];
  return (
    <div className="page">
      <PageHeader
        title="Settlement"
        lead="What closing the gap register costs in four situations, from a quarterly self-review to an audit without cooperation. Move the assumptions; the engine recomputes the totals."
        actions={!readOnly && (
          <>
            <button type="button" className="btn subtle" onClick={() => { setA(ScenarioSchema.parse({})); setNotes({}); setSaved(false); }}><RotateCcw size={16} aria-hidden /> Defaults</button>
            <button type="button" className="btn primary" disabled={crossed.length > 0} title={crossed.length ? 'Put each low value at or below its high value first' : undefined} onClick={() => void api('settings.update', { settings: { scenario: a } }).then(async () => { setSaved(true); await refresh(); setDraft(null); }, (e: unknown) => setError(errorMessage(e)))}><Save size={16} aria-hidden /> Save assumptions</button>
          </>
        )}
      />
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      {crossed.length > 0 && <ErrorBox message={`The saved ${crossed.map((p) => p.what).join(' and ')} ${crossed.length === 1 ? 'has its' : 'have their'} low value above the high value. Move the sliders so each low is at or below its high, then save.`} />}
      {saved && !unsaved && <Success>Assumptions saved to the engagement; the workbook's Assumptions sheet uses them.</Success>}
      {unsaved && (
        <div className="alert info" role="status" aria-label="Unsaved assumptions">
          <div className="alert-body">
            These assumptions are being tried and are not saved: the headline, the workbook and the pack use the saved ones. They stay here while you visit other steps; Save assumptions keeps them, Revert goes back.
            <div className="actions-row">
              <button type="button" className="btn" onClick={() => { setDraft(null); setNotes({}); }}><RotateCcw size={16} aria-hidden /> Revert to the saved assumptions</button>
            </div>
          </div>
        </div>
      )}
      <div className="settlement">
        <Card title="Assumptions" id="assumptions">
          <div className="sliders">
            {SLIDERS.map((s, i) => (
              <div className="slider" key={s.key}>
                <div className="slider-top">
                  <label htmlFor={`sl-${s.key}`}>{s.label}</label>
                  <output htmlFor={`sl-${s.key}`} className="num">{rate(a[s.key])}</output>
                </div>
                <input
                  id={`sl-${s.key}`}
                  // Revert or Save taken away under the focus: it goes on at the first assumption, not the page's top.
                  data-rescue={i === 0 || undefined}
                  type="range"
                  min={0}
                  max={s.max}
                  step={s.step}
                  value={a[s.key]}
                  disabled={readOnly}
                  aria-describedby={notes[s.key] ? `sl-${s.key}-note` : undefined}
                  onChange={(e) => {
                    const { value, note } = bounded(a, s.key, Number(e.target.value));
                    setA({ ...a, [s.key]: value });
                    setNotes(note ? { [s.key]: note } : {});
                    setSaved(false);
                  }}
                />
                {notes[s.key] ? <div id={`sl-${s.key}-note`} className="field-note info" role="status">{notes[s.key]}</div> : s.hint && <div className="hint">{s.hint}</div>}
              </div>
            ))}
          </div>
        </Card>
        <Card title="Scenarios" id="scenarios">
          {!result ? <Loading what="scenarios" /> : rows.every((r) => r.high === 0) ? (
            cannotJudge ? (
              <Empty title="Nothing to settle on this data">See &ldquo;Check first&rdquo; above: with no usage in the window or no contract loaded, an empty gap register says nothing about what an audit would cost.</Empty>
            ) : (
              <Empty title="Nothing to settle">The gap register is empty, so every scenario costs nothing. Check Data quality for telemetry gaps before relying on that.</Empty>
            )
          ) : (
            <>
              <ScenarioChart bars={rows} format={fmt} />
              <table className="simple-table" aria-label="Settlement scenarios">
                <thead><tr><th scope="col">Scenario</th><th scope="col" className="right">Low</th><th scope="col" className="right">High</th></tr></thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.label}>
                      <th scope="row"><div className="strong">{r.label}</div><div className="muted small">{r.what}</div></th>
                      <td className="right num">{money(r.low, currency)}</td>
                      <td className="right num">{money(r.high, currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <DisputedNote currency={currency} />
            </>
          )}
        </Card>
      </div>
    </div>
  );
}

/**
 * The scenarios price the whole gap register, as an auditor would until a dispute is accepted: what of it the analyst
 * disputes is said beside them, so a settlement figure is never read as having left a disputed line out (or in) unseen.
 */
function DisputedNote({ currency }: { currency: string }) {
  const findings = useApp((s) => s.findings);
  const decisions = useApp((s) => s.decisions);
  const gaps = (findings ?? []).filter((f) => f.family === 'gap');
  const disputed = gaps.filter((f) => decisions.get(f.finding_id)?.action === 'dispute');
  if (disputed.length === 0) return null;
  const value = disputed.reduce((a, f) => a + f.annual_value, 0);
  return (
    <p className="muted small" role="note">
      {disputed.length} of {gaps.length} gap lines ({money(value, currency)} a year) {disputed.length === 1 ? 'is' : 'are'} disputed. The scenarios include {disputed.length === 1 ? 'it' : 'them'}, as an auditor would until the dispute is accepted; the justification of each is on the Decisions sheet of the workbook.
    </p>
  );
}
