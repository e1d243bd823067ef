// Step 8: the four settlement scenarios side by side, recomputed by the engine as the assumption
// sliders move (scenarios.compute); the UI never re-implements the rules.
import { useEffect, useRef, useState } from 'react';
import { RotateCcw, Save } from 'lucide-react';
import type { Scenarios } from '../../analysis/model';
import type { ScenarioAssumptions } from '../../analysis/settings';
import { ScenarioSchema } from '../api/shared';
import { api, errorMessage } from '../api/client';
import { useApp } from '../store';
import { ScenarioChart } from '../components/charts';
import { Card, Empty, ErrorBox, Loading, NeedsReview, PageHeader, Success } from '../components/ui';
import { money } from '../format';

const SLIDERS: { key: keyof ScenarioAssumptions; label: string; max: number; step: number; hint: string }[] = [
  { key: 'negotiated_back_period_rate', label: 'Negotiated back-period rate', max: 2, step: 0.01, hint: 'Share of the back period paid when found at the annual review' },
  { key: 'audit_settlement_rate_low', label: 'Audit settlement rate (low)', max: 4, step: 0.01, hint: 'Back period at list price, negotiated audit' },
  { key: 'audit_settlement_rate_high', label: 'Audit settlement rate (high)', max: 4, step: 0.01, hint: '' },
  { key: 'no_cooperation_loading_low', label: 'No-cooperation loading (low)', max: 5, step: 0.01, hint: 'Legal and audit costs on top of the back period' },
  { key: 'no_cooperation_loading_high', label: 'No-cooperation loading (high)', max: 5, step: 0.01, hint: '' },
];

export function SettlementStep() {
  const settings = useApp((s) => s.settings);
  const summary = useApp((s) => s.summary);
  const refresh = useApp((s) => s.refresh);
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  const [a, setA] = useState<ScenarioAssumptions | null>(settings?.scenario ?? null);
  const [result, setResult] = useState<Scenarios | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const seq = useRef(0);
  const currency = settings?.currency ?? 'USD';

  useEffect(() => {
    if (settings && !a) setA(settings.scenario);
  }, [settings, a]);
  useEffect(() => {
    if (!a) return;
    const mine = ++seq.current;
    api('scenarios.compute', { assumptions: a }).then(
      (r) => mine === seq.current && (setResult(r), setError(null)),
      (e: unknown) => mine === seq.current && setError(`Could not compute the scenarios: ${errorMessage(e)}`),
    );
  }, [a]);

  if (!summary)
    return (
      <div className="page">
        <PageHeader title="Settlement" lead="What closing the gap register costs in four situations, from a quarterly self-review to an audit without cooperation." />
        <NeedsReview what="the four settlement scenarios for the gap register" />
      </div>
    );
  if (!a) return <Loading what="assumptions" />;
  const fmt = (n: number) => money(n, currency, { compact: true });
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
            <button type="button" className="btn subtle" onClick={() => { setA(ScenarioSchema.parse({})); setSaved(false); }}><RotateCcw size={16} aria-hidden /> Defaults</button>
            <button type="button" className="btn primary" onClick={() => void api('settings.update', { settings: { scenario: a } }).then(() => { setSaved(true); return refresh(); }, (e: unknown) => setError(errorMessage(e)))}><Save size={16} aria-hidden /> Save assumptions</button>
          </>
        )}
      />
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      {saved && <Success>Assumptions saved to the engagement; the workbook's Assumptions sheet uses them.</Success>}
      <div className="settlement">
        <Card title="Assumptions" id="assumptions">
          <div className="sliders">
            {SLIDERS.map((s) => (
              <div className="slider" key={s.key}>
                <div className="slider-top">
                  <label htmlFor={`sl-${s.key}`}>{s.label}</label>
                  <output htmlFor={`sl-${s.key}`} className="num">{a[s.key].toFixed(2)}</output>
                </div>
                <input id={`sl-${s.key}`} type="range" min={0} max={s.max} step={s.step} value={a[s.key]} disabled={readOnly} onChange={(e) => { setA({ ...a, [s.key]: Number(e.target.value) }); setSaved(false); }} />
                {s.hint && <div className="hint">{s.hint}</div>}
              </div>
            ))}
          </div>
        </Card>
        <Card title="Scenarios" id="scenarios">
          {!result ? <Loading what="scenarios" /> : rows.every((r) => r.high === 0) ? (
            <Empty title="Nothing to settle">The gap register is empty, so every scenario costs nothing. Check Data quality for telemetry gaps before relying on that.</Empty>
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
            </>
          )}
        </Card>
      </div>
    </div>
  );
}
