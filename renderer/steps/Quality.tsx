// Step 3: coverage before trusting findings: usage calendar per site, telemetry gaps, identities
// joined or left unmatched, disagreements between sources, unknown products.
import type { Output } from '../../analysis/api/contract';
import { api } from '../api/client';
import { useApp, useWarned } from '../store';
import { DataTable, type Column } from '../components/DataTable';
import { UsageHeatMap } from '../components/charts';
import { Card, Empty, ErrorBox, Loading, NeedsReview, PageHeader, Stat, useLoad } from '../components/ui';
import { date, int } from '../format';

type Q = Output<'quality.get'>;

const idCols: Column<Q['identities'][number]>[] = [
  { id: 'alias', header: 'Alias', value: (r) => r.alias, width: 'minmax(100px, 1fr)' },
  { id: 'user', header: 'Joined to', value: (r) => r.user, width: 'minmax(140px, 1.4fr)' },
  { id: 'method', header: 'How', value: (r) => r.method, width: 'minmax(90px, 0.6fr)' },
  { id: 'detail', header: 'Detail', value: (r) => r.detail, render: (r) => <span className="clamp2" title={r.detail ?? undefined}>{r.detail ?? '—'}</span>, width: 'minmax(160px, 1.6fr)' },
];
const unmatchedCols: Column<Q['unmatched'][number]>[] = [
  { id: 'alias', header: 'Alias', value: (r) => r.alias, width: 'minmax(160px, 1fr)' },
  { id: 'seen', header: 'Why, and where seen', value: (r) => r.seen_in, width: 'minmax(200px, 2fr)' },
];

/** The engine may hand a sentence ("site X: no usage at all for …") where the site goes; the table shows the site. */
function siteName(s: string): string {
  return /^site (\S+?):/.exec(s)?.[1] ?? s;
}

export function QualityStep() {
  const summary = useApp((s) => s.summary);
  const q = useLoad(() => api('quality.get', {}), [summary]);
  // The files loaded now, not the last review's list: after a removal the tiles agree with the calendar.
  const loaded = useLoad(() => api('sources.list', {}), [summary]);
  return (
    <div className="page">
      <PageHeader title="Data quality" lead="Check coverage before trusting the findings: where telemetry is missing an auditor assumes the worst case, and unmatched identities can hide or duplicate users." />
      {!summary ? (
        <NeedsReview what="the usage calendar per site, telemetry gaps and identity matches" />
      ) : (
        <>
          {(q.loading || loaded.loading) && !(q.data && loaded.data) && <Loading what="data quality" />}
          {(q.error || loaded.error) && <ErrorBox message={`Could not load data quality: ${q.error ?? loaded.error}. Run the review again on Load data, then come back.`} />}
          {q.data && loaded.data && <QualityBody q={q.data} sources={loaded.data} />}
        </>
      )}
    </div>
  );
}

function QualityBody({ q, sources }: { q: Q; sources: Output<'sources.list'> }) {
  const outsideWindow = useWarned('usage_outside_window');
  const rejected = sources.reduce((a, s) => a + s.rows_rejected, 0);
  const duplicates = sources.reduce((a, s) => a + s.rows_duplicate, 0);
  return (
    <>
      <div className="stats">
        <Stat label="Sources loaded" value={int(sources.length)} hint={`${int(sources.reduce((a, s) => a + s.rows_loaded, 0))} rows${duplicates ? `, ${int(duplicates)} duplicate ${duplicates === 1 ? 'row' : 'rows'} set aside` : ''}`} />
        <Stat label="Rows rejected" value={int(rejected)} tone={rejected ? 'warn' : undefined} hint={rejected ? 'Each with its line and reason, on Load data' : 'Every row read was loaded or a duplicate'} />
        <Stat label="Telemetry gaps" value={int(q.telemetry_gaps.length)} tone={q.telemetry_gaps.length ? 'bad' : 'good'} />
        <Stat label="Identities joined" value={int(q.identities.length)} hint={`${int(q.unmatched.length)} left unmatched`} tone={q.unmatched.length ? 'warn' : undefined} />
      </div>
      <Card title="Usage calendar per site" id="heatmap">
        <UsageHeatMap cells={q.heatmap} />
      </Card>
      <div className="grid-2">
        <Card title="Telemetry gaps" id="gaps">
          {q.telemetry_gaps.length === 0 ? (
            outsideWindow ? (
              <Empty title="No telemetry gaps found">See &ldquo;Check first&rdquo; above: the loaded usage may not cover the lookback.</Empty>
            ) : (
              <Empty title="No telemetry gaps">Every site reported usage on every stretch of days in the lookback.</Empty>
            )
          ) : (
            <table className="simple-table">
              <thead><tr><th scope="col">Site</th><th scope="col">From</th><th scope="col">To</th><th scope="col" className="right">Days</th></tr></thead>
              <tbody>
                {q.telemetry_gaps.map((g) => (
                  <tr key={`${g.site}${g.from}`}><td title={g.site}>{siteName(g.site)}</td><td className="num">{date(g.from)}</td><td className="num">{date(g.to)}</td><td className="right num">{int(g.days)}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Disagreements between sources" id="disagree">
          {q.disagreements.length === 0 ? (
            outsideWindow ? (
              <Empty title="No disagreements found">See &ldquo;Check first&rdquo; above: the loaded usage may not cover the lookback.</Empty>
            ) : (
              <Empty title="No disagreements">The sources agree on last use for every user.</Empty>
            )
          ) : (
            <ul className="list">
              {q.disagreements.slice(0, 200).map((d, i) => (
                <li key={i}><span className="strong">{d.user}</span> <span className="muted">{d.note}</span></li>
              ))}
            </ul>
          )}
          {q.unknown_products.length > 0 && (
            <>
              <h3>Products and offerings not in the catalogue</h3>
              <ul className="list">
                {q.unknown_products.map((u) => (
                  <li key={u.product_raw}><span className="mono">{u.product_raw}</span> <span className="muted num">{int(u.rows)} rows</span></li>
                ))}
              </ul>
            </>
          )}
        </Card>
      </div>
      <div className="grid-2">
        <Card title="Identities joined" id="identities">
          <DataTable label="Identities joined" rows={q.identities} columns={idCols} rowKey={(r) => `${r.alias}>${r.user}`} height={260} empty="No aliases needed joining." />
        </Card>
        <Card title="Identities left unmatched" id="unmatched">
          <DataTable label="Identities left unmatched" rows={q.unmatched} columns={unmatchedCols} rowKey={(r) => `${r.alias}|${r.seen_in}`} height={260} empty="Every alias was matched to a user." />
        </Card>
      </div>
    </>
  );
}
