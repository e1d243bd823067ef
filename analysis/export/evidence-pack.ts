// The auditor's evidence pack (DATA-CONTRACT §3.4): a BagIt bag (RFC 8493) holding the original source
// files byte for byte, findings.csv, evidence.csv, the protected workbook, settings.json, summary.json
// and a self-contained HTML report, with an Ed25519 signature over the tag manifest. The tag manifest
// covers bag-info.txt (which carries the public key), so changing one byte anywhere fails `verify`.
import { makeOutputDir } from './output-dir';
import { profiled, profileLog, profileMark } from '../db/profile';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { randomBytes, sign } from 'node:crypto';
import type { EngagementDb } from '../db/engine';
import type { Settings } from '../settings';
import { GAP_TYPES, SIGNAL_TYPES, renewalMeasure } from '../model';
import { TOOL_NAME, TOOL_VERSION } from '../version';
import {
  countFindings, findingPages, savingsByTypeOf, latestSummary, pricedRenewalRows, refusedRows, rejectCount, resolveAsOf, sourceRows,
  topFindings,
} from './data';
import { BAGIT, BAGIT_TXT, BAG_INFO, MANIFEST, SIGNATURE, TAGMANIFEST, TAG_FILES, bagInfoValue, copyAndHash, manifestText, sha256File, walkFiles } from './bagit';
import { writeFindingsCsv } from '../findings-csv';
import { reviewWarnings } from '../review-warnings';
import { evidencePackName, packedSourceNames, safeFileSegment, workbookFileName } from './file-names';
import { writeEvidenceCsv } from './evidence-csv';
import { csvLine } from './csv';
import { renderReport } from './report-html';
import { loadCatalogue } from '../catalogue/catalogue';
import { tokensByProduct } from '../rules/renewal';
import { gapLineOf, scenarioTotals } from './settlement';
import { loadOrCreateSigningKey } from './signing-key';
import { ExportCancelled, OPTIMISATION_TYPES, RECLAMATION_TYPES, writeWorkbook } from './workbook';
import { settingsDeviations } from './deviations';

export interface EvidencePackOptions {
  /** Where the analyst's signing key lives; default $LRTW_KEY_DIR or ~/.lrt-workbench/keys/. */
  keyDir?: string;
  /** Recorded in bag-info.txt; default the running tool's version. */
  toolVersion?: string;
  /** Bagging time (tests pass a fixed one). */
  now?: Date;
  /** Folder name inside outDir; default `<client>_<as_of>_evidence-pack`. */
  name?: string;
  /** Cancels between the pack's parts (and its workbook's sheets): the half-built folder is removed. */
  signal?: AbortSignal;
  /** Source copies started earlier with startSourceCopies (moved into the pack instead of copied now). */
  sourceCopies?: SourceCopies;
  /** Each part as it starts (part of PACK_PARTS), so a long pack shows where it is. */
  onPart?: (message: string, part: number, parts: number) => void;
}

/** The parts of writing a pack, in order, as its progress names them. */
const PACK_PARTS = [
  'Writing findings.csv', 'Writing evidence.csv (every row behind each finding)', 'Writing the read-only workbook',
  'Copying the source files into the pack', 'Writing the report', 'Hashing and signing the pack',
] as const;

type SourceRow = Awaited<ReturnType<typeof sourceRows>>[number];

interface SourcePlan {
  /** changedTo: the SHA-256 the source has now when it is not the one recorded at import (then it is not packed). */
  packed: (SourceRow & { included: boolean; packPath: string | null; changedTo?: string })[];
  toCopy: { from: string; seg: string }[];
}

/** Where each source goes in the pack (data/sources/<seg>), and which ones still exist to be copied. */
function planSources(sources: readonly SourceRow[]): SourcePlan {
  const used = new Set<string>();
  const packed: SourcePlan['packed'] = [];
  const toCopy: SourcePlan['toCopy'] = [];
  for (const s of sources) {
    const names = packedSourceNames(s.file, s.source_id);
    const seg = used.has(names.plain.toLowerCase()) ? names.second : names.plain;
    used.add(seg.toLowerCase());
    const from = s.stored_path ?? s.original_path;
    // A regular file only, never through a link: an engagement file can come from elsewhere, and its paths must not
    // make the signed pack carry whatever they point at. What is copied is packed only if its SHA-256 is the one
    // recorded at import (see writeEvidencePack), which a file the engagement never imported cannot have.
    if (from && isAbsolute(from) && existsSync(from) && lstatSync(from).isFile()) {
      toCopy.push({ from, seg });
      packed.push({ ...s, included: true, packPath: `data/sources/${seg}` });
    } else {
      packed.push({ ...s, included: false, packPath: null });
    }
  }
  return { packed, toCopy };
}

/** Source copies made ahead of the pack, in a staging folder beside it (see startSourceCopies). */
export interface SourceCopies {
  dir: string;
  toCopy: readonly { from: string; seg: string }[];
  copying: Promise<Map<string, string>>;
}

/**
 * Starts copying the engagement's sources into a hidden staging folder in outDir, in the background:
 * copying gigabytes is disk-bound, so it overlaps the CPU-bound review that runs meanwhile. The pack
 * then moves the copies in (same folder tree: a rename) when the sources are still the same.
 * Call discardSourceCopies when done, whatever happened.
 */
export async function startSourceCopies(db: EngagementDb, outDir: string): Promise<SourceCopies> {
  const out = makeOutputDir(outDir);
  const dir = join(out, `.lrtw-source-copies-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir);
  const { toCopy } = planSources(await sourceRows(db));
  const copying = copySources(toCopy, dir);
  copying.catch(() => undefined); // awaited by the pack or by discardSourceCopies
  return { dir, toCopy, copying };
}

/** Waits for the staged copies to settle and removes what the pack did not take. */
export async function discardSourceCopies(c: SourceCopies): Promise<void> {
  await c.copying.catch(() => undefined);
  rmSync(c.dir, { recursive: true, force: true });
}

const samePlan = (a: readonly { from: string; seg: string }[], b: readonly { from: string; seg: string }[]) => a.length === b.length && a.every((x, i) => x.from === b[i]!.from && x.seg === b[i]!.seg);

/**
 * data/prices.csv: the review's prices in the engagement's currency, with where each came from; licence_model
 * is empty for a code's price and `network` for a network line priced apart (network over-use uses it);
 * source and list_source say where the unit and the list price came from.
 */
export const PRICES_CSV_HEADER = ['code', 'licence_model', 'name', 'annual_price', 'list_price', 'flex_tokens_per_day', 'source', 'list_source'] as const;

/** Rows shown in the HTML report per table; the full lists are in findings.csv and the workbook. */
const REPORT_ROWS = 2000;

/**
 * Copies each source into `dir` one after another (one disk stream at a time); file name -> SHA-256 of the copy.
 * A cancel stops between files and within a copy's read-back, so Cancel answers within one kernel copy.
 */
export async function copySources(files: readonly { from: string; seg: string }[], dir: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of files) {
    if (signal?.aborted) throw new ExportCancelled('evidence pack');
    try {
      const r = await profiled(`pack copy+hash ${f.seg}`, () => copyAndHash(f.from, join(dir, f.seg), signal));
      out.set(f.seg, r.sha256);
    } catch (e) {
      if (signal?.aborted) throw new ExportCancelled('evidence pack');
      throw e;
    }
  }
  return out;
}

export async function writeEvidencePack(db: EngagementDb, settings: Settings, outDir: string, opts: EvidencePackOptions = {}): Promise<{ path: string; fingerprint: string }> {
  const out = makeOutputDir(outDir);
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
  let copying: Promise<Map<string, string>> = Promise.resolve(new Map());
  try {
    // Original sources, byte for byte; a missing stored copy is recorded, never silently dropped. The
    // copies (one read of each original, hashed as written) run in the background while DuckDB and the
    // writers below work; they are awaited before anything depends on them (SOURCES-NOT-PACKED, manifest).
    const { packed, toCopy } = planSources(await sourceRows(db));
    const staged = opts.sourceCopies;
    if (staged && samePlan(staged.toCopy, toCopy)) {
      // Copied ahead (startSourceCopies): moved in once done, hashes as written.
      copying = staged.copying.then((hashes) => {
        for (const f of toCopy) renameSync(join(staged.dir, f.seg), join(data, 'sources', f.seg));
        return hashes;
      });
    } else {
      copying = copySources(toCopy, join(data, 'sources'), opts.signal);
    }
    copying.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled meanwhile

    // findings.csv (DATA-CONTRACT §3.2 columns) and evidence.csv, streamed in large blocks and hashed as written.
    // Hashes of files the pack wrote or copied, reused by the manifest: nothing large is read twice.
    const knownHash = new Map<string, string>();
    const cancelled = () => {
      if (opts.signal?.aborted) throw new ExportCancelled('evidence pack');
    };
    const part = (i: number) => opts.onPart?.(PACK_PARTS[i]!, i, PACK_PARTS.length);
    part(0);
    const fcsv = await profiled('pack findings.csv', () => writeFindingsCsv(db, join(data, 'findings.csv')));
    knownHash.set('data/findings.csv', fcsv.sha256);
    cancelled();
    part(1);
    const ecsv = await profiled('pack evidence.csv', () => writeEvidenceCsv(db, join(data, 'evidence.csv')));
    knownHash.set('data/evidence.csv', ecsv.sha256);
    cancelled();

    const wbName = workbookFileName(settings.client, asOf);
    part(2);
    await profiled('pack workbook', () => writeWorkbook(db, settings, data, { protect: true, fileName: wbName, signal: opts.signal }));
    cancelled();
    writeFileSync(join(data, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
    // Every price the review used and where it came from: a value in findings.csv is checked against it.
    const prices = await db.all<{ code: string; licence_model: string | null; name: string | null; annual_price: number | null; list_price: number | null; flex_tokens_per_day: number | null; source: string; list_source: string | null }>(
      'SELECT code, licence_model, name, annual_price, list_price, flex_tokens_per_day, source, list_source FROM review_prices ORDER BY code, licence_model NULLS FIRST',
    );
    writeFileSync(
      join(data, 'prices.csv'),
      [PRICES_CSV_HEADER, ...prices.map((p) => [p.code, p.licence_model, p.name, p.annual_price, p.list_price, p.flex_tokens_per_day, p.source, p.list_source])].map((r) => csvLine(r)).join(''),
    );
    const summary = await profiled('pack summary', () => latestSummary(db));
    // As summary.json beside the outputs names them (DATA-CONTRACT): the workbook in this pack and the pack itself.
    if (summary) writeFileSync(join(data, 'summary.json'), `${JSON.stringify({ ...summary, outputs: { workbook: wbName, evidence_pack: name } }, null, 2)}\n`);

    // The sources: every copy finished, then what could not be packed as imported, in source order (before the report,
    // which marks a source changed since the review).
    const t2 = profileMark();
    part(3);
    const copied = await copying;
    profileLog('pack sources (wait for the background copies)', t2);
    const missing: string[] = [];
    for (const s of packed) {
      if (!s.included || !s.packPath) {
        // No local path in the pack: it travels to the auditor, and the analyst's folders are none of its business.
        missing.push(`${s.file}: the copy kept at import was not found (moved or deleted since); imported with sha256 ${s.sha256}, ${s.size_bytes} bytes.`);
        continue;
      }
      const got = copied.get(s.packPath.slice('data/sources/'.length))!;
      if (got !== s.sha256.toLowerCase()) {
        // Bytes that are not the ones reviewed show nothing an auditor can trace, and packing them as found would let a
        // changed path carry any file into a signed pack: they are taken out again and named as not packed.
        rmSync(join(work, s.packPath), { force: true });
        s.changedTo = got;
        s.included = false;
        s.packPath = null;
        missing.push(`${s.file}: the copy kept at import no longer matches the SHA-256 recorded then (${s.sha256}; now ${got}), so it is not packed: the file changed since it was reviewed.`);
        continue;
      }
      knownHash.set(s.packPath, got);
    }
    if (missing.length) writeFileSync(join(data, 'SOURCES-NOT-PACKED.txt'), `Source files that could not be packed as imported:\n\n${missing.map((m) => `- ${m}`).join('\n')}\n`);

    // The report.
    part(4);
    const t0 = profileMark();
    const gapLines = [];
    for await (const p of findingPages(db, GAP_TYPES)) for (const g of p) gapLines.push({ finding_id: g.finding_id, line: gapLineOf(g) });
    const renewal = await pricedRenewalRows(db, settings.flex_token_price);
    const html = renderReport({
      client: settings.client,
      asOf,
      currency: settings.currency,
      toolVersion,
      baggingDate: now.toISOString().slice(0, 10),
      fingerprint: key.fingerprint,
      scenarios: scenarioTotals(gapLines, settings.scenario),
      savingsByType: await savingsByTypeOf(db),
      warnings: [
        ...(asOf ? (await reviewWarnings(db, settings, asOf)).map((w) => w.message) : []),
        ...(missing.length ? [`${missing.length === 1 ? 'One source file is' : `${missing.length} source files are`} not in this pack as reviewed (see data/SOURCES-NOT-PACKED.txt and the Sources table): the findings resting on ${missing.length === 1 ? 'it' : 'them'} cannot be traced to the packed ${missing.length === 1 ? 'copy' : 'copies'}.`] : []),
      ],
      gapUnits: gapLines.reduce((a, l) => a + l.line.units, 0),
      gaps: await topFindings(db, GAP_TYPES, REPORT_ROWS),
      gapTotal: gapLines.length,
      reclamation: await topFindings(db, RECLAMATION_TYPES, REPORT_ROWS),
      reclamationTotal: await countFindings(db, RECLAMATION_TYPES),
      optimisation: await topFindings(db, OPTIMISATION_TYPES, REPORT_ROWS),
      optimisationTotal: await countFindings(db, OPTIMISATION_TYPES),
      renewal,
      // In another currency than the book's, what the book priced is marked on its rows (currency_unconverted names them too).
      unconverted: {
        bookCurrency: loadCatalogue().file.currency,
        codes: new Set(settings.currency === loadCatalogue().file.currency ? [] : prices.filter((p) => p.source === 'price book').map((p) => p.code)),
      },
      // Where a Flex pool's tokens went (the Renewal step's card), for the auditor and finance too.
      tokensByProduct: renewal.some((p) => renewalMeasure(p.r.licence_model) === 'tokens') ? await tokensByProduct(db, (c) => loadCatalogue().get(c)?.name ?? c) : [],
      sources: packed,
      refused: await refusedRows(db),
      rejects: await rejectCount(db),
      signals: await countFindings(db, SIGNAL_TYPES),
      signalRows: await topFindings(db, SIGNAL_TYPES, REPORT_ROWS),
      assumptions: settings.scenario,
      lookbackMonths: settings.thresholds.lookback_months,
      deviations: settingsDeviations(settings),
      workbookName: wbName,
    });
    writeFileSync(join(data, 'report.html'), html);
    profileLog('pack report', t0);


    // Manifests, bag-info, signature.
    part(5);
    const t1 = profileMark();
    const payload = walkFiles(data, 'data');
    const entries: { path: string; sha256: string }[] = [];
    let bytes = 0;
    for (const p of payload) {
      if (p.problem) throw new Error(`${p.path} ${p.problem}`);
      entries.push({ path: p.path, sha256: knownHash.get(p.path) ?? (await sha256File(join(work, p.path))) });
      bytes += statSync(join(work, p.path)).size;
    }
    writeFileSync(join(work, MANIFEST), manifestText(entries));
    profileLog('pack manifest', t1);
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
    await copying.catch(() => undefined); // no copy may still be writing into the folder being removed
    rmSync(work, { recursive: true, force: true });
    // Cancelled within the pack's workbook too: the pack is what was not written.
    if (e instanceof ExportCancelled) throw new ExportCancelled('evidence pack');
    throw new Error(`Could not write the evidence pack ${finalPath}: ${(e as Error).message}`);
  }
  return { path: finalPath, fingerprint: key.fingerprint };
}
