// The findings workbench shared by Reclamation, Compliance gaps and Optimisation: a table of
// findings with their decisions, a decision bar for the selection (bulk or one by one, saved at
// once), and the evidence side panel one click away.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { AlertTriangle, FileSearch, X } from 'lucide-react';
import type { Decision, Output } from '../../analysis/api/contract';
import type { Finding } from '../../analysis/model';
import { api, errorMessage, isInvalidInput } from '../api/client';
import { DECISION_LABELS, LIMITS } from '../api/shared';
import { useApp, type DecisionInput } from '../store';
import { DataTable, type Column } from './DataTable';
import { Empty, ErrorBox, FOCUSABLE, Loading, useLoad, useNarrow, useWindowFill } from './ui';
import { date, dueText, int, money, overdue, typeLabel } from '../format';

export type Action = Decision['action'];

const ACTION_LABELS = DECISION_LABELS as Record<Action, string>;
/** Actions whose decision needs a written reason (REVIEW-FLOW: keep with a reason, dispute with justification). */
const NEEDS_REASON: Action[] = ['keep', 'dispute', 'reject'];

/** The engine writes figures in a finding's detail as plain numbers ("3810.0 - 2985.0"); show whole amounts as money. */
export function readableDetail(detail: string, currency: string): string {
  return detail.replace(/\b(\d{3,})\.0{1,2}\b/g, (_, n: string) => money(Number(n), currency));
}

/** What a signal without a user is about: its detail up to the colon ("ACD in 2026-06", "site sgp.corp…"). */
function signalSubject(f: { family?: string; detail?: string | null; user: string | null }): string | null {
  return f.family === 'signal' && !f.user && f.detail ? f.detail.split(':')[0]! : null;
}

/** The evidence count as a button that opens the finding's evidence (the review's steps and auditor mode). */
export function evidenceColumn(header: string, width: string, open: (f: Finding) => void): Column<Finding> {
  return {
    id: 'evidence',
    header,
    value: (f) => f.evidence_count,
    align: 'right',
    width,
    filterable: false,
    render: (f) => (
      // The name holds the count the button shows, so a voice user saying what they see reaches it.
      <button type="button" className="link-btn" aria-label={`Show evidence for ${describeFinding(f)}: ${int(f.evidence_count)} ${f.evidence_count === 1 ? 'row' : 'rows'}`} onClick={() => open(f)}>
        <FileSearch size={14} aria-hidden /> {int(f.evidence_count)}
      </button>
    ),
  };
}

export function describeFinding(f: { type: string; family?: string; detail?: string | null } & Pick<Finding, 'user' | 'product' | 'offering'>): string {
  // A signal is told apart from its kin by its subject.
  return [typeLabel(f.type), f.user, signalSubject(f) ?? f.product ?? f.offering].filter(Boolean).join(' · ');
}

/** The product a finding is about, with the offering that covers it when that is another code (a collection). */
function productOf(f: Finding): string | null {
  return f.product && f.offering && f.offering !== f.product ? `${f.product} (${f.offering})` : f.product ?? f.offering;
}

/**
 * The product (catalogue code) a finding is about, not only its offering: one collection covers several
 * products, and per-product gap lines of one user would otherwise all read alike. The review and auditor mode share it.
 */
export function productColumn(width: string): Column<Finding> {
  return {
    id: 'what',
    header: 'Product',
    value: productOf,
    text: (f) => (f.product && f.offering && f.offering !== f.product ? `${f.product} in ${f.offering}` : (f.product ?? f.offering ?? '')),
    render: (f) =>
      f.product && f.offering && f.offering !== f.product ? (
        <span className="two-line">
          <span className="ellipsis-cell">{f.product}</span>
          <span className="muted small ellipsis-cell">in {f.offering}</span>
        </span>
      ) : (
        <span className="ellipsis-cell">{f.product ?? f.offering ?? '—'}</span>
      ),
    width,
  };
}

/** Lets an e-mail address wrap before its "@" rather than mid-word in a narrow panel. */
function wrapEmail(s: string): ReactNode {
  const at = s.indexOf('@');
  return at > 0 ? <>{s.slice(0, at)}<wbr />{s.slice(at)}</> : s;
}

/** The engine's refusal of a decision, in plain words: the schema's own message names fields, not limits. */
function decisionError(e: unknown): string {
  return isInvalidInput(e)
    ? `The decision was not saved: the owner can be at most ${LIMITS.owner} characters, the justification at most ${LIMITS.justification.toLocaleString('en-US')}, and the due date must be a real date. Shorten or correct them and apply again.`
    : `The decision was not saved: ${errorMessage(e)}`;
}

export function FindingsWorkbench(props: {
  label: string;
  findings: Finding[];
  actions: Action[];
  /** Signals (telemetry gaps, spikes, new domains, denials) cost nothing to close: they take these actions instead. */
  signalActions?: Action[];
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
  // The review date: a due date before it was missed by the time of this review.
  const asOf = useApp((s) => s.summary?.as_of ?? null);
  const saveDecisions = useApp((s) => s.saveDecisions);
  const clearDecisions = useApp((s) => s.clearDecisions);
  const lastBulk = useApp((s) => s.lastBulk);
  const undoBulk = useApp((s) => s.undoBulk);
  const [undoing, setUndoing] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const byId = useMemo(() => new Map(props.findings.map((f) => [f.finding_id, f])), [props.findings]);
  // When the bar closes (applied, or Escape) with the focus in it, the focus goes back to the table, not to
  // the page's body, where a keyboard or screen-reader user would lose their place.
  const { label } = props;
  const refocusTable = useCallback(() => {
    const a = document.activeElement;
    if (a && a !== document.body && !a.closest('.decision-bar')) return;
    document.querySelector<HTMLElement>(`[role=grid][aria-label="${CSS.escape(label)}"]`)?.focus();
  }, [label]);
  // A reason typed in the bar and not applied: a new selection starts a fresh bar (so it cannot land on other
  // findings), and says the reason was dropped rather than lose it without a word. Applied or closed, nothing is said.
  const typedReason = useRef('');
  const closeBar = useCallback(() => {
    // Before the bar goes, while the focus is still seen to be in it.
    refocusTable();
    typedReason.current = '';
    setSelected(new Set());
  }, [refocusTable]);
  const { actions, signalActions } = props;
  const actionsOf = useCallback((f: Finding) => (f.family === 'signal' && signalActions ? signalActions : actions), [actions, signalActions]);
  // An action chosen in a row's own dropdown that still needs its reason: the row becomes the selection
  // and the decision bar opens with that action, waiting for the justification.
  const [pending, setPending] = useState<{ id: string; action: Action } | null>(null);
  const [evidenceFor, setEvidenceFor] = useState<Finding | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A narrow window (1024 px) shows the evidence panel over the table, so the table keeps its columns
  // but drops Units and Owner (both in the evidence panel) and tightens the rest, so Decision stays in view.
  const narrow = useNarrow();
  // Thousands of rows: a tall window shows more of them (the page above the table takes 440–560 px).
  const gridHeight = useWindowFill(460, 560);
  const compact = evidenceFor !== null && !narrow;
  const tight = compact || narrow;

  const setNotice = useApp((s) => s.setNotice);
  // Counts selections made: a save that ends after the analyst has selected something else leaves that selection be.
  const selections = useRef(0);
  function select(next: Set<string>) {
    if (typedReason.current.trim()) setNotice(`The reason you typed ("${typedReason.current.trim().slice(0, 60)}") was not saved: the selection changed before Apply.`);
    typedReason.current = '';
    selections.current++;
    setSelected(next);
    setPending(null);
  }

  async function decide(ids: string[], d: DecisionInput) {
    setError(null);
    const made = selections.current;
    try {
      await saveDecisions(ids, d);
      if (selections.current !== made) return;
      setPending(null);
      // A decision applied is done with its selection: the bar closes rather than stay open on a row that may
      // have scrolled away, ready to take the next reason typed for another finding.
      closeBar();
    } catch (e) {
      setError(decisionError(e));
    }
  }

  const columns = useMemo<Column<Finding>[]>(() => {
    const cols: Column<Finding>[] = [
      {
        id: 'type',
        header: 'Type',
        value: (f) => typeLabel(f.type),
        text: (f) => (props.withSeverity ? `${typeLabel(f.type)} ${f.severity}` : typeLabel(f.type)),
        // The gap register shows each line's severity under its type (one column fewer, so it fits at 1280 px).
        render: props.withSeverity
          ? (f) => (
              <span className="two-line">
                <span className="ellipsis-cell type-name">{typeLabel(f.type)}</span>
                <span className={`sev-text ${f.severity}`}>{f.severity}</span>
              </span>
            )
          : (f) => <span className="wrap2 type-name">{typeLabel(f.type)}</span>,
        // Wide enough for the longest type names in full ("Contractor, unassigned" on one line above its
        // severity; "Low-frequency user (Flex)" on up to two lines).
        width: props.withSeverity ? (narrow ? '160px' : compact ? 'minmax(140px, 1.2fr)' : 'minmax(160px, 1.2fr)') : narrow ? 'minmax(120px, 1fr)' : 'minmax(140px, 1.2fr)',
      },
      {
        id: 'user',
        header: 'User',
        value: (f) => f.user,
        // Product- and site-level findings have no single user; say so rather than leave a dash.
        // A signal has no user: its detail names what it is about (a site, a domain, a product and month).
        text: (f) => f.user ?? (f.family === 'signal' && f.detail ? f.detail : 'Estate-wide'),
        render: (f) =>
          f.user ? (
            <span className="ellipsis-cell" title={f.user}>{f.user}</span>
          ) : f.family === 'signal' && f.detail ? (
            <span className="clamp2 small" title={f.detail}>{f.detail}</span>
          ) : (
            <span className="muted">Estate-wide</span>
          ),
        // The widest flexible track: e-mail addresses are what the analyst scans; the full value is in the tooltip.
        // Narrower with the evidence panel open, so the compact table still fits at 1280 px.
        width: narrow ? 'minmax(120px, 2fr)' : compact ? 'minmax(100px, 2fr)' : 'minmax(160px, 2.4fr)',
      },
      // With the evidence panel open the table keeps only what a decision needs, so nothing scrolls out of view.
      ...(compact
        ? []
        : [
            ...(props.hideOffering
              ? []
              : [
                  productColumn('minmax(84px, 0.6fr)'),
                ]),
            ...(props.extraColumns ?? []),
          ]),
      ...(tight ? [] : [{ id: 'units', header: 'Units', value: (f: Finding) => f.units, text: (f: Finding) => int(f.units), render: (f: Finding) => int(f.units), align: 'right' as const, width: '68px' }]),
      {
        id: 'value',
        header: 'Annual value',
        value: (f) => f.annual_value,
        text: (f) => (f.family === 'signal' ? 'no value' : money(f.annual_value, currency)),
        // A signal is a question to answer, not money: no "$0" beside the gap lines' values.
        render: (f) => (f.family === 'signal' ? <span className="muted" title="A signal carries no value of its own">—</span> : money(f.annual_value, currency)),
        align: 'right',
        width: '116px',
      },
      {
        id: 'decision',
        header: 'Decision',
        value: (f) => decisions.get(f.finding_id)?.action ?? '',
        text: (f) => {
          const a = decisions.get(f.finding_id)?.action;
          return a ? ACTION_LABELS[a] : 'Undecided';
        },
        width: '124px',
        render: (f) => {
          const d = decisions.get(f.finding_id);
          if (props.readOnly) return d ? ACTION_LABELS[d.action] : '—';
          return (
            <RowDecisionSelect
              label={`Decision for ${describeFinding(f)}`}
              // The reason of a Keep or a Dispute, on hover: it is written in the decision bar and the workbook.
              title={d?.justification ?? undefined}
              // An action waiting for its reason in the bar shows here until the bar is left; then the saved one again.
              value={pending?.id === f.finding_id ? pending.action : d?.action ?? ''}
              onCommit={(v) => {
                if (v === '') void clearDecisions([f.finding_id]).catch((err: unknown) => setError(errorMessage(err)));
                else if (NEEDS_REASON.includes(v) && !d?.justification?.trim()) {
                  // The reason is written in the decision bar: open it for this row with the action chosen.
                  selections.current++;
                  setSelected(new Set([f.finding_id]));
                  setPending({ id: f.finding_id, action: v });
                } else void decide([f.finding_id], { action: v, owner: d?.owner ?? null, due_date: d?.due_date ?? null, justification: d?.justification ?? null });
              }}
              // The saved action is always listed, so the row shows the decision as it is.
              options={[...actionsOf(f), ...(d && !actionsOf(f).includes(d.action) ? [d.action] : [])]}
            />
          );
        },
      },
      ...(props.withOwner && !tight
        ? [
            {
              id: 'owner',
              header: 'Owner · due',
              value: (f: Finding) => {
                const d = decisions.get(f.finding_id);
                return d?.owner || d?.due_date ? `${d.owner ?? ''} ${d.due_date ?? ''}`.trim() : null;
              },
              text: (f: Finding) => {
                const d = decisions.get(f.finding_id);
                return d?.owner || d?.due_date ? `${d.owner ?? 'No owner'} ${dueText(d, asOf)}${d.carried_from ? ' carried' : ''}` : '';
              },
              render: (f: Finding) => {
                const d = decisions.get(f.finding_id);
                if (!d?.owner && !d?.due_date) return <span className="muted">—</span>;
                return (
                  // The whole text on hover: a narrow column cuts "· carried" and "(overdue)".
                  <span className="two-line" title={`${d.owner ?? 'No owner'}, ${dueText(d, asOf)}${d.carried_from ? `; carried from last quarter's review (as of ${d.carried_from})` : ''}`}>
                    <span className="ellipsis-cell">{d.owner ?? 'No owner'}{d.carried_from ? <span className="muted small"> · carried</span> : null}</span>
                    {overdue(d, asOf) ? (
                      // Compact in the narrow column: a warning mark (read out as "overdue") before the date.
                      <span className="small num nowrap bad">
                        <AlertTriangle size={12} aria-hidden /> <span className="sr-only">overdue, </span>due {date(d.due_date)}
                      </span>
                    ) : (
                      <span className="small num nowrap muted">{dueText(d, asOf)}</span>
                    )}
                  </span>
                );
              },
              // Never narrower than "due 2026-12-15 (overdue)" or "Owner · carried", with the header's sort icon.
              width: 'minmax(150px, 0.8fr)',
            },
          ]
        : []),
      evidenceColumn('Evidence', '92px', setEvidenceFor),
    ];
    return cols;
  }, [decisions, pending, asOf, currency, actionsOf, props.extraColumns, props.readOnly, props.hideOffering, props.withOwner, props.withSeverity, compact, narrow, tight]);

  const selectedIds = [...selected];
  const single = selectedIds.length === 1 ? decisions.get(selectedIds[0]!) : undefined;
  const draft = pending && selectedIds.length === 1 && selectedIds[0] === pending.id ? pending : null;
  return (
    <div
      className={`workbench ${evidenceFor ? 'with-panel' : ''}`}
      // A press on the covered table (inert, so the press lands here) closes the panel over it, as a sheet closes.
      onMouseDown={narrow && evidenceFor ? (e) => { if (!(e.target as HTMLElement).closest('.evidence-panel')) setEvidenceFor(null); } : undefined}
    >
      {/* In a narrow window the evidence panel lies over the table: what it covers is out of reach (no Tab lands on a
          decision hidden under it) until the panel closes. */}
      <div className="workbench-main" inert={narrow && evidenceFor !== null}>
        {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
        {/* A change to many findings at once can be taken back until the next change: it may have replaced reasons. */}
        {!props.readOnly && lastBulk && (lastBulk.none.some((id) => byId.has(id)) || lastBulk.before.some((d) => byId.has(d.finding_id))) && (
          <div className="undo-strip" role="status">
            <span>{lastBulk.what}.</span>
            <button
              type="button"
              className="btn subtle small"
              disabled={undoing}
              onClick={() => {
                setUndoing(true);
                undoBulk().catch((e: unknown) => setError(`Nothing was put back: ${errorMessage(e)}`)).finally(() => setUndoing(false));
              }}
            >
              Undo
            </button>
          </div>
        )}
        {!props.readOnly && selectedIds.length > 0 && (
          <DecisionBar
            // A new selection (or an action picked in a row) starts a fresh bar: nothing typed for
            // the previous selection may be applied to this one.
            key={`${draft?.action ?? ''}|${[...selectedIds].sort().join('|')}`}
            count={selectedIds.length}
            subject={selectedIds.length === 1 && byId.get(selectedIds[0]!) ? describeFinding(byId.get(selectedIds[0]!)!) : null}
            // Every action some selected finding takes; one that only some take is applied to those (the bar says so).
            actions={[...new Set(selectedIds.flatMap((id) => { const f = byId.get(id); return f ? actionsOf(f) : []; }))]}
            takes={(a) => selectedIds.filter((id) => { const f = byId.get(id); return f !== undefined && actionsOf(f).includes(a); }).length}
            withOwner={props.withOwner ?? false}
            initial={draft ? { owner: single?.owner ?? null, due_date: single?.due_date ?? null, justification: null, action: draft.action } : single}
            askReason={draft !== null}
            decided={selectedIds.length > 1 ? selectedIds.flatMap((id) => { const a = decisions.get(id)?.action; return a ? [a] : []; }) : []}
            onApply={(d, onlyUndecided) =>
              decide(
                selectedIds.filter((id) => { const f = byId.get(id); return f !== undefined && actionsOf(f).includes(d.action) && !(onlyUndecided && decisions.has(id)); }),
                d,
              )
            }
            onClear={() => void clearDecisions(selectedIds).catch((e: unknown) => setError(errorMessage(e)))}
            onClose={closeBar}
            onReasonTyped={(text) => { typedReason.current = text === (single?.justification ?? '') ? '' : text; }}
          />
        )}
        <DataTable
          label={props.label}
          rows={props.findings}
          columns={columns}
          rowKey={(f) => f.finding_id}
          rowLabel={describeFinding}
          // D: to the decision bar's Action (it opens with the selection, so it is looked for over a few frames).
          onDecide={props.readOnly ? undefined : focusDecisionBar}
          selectable={!props.readOnly}
          selected={selected}
          onSelectedChange={select}
          onOpen={setEvidenceFor}
          activeKey={evidenceFor?.finding_id ?? null}
          initialSort={{ id: 'value', desc: true }}
          empty={props.empty}
          height={gridHeight}
        />
      </div>
      {evidenceFor && <EvidencePanel finding={evidenceFor} currency={currency} modal={narrow} onClose={() => setEvidenceFor(null)} />}
    </div>
  );
}

/**
 * A row's decision. Picked with the mouse it is saved at once; with the keyboard, arrows only move the choice
 * (Chromium fires a change on every arrow press of a closed select) and Enter or leaving the field saves it,
 * Escape puts it back: walking past Reclaim on the way to Keep saves nothing.
 */
function RowDecisionSelect(props: { label: string; title: string | undefined; value: Action | ''; options: Action[]; onCommit: (v: Action | '') => void }) {
  const [choice, setChoice] = useState<Action | ''>(props.value);
  const keyboard = useRef(false);
  useEffect(() => setChoice(props.value), [props.value]);
  const commit = (v: Action | '') => {
    if (v !== props.value) props.onCommit(v);
  };
  return (
    <select
      className="cell-select"
      aria-label={props.label}
      title={props.title}
      value={choice}
      onPointerDown={() => { keyboard.current = false; }}
      onKeyDown={(e) => {
        keyboard.current = true;
        if (e.key === 'Enter') {
          e.preventDefault(); // saved: the option list is not opened as well
          commit(choice);
        } else if (e.key === 'Escape' && choice !== props.value) {
          e.preventDefault(); // the decision bar's Escape stays for the bar
          setChoice(props.value);
        }
      }}
      onChange={(e) => {
        const v = e.target.value as Action | '';
        setChoice(v);
        if (!keyboard.current) commit(v);
      }}
      onBlur={() => commit(choice)}
    >
      <option value="">Undecided</option>
      {props.options.map((a) => (
        <option key={a} value={a}>{ACTION_LABELS[a]}</option>
      ))}
    </select>
  );
}

function DecisionBar(props: {
  count: number;
  /** The one finding selected, named: the bar says whose decision it holds. */
  subject: string | null;
  actions: Action[];
  withOwner: boolean;
  initial: DecisionInput | undefined;
  /** Opened from a row's dropdown for an action that needs a reason: say so and put the cursor there. */
  askReason: boolean;
  /** The actions already decided among several selected findings: applying replaces them, so the bar says so. */
  decided: Action[];
  /** How many of the selected findings take an action (a signal takes no purchase). */
  takes: (a: Action) => number;
  /** `onlyUndecided`: leave the findings already decided as they are. */
  onApply: (d: DecisionInput, onlyUndecided: boolean) => Promise<void>;
  onClear: () => void;
  /** Escape: the bar closes (the selection is cleared). */
  onClose: () => void;
  /** The justification as typed, so a selection change can say an unapplied reason was dropped. */
  onReasonTyped: (text: string) => void;
}) {
  const [action, setAction] = useState<Action>(props.initial?.action ?? props.actions[0]!);
  const [owner, setOwner] = useState(props.initial?.owner ?? '');
  const [due, setDue] = useState(props.initial?.due_date ?? '');
  const [why, setWhy] = useState(props.initial?.justification ?? '');
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(props.askReason);
  const whyRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (props.askReason) whyRef.current?.focus();
  }, [props.askReason]);
  // Escape closes the bar from anywhere on the page, unless an evidence panel is open (Escape closes that first).
  const { onClose } = props;
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('.evidence-panel')) onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  const needsReason = NEEDS_REASON.includes(action);
  const undecided = props.count - props.decided.length;
  const apply = (onlyUndecided: boolean) => {
    if (needsReason && !why.trim()) {
      setMissing(true);
      whyRef.current?.focus();
      return;
    }
    setBusy(true);
    void props.onApply({ action, owner: owner.trim() || null, due_date: due || null, justification: why.trim() || null }, onlyUndecided).finally(() => setBusy(false));
  };
  // "Keep 1, Dispute 2": what applying to all of them would replace.
  const byAction = props.actions.concat(props.decided.filter((a) => !props.actions.includes(a))).flatMap((a) => {
    const n = props.decided.filter((x) => x === a).length;
    return n ? [`${ACTION_LABELS[a]} ${n.toLocaleString('en-US')}`] : [];
  });
  return (
    <form
      className="decision-bar"
      aria-label="Decision for the selected findings"
      onSubmit={(e) => {
        e.preventDefault();
        apply(false);
      }}
    >
      <p className="decision-subject" data-testid="decision-subject">
        {props.subject ? <>For <span className="strong">{props.subject}</span></> : `For ${props.count.toLocaleString('en-US')} selected findings`}
      </p>
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
              <input aria-label="Owner" value={owner} maxLength={LIMITS.owner} onChange={(e) => setOwner(e.target.value)} placeholder="Name" />
            </label>
            <label className="field compact">
              <span>Due date</span>
              {/* Four-digit years only: the engine stores ISO dates (YYYY-MM-DD). */}
              <input aria-label="Due date" type="date" min="2000-01-01" max="9999-12-31" value={due} onChange={(e) => setDue(e.target.value)} />
            </label>
          </>
        )}
        <label className="field compact grow">
          <span>Justification</span>
          <input
            ref={whyRef}
            aria-label="Justification"
            aria-invalid={missing && needsReason && !why.trim() ? true : undefined}
            aria-describedby={missing && needsReason && !why.trim() ? 'why-needed' : undefined}
            value={why}
            maxLength={LIMITS.justification}
            onChange={(e) => {
              setWhy(e.target.value);
              props.onReasonTyped(e.target.value);
            }}
            placeholder={needsReason ? 'Required for this action' : 'Optional'}
          />
        </label>
        {missing && needsReason && !why.trim() && (
          <p id="why-needed" className="field-note" role="alert">
            “{ACTION_LABELS[action]}” needs a reason: write it in Justification, then apply.
          </p>
        )}
        {props.takes(action) < props.count && (
          <p className="field-note info" role="status" data-testid="not-applicable-note">
            “{ACTION_LABELS[action]}” does not apply to {(props.count - props.takes(action)).toLocaleString('en-US')} of these (signals take Investigate or Dispute): they are left as they are.
          </p>
        )}
        {props.decided.length > 0 && (
          <p className="field-note info" role="status" data-testid="decided-note">
            {props.decided.length === props.count ? (props.count === 2 ? 'Both' : `All ${props.count.toLocaleString('en-US')}`) : `${props.decided.length.toLocaleString('en-US')} of these`}{' '}
            already {props.decided.length === 1 ? 'has a decision' : 'have decisions'} ({byAction.join(', ')}): applying to all replaces {props.decided.length === 1 ? 'it, its reason included' : 'them, their reasons included'}.
          </p>
        )}
      </div>
      <div className="decision-buttons">
        <button type="submit" className="btn primary" disabled={busy}>
          {props.takes(action) < props.count
            ? `Apply to the ${props.takes(action).toLocaleString('en-US')} it applies to`
            : `Apply to ${props.count === 1 ? '1 finding' : props.decided.length > 0 ? `all ${props.count.toLocaleString('en-US')}` : `${props.count.toLocaleString('en-US')} findings`}`}
        </button>
        {props.decided.length > 0 && undecided > 0 && (
          <button type="button" className="btn" disabled={busy} onClick={() => apply(true)}>
            Apply to the {undecided.toLocaleString('en-US')} undecided
          </button>
        )}
        <button type="button" className="btn subtle" onClick={props.onClear}>Clear decision</button>
      </div>
    </form>
  );
}

/** Focuses the decision bar's Action once the bar is drawn (it opens with a selection made a moment before). */
function focusDecisionBar(tries = 6): void {
  const action = document.querySelector<HTMLSelectElement>('form[aria-label="Decision for the selected findings"] select[aria-label="Action"]');
  if (action) action.focus();
  else if (tries > 0) requestAnimationFrame(() => focusDecisionBar(tries - 1));
}

/** `modal`: the panel lies over the table (a narrow window), so it is a dialog and Tab stays inside it. */
export function EvidencePanel(props: { finding: Finding; currency: string; modal?: boolean; onClose: () => void }) {
  const f = props.finding;
  const asOf = useApp((s) => s.summary?.as_of ?? null);
  const ev = useLoad(() => api('findings.evidence', { finding_id: f.finding_id, limit: 1000 }), [f.finding_id]);
  const decision = useApp((s) => s.decisions.get(f.finding_id));
  const panelRef = useRef<HTMLElement>(null);
  const { onClose } = props;
  // Opened, the panel takes the focus (a screen reader reads its name); closed, the focus goes back to what opened
  // it (the row's evidence button, or the table) instead of the page's body.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    // Another finding opens at its top (its name and facts), not where the last one was scrolled to.
    panelRef.current?.scrollTo({ top: 0 });
    panelRef.current?.focus({ preventScroll: true });
    return () => {
      const a = document.activeElement;
      if (opener?.isConnected && (!a || a === document.body || panelRef.current?.contains(a))) opener.focus({ preventScroll: true });
    };
  }, [f.finding_id]);
  // Escape closes the panel from anywhere on the page (unless something inside already used the key).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <aside
      ref={panelRef}
      className="evidence-panel"
      aria-label="Evidence"
      tabIndex={-1}
      role={props.modal ? 'dialog' : undefined}
      aria-modal={props.modal ? true : undefined}
      onKeyDown={props.modal ? (e) => keepTabInside(e, panelRef.current) : undefined}
    >
      <div className="panel-head">
        <div>
          <div className="eyebrow">{typeLabel(f.type)}</div>
          {/* A signal is named by its subject, not its id. */}
          <h2>{f.user ? wrapEmail(f.user) : signalSubject(f) ?? f.product ?? f.offering ?? 'Estate-wide'}</h2>
        </div>
        <button type="button" className="icon-btn" aria-label="Close evidence" onClick={props.onClose}>
          <X size={18} aria-hidden />
        </button>
      </div>
      <dl className="facts">
        <dt>Finding</dt><dd className="mono">{f.finding_id}</dd>
        <dt>Product / offering</dt><dd>{[f.product, f.offering].filter(Boolean).join(' / ') || '—'}</dd>
        <dt>Units</dt><dd className="num">{int(f.units)}</dd>
        {f.family !== 'signal' && (<><dt>Annual value</dt><dd className="num">{money(f.annual_value, props.currency)}</dd></>)}
        {f.price !== null && (<><dt>Price</dt><dd className="num">{money(f.price, props.currency)}{f.list_price !== null && f.list_price !== f.price ? ` (list ${money(f.list_price, props.currency)})` : ''}</dd></>)}
        {f.months !== null && f.family === 'gap' && (<><dt>Months of exposure</dt><dd className="num">{int(f.months)}</dd></>)}
        <dt>First / last seen</dt><dd className="num">{date(f.first_seen)} → {date(f.last_seen)}</dd>
        {f.detail && (<><dt>Detail</dt><dd>{readableDetail(f.detail, props.currency)}</dd></>)}
        {decision && (<><dt>Decision</dt><dd>{ACTION_LABELS[decision.action]}{decision.owner ? ` · ${decision.owner}` : ''}{decision.due_date ? ` · ${dueText(decision, asOf)}` : ''}{decision.justification ? <div className="muted">{decision.justification}</div> : null}{decision.carried_from ? <div className="muted small">Carried from last quarter&apos;s review (as of {decision.carried_from})</div> : null}</dd></>)}
      </dl>
      {/* The review keeps at most EVIDENCE_CAP rows per finding (the count stays exact): said so, not as rows left unshown. */}
      <h3>Evidence {ev.data ? <span className="muted num">({int(ev.data.total)}{ev.data.total > ev.data.rows.length ? `; the review keeps ${int(ev.data.rows.length)} of them` : ''})</span> : null}</h3>
      {ev.loading && <Loading what="evidence" />}
      {ev.error && <ErrorBox message={`Could not load the evidence: ${ev.error}`} />}
      {ev.data && ev.data.rows.length === 0 && <Empty title="No evidence rows">The engine recorded no source rows for this finding.</Empty>}
      {/* Keyed by the finding: a line opened for one finding's row is never shown on another's. */}
      {ev.data && ev.data.rows.length > 0 && <EvidenceList key={f.finding_id} rows={ev.data.rows} scrollRef={panelRef} />}
    </aside>
  );
}

/** Tab from the last control goes to the first, Shift+Tab from the first (or the panel itself) to the last. */
function keepTabInside(e: KeyboardEvent<HTMLElement>, panel: HTMLElement | null): void {
  if (e.key !== 'Tab' || !panel) return;
  const items = [...panel.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
  if (items.length === 0) return;
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const at = document.activeElement;
  if (e.shiftKey && (at === first || at === panel)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && at === last) {
    e.preventDefault();
    first.focus();
  }
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
  // The lines opened to be read as the file writes them, by row index: fetched when opened, kept while the panel is open.
  const [lines, setLines] = useState<Map<number, LineState>>(new Map());
  const toggleLine = (index: number, sourceId: number, line: number) => {
    if (lines.has(index)) {
      setLines((m) => new Map([...m].filter(([k]) => k !== index)));
      return;
    }
    setLines((m) => new Map(m).set(index, { loading: true }));
    api('sources.line', { source_id: sourceId, line }).then(
      (got) => setLines((m) => (m.has(index) ? new Map(m).set(index, { got }) : m)),
      (e: unknown) => setLines((m) => (m.has(index) ? new Map(m).set(index, { error: e instanceof Error ? e.message : String(e) }) : m)),
    );
  };
  return (
    <ol ref={listRef} className="evidence-list virtual" aria-label="Evidence rows" style={{ height: v.getTotalSize() }}>
      {v.getVirtualItems().map((item) => {
        const r = rows[item.index]!;
        return (
          <li key={item.key} data-index={item.index} ref={v.measureElement} aria-setsize={rows.length} aria-posinset={item.index + 1} style={{ transform: `translateY(${item.start - offset}px)` }}>
            <div className="evidence-src">
              <span className="tag">{r.table}</span>
              {r.file && <span className="mono">{r.file}{r.line !== null ? `:${r.line}` : ''}</span>}
              {r.source_id !== null && r.line !== null && (
                <button type="button" className="btn subtle small" aria-expanded={lines.has(item.index)} onClick={() => toggleLine(item.index, r.source_id!, r.line!)}>
                  {lines.has(item.index) ? 'Hide the line' : 'Line as written'}
                </button>
              )}
            </div>
            {r.note && <div className="evidence-note">{r.note}</div>}
            {lines.has(item.index) && <SourceLineText state={lines.get(item.index)!} />}
            <div className="evidence-values">
              {evidenceFields(r.values).map(([k, val]) => (
                <span key={k}><span className="muted">{k}</span> {val}</span>
              ))}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

type LineState = { loading: true } | { got: Output<'sources.line'> } | { error: string };

/** One evidence row's line as its file writes it, or why it cannot be shown. */
function SourceLineText(props: { state: LineState }) {
  const st = props.state;
  if ('loading' in st) return <div className="evidence-line muted" role="status">Reading the line…</div>;
  if ('error' in st) return <div className="evidence-line" role="alert">Could not read the line: {st.error}</div>;
  return (
    <div className="evidence-line">
      {st.got.header !== null && st.got.text !== null && <pre className="mono header" aria-label={`Line 1 of ${st.got.file}, its column names`}>{st.got.header}</pre>}
      {st.got.text !== null && <pre className="mono" aria-label={`Line ${st.got.line} of ${st.got.file} as written`}>{st.got.text}</pre>}
      {st.got.note && <div className="muted small">{st.got.note}</div>}
    </div>
  );
}

/** Row fields not worth a line in the panel: where the row came from is shown above it. */
const HIDDEN_FIELDS = new Set(['source_id', 'line']);
/**
 * An evidence row's fields as the panel lists them: the values the row has (empty ones left out), the
 * source's own spelling labelled as such ("user_raw" reads "user as written").
 */
function evidenceFields(values: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(values)) {
    if (HIDDEN_FIELDS.has(k) || v === null || v === undefined || v === '') continue;
    // The row's other columns (or a log's notes, such as how a session ended) each as a field of its own, not as JSON.
    if (k === 'extra') {
      const other = extraFields(v);
      if (other) {
        out.push(...other);
        continue;
      }
    }
    const label = k.endsWith('_raw') ? `${k.slice(0, -4).replace(/_/g, ' ')} as written` : k === 'extra' ? 'other columns' : k.replace(/_/g, ' ');
    // A computed fraction (a duration of 214.7333… minutes) reads to two places; whole numbers and text as stored.
    const text = typeof v === 'object' ? JSON.stringify(v) : typeof v === 'number' && !Number.isInteger(v) ? String(Math.round(v * 100) / 100) : String(v);
    out.push([label, text]);
  }
  return out;
}

/** A row's extra columns as [label, text] pairs, or null when they are not an object of plain values. */
function extraFields(v: unknown): [string, string][] | null {
  let o: unknown = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  return Object.entries(o as Record<string, unknown>)
    .filter(([, x]) => x !== null && x !== '' && typeof x !== 'object')
    .map(([key, x]) => [key.replace(/_/g, ' '), String(x)]);
}

/** Loads findings of the given types from the store (already fetched), with loading/empty states. */
export function useFindings(types: readonly string[]): Finding[] | null {
  const all = useApp((s) => s.findings);
  return useMemo(() => (all ? all.filter((f) => types.includes(f.type)) : null), [all, types]);
}

export { ACTION_LABELS };
