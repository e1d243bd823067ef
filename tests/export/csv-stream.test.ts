// evidence.csv and findings.csv are streamed from DuckDB in column chunks and written in large blocks.
// The bytes must be exactly those of the row-by-row writer they replace (zod-parsed pages, one csvLine per
// row), on the values that trip CSV writers: formula-like text, quotes, commas, line breaks, leading and
// trailing (Unicode) spaces, nulls, numbers, and runs of one value crossing DuckDB's 2,048-row chunks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';
import { allFindingPages, evidencePages, findingsCsvColumnChunks } from '../../analysis/export/data';
import { writeEvidenceCsv } from '../../analysis/export/evidence-csv';
import { csvBlock, csvLine } from '../../analysis/export/csv';
import { columnChunks } from '../../analysis/export/column-stream';
import { copyAndHash, sha256File } from '../../analysis/export/bagit';
import { FINDINGS_CSV_COLUMNS } from '../../analysis/model';

const EVIDENCE_HEADER = ['finding_id', 'table', 'source_id', 'file', 'line', 'note'];
const TRICKY = [
  '=HYPERLINK("http://x","y")', '+44 20 7946 0958', '-1', '@SUM(A1)', '\tlead tab', '\rlead cr', 'a,b', 'say "hi"', 'two\nlines',
  'crlf\r\nend', ' lead space', 'trail space ', '\u00a0nbsp', 'ideographic\u3000', 'plain', '', "it's", 'Zoë Ærø — 設計',
  // Controls and bidi overrides are dropped (a NUL cuts a line short; U+202E shows an address reversed), before the guard.
  'nul\u0000byte', 'ctl\u0001\u000b\u001f\u007fend', '\u202emoc.osotnoc@nna', '\u0001=cmd', 'iso\u2066late\u2069',
];
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('streamed CSV exports', () => {
  let dir: string;
  let db: EngagementDb;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lrtw-csv-stream-'));
    db = await EngagementDb.open(join(dir, 'e.lrtw'));
    // Source 3 has a formula-like, comma-bearing name; evidence of source 9 has no source row (file is null).
    await db.run(`INSERT INTO sources (source_id, file, sha256, size_bytes, kind) VALUES (1, 'lrt-sessions.csv', 'x', 1, 'sessions'),
      (2, 'usage report.csv', 'y', 1, 'usage_report'), (3, '=cmd,"x".csv', 'z', 1, 'sessions')`);
    const ins = `INSERT INTO finding_evidence VALUES ($1, $2, $3, $4, $5)`;
    let i = 0;
    for (const t of TRICKY) {
      await db.run(ins, [t === '' ? 'F-empty' : `F-${t}`, i % 2 ? 'sessions' : t || 'usage_report', [1, 2, 3, 9, null][i % 5] ?? null, i % 3 ? i * 1000 + 1 : null, t]);
      await db.run(ins, [`F-note-${i}`, 'sessions', 1, i, i % 4 ? null : t]);
      i++;
    }
    // One finding's 5,000 rows (runs crossing chunk boundaries), notes changing every 700 rows, a few null
    // notes and null lines inside the run, tied keys, and a large line number.
    await db.run(`INSERT INTO finding_evidence SELECT 'G-big', 'sessions', 1 + i % 3, CASE WHEN i % 997 = 0 THEN NULL ELSE (i * 7919) % 4000 END,
      CASE WHEN i % 1300 = 5 THEN NULL ELSE 'window ' || (i // 700) END FROM range(5000) t(i)`);
    await db.run(ins, ['G-big', 'sessions', 1, 9007199254740991, 'max safe line']);
    // Findings with the same tricky text in user, product and detail; fractional and whole numbers; null dates.
    i = 0;
    for (const t of TRICKY) {
      await db.run(`INSERT INTO findings (finding_id, type, family, severity, "user", product, offering, units, annual_value, first_seen, last_seen, evidence_count, detail)
        VALUES ($1, 'shared_account', 'gap', 'high', $2, $3, NULL, $4, CAST($5 AS DOUBLE), $6, $7, $8, $9)`, [
        `F-${String(i).padStart(2, '0')}`, t, i % 2 ? t : null, i % 3 ? 1 : 0.5, ['1955.5', '0', '1e21', '123456.789', '-0.1', '3'][i % 6]!,
        i % 4 ? '2026-04-02' : null, i % 4 ? '2026-09-28' : null, i, `${t} (detail)`,
      ]);
      i++;
    }
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DuckDB writes evidence.csv byte for byte as the row-by-row writer did', async () => {
    let expected = csvLine(EVIDENCE_HEADER);
    for await (const page of evidencePages(db)) for (const e of page) expected += csvLine([e.finding_id, e.table_name, e.source_id, e.file, e.line, e.note]);
    const out = mkdtempSync(join(tmpdir(), 'lrtw-csv-out-'));
    const path = join(out, 'evidence.csv');
    const written = await writeEvidenceCsv(db, path);
    const bytes = readFileSync(path);
    assert.equal(bytes.toString('utf8'), expected);
    // Nothing is left behind in the engagement folder, where DuckDB wrote it first.
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.lrtw-evidence-')), []);
    // The hash handed to the manifest is that of the bytes on disk.
    assert.deepEqual(written, { sha256: sha(bytes), bytes: bytes.length });
    // Spot checks written by hand, independent of either writer.
    const text = bytes.toString('utf8');
    assert.ok(text.includes(`\r\n"F-=HYPERLINK(""http://x"",""y"")","'=HYPERLINK(""http://x"",""y"")",1,lrt-sessions.csv,,"'=HYPERLINK(""http://x"",""y"")"\r\n`), 'formula text is neutralised, quotes doubled');
    assert.ok(text.includes(`\r\nF-@SUM(A1),sessions,9,,,'@SUM(A1)\r\n`), 'a source without a source row has an empty file; null line is empty');
    assert.ok(text.includes(`\r\n"F-two\nlines","two\nlines",9,,8001,"two\nlines"\r\n`), 'line breaks are quoted');
    // eslint-disable-next-line no-control-regex -- no control character may be written
    assert.doesNotMatch(text, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/, 'no control or bidi character is written');
    assert.ok(text.includes(',nulbyte\r\n') && text.includes(',ctlend\r\n') && text.includes(',moc.osotnoc@nna\r\n') && text.includes(",'=cmd\r\n"), 'dropped, then guarded');
    assert.ok(text.includes(`\r\nF-\u00a0nbsp,"\u00a0nbsp",3,`), 'a leading Unicode space is quoted, an inner one is not');
    assert.ok(text.includes(`\r\nG-big,sessions,1,lrt-sessions.csv,9007199254740991,max safe line\r\n`), 'large line numbers in full');
    assert.ok(text.includes(`,3,"'=cmd,""x"".csv",`), 'a formula-like file name is neutralised and quoted');
    assert.equal(text.split('\r\n').filter((l) => l.startsWith('G-big,')).length, 5001);
  });

  it('writes findings.csv byte for byte as the row-by-row writer did', async () => {
    let expected = csvLine(FINDINGS_CSV_COLUMNS);
    for await (const page of allFindingPages(db)) {
      for (const f of page) expected += csvLine([f.finding_id, f.type, f.severity, f.user, f.product, f.offering, f.units, f.annual_value, f.first_seen, f.last_seen, f.evidence_count, f.detail]);
    }
    let got = csvLine(FINDINGS_CSV_COLUMNS);
    for await (const c of findingsCsvColumnChunks(db)) got += csvBlock(c.columns, c.rowCount);
    assert.equal(got, expected);
    assert.ok(got.includes(`F-00,shared_account,high,"'=HYPERLINK(""http://x"",""y"")",,,0.5,1955.5,,,0,"'=HYPERLINK(""http://x"",""y"") (detail)"\r\n`), got.slice(0, 400));
    assert.ok(got.includes(',1e+21,'), 'numbers are written as JavaScript prints them, never rounded');
  });

  it('names the table and column when the result is not what the export expects', async () => {
    const wrong = columnChunks(db, { select: 'SELECT finding_id, line FROM finding_evidence', orderBy: ['finding_id'], params: [] }, [
      { name: 'finding_id', kind: 'number', nullable: false },
      { name: 'line', kind: 'number', nullable: true },
    ], 'finding_evidence');
    await assert.rejects(async () => {
      for await (const _ of wrong) void _;
    }, /finding_evidence: export column 1 is finding_id VARCHAR, expected finding_id \(number\)/);
    // A null where the export needs a value is refused with the row number.
    const nulls = columnChunks(db, { select: 'SELECT finding_id, line FROM finding_evidence', orderBy: ['finding_id', 'line'], params: [] }, [
      { name: 'finding_id', kind: 'string', nullable: false },
      { name: 'line', kind: 'number', nullable: false },
    ], 'finding_evidence');
    await assert.rejects(async () => {
      for await (const _ of nulls) void _;
    }, /finding_evidence row \d+: line is null/);
    // The connection is usable again afterwards.
    assert.equal(Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM findings'))?.n), TRICKY.length);
  });

  it('copies a source in one pass and returns the hash of the copy', async () => {
    const from = join(dir, 'source.csv');
    // Not a multiple of the read size, so the last short read is exercised.
    const body = Buffer.alloc(3 * 1024 * 1024 + 12345);
    for (let k = 0; k < body.length; k++) body[k] = (k * 31 + (k >> 10)) & 0xff;
    writeFileSync(from, body);
    const to = join(dir, 'copy.csv');
    const r = await copyAndHash(from, to);
    assert.deepEqual(readFileSync(to), body);
    assert.deepEqual(r, { sha256: sha(body), bytes: body.length });
    assert.equal(await sha256File(to), sha(body));
    // Never overwrites: a second copy to the same name fails and leaves the first intact.
    await assert.rejects(copyAndHash(from, to), /EEXIST/);
    assert.equal(sha(readFileSync(to)), sha(body));
    await assert.rejects(copyAndHash(join(dir, 'missing.csv'), join(dir, 'x.csv')), /ENOENT/);
    assert.equal(existsSync(join(dir, 'x.csv')), false);
  });
});
