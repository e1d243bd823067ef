// Step 0: open a recent engagement, create one, try the sample data, or open an evidence pack as an auditor.
import { useState } from 'react';
import { FolderOpen, PlayCircle, ShieldCheck, Plus } from 'lucide-react';
import { api, newJobId } from '../api/client';
import { useApp } from '../store';
import { Card, Empty, ErrorBox, Loading, PageHeader, ProgressBar, useJob, useLoad } from '../components/ui';
import { date, int, money } from '../format';

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'engagement';
}

export function StartStep() {
  const openedEngagement = useApp((s) => s.openedEngagement);
  const openPack = useApp((s) => s.openPack);
  const info = useApp((s) => s.info);
  const recent = useLoad(() => api('engagement.recent', {}), []);
  const [error, setError] = useState<string | null>(null);
  const [client, setClient] = useState('');
  const [asOf, setAsOf] = useState('');
  const [folder, setFolder] = useState('');
  const [openPath, setOpenPath] = useState('');
  const [packPath, setPackPath] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [sampleJob, setSampleJob] = useState<string | null>(null);
  const sampleEvent = useJob(sampleJob);

  async function run(what: string, fn: () => Promise<void>) {
    setError(null);
    setBusy(what);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }

  const trySample = () =>
    run('sample', async () => {
      const jobId = newJobId('sample');
      setSampleJob(jobId);
      try {
        // An explicit size keeps the walk-through quick (about half a minute) and reproducible.
        const created = await api('sample.create', { jobId, users: 300, months: 24, seed: 1 });
        await openedEngagement(created);
      } finally {
        setSampleJob(null);
      }
    });

  return (
    <div className="page">
      <PageHeader
        title="Quarterly licence review"
        lead="Load a client's Autodesk usage exports, walk the review step by step, and hand out a reclamation list, a compliance gap register with settlement scenarios, and a renewal brief."
      />
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      {info && (
        <div className="alert info" role="status">
          <div className="alert-body">
            <strong>{info.client}</strong> is open{info.as_of ? ` (as of ${info.as_of})` : ''}. Use the steps on the left to continue, or open another engagement below.
          </div>
        </div>
      )}

      <div className="grid-2">
        <Card title="Try with sample data" id="sample">
          <p className="muted">Creates an engagement from a realistic synthetic estate (every input kind) and runs the whole review, so you can see every step with real numbers.</p>
          {busy === 'sample' ? (
            <ProgressBar label="Preparing the sample engagement" event={sampleEvent} onCancel={() => sampleJob && void api('job.cancel', { jobId: sampleJob })} />
          ) : (
            <button type="button" className="btn primary" onClick={() => void trySample()} disabled={busy !== null}>
              <PlayCircle size={16} aria-hidden /> Try with sample data
            </button>
          )}
        </Card>

        <Card title="Open evidence pack" id="auditor">
          <p className="muted">Auditor mode: verifies every hash and the signature first, then shows the findings and the report. Nothing can be changed.</p>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void run('pack', async () => {
                const r = await api('pack.open', { path: packPath.trim() });
                openPack({ ...r, path: packPath.trim() });
              });
            }}
          >
            <input aria-label="Evidence pack folder" placeholder="/path/to/evidence-pack" value={packPath} onChange={(e) => setPackPath(e.target.value)} required />
            <button type="submit" className="btn" disabled={busy !== null || !packPath.trim()}>
              <ShieldCheck size={16} aria-hidden /> Open evidence pack
            </button>
          </form>
        </Card>
      </div>

      <Card title="Recent engagements" id="recent">
        {recent.loading && <Loading what="recent engagements" />}
        {recent.error && <ErrorBox message={`Could not list recent engagements: ${recent.error}`} />}
        {recent.data && recent.data.length === 0 && <Empty title="No engagements yet">Create one below, or try the sample data to see the review end to end.</Empty>}
        {recent.data && recent.data.length > 0 && (
          <table className="simple-table">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">As of</th>
                <th scope="col" className="right">Savings / year</th>
                <th scope="col" className="right">Gap units</th>
                <th scope="col" className="right">Findings</th>
                <th scope="col" className="right">Audit exposure (high)</th>
                <th scope="col"><span className="sr-only">Open</span></th>
              </tr>
            </thead>
            <tbody>
              {recent.data.map((r) => (
                <tr key={r.path}>
                  <td>
                    <div className="strong">{r.client}</div>
                    <div className="muted small mono ellipsis" title={r.path}>{r.path}</div>
                  </td>
                  <td className="num">{date(r.as_of)}</td>
                  <td className="right num">{r.headline ? money(r.headline.savings_annual, 'USD') : '—'}</td>
                  <td className="right num">{r.headline ? int(r.headline.gap_units) : '—'}</td>
                  <td className="right num">{r.headline ? int(r.headline.findings) : 'Not reviewed'}</td>
                  <td className="right num">{r.headline ? money(r.headline.audit_exposure_high, 'USD') : '—'}</td>
                  <td className="right">
                    <button
                      type="button"
                      className="btn small"
                      aria-label={`Open ${r.client}${r.as_of ? ` as of ${r.as_of}` : ''}`}
                      disabled={busy !== null}
                      onClick={() => void run('open', async () => openedEngagement(await api('engagement.open', { path: r.path })))}
                    >
                      <FolderOpen size={14} aria-hidden /> Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <div className="grid-2">
        <Card title="New engagement" id="create">
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void run('create', async () => {
                const path = `${folder.trim().replace(/[\\/]+$/, '')}/${slug(client)}${asOf ? `-${asOf}` : ''}.lrtw`;
                openedEngagement(await api('engagement.create', { path, client: client.trim(), as_of: asOf || undefined }));
              });
            }}
          >
            <div className="field">
              <label htmlFor="new-client">Client</label>
              <input id="new-client" value={client} onChange={(e) => setClient(e.target.value)} required maxLength={200} placeholder="Contoso Engineering" />
            </div>
            <div className="field">
              <label htmlFor="new-asof">As of (end of quarter)</label>
              <input id="new-asof" type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
              <div className="hint">Leave empty to use the last usage day in the data.</div>
            </div>
            <div className="field">
              <label htmlFor="new-folder">Folder</label>
              <input id="new-folder" value={folder} onChange={(e) => setFolder(e.target.value)} required placeholder="/home/analyst/engagements/contoso-2026-q3" />
              <div className="hint">The engagement file and its exports are written here.</div>
            </div>
            <button type="submit" className="btn primary" disabled={busy !== null}>
              <Plus size={16} aria-hidden /> Create engagement
            </button>
          </form>
        </Card>
        <Card title="Open an engagement file" id="open">
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void run('open', async () => openedEngagement(await api('engagement.open', { path: openPath.trim() })));
            }}
          >
            <div className="field">
              <label htmlFor="open-path">Engagement file (.lrtw)</label>
              <input id="open-path" value={openPath} onChange={(e) => setOpenPath(e.target.value)} required placeholder="/path/to/engagement.lrtw" />
            </div>
            <button type="submit" className="btn" disabled={busy !== null}>
              <FolderOpen size={16} aria-hidden /> Open engagement
            </button>
          </form>
        </Card>
      </div>
    </div>
  );
}
