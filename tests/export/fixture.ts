// A realistic small engagement for the export tests, inserted straight into an EngagementDb in os.tmpdir():
// gap lines with units, prices, list prices, months and dates; savings lines; signals; renewal rows; sources
// with files on disk; rejects; a refused file; decisions. Some client strings are formula-injection attempts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { EngagementDb } from '../../analysis/db/engine';
import { SettingsSchema, type Settings } from '../../analysis/settings';

export const EVIL = {
  hyperlink: '=HYPERLINK("http://evil.example","x")',
  plus: '+SUM(1,2)',
  minus: '-2+3',
  at: '@SUM(A1)',
} as const;

export interface FixtureGap {
  id: string; type: string; user: string | null; product: string; units: number; price: number; list_price: number | null;
  months: number; first_seen: string; last_seen: string;
}

export const AS_OF = '2026-09-30';

export const GAPS: FixtureGap[] = [
  { id: 'G-0001', type: 'unassigned_usage', user: EVIL.hyperlink, product: 'RVT', units: 1, price: 2985, list_price: 2985, months: 11, first_seen: '2025-11-03', last_seen: '2026-09-12' },
  { id: 'G-0002', type: 'out_of_scope_product', user: null, product: '3DSMAX', units: 3, price: 1945, list_price: 2100, months: 14, first_seen: '2025-08-12', last_seen: '2026-09-25' },
  { id: 'G-0003', type: 'shared_account', user: EVIL.plus, product: 'ACD', units: 1, price: 1955.5, list_price: 2030, months: 6, first_seen: '2026-04-02', last_seen: '2026-09-28' },
  { id: 'G-0004', type: 'contractor_unassigned', user: EVIL.minus, product: 'CIV3D', units: 1, price: 3230, list_price: null, months: 9, first_seen: '2026-01-05', last_seen: '2026-08-30' },
  { id: 'G-0005', type: 'legacy_serial_use', user: null, product: 'ACD', units: 2, price: 1955.5, list_price: 2030, months: 18, first_seen: '2025-04-01', last_seen: '2026-06-30' },
  { id: 'G-0006', type: 'network_over_use', user: null, product: 'INVPROSA', units: 4, price: 2600, list_price: 2900, months: 24, first_seen: '2024-10-01', last_seen: '2026-09-30' },
  { id: 'G-0007', type: 'unassigned_usage', user: 'kim.lee@contoso.com', product: 'RVT', units: 1, price: 2985, list_price: 3100, months: 10, first_seen: '2025-12-15', last_seen: '2026-09-01' },
];

export interface FixtureSaving { id: string; type: string; user: string; offering: string; units: number; value: number; counted: boolean; detail: string | null }
export const SAVINGS: FixtureSaving[] = [
  { id: 'S-0001', type: 'dormant_user', user: EVIL.at, offering: 'AECCOL', units: 1, value: 3675, counted: true, detail: 'never used' },
  { id: 'S-0002', type: 'dormant_user', user: 'ann.berg@contoso.com', offering: 'RVT', units: 2, value: 5970, counted: true, detail: 'last used 2026-03-02' },
  { id: 'S-0003', type: 'unused_assignment', user: 'raj.patel@contoso.com', offering: 'ACD', units: 1, value: 1955.5, counted: true, detail: null },
  { id: 'S-0004', type: 'duplicate_access', user: 'li.wu@contoso.com', offering: 'ACD', units: 1, value: 1955.5, counted: true, detail: 'AutoCAD beside AEC Collection' },
  { id: 'S-0005', type: 'collection_single_product', user: 'tom.hart@contoso.com', offering: 'AECCOL', units: 1, value: 690, counted: true, detail: 'only Revit used' },
  { id: 'S-0006', type: 'low_frequency_user', user: 'eva.ruiz@contoso.com', offering: 'RVT', units: 1, value: 1805, counted: true, detail: '2.1 usage days per month' },
  { id: 'S-0007', type: 'low_frequency_user', user: 'ann.berg@contoso.com', offering: 'RVT', units: 1, value: 0, counted: false, detail: 'already reclaimed as dormant' },
];

export interface Fixture {
  dir: string;
  db: EngagementDb;
  settings: Settings;
  sourceFiles: { file: string; path: string; bytes: Buffer }[];
}

/** Closes the database and removes the fixture's temp folder. */
export function disposeFixture(fx: Fixture): void {
  fx.db.close();
  rmSync(fx.dir, { recursive: true, force: true });
}

export async function buildFixture(settingsOverride: Record<string, unknown> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-export-'));
  const db = await EngagementDb.open(join(dir, 'engagement.lrtw'));
  const settings = SettingsSchema.parse({
    client: 'Contoso Engineering', as_of: AS_OF, currency: 'USD', corporate_email_domains: ['contoso.com'],
    prices: { RVT: { annual: 2985, list_annual: 3100 } }, ...settingsOverride,
  });
  await db.run('INSERT INTO settings (id, json) VALUES (1, $1)', [JSON.stringify(settings)]);

  // Source files on disk, stored byte for byte (one with a BOM and CRLF, as Autodesk exports come).
  const srcDir = join(dir, 'sources');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(srcDir);
  const sourceFiles = [
    { file: 'usage-report.csv', bytes: Buffer.from('\ufeffemail,offering_name,last_accessed\r\nann.berg@contoso.com,Revit,2026-03-02\r\n"=HYPERLINK(""http://evil.example"",""x"")",Revit,2026-09-12\r\n', 'utf8') },
    { file: 'subscriptions.csv', bytes: Buffer.from('contract_number,offering_name,seat_quantity,start_date,end_date\n110001,AEC Collection,40,2025-10-01,2026-09-30\n110002,Revit,12,2025-10-01,2026-09-30\n', 'utf8') },
  ].map((s) => ({ ...s, path: join(srcDir, s.file) }));
  for (const s of sourceFiles) writeFileSync(s.path, s.bytes);
  let id = 1;
  for (const s of sourceFiles) {
    await db.run(
      `INSERT INTO sources (source_id, file, original_path, stored_path, sha256, size_bytes, kind, rows_read, rows_loaded, rows_rejected, rows_duplicate)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [id, s.file, s.path, s.path, createHash('sha256').update(s.bytes).digest('hex'), s.bytes.length, id === 1 ? 'usage_report' : 'subscriptions', 3, 2, 1, 0],
    );
    id++;
  }
  // A source whose stored copy is gone: the pack must say so rather than drop it silently.
  await db.run(
    `INSERT INTO sources (source_id, file, original_path, stored_path, sha256, size_bytes, kind, rows_read, rows_loaded, rows_rejected, rows_duplicate)
     VALUES (3, 'flexlm-debug.log', '/gone/flexlm-debug.log', $1, $2, 120, 'flexnet_log', 40, 40, 0, 0)`,
    [join(srcDir, 'flexlm-debug.log'), 'a'.repeat(64)],
  );
  await db.run(`INSERT INTO rejects VALUES (1, 4, $1, 'start_time is not a date: "yesterday"')`, ['=cmd|\' /C calc\'!A0,Revit,yesterday']);
  await db.run(`INSERT INTO rejects VALUES (2, 3, 'x,y', 'seat_quantity is not a number')`);
  await db.run(`INSERT INTO refused (file, reason) VALUES ('payroll.pdf', 'not a CSV, TSV, XLSX or FlexNet log')`);

  for (const g of GAPS) {
    await db.run(
      `INSERT INTO findings (finding_id, type, family, severity, "user", product, offering, units, annual_value, price, list_price, months, first_seen, last_seen, evidence_count, detail, counted_in_savings)
       VALUES ($1, $2, 'gap', 'high', $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, 3, $12, false)`,
      [g.id, g.type, g.user, g.product, g.units, g.units * g.price, g.price, g.list_price, g.months, g.first_seen, g.last_seen, g.user ? `sessions by ${g.user}` : null],
    );
  }
  for (const s of SAVINGS) {
    await db.run(
      `INSERT INTO findings (finding_id, type, family, severity, "user", product, offering, units, annual_value, price, first_seen, last_seen, evidence_count, detail, counted_in_savings)
       VALUES ($1, $2, 'savings', 'medium', $3, NULL, $4, $5, $6, $7, '2025-10-01', '2026-03-02', 1, $8, $9)`,
      [s.id, s.type, s.user, s.offering, s.units, s.value, s.value / s.units, s.detail, s.counted],
    );
  }
  await db.run(`INSERT INTO findings (finding_id, type, family, severity, "user", product, units, annual_value, first_seen, last_seen, detail)
    VALUES ('X-0001', 'telemetry_gap', 'signal', 'info', NULL, NULL, 18, 0, '2026-02-01', '2026-02-18', 'corp.contoso.com: no usage for 18 days')`);
  await db.run(`INSERT INTO findings (finding_id, type, family, severity, "user", product, units, annual_value, first_seen, last_seen, detail)
    VALUES ('X-0002', 'usage_spike', 'signal', 'low', NULL, 'RVT', 31, 0, '2026-06-01', '2026-06-30', '31 users vs 14 on average')`);
  await db.run(`INSERT INTO finding_evidence VALUES ('G-0001', 'usage_report', 1, 3, 'last_accessed 2026-09-12'), ('S-0002', 'usage_report', 1, 2, 'assigned, not used since 2026-03-02'), ('G-0006', 'flexnet_events', 3, 211, NULL)`);

  await db.run(`INSERT INTO renewal_brief (offering, seats, active_assignments, active_users, peak_monthly_active, trend, true_denials, recommendation, target_quantity, reason, line) VALUES
    ('AECCOL', 40, 38, 29, 31, 0.92, 0, 'reduce', 33, 'peak 31 users × 1.05 = 33 < 40 seats', 'AECCOL'),
    ('RVT', 12, 12, 12, 13, 1.18, 0, 'increase', 14, 'gap register holds 2 unassigned Revit users', 'RVT'),
    ('ACD', 10, 9, 7, 8, 1.0, 2, 'keep', 10, NULL, 'ACD')`);
  // A Flex token pool, sized in tokens a year (renewal.ts).
  await db.run(`INSERT INTO renewal_brief (offering, licence_model, seats, active_assignments, active_users, peak_monthly_active, trend, true_denials, recommendation, target_quantity, reason, line) VALUES
    ('FLEX', 'flex', 5000, 0, 0, 610, 1.1, 0, 'increase', 6300, 'Flex token pool, sized by tokens: 6,000 of 5,000 tokens used', 'FLEX')`);
  // The prices the review used: ACD has none (its renewal line is left uncosted).
  await db.run(`INSERT INTO review_prices (code, licence_model, name, annual_price, list_price, flex_tokens_per_day, source, list_source) VALUES
    ('AECCOL', NULL, 'AEC Collection', 3810, 3810, NULL, 'price book', 'price book'), ('RVT', NULL, 'Revit', 2985, 3100, 10, 'engagement settings', 'price book')`);
  await db.run(`INSERT INTO decisions (finding_id, action, owner, due_date, justification) VALUES
    ('G-0001', 'buy', 'Jane Okafor (Finance)', '2026-10-31', 'Assign a Revit seat; user is a new hire'),
    ('S-0002', 'reclaim', $1, '2026-10-15', NULL),
    ('X-0002', 'investigate', 'Jane Okafor (Finance)', NULL, 'Spike in Revit users: a new project?')`, [EVIL.plus]);
  return { dir, db, settings, sourceFiles };
}

/** The six scenario totals, computed here from the fixture's gap lines straight from RULES.md. */
export function expectedScenarios(settings: Settings): Record<string, number> {
  const a = settings.scenario;
  let gc = 0, gl = 0, gcm = 0, glm = 0;
  for (const g of GAPS) {
    const c = g.price;
    const l = g.list_price ?? g.price;
    const m = g.months;
    gc += g.units * c;
    gl += g.units * l;
    gcm += g.units * c * (m / 12);
    glm += g.units * l * (m / 12);
  }
  return {
    self_review_best: gc,
    self_review_typical: gc + gcm * a.negotiated_back_period_rate,
    audit_negotiated_low: gc + glm * a.audit_settlement_rate_low,
    audit_negotiated_high: gc + glm * a.audit_settlement_rate_high,
    audit_no_cooperation_low: gl + glm * (1 + a.no_cooperation_loading_low),
    audit_no_cooperation_high: gl + glm * (1 + a.no_cooperation_loading_high),
  };
}
