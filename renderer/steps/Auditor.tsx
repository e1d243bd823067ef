// Auditor mode: an evidence pack opened read-only. Verification first, plainly; then the findings
// and the report. Nothing here can change the pack.
import { useMemo, useState } from 'react';
import { ShieldAlert, ShieldCheck, X } from 'lucide-react';
import type { Finding } from '../../analysis/model';
import { useApp, type PackView } from '../store';
import { DataTable, type Column } from '../components/DataTable';
import { Card, PageHeader, Stat } from '../components/ui';
import { date, int, money, typeLabel } from '../format';

export function AuditorView({ pack }: { pack: PackView }) {
  const closePack = useApp((s) => s.closePack);
  const currency = pack.summary?.currency ?? 'USD';
  const [open, setOpen] = useState<Finding | null>(null);
  const cols = useMemo<Column<Finding>[]>(() => [
    { id: 'type', header: 'Type', value: (f) => typeLabel(f.type), width: 'minmax(190px, 1.2fr)' },
    { id: 'severity', header: 'Severity', value: (f) => f.severity, render: (f) => <span className={`sev ${f.severity}`}>{f.severity}</span>, width: '96px' },
    { id: 'user', header: 'User', value: (f) => f.user, width: 'minmax(200px, 2.4fr)' },
    { id: 'what', header: 'Offering / product', value: (f) => f.offering ?? f.product, width: 'minmax(110px, 1fr)' },
    { id: 'units', header: 'Units', value: (f) => f.units, align: 'right', width: '80px' },
    { id: 'value', header: 'Annual value', value: (f) => f.annual_value, text: (f) => money(f.annual_value, currency), render: (f) => money(f.annual_value, currency), align: 'right', width: '130px' },
    { id: 'evidence', header: 'Evidence rows', value: (f) => f.evidence_count, align: 'right', width: '130px' },
  ], [currency]);
  const v = pack.verify;
  // The folder was never a pack (the wrong folder was chosen), rather than a damaged one.
  const notAPack = !v.ok && v.not_a_pack;
  return (
    <div className="page">
      <PageHeader
        title="Evidence pack (read-only)"
        lead={<span className="mono">{pack.path}</span>}
        actions={<button type="button" className="btn" onClick={closePack}><X size={16} aria-hidden /> Close evidence pack</button>}
      />
      <div className={`verify-banner ${v.ok ? 'ok' : 'failed'}`} role="status" aria-label="Verification result">
        {v.ok ? <ShieldCheck size={36} aria-hidden /> : <ShieldAlert size={36} aria-hidden />}
        <div>
          <div className="verify-title">{v.ok ? 'Verified' : notAPack ? 'Not an evidence pack' : `FAILED${v.failing_file ? `: ${v.failing_file}` : ''}`}</div>
          {v.message.trim().toLowerCase() !== 'verified' && <div>{v.message}</div>}
          {v.ok && <div>Every file's SHA-256 matches the manifest and the manifest's signature checks out.</div>}
          {v.fingerprint && <div className="small">Signing key fingerprint <span className="mono">SHA256:{v.fingerprint}</span></div>}
          {!v.ok && !notAPack && <div className="small">Do not rely on this pack. Ask the consultant for a fresh copy and compare the key fingerprint with the one they gave you.</div>}
        </div>
      </div>
      {/* A folder that is no pack has nothing more to show than the banner's advice. */}
      {!notAPack && pack.summary && (
        <div className="stats">
          <Stat label="Client" value={pack.summary.client} hint={`As of ${date(pack.summary.as_of)}`} />
          <Stat label="Savings per year" value={money(pack.summary.savings_annual.total ?? 0, currency)} />
          <Stat label="Gap units" value={int(pack.summary.gap_units)} />
          <Stat label="Audit exposure (high)" value={money(pack.summary.scenarios.audit_no_cooperation_high, currency)} />
        </div>
      )}
      {!notAPack && (<>
      <Card title={`Findings (${int(pack.findings.length)})`} id="pack-findings">
        <DataTable label="Findings in the pack" rows={pack.findings} columns={cols} rowKey={(f) => f.finding_id} rowLabel={(f) => `${typeLabel(f.type)} ${f.user ?? f.product ?? ''}`} onOpen={setOpen} height={420} initialSort={{ id: 'value', desc: true }} empty="The pack holds no findings." />
        {open && (
          <div className="detail-box" role="region" aria-label="Finding detail">
            <div className="panel-head"><h3>{typeLabel(open.type)} · {open.user ?? open.product}</h3><button type="button" className="icon-btn" aria-label="Close detail" onClick={() => setOpen(null)}><X size={16} aria-hidden /></button></div>
            <dl className="facts">
              <dt>Finding</dt><dd className="mono">{open.finding_id}</dd>
              <dt>First / last seen</dt><dd className="num">{date(open.first_seen)} → {date(open.last_seen)}</dd>
              <dt>Evidence rows</dt><dd className="num">{int(open.evidence_count)} (listed in the report below)</dd>
              {open.detail && (<><dt>Detail</dt><dd>{open.detail}</dd></>)}
            </dl>
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
