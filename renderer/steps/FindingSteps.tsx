// Steps 4-6: Reclamation, Compliance gaps and Optimisation. Each is the shared findings workbench
// over its finding types, with the figures around it taken from the engine's findings as they are.
import { useMemo, useState } from 'react';
import type { Finding } from '../../analysis/model';
import { GAP_TYPES, SIGNAL_TYPES } from '../api/shared';
import { useApp, useWarned } from '../store';
import { FindingsWorkbench, readableDetail, useFindings } from '../components/Findings';
import type { Column } from '../components/DataTable';
import { HBars, PALETTE } from '../components/charts';
import { Card, Loading, NeedsReview, PageHeader, Stat, useNarrow } from '../components/ui';
import { date, int, money, typeLabel } from '../format';

const RECLAIM_TYPES = ['dormant_user', 'unused_assignment'] as const;
const OPTIMISE_TYPES = ['duplicate_access', 'collection_single_product', 'low_frequency_user'] as const;
/** One colour per savings lever, the same on Reclamation and Optimisation. */
const LEVERS = ['dormant_user', 'unused_assignment', ...OPTIMISE_TYPES] as const;
const leverColor = (t: string) => PALETTE[Math.max(0, (LEVERS as readonly string[]).indexOf(t)) % PALETTE.length];
const GAP_AND_SIGNAL = [...GAP_TYPES, ...SIGNAL_TYPES] as const;

function useCurrency(): string {
  return useApp((s) => s.settings?.currency ?? s.summary?.currency ?? 'USD');
}

const lastSeenCol: Column<Finding> = { id: 'last', header: 'Last used', value: (f) => f.last_seen, text: (f) => (f.last_seen ? date(f.last_seen) : 'Never'), render: (f) => (f.last_seen ? date(f.last_seen) : <span className="muted">Never</span>), width: '100px' };
const reclaimNarrowCols: Column<Finding>[] = [lastSeenCol];
const reclaimCols: Column<Finding>[] = [lastSeenCol, { id: 'detail', header: 'Detail', value: (f) => f.detail, render: (f) => <span className="clamp2" title={f.detail ?? undefined}>{f.detail ?? '—'}</span>, width: 'minmax(150px, 2fr)' }];

export function ReclamationStep() {
  const outsideWindow = useWarned('usage_outside_window');
  const findings = useFindings(RECLAIM_TYPES);
  const decisions = useApp((s) => s.decisions);
  const summary = useApp((s) => s.summary);
  const currency = useCurrency();
  const reclaimed = useMemo(() => {
    let seats = 0;
    let value = 0;
    for (const f of findings ?? []) if (decisions.get(f.finding_id)?.action === 'reclaim') { seats += f.units; value += f.annual_value; }
    return { seats, value };
  }, [findings, decisions]);
  // At 1024 px the detail (also in the evidence panel) gives way so the decision stays in view.
  const narrow = useNarrow();
  const candidate = (findings ?? []).reduce((a, f) => a + (f.counted_in_savings ? f.annual_value : 0), 0);
  const levers = summary ? Object.entries(summary.savings_annual).filter(([k]) => k !== 'total').map(([k, v]) => ({ label: typeLabel(k), value: v, color: leverColor(k) })) : [];
  return (
    <div className="page">
      <PageHeader title="Reclamation" lead="Users who have not used their licence within the dormancy window, and assignments nobody uses. Decide per user: reclaim, keep (with a reason), or investigate." />
      {!summary ? <NeedsReview what="dormant users and unused assignments" /> : !findings ? <Loading what="findings" /> : (
        <>
          <div className="stats">
            <Stat label="Dormant users" value={int(findings.filter((f) => f.type === 'dormant_user').length)} />
            <Stat label="Unused assignments" value={int(findings.filter((f) => f.type === 'unused_assignment').length)} />
            <Stat label="Reclaimable per year" value={money(candidate, currency)} />
            <Stat label="Decided to reclaim" value={money(reclaimed.value, currency)} hint={`${int(reclaimed.seats)} ${reclaimed.seats === 1 ? 'seat' : 'seats'}`} tone="good" />
          </div>
          <FindingsWorkbench
            label="Reclamation candidates"
            findings={findings}
            actions={['reclaim', 'keep', 'investigate']}
            hideOffering
            extraColumns={narrow ? reclaimNarrowCols : reclaimCols}
            empty={outsideWindow ? 'No reclamation candidates, but see "Check first" above: this data cannot show dormancy.' : 'No dormant users or unused assignments: every assigned licence was used within the dormancy window.'}
          />
          <Card title="Savings by lever (per year)" id="levers">
            <HBars label="Savings by lever" items={levers} format={(n) => money(n, currency)} />
          </Card>
        </>
      )}
    </div>
  );
}

export function GapsStep() {
  const cannotJudge = useWarned('usage_outside_window', 'no_subscriptions');
  const decisions = useApp((s) => s.decisions);
  const findings = useFindings(GAP_AND_SIGNAL);
  const summary = useApp((s) => s.summary);
  const currency = useCurrency();
  const [type, setType] = useState<string>('all');
  const counts = useMemo(() => {
    const m = new Map<string, number>();
    for (const f of findings ?? []) m.set(f.type, (m.get(f.type) ?? 0) + 1);
    return m;
  }, [findings]);
  const shown = useMemo(() => (findings ?? []).filter((f) => type === 'all' || (type === 'gaps' ? f.family === 'gap' : type === 'signals' ? f.family === 'signal' : f.type === type)), [findings, type]);
  const gaps = (findings ?? []).filter((f) => f.family === 'gap');
  return (
    <div className="page">
      <PageHeader title="Compliance gaps" lead="The gap register lists the use the contract does not cover. Decide per gap (buy, remediate, dispute with justification, investigate) and set an owner and a due date. Each line's evidence is one click away." />
      {!summary ? <NeedsReview what="the gap register and its evidence" /> : !findings ? <Loading what="findings" /> : (
        <>
          <div className="stats">
            <Stat label="Gap lines" value={int(gaps.length)} tone={gaps.length ? 'bad' : 'good'} hint={`${int(summary.gap_units)} ${summary.gap_units === 1 ? 'unit' : 'units'}`} />
            <Stat label="Annual value of gaps" value={money(gaps.reduce((a, f) => a + f.annual_value, 0), currency)} />
            <Stat
              label="Decided"
              value={`${int(gaps.filter((f) => decisions.has(f.finding_id)).length)} of ${int(gaps.length)}`}
              tone={gaps.length && gaps.every((f) => decisions.has(f.finding_id)) ? 'good' : undefined}
              hint={`${money(gaps.filter((f) => decisions.get(f.finding_id)?.action === 'buy').reduce((a, f) => a + f.annual_value, 0), currency)} a year to buy`}
            />
            <Stat label="Signals" value={int(findings.length - gaps.length)} hint="Telemetry gaps, spikes, new domains, denials" />
          </div>
          <div className="segmented" role="group" aria-label="Show gap type">
            {[['all', 'Gaps and signals'], ['gaps', 'All gaps'], ...GAP_TYPES.filter((t) => counts.get(t)).map((t) => [t, typeLabel(t)]), ['signals', 'Signals']].map(([id, label]) => (
              <button key={id} type="button" aria-pressed={type === id} className={type === id ? 'on' : ''} onClick={() => setType(id!)}>
                {label} <span className="num muted">{id === 'all' ? findings.length : id === 'gaps' ? gaps.length : id === 'signals' ? findings.length - gaps.length : counts.get(id!) ?? 0}</span>
              </button>
            ))}
          </div>
          <FindingsWorkbench
            label="Gap register"
            findings={shown}
            actions={['buy', 'remediate', 'dispute', 'investigate']}
            signalActions={['investigate', 'dispute']}
            withOwner
            withSeverity
            empty={cannotJudge ? 'No gap lines, but see "Check first" above: compliance cannot be judged from this data.' : 'No compliance gaps: all use in the lookback is covered by the contract.'}
          />
        </>
      )}
    </div>
  );
}

export function OptimisationStep() {
  const outsideWindow = useWarned('usage_outside_window');
  const findings = useFindings(OPTIMISE_TYPES);
  const summary = useApp((s) => s.summary);
  const decisions = useApp((s) => s.decisions);
  const currency = useCurrency();
  const accepted = (findings ?? []).filter((f) => decisions.get(f.finding_id)?.action === 'accept').reduce((a, f) => a + f.annual_value, 0);
  // The engine states the arithmetic in each finding's detail; the UI shows it as written.
  const arithmetic: Column<Finding> = {
    id: 'arith',
    header: 'How the saving is computed',
    // Flexible: it takes the spare width, but may narrow (two clamped lines) so Decision stays in view at 1024 px.
    width: 'minmax(140px, 4.5fr)',
    value: (f) => [f.offering ?? f.product, f.detail].filter(Boolean).join(': '),
    text: (f) => [f.offering ?? f.product, f.detail ? readableDetail(f.detail, currency) : null].filter(Boolean).join(': '),
    render: (f) => (
      <span className="clamp2" title={f.detail ? readableDetail(f.detail, currency) : undefined}>
        {(f.offering ?? f.product) && <span className="strong">{f.offering ?? f.product}: </span>}
        {f.detail ? readableDetail(f.detail, currency) : '—'}
        {f.price !== null && <span className="muted"> · price {money(f.price, currency)}{f.units !== 1 ? ` × ${int(f.units)} units` : ''}</span>}
      </span>
    ),
  };
  const byLever = OPTIMISE_TYPES.map((t) => ({ label: typeLabel(t), value: (findings ?? []).filter((f) => f.type === t).reduce((a, f) => a + f.annual_value, 0), color: leverColor(t) }));
  return (
    <div className="page">
      <PageHeader title="Optimisation" lead="Flex conversions for occasional users, collection downgrades where one product is used, and duplicate access. Accept or reject each candidate; the arithmetic behind each saving is shown." />
      {!summary ? <NeedsReview what="Flex conversions, collection downgrades and duplicates" /> : !findings ? <Loading what="findings" /> : (
        <>
          <div className="stats">
            {OPTIMISE_TYPES.map((t) => (
              <Stat
                key={t}
                label={typeLabel(t)}
                value={int(findings.filter((f) => f.type === t).length)}
                // Candidates whose saving is already counted elsewhere (or has no price) carry none: say how many do.
                hint={`${money(findings.filter((f) => f.type === t).reduce((a, f) => a + f.annual_value, 0), currency)} from ${int(findings.filter((f) => f.type === t && f.annual_value > 0).length)} with a saving`}
              />
            ))}
            <Stat label="Accepted per year" value={money(accepted, currency)} tone="good" />
          </div>
          <FindingsWorkbench label="Optimisation candidates" findings={findings} actions={['accept', 'reject', 'investigate']} hideOffering extraColumns={[arithmetic]} empty={outsideWindow ? 'No optimisation candidates, but see "Check first" above: this data cannot show them.' : 'No optimisation candidates in this estate.'} />
          <Card title="Savings by lever (per year)" id="opt-levers">
            <HBars label="Optimisation savings by lever" items={byLever} format={(n) => money(n, currency)} />
          </Card>
        </>
      )}
    </div>
  );
}
