// App state (zustand): the open engagement, where the analyst is in the review, the findings and
// decisions they work on, and progress of long jobs. Figures come from the engine, never recomputed.
import { create } from 'zustand';
import type { Decision, EngagementInfo, Output, ProgressEvent } from '../analysis/api/contract';
import type { Finding, Summary } from '../analysis/model';
import type { ScenarioAssumptions, Settings } from '../analysis/settings';
import { api, client, errorMessage, isCancelled, newJobId, type OpenRequest } from './api/client';
import { carriedText } from './format';
import { DECISION_LABELS } from './api/shared';

export const STEPS = [
  { id: 'start', label: 'Start' },
  { id: 'load', label: 'Load data' },
  { id: 'settings', label: 'Settings' },
  { id: 'quality', label: 'Data quality' },
  { id: 'reclamation', label: 'Reclamation' },
  { id: 'gaps', label: 'Compliance gaps' },
  { id: 'optimisation', label: 'Optimisation' },
  { id: 'renewal', label: 'Renewal' },
  { id: 'settlement', label: 'Settlement' },
  { id: 'export', label: 'Export' },
] as const;
export type StepId = (typeof STEPS)[number]['id'];

export type PackView = Output<'pack.open'> & { path: string };
/** A comparison with last quarter's engagement, and the file it was made against. */
export type Comparison = Output<'compare.previous'> & { path: string };

export interface DecisionInput {
  action: Decision['action'];
  owner: string | null;
  due_date: string | null;
  justification: string | null;
}

interface State {
  info: EngagementInfo | null;
  step: StepId;
  summary: Summary | null;
  settings: Settings | null;
  findings: Finding[] | null;
  decisions: Map<string, Decision>;
  jobs: Record<string, ProgressEvent>;
  pack: PackView | null;
  /** The comparison with last quarter made on Export: kept while the analyst visits other steps. */
  comparison: Comparison | null;
  setComparison(c: Comparison | null): void;
  /** Copies last quarter's decisions onto this quarter's undecided findings, then re-reads the decisions. */
  carryDecisions(path: string): Promise<number>;
  /** Settlement assumptions being tried and not yet saved: kept while the analyst visits other steps. */
  scenarioDraft: ScenarioAssumptions | null;
  setScenarioDraft(a: ScenarioAssumptions | null): void;
  error: string | null;
  notice: string | null;
  setStep(step: StepId): void;
  setError(e: unknown): void;
  setNotice(text: string | null): void;
  /** Re-reads engagement info, summary, settings, findings and decisions after a change. */
  refresh(): Promise<void>;
  openedEngagement(info: EngagementInfo): Promise<void>;
  saveDecisions(ids: string[], d: DecisionInput): Promise<void>;
  clearDecisions(ids: string[]): Promise<void>;
  /** The last change made to several findings at once, with what they held before it (Undo puts that back). */
  lastBulk: BulkChange | null;
  undoBulk(): Promise<void>;
  openPack(view: PackView): void;
  closePack(): void;
  /** A file the desktop shell asked to open (menu, OS, second launch): an engagement or an evidence pack. */
  handleOpenRequest(r: OpenRequest): Promise<void>;
  /**
   * The deliverable being written on Export, and what the last writes gave: kept while the analyst visits other
   * steps, so its progress and Cancel are there on return and a second write cannot start meanwhile.
   */
  exportJob: { id: string; what: Deliverable } | null;
  exported: Exported;
  /** Writes the workbook or the evidence pack into `dir` (the engagement's exports folder when undefined). */
  writeDeliverable(what: Deliverable, dir: string | undefined, defaultDir: string): Promise<void>;
  dismissExportError(): void;
  /** Shown as a banner until dismissed (e.g. the engine was restarted). */
  banner: { tone: 'warn' | 'error'; text: string } | null;
  setBanner(b: { tone: 'warn' | 'error'; text: string } | null): void;
}

const stepKey = (path: string) => `lrtw.step:${path}`;

export interface BulkChange { what: string; before: Decision[]; none: string[] }
/** What a change to several findings replaced, for its Undo; a change to one finding has none (its row shows it). */
function bulkOf(ids: string[], before: Decision[], what: (replaced: number) => string): BulkChange | null {
  if (ids.length < 2) return null;
  const had = new Set(before.map((d) => d.finding_id));
  return { what: what(before.length), before, none: ids.filter((id) => !had.has(id)) };
}
const count = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export type Deliverable = 'workbook' | 'pack';
export interface Exported { workbook: string | null; pack: { path: string; fingerprint: string } | null; error: string | null }
const NOTHING_EXPORTED: Exported = { workbook: null, pack: null, error: null };
const DELIVERABLE_NAMES: Record<Deliverable, string> = { workbook: 'the workbook', pack: 'the evidence pack' };

export const useApp = create<State>((set, get) => ({
  info: null,
  step: 'start',
  summary: null,
  settings: null,
  findings: null,
  decisions: new Map(),
  jobs: {},
  pack: null,
  scenarioDraft: null,
  comparison: null,
  exportJob: null,
  exported: NOTHING_EXPORTED,
  async writeDeliverable(what, dir, defaultDir) {
    if (get().exportJob) return;
    const id = newJobId(what);
    const path = get().info?.path;
    set({ exportJob: { id, what }, exported: { ...get().exported, error: null } });
    try {
      if (what === 'workbook') {
        const r = await api('export.workbook', { jobId: id, dir });
        if (get().info?.path === path) set({ exported: { ...get().exported, workbook: r.path } });
      } else {
        const r = await api('export.evidencePack', { jobId: id, dir });
        if (get().info?.path === path) set({ exported: { ...get().exported, pack: r } });
      }
    } catch (e) {
      if (isCancelled(e)) set({ notice: errorMessage(e) });
      else if (get().info?.path === path) {
        const name = DELIVERABLE_NAMES[what];
        set({ exported: { ...get().exported, error: `${name[0]!.toUpperCase()}${name.slice(1)} was not written: ${errorMessage(e)} Check that the output folder exists and is writable, or leave it empty to use ${defaultDir}.` } });
      }
    } finally {
      set({ exportJob: null });
    }
  },
  dismissExportError() {
    set({ exported: { ...get().exported, error: null } });
  },
  setComparison(c) {
    set({ comparison: c });
  },
  async carryDecisions(path) {
    const r = await api('decisions.carry', { path });
    const decisions = await api('decisions.list', {});
    const what = carriedText(r.carried, r.targets);
    set({
      decisions: new Map(decisions.map((d) => [d.finding_id, d])),
      notice: what === '' ? 'Nothing to carry: every finding still open and every renewal line has a decision or target here already.' : `Carried ${what} from last quarter${r.from_as_of ? ` (as of ${r.from_as_of})` : ''}.`,
    });
    return r.carried + r.targets;
  },
  setScenarioDraft(a) {
    set({ scenarioDraft: a });
  },
  error: null,
  notice: null,
  banner: null,
  setBanner(b) {
    set({ banner: b });
  },
  async handleOpenRequest(r) {
    try {
      if (r.kind === 'evidence-pack') {
        const view = await api('pack.open', { path: r.path });
        set({ pack: { ...view, path: r.path }, error: null });
      } else {
        await get().openedEngagement(await api('engagement.open', { path: r.path }));
      }
    } catch (e) {
      set({ error: `Could not open ${r.path}: ${errorMessage(e)}` });
    }
  },
  setStep(step) {
    const info = get().info;
    if (info) localStorage.setItem(stepKey(info.path), step);
    set({ step, error: null, notice: null });
  },
  setError(e) {
    set({ error: e === null ? null : errorMessage(e) });
  },
  setNotice(text) {
    set({ notice: text });
  },
  async refresh() {
    const info = await api('engagement.info', {});
    if (!info) {
      set({ info: null, summary: null, settings: null, findings: null, decisions: new Map(), scenarioDraft: null, comparison: null, exported: NOTHING_EXPORTED, lastBulk: null });
      return;
    }
    const [summary, settings, findings, decisions] = await Promise.all([
      api('summary.get', {}),
      api('settings.get', {}),
      api('findings.list', {}),
      api('decisions.list', {}),
    ]);
    set({ info, summary, settings, findings, decisions: new Map(decisions.map((d) => [d.finding_id, d])) });
  },
  async openedEngagement(info) {
    // Nothing of the previously open engagement stays on screen while this one loads.
    set({ info, pack: null, summary: null, settings: null, findings: null, decisions: new Map(), scenarioDraft: null, comparison: null, exported: NOTHING_EXPORTED, lastBulk: null });
    // The step shows as soon as the summary and settings are here; the findings (12,000+ on a large
    // estate) and decisions follow, and the steps that list them say "Loading findings" until then.
    const [summary, settings] = await Promise.all([api('summary.get', {}), api('settings.get', {})]);
    const remembered = localStorage.getItem(stepKey(info.path)) as StepId | null;
    const valid = remembered && STEPS.some((s) => s.id === remembered) && remembered !== 'start';
    set({ summary, settings, step: valid ? remembered : info.reviewed ? 'quality' : 'load' });
    // One task later, so the step's own request (e.g. data quality) reaches the engine, which answers in order, first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const [findings, decisions] = await Promise.all([api('findings.list', {}), api('decisions.list', {})]);
    // Another engagement may have been opened meanwhile: only the one still open takes these.
    if (get().info?.path !== info.path) return;
    set({ findings, decisions: new Map(decisions.map((d) => [d.finding_id, d])) });
  },
  async saveDecisions(ids, d) {
    if (ids.length === 0) return;
    // The engine answers in order: while a deliverable is written, the save waits for it. Said, so a decision on
    // screen is not taken as saved before it is.
    const writing = get().exportJob;
    const what = ids.length === 1 ? 'the decision' : `${ids.length.toLocaleString('en-US')} decisions`;
    if (writing) set({ notice: `Saving ${what} once ${DELIVERABLE_NAMES[writing.what]} is written…` });
    const { replaced } = await api('decisions.set', { finding_ids: ids, ...d });
    const now = new Date().toISOString();
    const next = new Map(get().decisions);
    for (const id of ids) next.set(id, { finding_id: id, ...d, updated_at: now });
    set({ decisions: next, notice: `Saved ${what}.`, lastBulk: bulkOf(ids, replaced, (n) =>
      `Applied “${DECISION_LABELS[d.action] ?? d.action}” to ${count(ids.length, 'finding', 'findings')}${n ? `, replacing ${count(n, 'earlier decision', 'earlier decisions')}` : ''}`) });
  },
  async clearDecisions(ids) {
    if (ids.length === 0) return;
    const { removed } = await api('decisions.clear', { finding_ids: ids });
    const next = new Map(get().decisions);
    for (const id of ids) next.delete(id);
    const what = ids.length === 1 ? 'the decision' : `${ids.length.toLocaleString('en-US')} decisions`;
    set({ decisions: next, notice: `Cleared ${what}.`, lastBulk: bulkOf(ids, removed, () => `Cleared the decisions of ${count(ids.length, 'finding', 'findings')}`) });
  },
  lastBulk: null,
  async undoBulk() {
    const b = get().lastBulk;
    if (!b) return;
    await api('decisions.restore', { decisions: b.before, none: b.none });
    const next = new Map(get().decisions);
    for (const id of b.none) next.delete(id);
    for (const d of b.before) next.set(d.finding_id, d);
    const n = b.before.length + b.none.length;
    set({ decisions: next, lastBulk: null, notice: `Put ${n.toLocaleString('en-US')} findings back as they were.` });
  },
  openPack(view) {
    set({ pack: view });
  },
  closePack() {
    set({ pack: null });
  },
}));

/** Subscribes once to progress events from whichever transport is in use. */
export function startProgressFeed(): () => void {
  return client().onProgress((e) => {
    useApp.setState((s) => ({ jobs: { ...s.jobs, [e.jobId]: e } }));
  });
}

/** Whether the latest review raised this warning (analysis/review-warnings.ts): screens say which figures it touches. */
export function useWarned(...codes: string[]): boolean {
  return useApp((st) => (st.summary?.warning_codes ?? []).some((c) => codes.includes(c)));
}

/**
 * Runs the review as a job (Load data, Settings, a step whose figures are out of date): `onJob` gets its id
 * for the progress bar, then null when it ends; the app's figures are read again after. Resolves with why
 * the review did not finish, or null.
 */
export async function runReviewJob(onJob: (jobId: string | null) => void): Promise<{ error: string | null; cancelled: boolean }> {
  const jobId = newJobId('review');
  onJob(jobId);
  try {
    await api('review.run', { jobId });
    await useApp.getState().refresh();
    return { error: null, cancelled: false };
  } catch (e) {
    // A cancel the analyst asked for is news, not an error: said as a notice, in the engine's words.
    if (isCancelled(e)) {
      useApp.getState().setNotice(errorMessage(e));
      return { error: null, cancelled: true };
    }
    return { error: `The review did not finish: ${errorMessage(e)}`, cancelled: false };
  } finally {
    onJob(null);
  }
}
