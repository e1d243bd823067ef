// Step 7: per offering, monthly active users against seats, trend, denials and the recommendation;
// the analyst sets the target quantity for the renewal.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, errorMessage, isInvalidInput } from '../api/client';
import { LICENCE_MODEL_LABELS, LIMITS, RECOMMENDATION_LABELS } from '../api/shared';
import { useApp } from '../store';
import { ActiveVsSeats, HBars } from '../components/charts';
import { Card, Empty, ErrorBox, Loading, NeedsReview, PageHeader, useLoad } from '../components/ui';
import { int, money } from '../format';


/** The engine's reason as a sentence of its own ("the gap register holds 7 units" -> "The gap register holds 7 units."). */
function sentence(s: string): string {
  const t = s.trim();
  if (!t) return '';
  return `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
}

/** A renewal line's key as an element id ("ACD:network" -> "ACD-network"). */
const domId = (line: string) => line.replace(/[^A-Za-z0-9_-]/g, '-');

const TARGET_RULE = `Enter a whole number from 0 to ${int(LIMITS.target)}.`;
const TARGET_RANGE = `a target is a whole number from 0 to ${int(LIMITS.target)}`;
/** The typed target as a quantity, or null when it is not a whole number within the contract's range. */
function parseTarget(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,7}$/.test(t)) return null;
  const n = Number(t);
  return n <= LIMITS.target ? n : null;
}

/** How long typing may pause before a valid target is saved (leaving the field saves at once). */
const SAVE_DELAY_MS = 600;

/** A line's annual cost at a quantity: seats (a Flex pool: tokens) × unit price; null when unpriced. */
const costAt = (quantity: number | null, price: number | null) => (quantity === null || price === null ? null : quantity * price);

export function RenewalStep() {
  const summary = useApp((s) => s.summary);
  const currency = useApp((s) => s.settings?.currency ?? 'USD');
  const dormantDays = useApp((s) => s.settings?.thresholds.dormant_days ?? 90);
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  const setNotice = useApp((s) => s.setNotice);
  const r = useLoad(() => api('renewal.get', {}), [summary]);
  // The text in each target field as typed (kept while editing, so "", "-" or "12." never jump to a number),
  // and what the engine holds.
  const [text, setText] = useState<Record<string, string>>({});
  const [stored, setStored] = useState<Record<string, number>>({});
  const [invalid, setInvalid] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!r.data) return;
    setText(Object.fromEntries(r.data.map((x) => [x.line, String(x.target_quantity)])));
    setStored(Object.fromEntries(r.data.map((x) => [x.line, x.target_quantity])));
    setInvalid({});
  }, [r.data]);
  // Months before any usage at all predate the client's exports: drawn as zeros they would read as "nobody used it".
  const firstMonth = useMemo(() => {
    const used = (r.data ?? []).flatMap((x) => x.monthly.filter((m) => m.active_users > 0).map((m) => m.month)).sort();
    const allMonths = (r.data ?? []).flatMap((x) => x.monthly.map((m) => m.month)).sort();
    return used.length && used[0] !== allMonths[0] ? used[0]! : null;
  }, [r.data]);

  // Targets save themselves, like decisions: a pause in typing or leaving the field saves a valid value.
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  // The value being saved per line: a blur or Enter right after a pause in typing does not send it twice.
  const sending = useRef(new Map<string, number>());
  const latest = useRef({ text, stored, rows: r.data });
  latest.current = { text, stored, rows: r.data };
  const nameOf = (line: string) => latest.current.rows?.find((x) => x.line === line)?.name ?? line;

  async function save(line: string, value: string): Promise<void> {
    clearTimeout(timers.current.get(line));
    timers.current.delete(line);
    const n = parseTarget(value);
    setInvalid((v) => ({ ...v, [line]: n === null }));
    if (n === null || n === latest.current.stored[line] || n === sending.current.get(line)) return;
    sending.current.set(line, n);
    try {
      await api('renewal.setTargets', { targets: { [line]: n } });
      latest.current.stored = { ...latest.current.stored, [line]: n };
      setStored((s) => ({ ...s, [line]: n }));
      setNotice(`Saved the target for ${nameOf(line)}.`);
    } catch (e) {
      setError(isInvalidInput(e) ? `The target for ${nameOf(line)} was not saved: ${TARGET_RANGE}.` : `The target for ${nameOf(line)} was not saved: ${errorMessage(e)}`);
    } finally {
      if (sending.current.get(line) === n) sending.current.delete(line);
    }
  }
  // A value changed with the arrow keys waits for Enter or leaving the field: a keyboard user passing through the
  // targets must not rewrite the renewal a step at a time.
  const stepped = useRef(false);
  function edit(line: string, value: string) {
    setText((t) => ({ ...t, [line]: value }));
    clearTimeout(timers.current.get(line));
    // A corrected value clears its message at once; a new mistake is only pointed out on leaving the field.
    if (parseTarget(value) === null) return;
    setInvalid((v) => ({ ...v, [line]: false }));
    if (stepped.current) {
      stepped.current = false;
      return;
    }
    timers.current.set(line, setTimeout(() => void save(line, value), SAVE_DELAY_MS));
  }
  // Leaving the step: a save still waiting goes out now, and a value the engine would refuse is named, not dropped silently.
  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const t of pending.values()) clearTimeout(t);
      pending.clear();
      const { text: typed, stored: held, rows } = latest.current;
      const targets: Record<string, number> = {};
      const refused: string[] = [];
      for (const x of rows ?? []) {
        const value = typed[x.line];
        if (value === undefined) continue;
        const n = parseTarget(value);
        if (n === null) refused.push(`${x.name} (“${value}”)`);
        else if (n !== held[x.line] && n !== sending.current.get(x.line)) targets[x.line] = n;
      }
      const app = useApp.getState();
      if (Object.keys(targets).length) void api('renewal.setTargets', { targets }).catch((e: unknown) => app.setError(`Target quantities were not saved: ${errorMessage(e)}`));
      if (refused.length) app.setError(`The target quantity for ${refused.join(', ')} was not saved: ${TARGET_RANGE}. Go back to Renewal to correct it.`);
    };
  }, []);

  /** The target as typed when it is a valid quantity (costs follow typing), else the one held. */
  const targetOf = (x: { line: string; target_quantity: number }) => parseTarget(text[x.line] ?? '') ?? stored[x.line] ?? x.target_quantity;

  return (
    <div className="page">
      <PageHeader
        title="Renewal"
        lead="Per offering under contract (an offering with Named User and network seats has a line for each): seats, how many people actually use it month by month, the trend, denials, and the engine's recommendation. Set the quantity to renew."
      />
      {error && <ErrorBox message={error} onDismiss={() => setError(null)} />}
      {!summary && <NeedsReview what="monthly active users against seats per offering and the recommendation" />}
      {summary && r.loading && !r.data && <Loading what="the renewal brief" />}
      {summary && r.error && <ErrorBox message={`Could not load the renewal brief: ${r.error}`} />}
      {summary && r.data && r.data.length === 0 && <Card><Empty title="No offerings under contract">Load the client's subscriptions export (Autodesk Account › Reporting › Subscriptions) on Load data and run the review again to see the renewal brief.</Empty></Card>}
      {summary && r.data && r.data.length > 0 && (
        <>
          <Card title="Renewal brief" id="brief" actions={!readOnly && <span className="muted small">Targets start at the engine's recommendation and are saved as you type.</span>}>
            <div className="table-scroll">
              <table className="simple-table renewal-table">
                <thead>
                  <tr>
                    <th scope="col">Offering</th>
                    <th scope="col" className="right">Seats</th>
                    <th scope="col" className="right">Assigned</th>
                    {/* RULES.md: assigned users with use in the last dormant_days (a network line: those holding its seats). */}
                    <th scope="col" className="right" title={`Assigned users with use in the last ${dormantDays} days (a network line: the users holding its seats)`}>Active users</th>
                    <th scope="col" className="right">Peak monthly</th>
                    <th scope="col" className="right">Trend</th>
                    <th scope="col" className="right">Denials</th>
                    <th scope="col">Recommendation</th>
                    <th scope="col" className="right">Target<div className="muted small">and its annual cost</div></th>
                  </tr>
                </thead>
                <tbody>
                  {r.data.map((x) => {
                    const bad = invalid[x.line] ?? false;
                    // As the engine marks it: only a saved target that differs from its recommendation.
                    const held = stored[x.line] ?? x.target_quantity;
                    const recommended = x.recommended_quantity;
                    const reason = x.reason;
                    return (
                      <tr key={x.line}>
                        <td><div className="strong">{x.name}</div><div className="muted small"><span className="mono">{x.offering}</span>{x.licence_model && <> · {LICENCE_MODEL_LABELS[x.licence_model] ?? x.licence_model}</>}</div></td>
                        <td className="right num">{int(x.seats)}{x.measure === 'tokens' && <div className="muted small">tokens a year</div>}</td>
                        {/* Only Named User seats are assigned, and only network seats are denied: elsewhere a 0 would read as a finding. */}
                        <td className="right num">{x.measure === 'users' ? int(x.active_assignments) : <span className="muted" title="Not assigned: these seats are not Named User seats">—</span>}</td>
                        {/* A token pool's use is counted in tokens: without user-level token rows, no one is "0 users". */}
                        <td className="right num">{x.measure === 'tokens' && x.active_users === 0 ? <span className="muted" title="The token usage loaded names no users">—</span> : int(x.active_users)}</td>
                        <td className="right num">{int(x.peak_monthly_active)}{x.measure === 'concurrent' && <div className="muted small">at once</div>}{x.measure === 'tokens' && <div className="muted small">tokens</div>}</td>
                        <td className="right num">{x.trend === null ? '—' : `×${x.trend.toFixed(2)}`}</td>
                        <td className="right num">{x.measure === 'concurrent' ? int(x.true_denials) : <span className="muted" title="Only network seats are denied">—</span>}</td>
                        <td className="rec-cell">
                          <span className={`rec ${x.recommendation}`}>{RECOMMENDATION_LABELS[x.recommendation]}</span>
                          <div className="muted small">{sentence(reason)}</div>
                          {held !== recommended && <div id={`target-${domId(x.line)}-set`} className="tag analyst">Target set by the analyst (recommended {int(recommended)})</div>}
                        </td>
                        <td className="right target-cell">
                          <input
                            className="cell-input num"
                            type="number"
                            min={0}
                            max={LIMITS.target}
                            step={1}
                            aria-label={x.measure === 'tokens' ? `Target tokens a year for ${x.name}` : `Target quantity for ${x.name}`}
                            aria-invalid={bad || undefined}
                            aria-describedby={[bad ? `target-${domId(x.line)}-problem` : null, `target-${domId(x.line)}-cost`, held !== recommended ? `target-${domId(x.line)}-set` : null].filter(Boolean).join(' ')}
                            value={text[x.line] ?? String(x.target_quantity)}
                            disabled={readOnly}
                            onChange={(e) => edit(x.line, e.target.value)}
                            onBlur={(e) => void save(x.line, e.target.value)}
                            onKeyDown={(e) => {
                              if (e.key === 'Enter') void save(x.line, e.currentTarget.value);
                              else if (e.key === 'ArrowUp' || e.key === 'ArrowDown' || e.key === 'PageUp' || e.key === 'PageDown') stepped.current = true;
                              else if (e.key === 'Escape') {
                                // Back to the target as saved: nothing typed or stepped since is kept.
                                clearTimeout(timers.current.get(x.line));
                                setText((t) => ({ ...t, [x.line]: String(held) }));
                                setInvalid((v) => ({ ...v, [x.line]: false }));
                              }
                            }}
                          />
                          {x.measure === 'tokens' && <div className="muted small">tokens a year</div>}
                          {bad && <div id={`target-${domId(x.line)}-problem`} className="field-note" role="alert">{TARGET_RULE}</div>}
                          <div id={`target-${domId(x.line)}-cost`}><LineCost row={x} target={targetOf(x)} currency={currency} /></div>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
                <CostTotals rows={r.data} targetOf={targetOf} currency={currency} />
              </table>
            </div>
          </Card>
          {firstMonth && <p className="muted small">Charts start at {firstMonth}, the first month with usage in any source; the lookback's earlier months hold no data to draw.</p>}
          <div className="grid-2">
            {r.data.map((x) => (
              <Card key={x.line} title={x.name} id={`chart-${domId(x.line)}`}>
                <ActiveVsSeats name={x.name} measure={x.measure} monthly={chartMonths(x, firstMonth)} />
                {x.tokens_by_product.length > 0 && <TokensByProduct name={x.name} items={x.tokens_by_product} />}
              </Card>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

/**
 * The months a line's chart draws: from the first month with usage in any source, and a token pool from its own first
 * month of token use (months before the Token Flex export starts hold no data, not zero tokens).
 */
function chartMonths(x: { measure: string; monthly: { month: string; active_users: number; seats: number }[] }, firstMonth: string | null) {
  const from = x.measure === 'tokens' ? (x.monthly.find((m) => m.active_users > 0)?.month ?? firstMonth) : firstMonth;
  return from ? x.monthly.filter((m) => m.month >= from) : x.monthly;
}

/** Where a Flex pool's tokens went in the 12 months judged: the largest products, the rest summed. */
function TokensByProduct(props: { name: string; items: { product: string; name: string; tokens: number }[] }) {
  const TOP = 8;
  const top = props.items.slice(0, TOP);
  const rest = props.items.slice(TOP);
  const restTokens = rest.reduce((a, x) => a + x.tokens, 0);
  const total = props.items.reduce((a, x) => a + x.tokens, 0);
  const tokens = (n: number) => Math.round(n).toLocaleString('en-US');
  return (
    <div className="tokens-by-product">
      <h4 className="small strong">Where the tokens went, 12 months to the review date</h4>
      <HBars label={`Tokens used per product from ${props.name}`} items={top.map((x) => ({ label: x.name === x.product ? x.product : `${x.name} (${x.product})`, value: x.tokens }))} format={tokens} />
      <p className="muted small">
        {tokens(total)} tokens on {props.items.length} {props.items.length === 1 ? 'product' : 'products'}
        {rest.length > 0 && <>; {rest.length} more {rest.length === 1 ? 'product' : 'products'} used {tokens(restTokens)} ({Math.round((100 * restTokens) / Math.max(1, total))}%)</>}.
      </p>
    </div>
  );
}

interface CostRow { line: string; name: string; measure: string; seats: number; target_quantity: number; unit_price: number | null; price_from_setting: boolean }

/** A line's annual cost at its target, with the cost at today's seats and the change (the workbook's Renewal sheet). */
function LineCost(props: { row: CostRow; target: number; currency: string }) {
  const { row, target, currency } = props;
  if (row.unit_price === null) {
    // A Flex pool is left uncosted when the export gives no tokens bought (its reason says so), not for want of a price.
    const why = row.measure === 'tokens' ? 'The subscriptions export gives no tokens bought for this pool, so it is not costed' : 'The review has no price for this offering: enter one in the price book (Settings) to cost it';
    return <div className="line-cost muted small" title={why}>{row.measure === 'tokens' ? 'not costed' : 'no price'}</div>;
  }
  const unit = row.measure === 'tokens' ? `a token${row.price_from_setting ? ' (the Flex token price setting)' : ''}` : 'a seat a year';
  const price = money(row.unit_price, currency, { cents: row.unit_price < 10 });
  return <CostLines now={costAt(row.seats, row.unit_price)!} at={costAt(target, row.unit_price)!} currency={currency} title={`At ${price} ${unit}`} />;
}

/** Cost at the target, today's cost and the change between them. */
function CostLines(props: { now: number; at: number; currency: string; title?: string }) {
  const change = props.at - props.now;
  return (
    <div className="line-cost" title={props.title}>
      <div className="strong">{money(props.at, props.currency)}</div>
      <div className="muted small">now {money(props.now, props.currency)}</div>
      {change !== 0 && <div className={`small ${change > 0 ? 'cost-up' : 'cost-down'}`}>{change > 0 ? '+' : '−'}{money(Math.abs(change), props.currency)}</div>}
    </div>
  );
}

/** What the renewal costs a year at today's seats and at the targets, over the priced lines; unpriced lines are named. */
function CostTotals(props: { rows: CostRow[]; targetOf: (x: CostRow) => number; currency: string }) {
  const { rows } = props;
  const priced = rows.filter((x) => x.unit_price !== null);
  const unpriced = rows.filter((x) => x.unit_price === null);
  const now = priced.reduce((a, x) => a + costAt(x.seats, x.unit_price)!, 0);
  const at = priced.reduce((a, x) => a + costAt(props.targetOf(x), x.unit_price)!, 0);
  return (
    <tfoot>
      <tr className="cost-total">
        <th scope="row">All lines</th>
        <td colSpan={7} className="right">
          <div className="strong">Annual cost of the contract lines{unpriced.length > 0 && <span className="muted small">, without {unpriced.map((x) => x.name).join(', ')} (not costed)</span>}</div>
          <div className="muted small">Targets follow the review's rule: a seat for every gap unit, idle seats kept. The reasons name the smaller target free seats would allow; the Reclamation list's savings are not netted off.</div>
        </td>
        <td className="right num"><CostLines now={now} at={at} currency={props.currency} /></td>
      </tr>
    </tfoot>
  );
}
