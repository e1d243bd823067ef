// The read-only HTML report inside the evidence pack: one self-contained file (inline CSS, no scripts,
// no external assets, no network URLs; a CSP forbids loading anything). Every string is escaped,
// and ':' too, so client text such as "http://..." can never become a link or a fetch.
import { DECISION_LABELS, LICENCE_MODEL_LABELS, RECOMMENDATION_LABELS, renewalMeasure, type Scenarios } from '../model';
import type { ScenarioAssumptions } from '../settings';
import type { FindingRow, PricedRenewal, RenewalRow, SourceRow, RefusedRow } from './data';
import { SCENARIO_KEYS, SCENARIO_LABELS, typeLabel } from './settlement';
import { REPORT_CSS } from './report-style';
import { withoutControls } from './csv';
import { needsAttention, sourceNotes } from '../ingest/normalise';
import type { Deviation } from './deviations';

export interface ReportInput {
  client: string;
  asOf: string | null;
  currency: string;
  toolVersion: string;
  baggingDate: string;
  fingerprint: string;
  scenarios: Scenarios;
  savingsByType: Map<string, { n: number; units: number; value: number }>;
  gapUnits: number;
  gaps: FindingRow[];
  gapTotal: number;
  reclamation: FindingRow[];
  reclamationTotal: number;
  optimisation: FindingRow[];
  optimisationTotal: number;
  /** The renewal lines with the unit price each is costed at (the workbook's Renewal sheet). */
  renewal: PricedRenewal[];
  /**
   * Codes priced from the shipped book when the engagement is in another currency (currency_unconverted): their
   * figures are the book's, shown in the engagement's currency without conversion, so each is marked where shown.
   */
  unconverted?: { bookCurrency: string; codes: ReadonlySet<string> };
  /** A Flex pool's tokens used per product in the 12 months to the review date, most first (empty without a pool). */
  tokensByProduct: Array<{ product: string; name: string; tokens: number }>;
  sources: (SourceRow & { included: boolean; packPath: string | null; changedTo?: string })[];
  refused: RefusedRow[];
  rejects: number;
  signals: number;
  /** Signal findings (telemetry gaps, spikes, new domains, denials), largest first, at most the report's rows. */
  signalRows: FindingRow[];
  /** The settlement assumptions the scenarios were computed with. */
  assumptions: ScenarioAssumptions;
  /** The review window, in months before the as-of date (thresholds.lookback_months). */
  lookbackMonths: number;
  /** Settings that differ from the shipped defaults (deviations.ts). */
  deviations: Deviation[];
  workbookName: string;
  /** review-warnings.ts: what to check before trusting the figures. */
  warnings: string[];
}

export function esc(v: unknown): string {
  if (v === null || v === undefined) return '';
  return withoutControls(String(v))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/:/g, '&#58;');
}



export function renderReport(r: ReportInput): string {
  const money = (n: number | null | undefined, digits = 0) =>
    n === null || n === undefined ? '' : new Intl.NumberFormat('en-US', { style: 'currency', currency: r.currency, maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
  const num = (n: number | null | undefined) => (n === null || n === undefined ? '' : new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(n));
  const savingsTotal = [...r.savingsByType.values()].reduce((a, s) => a + s.value, 0);
  const seatsToReclaim = ['dormant_user', 'unused_assignment'].reduce((a, t) => a + (r.savingsByType.get(t)?.units ?? 0), 0);
  const reclaimValue = ['dormant_user', 'unused_assignment'].reduce((a, t) => a + (r.savingsByType.get(t)?.value ?? 0), 0);
  const capped = (shown: number, total: number, what: string) =>
    total > shown ? `<p class="note">Showing the ${shown.toLocaleString('en-US')} largest of ${total.toLocaleString('en-US')} ${what}; every line is in findings.csv and in the workbook (${esc(r.workbookName)}).</p>` : '';
  const sev = (s: string) => `<span class="pill ${esc(s)}">${esc(s)}</span>`;

  const savingsRows = ['dormant_user', 'unused_assignment', 'duplicate_access', 'collection_single_product', 'low_frequency_user']
    .map((t) => {
      const a = r.savingsByType.get(t) ?? { n: 0, units: 0, value: 0 };
      return `<tr><td>${esc(typeLabel(t))}</td><td class="num">${num(a.n)}</td><td class="num">${num(a.units)}</td><td class="num">${money(a.value)}</td></tr>`;
    })
    .join('');

  const scenarioRows = SCENARIO_KEYS.map(
    (k) => `<tr><td><strong>${esc(SCENARIO_LABELS[k].label)}</strong></td><td>${esc(SCENARIO_LABELS[k].means)}</td><td class="num">${money(r.scenarios[k])}</td><td class="num">${money(r.scenarios[k] - r.scenarios.self_review_best)}</td></tr>`,
  ).join('');

  const unconverted = (code: string | null) =>
    code && r.unconverted?.codes.has(code) ? `<br><span class="note">${esc(r.unconverted.bookCurrency)} book price, not converted</span>` : '';
  const gapRows = r.gaps
    .map(
      (g) => `<tr><td class="mono nowrap">${esc(g.finding_id)}</td><td class="nowrap">${esc(typeLabel(g.type))}</td><td>${sev(g.severity)}</td><td>${esc(g.user)}</td><td>${esc(g.product)}</td>
<td class="num">${num(g.units)}</td><td class="num">${money(g.price, 2)}${unconverted(g.product)}</td><td class="num">${money(g.list_price ?? g.price, 2)}</td><td class="num">${num(g.months)}</td>
<td class="num">${money(g.annual_value)}</td><td class="date">${esc(g.first_seen)}</td><td class="date">${esc(g.last_seen)}</td><td>${esc(g.action ? (DECISION_LABELS[g.action] ?? g.action) : null)}</td><td class="detail">${esc(g.detail)}</td></tr>`,
    )
    .join('');

  const savingsTable = (rows: FindingRow[]) =>
    rows
      .map(
        (s) => `<tr><td class="mono">${esc(s.finding_id)}</td><td>${esc(typeLabel(s.type))}</td><td>${esc(s.user)}</td><td>${esc(s.offering ?? s.product)}</td>
<td class="num">${num(s.units)}</td><td class="num">${money(s.annual_value)}${s.annual_value > 0 ? unconverted(s.offering ?? s.product) : ''}</td><td class="date">${esc(s.last_seen)}</td><td>${esc(s.detail)}</td><td>${esc(s.action ? (DECISION_LABELS[s.action] ?? s.action) : null)}</td></tr>`,
      )
      .join('');

  // Where a Flex pool's tokens went in the 12 months judged: the products, most first (the Renewal step's card).
  const tokenTotal = r.tokensByProduct.reduce((a, x) => a + x.tokens, 0);
  const tokensTable = r.tokensByProduct.length
    ? `<h3>Where the Flex tokens went, 12 months to the review date</h3><table><thead><tr><th>Product</th><th class="num">Tokens</th><th class="num">Share</th></tr></thead><tbody>${r.tokensByProduct
        .map((x) => `<tr><td>${esc(x.name === x.product ? x.product : `${x.name} (${x.product})`)}</td><td class="num">${num(x.tokens)}</td><td class="num">${num(Math.round((100 * x.tokens) / Math.max(1, tokenTotal)))}%</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  // A Flex token pool's seats and target are tokens a year (renewal.ts).
  const tokens = (x: RenewalRow) => (renewalMeasure(x.licence_model) === 'tokens' ? ' <span class="note">tokens a year</span>' : '');
  // Costed as the workbook's Renewal sheet costs them: seats (a Flex pool: tokens) × unit price, now and at the target.
  const cost = (q: number | null, price: number | null) => (q === null || price === null ? null : q * price);
  const moneyCell = (n: number | null) => `<td class="num">${n === null ? '—' : esc(money(n))}</td>`;
  const renewalRows = r.renewal
    .map(
      ({ r: x, price }) => `<tr><td>${esc(x.offering)}${x.licence_model ? ` <span class="note">${esc(LICENCE_MODEL_LABELS[x.licence_model] ?? x.licence_model)}</span>` : ''}</td><td class="num">${num(x.seats)}${tokens(x)}</td><td class="num">${renewalMeasure(x.licence_model) === 'users' ? num(x.active_assignments) : '—'}</td><td class="num">${renewalMeasure(x.licence_model) === 'tokens' && !x.active_users ? '—' : num(x.active_users)}</td>
<td class="num">${num(x.peak_monthly_active)}</td><td class="num">${x.trend === null ? '—' : `×${x.trend.toFixed(2)}`}</td><td class="num">${renewalMeasure(x.licence_model) === 'concurrent' ? num(x.true_denials) : '—'}</td>
<td class="detail"><span class="pill">${esc(RECOMMENDATION_LABELS[x.recommendation] ?? x.recommendation)}</span><br>${esc(x.reason)}</td><td class="num">${num(x.target_quantity)}${tokens(x)}</td>
<td class="num">${price === null ? '—' : esc(money(price, price < 10 ? 2 : 0))}${renewalMeasure(x.licence_model) === 'tokens' ? '' : unconverted(x.offering)}</td>${moneyCell(cost(x.seats, price))}${moneyCell(cost(x.target_quantity, price))}</tr>`,
    )
    .join('');
  const priced = r.renewal.filter((p) => p.price !== null);
  const unpriced = r.renewal.length - priced.length;
  const renewalTotal = priced.length
    ? `<tr class="total"><td colspan="10">Annual cost of the contract lines${unpriced ? ` <span class="note">(${unpriced} without a price left out)</span>` : ''}<br><span class="note">Targets follow the review's rule: a seat for every gap unit, idle seats kept; the reasons name the smaller target free seats would allow, and the Reclamation list's savings are not netted off.</span></td>${moneyCell(priced.reduce((a, p) => a + (cost(p.r.seats, p.price) ?? 0), 0))}${moneyCell(priced.reduce((a, p) => a + (cost(p.r.target_quantity, p.price) ?? 0), 0))}</tr>`
    : '';

  const sourceRows = r.sources
    .map(
      (s) => `<tr><td>${esc(s.file)}${sourceNotes(s.notes ?? null).filter(needsAttention).map((n) => `<div class="note">${esc(n)}</div>`).join('')}</td><td>${esc(s.kind)}</td><td class="num">${num(s.rows_read)}</td><td class="num">${num(s.rows_loaded)}</td><td class="num">${num(s.rows_rejected)}</td><td class="num">${num(s.rows_duplicate)}</td>
<td class="num">${num(s.size_bytes)}</td><td class="mono">${esc(s.sha256)}</td><td>${
        s.changedTo ? `<span class="pill missing">changed since reviewed</span><div class="mono">not packed; now ${esc(s.changedTo)}</div>`
        : !s.included ? `<span class="pill missing">missing</span>`
        : `<span class="pill ok">in pack</span>`}</td></tr>`,
    )
    .join('');
  const refusedRows = r.refused.map((x) => `<tr><td>${esc(x.file)}</td><td>${esc(x.reason)}</td></tr>`).join('');
  // By kind, then in time: signals carry no money, so "largest first" would read as random.
  const signalRows = [...r.signalRows]
    .sort((x, y) => x.type.localeCompare(y.type) || (x.first_seen ?? '').localeCompare(y.first_seen ?? '') || x.finding_id.localeCompare(y.finding_id))
    .map(
      (x) => `<tr><td class="nowrap">${esc(typeLabel(x.type))}</td><td>${esc(x.product ?? '')}</td><td class="num">${num(x.units)}</td><td class="date">${esc(x.first_seen)}</td>
<td class="date">${esc(x.last_seen)}</td><td>${esc(x.detail)}</td><td class="num">${num(x.evidence_count)}</td><td>${esc(x.action ? (DECISION_LABELS[x.action] ?? x.action) : null)}</td></tr>`,
    )
    .join('');
  const a = r.assumptions;
  const assumptionRows = [
    ['Negotiated back-period rate', a.negotiated_back_period_rate, 'share of the back period paid when a gap is found at the annual review'],
    ['Audit settlement rate, low / high', `${a.audit_settlement_rate_low} / ${a.audit_settlement_rate_high}`, 'back period at list price × this, in a negotiated audit settlement'],
    ['No-cooperation loading, low / high', `${a.no_cooperation_loading_low} / ${a.no_cooperation_loading_high}`, 'legal and audit costs on top of the list-price back period'],
  ]
    .map(([k, v, m]) => `<tr><td>${esc(k)}</td><td class="num">${esc(v)}</td><td>${esc(m)}</td></tr>`)
    .join('');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data&#58;">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.client)} — licence review ${esc(r.asOf ?? '')}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>Licence review — ${esc(r.client)}</h1>
<div class="sub">Autodesk licences (Named User, network and Flex): reclamation, compliance gaps, settlement scenarios and renewal. Read-only evidence report.</div>
<dl>
<div><dt>As of</dt><dd>${esc(r.asOf ?? 'undated')}</dd></div>
<div><dt>Lookback</dt><dd>${num(r.lookbackMonths)} months</dd></div>
<div><dt>Currency</dt><dd>${esc(r.currency)}</dd></div>
<div><dt>Packed</dt><dd>${esc(r.baggingDate)}</dd></div>
<div><dt>Tool</dt><dd>${esc(r.toolVersion)}</dd></div>
<div><dt>Signing key fingerprint</dt><dd>SHA256:${esc(r.fingerprint)}</dd></div>
</dl>
</header>
<main>
${r.warnings.map((w) => `<div class="warn"><strong>Check first:</strong> ${esc(w)}</div>`).join('\n')}
<h2>Headline</h2>
<div class="cards">
<div class="card good"><div class="label">Savings to reclaim (annual)</div><div class="value">${money(savingsTotal)}</div><div class="note">all five savings levers; of it, ${num(seatsToReclaim)} seats from dormant users and unused assignments (${money(reclaimValue)})</div></div>
<div class="card"><div class="label">Seats to buy</div><div class="value">${num(r.gapUnits)}</div><div class="note">${num(r.gapTotal)} compliance gap lines</div></div>
<div class="card"><div class="label">Close the gaps now</div><div class="value">${money(r.scenarios.self_review_best)}</div><div class="note">self-review, best case</div></div>
<div class="card bad range"><div class="label">If an audit finds them</div><div class="value">${money(r.scenarios.audit_negotiated_low)} – ${money(r.scenarios.audit_no_cooperation_high)}</div><div class="note">negotiated low to no cooperation high</div></div>
</div>

<h2>Savings by lever</h2>
<table><thead><tr><th>Lever</th><th class="num">Findings</th><th class="num">Seats</th><th class="num">Annual value</th></tr></thead>
<tbody>${savingsRows}<tr class="total"><td>Total</td><td class="num">${num([...r.savingsByType.values()].reduce((a, s) => a + s.n, 0))}</td><td class="num">${num([...r.savingsByType.values()].reduce((a, s) => a + s.units, 0))}</td><td class="num">${money(savingsTotal)}</td></tr></tbody></table>

<h2>Settlement scenarios</h2>
<table><thead><tr><th>Scenario</th><th>What it assumes</th><th class="num">Total cost</th><th class="num">Above closing now</th></tr></thead><tbody>${scenarioRows}</tbody></table>
<p class="note">Each gap line costs its units × unit price now; the back period is units × price × months exposed ÷ 12 (months from its first use to the review date, at most the lookback), at these rates:</p>
<table><thead><tr><th>Assumption</th><th class="num">Value</th><th>What it means</th></tr></thead><tbody>${assumptionRows}</tbody></table>

<h2>Settings that differ from the defaults<span class="count">${num(r.deviations.length)}</span></h2>
${r.deviations.length ? `<p class="note">A shorter lookback, a looser threshold, lower rates or a price below the book all move the figures above; each is here beside the value LRT Workbench ships with (all settings are in <code>data/settings.json</code>).</p>
<table><thead><tr><th>Setting</th><th class="num">This review</th><th class="num">Default</th></tr></thead><tbody>${r.deviations.map((d) => `<tr><td class="mono nowrap">${esc(d.setting)}</td><td class="num">${esc(d.value)}</td><td class="num">${esc(d.default)}</td></tr>`).join('')}</tbody></table>` : '<p class="note">Every threshold, settlement rate and price is LRT Workbench\'s default (prices from subscription lines aside, which <code>data/prices.csv</code> lists).</p>'}

<h2>Compliance gap register<span class="count">${num(r.gapTotal)} lines</span></h2>
${r.gaps.length ? `<div class="scroll"><table><thead><tr><th>Finding</th><th>Type</th><th>Severity</th><th>User</th><th>Product</th><th class="num">Units</th><th class="num">Unit price</th><th class="num">List price</th><th class="num">Months</th><th class="num">Annual value</th><th>First seen</th><th>Last seen</th><th>Decision</th><th>Detail</th></tr></thead><tbody>${gapRows}</tbody></table></div>${capped(r.gaps.length, r.gapTotal, 'gap lines')}` : '<p class="note">No compliance gaps in the lookback.</p>'}

<h2>Reclamation<span class="count">${num(r.reclamationTotal)} findings</span></h2>
${r.reclamation.length ? `<table><thead><tr><th>Finding</th><th>Type</th><th>User</th><th>Offering</th><th class="num">Seats</th><th class="num">Annual value</th><th>Last seen</th><th>Detail</th><th>Decision</th></tr></thead><tbody>${savingsTable(r.reclamation)}</tbody></table>${capped(r.reclamation.length, r.reclamationTotal, 'reclamation findings')}` : '<p class="note">No dormant users or unused assignments.</p>'}

<h2>Optimisation<span class="count">${num(r.optimisationTotal)} candidates</span></h2>
${r.optimisation.length ? `<table><thead><tr><th>Finding</th><th>Type</th><th>User</th><th>Offering</th><th class="num">Seats</th><th class="num">Annual value</th><th>Last seen</th><th>Detail</th><th>Decision</th></tr></thead><tbody>${savingsTable(r.optimisation)}</tbody></table>${capped(r.optimisation.length, r.optimisationTotal, 'optimisation candidates')}` : '<p class="note">No optimisation candidates.</p>'}

<h2>Renewal brief</h2>
${r.renewal.length ? `<div class="scroll"><table><thead><tr><th>Offering</th><th class="num">Seats</th><th class="num">Assigned</th><th class="num">Active<br>users</th><th class="num">Peak<br>monthly<br><span class="note">network: at once;<br>Flex: tokens</span></th><th class="num">Trend</th><th class="num">Denials</th><th>Recommendation and reason</th><th class="num">Target</th><th class="num">Unit price<br><span class="note">a seat a year;<br>Flex: a token</span></th><th class="num">Cost now<br><span class="note">a year</span></th><th class="num">At target<br><span class="note">a year</span></th></tr></thead><tbody>${renewalRows}${renewalTotal}</tbody></table></div>` : '<p class="note">No offerings under contract.</p>'}
${tokensTable}

<h2>Signals<span class="count">${num(r.signals)} signals</span></h2>
${r.signalRows.length ? `<div class="scroll"><table><thead><tr><th>Signal</th><th>Product</th><th class="num">Units</th><th>From</th><th>To</th><th>Detail</th><th class="num">Evidence rows</th><th>Decision</th></tr></thead><tbody>${signalRows}</tbody></table></div>${capped(r.signalRows.length, r.signals, 'signals')}` : '<p class="note">No telemetry gaps, usage spikes, new domains or network denials.</p>'}

<h2>Sources<span class="count">${num(r.sources.length)} files, ${num(r.rejects)} rejected rows, ${num(r.signals)} signals</span></h2>
<table><thead><tr><th>File</th><th>Kind</th><th class="num">Rows read</th><th class="num">Loaded</th><th class="num">Rejected</th><th class="num">Duplicate</th><th class="num">Bytes</th><th>SHA-256</th><th>Copy</th></tr></thead><tbody>${sourceRows}</tbody></table>
${r.refused.length ? `<h2>Files refused<span class="count">${num(r.refused.length)}</span></h2><table><thead><tr><th>File</th><th>Reason</th></tr></thead><tbody>${refusedRows}</tbody></table>` : ''}

<p class="note">Rows read = loaded + rejected + duplicate; a duplicate is a row another file holds too (an earlier, overlapping export; or, for a cut-off copy of a licence server's log, the fuller log that replaced its open sessions). Under a file, how it was read where that needs checking.</p>

<h2>Tracing a figure</h2>
<p class="note">Every finding is in <code>data/findings.csv</code>; <code>data/evidence.csv</code> gives the rows each rests on (table, source file, line, and what the row shows); the files themselves are in <code>data/sources/</code> byte for byte, so each row can be read at its line; <code>data/prices.csv</code> holds every price the review used and where it came from (a subscription line's unit price, the engagement's settings or the shipped price book), <code>data/settings.json</code> the thresholds, assumptions and the analyst's own prices, and the workbook (${esc(r.workbookName)}) recomputes the scenarios with live formulas. To recompute every finding from the packed sources and settings, run <code>lrtw review --input &lt;pack&gt;/data/sources --config &lt;pack&gt;/data/settings.json --out &lt;folder&gt;</code> and compare its findings.csv with this pack's.</p>

<footer>This report is part of a signed BagIt evidence pack. Check it with <code>lrtw verify &lt;pack&gt; --fingerprint SHA256:…</code>, giving the fingerprint the consultant sent you apart from the pack (the one printed above is the pack’s own claim): every file’s SHA-256 and the Ed25519 signature over the tag manifest must match, with that key. Verified means unchanged since that key signed it, not that the figures are right.</footer>
</main>
</body>
</html>
`;
}
