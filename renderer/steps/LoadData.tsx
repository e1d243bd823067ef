// Step 1: drop files or give a folder path; per file the detected kind, the editable mapping, a
// preview; then the import with progress and cancel; then counts, refusals and a rejects viewer.
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Ban, FileUp, FolderOpen, FolderSearch, PlayCircle, Upload } from 'lucide-react';
import type { FilePlan, Output } from '../../analysis/api/contract';
import type { InputKind } from '../../analysis/model';
import { INPUT_KINDS, KIND_LABELS, mostlyRejected } from '../api/shared';
import { api, client, errorMessage, newJobId, shell } from '../api/client';
import { runReviewJob, useApp } from '../store';
import { DataTable, type Column } from '../components/DataTable';
import { Card, Empty, ErrorBox, Loading, PageHeader, ProgressBar, Success, useJob, useLoad } from '../components/ui';
import { bytes, date, int } from '../format';


type RejectRow = Output<'rejects.list'>['rows'][number];
type Plan = FilePlan & { include: boolean };

/** What a loaded file with nothing in it holds: a log has server lines but no check-out, an export only its header. */
const noRows = (kind: string): string => (kind === 'flexnet_log' ? 'no check-outs or denials (server lines only)' : 'no data rows (a header only)');

export function LoadDataStep() {
  const refresh = useApp((s) => s.refresh);
  const setStep = useApp((s) => s.setStep);
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  const [plans, setPlans] = useState<Plan[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [phase, setPhase] = useState<'idle' | 'uploading' | 'scanning' | 'importing' | 'reviewing'>('idle');
  const [uploadNote, setUploadNote] = useState('');
  const [job, setJob] = useState<string | null>(null);
  const [result, setResult] = useState<Output<'import.run'> | null>(null);
  const [path, setPath] = useState('');
  const [dragging, setDragging] = useState(false);
  const [tick, setTick] = useState(0);
  const event = useJob(job);
  const fileInput = useRef<HTMLInputElement>(null);
  const desktop = shell();
  const [sourceCount, setSourceCount] = useState<number | null>(null);
  const [foundSettings, setFoundSettings] = useState<Output<'settings.find'> | null>(null);

  async function scan(paths: string[]) {
    setPhase('scanning');
    try {
      const r = await api('import.scan', { paths });
      setPlans(r.map((p) => ({ ...p, include: startsTicked(p) })));
      // An engagement.json among them (the CLI reads its input folder's): offered, never applied unasked.
      setFoundSettings(readOnly ? null : await api('settings.find', { paths }).catch(() => null));
    } finally {
      setPhase('idle');
    }
  }

  async function applyFoundSettings(file: string) {
    setError(null);
    try {
      await api('settings.applyFile', { path: file });
      setFoundSettings(null);
      useApp.getState().setNotice(`Applied the settings of ${file}.`);
      await refresh();
    } catch (e) {
      setError(`The settings of ${file} were not applied: ${errorMessage(e)}`);
    }
  }

  /** Reads one file again as the kind the analyst chose (null: detect again); its card shows that kind's mapping. */
  async function rescan(path: string, kind: InputKind | null) {
    setError(null);
    try {
      const [np] = await api('import.scan', kind ? { paths: [path], kind } : { paths: [path] });
      if (np) setPlans((ps) => ps && ps.map((x) => (x.path === path ? { ...np, include: startsTicked(np) } : x)));
    } catch (e) {
      setError(`Could not read ${path} as that kind: ${errorMessage(e)}`);
    }
  }

  async function takeFiles(files: File[]) {
    if (files.length === 0) return;
    setError(null);
    setResult(null);
    try {
      const c = client();
      const paths: string[] = [];
      if (c.upload) {
        setPhase('uploading');
        for (const [i, f] of files.entries()) {
          setUploadNote(`Copying ${f.name} (${i + 1} of ${files.length}, ${bytes(f.size)}) into the engagement's inbox…`);
          paths.push((await c.upload(f)).path);
        }
      } else {
        for (const f of files) {
          const p = c.pathOf(f);
          if (!p) throw new Error(`${f.name}: the app could not read this file's location. Type its folder in the path field instead.`);
          paths.push(p);
        }
      }
      await scan(paths);
    } catch (e) {
      setError((e as Error).message);
      setPhase('idle');
    } finally {
      setUploadNote('');
    }
  }

  async function runImport() {
    if (!plans) return;
    const files = plans.filter(importable).map((p) => ({ path: p.path, kind: p.kind ?? undefined, mapping: p.mapping }));
    if (files.length === 0) {
      setError('No file is selected for import. Tick at least one file that was not refused.');
      return;
    }
    setError(null);
    const jobId = newJobId('import');
    setJob(jobId);
    setPhase('importing');
    try {
      const r = await api('import.run', { jobId, files });
      // The job is over: its progress and Cancel go at once, while the lists below reload.
      setPhase('idle');
      setJob(null);
      const refusedAtScan = plans.filter((p) => p.refused !== null).map((p) => ({ file: p.file, reason: p.refused! }));
      setResult({ ...r, refused: [...refusedAtScan, ...r.refused.filter((x) => !refusedAtScan.some((y) => y.file === x.file))] });
      setPlans(null);
      await refresh();
      setTick((t) => t + 1);
    } catch (e) {
      setError(`The import did not finish: ${(e as Error).message}. Nothing from this import was kept; fix the file and import again.`);
    } finally {
      setPhase('idle');
      setJob(null);
    }
  }

  async function runReview() {
    setError(null);
    setPhase('reviewing');
    const r = await runReviewJob(setJob);
    setPhase('idle');
    if (r.error) setError(r.error);
    else if (!r.cancelled) setStep('quality');
  }

  // Desktop: the system's own dialogs give real paths, so nothing is copied.
  async function pickFiles() {
    if (!desktop) return;
    const paths = await desktop.pickImportFiles();
    if (paths.length === 0) return;
    setError(null);
    setResult(null);
    await scan(paths).catch((err: unknown) => setError(errorMessage(err)));
  }
  async function pickFolder() {
    if (!desktop) return;
    const dir = await desktop.pickImportFolder();
    if (!dir) return;
    setError(null);
    setResult(null);
    await scan([dir]).catch((err: unknown) => setError(errorMessage(err)));
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    void takeFiles([...e.dataTransfer.files]);
  }

  const busy = phase !== 'idle';
  return (
    <div className="page">
      <PageHeader
        title="Load data"
        lead="Drop the client's exports: LRT session exports, Autodesk Account reports, Token Flex exports, FlexNet logs and an identity map. Each file's kind is detected from its headers; check the mapping before importing."
        actions={
          <button type="button" className="btn primary" onClick={() => void runReview()} disabled={busy || readOnly || sourceCount === 0} title={sourceCount === 0 ? 'Load at least one file first' : undefined}>
            <PlayCircle size={16} aria-hidden /> Run the review
          </button>
        }
      />
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      {phase === 'reviewing' && <ProgressBar label="Running the review" event={event} onCancel={() => job && void api('job.cancel', { jobId: job })} />}

      {!readOnly && (
        <div
          className={`dropzone ${dragging ? 'over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <Upload size={28} aria-hidden />
          <div className="strong">Drop files here</div>
          <div className="muted">CSV, TSV, XLSX, FlexNet .log or .txt{desktop ? ', or a whole folder' : ''}</div>
          <input ref={fileInput} type="file" multiple className="sr-only" aria-label="Choose files to import" onChange={(e) => { void takeFiles([...(e.target.files ?? [])]); e.target.value = ''; }} tabIndex={-1} />
          <div className="button-row tight">
            <button type="button" className="btn" onClick={() => (desktop ? void pickFiles() : fileInput.current?.click())} disabled={busy}>
              <FileUp size={16} aria-hidden /> Choose files
            </button>
            {desktop && (
              <button type="button" className="btn" onClick={() => void pickFolder()} disabled={busy}>
                <FolderOpen size={16} aria-hidden /> Choose folder
              </button>
            )}
          </div>
          <form
            className="inline-form path-form"
            onSubmit={(e) => {
              e.preventDefault();
              setError(null);
              setResult(null);
              void scan([path.trim()]).catch((err: Error) => {
                setError(err.message);
                setPhase('idle');
              });
            }}
          >
            <input aria-label="Folder or file path on this machine" placeholder="…or type a folder path on this machine" value={path} onChange={(e) => setPath(e.target.value)} />
            <button type="submit" className="btn" disabled={busy || !path.trim()}>
              <FolderSearch size={16} aria-hidden /> Scan folder
            </button>
          </form>
        </div>
      )}
      {phase === 'uploading' && <ProgressBar label={uploadNote || 'Copying files'} event={undefined} />}
      {phase === 'scanning' && <Loading what="the files (detecting kinds and mappings)" />}

      {foundSettings?.file && (
        <div className={`alert ${foundSettings.problem ? 'error' : 'warn'}`} role="status" aria-label="Engagement settings found">
          <div className="alert-body">
            {foundSettings.problem ? (
              <>The folder holds engagement settings that cannot be read: {foundSettings.problem}</>
            ) : foundSettings.differs.length === 0 ? (
              <><span className="mono">{foundSettings.file}</span> holds engagement settings that match this engagement's.</>
            ) : (
              <>
                <span className="mono">{foundSettings.file}</span> holds engagement settings{foundSettings.client ? ` for ${foundSettings.client}` : ''} that differ from this engagement's: {foundSettings.differs.join(', ')}. The command line reviews a folder with them; apply them here for the same figures.{' '}
                <span className="alert-actions">
                  <button type="button" className="btn small primary" onClick={() => void applyFoundSettings(foundSettings.file!)}>Apply its settings</button>
                  <button type="button" className="btn small subtle" onClick={() => setFoundSettings(null)}>Keep this engagement's</button>
                </span>
              </>
            )}
          </div>
        </div>
      )}

      {plans && (
        <Card title={`Files to import (${plans.length})`} id="plans" actions={
          (() => {
            const n = plans.filter(importable).length;
            // Nothing to import (every file refused or unticked): the button says so instead of starting an empty job.
            return (
              <button type="button" className="btn primary" onClick={() => void runImport()} disabled={busy || n === 0} title={n === 0 ? 'Tick at least one file that can be imported' : undefined}>
                {`Import ${n} ${n === 1 ? 'file' : 'files'}`}
              </button>
            );
          })()
        }>
          {phase === 'importing' && <ProgressBar label="Importing" event={event} onCancel={() => job && void api('job.cancel', { jobId: job })} />}
          <div className="plans">
            {plans.map((p, i) => (
              <PlanCard key={p.path} plan={p} onChange={(np) => setPlans((ps) => ps && ps.map((x, j) => (j === i ? np : x)))} onKind={(kind) => void rescan(p.path, kind)} />
            ))}
          </div>
        </Card>
      )}
      {!plans && phase === 'importing' && <ProgressBar label="Importing" event={event} onCancel={() => job && void api('job.cancel', { jobId: job })} />}

      {result && <ImportResult result={result} onReview={!readOnly && !result.cancelled && result.sources.length > 0 && phase === 'idle' ? () => void runReview() : undefined} />}
      <LoadedSources
        tick={tick}
        imported={result}
        onCount={setSourceCount}
        onRemoved={() => {
          // The last import's card speaks of files as they were; after a removal it would offer a review of nothing.
          setResult(null);
          setTick((t) => t + 1);
        }}
      />
    </div>
  );
}

/**
 * What the scan found missing, less what the analyst has mapped since: "user or device_name" is met by either.
 * Headers left over are those no column is mapped to.
 */
function unmetGroups(p: Plan): number[] {
  return p.missing_required.flatMap((_, i) => ((p.missing_required_columns[i] ?? []).some((c) => p.mapping[c]) ? [] : [i]));
}
function stillMissing(p: Plan): string[] {
  return unmetGroups(p).map((i) => p.missing_required[i]!);
}
/** A readable file starts ticked, unless the engagement already holds it (importing it again would only add duplicates). */
function startsTicked(p: FilePlan): boolean {
  return p.refused === null && p.already_loaded === null;
}
/** Ticked, not refused, and every required column mapped (the engine refuses a file that lacks one). */
function importable(p: Plan): boolean {
  return p.include && p.refused === null && stillMissing(p).length === 0;
}
function unmappedHeaders(p: Plan): string[] {
  const used = new Set(Object.values(p.mapping).filter((h): h is string => !!h));
  return p.headers.filter((h) => !used.has(h));
}

function PlanCard(props: { plan: Plan; onChange: (p: Plan) => void; onKind: (kind: InputKind | null) => void }) {
  const p = props.plan;
  const canonical = Object.keys(p.mapping);
  const missing = stillMissing(p);
  // The columns that could meet a requirement still unmet, marked in the mapping.
  const missingColumns = new Set(unmetGroups(p).flatMap((i) => p.missing_required_columns[i] ?? []));
  const extra = unmappedHeaders(p);
  return (
    <article className={`plan ${p.refused ? 'refused' : ''}`} aria-label={`File ${p.file}`}>
      <div className="plan-head">
        <label className="check">
          <input type="checkbox" aria-label={`Import ${p.file}`} checked={importable(p)} disabled={p.refused !== null || missing.length > 0} onChange={(e) => props.onChange({ ...p, include: e.target.checked })} />
          <span className="strong mono">{p.file}</span>
        </label>
        <span className="muted num">{bytes(p.size_bytes)}{p.sheet ? ` · sheet ${p.sheet}` : ''}</span>
        {/* Also on a refused file: reading it as a chosen kind is how the analyst maps an export detection did not know. */}
        <label className="field compact inline">
          <span>Kind</span>
          <select aria-label={`Kind of ${p.file}`} value={p.kind ?? ''} onChange={(e) => props.onKind((e.target.value || null) as InputKind | null)}>
            <option value="">{p.kind ? 'Detect again' : 'Not detected'}</option>
            {INPUT_KINDS.map((k) => (
              <option key={k} value={k}>{KIND_LABELS[k]}</option>
            ))}
          </select>
        </label>
      </div>
      {p.refused !== null && (
        <div className="alert error" role="alert">
          <Ban size={16} aria-hidden />
          <div className="alert-body"><strong>Refused:</strong> {p.refused}</div>
        </div>
      )}
      {missing.length > 0 && p.refused === null && (
        <div className="alert warn" role="alert">
          <div className="alert-body">Required columns not found: <strong>{missing.join('; ')}</strong>. Choose the matching source column below to import this file.</div>
        </div>
      )}
      {p.already_loaded !== null && p.refused === null && (
        <div className="alert info" role="status" aria-label={`${p.file} is already loaded`}>
          <div className="alert-body">Already loaded on {date(p.already_loaded)} (a file of this name and size): importing it again adds only rows not loaded yet, the rest count as duplicates. Tick it to import it anyway.</div>
        </div>
      )}
      {p.same_name_loaded !== null && p.refused === null && (
        <div className="alert info" role="status" aria-label={`Another ${p.file} is loaded`}>
          <div className="alert-body">Another file named {p.file} was loaded on {date(p.same_name_loaded)} (of another size: another export). This one is imported beside it, and rows both hold count once. If this one replaces it, remove the older one from the loaded files first.</div>
        </div>
      )}
      {p.notes.length > 0 && <p className="muted small notes">{p.notes.join(' · ')}</p>}
      {p.refused === null && canonical.length > 0 && (
        <details className="mapping" open={p.missing_required.length > 0}>
          <summary>Column mapping ({canonical.filter((c) => p.mapping[c]).length} of {canonical.length} mapped{extra.length ? `, ${extra.length} extra ${extra.length === 1 ? 'column' : 'columns'} kept` : ''})</summary>
          <div className="mapping-grid">
            {canonical.map((c) => (
              <label key={c} className="mapping-row">
                <span className="mono">{c}{missingColumns.has(c) ? ' *' : ''}</span>
                <select aria-label={`Source column for ${c} in ${p.file}`} value={p.mapping[c] ?? ''} onChange={(e) => props.onChange({ ...p, mapping: { ...p.mapping, [c]: e.target.value || null } })}>
                  <option value="">(not mapped)</option>
                  {p.headers.map((h) => (
                    <option key={h} value={h}>{h}</option>
                  ))}
                </select>
              </label>
            ))}
          </div>
        </details>
      )}
      {p.preview.length > 0 && (
        <div className="preview" role="region" aria-label={`Preview of ${p.file}`} tabIndex={0}>
          <table className="simple-table compact">
            <thead>
              <tr>{p.headers.map((h) => <th key={h} scope="col">{h}</th>)}</tr>
            </thead>
            <tbody>
              {p.preview.slice(0, 5).map((row, i) => (
                <tr key={i}>{row.map((v, j) => <td key={j} className="mono">{v}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

function ImportResult(props: { result: Output<'import.run'>; onReview?: () => void }) {
  const r = props.result;
  const loaded = r.sources.reduce((a, s) => a + s.rows_loaded, 0);
  const rejected = r.sources.reduce((a, s) => a + s.rows_rejected, 0);
  const mostly = r.sources.filter(mostlyRejected);
  return (
    <Card title="Import finished" id="import-result" actions={props.onReview && <button type="button" className="btn primary" onClick={props.onReview}><PlayCircle size={16} aria-hidden /> Next: run the review</button>}>
      {r.cancelled ? (
        <div className="alert warn" role="alert">
          <div className="alert-body">
            {r.sources.length === 0
              ? 'The import was cancelled before any file was loaded; the engagement is as it was before.'
              : `The import was cancelled. ${r.sources.length === 1 ? 'The file' : `The ${r.sources.length} files`} loaded before it (${r.sources.map((s) => s.file).join(', ')}) ${r.sources.length === 1 ? 'stays' : 'stay'} loaded; the file being read was not loaded, nor any after it.`}
          </div>
        </div>
      ) : (
        <Success>
          Loaded <span className="num">{int(loaded)}</span> {loaded === 1 ? 'row' : 'rows'} from {r.sources.length} {r.sources.length === 1 ? 'file' : 'files'}; <span className="num">{int(rejected)}</span> {rejected === 1 ? 'row' : 'rows'} rejected{rejected > 0 ? ' (see the rejected rows below)' : ''}.
        </Success>
      )}
      {mostly.length > 0 && (
        <div className="alert warn" role="alert" aria-label="Files mostly rejected">
          <div className="alert-body">
            {mostly.map((s) => `${s.file} (${int(s.rows_rejected)} of ${int(s.rows_read)} rows)`).join(', ')} {mostly.length === 1 ? 'was' : 'were'} mostly rejected, so {mostly.length === 1 ? 'its' : 'their'} figures are largely missing from the review. The rejected rows below say why; fix the export and import it again.
          </div>
        </div>
      )}
      {r.sources.some((s) => s.rows_read === 0) && (
        // Loaded, but nothing in it: usually an export run with a filter that matched nothing.
        <div className="alert warn" role="status" aria-label="Files with no rows">
          <div className="alert-body">
            {r.sources.filter((s) => s.rows_read === 0).map((s) => `${s.file} holds ${noRows(s.kind)}`).join('; ')}: check the export was not filtered to nothing, and covers the period.
          </div>
        </div>
      )}
      {r.refused.length > 0 && (
        <div className="alert error" role="alert">
          <Ban size={16} aria-hidden />
          <div className="alert-body">
            <strong>{r.refused.length === 1 ? '1 file was refused' : `${r.refused.length} files were refused`}</strong>
            <ul className="plain">
              {r.refused.map((x) => (
                <li key={x.file}><span className="mono">{x.file}</span>: {x.reason}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </Card>
  );
}

const REJECTS_SHOWN = 5000;

function LoadedSources(props: { tick: number; imported: unknown; onCount: (n: number) => void; onRemoved: () => void }) {
  const sources = useLoad(() => api('sources.list', {}), [props.tick]);
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  const refreshApp = useApp((s) => s.refresh);
  const setNotice = useApp((s) => s.setNotice);
  // The source whose removal is being confirmed, and what the last removal left to do.
  const [removing, setRemoving] = useState<number | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const [importAgain, setImportAgain] = useState<{ file: string; files: string[] } | null>(null);
  // A new import answers the note (or makes it stale).
  useEffect(() => {
    if (props.imported) setImportAgain(null);
  }, [props.imported]);
  const tableRef = useRef<HTMLDivElement>(null);
  async function remove(id: number, file: string) {
    setRemoveError(null);
    try {
      const r = await api('sources.remove', { source_id: id });
      // The focus goes to the list of sources, not to the next file's Remove button (one Enter from another removal).
      tableRef.current?.focus();
      setRemoving(null);
      setImportAgain(r.import_again.length ? { file: r.file, files: r.import_again } : null);
      setNotice(`Removed ${r.file} and its ${int(r.rows)} ${r.rows === 1 ? 'row' : 'rows'}. Run the review again for figures without it.`);
      await refreshApp();
      props.onRemoved();
    } catch (e) {
      setRemoveError(`${file} was not removed: ${errorMessage(e)}`);
    }
  }
  const { onCount } = props;
  useEffect(() => {
    if (sources.data) onCount(sources.data.length);
  }, [sources.data, onCount]);
  const refused = useLoad(() => api('refused.list', {}), [props.tick]);
  const [sourceId, setSourceId] = useState<number | undefined>(undefined);
  const rejects = useLoad(() => api('rejects.list', { source_id: sourceId, offset: 0, limit: REJECTS_SHOWN }), [props.tick, sourceId]);
  const rejectCols: Column<RejectRow>[] = [
    { id: 'file', header: 'File', value: (r) => r.file, width: 'minmax(160px, 1fr)' },
    { id: 'line', header: 'Line', value: (r) => r.line, align: 'right', width: '80px' },
    { id: 'reason', header: 'Reason', value: (r) => r.reason, render: (r) => <span className="clamp2" title={r.reason}>{r.reason}</span>, width: 'minmax(260px, 3fr)' },
    { id: 'raw', header: 'Raw text', value: (r) => r.raw, render: (r) => <span className="mono ellipsis" title={r.raw ?? undefined}>{r.raw ?? '—'}</span>, width: 'minmax(220px, 2fr)' },
  ];
  return (
    <>
      <Card title="Loaded sources" id="sources">
        {sources.loading && <Loading what="sources" />}
        {sources.error && <ErrorBox message={sources.error} />}
        {!sources.loading && sources.data && sources.data.length === 0 && <Empty title="Nothing loaded yet">Drop files above, or give a folder path, to load the client's data.</Empty>}
        {sources.data && sources.data.length > 0 && (
          <div className="table-scroll" ref={tableRef} tabIndex={-1} aria-label="Loaded sources">
            <table className="simple-table sources-table">
              <thead>
                <tr>
                  <th scope="col">File</th><th scope="col">Kind</th>
                  <th scope="col" className="right">Read</th><th scope="col" className="right">Loaded</th>
                  <th scope="col" className="right">Rejected</th><th scope="col" className="right">Duplicate</th><th scope="col"><span className="sr-only">Rejects</span></th>
                </tr>
              </thead>
              <tbody>
                {sources.data.map((s) => (
                  <tr key={s.source_id}>
                    <td className="file">
                      <div className="mono" title={`${s.file}\nSHA-256 ${s.sha256}`}>{s.file}</div>
                      {s.notes.map((n) => <div key={n} className="field-note info small">{n}</div>)}
                    </td>
                    <td>{KIND_LABELS[s.kind as InputKind] ?? s.kind}{s.rows_read === 0 && <div className="muted small">{noRows(s.kind)}</div>}</td>
                    <td className="right num">{int(s.rows_read)}</td>
                    <td className="right num">{int(s.rows_loaded)}</td>
                    <td className={`right num ${s.rows_rejected ? 'bad' : ''}`}>{int(s.rows_rejected)}</td>
                    <td className="right num">{int(s.rows_duplicate)}</td>
                    <td className="right actions-cell">
                      {s.rows_rejected > 0 && (
                        <button type="button" className="btn small subtle" aria-label={`Show rejects of ${s.file}`} onClick={() => setSourceId(s.source_id)}>Rejects</button>
                      )}
                      {!readOnly && removing !== s.source_id && (
                        <button type="button" className="btn small subtle" aria-label={`Remove ${s.file}`} onClick={() => { setRemoving(s.source_id); setRemoveError(null); }}>Remove</button>
                      )}
                      {removing === s.source_id && (
                        <span
                          className="confirm-inline"
                          role="group"
                          aria-label={`Confirm removing ${s.file}`}
                          // Escape answers "Keep", as a dialog would.
                          onKeyDown={(e) => {
                            if (e.key === 'Escape') {
                              e.preventDefault();
                              setRemoving(null);
                            }
                          }}
                        >
                          <span className="small">Remove its {int(s.rows_loaded)} {s.rows_loaded === 1 ? 'row' : 'rows'}?</span>
                          <button type="button" className="btn small danger" onClick={() => void remove(s.source_id, s.file)}>Remove</button>
                          {/* The safe answer takes the focus: a second Enter keeps the file. */}
                          <button type="button" className="btn small subtle" autoFocus onClick={() => setRemoving(null)}>Keep</button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {removeError && <ErrorBox message={removeError} onDismiss={() => setRemoveError(null)} />}
        {importAgain && (
          <div className="alert warn" role="status" aria-label="Import again">
            <div className="alert-body">
              {importAgain.files.join(', ')} skipped rows as duplicates when {importAgain.files.length === 1 ? 'it was' : 'they were'} loaded, some perhaps of {importAgain.file}&apos;s: to load those rows, remove {importAgain.files.length === 1 ? 'it' : 'them'} and import {importAgain.files.length === 1 ? 'it' : 'them'} again.
            </div>
          </div>
        )}
        {refused.data && refused.data.length > 0 && (
          <div className="alert error" role="alert">
            <Ban size={16} aria-hidden />
            <div className="alert-body">
              <strong>Refused files</strong>
              <ul className="plain">
                {refused.data.map((x) => (
                  <li key={x.file}><span className="mono">{x.file}</span>: {x.reason}</li>
                ))}
              </ul>
            </div>
          </div>
        )}
      </Card>
      {sources.data && sources.data.length > 0 && (
      <Card
        title={`Rejected rows${rejects.data ? ` (${int(rejects.data.total)})` : ''}`}
        id="rejects"
        actions={sourceId !== undefined ? <button type="button" className="btn small subtle" onClick={() => setSourceId(undefined)}>Show every file</button> : undefined}
      >
        {rejects.loading && !rejects.data && <Loading what="rejected rows" />}
        {rejects.error && <ErrorBox message={rejects.error} />}
        {rejects.data && rejects.data.total === 0 && <Empty title="No rejected rows">Every row read so far was loaded or recognised as a duplicate of an earlier file.</Empty>}
        {rejects.data && rejects.data.total > 0 && (
          <DataTable
            label="Rejected rows"
            rows={rejects.data.rows}
            columns={rejectCols}
            rowKey={(r) => `${r.source_id}:${r.line}`}
            rowLabel={(r) => `${r.file} line ${r.line}`}
            height={280}
            empty="No row was rejected. Every row read is either loaded or a duplicate of an earlier file."
          />
        )}
        {rejects.data && rejects.data.total > rejects.data.rows.length && <p className="muted small" role="note">Showing the first {int(rejects.data.rows.length)} of {int(rejects.data.total)} rejected rows, and a search looks through these only: {sourceId === undefined ? "choose a file's Rejects to see its own, or" : ''} see every rejected row in the workbook's Data Quality sheet.</p>}
      </Card>
      )}
    </>
  );
}
