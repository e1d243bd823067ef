// Token Flex usage exports through the generic import (DATA-CONTRACT §1.3): Autodesk's own sample
// (product-level consumption, no users) and the wider API layout (per user and machine).
// Expected numbers are counted here straight from the CSV text (no field in the sample holds a comma or a
// newline, checked with Python's csv module), not taken from the importer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngagementDb } from '../../analysis/db/engine';
import { importFiles } from '../../analysis/ingest/import';
import { defaultSettings } from '../../analysis/settings';

const SAMPLE = fileURLToPath(new URL('../../../shared/fixtures/tokenflex/tokenflex-usage-sample.csv', import.meta.url));
const CODES = fileURLToPath(new URL('../../../shared/fixtures/product-line-codes.csv', import.meta.url));

let dir: string;
let db: EngagementDb;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lrtw-tokenflex-'));
  db = await EngagementDb.open(join(dir, 'e.lrtw'));
});
after(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('Autodesk Token Flex sample: every row loads, products resolve by productLineCode, no users', async () => {
  const lines = readFileSync(SAMPLE, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const data = lines.slice(1).map((l) => l.split(','));
  const expectedRows = data.length;
  const expectedTokens = data.reduce((s, f) => s + Number(f[6]), 0);
  const perCode = new Map<string, number>();
  for (const f of data) {
    const code = f[4]!.replace(/"/g, '');
    perCode.set(code, (perCode.get(code) ?? 0) + 1);
  }

  const res = await importFiles(db, [{ path: SAMPLE }], { settings: defaultSettings() });
  assert.deepEqual(res.refused, []);
  assert.equal(res.sources.length, 1);
  const src = res.sources[0]!;
  assert.equal(src.kind, 'tokenflex');
  assert.deepEqual([src.rows_read, src.rows_loaded, src.rows_rejected, src.rows_duplicate], [expectedRows, expectedRows, 0, 0]);

  const tot = await db.one<{ n: number; tokens: number; users: number; first: string; last: string }>(
    `SELECT count(*) AS n, sum(tokens) AS tokens, count("user") AS users, min(usage_date)::VARCHAR AS first, max(usage_date)::VARCHAR AS last FROM tokenflex`,
  );
  assert.equal(tot!.n, expectedRows);
  assert.ok(Math.abs(tot!.tokens - expectedTokens) < 1e-6, `tokens ${tot!.tokens} vs ${expectedTokens}`);
  assert.equal(tot!.users, 0, 'rows without a user are product-level consumption (user NULL)');
  assert.equal(tot!.first, '2016-01-01');

  // Every productLineCode that is a real Autodesk code (shared/fixtures/product-line-codes.csv) lands as that code.
  const realCodes = new Set(readFileSync(CODES, 'utf8').split(/\r?\n/).map((l) => l.split(',')[0]!.replace(/"/g, '')).filter(Boolean));
  const loaded = await db.all<{ product: string; product_raw: string; n: number }>(`SELECT product, product_raw, count(*) AS n FROM tokenflex GROUP BY ALL`);
  let checked = 0;
  for (const r of loaded) {
    assert.equal(r.n, perCode.get(r.product_raw), `rows of ${r.product_raw}`);
    if (realCodes.has(r.product_raw)) {
      assert.equal(r.product, r.product_raw, `${r.product_raw} resolves to itself`);
      checked += r.n;
    }
  }
  assert.ok(checked > expectedRows * 0.9, `most rows carry a known code (${checked} of ${expectedRows})`);
});

test('API layout with userName, machineName, sessionStartDate, chargedItemID, customField1..10 loads with users', async () => {
  const custom = Array.from({ length: 10 }, (_, i) => `customField${i + 1}`);
  const header = ['contractYear', 'usageCategory', 'productLineCode', 'productName', 'tokensConsumed', 'userName', 'machineName', 'sessionStartDate', 'chargedItemID', ...custom];
  const rows = [
    ['1', 'DESKTOP_PRODUCT', 'RVT', 'Revit', '10', 'Ann.Lee@Contoso.com', 'WS-01', '2025-03-03T08:15:00Z', 'CI-1001', 'CostCentre 42', ...custom.slice(1).map(() => '')],
    ['1', 'DESKTOP_PRODUCT', 'ACD', 'AutoCAD', '7', 'bob@contoso.com', 'WS-02', '2025-03-03T09:00:00Z', 'CI-1002', 'CostCentre 7', ...custom.slice(1).map(() => '')],
    ['1', 'DESKTOP_PRODUCT', 'CIV3D', 'AutoCAD Civil 3D', '13', 'ann.lee@contoso.com', 'WS-01', '2025-03-04T10:30:00Z', 'CI-1003', '', ...custom.slice(1).map(() => '')],
  ];
  const file = join(dir, 'tokenflex-api-export.csv');
  writeFileSync(file, [header, ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n');

  const res = await importFiles(db, [{ path: file }], { settings: defaultSettings() });
  assert.deepEqual(res.refused, []);
  const src = res.sources[0]!;
  assert.equal(src.kind, 'tokenflex');
  assert.deepEqual([src.rows_read, src.rows_loaded, src.rows_rejected], [3, 3, 0]);

  const got = await db.all<{ user: string; machine: string; product: string; tokens: number; day: string; item: string }>(
    `SELECT "user", machine, product, tokens, usage_date::VARCHAR AS day, charged_item_id AS item FROM tokenflex WHERE source_id = $1 ORDER BY charged_item_id`,
    [src.source_id ?? -1],
  );
  assert.deepEqual(got, [
    { user: 'ann.lee@contoso.com', machine: 'WS-01', product: 'RVT', tokens: 10, day: '2025-03-03', item: 'CI-1001' },
    { user: 'bob@contoso.com', machine: 'WS-02', product: 'ACD', tokens: 7, day: '2025-03-03', item: 'CI-1002' },
    { user: 'ann.lee@contoso.com', machine: 'WS-01', product: 'CIV3D', tokens: 13, day: '2025-03-04', item: 'CI-1003' },
  ]);
  // The custom fields are kept as data, not dropped.
  const extra = await db.one<{ extra: string | null }>(`SELECT extra::VARCHAR AS extra FROM tokenflex WHERE charged_item_id = 'CI-1001'`);
  assert.match(String(extra?.extra), /CostCentre 42/);
  // The identity pass ran: the e-mail is an identity of its own.
  const id = await db.one<{ method: string }>(`SELECT method FROM identities WHERE alias = 'ann.lee@contoso.com'`);
  assert.equal(id?.method, 'email');
});

test('a negative tokensConsumed is rejected with its line and what to do, not loaded to lower the pool', async () => {
  const file = join(dir, 'tokenflex-negative.csv');
  writeFileSync(file, 'contractYear,tokenPool,usageCategory,usageDate,productLineCode,productName,tokensConsumed\n1,POOL,DESKTOP_PRODUCT,2025-03-03,RVT,Revit,10\n1,POOL,DESKTOP_PRODUCT,2025-03-04,RVT,Revit,-5\n');
  const res = await importFiles(db, [{ path: file }], { settings: defaultSettings() });
  const src = res.sources[0]!;
  assert.deepEqual([src.kind, src.rows_read, src.rows_loaded, src.rows_rejected], ['tokenflex', 2, 1, 1]);
  const rej = await db.one<{ line: number; reason: string }>('SELECT line, reason FROM rejects WHERE source_id = $1', [src.source_id ?? -1]);
  assert.deepEqual(rej, { line: 3, reason: 'tokensConsumed "-5" is negative: Token Flex usage charges tokens; correct the row or remove it and load the file again' });
});
