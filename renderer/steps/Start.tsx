// Step 0: open a recent engagement, create one, try the sample data, or open an evidence pack as an auditor.
import { useEffect, useRef, useState } from 'react';
import { CheckCircle2, Circle, FolderOpen, Loader2, PlayCircle, ShieldCheck, Plus } from 'lucide-react';
import type { ProgressEvent } from '../../analysis/api/contract';
import { api, engineStateDir, errorMessage, newJobId, shell } from '../api/client';
import { useApp } from '../store';
import { Card, Empty, ErrorBox, Loading, PageHeader, useJob, useLoad } from '../components/ui';
import { date, int, money } from '../format';
import { slugForFileName } from '../api/shared';

/** The engagement file's name from the client's, folded as the exports' names are (Müller & Söhne: muller-sohne, not m-ller-s-hne). */
function slug(s: string): string {
  return slugForFileName(s, 'engagement').toLowerCase();
}

/** Where new engagements go in serve mode: the engine's state folder, else the folder of a recent one. */
function defaultFolder(recent: { path: string }[] | null): string {
  const state = engineStateDir();
  if (state) return `${state.replace(/[\\/]+$/, '')}/engagements`;
  const last = recent?.[0]?.path;
  const samples = last ? /^(.*)[\\/]samples[\\/]/.exec(last) : null;
  if (samples) return `${samples[1]}/engagements`;
  return last ? last.replace(/[\\/][^\\/]+[\\/][^\\/]+$/, '') : '';
}

export function StartStep() {
  const openedEngagement = useApp((s) => s.openedEngagement);
  const openPack = useApp((s) => s.openPack);
  const refresh = useApp((s) => s.refresh);
  const info = useApp((s) => s.info);
  const recent = useLoad(() => api('engagement.recent', {}), []);
  const desktop = shell();
  // An error is shown in the form it came from, next to its field (the top of the page may be out of view).
  const [error, setErrorState] = useState<{ what: string; text: string } | null>(null);
  const setError = (text: string | null, what = 'page') => setErrorState(text === null ? null : { what, text });
  const errorIn = (what: string) =>
    error?.what === what ? <div id={`${what}-error`}><ErrorBox message={error.text} onDismiss={() => setErrorState(null)} /></div> : null;
  const invalid = (what: string) => (error?.what === what ? { 'aria-invalid': true, 'aria-describedby': `${what}-error` } : {});
  const [note, setNote] = useState<string | null>(null);
  const [client, setClient] = useState('');
  const [asOf, setAsOf] = useState('');
  const [folder, setFolder] = useState<string | null>(null);
  const [openPath, setOpenPath] = useState('');
  const [packPath, setPackPath] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [sampleJob, setSampleJob] = useState<string | null>(null);
  const cancelAsked = useRef(false);
  const [cancelling, setCancelling] = useState(false);
  const sampleEvent = useJob(sampleJob);
  const folderValue = folder ?? defaultFolder(recent.data);
  const fileName = `${slug(client)}${asOf ? `-${asOf}` : ''}.lrtw`;

  // The engine only honours a cancel once the job's import has started; repeat it on the next event.
  useEffect(() => {
    if (sampleJob && cancelAsked.current && sampleEvent && sampleEvent.phase !== 'sample') void api('job.cancel', { jobId: sampleJob });
  }, [sampleEvent, sampleJob]);

  async function run(what: string, fn: () => Promise<void>) {
    setError(null);
    setNote(null);
    setBusy(what);
    try {
      await fn();
    } catch (e) {
      setError(errorMessage(e), what);
    } finally {
      setBusy(null);
    }
  }

  const trySample = () =>
    run('sample', async () => {
      const jobId = newJobId('sample');
      cancelAsked.current = false;
      setCancelling(false);
      setSampleJob(jobId);
      try {
        // The engine's defaults (400 users, 12 months): the size the README promises.
        const created = await api('sample.create', { jobId });
        await openedEngagement(created);
      } catch (e) {
        if (!cancelAsked.current) throw e;
        // A cancelled sample leaves a half-loaded engagement open in the engine: close it, say so plainly.
        await api('engagement.close', {}).catch(() => undefined);
        await refresh();
        setNote('The sample was cancelled; nothing was opened. Try again whenever you like.');
      } finally {
        setSampleJob(null);
      }
    });

  const cancelSample = () => {
    if (!sampleJob) return;
    cancelAsked.current = true;
    setCancelling(true);
    void api('job.cancel', { jobId: sampleJob });
  };

  async function createAt(path: string) {
    await openedEngagement(await api('engagement.create', { path, client: client.trim(), as_of: asOf || undefined }));
  }

  return (
    <div className="page">
      <PageHeader
        title="Quarterly licence review"
        lead="Load a client's Autodesk usage exports, walk the review step by step, and hand out a reclamation list, a compliance gap register with settlement scenarios, and a renewal brief."
      />
      {errorIn('page')}
      {errorIn('sample')}
      {info && (
        <div className="alert info" role="status">
          <div className="alert-body">
            <strong>{info.client}</strong> is open{info.as_of ? ` (as of ${info.as_of})` : ''}. Use the steps on the left to continue, or open another engagement below.
          </div>
        </div>
      )}

      <div className="grid-2">
        <Card title="Try with sample data" id="sample">
          <p className="muted">Creates an engagement from a realistic synthetic estate (400 people, 12 months, every input kind) and runs the whole review, so you can see every step with real numbers. Takes under a minute.</p>
          {busy === 'sample' ? (
            <SampleProgress event={sampleEvent} cancelling={cancelling} onCancel={cancelSample} />
          ) : (
            <button type="button" className="btn primary" onClick={() => void trySample()} disabled={busy !== null}>
              <PlayCircle size={16} aria-hidden /> Try with sample data
            </button>
          )}
          {note && <p className="muted small" role="status">{note}</p>}
        </Card>

        <Card title="Open evidence pack" id="auditor">
          <p className="muted">Auditor mode: verifies every hash and the signature first, then shows the findings and the report. Nothing can be changed.</p>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void run('pack', async () => {
                const r = await api('pack.open', { path: packPath.trim() });
                // A folder that is no pack at all is a wrong path, said here; a pack that fails verification opens, saying so.
                if (!r.verify.ok && r.verify.not_a_pack) throw new Error(/[.!?]$/.test(r.verify.message.trim()) ? r.verify.message.trim() : `${r.verify.message.trim()}.`);
                openPack({ ...r, path: packPath.trim() });
              });
            }}
          >
            <input aria-label="Evidence pack folder" placeholder={desktop ? 'Folder path, or File › Open Evidence Pack…' : '/path/to/evidence-pack'} value={packPath} onChange={(e) => setPackPath(e.target.value)} required {...invalid('pack')} />
            <button type="submit" className="btn" disabled={busy !== null || !packPath.trim()}>
              <ShieldCheck size={16} aria-hidden /> Open evidence pack
            </button>
          </form>
          {/* Verifying reads every byte of the pack (gigabytes of sources on a large client): said while it runs. */}
          {busy === 'pack' && <p className="muted small" role="status"><Loader2 size={14} className="spin" aria-hidden /> Verifying every file's hash and the signature before anything is shown; a pack with large sources takes a while.</p>}
          {errorIn('pack')}
        </Card>
      </div>

      <Card title="Recent engagements" id="recent">
        {recent.loading && <Loading what="recent engagements" />}
        {recent.error && <ErrorBox message={`Could not list recent engagements: ${recent.error}`} />}
        {recent.data && recent.data.length === 0 && <Empty title="No engagements yet">Create one below, or try the sample data to see the review end to end.</Empty>}
        {recent.data && recent.data.length > 0 && (
          <div className="table-scroll">
          <table className="simple-table recent-table">
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
                <tr key={r.path} aria-current={info?.path === r.path ? 'true' : undefined}>
                  <td>
                    <div className="strong">{r.client}</div>
                    <div className="muted small mono ellipsis" title={r.path}>{r.path}</div>
                  </td>
                  <td className="num">{date(r.as_of)}</td>
                  <td className="right num">{r.headline ? money(r.headline.savings_annual, r.headline.currency) : '—'}</td>
                  <td className="right num">{r.headline ? int(r.headline.gap_units) : '—'}</td>
                  <td className="right num">{r.headline ? int(r.headline.findings) : 'Not reviewed'}</td>
                  <td className="right num">{r.headline ? money(r.headline.audit_exposure_high, r.headline.currency) : '—'}</td>
                  <td className="right">
                    {info?.path === r.path ? (
                      // The one open now: two rows of one client read alike otherwise.
                      <span className="badge">Open now</span>
                    ) : (
                      <button
                        type="button"
                        className="btn small"
                        // The file's path tells apart two engagements of one client and date (two samples, a copy).
                        aria-label={`Open ${r.client}${r.as_of ? ` as of ${r.as_of}` : ''}, ${r.path}`}
                        disabled={busy !== null}
                        onClick={() => void run('recent', async () => openedEngagement(await api('engagement.open', { path: r.path })))}
                      >
                        <FolderOpen size={14} aria-hidden /> Open
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        )}
        {errorIn('recent')}
      </Card>

      <div className="grid-2">
        <Card title="New engagement" id="create">
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void run('create', async () => {
                if (desktop) {
                  // The desktop app asks where to save with the system's own dialog.
                  const path = await desktop.pickNewEngagementPath(fileName.replace(/\.lrtw$/, ''));
                  if (path) await createAt(path);
                  return;
                }
                await createAt(`${folderValue.trim().replace(/[\\/]+$/, '')}/${fileName}`);
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
            {!desktop && (
              <div className="field">
                <label htmlFor="new-folder">Folder</label>
                <input id="new-folder" value={folderValue} onChange={(e) => setFolder(e.target.value)} required placeholder="/home/analyst/engagements" />
                <div className="hint">The engagement is saved as <span className="mono">{folderValue.replace(/[\\/]+$/, '') || '…'}/{fileName}</span>; its exports go beside it.</div>
              </div>
            )}
            <button type="submit" className="btn primary" disabled={busy !== null}>
              <Plus size={16} aria-hidden /> {desktop ? 'Create engagement…' : 'Create engagement'}
            </button>
          </form>
          {errorIn('create')}
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
              <input id="open-path" value={openPath} onChange={(e) => setOpenPath(e.target.value)} required placeholder="/path/to/engagement.lrtw" {...invalid('open')} />
              {desktop && <div className="hint">Or use File › Open Engagement… to choose it in a dialog.</div>}
            </div>
            <button type="submit" className="btn" disabled={busy !== null}>
              <FolderOpen size={16} aria-hidden /> Open engagement
            </button>
          </form>
          {errorIn('open')}
        </Card>
      </div>
    </div>
  );
}

const SAMPLE_PHASES = [
  { id: 'sample', label: 'Writing the sample estate' },
  { id: 'import', label: 'Importing the files' },
  { id: 'review', label: 'Running the rules' },
] as const;

function phaseOf(e: ProgressEvent | undefined): number {
  if (!e || e.phase === 'sample') return 0;
  if (e.phase === 'review' || e.phase === 'done') return 2;
  return 1;
}

/** The sample job as three named phases, the current file with its rows per second, and Cancel. */
function SampleProgress(props: { event: ProgressEvent | undefined; cancelling: boolean; onCancel: () => void }) {
  const e = props.event;
  const current = phaseOf(e);
  const [files, setFiles] = useState(0);
  const [total, setTotal] = useState<number | null>(null);
  const [rate, setRate] = useState<number | null>(null);
  useEffect(() => {
    if (e?.phase === 'file-done') {
      setFiles(e.done);
      setTotal(e.total);
    }
    if (e?.rows_per_second) setRate(e.rows_per_second);
  }, [e]);
  const frac = e && e.total && e.phase === 'review' ? e.done / e.total : null;
  return (
    <div className="sample-progress">
      <ol className="phases" aria-label="Sample progress">
        {SAMPLE_PHASES.map((p, i) => (
          <li key={p.id} className={i < current ? 'done' : i === current ? 'current' : ''} aria-current={i === current ? 'step' : undefined}>
            {i < current ? <CheckCircle2 size={16} aria-hidden /> : i === current ? <Loader2 size={16} className="spin" aria-hidden /> : <Circle size={16} aria-hidden />}
            <span>{p.label}</span>
            {i === 1 && current >= 1 && (
              <span className="muted small num">
                {current === 1 ? `${files}${total ? ` of ${total}` : ''} files done${e?.file ? ` · ${e.file}` : ''}` : `${files} files`}
                {rate ? ` · ${int(rate)} rows/s` : ''}
              </span>
            )}
          </li>
        ))}
      </ol>
      <div className="progress-track" role="progressbar" aria-label="Preparing the sample engagement" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(((current + (frac ?? 0.5)) / 3) * 100)} aria-valuetext={e?.message ?? 'Starting'}>
        <div className="progress-fill" style={{ width: `${((current + (frac ?? 0.5)) / 3) * 100}%` }} />
      </div>
      <div className="progress-top">
        <span className="muted small">{e?.message ?? 'Starting…'}</span>
        <button type="button" className="btn subtle small" onClick={props.onCancel} disabled={props.cancelling}>{props.cancelling ? 'Cancelling…' : 'Cancel'}</button>
      </div>
    </div>
  );
}
