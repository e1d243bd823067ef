// The shell: the review steps as a left navigation the analyst can jump around in (buttons, arrow
// keys), the open engagement's headline at the top, and the current step's screen.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { BarChart3, ClipboardCheck, Database, FileOutput, Gauge, Home, Recycle, Scale, Settings2, ShieldAlert, TrendingUp, Upload } from 'lucide-react';
import { STEPS, useApp, startProgressFeed, type StepId } from './store';
import { api, client, onEngineRestarted, shell } from './api/client';
import { Empty, ErrorBox, Loading, useFocusRescue } from './components/ui';
import { AlertTriangle, X } from 'lucide-react';
import { money, int, date } from './format';
import { ScreenBoundary } from './components/ScreenBoundary';
import { StaleReview } from './components/StaleReview';
import { StartStep } from './steps/Start';
import { LoadDataStep } from './steps/LoadData';
import { SettingsStep } from './steps/Settings';
import { QualityStep } from './steps/Quality';
import { ReclamationStep, GapsStep, OptimisationStep } from './steps/FindingSteps';
import { RenewalStep } from './steps/Renewal';
import { SettlementStep } from './steps/Settlement';
import { ExportStep } from './steps/Export';
import { AuditorView } from './steps/Auditor';

const ICONS: Record<StepId, typeof Home> = {
  start: Home, load: Upload, settings: Settings2, quality: Gauge, reclamation: Recycle, gaps: ShieldAlert,
  optimisation: TrendingUp, renewal: BarChart3, settlement: Scale, export: FileOutput,
};

function StepScreen({ step }: { step: StepId }) {
  const info = useApp((s) => s.info);
  const setStep = useApp((s) => s.setStep);
  if (step === 'start') return <StartStep />;
  if (!info)
    return (
      <div className="page">
        <Empty title="No engagement is open" action={<button type="button" className="btn primary" onClick={() => setStep('start')}>Go to Start</button>}>
          Open or create an engagement, or try the sample data, to use this step.
        </Empty>
      </div>
    );
  switch (step) {
    case 'load': return <LoadDataStep />;
    case 'settings': return <SettingsStep />;
    case 'quality': return <QualityStep />;
    case 'reclamation': return <ReclamationStep />;
    case 'gaps': return <GapsStep />;
    case 'optimisation': return <OptimisationStep />;
    case 'renewal': return <RenewalStep />;
    case 'settlement': return <SettlementStep />;
    case 'export': return <ExportStep />;
  }
}

export function App() {
  const { step, setStep, info, summary, settings, pack, error, setError, notice, setNotice, banner, setBanner } = useApp();
  const [booted, setBooted] = useState(false);
  // The "Check first" notes the analyst folded (their text: another review's notes show in full again).
  const [foldedWarnings, setFoldedWarnings] = useState<string | null>(null);
  const navRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const main = useRef<HTMLElement>(null);
  useFocusRescue(main);

  useEffect(() => {
    const stop = startProgressFeed();
    const sh = shell();
    // Open requests that arrive while the page runs (menu, OS, second launch).
    const stopOpen = sh ? sh.onOpenRequest((r) => void useApp.getState().handleOpenRequest(r)) : () => undefined;
    const stopRestart = onEngineRestarted((e) => {
      useApp.getState().setBanner({ tone: e.gaveUp ? 'error' : 'warn', text: e.message });
      // The engine lost its state: read again what is open now (the shell may have reopened the engagement).
      void useApp.getState().refresh().then(
        () => {
          const i = useApp.getState().info;
          if (!i) useApp.setState({ step: 'start' });
        },
        (err: unknown) => setError(err),
      );
    });
    void (async () => {
      try {
        // An engagement or pack the shell was asked to open before this page loaded wins over the last one.
        const pending = sh ? await sh.takeOpenRequest() : null;
        if (pending) {
          await useApp.getState().handleOpenRequest(pending);
        } else {
          // The engine's open engagement (after a reload): opened once, step first, findings after.
          const i = await api('engagement.info', {});
          if (i) await useApp.getState().openedEngagement(i);
        }
      } catch (e) {
        setError(e);
      } finally {
        setBooted(true);
      }
    })();
    return () => {
      stop();
      stopOpen();
      stopRestart();
    };
  }, [setError]);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), 3000);
    return () => clearTimeout(t);
  }, [notice, setNotice]);
  useEffect(() => {
    main.current?.scrollTo({ top: 0 });
  }, [step, pack]);
  // The window's title and a polite announcement name the step: a step opened from the list is otherwise silent.
  const stepLabel = pack ? 'Auditor mode' : (STEPS.find((s) => s.id === step)?.label ?? '');
  const [announced, setAnnounced] = useState('');
  const firstStep = useRef(true);
  useEffect(() => {
    document.title = [stepLabel, info?.client, 'LRT Workbench'].filter(Boolean).join(' · ');
    if (firstStep.current) firstStep.current = false;
    else setAnnounced(`${stepLabel}${info?.client ? `, ${info.client}` : ''}`);
  }, [stepLabel, info?.client]);

  function onNavKey(e: KeyboardEvent<HTMLElement>, i: number) {
    const to = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? STEPS.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    navRefs.current[(to + STEPS.length) % STEPS.length]?.focus();
  }

  const currency = settings?.currency ?? summary?.currency ?? 'USD';
  const findingsCount = summary ? Object.values(summary.findings).reduce((a, b) => a + b, 0) : 0;
  return (
    <div className="shell">
      {/* The first Tab on every screen: past the ten steps, straight to the step's content. */}
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to the content</a>
      <div className="sr-only" role="status" aria-live="polite">{announced}</div>
      <aside className="sidebar">
        <div className="brand">
          <ClipboardCheck size={22} aria-hidden />
          <div>
            <div className="brand-name">LRT Workbench</div>
            <div className="brand-sub">Quarterly licence review</div>
          </div>
        </div>
        <nav aria-label="Review steps">
          <ol className="steps">
            {STEPS.map((s, i) => {
              const Icon = ICONS[s.id];
              const current = !pack && step === s.id;
              return (
                <li key={s.id}>
                  <button
                    ref={(el) => { navRefs.current[i] = el; }}
                    type="button"
                    className={`step ${current ? 'current' : ''}`}
                    aria-current={current ? 'step' : undefined}
                    // In auditor mode the review steps would show the open engagement, not the pack: the pack is
                    // closed on purpose (its own button) or from Start, never by a stray click.
                    disabled={pack !== null && s.id !== 'start'}
                    title={pack !== null && s.id !== 'start' ? 'Close the evidence pack first: auditor mode shows only the pack.' : s.label}
                    onClick={() => { useApp.getState().closePack(); setStep(s.id); }}
                    onKeyDown={(e) => onNavKey(e, i)}
                    // The step list is one Tab stop (the current step; arrows move along it), not ten.
                    tabIndex={current || ((pack !== null || !STEPS.some((x) => x.id === step)) && i === 0) ? 0 : -1}
                  >
                    <span className="step-no num" aria-hidden>{i}</span>
                    <Icon size={16} aria-hidden />
                    <span>{s.label}</span>
                  </button>
                </li>
              );
            })}
          </ol>
        </nav>
        <div className="sidebar-foot">
          <Database size={14} aria-hidden /> Offline · {client().transport === 'electron' ? 'desktop' : 'local server'}
        </div>
      </aside>
      <div className="content">
        <header className="topbar">
          {pack ? (
            <div className="topbar-title"><span className="badge warn">Auditor mode</span> Evidence pack, read-only</div>
          ) : info ? (
            <>
              <div className="topbar-title">
                {/* A long client name gives way (ellipsis, whole name on hover); the date and the figures never do. */}
                <span className="strong client-name" title={info.client}>{info.client}</span>
                <span className="muted as-of"> · {info.as_of ? `as of ${date(info.as_of)}` : 'as of the last usage day'}</span>
                {info.read_only && <span className="badge warn">Read-only</span>}
              </div>
              {summary && (
                <dl className="headline">
                  <div><dt>Savings / year</dt><dd className="num">{money(summary.savings_annual.total ?? 0, currency)}</dd></div>
                  <div><dt>Gap units</dt><dd className="num">{int(summary.gap_units)}</dd></div>
                  <div><dt>Findings</dt><dd className="num">{int(findingsCount)}</dd></div>
                  <div><dt>Audit exposure</dt><dd className="num">{money(summary.scenarios.audit_no_cooperation_high, currency)}</dd></div>
                </dl>
              )}
            </>
          ) : (
            <div className="topbar-title muted">No engagement open</div>
          )}
        </header>
        <main ref={main} id="main" tabIndex={-1} className="main" aria-label={pack ? 'Auditor mode' : STEPS.find((s) => s.id === step)?.label}>
          {banner && (
            <div className="page-top">
              <div className={`alert ${banner.tone}`} role="alert" aria-label="Engine notice">
                <AlertTriangle size={18} aria-hidden />
                <div className="alert-body">{banner.text}</div>
                <button type="button" className="icon-btn" aria-label="Dismiss the notice" onClick={() => setBanner(null)}><X size={16} aria-hidden /></button>
              </div>
            </div>
          )}
          {error && <div className="page-top"><ErrorBox message={error} onDismiss={() => setError(null)} /></div>}
          {!pack && info?.later_quarter && step !== 'start' && (
            <div className="page-top">
              <div className="alert info" role="status" aria-label="Earlier quarter">
                <div className="alert-body">
                  <strong>An earlier quarter.</strong> A later review of {info.client} (as of {date(info.later_quarter.as_of)}) is among your recent engagements:
                  {info.reviewed ? 'what you change here reaches neither it nor the workbook and pack already handed out for this quarter.' : 'what you change here does not reach it.'} To work on the current quarter, open the later one from Start.
                </div>
              </div>
            </div>
          )}
          {!pack && info && step !== 'start' && step !== 'load' && info.changed_since_review.length > 0 && (
            <div className="page-top">
              <StaleReview changed={info.changed_since_review} />
            </div>
          )}
          {!pack && step !== 'start' && summary && summary.warnings.length > 0 && (
            // What the review's own checks say to look at before trusting its figures (review-warnings.ts).
            <div className="page-top">
              <div className="alert warn" role="status" aria-label="Check first">
                <AlertTriangle size={18} aria-hidden />
                {/* Folded to one line on request (for this review's notes; a new review shows them again). */}
                {foldedWarnings === summary.warnings.join('\n') ? (
                  <div className="alert-body">
                    <strong>Check first:</strong> {summary.warnings.length === 1 ? 'one note' : `${summary.warnings.length} notes`} on this review.{' '}
                    <button type="button" className="link-btn" onClick={() => setFoldedWarnings(null)}>Show</button>
                  </div>
                ) : (
                  <div className="alert-body">
                    <strong>Check first.</strong>
                    {summary.warnings.length === 1 ? ` ${summary.warnings[0]}` : <ul className="warn-list">{summary.warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
                    <div><button type="button" className="link-btn" onClick={() => setFoldedWarnings(summary.warnings.join('\n'))}>Fold to one line</button></div>
                  </div>
                )}
              </div>
            </div>
          )}
          {!booted ? (
            <div className="page"><Loading what="the workbench" /></div>
          ) : (
            <ScreenBoundary resetKey={pack ? 'pack' : step}>{pack ? <AuditorView pack={pack} /> : <StepScreen step={step} />}</ScreenBoundary>
          )}
        </main>
        <div className="toast-region" aria-live="polite">{notice && <div className="toast">{notice}</div>}</div>
      </div>
    </div>
  );
}
