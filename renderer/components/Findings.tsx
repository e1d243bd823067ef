// The findings workbench shared by Reclamation, Compliance gaps and Optimisation: a table of
// findings with their decisions, a decision bar for the selection (bulk or one by one, saved at
// once), and the evidence side panel one click away.
import { useLayoutEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { FileSearch, X } from 'lucide-react';
import type { Decision, Output } from '../../analysis/api/contract';
import type { Finding } from '../../analysis/model';
import { api } from '../api/client';
import { useApp, type DecisionInput } from '../store';
import { DataTable, type Column } from './DataTable';
import { Empty, ErrorBox, Loading, useLoad } from './ui';
import { date, int, money, typeLabel } from '../format';

export type Action = Decision['action'];

const ACTION_LABELS: Record<Action, string> = {
  reclaim: 'Reclaim',
  keep: 'Keep',
  buy: 'Buy',
  remediate: 'Remediate',
  dispute: 'Dispute',
  investigate: 'Investigate',
  accept: 'Accept',
  reject: 'Reject',
};
/** Actions whose decision needs a written reason (REVIEW-FLOW: keep with a reason, dispute with justification). */
const NEEDS_REASON: Action[] = ['keep', 'dispute', 'reject'];

/** The engine writes figures in a finding's detail as plain numbers ("3810.0 - 2985.0"); show whole amounts as money. */
export function readableDetail(detail: string, currency: string): string {
  return detail.replace(/\b(\d{3,})\.0{1,2}\b/g, (_, n: string) => money(Number(n), currency));
}

export function describeFinding(f: Finding): string {
  return [typeLabel(f.type), f.user, f.offering ?? f.product].filter(Boolean).join(' · ');
}

export function FindingsWorkbench(props: {
  label: string;
  findings: Finding[];
  actions: Action[];
  extraColumns?: Column<Finding>[];
  withOwner?: boolean;
  /** Hide the Offering column where the finding type never has one (dormant users name it in the detail). */
  hideOffering?: boolean;
  withSeverity?: boolean;
  empty: ReactNode;
  readOnly?: boolean;
}) {
  const currency = useApp((s) => s.settings?.currency ?? s.summary?.currency ?? 'USD');
  const decisions = useApp((s) => s.decisions);
  const saveDecisions = useApp((s) => s.saveDecisions);
  const clearDecisions = useApp((s) => s.clearDecisions);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [evidenceFor, setEvidenceFor] = useState<Finding | null>(null);
  const [error, setError] = useState<string | null>(null);
  const compact = evidenceFor !== null;

  async function decide(ids: string[], d: DecisionInput) {
    setError(null);
    if (NEEDS_REASON.includes(d.action) && !d.justification?.trim()) {
      setError(`"${ACTION_LABELS[d.action]}" needs a reason. Write it in Justification, then apply again.`);
      return;
    }
    try {
      await saveDecisions(ids, d);
    } catch (e) {
      setError(`The decision was not saved: ${(e as Error).message}`);
    }
  }

  const columns = useMemo<Column<Finding>[]>(() => {
    const cols: Column<Finding>[] = [
      {
        id: 'type',
        header: 'Type',
        value: (f) => typeLabel(f.type),
        // The gap register shows each line's severity under its type (one column fewer, so it fits at 1280 px).
        render: props.withSeverity
          ? (f) => (
              <span className="two-line">
                <span className="ellipsis-cell">{typeLabel(f.type)}</span>
                <span className={`sev-text ${f.severity}`}>{f.severity}</span>
              </span>
            )
          : undefined,
        width: 'minmax(108px, 1.2fr)',
      },
      {
        id: 'user',
        header: 'User',
        value: (f) => f.user,
        // Product- and site-level findings have no single user; say so rather than leave a dash.
        render: (f) => (f.user ? <span className="ellipsis-cell" title={f.user}>{f.user}</span> : <span className="muted">Estate-wide</span>),
        // The widest flexible track: e-mail addresses are what the analyst scans; the full value is in the tooltip.
        // Narrower with the evidence panel open, so the compact table still fits at 1280 px.
        width: compact ? 'minmax(130px, 2fr)' : 'minmax(170px, 2.4fr)',
      },
      // With the evidence panel open the table keeps only what a decision needs, so nothing scrolls out of view.
      ...(compact
        ? []
        : [
            ...(props.hideOffering ? [] : [{ id: 'what', header: 'Offering', value: (f: Finding) => f.offering ?? f.product, width: 'minmax(88px, 0.6fr)' }]),
            ...(props.extraColumns ?? []),
          ]),
      ...(compact ? [] : [{ id: 'units', header: 'Units', value: (f: Finding) => f.units, render: (f: Finding) => int(f.units), align: 'right' as const, width: '72px' }]),
      { id: 'value', header: 'Annual value', value: (f) => f.annual_value, render: (f) => money(f.annual_value, currency), align: 'right', width: '116px' },
      {
        id: 'decision',
        header: 'Decision',
        value: (f) => decisions.get(f.finding_id)?.action ?? '',
        width: '136px',
        render: (f) => {
          const d = decisions.get(f.finding_id);
          if (props.readOnly) return d ? ACTION_LABELS[d.action] : '—';
          return (
            <select
              className="cell-select"
              aria-label={`Decision for ${describeFinding(f)}`}
              value={d?.action ?? ''}
              onChange={(e) => {
                const v = e.target.value as Action | '';
                if (v === '') void clearDecisions([f.finding_id]).catch((err: Error) => setError(err.message));
                else void decide([f.finding_id], { action: v, owner: d?.owner ?? null, due_date: d?.due_date ?? null, justification: d?.justification ?? (NEEDS_REASON.includes(v) ? null : null) });
              }}
            >
              <option value="">Undecided</option>
              {props.actions.map((a) => (
                <option key={a} value={a}>{ACTION_LABELS[a]}</option>
              ))}
            </select>
          );
        },
      },
      ...(props.withOwner && !compact
        ? [
            {
              id: 'owner',
              header: 'Owner · due',
              value: (f: Finding) => {
                const d = decisions.get(f.finding_id);
                return d?.owner || d?.due_date ? `${d.owner ?? ''} ${d.due_date ?? ''}`.trim() : null;
              },
              render: (f: Finding) => {
                const d = decisions.get(f.finding_id);
                if (!d?.owner && !d?.due_date) return <span className="muted">—</span>;
                return (
                  <span className="two-line">
                    <span className="ellipsis-cell">{d.owner ?? 'No owner'}</span>
                    <span className="muted small num">{d.due_date ? `due ${date(d.due_date)}` : 'no due date'}</span>
                  </span>
                );
              },
              width: 'minmax(92px, 0.8fr)',
            },
          ]
        : []),
      {
        id: 'evidence',
        header: 'Evidence',
        value: (f) => f.evidence_count,
        align: 'right',
        width: '92px',
        filterable: false,
        render: (f) => (
          <button type="button" className="link-btn" aria-label={`Show evidence for ${describeFinding(f)}`} onClick={() => setEvidenceFor(f)}>
            <FileSearch size={14} aria-hidden /> {int(f.evidence_count)}
          </button>
        ),
      },
    ];
    return cols;
  }, [decisions, currency, props.actions, props.extraColumns, props.readOnly, props.hideOffering, props.withOwner, props.withSeverity, compact]);

  const selectedIds = [...selected];
  return (
    <div className={`workbench ${evidenceFor ? 'with-panel' : ''}`}>
      <div className="workbench-main">
        {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
        {!props.readOnly && selectedIds.length > 0 && (
          <DecisionBar
            count={selectedIds.length}
            actions={props.actions}
            withOwner={props.withOwner ?? false}
            initial={selectedIds.length === 1 ? decisions.get(selectedIds[0]!) : undefined}
            onApply={(d) => decide(selectedIds, d)}
            onClear={() => void clearDecisions(selectedIds).catch((e: Error) => setError(e.message))}
          />
        )}
        <DataTable
          label={props.label}
          rows={props.findings}
          columns={columns}
          rowKey={(f) => f.finding_id}
          rowLabel={describeFinding}
          selectable={!props.readOnly}
          selected={selected}
          onSelectedChange={setSelected}
          onOpen={setEvidenceFor}
          activeKey={evidenceFor?.finding_id ?? null}
          initialSort={{ id: 'value', desc: true }}
          empty={props.empty}
          height={460}
        />
      </div>
      {evidenceFor && <EvidencePanel finding={evidenceFor} currency={currency} onClose={() => setEvidenceFor(null)} />}
    </div>
  );
}

function DecisionBar(props: { count: number; actions: Action[]; withOwner: boolean; initial: Decision | undefined; onApply: (d: DecisionInput) => Promise<void>; onClear: () => void }) {
  const [action, setAction] = useState<Action>(props.initial?.action ?? props.actions[0]!);
  const [owner, setOwner] = useState(props.initial?.owner ?? '');
  const [due, setDue] = useState(props.initial?.due_date ?? '');
  const [why, setWhy] = useState(props.initial?.justification ?? '');
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="decision-bar"
      aria-label="Decision for the selected findings"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        void props.onApply({ action, owner: owner.trim() || null, due_date: due || null, justification: why.trim() || null }).finally(() => setBusy(false));
      }}
    >
      <div className="decision-fields">
        <label className="field compact">
          <span>Action</span>
          <select aria-label="Action" value={action} onChange={(e) => setAction(e.target.value as Action)}>
            {props.actions.map((a) => (
              <option key={a} value={a}>{ACTION_LABELS[a]}</option>
            ))}
          </select>
        </label>
        {props.withOwner && (
          <>
            <label className="field compact">
              <span>Owner</span>
              <input aria-label="Owner" value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="Name" />
            </label>
            <label className="field compact">
              <span>Due date</span>
              <input aria-label="Due date" type="date" value={due} onChange={(e) => setDue(e.target.value)} />
            </label>
          </>
        )}
        <label className="field compact grow">
          <span>Justification</span>
          <input aria-label="Justification" value={why} onChange={(e) => setWhy(e.target.value)} placeholder={NEEDS_REASON.includes(action) ? 'Required for this action' : 'Optional'} />
        </label>
      </div>
      <div className="decision-buttons">
        <button type="submit" className="btn primary" disabled={busy}>
          Apply to {props.count === 1 ? '1 finding' : `${props.count.toLocaleString('en-US')} findings`}
        </button>
        <button type="button" className="btn subtle" onClick={props.onClear}>Clear decision</button>
      </div>
    </form>
  );
}

export function EvidencePanel(props: { finding: Finding; currency: string; onClose: () => void }) {
  const f = props.finding;
  const ev = useLoad(() => api('findings.evidence', { finding_id: f.finding_id, limit: 1000 }), [f.finding_id]);
  const decision = useApp((s) => s.decisions.get(f.finding_id));
  const panelRef = useRef<HTMLElement>(null);
  return (
    <aside ref={panelRef} className="evidence-panel" aria-label="Evidence">
      <div className="panel-head">
        <div>
          <div className="eyebrow">{typeLabel(f.type)}</div>
          <h2>{f.user ?? f.offering ?? f.product ?? f.finding_id}</h2>
        </div>
        <button type="button" className="icon-btn" aria-label="Close evidence" onClick={props.onClose}>
          <X size={18} aria-hidden />
        </button>
      </div>
      <dl className="facts">
        <dt>Finding</dt><dd className="mono">{f.finding_id}</dd>
        <dt>Product / offering</dt><dd>{[f.product, f.offering].filter(Boolean).join(' / ') || '—'}</dd>
        <dt>Units</dt><dd className="num">{int(f.units)}</dd>
        <dt>Annual value</dt><dd className="num">{money(f.annual_value, props.currency)}</dd>
        {f.price !== null && (<><dt>Price</dt><dd className="num">{money(f.price, props.currency)}{f.list_price !== null && f.list_price !== f.price ? ` (list ${money(f.list_price, props.currency)})` : ''}</dd></>)}
        {f.months !== null && (<><dt>Months of exposure</dt><dd className="num">{int(f.months)}</dd></>)}
        <dt>First / last seen</dt><dd className="num">{date(f.first_seen)} → {date(f.last_seen)}</dd>
        {f.detail && (<><dt>Detail</dt><dd>{readableDetail(f.detail, props.currency)}</dd></>)}
        {decision && (<><dt>Decision</dt><dd>{ACTION_LABELS[decision.action]}{decision.owner ? ` · ${decision.owner}` : ''}{decision.due_date ? ` · due ${date(decision.due_date)}` : ''}{decision.justification ? <div className="muted">{decision.justification}</div> : null}</dd></>)}
      </dl>
      <h3>Evidence {ev.data ? <span className="muted num">({int(ev.data.total)}{ev.data.total > ev.data.rows.length ? `, first ${int(ev.data.rows.length)} shown` : ''})</span> : null}</h3>
      {ev.loading && <Loading what="evidence" />}
      {ev.error && <ErrorBox message={`Could not load the evidence: ${ev.error}`} />}
      {ev.data && ev.data.rows.length === 0 && <Empty title="No evidence rows">The engine recorded no source rows for this finding.</Empty>}
      {ev.data && ev.data.rows.length > 0 && <EvidenceList rows={ev.data.rows} scrollRef={panelRef} />}
    </aside>
  );
}

type EvidenceRow = Output<'findings.evidence'>['rows'][number];

/**
 * The evidence rows of one finding, up to 1000: only the rows in view are in the DOM (rendering all
 * of them took over a second), measured as they appear since notes and values wrap. The panel scrolls.
 */
function EvidenceList(props: { rows: EvidenceRow[]; scrollRef: RefObject<HTMLElement | null> }) {
  const { rows, scrollRef } = props;
  const listRef = useRef<HTMLOListElement>(null);
  const [offset, setOffset] = useState(0);
  // Where the list starts inside the scrolling panel (below the finding's facts, whose height varies).
  useLayoutEffect(() => setOffset(listRef.current?.offsetTop ?? 0));
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => 300, overscan: 4, gap: 8, scrollMargin: offset });
  return (
    <ol ref={listRef} className="evidence-list virtual" aria-label="Evidence rows" style={{ height: v.getTotalSize() }}>
      {v.getVirtualItems().map((item) => {
        const r = rows[item.index]!;
        return (
          <li key={item.key} data-index={item.index} ref={v.measureElement} aria-setsize={rows.length} aria-posinset={item.index + 1} style={{ transform: `translateY(${item.start - offset}px)` }}>
            <div className="evidence-src">
              <span className="tag">{r.table}</span>
              {r.file && <span className="mono">{r.file}{r.line !== null ? `:${r.line}` : ''}</span>}
            </div>
            {r.note && <div className="evidence-note">{r.note}</div>}
            <div className="evidence-values">
              {Object.entries(r.values).map(([k, val]) => (
                <span key={k}><span className="muted">{k}</span> {val === null || val === undefined ? '—' : String(val)}</span>
              ))}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** Loads findings of the given types from the store (already fetched), with loading/empty states. */
export function useFindings(types: readonly string[]): Finding[] | null {
  const all = useApp((s) => s.findings);
  return useMemo(() => (all ? all.filter((f) => types.includes(f.type)) : null), [all, types]);
}

export { ACTION_LABELS };
