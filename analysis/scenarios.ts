// Settlement scenarios (RULES.md "Settlement scenarios"): six costs over the gap lines. For a line with
// units g, price c, list price l and months of exposure m:
//   self_review_best           Σ g·c
//   self_review_typical        Σ g·c + Σ g·c·(m/12)·negotiated_back_period_rate
//   audit_negotiated_low/high  Σ g·c + Σ g·l·(m/12)·audit_settlement_rate_low/high
//   audit_no_cooperation_*     Σ g·l + Σ g·l·(m/12)·(1 + no_cooperation_loading_low/high)
import type { Scenarios } from './model';
import { ScenarioSchema, type ScenarioAssumptions } from './settings';

export interface GapLine {
  units: number;
  price: number;
  list_price: number;
  months: number;
}

export function computeScenarios(gapLines: GapLine[], assumptions: Partial<ScenarioAssumptions> = {}): Scenarios {
  const a = ScenarioSchema.parse(assumptions);
  let licences = 0; // Σ g·c
  let listLicences = 0; // Σ g·l
  let backAtPrice = 0; // Σ g·c·m/12
  let backAtList = 0; // Σ g·l·m/12
  for (const line of gapLines) {
    const g = line.units;
    const c = line.price;
    const l = Number.isFinite(line.list_price) ? line.list_price : c;
    const years = line.months / 12;
    licences += g * c;
    listLicences += g * l;
    backAtPrice += g * c * years;
    backAtList += g * l * years;
  }
  return {
    self_review_best: licences,
    self_review_typical: licences + backAtPrice * a.negotiated_back_period_rate,
    audit_negotiated_low: licences + backAtList * a.audit_settlement_rate_low,
    audit_negotiated_high: licences + backAtList * a.audit_settlement_rate_high,
    audit_no_cooperation_low: listLicences + backAtList * (1 + a.no_cooperation_loading_low),
    audit_no_cooperation_high: listLicences + backAtList * (1 + a.no_cooperation_loading_high),
  };
}
