// Step 9: write the workbook and the evidence pack (and say exactly where they went); compare with
// last quarter's engagement: findings new, resolved and still open.
import { useEffect, useMemo, useState } from 'react';
import { FileSpreadsheet, FolderOpen, GitCompare, PackageCheck } from 'lucide-react';
import { api, errorMessage, shell } from '../api/client';
import { useApp, type Comparison } from '../store';
import { DECISION_LABELS } from '../api/shared';
import { describeFinding } from '../components/Findings';
import { Card, Empty, ErrorBox, Loading, PageHeader, ProgressBar, Stat, Success, useJob, useLoad } from '../components/ui';
import { carriedText, date, dueText, int, money } from '../format';

export function ExportStep() {
  const info = useApp((s) => s.info);
  const summary = useApp((s) => s.summary);
  const setStep = useApp((s) => s.setStep);
  const desktop = shell();
  const [dir, setDir] = useState('');
  // In the store: a write goes on (and can be cancelled) while the analyst visits other steps.
  const job = useApp((s) => s.exportJob);
  const event = useJob(job?.id ?? null);
  const { workbook, pack, error } = useApp((s) => s.exported);
  const writeDeliverable = useApp((s) => s.writeDeliverable);
  const dismissError = useApp((s) => s.dismissExportError);
  const cmp = useApp((s) => s.comparison);
  const setCmp = useApp((s) => s.setComparison);
  const [prevPath, setPrevPath] = useState(cmp?.path ?? '');
  const [comparing, setComparing] = useState(false);
  const recent = useLoad(() => api('engagement.recent', {}), []);
  // Only what a comparison can be made with: this client's earlier quarters that have been reviewed.
  const asOf = summary?.as_of ?? info?.as_of ?? null;
  const others = (recent.data ?? []).filter(
    (r) => r.path !== info?.path && r.headline !== null && r.client.trim().toLowerCase() === (info?.client ?? '').trim().toLowerCase() && (!asOf || (r.as_of !== null && r.as_of < asOf)),
  );
  const defaultDir = info ? `${info.folder}/exports` : 'the engagement\'s exports folder';

  const run = (what: 'workbook' | 'pack') => void writeDeliverable(what, dir.trim() || undefined, defaultDir);

  // A refused comparison is said next to its field, not at the top of the page.
  const [compareError, setCompareError] = useState<string | null>(null);
  async function compare(path: string) {
    if (!path.trim()) return;
    setCompareError(null);
    // A new comparison replaces the last one, also when it fails: no old result stays under a new error.
    setCmp(null);
    setComparing(true);
    try {
      setCmp({ ...(await api('compare.previous', { path: path.trim() })), path: path.trim() });
      if (info) localStorage.setItem(compareKey(info.path), path.trim());
    } catch (e) {
      // The engine's sentence names the file already.
      setCompareError(`Could not compare: ${errorMessage(e)}`);
      // Not offered again on arrival once refused (moved, or no longer earlier).
      if (info && localStorage.getItem(compareKey(info.path)) === path.trim()) localStorage.removeItem(compareKey(info.path));
    } finally {
      setComparing(false);
    }
  }

  // The engagement compared with last time it was open: compared again on arrival, as the analyst left it.
  const remembered = info && !cmp && summary ? localStorage.getItem(compareKey(info.path)) : null;
  useEffect(() => {
    if (remembered) {
      setPrevPath(remembered);
      void compare(remembered);
    }
    // Once per engagement opened: compare() is not a dependency (it would run again on every render).
  }, [remembered]);

  return (
    <div className="page">
      <PageHeader title="Export" lead="Write the Excel workbook for finance and the signed, read-only evidence pack for auditors; compare with last quarter's engagement to see what is new, resolved and still open." />
      {error && <ErrorBox message={error} onDismiss={dismissError} />}
      {!summary ? (
        <Card>
          <Empty title="Nothing to export yet" action={<button type="button" className="btn primary" onClick={() => setStep('load')}>Go to Load data</button>}>
            Load the client's files and run the review first; the workbook and the evidence pack hold its findings and your decisions.
          </Empty>
        </Card>
      ) : (
        <>
          <Card title="Write the deliverables" id="write">
            <div className="field">
              <label htmlFor="export-dir">Output folder</label>
              <div className="inline-form">
                <input id="export-dir" value={dir} onChange={(e) => setDir(e.target.value)} placeholder={defaultDir} />
                {desktop && (
                  <button type="button" className="btn" onClick={() => void desktop.pickExportFolder().then((d) => d && setDir(d))}>
                    <FolderOpen size={16} aria-hidden /> Choose folder…
                  </button>
                )}
              </div>
              <div className="hint">Leave empty to write into <span className="mono">{defaultDir}</span>.</div>
            </div>
            <div className="button-row">
              <button type="button" className="btn primary" data-rescue disabled={job !== null} onClick={() => run('workbook')}><FileSpreadsheet size={16} aria-hidden /> Write workbook</button>
              <button type="button" className="btn primary" disabled={job !== null} onClick={() => run('pack')}><PackageCheck size={16} aria-hidden /> Write evidence pack</button>
            </div>
            {job && <ProgressBar label={job.what === 'workbook' ? 'Writing the workbook' : 'Writing the evidence pack'} event={event} onCancel={() => void api('job.cancel', { jobId: job.id })} />}
            {workbook && <Success>Workbook written to <span className="mono">{workbook}</span></Success>}
            {pack && <Success>Evidence pack written to <span className="mono">{pack.path}</span><br />Signing key fingerprint <span className="mono">SHA256:{pack.fingerprint}</span>: give it to the auditor separately from the folder.</Success>}
          </Card>
          <Card title="Compare with last quarter" id="compare">
            <p className="muted">Choose last quarter's engagement of {info?.client ?? 'this client'}; findings are matched by their stable ids, and last quarter's decisions can be carried over to the findings still open.</p>
            {desktop ? (
              <button type="button" className="btn" disabled={comparing} onClick={() => void desktop.pickPreviousEngagement().then((p) => (p ? compare(p) : undefined))}>
                <GitCompare size={16} aria-hidden /> Choose last quarter's engagement…
              </button>
            ) : (
              <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void compare(prevPath); }}>
                <input
                  aria-label="Last quarter's engagement file"
                  placeholder="/path/to/last-quarter.lrtw"
                  value={prevPath}
                  onChange={(e) => setPrevPath(e.target.value)}
                  aria-invalid={compareError ? true : undefined}
                  aria-describedby={compareError ? 'compare-error' : undefined}
                />
                <button type="submit" className="btn" disabled={!prevPath.trim() || comparing}><GitCompare size={16} aria-hidden /> Compare</button>
              </form>
            )}
            {others.length > 0 && (
              <div className="chips">
                <span className="muted small">Recent engagements:</span>
                {others.slice(0, 6).map((r) => (
                  <button key={r.path} type="button" className="chip" disabled={comparing} title={r.path} onClick={() => { setPrevPath(r.path); void compare(r.path); }}>
                    {r.client}{r.as_of ? ` · ${date(r.as_of)}` : ''}
                  </button>
                ))}
              </div>
            )}
            {compareError && <div id="compare-error"><ErrorBox message={compareError} onDismiss={() => setCompareError(null)} /></div>}
            {comparing && <Loading what="the comparison" />}
            {cmp && <ComparisonView cmp={cmp} onCarried={() => void compare(cmp.path)} />}
          </Card>
        </>
      )}
    </div>
  );
}

function ComparisonView({ cmp, onCarried }: { cmp: Comparison; onCarried: () => void }) {
  const findings = useApp((s) => s.findings);
  const decisions = useApp((s) => s.decisions);
  const carry = useApp((s) => s.carryDecisions);
  const currency = useApp((s) => s.settings?.currency ?? 'USD');
  const summary = useApp((s) => s.summary);
  const [carrying, setCarrying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // This quarter's findings describe new and still-open ones; resolved ones come as last quarter recorded them.
  const byId = useMemo(() => {
    const m = new Map<string, { type: string; family: string; user: string | null; product: string | null; offering: string | null; annual_value: number; detail: string | null }>();
    for (const f of cmp.resolved_findings) m.set(f.finding_id, f);
    for (const f of findings ?? []) m.set(f.finding_id, f);
    return m;
  }, [findings, cmp.resolved_findings]);
  const before = useMemo(() => new Map(cmp.previous_decisions.map((d) => [d.finding_id, d])), [cmp.previous_decisions]);
  const wasWorth = useMemo(() => new Map(cmp.previous_values.map((v) => [v.finding_id, v.annual_value])), [cmp.previous_values]);
  const gone = useMemo(() => new Set(cmp.resolved_findings.filter((f) => f.user_in_data === false).map((f) => f.finding_id)), [cmp.resolved_findings]);
  const groups = [
    // Each list largest first, as the engine ordered them.
    { key: 'new', label: 'New since last quarter', ids: cmp.new, tone: cmp.new.length ? 'bad' : 'good' },
    { key: 'resolved', label: 'Resolved', ids: cmp.resolved_findings.length === cmp.resolved.length ? cmp.resolved_findings.map((f) => f.finding_id) : cmp.resolved, tone: 'good' },
    { key: 'open', label: 'Still open', ids: cmp.still_open, tone: cmp.still_open.length ? 'warn' : 'good' },
  ] as const;
  // Savings and the cost of closing gaps are different money: summed apart.
  const valueOf = (ids: readonly string[], family: 'savings' | 'gap') => ids.reduce((a, id) => { const f = byId.get(id); return a + (f?.family === family ? f.annual_value : 0); }, 0);
  const valueText = (ids: readonly string[], resolved: boolean) => {
    const parts = [
      [valueOf(ids, 'savings'), resolved ? 'of savings a year, as last quarter valued them' : 'of savings a year'],
      [valueOf(ids, 'gap'), resolved ? 'a year of gaps, as last quarter valued them' : 'a year of gaps'],
    ] as const;
    const shown = parts.filter(([v]) => v > 0).map(([v, what]) => `${money(v, currency)} ${what}`);
    return shown.length ? shown.join(' · ') : 'No money attached';
  };
  // What last quarter decided, in a line: "Last quarter: Reclaim · Dana Lee · due 2026-07-31 (overdue)".
  const decidedThen = (id: string) => {
    const d = before.get(id);
    if (!d) return null;
    return `Last quarter: ${DECISION_LABELS[d.action] ?? d.action}${d.owner ? ` · ${d.owner}` : ''}${d.due_date ? ` · ${dueText(d, summary?.as_of)}` : ''}${d.justification ? ` · “${d.justification}”` : ''}`;
  };
  const prev = cmp.previous_headline;
  const undecidedCarry = cmp.carryable;
  const targets = cmp.carryable_targets;
  const carryWhat = carriedText(undecidedCarry, targets);
  async function carryOver() {
    setCarrying(true);
    setError(null);
    try {
      await carry(cmp.path);
      onCarried();
    } catch (e) {
      setError(`Nothing was carried: ${errorMessage(e)}`);
    } finally {
      setCarrying(false);
    }
  }
  return (
    <div className="compare" role="region" aria-label="Comparison with last quarter">
      <p className="muted small">Compared with <span className="mono">{cmp.path}</span>{cmp.previous_as_of ? ` (as of ${date(cmp.previous_as_of)})` : ''}.</p>
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      <div className="stats">
        {groups.map((g) => <Stat key={g.label} label={g.label} value={int(g.ids.length)} tone={g.tone} />)}
      </div>
      {prev && summary && (
        <p className="small" data-testid="compare-headline">
          Last quarter {money(prev.savings_annual, currency)} of savings a year, {int(prev.gap_units)} gap {prev.gap_units === 1 ? 'unit' : 'units'}, audit exposure up to {money(prev.audit_exposure_high, currency)};
          now {money(summary.savings_annual.total ?? 0, currency)}, {int(summary.gap_units)}, up to {money(summary.scenarios.audit_no_cooperation_high, currency)}.
        </p>
      )}
      {carryWhat && (
        <div className="carry" role="group" aria-label="Carry last quarter's decisions">
          <p className="small">
            {undecidedCarry > 0 && <>{undecidedCarry === 1 ? '1 finding still open was' : `${int(undecidedCarry)} findings still open were`} decided last quarter and {undecidedCarry === 1 ? 'has' : 'have'} no decision here yet: carrying copies the action, owner, due date and reason. </>}
            {targets > 0 && <>{targets === 1 ? '1 renewal line had a target' : `${int(targets)} renewal lines had targets`} of yours last quarter and {targets === 1 ? 'has' : 'have'} none here. </>}
            What was decided here stays as it is.
          </p>
          <button type="button" className="btn primary" disabled={carrying} onClick={() => void carryOver()}>
            Carry {carryWhat} from last quarter
          </button>
        </div>
      )}
      <div className="grid-3">
        {groups.map((g) => (
          <div key={g.label}>
            <h3>{g.label}</h3>
            {g.ids.length > 0 && (
              <p className="muted small" data-testid={`compare-value-${g.key}`}>
                {valueText(g.ids, g.key === 'resolved')}
              </p>
            )}
            {g.ids.length === 0 ? <p className="muted">None.</p> : (
              <ul className="list compare-list" aria-label={g.label}>
                {g.ids.slice(0, 200).map((id) => {
                  const f = byId.get(id);
                  const then = g.key === 'new' ? null : decidedThen(id);
                  const was = g.key === 'open' ? wasWorth.get(id) : undefined;
                  const nowDecided = g.key === 'open' ? decisions.get(id) : undefined;
                  return (
                    <li key={id}>
                      <div className="compare-item">
                        <span>{f ? describeFinding(f) : <span className="mono small">{id}</span>}</span>
                        {then && <span className="muted small">{then}{nowDecided ? `; now ${DECISION_LABELS[nowDecided.action]}` : ''}</span>}
                        {/* "Resolved" because the person left, not because the seat was reclaimed or the gap closed. */}
                        {g.key === 'resolved' && gone.has(id) && <span className="muted small">The user is not in this quarter's data at all: left, or renamed (check the identity map).</span>}
                      </div>
                      {f && (
                        <span className="mono small muted compare-money">
                          {money(f.annual_value, currency)}
                          {was !== undefined && <><br />was {money(was, currency)}</>}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
            {g.ids.length > 200 && <p className="muted small">The first 200 of {int(g.ids.length)}.</p>}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Where the engagement last compared with is remembered, per engagement file. */
const compareKey = (path: string) => `lrtw.compare:${path}`;
