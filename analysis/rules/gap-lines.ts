// The gap lines the settlement scenarios are computed over (RULES.md "Settlement scenarios").
import type { EngagementDb } from '../db/engine';
import type { GapLine } from '../scenarios';

export async function gapLinesForScenarios(db: EngagementDb): Promise<GapLine[]> {
  const rows = await db.all<{ units: number; price: number | null; list_price: number | null; months: number | null }>(
    `SELECT units, price, list_price, months FROM findings WHERE family = 'gap' AND units > 0 ORDER BY finding_id`,
  );
  return rows.map((r) => ({ units: Number(r.units), price: Number(r.price ?? 0), list_price: Number(r.list_price ?? r.price ?? 0), months: Number(r.months ?? 1) }));
}
