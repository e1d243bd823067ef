// Client data never pushes the workbook past what Excel opens without calling it damaged: no cell over 32,767
// characters, and the rejected rows listed are capped (the count stays exact), however hostile the exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestEngine } from '../unit/engine-harness';
import { cellsOf, openXlsx } from './xlsx-xml';

const engine = useTestEngine('lrtw-workbook-limits-');
const call = (method: string, input: unknown) => engine.call(method, input);

test('a 40,000-character user and 10,050 rejected lines: every cell fits Excel, and Data Quality lists the first 10,000 rejects', { timeout: 120_000 }, async () => {
  await call('engagement.create', { path: join(engine.root, 'e', 'e.lrtw'), client: 'Tailspin', as_of: '2026-03-31' });
  const dir = join(engine.root, 'in');
  mkdirSync(dir, { recursive: true });
  const longUser = `${'x'.repeat(40_000)}@tailspin.com`;
  writeFileSync(join(dir, 'subscriptions.csv'), 'Offering Name,Seat Quantity,Start Date,End Date\nRevit,5,2025-01-01,2026-12-31\n');
  const bad = Array.from({ length: 10_050 }, (_, i) => `b${i},bo@tailspin.com,,2026-03-02 09:00:00,2026-03-02 10:00:00,Named User`);
  writeFileSync(join(dir, 'sessions.csv'), ['session_id,user,product,start_time,end_time,licence_type', `s1,${longUser},Revit,2026-03-02 09:00:00,2026-03-02 10:00:00,Named User`, ...bad].join('\n') + '\n');
  await call('import.run', { jobId: 'i', files: [{ path: dir }] });
  await call('review.run', { jobId: 'r' });
  const { path } = (await call('export.workbook', { jobId: 'w', dir: join(engine.root, 'out') })) as { path: string };
  const zip = await openXlsx(path);
  for (const sheet of ['Gap Register', 'Decisions', 'Data Quality']) {
    const cells = await cellsOf(zip, sheet);
    const longest = Math.max(...cells.map((c) => (c.text ?? c.value ?? '').length));
    assert.ok(longest <= 32_767, `${sheet}: a cell of ${longest} characters`);
    if (sheet === 'Gap Register') assert.ok(cells.some((c) => (c.text ?? '').startsWith('xxxx') && (c.text ?? '').endsWith('…')), 'the long user is there, cut and marked');
  }
  const dq = (await cellsOf(zip, 'Data Quality')).map((c) => c.text ?? c.value ?? '');
  assert.ok(dq.includes('Rejected rows (10,050; the first 10,000 by file and line are listed)'), dq.filter((t) => t.startsWith('Rejected')).join(' | '));
  assert.equal(dq.filter((t) => t === 'product is empty').length, 10_000);
});
