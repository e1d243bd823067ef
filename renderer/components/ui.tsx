// Small shared pieces: page header, stat tiles, progress bar, empty/loading/error states, and
// hooks for loading engine data and following a long job.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { AlertTriangle, CheckCircle2, Inbox, Loader2, X } from 'lucide-react';
import { errorMessage } from '../api/client';
import { useApp } from '../store';
import type { ProgressEvent } from '../../analysis/api/contract';
import { int } from '../format';

export function PageHeader(props: { title: string; lead: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        <p className="lead">{props.lead}</p>
      </div>
      {props.actions && <div className="page-actions">{props.actions}</div>}
    </header>
  );
}

/** A headline figure. `wrap`: a name rather than a figure, on up to two lines instead of cut to one. */
export function Stat(props: { label: string; value: ReactNode; hint?: ReactNode; tone?: 'good' | 'warn' | 'bad'; wrap?: boolean }) {
  return (
    <div className={`stat ${props.tone ?? ''}`} role="group" aria-label={props.label}>
      <div className="stat-label">{props.label}</div>
      <div className={`stat-value num${props.wrap ? ' wrap' : ''}`} title={typeof props.value === 'string' ? props.value : undefined}>{props.value}</div>
      {props.hint && <div className="stat-hint">{props.hint}</div>}
    </div>
  );
}

export function Card(props: { title?: string; children: ReactNode; actions?: ReactNode; className?: string; id?: string }) {
  return (
    <section className={`card ${props.className ?? ''}`} aria-labelledby={props.title && props.id ? `${props.id}-title` : undefined}>
      {(props.title || props.actions) && (
        <div className="card-head">
          {props.title && <h2 id={props.id ? `${props.id}-title` : undefined}>{props.title}</h2>}
          {props.actions && <div className="card-actions">{props.actions}</div>}
        </div>
      )}
      {props.children}
    </section>
  );
}

export function Empty(props: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <Inbox size={28} aria-hidden />
      <div className="empty-title">{props.title}</div>
      {props.children && <div className="empty-text">{props.children}</div>}
      {props.action}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <div className="loading" role="status">
      <Loader2 size={18} className="spin" aria-hidden /> Loading {props.what}…
    </div>
  );
}

export function ErrorBox(props: { message: string; onDismiss?: () => void }) {
  return (
    <div className="alert error" role="alert">
      <AlertTriangle size={18} aria-hidden />
      <div className="alert-body">{props.message}</div>
      {props.onDismiss && (
        <button type="button" className="icon-btn" aria-label="Dismiss the error" onClick={props.onDismiss}>
          <X size={16} aria-hidden />
        </button>
      )}
    </div>
  );
}

export function Success(props: { children: ReactNode }) {
  // A live region drawn together with its text may go unsaid: it is drawn empty first and filled a moment later.
  const [filled, setFilled] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setFilled(true), 50);
    return () => clearTimeout(t);
  }, []);
  return (
    <div className="alert success" role="status">
      <CheckCircle2 size={18} aria-hidden />
      <div className="alert-body">{filled ? props.children : null}</div>
    </div>
  );
}

export function ProgressBar(props: { label: string; event: ProgressEvent | undefined; onCancel?: () => void }) {
  const e = props.event;
  const frac = e && e.total ? Math.min(1, e.done / e.total) : null;
  const cancelRef = useRef<HTMLButtonElement>(null);
  // The button that started the job is disabled or gone now: the focus goes to Cancel, not to the page's body.
  useLayoutEffect(() => {
    const a = document.activeElement as HTMLButtonElement | null;
    if (!a || a === document.body || a.disabled || !a.isConnected) cancelRef.current?.focus();
  }, []);
  return (
    <div className="progress">
      <div className="progress-top">
        {/* Read out as it changes: which file, which phase. */}
        <span className="progress-label" aria-live="polite">{e?.message || props.label}</span>
        <span className="progress-meta num">
          {/* The message names the file and its own rows; the count here is the whole import's. */}
          {e?.file && !e.message?.startsWith(e.file) ? `${e.file} · ` : ''}
          {e && e.total ? `${int(e.done)} / ${int(e.total)}` : e && e.done ? (e.phase === 'import' ? `${int(e.done)} rows in all so far` : int(e.done)) : ''}
          {e?.rows_per_second ? ` · ${int(e.rows_per_second)} rows/s` : ''}
        </span>
      </div>
      <div
        className={`progress-track ${frac === null ? 'indeterminate' : ''}`}
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={frac === null ? undefined : Math.round(frac * 100)}
      >
        <div className="progress-fill" style={{ width: frac === null ? '35%' : `${frac * 100}%` }} />
      </div>
      {props.onCancel && (
        <button ref={cancelRef} type="button" className="btn subtle small" onClick={props.onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}

/** Loads engine data; reloads when deps change. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) => live && setState({ data: null, error: errorMessage(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function useJob(jobId: string | null): ProgressEvent | undefined {
  return useApp((s) => (jobId ? s.jobs[jobId] : undefined));
}

export function Field(props: { label: string; hint?: string; children: ReactNode; htmlFor: string }) {
  return (
    <div className="field">
      <label htmlFor={props.htmlFor}>{props.label}</label>
      {props.children}
      {props.hint && <div className="hint">{props.hint}</div>}
    </div>
  );
}

/** The empty state of a step that needs the review's results: says what to do next and takes you there. */
export function NeedsReview(props: { what: string }) {
  const setStep = useApp((s) => s.setStep);
  return (
    <Card>
      <Empty title="The review has not run yet" action={<button type="button" className="btn primary" onClick={() => setStep('load')}>Go to Load data</button>}>
        Load the client's files on Load data and press Run the review; {props.what} appear here.
      </Empty>
    </Card>
  );
}

const NARROW = '(max-width: 1100px)';
/** Whether the window is at most 1100 px wide, the narrow layout of styles.css (a 1024 px laptop screen). */
export function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => typeof matchMedia === 'function' && matchMedia(NARROW).matches);
  useEffect(() => {
    const m = matchMedia(NARROW);
    const on = () => setNarrow(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return narrow;
}

/**
 * A height that grows with the window: a register shows more rows on a tall screen, never fewer than `min` px.
 * `reserve` is what the page keeps above and below it (headers, stats, filters).
 */
export function useWindowFill(min: number, reserve: number): number {
  const fit = () => (typeof window === 'undefined' ? min : Math.max(min, Math.round(window.innerHeight - reserve)));
  const [h, setH] = useState(fit);
  useEffect(() => {
    const on = () => setH(fit());
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
    // fit reads only min and reserve.
  }, [min, reserve]);
  return h;
}

/** The controls Tab can reach (enabled ones, links and elements in the Tab order). */
export const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex="0"]';

/**
 * Keeps keyboard focus from falling to the page's body when the focused control is removed or disabled (a
 * confirmation replacing its button, a folded note, a step that changes under it): the focus moves to the first
 * control still there in the nearest surviving part of the page, else to `fallback` (the main content).
 */
export function useFocusRescue(fallback: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    let path: HTMLElement[] = [];
    const onIn = (e: FocusEvent) => {
      path = [];
      for (let el = e.target instanceof HTMLElement ? e.target : null; el && el !== document.body; el = el.parentElement) path.push(el);
    };
    const rescue = () => {
      const lost = path[0];
      if (!lost) return;
      const gone = !lost.isConnected || (lost as HTMLButtonElement).disabled === true;
      // A disabled control may still be the active element for a moment (the browser moves the focus to the body
      // only when it next renders), so it counts as lost already.
      const a = document.activeElement;
      if (!gone || (a && a !== document.body && a !== lost)) return;
      for (const el of path.slice(1)) {
        if (!el.isConnected) continue;
        // The main content itself when the step changed under the focus: the new page starts there.
        if (el === fallback.current) break;
        // The control the page names for this (data-rescue: what the task goes on with), else the first control a
        // person can see (a visually hidden file input would show no focus anywhere).
        const seen = (c: HTMLElement) => !c.closest('.sr-only') && c.getBoundingClientRect().width > 1;
        const next =
          [...el.querySelectorAll<HTMLElement>('[data-rescue]:not([disabled])')].find(seen) ??
          [...el.querySelectorAll<HTMLElement>(FOCUSABLE)].find(seen);
        if (next) return next.focus();
      }
      fallback.current?.focus({ preventScroll: true });
    };
    const watch = new MutationObserver(rescue);
    watch.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
    document.addEventListener('focusin', onIn);
    return () => {
      watch.disconnect();
      document.removeEventListener('focusin', onIn);
    };
  }, [fallback]);
}
