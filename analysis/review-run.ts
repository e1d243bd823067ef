// The whole review of one input folder, in the order the data contract's `review` command runs it:
// import, rules, findings.csv, workbook, summary.json, evidence pack (and Parquet when asked). The CLI
// and `npm run bench` both run it, so the benchmark measures exactly what the command does.
import { basename, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { Engagement } from './engagement';
import type { Settings } from './settings';
import type { ProgressEvent } from './api/contract';
import type { Summary } from './model';
import { importFiles, type ImportResult } from './ingest/import';
import { runReview } from './review';
import { writeFindingsCsv } from './findings-csv';
import { writeWorkbook } from './export/workbook';
import { discardSourceCopies, startSourceCopies, writeEvidencePack } from './export/evidence-pack';
import { buildSummary } from './summary';
import { exportParquet } from './parquet';
import { TOOL_VERSION } from './version';

export type ReviewPhase = 'import' | 'rules (review)' | 'findings.csv' | 'workbook' | 'summary.json' | 'evidence pack' | 'parquet';

export interface ReviewRunOptions {
  /** Runs each phase; the CLI announces it, the bench times it. */
  phase?: <T>(name: ReviewPhase, fn: () => Promise<T>) => Promise<T>;
  onProgress?: (e: ProgressEvent) => void;
  /** Called once the import is done (the CLI lists refused files here, before the review starts). */
  onImported?: (r: ImportResult) => void;
  parquet?: boolean;
}

export type ReviewRun =
  | { loaded: false; imported: ImportResult }
  | { loaded: true; imported: ImportResult; summary: Summary; workbook: string; pack: string; parquet: string | null };

export async function runFullReview(eng: Engagement, settings: Settings, input: string, out: string, opts: ReviewRunOptions = {}): Promise<ReviewRun> {
  const phase = opts.phase ?? (<T>(_name: ReviewPhase, fn: () => Promise<T>) => fn());
  const db = eng.db;
  const imported = await phase('import', () => importFiles(db, [{ path: input }], { settings, onProgress: opts.onProgress }));
  opts.onImported?.(imported);
  if (imported.sources.reduce((a, s) => a + s.rows_loaded, 0) === 0) {
    // No review, but the record of what was read and refused (and why) is still written, with no outputs:
    // the refusals are otherwise only on the console.
    const s = await buildSummary(db, settings, null, { workbook: null, evidence_pack: null });
    writeFileSync(join(out, 'summary.json'), JSON.stringify(s, null, 2) + '\n');
    return { loaded: false, imported };
  }
  // The evidence pack's copies of the sources start now: disk-bound, they overlap the review.
  const copies = await startSourceCopies(db, out);
  try {
    const result = await phase('rules (review)', () => runReview(db, settings));
    await phase('findings.csv', () => writeFindingsCsv(db, join(out, 'findings.csv')));
    const workbook = await phase('workbook', () => writeWorkbook(db, settings, out));
    // The evidence pack embeds summary.json, so the summary is assembled first with both output names.
    const packName = `${basename(workbook).replace(/_quarterly-review\.xlsx$/, '')}_evidence-pack`;
    const summary = await phase('summary.json', async () => {
      const s = await buildSummary(db, settings, result, { workbook: basename(workbook), evidence_pack: packName });
      writeFileSync(join(out, 'summary.json'), JSON.stringify(s, null, 2) + '\n');
      return s;
    });
    const pack = await phase('evidence pack', () => writeEvidencePack(db, settings, out, { toolVersion: TOOL_VERSION, name: packName, sourceCopies: copies }));
    const parquet = opts.parquet ? await phase('parquet', () => exportParquet(db, join(out, 'parquet'))) : null;
    return { loaded: true, imported, summary, workbook, pack: pack.path, parquet };
  } finally {
    await discardSourceCopies(copies);
  }
}
