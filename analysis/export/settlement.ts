// Settlement scenarios as the exporters need them (RULES.md "Settlement scenarios"): the figures per gap
// line (units, price, list price, months) and labels. The workbook writes these lines into the Gap
// Register and recomputes the totals with formulas; the cached results come from the engine's
// computeScenarios over the same lines, so both agree.
import type { Scenarios } from '../model';
import { computeScenarios, type GapLine } from '../scenarios';
import type { ScenarioAssumptions } from '../settings';
import type { FindingRow } from './data';

export type { GapLine };

/**
 * A register line as the settlement model reads it, with the engine's own fallbacks
 * (analysis/rules/gap-lines.ts): no price -> 0, no list price -> the price, no months -> 1.
 */
export function gapLineOf(f: FindingRow): GapLine {
  const price = f.price ?? 0;
  return { units: f.units, price, list_price: f.list_price ?? price, months: f.months ?? 1 };
}

/**
 * The six totals the Settlement formulas cache: the engine's computeScenarios over the same lines, taken
 * in the engine's order (finding_id, units > 0; analysis/rules/gap-lines.ts) so the sums agree to the last bit.
 */
export function scenarioTotals(lines: { finding_id: string; line: GapLine }[], a: ScenarioAssumptions): Scenarios {
  const ordered = lines.filter((l) => l.line.units > 0).sort((x, y) => (x.finding_id < y.finding_id ? -1 : x.finding_id > y.finding_id ? 1 : 0));
  return computeScenarios(ordered.map((l) => l.line), a);
}

export const SCENARIO_KEYS = [
  'self_review_best', 'self_review_typical', 'audit_negotiated_low', 'audit_negotiated_high',
  'audit_no_cooperation_low', 'audit_no_cooperation_high',
] as const satisfies readonly (keyof Scenarios)[];

export const SCENARIO_LABELS: Record<keyof Scenarios, { label: string; means: string }> = {
  self_review_best: { label: 'Self-review, best case', means: 'Gap found in this quarterly review and closed at once: buy the missing seats at your price.' },
  self_review_typical: { label: 'Self-review, typical', means: 'Found at the annual review; back period negotiated at the back-period rate.' },
  audit_negotiated_low: { label: 'Audit, negotiated (low)', means: 'Vendor audit settled by negotiation: seats at your price plus list-price back period × low settlement rate.' },
  audit_negotiated_high: { label: 'Audit, negotiated (high)', means: 'As above at the high settlement rate.' },
  audit_no_cooperation_low: { label: 'Audit, no cooperation (low)', means: 'List-price remediation plus list-price back period, legal and audit costs (low loading).' },
  audit_no_cooperation_high: { label: 'Audit, no cooperation (high)', means: 'As above at the high loading.' },
};

/** The assumption cells of the workbook, each a defined name (RULES.md scenario parameters). */
export const ASSUMPTION_NAMES: { key: keyof ScenarioAssumptions; name: string; label: string; means: string }[] = [
  { key: 'negotiated_back_period_rate', name: 'Negotiated_back_period_rate', label: 'Negotiated back-period rate', means: 'Share of the back period paid when a gap found at the annual review is negotiated.' },
  { key: 'audit_settlement_rate_low', name: 'Audit_settlement_rate_low', label: 'Audit settlement rate (low)', means: 'Multiple of the list-price back period paid in a negotiated audit settlement, low end.' },
  { key: 'audit_settlement_rate_high', name: 'Audit_settlement_rate_high', label: 'Audit settlement rate (high)', means: 'Same, high end.' },
  { key: 'no_cooperation_loading_low', name: 'No_cooperation_loading_low', label: 'No-cooperation loading (low)', means: 'Legal and audit costs on top of the list-price back period in an audit without cooperation, low end.' },
  { key: 'no_cooperation_loading_high', name: 'No_cooperation_loading_high', label: 'No-cooperation loading (high)', means: 'Same, high end.' },
];

export { typeLabel } from '../model';
