// The auditor's evidence pack (DATA-CONTRACT §3.4): a BagIt bag (RFC 8493) holding the original source
// files byte for byte, findings.csv, evidence.csv, the protected workbook, settings.json, summary.json
// and a self-contained HTML report, with an Ed25519 signature over the tag manifest. The tag manifest
// covers bag-info.txt (which carries the public key), so changing one byte anywhere fails `verify`.
import { profiled, profileLog } from '../db/profile';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes, sign } from 'node:crypto';
import type { EngagementDb } from '../db/engine';
import type { Settings } from '../settings';
import { FINDINGS_CSV_COLUMNS, GAP_TYPES, SIGNAL_TYPES } from '../model';
import { TOOL_NAME, TOOL_VERSION } from '../version';
import {
  allFindingPages, countFindings, evidencePages, findingPages, latestSummary, refusedRows, rejectCount, renewalRows, resolveAsOf, sourceRows,
  type FindingRow,
} from './data';
import { BAGIT, BAGIT_TXT, BAG_INFO, MANIFEST, SIGNATURE, TAGMANIFEST, TAG_FILES, bagInfoValue, manifestText, sha256File, walkFiles } from './bagit';
import { CsvFile } from './csv';
import { evidencePackName, safeFileSegment, workbookFileName } from './file-names';
import { renderReport } from './report-html';
import { gapLineOf, scenarioTotals } from './settlement';
import { loadOrCreateSigningKey } from './signing-key';
import { OPTIMISATION_TYPES, RECLAMATION_TYPES, writeWorkbook } from './workbook';

export interface EvidencePackOptions {
  /** Where the analyst's signing key lives; default $LRTW_KEY_DIR or ~/.lrt-workbench/keys/. */
  keyDir?: string;
  /** Recorded in bag-info.txt; default the running tool's version. */
  toolVersion?: string;
  /** Bagging time (tests pass a fixed one). */
  now?: Date;
  /** Folder name inside outDir; default `<client>_<as_of>_evidence-pack`. */
  name?: string;
}

/** Rows shown in the HTML report per table; the full lists are in findings.csv and the workbook. */
const REPORT_ROWS = 2000;

async function firstRows(pagesIt: AsyncGenerator<FindingRow[]>, n: number): Promise<FindingRow[]> {
  const out: FindingRow[] = [];
  for await (const p of pagesIt) {
    out.push(...p);
    if (out.length >= n) break;
  }
  return out.slice(0, n);
}

export async function writeEvidencePack(db: EngagementDb, settings: Settings, outDir: string, opts: EvidencePackOptions = {}): Promise<{ path: string; fingerprint: string }> {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const key = loadOrCreateSigningKey(opts.keyDir, [out, dirname(db.path)]);
  const asOf = await resolveAsOf(db, settings);
  const name = safeFileSegment(opts.name ?? evidencePackName(settings.client, asOf));
  const finalPath = join(out, name);
  const now = opts.now ?? new Date();
  const toolVersion = `${TOOL_NAME} ${opts.toolVersion ?? TOOL_VERSION}`;

  // Built beside the target and renamed at the end: a half-written pack never carries the final name.
  const work = join(out, `.${name}.partial-${randomBytes(4).toString('hex')}`);
  const data = join(work, 'data');
  mkdirSync(join(data, 'sources'), { recursive: true });
  try {
    // Original sources, byte for byte; a missing stored copy is recorded, never silently dropped.
    const sources = await sourceRows(db);
    const used = new Set<string>();
    const missing: string[] = [];
    const packed: (typeof sources[number] & { included: boolean; packPath: string | null })[] = [];
    // Hashes of the copies just made, reused by the manifest: multi-GB sources are read once, not twice.
    const copiedHash = new Map<string, string>();
    for (const s of sources) {
      let seg = safeFileSegment(s.file);
      if (used.has(seg.toLowerCase())) seg = `${s.source_id}-${seg}`;
      used.add(seg.toLowerCase());
      const from = s.stored_path ?? s.original_path;
      if (from && existsSync(from) && statSync(from).isFile()) {
        await profiled(`pack copy ${seg}`, async () => copyFileSync(from, join(data, 'sources', seg)));
        const got = await profiled(`pack hash ${seg}`, () => sha256File(join(data, 'sources', seg)));
        copiedHash.set(`data/sources/${seg}`, got);
        if (got !== s.sha256.toLowerCase()) {
          missing.push(`${s.file}: the stored copy (${from}) no longer matches the SHA-256 recorded at import (${s.sha256}); it is packed as found (sha256 ${got}).`);
        }
        packed.push({ ...s, included: true, packPath: `data/sources/${seg}` });
      } else {
        missing.push(`${s.file}: no stored copy found at ${from ?? '(no path recorded)'}; imported with sha256 ${s.sha256}, ${s.size_bytes} bytes.`);
        packed.push({ ...s, included: false, packPath: null });
      }
    }
    if (missing.length) writeFileSync(join(data, 'SOURCES-NOT-PACKED.txt'), `Source files that could not be packed as imported:\n\n${missing.map((m) => `- ${m}`).join('\n')}\n`);

    // findings.csv (DATA-CONTRACT §3.2 columns) and evidence.csv.
    let tp = performance.now();
    const fcsv = new CsvFile(join(data, 'findings.csv'), FINDINGS_CSV_COLUMNS);
    for await (const page of allFindingPages(db)) {
      for (const f of page) await fcsv.write([f.finding_id, f.type, f.severity, f.user, f.product, f.offering, f.units, f.annual_value, f.first_seen, f.last_seen, f.evidence_count, f.detail]);
    }
    await fcsv.close();
    profileLog('pack findings.csv', performance.now() - tp);
    tp = performance.now();
    const ecsv = new CsvFile(join(data, 'evidence.csv'), ['finding_id', 'table', 'source_id', 'file', 'line', 'note']);
    for await (const page of evidencePages(db)) for (const e of page) await ecsv.write([e.finding_id, e.table_name, e.source_id, e.file, e.line, e.note]);
    await ecsv.close();
    profileLog('pack evidence.csv', performance.now() - tp);

    const wbName = workbookFileName(settings.client, asOf);
    await profiled('pack workbook', () => writeWorkbook(db, settings, data, { protect: true, fileName: wbName }));
    writeFileSync(join(data, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
    const summary = await profiled('pack summary', () => latestSummary(db));
    if (summary) writeFileSync(join(data, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);

    // The report.
    const gapLines = [];
    for await (const p of findingPages(db, GAP_TYPES)) for (const g of p) gapLines.push({ finding_id: g.finding_id, line: gapLineOf(g) });
    const agg = await db.all<{ type: string; n: number; units: number | null; value: number | null }>(
      `SELECT type, count(*) AS n, sum(units) AS units, sum(annual_value) AS value FROM findings WHERE counted_in_savings GROUP BY type`,
    );
    const t0 = performance.now();
    const html = renderReport({
      client: settings.client,
      asOf,
      currency: settings.currency,
      toolVersion,
      baggingDate: now.toISOString().slice(0, 10),
      fingerprint: key.fingerprint,
      scenarios: scenarioTotals(gapLines, settings.scenario),
      savingsByType: new Map(agg.map((a) => [a.type, { n: Number(a.n), units: Number(a.units ?? 0), value: Number(a.value ?? 0) }])),
      gapUnits: gapLines.reduce((a, l) => a + l.line.units, 0),
      gaps: await firstRows(findingPages(db, GAP_TYPES, REPORT_ROWS), REPORT_ROWS),
      gapTotal: gapLines.length,
      reclamation: await firstRows(findingPages(db, RECLAMATION_TYPES, REPORT_ROWS), REPORT_ROWS),
      reclamationTotal: await countFindings(db, RECLAMATION_TYPES),
      optimisation: await firstRows(findingPages(db, OPTIMISATION_TYPES, REPORT_ROWS), REPORT_ROWS),
      optimisationTotal: await countFindings(db, OPTIMISATION_TYPES),
      renewal: await renewalRows(db),
      sources: packed,
      refused: await refusedRows(db),
      rejects: await rejectCount(db),
      signals: await countFindings(db, SIGNAL_TYPES),
      workbookName: wbName,
    });
    writeFileSync(join(data, 'report.html'), html);
    profileLog('pack report', performance.now() - t0);

    // Manifests, bag-info, signature.
    const t1 = performance.now();
    const payload = walkFiles(data, 'data');
    const entries: { path: string; sha256: string }[] = [];
    let bytes = 0;
    for (const p of payload) {
      if (p.problem) throw new Error(`${p.path} ${p.problem}`);
      entries.push({ path: p.path, sha256: copiedHash.get(p.path) ?? (await sha256File(join(work, p.path))) });
      bytes += statSync(join(work, p.path)).size;
    }
    writeFileSync(join(work, MANIFEST), manifestText(entries));
    profileLog('pack manifest', performance.now() - t1);
    writeFileSync(join(work, BAGIT), BAGIT_TXT);
    const info: [string, string][] = [
      ['Source-Organization', settings.client],
      ['Client', settings.client],
      ['As-Of', asOf ?? 'undated'],
      ['Bagging-Date', now.toISOString().slice(0, 10)],
      ['Bagging-Timestamp', now.toISOString()],
      ['Tool-Version', toolVersion],
      ['Bag-Software-Agent', toolVersion],
      ['Payload-Oxum', `${bytes}.${entries.length}`],
      ['Source-Files-Not-Packed', String(missing.length)],
      ['Signing-Algorithm', 'Ed25519 over tagmanifest-sha256.txt'],
      ['Signing-Key-Fingerprint', `SHA256:${key.fingerprint}`],
      ['Signing-Public-Key', key.publicRaw.toString('base64')],
    ];
    writeFileSync(join(work, BAG_INFO), info.map(([k, v]) => `${k}: ${bagInfoValue(v)}\n`).join(''));
    const tagEntries = [];
    for (const t of TAG_FILES) tagEntries.push({ path: t, sha256: await sha256File(join(work, t)) });
    writeFileSync(join(work, TAGMANIFEST), manifestText(tagEntries));
    const signature = sign(null, readFileSync(join(work, TAGMANIFEST)), key.privateKey);
    writeFileSync(join(work, SIGNATURE), `${signature.toString('base64')}\n`);

    // Replace an earlier pack of the same name, but never a folder that is not a bag.
    if (existsSync(finalPath)) {
      if (!existsSync(join(finalPath, BAGIT))) throw new Error(`${finalPath} exists and is not an evidence pack; move it aside or choose another output folder.`);
      rmSync(finalPath, { recursive: true, force: true });
    }
    renameSync(work, finalPath);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`Could not write the evidence pack ${finalPath}: ${(e as Error).message}`);
  }
  return { path: finalPath, fingerprint: key.fingerprint };
}
