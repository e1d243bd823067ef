// Tiny hand-built estates for the rule tests: an EngagementDb in os.tmpdir() and inserts straight into the
// canonical tables with provenance columns (source_id, line, row_key).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';
import { Catalogue, CatalogueFileSchema } from '../../analysis/catalogue/catalogue';
import { parseSettings, type Settings, type SettingsInput } from '../../analysis/settings';
import { runReview, listFindings } from '../../analysis/review';
import type { Finding } from '../../analysis/model';

type Cell = string | number | boolean | null;

export interface Estate {
  db: EngagementDb;
  dir: string;
  insert(table: string, rows: Array<Record<string, Cell>>): Promise<void>;
  review(settings?: SettingsInput): Promise<{ result: Awaited<ReturnType<typeof runReview>>; findings: Finding[] }>;
  close(): void;
}

/** A small catalogue so tests do not depend on the shipped price book. */
export const TEST_CATALOGUE = new Catalogue(
  CatalogueFileSchema.parse({
    version: 'test',
    entries: [
      { code: 'ACD', name: 'AutoCAD', kind: 'product', function_group: 'cad2d', annual: 2000, list_annual: 2100, flex_tokens_per_day: 7 },
      { code: 'ACDLT', name: 'AutoCAD LT', kind: 'product', function_group: 'cad2d', annual: 500, list_annual: 550, flex_tokens_per_day: 3 },
      { code: 'RVT', name: 'Revit', kind: 'product', function_group: 'bim', annual: 3000, list_annual: 3100, flex_tokens_per_day: 10 },
      { code: 'CIV3D', name: 'Civil 3D', kind: 'product', function_group: 'civil', annual: 2500, list_annual: 2600, flex_tokens_per_day: 9 },
      { code: 'INVPROSA', name: 'Inventor Professional', kind: 'product', function_group: 'mcad', annual: 2800, list_annual: 2900, flex_tokens_per_day: 9 },
      { code: 'MAYA', name: 'Maya', kind: 'product', function_group: 'dcc', annual: 1900, list_annual: 1940, flex_tokens_per_day: 8 },
      { code: 'AECCOL', name: 'AEC Collection', kind: 'collection', function_group: 'collection', annual: 4000, list_annual: 4200, members: ['ACD', 'RVT', 'CIV3D'] },
    ],
  }),
);

let counter = 0;

export async function makeEstate(): Promise<Estate> {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-rules-'));
  const db = await EngagementDb.open(join(dir, 'test.lrtw'));
  await db.run(`INSERT INTO sources (source_id, file, sha256, size_bytes, kind) VALUES (1, 'hand-built.csv', 'x', 0, 'sessions')`);
  let line = 1;
  return {
    db,
    dir,
    async insert(table, rows) {
      // One multi-row INSERT per run of rows with the same columns (keeps the tests fast).
      const prepared = rows.map((r) => {
        const values: Record<string, Cell> = { source_id: 1, line: ++line, row_key: `k${++counter}`, ...r };
        if ((table === 'sessions' || table === 'usage_daily') && values.licence_type === undefined) values.licence_type = 'named_user';
        if (table === 'subscriptions' && values.licence_model === undefined) values.licence_model = 'named_user';
        return values;
      });
      for (let i = 0; i < prepared.length; ) {
        const cols = Object.keys(prepared[i]!);
        const key = cols.join(',');
        const batch: Array<Record<string, Cell>> = [];
        while (i < prepared.length && Object.keys(prepared[i]!).join(',') === key && batch.length < 300) batch.push(prepared[i++]!);
        const ph = batch.map((_, r) => `(${cols.map((_c, c) => `$${r * cols.length + c + 1}`).join(', ')})`).join(', ');
        await db.run(`INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${ph}`, batch.flatMap((v) => cols.map((c) => v[c] ?? null)));
      }
    },
    async review(settings = {}) {
      const s: Settings = parseSettings(settings);
      const result = await runReview(db, s, { catalogue: TEST_CATALOGUE });
      return { result, findings: await listFindings(db) };
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Consecutive days from `from` (YYYY-MM-DD), `n` of them, every `step` days. */
export function days(from: string, n: number, step = 1): string[] {
  const out: string[] = [];
  const t0 = Date.parse(`${from}T00:00:00Z`);
  for (let i = 0; i < n; i++) out.push(new Date(t0 + i * step * 86400000).toISOString().slice(0, 10));
  return out;
}

export function addDays(d: string, n: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
}

export function of(findings: Finding[], type: string): Finding[] {
  return findings.filter((f) => f.type === type);
}
