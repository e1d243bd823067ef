// "Line as written" in the evidence panel: a loaded row's line read back from the copy kept with the engagement,
// in the file's own encoding, a quoted record over several lines whole, and a plain reason where there is no line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestEngine } from './engine-harness';
import { FIXTURES } from '../ingest/helpers';

const engine = useTestEngine('lrtw-source-line-');
const call = (method: string, input: unknown) => engine.call(method, input);
type Line = { file: string; line: number; text: string | null; note: string | null };
type Source = { source_id: number; file: string };

const HEADER = 'session_id,user,product,start_time,end_time,licence_type';

test('an evidence row\'s line is shown as its file writes it: encoding, CRLF, a quoted record over two lines', async () => {
  await call('engagement.create', { path: join(engine.root, 'e', 'e.lrtw'), client: 'Tailspin', as_of: '2026-03-31' });
  const dir = join(engine.root, 'in');
  mkdirSync(dir, { recursive: true });
  // Day-first dates (the reason to look at the line), CRLF endings and a device cell holding a line break.
  writeFileSync(
    join(dir, 'uk.csv'),
    [HEADER + ',device_name', 's1,ann@tailspin.com,Revit,13/02/2026 09:00,13/02/2026 10:00,Named User,PC-1', 's2,bo@tailspin.com,Revit,14/02/2026 09:00,14/02/2026 10:00,Named User,"PC-2\r\nDesk B"', 's3,cy@tailspin.com,Revit,15/02/2026 09:00,15/02/2026 10:00,Named User,PC-3', ''].join('\r\n'),
  );
  // A Windows-1252 export (Zoë in one byte) and a UTF-16 one with its byte order mark.
  writeFileSync(join(dir, 'ansi.csv'), Buffer.from(`${HEADER}\ns4,zo\xeb@tailspin.com,Revit,2026-02-16 09:00:00,2026-02-16 10:00:00,Named User\n`, 'latin1'));
  writeFileSync(join(dir, 'wide.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\r\ns5,dee@tailspin.com,Revit,2026-02-17 09:00:00,2026-02-17 10:00:00,Named User\r\n`, 'utf16le')]));
  writeFileSync(join(dir, 'long.csv'), `${HEADER}\ns6,eve@tailspin.com,Revit,2026-02-18 09:00:00,2026-02-18 10:00:00,Named User\n${'x'.repeat(3_000_000)}\ns7,eve@tailspin.com,Revit,2026-02-18 09:00:00,2026-02-18 10:00:00,Named User\n`);
  await call('import.run', { jobId: 'i', files: ['uk.csv', 'ansi.csv', 'wide.csv', 'long.csv'].map((f) => ({ path: join(dir, f) })).concat([{ path: join(FIXTURES, 'flexnet') }]) });
  const sources = (await call('sources.list', {})) as Source[];
  const id = (file: string) => sources.find((s) => s.file === file)!.source_id;
  const line = (file: string, n: number) => call('sources.line', { source_id: id(file), line: n }) as Promise<Line>;

  assert.deepEqual(await line('uk.csv', 2), { file: 'uk.csv', line: 2, text: 's1,ann@tailspin.com,Revit,13/02/2026 09:00,13/02/2026 10:00,Named User,PC-1', note: null, header: `${HEADER},device_name` });
  assert.equal((await line('uk.csv', 3)).text, 's2,bo@tailspin.com,Revit,14/02/2026 09:00,14/02/2026 10:00,Named User,"PC-2\nDesk B"');
  assert.equal((await line('uk.csv', 5)).text, 's3,cy@tailspin.com,Revit,15/02/2026 09:00,15/02/2026 10:00,Named User,PC-3');
  assert.equal((await line('ansi.csv', 2)).text, 's4,zoë@tailspin.com,Revit,2026-02-16 09:00:00,2026-02-16 10:00:00,Named User');
  assert.equal((await line('wide.csv', 1)).text, HEADER);
  assert.equal((await line('wide.csv', 2)).text, 's5,dee@tailspin.com,Revit,2026-02-17 09:00:00,2026-02-17 10:00:00,Named User');
  assert.deepEqual(await line('uk.csv', 99), { file: 'uk.csv', line: 99, text: null, note: 'uk.csv has no line 99.', header: null });
  // A hostile line of megabytes is scanned, not held, and shown cut.
  const long = (await line('long.csv', 3));
  assert.equal(long.text, `${'x'.repeat(4000)}…`);
  assert.match(long.note ?? '', /^The line is longer than 4,000 characters; its first 4,000 are shown\.$/);
  assert.equal((await line('long.csv', 4)).text, 's7,eve@tailspin.com,Revit,2026-02-18 09:00:00,2026-02-18 10:00:00,Named User', 'the line after it');

  // The line an evidence row points to is the line its values were read from.
  await call('review.run', { jobId: 'r' });
  const findings = (await call('findings.list', {})) as Array<{ finding_id: string }>;
  const rows = (
    await Promise.all(findings.map(async (f) => ((await call('findings.evidence', { finding_id: f.finding_id })) as { rows: Array<{ file: string | null; source_id: number | null; line: number | null; values: Record<string, unknown> }> }).rows))
  ).flat();
  const s3 = rows.find((r) => r.file === 'uk.csv' && r.values.session_id === 's3');
  assert.ok(s3, 'the sessions are evidence of a finding');
  assert.equal(s3.line, 5);
  assert.match((await line('uk.csv', s3.line)).text ?? '', /^s3,cy@tailspin\.com,/);
  const log = sources.find((s) => s.file.endsWith('.log'))!;
  const logLine = (await call('sources.line', { source_id: log.source_id, line: 1 })) as Line;
  assert.ok(logLine.text !== null && !logLine.text.includes('\n'), 'a log line is one line, whatever its quotes');

  // The copy kept with the engagement is read, so the original may go; with both gone, the reason is said.
  rmSync(join(dir, 'uk.csv'));
  assert.equal((await line('uk.csv', 2)).text?.startsWith('s1,'), true);
  const info = (await call('engagement.info', {})) as { folder: string };
  // A copy whose bytes are no longer those loaded (same size) is not read: its line would not be the row's.
  const stored = readdirSync(join(info.folder, 'sources')).find((f) => f.endsWith('-uk.csv'))!;
  const bytes = readFileSync(join(info.folder, 'sources', stored));
  writeFileSync(join(info.folder, 'sources', stored), Buffer.from(bytes.toString('latin1').replace('s1,ann', 's1,eve'), 'latin1'));
  assert.equal((await line('uk.csv', 2)).text, null, 'a changed copy is not read');
  writeFileSync(join(info.folder, 'sources', stored), bytes);
  renameSync(join(info.folder, 'sources'), join(info.folder, 'sources-moved'));
  const gone = await line('uk.csv', 2);
  assert.equal(gone.text, null);
  assert.match(gone.note ?? '', /^uk\.csv is no longer where it was loaded from \(.+uk\.csv\), or it has changed since: its line cannot be shown\./);
  await assert.rejects(() => call('sources.line', { source_id: 999, line: 1 }), /No loaded source 999/);
});

test('a workbook\'s row is named by its sheet and row, not given a line', async () => {
  await call('sample.create', { jobId: 's', users: 20 });
  const sources = (await call('sources.list', {})) as Source[];
  const xlsx = sources.find((s) => s.file.endsWith('.xlsx'))!;
  const got = (await call('sources.line', { source_id: xlsx.source_id, line: 2 })) as Line;
  assert.equal(got.text, null);
  assert.match(got.note ?? '', new RegExp(`^${xlsx.file.replace(/\./g, '\\.')} is a workbook: this is row 2 of its sheet ".+"\\.$`));
});
