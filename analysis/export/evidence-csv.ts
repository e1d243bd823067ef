// evidence.csv, the largest file the pack writes (1.4 M rows at 7.5 M sessions), is formatted and written
// by DuckDB itself: every line is built in SQL with exactly the rules of csv.ts (formula guard, RFC 4180
// quoting, JavaScript's whitespace set for edge spaces, CRLF), sorted, and copied out on every thread.
// DuckDB may only write inside the engagement's own folder, so the file is written there and then moved.
import { randomBytes } from 'node:crypto';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EngagementDb } from '../db/engine';
import { sha256File } from './bagit';
import { JS_WHITESPACE_RE2 } from '../db/js-whitespace';
import { CONTROL_CHARS_RE2 } from './csv';

export const EVIDENCE_CSV_HEADER = ['finding_id', 'table', 'source_id', 'file', 'line', 'note'] as const;

/** neutraliseFormula(withoutControls(x)) in SQL: controls dropped, then text a spreadsheet would run as a formula gets a leading apostrophe. */
const guardSql = (x: string) => {
  const t = `regexp_replace(${x}, '${CONTROL_CHARS_RE2}', '', 'g')`;
  return `CASE WHEN regexp_matches(${t}, '^[=+\\-@\\t\\r]') THEN '''' || ${t} ELSE ${t} END`;
};

/** The rest of csvField in SQL, on guarded text g: '' for NULL; quoted when it holds a quote, comma or line break, or is edged by space. */
const quoteSql = (g: string) =>
  `CASE WHEN ${g} IS NULL THEN '' WHEN regexp_matches(${g}, '[",\\r\\n]') OR regexp_matches(${g}, '^${JS_WHITESPACE_RE2}|${JS_WHITESPACE_RE2}$') THEN '"' || replace(${g}, '"', '""') || '"' ELSE ${g} END`;

/** csvField(n) of an integer column in SQL: its digits, '' for NULL. */
const intSql = (x: string) => `coalesce(CAST(${x} AS VARCHAR), '')`;

/**
 * The lines of evidence.csv in the order `evidencePages` reads them (finding, table, source, line, note),
 * each ending in CR; COPY adds the LF. $1 is the header line. The rows are sorted first and formatted
 * after, so the sort carries the plain columns only (sorting the formatted lines ran out of memory at
 * 20 M sessions).
 */
export function evidenceLinesSql(): string {
  const line = [quoteSql('g_finding'), quoteSql('g_table'), intSql('source_id'), quoteSql('g_file'), intSql('line'), quoteSql('g_note')].join(` || ',' || `);
  return `SELECT CASE WHEN part = 0 THEN CAST($1 AS VARCHAR) ELSE ${line} || chr(13) END AS l FROM (
      SELECT part, source_id, line, ${guardSql('finding_id')} AS g_finding, ${guardSql('table_name')} AS g_table, ${guardSql('file')} AS g_file,
        ${guardSql('note')} AS g_note FROM (
        SELECT 0 AS part, CAST(NULL AS VARCHAR) AS finding_id, CAST(NULL AS VARCHAR) AS table_name, CAST(NULL AS INTEGER) AS source_id,
          CAST(NULL AS VARCHAR) AS file, CAST(NULL AS BIGINT) AS line, CAST(NULL AS VARCHAR) AS note
        UNION ALL
        SELECT 1, e.finding_id, e.table_name, e.source_id, s.file, e.line, e.note FROM finding_evidence e LEFT JOIN sources s ON s.source_id = e.source_id
        ORDER BY part, finding_id, table_name, source_id, line, note))`;
}

/** Writes evidence.csv at `path`; resolves with the SHA-256 and size of the bytes on disk. */
export async function writeEvidenceCsv(db: EngagementDb, path: string): Promise<{ sha256: string; bytes: number }> {
  const staged = join(dirname(db.path), `.lrtw-evidence-${randomBytes(6).toString('hex')}.csv`);
  try {
    // QUOTE '' writes each line as built; the delimiter never matters for one column.
    await db.run(`COPY (${evidenceLinesSql()}) TO $2 (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER chr(31))`, [`${EVIDENCE_CSV_HEADER.join(',')}\r`, staged]);
    await rename(staged, path).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EXDEV') throw e;
      await copyFile(staged, path); // the output folder is on another file system
    });
  } finally {
    await rm(staged, { force: true });
  }
  const [sha256, st] = await Promise.all([sha256File(path), stat(path)]);
  return { sha256, bytes: st.size };
}
