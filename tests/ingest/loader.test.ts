// The loader on its own: provenance, extra columns as data, de-duplication keys, and that an unexpected
// failure mid-file leaves nothing of the file behind and names the file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadItems, LoadError, extraJson } from '../../analysis/ingest/loader';
import type { ParsedItem } from '../../analysis/ingest/types';
import { tempDir, freshDb } from './helpers';

function mapRow(line: number, alias: string, user: string, extra: Array<[string, string]> | null = null): ParsedItem {
  return { row: { table: 'identity_map', line, values: { alias, user }, extra } };
}

test('rows carry source, line and key; duplicates (in-file and across sources) are counted, not loaded', async () => {
  const db = await freshDb(tempDir());
  const a = await db.transaction(() =>
    loadItems(db, 1, [mapRow(2, 'jd', 'john@x.com', [['Note', 'from HR']]), mapRow(3, 'jd', 'john@x.com'), { reject: { line: 4, raw: 'x', reason: 'alias is empty' } }, mapRow(5, 'mm', 'mary@x.com')], { batchRows: 1 }),
  );
  assert.deepEqual(a, { rows_read: 4, rows_loaded: 2, rows_rejected: 1, rows_duplicate: 1 });
  const b = await db.transaction(() => loadItems(db, 2, [[mapRow(2, 'mm', 'mary@x.com'), mapRow(3, 'kk', 'kim@x.com')]]));
  assert.deepEqual(b, { rows_read: 2, rows_loaded: 1, rows_rejected: 0, rows_duplicate: 1 });
  const rows = await db.all(`SELECT source_id, line, alias, CAST(extra AS VARCHAR) AS extra FROM identity_map ORDER BY source_id, line`);
  assert.deepEqual(rows, [
    { source_id: 1, line: 2, alias: 'jd', extra: '{"Note":"from HR"}' },
    { source_id: 1, line: 5, alias: 'mm', extra: null },
    { source_id: 2, line: 3, alias: 'kk', extra: null },
  ]);
  assert.deepEqual(await db.all('SELECT source_id, line, raw, reason FROM rejects'), [{ source_id: 1, line: 4, raw: 'x', reason: 'alias is empty' }]);
  db.close();
});

test('an unexpected failure mid-file rolls the whole file back and names the file and line', async () => {
  const db = await freshDb(tempDir());
  async function* items(): AsyncGenerator<ParsedItem> {
    for (let i = 2; i < 40; i++) yield mapRow(i, `a${i}`, `u${i}@x.com`);
    yield { row: { table: 'identity_map', line: 40, values: { alias: 'zz', user: 'z@x.com', colour: 'red' } } };
  }
  await assert.rejects(
    db.transaction(() => loadItems(db, 7, items(), { batchRows: 10, file: 'map.csv' })),
    (e: unknown) => e instanceof LoadError && /^map\.csv, near line 40: identity_map has no column "colour"/.test(e.message),
  );
  assert.deepEqual(await db.all('SELECT count(*) AS n FROM identity_map'), [{ n: 0 }]);
  db.close();
});

test('extra columns: duplicate headers keep both values, odd header names stay plain keys', () => {
  const j = extraJson([['Team', 'A'], ['Team', 'B'], ['__proto__', 'p'], ['toString', 't']]);
  assert.deepEqual(JSON.parse(j!), { Team: 'A', 'Team (2)': 'B', ['__proto__']: 'p', toString: 't' });
  assert.equal(extraJson([]), null);
});
