// In the desktop app the analyst imports from any folder. DuckDB reads a large plain CSV itself only
// inside the folders the engagement was opened with; the engine adds an import's folder by reopening the
// engagement, so exports picked from elsewhere take the fast path too, and nothing already loaded is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, dispatch, type HandlerContext } from '../../analysis/api/handlers';
import { Engagement } from '../../analysis/engagement';

const ctx: HandlerContext = { emitProgress: () => undefined, signalFor: () => new AbortController().signal };

function sessionsCsv(path: string, first: number, n: number): void {
  const lines = ['session_id,user_email,product_name,product_version,device_name,start_time,end_time,licence_type'];
  for (let i = first; i < first + n; i++) lines.push(`s${i},user${i % 40}@contoso.com,Revit,2025,PC-${i % 30},2026-03-0${1 + (i % 9)} 09:00:00,2026-03-0${1 + (i % 9)} 10:00:00,Named User`);
  writeFileSync(path, lines.join('\n') + '\n');
}

test('an import from a folder outside the engagement is read by DuckDB, after earlier imports, with nothing lost', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lrtw-import-folders-'));
  const engine = createEngine({ stateDir: join(root, 'state') });
  const call = (method: string, input: unknown) => dispatch(engine, method, input, ctx);
  await call('engagement.create', { path: join(root, 'engagement', 'e.lrtw'), client: 'Contoso' });
  const elsewhere = [join(root, 'exports-q1'), join(root, 'exports-q2')];
  for (const d of elsewhere) mkdirSync(d);
  sessionsCsv(join(elsewhere[0]!, 'lrt-sessions-q1.csv'), 0, 500);
  sessionsCsv(join(elsewhere[1]!, 'lrt-sessions-q2.csv'), 400, 500);
  await call('import.run', { jobId: 'j1', files: [{ path: join(elsewhere[0]!, 'lrt-sessions-q1.csv') }] });
  // A second folder, by naming the folder itself: the first import stays, the overlap is recognised.
  await call('import.run', { jobId: 'j2', files: [{ path: elsewhere[1]! }] });
  const sources = (await call('sources.list', {})) as { file: string; rows_loaded: number; rows_duplicate: number }[];
  assert.deepEqual(sources.map((s) => [s.file, s.rows_loaded, s.rows_duplicate]), [['lrt-sessions-q1.csv', 500, 0], ['lrt-sessions-q2.csv', 400, 100]]);
  const info = (await call('engagement.info', {})) as { path: string };
  assert.equal(info.path, join(root, 'engagement', 'e.lrtw'));
  // Both went through DuckDB's reader (the source notes say so), not the JavaScript one.
  await call('engagement.close', {});
  const e = await Engagement.open(info.path, { readOnly: true });
  const notes = await e.db.all<{ file: string; notes: string }>('SELECT file, CAST(notes AS VARCHAR) AS notes FROM sources ORDER BY source_id');
  e.close();
  for (const n of notes) assert.match(n.notes, /read by DuckDB/, n.file);
});
