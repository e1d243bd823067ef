// findings.csv (DATA-CONTRACT §3.2): one row per finding, columns exactly FINDINGS_CSV_COLUMNS, dates
// YYYY-MM-DD, money unrounded, RFC 4180 quoting, and every text cell neutralised against formula injection.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { EngagementDb } from './db/engine';
import { FINDINGS_CSV_COLUMNS, type Finding } from './model';
import { listFindings } from './review';

/** A text cell starting with = + - @, TAB or CR gets a leading apostrophe so no spreadsheet runs it. */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: quote a field holding a comma, a quote, CR or LF; double the quotes inside. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return csvField(neutraliseFormula(String(v)));
}

export function findingsCsvText(findings: Finding[]): string {
  const lines = [FINDINGS_CSV_COLUMNS.join(',')];
  for (const f of findings) {
    lines.push(
      FINDINGS_CSV_COLUMNS.map((c) => {
        const v = f[c];
        if ((c === 'first_seen' || c === 'last_seen') && typeof v === 'string') return v.slice(0, 10);
        return cell(v);
      }).join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Writes findings.csv for the last review; returns the number of findings written. */
export async function writeFindingsCsv(db: EngagementDb, path: string): Promise<number> {
  const findings = await listFindings(db);
  const out = createWriteStream(path, { encoding: 'utf8' });
  const text = findingsCsvText(findings);
  if (!out.write(text)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return findings.length;
}
