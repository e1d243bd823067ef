// Step 9: write the workbook and the evidence pack; compare with last quarter's engagement.
import { useState } from 'react';
import { FileSpreadsheet, GitCompare, PackageCheck } from 'lucide-react';
import type { Output } from '../../analysis/api/contract';
import { api, newJobId } from '../api/client';
import { useApp } from '../store';
import { Card, Empty, ErrorBox, PageHeader, ProgressBar, Success, useJob } from '../components/ui';
import { int } from '../format';

export function ExportStep() {
  const info = useApp((s) => s.info);
  const summary = useApp((s) => s.summary);
  const [dir, setDir] = useState('');
  const [job, setJob] = useState<{ id: string; what: string } | null>(null);
  const event = useJob(job?.id ?? null);
  const [workbook, setWorkbook] = useState<string | null>(null);
  const [pack, setPack] = useState<{ path: string; fingerprint: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [prevPath, setPrevPath] = useState('');
  const [cmp, setCmp] = useState<Output<'compare.previous'> | null>(null);

  async function run(what: 'workbook' | 'pack') {
    setError(null);
    const id = newJobId(what);
    setJob({ id, what });
    try {
      if (what === 'workbook') setWorkbook((await api('export.workbook', { jobId: id, dir: dir.trim() || undefined })).path);
      else setPack(await api('export.evidencePack', { jobId: id, dir: dir.trim() || undefined }));
    } catch (e) {
      setError(`${what === 'workbook' ? 'The workbook' : 'The evidence pack'} was not written: ${(e as Error).message}`);
    } finally {
      setJob(null);
    }
  }

  return (
    <div className="page">
      <PageHeader title="Export" lead="Write the Excel workbook for finance and the signed, read-only evidence pack for auditors; compare with last quarter's engagement to see what is new, resolved and still open." />
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      {!summary ? (
        <Empty title="Nothing to export yet">Run the review first; the exports hold its findings and your decisions.</Empty>
      ) : (
        <>
          <Card title="Write the deliverables" id="write">
            <div className="field">
              <label htmlFor="export-dir">Output folder</label>
              <input id="export-dir" value={dir} onChange={(e) => setDir(e.target.value)} placeholder={info ? `${info.folder}/exports` : 'exports folder'} />
              <div className="hint">Leave empty to write into the engagement's exports folder.</div>
            </div>
            <div className="button-row">
              <button type="button" className="btn primary" disabled={job !== null} onClick={() => void run('workbook')}><FileSpreadsheet size={16} aria-hidden /> Write workbook</button>
              <button type="button" className="btn primary" disabled={job !== null} onClick={() => void run('pack')}><PackageCheck size={16} aria-hidden /> Write evidence pack</button>
            </div>
            {job && <ProgressBar label={job.what === 'workbook' ? 'Writing the workbook' : 'Writing the evidence pack'} event={event} onCancel={() => void api('job.cancel', { jobId: job.id })} />}
            {workbook && <Success>Workbook written to <span className="mono">{workbook}</span></Success>}
            {pack && <Success>Evidence pack written to <span className="mono">{pack.path}</span><br />Signing key fingerprint <span className="mono">{pack.fingerprint}</span></Success>}
          </Card>
          <Card title="Compare with last quarter" id="compare">
            <p className="muted">Give last quarter's engagement file (.lrtw); findings are matched by their stable ids.</p>
            <form className="inline-form" onSubmit={(e) => { e.preventDefault(); setError(null); void api('compare.previous', { path: prevPath.trim() }).then(setCmp, (err: Error) => setError(`Could not compare: ${err.message}`)); }}>
              <input aria-label="Last quarter's engagement file" placeholder="/path/to/last-quarter.lrtw" value={prevPath} onChange={(e) => setPrevPath(e.target.value)} />
              <button type="submit" className="btn" disabled={!prevPath.trim()}><GitCompare size={16} aria-hidden /> Compare</button>
            </form>
            {cmp && (
              <div className="grid-3 compare">
                {([['New since last quarter', cmp.new], ['Resolved', cmp.resolved], ['Still open', cmp.still_open]] as const).map(([label, ids]) => (
                  <div key={label}>
                    <h3>{label} <span className="num muted">{int(ids.length)}</span></h3>
                    {ids.length === 0 ? <p className="muted">None.</p> : <ul className="list mono small">{ids.slice(0, 100).map((id) => <li key={id}>{id}</li>)}</ul>}
                  </div>
                ))}
              </div>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
