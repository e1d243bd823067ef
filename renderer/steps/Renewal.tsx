// Step 7: per offering, monthly active users against seats, trend, denials and the recommendation;
// the analyst sets the target quantity for the renewal.
import { useEffect, useMemo, useState } from 'react';
import { Save } from 'lucide-react';
import type { Output } from '../../analysis/api/contract';
import { api } from '../api/client';
import { useApp } from '../store';
import { ActiveVsSeats } from '../components/charts';
import { Card, Empty, ErrorBox, Loading, NeedsReview, PageHeader, Success, useLoad } from '../components/ui';
import { int, num } from '../format';

type Row = Output<'renewal.get'>[number];
const REC_LABEL: Record<Row['recommendation'], string> = { increase: 'Increase', reduce: 'Reduce', convert_to_flex: 'Convert to Flex', keep: 'Keep' };

export function RenewalStep() {
  const summary = useApp((s) => s.summary);
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  const r = useLoad(() => api('renewal.get', {}), [summary]);
  const [targets, setTargets] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (r.data) setTargets(Object.fromEntries(r.data.map((x) => [x.offering, x.target_quantity])));
  }, [r.data]);
  // Months before any usage at all predate the client's exports: drawn as zeros they would read as "nobody used it".
  const firstMonth = useMemo(() => {
    const used = (r.data ?? []).flatMap((x) => x.monthly.filter((m) => m.active_users > 0).map((m) => m.month)).sort();
    const allMonths = (r.data ?? []).flatMap((x) => x.monthly.map((m) => m.month)).sort();
    return used.length && used[0] !== allMonths[0] ? used[0]! : null;
  }, [r.data]);
  async function save() {
    setError(null);
    try {
      await api('renewal.setTargets', { targets });
      setSaved(true);
    } catch (e) {
      setError(`Target quantities were not saved: ${(e as Error).message}`);
    }
  }
  return (
    <div className="page">
      <PageHeader
        title="Renewal"
        lead="Per offering under contract: seats, how many people actually use it month by month, the trend, denials, and the engine's recommendation. Set the quantity to renew."
        actions={!readOnly && r.data && r.data.length > 0 ? <button type="button" className="btn primary" onClick={() => void save()}><Save size={16} aria-hidden /> Save target quantities</button> : undefined}
      />
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      {saved && <Success>Target quantities saved.</Success>}
      {!summary && <NeedsReview what="monthly active users against seats per offering and the recommendation" />}
      {summary && r.loading && !r.data && <Loading what="the renewal brief" />}
      {summary && r.error && <ErrorBox message={`Could not load the renewal brief: ${r.error}`} />}
      {summary && r.data && r.data.length === 0 && <Card><Empty title="No offerings under contract">Load the client's subscriptions export (Autodesk Account › Reporting › Subscriptions) on Load data and run the review again to see the renewal brief.</Empty></Card>}
      {summary && r.data && r.data.length > 0 && (
        <>
          <Card title="Renewal brief" id="brief">
            <div className="table-scroll">
              <table className="simple-table">
                <thead>
                  <tr>
                    <th scope="col">Offering</th>
                    <th scope="col" className="right">Seats</th>
                    <th scope="col" className="right">Assigned</th>
                    <th scope="col" className="right">Active users</th>
                    <th scope="col" className="right">Peak monthly</th>
                    <th scope="col" className="right">Trend</th>
                    <th scope="col" className="right">Denials</th>
                    <th scope="col">Recommendation</th>
                    <th scope="col" className="right">Target</th>
                  </tr>
                </thead>
                <tbody>
                  {r.data.map((x) => (
                    <tr key={x.offering}>
                      <td><div className="strong">{x.name}</div><div className="muted small mono">{x.offering}</div></td>
                      <td className="right num">{int(x.seats)}</td>
                      <td className="right num">{int(x.active_assignments)}</td>
                      <td className="right num">{int(x.active_users)}</td>
                      <td className="right num">{int(x.peak_monthly_active)}</td>
                      <td className="right num">{x.trend === null ? '—' : `×${num(x.trend)}`}</td>
                      <td className="right num">{int(x.true_denials)}</td>
                      <td><span className={`rec ${x.recommendation}`}>{REC_LABEL[x.recommendation]}</span><div className="muted small">{x.reason}</div></td>
                      <td className="right target-cell">
                        <input
                          className="cell-input num"
                          type="number"
                          min={0}
                          aria-label={`Target quantity for ${x.name}`}
                          value={targets[x.offering] ?? x.target_quantity}
                          disabled={readOnly}
                          onChange={(e) => { setTargets((t) => ({ ...t, [x.offering]: Math.max(0, Math.round(Number(e.target.value))) })); setSaved(false); }}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
          {firstMonth && <p className="muted small">Charts start at {firstMonth}, the first month with usage in any source; the lookback's earlier months hold no data to draw.</p>}
          <div className="grid-2">
            {r.data.map((x) => (
              <Card key={x.offering} title={x.name} id={`chart-${x.offering}`}>
                <ActiveVsSeats name={x.name} monthly={firstMonth ? x.monthly.filter((m) => m.month >= firstMonth) : x.monthly} />
              </Card>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
