// Auditor mode: an evidence pack opened read-only. Verification first, plainly; then the findings,
// each with its evidence rows (source file and line), and the report. Nothing here can change the pack.
import { useEffect, useMemo, useRef, useState } from 'react';
import { z } from 'zod';
import { ShieldAlert, ShieldCheck, ShieldQuestion, X } from 'lucide-react';
import type { Finding } from '../../analysis/model';
import { useApp, type PackView } from '../store';
import { DataTable, type Column } from '../components/DataTable';
import { Card, ErrorBox, Loading, PageHeader, Stat, useLoad } from '../components/ui';
import { api } from '../api/client';
import { describeFinding, evidenceColumn, productColumn } from '../components/Findings';
import { date, int, money, typeLabel } from '../format';
import { fingerprintText, isWholeFingerprint, normaliseFingerprint, sameFingerprint } from '../api/shared';

/**
 * Signing keys this auditor has confirmed with an analyst (by comparing fingerprints over another channel), kept on
 * this machine. A pack that verifies proves only that nothing changed since someone signed it: anyone can sign.
 */
const CONFIRMED_KEYS = 'lrtw.confirmedKeys';
const ConfirmedKeysSchema = z.array(z.object({ fingerprint: z.string(), client: z.string().nullable(), confirmed: z.string() }));
type ConfirmedKey = z.infer<typeof ConfirmedKeysSchema>[number];

function confirmedKeys(): ConfirmedKey[] {
  try {
    const parsed = ConfirmedKeysSchema.safeParse(JSON.parse(localStorage.getItem(CONFIRMED_KEYS) ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** Whether the signer is confirmed: the fingerprint was compared now or before, or a different one was given. */
type KeyCheck = { state: 'unconfirmed'; slip?: string } | { state: 'confirmed'; when: string; client: string | null } | { state: 'mismatch'; expected: string };

function useKeyCheck(fingerprint: string | null, client: string | null): [KeyCheck, (typed: string) => void] {
  // Read once, when the pack opens: a key confirmed before shows as confirmed.
  const [check, setCheck] = useState<KeyCheck>(() => {
    const known = fingerprint ? confirmedKeys().find((k) => k.fingerprint === fingerprint) : undefined;
    return known ? { state: 'confirmed', when: known.confirmed, client: known.client } : { state: 'unconfirmed' };
  });
  const compare = (typed: string) => {
    if (!fingerprint || normaliseFingerprint(typed) === '') return;
    // A slip (a group missing, a letter that is no hex digit) is said as such: it says nothing about who signed.
    if (!isWholeFingerprint(typed)) {
      setCheck({ state: 'unconfirmed', slip: 'That is not a whole fingerprint: it has 64 hex digits, in 16 groups of four. Check what you typed against what the consultant gave you.' });
      return;
    }
    // With or without colons, spaces or "SHA256:", in any case: the hex digits are compared.
    if (!sameFingerprint(typed, fingerprint)) {
      setCheck({ state: 'mismatch', expected: fingerprintText(typed) });
      return;
    }
    const when = new Date().toISOString().slice(0, 10);
    localStorage.setItem(CONFIRMED_KEYS, JSON.stringify([...confirmedKeys().filter((k) => k.fingerprint !== fingerprint), { fingerprint, client, confirmed: when }]));
    setCheck({ state: 'confirmed', when, client });
  };
  return [check, compare];
}

export function AuditorView({ pack }: { pack: PackView }) {
  const closePack = useApp((s) => s.closePack);
  const currency = pack.summary?.currency ?? 'USD';
  const [open, setOpen] = useState<Finding | null>(null);
  const decisionOf = useMemo(() => new Map(pack.decisions.map((d) => [d.finding_id, d])), [pack.decisions]);
  // The detail opens under the table: brought into view (and focus) so the click visibly does something.
  const detailRef = useRef<HTMLDivElement>(null);
  // What opened the detail (the row's evidence button, or the table): the focus goes back there when it closes.
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (!open) {
      const o = opener.current;
      opener.current = null;
      if (o?.isConnected) o.focus({ preventScroll: true });
      return;
    }
    if (!opener.current && document.activeElement instanceof HTMLElement && document.activeElement !== document.body && !detailRef.current?.contains(document.activeElement)) opener.current = document.activeElement;
    // Smooth unless the system asks for reduced motion.
    detailRef.current?.scrollIntoView({ block: 'start', behavior: window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    detailRef.current?.focus({ preventScroll: true });
    // Escape closes the detail, as it closes the evidence panel in the review.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) setOpen(null);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  const cols = useMemo<Column<Finding>[]>(() => [
    // Fits a 1280 px window with the Evidence rows column in view.
    { id: 'type', header: 'Type', value: (f) => typeLabel(f.type), width: 'minmax(170px, 1.2fr)' },
    { id: 'severity', header: 'Severity', value: (f) => f.severity, render: (f) => <span className={`sev ${f.severity}`}>{f.severity}</span>, width: '96px' },
    { id: 'user', header: 'User', value: (f) => f.user, text: (f) => f.user ?? 'Estate-wide', render: (f) => (f.user ? <span className="ellipsis-cell" title={f.user}>{f.user}</span> : <span className="muted">Estate-wide</span>), width: 'minmax(170px, 2.4fr)' },
    productColumn('minmax(110px, 1fr)'),
    { id: 'units', header: 'Units', value: (f) => f.units, align: 'right', width: '80px' },
    { id: 'value', header: 'Annual value', value: (f) => f.annual_value, text: (f) => money(f.annual_value, currency), render: (f) => money(f.annual_value, currency), align: 'right', width: '130px' },
    // As in the review: the evidence is one click away (a double click or Enter on the row opens it too).
    evidenceColumn('Evidence rows', '130px', setOpen),
  ], [currency]);
  const notAPack = !pack.verify.ok && pack.verify.not_a_pack;
  return (
    <div className="page">
      <PageHeader
        title="Evidence pack (read-only)"
        lead={<span className="mono">{pack.path}</span>}
        actions={<button type="button" className="btn" onClick={closePack}><X size={16} aria-hidden /> Close evidence pack</button>}
      />
      <VerifyBanner pack={pack} />
      {/* A folder that is no pack has nothing more to show than the banner's advice. */}
      {!notAPack && pack.summary && (
        <div className="stats">
          <Stat label="Client" value={pack.summary.client} hint={`As of ${date(pack.summary.as_of)}`} wrap />
          <Stat label="Savings per year" value={money(pack.summary.savings_annual.total ?? 0, currency)} />
          <Stat label="Gap units" value={int(pack.summary.gap_units)} />
          <Stat label="Audit exposure (high)" value={money(pack.summary.scenarios.audit_no_cooperation_high, currency)} />
        </div>
      )}
      {!notAPack && (<>
      <Card title={`Findings (${int(pack.findings.length)})`} id="pack-findings">
        <DataTable label="Findings in the pack" rows={pack.findings} columns={cols} rowKey={(f) => f.finding_id} rowLabel={describeFinding} onOpen={setOpen} height={420} initialSort={{ id: 'value', desc: true }} empty="The pack holds no findings." />
        {open && (
          <div className="detail-box" role="region" aria-label="Finding detail" ref={detailRef} tabIndex={-1}>
            <div className="panel-head"><h3>{describeFinding(open)}</h3><button type="button" className="icon-btn" aria-label="Close detail" onClick={() => setOpen(null)}><X size={16} aria-hidden /></button></div>
            <dl className="facts">
              <dt>Finding</dt><dd className="mono">{open.finding_id}</dd>
              <dt>First / last seen</dt><dd className="num">{date(open.first_seen)} → {date(open.last_seen)}</dd>
              <dt>Evidence rows</dt><dd className="num">{int(open.evidence_count)}</dd>
              {open.detail && (<><dt>Detail</dt><dd>{open.detail}</dd></>)}
              <dt>Decision</dt>
              <dd>
                {(() => {
                  const d = decisionOf.get(open.finding_id);
                  if (!d) return <span className="muted">None recorded in the pack's workbook</span>;
                  return (
                    <>
                      {[d.action, d.owner, d.due_date ? `due ${d.due_date}` : null].filter(Boolean).join(' · ')}
                      {d.justification && <div className="muted">{d.justification}</div>}
                    </>
                  );
                })()}
              </dd>
            </dl>
            <PackEvidence key={open.finding_id} path={pack.path} finding={open} />
          </div>
        )}
      </Card>
      <Card title="Report" id="pack-report">
        {pack.report_html ? (
          <iframe className="report-frame" title="Evidence pack report" sandbox="" srcDoc={pack.report_html} />
        ) : (
          <p className="muted">The pack holds no HTML report.</p>
        )}
      </Card>
      </>)}
    </div>
  );
}

/**
 * The verification result, and who signed: intact and signed is amber until the auditor has compared the signing
 * key's fingerprint with the one the analyst gave them (then green, and remembered); a different key is a failure.
 */
function VerifyBanner({ pack }: { pack: PackView }) {
  const v = pack.verify;
  // The folder was never a pack (the wrong folder was chosen), rather than a damaged one.
  const notAPack = !v.ok && v.not_a_pack;
  const [check, compare] = useKeyCheck(v.ok ? v.fingerprint : null, pack.summary?.client ?? null);
  const [typed, setTyped] = useState('');
  const notes = pack.notes ?? [];
  // Confirmed, but with something verification cannot vouch for (sources not as reviewed, figures not adding up): amber.
  const tone = !v.ok || check.state === 'mismatch' ? 'failed' : check.state === 'confirmed' && notes.length === 0 ? 'ok' : 'unconfirmed';
  const title = !v.ok
    ? notAPack ? 'Not an evidence pack' : `FAILED${v.failing_file ? `: ${v.failing_file}` : ''}`
    : check.state === 'mismatch' ? 'FAILED: signed by a different key'
    : check.state === 'confirmed' ? 'Verified: signed by the key you confirmed'
    : 'Intact and signed: confirm who signed it';
  return (
    <div className={`verify-banner ${tone}`} role="status" aria-label="Verification result">
      {tone === 'ok' ? <ShieldCheck size={36} aria-hidden /> : tone === 'failed' ? <ShieldAlert size={36} aria-hidden /> : <ShieldQuestion size={36} aria-hidden />}
      <div className="verify-body">
        <div className="verify-title">{title}</div>
        {v.message.trim().toLowerCase() !== 'verified' && <div>{v.message}</div>}
        {v.ok && (
          <div>
            Every file's SHA-256 matches the manifest and the manifest's signature checks out{check.state === 'mismatch' ? ', but with a key other than the one you were given.' : '.'}
          </div>
        )}
        {v.fingerprint && <div className="small">Signing key fingerprint <span className="mono">SHA256:{v.fingerprint}</span></div>}
        {v.ok && notes.length > 0 && (
          <ul className="verify-notes" aria-label="What verification does not vouch for">
            {notes.map((n) => <li key={n}>{n}</li>)}
          </ul>
        )}
        {v.ok && <div className="small">Verified means unchanged since this key signed it, not that the figures are right: the report's last section says how to recompute them from the packed sources and settings.</div>}
        {v.ok && check.state === 'confirmed' && (
          <div className="small">You confirmed this key{check.client ? ` for ${check.client}` : ''} on {date(check.when)}.</div>
        )}
        {v.ok && check.state === 'mismatch' && (
          <div className="small">The consultant gave you <span className="mono">SHA256:{check.expected}</span>. Someone other than them signed this pack: do not rely on it, and ask them for the pack and its fingerprint again.</div>
        )}
        {v.ok && check.state !== 'confirmed' && (
          <form className="key-check" onSubmit={(e) => { e.preventDefault(); compare(typed); }}>
            <p className="small">Anyone can sign a pack with a key of their own. Compare the fingerprint with the one the consultant gave you by phone or another channel than the pack's.</p>
            <label htmlFor="expected-fingerprint">Fingerprint the consultant gave you</label>
            <div className="row">
              <input id="expected-fingerprint" className="mono" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="SHA256:1a2b:3c4d:…" spellCheck={false} autoComplete="off" />
              <button type="submit" className="btn" disabled={normaliseFingerprint(typed) === ''}>Compare</button>
            </div>
            {check.state === 'unconfirmed' && check.slip && <div className="field-note" role="alert">{check.slip}</div>}
          </form>
        )}
        {!v.ok && !notAPack && <div className="small">Do not rely on this pack. Ask the consultant for a fresh copy and compare the key fingerprint with the one they gave you.</div>}
      </div>
    </div>
  );
}

type EvidenceRow = { table: string; source_id: number | null; file: string | null; line: number | null; note: string | null };
const evidenceCols = (show: (r: EvidenceRow) => void): Column<EvidenceRow>[] => [
  { id: 'file', header: 'Source file', value: (r) => r.file, width: 'minmax(200px, 2fr)' },
  { id: 'line', header: 'Line', value: (r) => r.line, align: 'right', width: '90px' },
  { id: 'table', header: 'Table', value: (r) => r.table, width: '130px' },
  { id: 'note', header: 'Note', value: (r) => r.note, width: 'minmax(200px, 2fr)' },
  {
    id: 'show',
    header: 'The line',
    value: () => null,
    filterable: false,
    render: (r) => (r.file && r.line ? <button type="button" className="btn subtle small" aria-label={`Show line ${r.line} of ${r.file}`} onClick={() => show(r)}>Show</button> : null),
    width: '96px',
  },
];

/** The finding's rows of the pack's evidence.csv: where in the client's own files each fact behind it is. */
function PackEvidence({ path, finding }: { path: string; finding: Finding }) {
  const ev = useLoad(() => api('pack.evidence', { path, finding_id: finding.finding_id, limit: 1000 }), [path, finding.finding_id]);
  // The source line an evidence row names, read from the pack's copy: what the row rests on, in the client's own words.
  const [shown, setShown] = useState<{ row: EvidenceRow; text: string | null; reason: string | null; header?: string | null } | null>(null);
  const show = (row: EvidenceRow) => {
    if (!row.file || !row.line) return;
    void api('pack.sourceLine', { path, source_id: row.source_id, file: row.file, line: row.line }).then(
      (r) => setShown({ row, ...r }),
      (e: unknown) => setShown({ row, text: null, reason: `Could not read the line: ${String(e)}` }),
    );
  };
  // show reads only path and setShown: the columns change with the pack.
  const cols = useMemo(() => evidenceCols(show), [path]);
  if (ev.loading && !ev.data) return <Loading what="the evidence rows" />;
  if (ev.error) return <ErrorBox message={`Could not read the pack's evidence.csv: ${ev.error}`} />;
  if (!ev.data) return null;
  return (
    <div className="pack-evidence">
      <p className="muted small">
        {ev.data.total === 0
          ? 'The pack lists no evidence rows for this finding.'
          : `${int(ev.data.total)} ${ev.data.total === 1 ? 'row' : 'rows'} of evidence.csv${ev.data.total > ev.data.rows.length ? `, the first ${int(ev.data.rows.length)} shown` : ''}; each names a line of a source file in data/sources.`}
        {/* The review keeps at most 1,000 rows per finding and counts them all: an auditor must not read the difference as rows missing. */}
        {ev.data.total < finding.evidence_count && ` The finding counts ${int(finding.evidence_count)} evidence rows; the review keeps ${int(ev.data.total)} of them per finding, so the pack lists those. The count is exact: recomputing from the packed sources finds them all.`}
      </p>
      {ev.data.rows.length > 0 && (
        <DataTable label="Evidence of the finding" rows={ev.data.rows} columns={cols} rowKey={(r) => `${r.file ?? ''}:${r.line ?? ''}:${r.table}:${r.note ?? ''}`} rowLabel={(r) => `${r.file ?? r.table} line ${r.line ?? '—'}`} onOpen={show} height={260} empty="No rows." />
      )}
      {shown && (
        <div className="source-line" role="region" aria-label="Source line">
          <div className="small muted">{shown.row.file}, line {shown.row.line} (data/sources, as the client exported it)</div>
          {shown.text !== null ? (
            <>
              {shown.header && <pre className="mono muted" aria-label="Line 1, the column names">{shown.header}</pre>}
              <pre className="mono">{shown.text}</pre>
            </>
          ) : <p className="muted">{shown.reason}</p>}
        </div>
      )}
    </div>
  );
}
