// findings.csv (DATA-CONTRACT §3.2): one row per finding, columns exactly FINDINGS_CSV_COLUMNS, dates
// YYYY-MM-DD, money unrounded, RFC 4180 quoting and every text cell neutralised against formula injection
// (export/csv.ts). One writer for the copy in --out and the one in the evidence pack, so the two are the
// same bytes and an auditor can tie the analyst's file to the signed pack by its SHA-256.
import type { EngagementDb } from './db/engine';
import { FINDINGS_CSV_COLUMNS } from './model';
import { findingsCsvColumnChunks } from './export/data';
import { writeCsvFile } from './export/csv';

/** Writes findings.csv for the last review, ordered by finding id; the SHA-256 and size of what was written. */
export async function writeFindingsCsv(db: EngagementDb, path: string): Promise<{ sha256: string; bytes: number; rows: number }> {
  return writeCsvFile(path, FINDINGS_CSV_COLUMNS, findingsCsvColumnChunks(db));
}
