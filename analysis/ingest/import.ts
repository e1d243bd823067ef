// Import pipeline (DATA-CONTRACT §1, §1.7): folders -> files -> sniff -> detect kind and mapping ->
// stream rows through the normaliser into the loader. Each file loads in one transaction (whole or not
// at all); a file that cannot be read is refused with a reason and the import goes on.
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, lstat, readdir, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { EngagementDb } from '../db/engine';
import type { FilePlan, ProgressEvent } from '../api/contract';
import { KIND_LABELS, type InputKind, type Refused, type SourceSummary } from '../model';
import type { Settings } from '../settings';
import { loadCatalogue } from '../catalogue/catalogue';
import { resolveIdentities } from '../identity';
import { DEFAULT_LIMITS, type IngestLimits } from './limits';
import { RefusalError, type ParsedItem } from './types';
import { isTabularKind, type TabularKind } from './aliases';
import { detectAs, findHeaderRow, MappingError, UTC_HEADER_RE, type Detection } from './detect';
import { blankedNotes, checkTimezone, DATE_NOTES, dayFirstNote, unsettledDateNote, makeRowNormaliser, newDateOrder, newNumberStyle, NUMBER_NOTES, READING_NOTES, SERVER_NOTE, settledMark, type DateOrder, type NormaliseContext, type NumberStyle } from './normalise';
import { decodeBytes, detectEncoding, readTextRecords, sniffDelimiter, Utf8Validator, type TextEncoding, type TextRecord } from './text-reader';
import { CancelledError, type LoadCounts } from './loader';
import { NativeScanner, type NativeScanResult } from './native-scan';
import { dropNative, loadNative, nativeBlocker, stageNative, type NativeStage } from './native-csv';
import { sniffBytes } from './sniff';
import { readXlsx } from './xlsx';
import { looksLikeFlexnetLog, openFlexnetLog } from './flexnet';
import { logTimeZone, logZoneNote, zoneShifter } from './log-zone';
import { logBlocks } from './log-blocks';
import { loadParsedItems } from './flexnet-load';
import { profiled, profileLog, profileMark } from '../db/profile';

const HEAD_BYTES = 64 * 1024;
const HEADER_SCAN_ROWS = 30;
const PREVIEW_ROWS = 20;

export interface ImportFileRequest {
  path: string;
  kind?: InputKind;
  mapping?: Record<string, string | null>;
}

export interface ImportOptions {
  settings: Settings;
  limits?: Partial<IngestLimits>;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** Where originals are copied byte for byte (the evidence pack needs them). */
  storeDir?: string;
  jobId?: string;
  /** Rows staged per set-based insert (tests use small batches). */
  batchRows?: number;
  /**
   * Let DuckDB read plain UTF-8 session/usage CSVs itself (default true). The engagement must be opened
   * with the input folder in `allowedDirectories`; otherwise the JS reader takes the file.
   */
  native?: boolean;
}

export interface ImportResult {
  sources: SourceSummary[];
  refused: Refused[];
  cancelled: boolean;
}

// ---------- files ----------

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Natural, case-insensitive order (part2 before part10), stable across machines. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const byName = (a: string, b: string): number => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

/** Why a link met inside a chosen folder is not read (the analyst may still choose its target by name). */
export const LINK_NOT_FOLLOWED =
  'This is a symbolic link inside the chosen folder. Links in a folder are not followed, so no file from outside the folder (another client\'s export, a key file) is read or packed by accident. Choose the file it points to by name to load it.';

/** Why a device, pipe or socket (chosen, or met inside a folder) is not read: it is no file, and may never end. */
export const NOT_A_FILE = 'This is not a regular file (a device, pipe or socket), so it is not read: reading it could wait for ever. Choose the export files themselves.';

/**
 * Folders expand recursively to their files, sorted by name; engagement.json (also chosen alone), *.lrtw and hidden
 * files are skipped. A path chosen by name is read wherever a link takes it; a link met inside a folder is not followed
 * (a client's archive can carry links to anywhere on the analyst's disk) and is listed in `links`, to be refused; a
 * device, pipe or socket is listed in `special`, to be refused too (never dropped unsaid).
 */
export async function expandPaths(paths: string[]): Promise<{ files: string[]; links: string[]; special: string[] }> {
  const files: string[] = [];
  const links: string[] = [];
  const special: string[] = [];
  const walk = async (p: string, top: boolean): Promise<void> => {
    const name = basename(p);
    if (!top && (name.startsWith('.') || name.toLowerCase().endsWith('.lrtw'))) return;
    const st = top ? await stat(p) : await lstat(p);
    if (st.isSymbolicLink()) {
      links.push(p);
      return;
    }
    // engagement.json holds settings, not data (chosen on its own too): settings.find offers to apply it.
    if (name === 'engagement.json' && !st.isDirectory()) return;
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort(byName);
      for (const n of names) await walk(join(p, n), false);
    } else if (st.isFile()) files.push(p);
    else special.push(p);
  };
  for (const p of paths) await walk(resolve(p), true);
  return { files, links, special };
}

interface FileFacts {
  path: string;
  file: string;
  size: number;
  sha256: string;
  head: Buffer;
  utf8Valid: boolean;
  /** Whether DuckDB may read the file itself (a full pass only; a head-only scan never qualifies). */
  native: NativeScanResult;
}

/**
 * One streaming pass: size limit, SHA-256, the first bytes and whether the file is valid UTF-8.
 * A scan (`headOnly`) reads just the first bytes so planning a folder of large exports is instant.
 */
async function fileFacts(path: string, limits: IngestLimits, headOnly = false, onBytes?: (done: number, size: number) => void): Promise<FileFacts> {
  const st = await stat(path);
  const file = basename(path);
  if (st.size > limits.maxFileBytes) throw new RefusalError(`This file is ${st.size.toLocaleString('en-US')} bytes, over the limit of ${limits.maxFileBytes.toLocaleString('en-US')} bytes for one file. Split the export into smaller files.`);
  const hash = createHash('sha256');
  const utf8 = new Utf8Validator();
  const scan = new NativeScanner();
  const headParts: Buffer[] = [];
  let headLen = 0;
  const stream = createReadStream(path, headOnly ? { start: 0, end: HEAD_BYTES - 1 } : { highWaterMark: 1 << 20 });
  let done = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    utf8.push(chunk);
    if (!headOnly) scan.push(chunk);
    done += chunk.length;
    onBytes?.(done, st.size);
    if (headLen < HEAD_BYTES) {
      headParts.push(chunk.subarray(0, HEAD_BYTES - headLen));
      headLen += Math.min(chunk.length, HEAD_BYTES - headLen);
    }
  }
  // A head cut inside a character is still UTF-8: only completed bytes count.
  const utf8Valid = headOnly && st.size > HEAD_BYTES ? utf8.validSoFar() : utf8.end();
  return { path, file, size: st.size, sha256: headOnly ? '' : hash.digest('hex'), head: Buffer.concat(headParts), utf8Valid, native: headOnly ? { blocker: 'head only', lines: 0, ascii: false, tab: false, vtff: false, spaceBeside: [] } : scan.end() };
}

// ---------- preparing a file: kind, sheet, header, row stream ----------

type RowSource = AsyncIterable<TextRecord[]>;

interface TabularPlan {
  type: 'tabular';
  detection: Detection;
  headers: string[];
  sheet: string | null;
  encoding: TextEncoding | null;
  delimiter: string | null;
  /** 1-based physical line of the header in a text file (null for a sheet). */
  headerLine: number | null;
  notes: string[];
  preview: string[][];
  /** Records after the header row. */
  rows: () => RowSource;
  /** Closes the underlying stream when rows are never read (scan, refusal). */
  close?: () => Promise<unknown>;
}

interface LogPlan {
  type: 'flexnet';
  encoding: TextEncoding;
  notes: string[];
  preview: string[][];
}

type Plan = TabularPlan | LogPlan;

/**
 * The header row of one table (text file or sheet) and its detection, or null when none is found.
 * With a mapping override, the row holding every overridden header wins; with a forced kind, the row
 * that maps best for it, else the first non-empty row.
 */
function chooseHeader(rows: string[][], kind: TabularKind | undefined, mapping: Record<string, string | null> | undefined): { offset: number; detection: Detection } | null {
  const scan = rows.slice(0, HEADER_SCAN_ROWS);
  const named = mapping ? Object.values(mapping).filter((h): h is string => typeof h === 'string') : [];
  if (named.length) {
    const offset = scan.findIndex((r) => named.every((h) => r.includes(h)));
    if (offset >= 0) {
      const k = kind ?? findHeaderRow([scan[offset]!], undefined, 1)?.detection.kind;
      if (!k) throw new RefusalError('The header row is not a known kind of export. Choose the kind as well as the mapping.');
      return { offset, detection: detectAs(k, scan[offset]!, mapping) };
    }
  }
  const found = findHeaderRow(scan, kind, HEADER_SCAN_ROWS);
  if (found) return { offset: found.offset, detection: mapping ? detectAs(found.detection.kind, scan[found.offset]!, mapping) : found.detection };
  if (kind) {
    const offset = scan.findIndex((r) => r.some((c) => c.trim() !== ''));
    if (offset >= 0) return { offset, detection: detectAs(kind, scan[offset]!, mapping) };
  }
  return null;
}

function unknownKind(where: string, firstRow: string[] | undefined): RefusalError {
  return new RefusalError(
    `This is not a known kind of export: no header row in the first ${HEADER_SCAN_ROWS} rows of ${where} matches sessions, usage report, usage, users, subscriptions, Token Flex or identity map columns` +
      (firstRow && firstRow.length ? ` (first row: ${firstRow.slice(0, 12).join(', ')})` : '') +
      '. Choose the kind and map the columns by hand.',
  );
}

async function prepare(facts: FileFacts, limits: IngestLimits, req: ImportFileRequest, signal?: AbortSignal): Promise<Plan> {
  const sniff = sniffBytes(facts.head, facts.size);
  if (sniff.type === 'empty') throw new RefusalError(sniff.reason ?? 'This file is empty.');
  if (sniff.type === 'binary') throw new RefusalError(sniff.reason ?? 'This file is binary, not a CSV, TSV, XLSX or FlexNet log.');
  // Named as a workbook but holding text: a renamed CSV or a broken download, not something to read as CSV unasked.
  if (/\.xls[xm]$/i.test(facts.file) && sniff.type !== 'zip') {
    throw new RefusalError('This file is named as an Excel workbook but is not one (it holds plain text). Save it from Excel again; if it is really a CSV export, rename it to .csv.');
  }
  const forced = req.kind && req.kind !== 'flexnet_log' ? req.kind : undefined;
  if (req.kind && !isTabularKind(req.kind) && req.kind !== 'flexnet_log') throw new RefusalError(`Unknown kind ${req.kind}.`);

  if (sniff.type === 'zip') {
    if (req.kind === 'flexnet_log') throw new RefusalError('This file is an Excel workbook (XLSX), not a FlexNet log. Choose another kind for it.');
    const sheets = readXlsx(await readFile(facts.path), limits);
    let best: { sheet: (typeof sheets)[number]; offset: number; detection: Detection } | null = null;
    // A sheet without the headers a mapping names (Autodesk's filter sheet before the data) is passed over;
    // its refusal is the file's only when no sheet has them.
    let refusal: MappingError | null = null;
    const tables: Array<{ sheet: (typeof sheets)[number]; offset: number; detection: Detection }> = [];
    for (const sheet of sheets) {
      let found: ReturnType<typeof chooseHeader>;
      try {
        found = chooseHeader(sheet.rows.slice(0, HEADER_SCAN_ROWS).map((r) => r.cells), forced, req.mapping);
      } catch (e) {
        if (!(e instanceof MappingError)) throw e;
        refusal ??= e;
        continue;
      }
      if (found) tables.push({ sheet, ...found });
    }
    // The visible sheet with the best-matching header; a hidden sheet (an archive kept out of sight) only when no
    // visible sheet holds a table. Before, a hidden 2023 archive in front of the visible sheet was the one read.
    for (const t of tables) {
      const better = !best || (best.sheet.hidden === true && t.sheet.hidden !== true) || (best.sheet.hidden === t.sheet.hidden && t.detection.score > best.detection.score);
      if (better) best = t;
    }
    if (!best && refusal) throw refusal;
    if (!best) throw unknownKind(`any sheet (${sheets.map((s) => s.name).join(', ') || 'none'})`, sheets[0]?.rows[0]?.cells);
    const { sheet, offset } = best;
    const headers = sheet.rows[offset]!.cells;
    const detection = best.detection;
    // Blank rows (formatting left below the data) are not rows.
    const body = sheet.rows.slice(offset + 1).filter((r) => r.cells.some((c) => c.trim() !== ''));
    const notes = [`sheet "${sheet.name}", header on row ${sheet.rows[offset]!.line}`];
    if (sheet.filledDown) notes.push(`${READING_NOTES.mergedDown} ${sheet.filledDown.toLocaleString('en-US')} ${sheet.filledDown === 1 ? 'cell takes' : 'cells take'} the value of the merged cell above`);
    // One sheet is read per file: another sheet holding the same kind of table (a roster split by team) is said, not
    // passed over in silence.
    for (const t of tables) {
      if (t.sheet === sheet || t.detection.kind !== detection.kind) continue;
      const rows = t.sheet.rows.slice(t.offset + 1).filter((r) => r.cells.some((c) => c.trim() !== '')).length;
      if (rows > 0) {
        notes.push(`${READING_NOTES.notRead} ${t.sheet.hidden ? 'hidden ' : ''}sheet "${t.sheet.name}" holds ${rows.toLocaleString('en-US')} more ${rows === 1 ? 'row' : 'rows'} of the same kind; ${t.sheet.hidden ? 'if it is current, unhide it and ' : ''}save that sheet as its own CSV and load it too`);
      }
    }
    return {
      type: 'tabular',
      detection,
      headers,
      sheet: sheet.name,
      encoding: null,
      delimiter: null,
      headerLine: null,
      notes,
      preview: body.slice(0, PREVIEW_ROWS).map((r) => r.cells),
      rows: async function* () {
        const BATCH = 5000;
        for (let i = 0; i < body.length; i += BATCH) yield body.slice(i, i + BATCH).map((r) => ({ line: r.line, cells: r.cells }));
      },
    };
  }

  const encoding = detectEncoding(facts.head, facts.utf8Valid);
  // The head may end inside a character; a replacement char there does not matter for sniffing.
  const headText = decodeBytes(facts.head, encoding);
  const encNote = `encoding ${encoding}${facts.head[0] === 0xef || facts.head[0] === 0xff || facts.head[0] === 0xfe ? ' (with byte-order mark)' : ''}`;
  if (req.kind === 'flexnet_log' || (!forced && looksLikeFlexnetLog(headText))) {
    // What the analyst checks on a log is its check-outs, not the server's start-up banner: those are shown when
    // the first 64 KB hold any, with the server the banner names.
    const lines = headText.split(/\r\n|\n|\r/);
    const events = lines.filter((l) => /\) (?:OUT|IN|DENIED|UNSUPPORTED): "/.test(l));
    const server = /\bstarted on (\S+)/.exec(lines.find((l) => /\bstarted on /.test(l)) ?? '')?.[1];
    return {
      type: 'flexnet',
      encoding,
      notes: [encNote, 'FlexNet debug log', ...(server ? [`${SERVER_NOTE}${server}`] : []), events.length ? 'its first check-outs' : 'no check-out in its first 64 KB: its first lines'],
      preview: (events.length ? events : lines).slice(0, PREVIEW_ROWS).map((l) => [l]),
    };
  }

  const delimiter = sniffDelimiter(headText);
  const textOpts = { encoding, delimiter, limits, signal };
  // Read the first records to find the header row, then continue the same stream.
  const gen = readTextRecords(facts.path, textOpts);
  const first: TextRecord[] = [];
  let done = false;
  while (first.length < HEADER_SCAN_ROWS + PREVIEW_ROWS) {
    const next = await gen.next();
    if (next.done) {
      done = true;
      break;
    }
    first.push(...next.value);
  }
  const scanRows = first.slice(0, HEADER_SCAN_ROWS);
  const asCells = scanRows.map((r) => r.cells ?? []);
  let header: { offset: number; detection: Detection } | null;
  try {
    header = chooseHeader(asCells, forced, req.mapping);
    if (!header) throw unknownKind('the file', asCells.find((r) => r.some((c) => c.trim() !== '')));
  } catch (e) {
    await gen.return(undefined);
    throw e;
  }
  const headerRec = scanRows[header.offset]!;
  const notes = [encNote, `delimiter ${delimiter === '\t' ? 'TAB' : delimiter}`, `header on line ${headerRec.line}`];
  // Physical lines, blank ones included (a title, an empty line, then the header: 2 lines skipped).
  if (headerRec.line > 1) notes.push(`${headerRec.line - 1} line${headerRec.line === 2 ? '' : 's'} before the header ${headerRec.line === 2 ? 'was' : 'were'} skipped (title or filter block)`);
  const after = first.slice(header.offset + 1);
  let used = false;
  return {
    type: 'tabular',
    detection: header.detection,
    headers: headerRec.cells!,
    sheet: null,
    encoding,
    delimiter,
    headerLine: headerRec.line,
    notes,
    preview: after.filter((r) => r.cells).slice(0, PREVIEW_ROWS).map((r) => r.cells!),
    rows: async function* () {
      if (used) throw new Error('rows already read');
      used = true;
      try {
        if (after.length) yield after;
        if (!done) for await (const batch of gen) yield batch;
      } finally {
        await gen.return(undefined);
      }
    },
    close: () => gen.return(undefined),
  };
}

async function closePlan(plan: Plan): Promise<void> {
  if (plan.type === 'tabular' && plan.close) await plan.close();
}

function normalisedItems(plan: TabularPlan, ctx: NormaliseContext): AsyncIterable<ParsedItem[]> {
  const norm = makeRowNormaliser(plan.detection, plan.headers, ctx);
  const source = plan.rows();
  return (async function* () {
    for await (const batch of source) {
      const out: ParsedItem[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        out[i] = r.cells ? norm(r.cells, r.line) : { reject: { line: r.line, raw: r.raw, reason: r.reason } };
      }
      yield out;
    }
  })();
}

function limitsOf(l?: Partial<IngestLimits>): IngestLimits {
  return { ...DEFAULT_LIMITS, ...(l ?? {}) };
}

function errorText(e: unknown): string {
  if (e instanceof RefusalError) return e.reason;
  if (e instanceof MappingError) return e.message;
  if (e && typeof e === 'object' && 'code' in e && (e as { code: unknown }).code === 'ENOENT') return 'The file was not found. Check it was not moved or renamed since it was chosen.';
  return e instanceof Error ? e.message : String(e);
}

/** Why a path the analyst named could not be opened at all, and what to do. */
function unreadable(path: string, e: unknown): string {
  const code = e && typeof e === 'object' && 'code' in e ? (e as { code: unknown }).code : null;
  if (code === 'ENOENT') return `${resolve(path)} does not exist. Check the path (a file or a folder of exports).`;
  if (code === 'EACCES' || code === 'EPERM') return `${resolve(path)} cannot be opened (permission denied). Copy the exports to a folder you can read.`;
  return `The file cannot be read: ${errorText(e)}`;
}

// ---------- scan ----------

/** What the import would do with each file: kind, sheet, headers, mapping and a preview, or why it is refused. */
export async function scanFiles(db: EngagementDb | null, paths: string[], settings: Settings, limitsIn?: Partial<IngestLimits>, kind?: InputKind): Promise<FilePlan[]> {
  checkTimezone(settings.timezone);
  const limits = limitsOf(limitsIn);
  const plans: FilePlan[] = [];
  // Each path on its own: one that cannot be read does not take the others down with it.
  const files: string[] = [];
  for (const p of paths) {
    try {
      const found = await expandPaths([p]);
      files.push(...found.files);
      for (const l of found.links) plans.push(emptyPlan(l, 0, LINK_NOT_FOLLOWED));
      for (const x of found.special) plans.push(emptyPlan(x, 0, NOT_A_FILE));
    } catch (e) {
      plans.push(emptyPlan(p, 0, unreadable(p, e)));
    }
  }
  for (const path of files) {
    let size = 0;
    try {
      const facts = await fileFacts(path, limits, true);
      size = facts.size;
      const plan = await prepare(facts, limits, kind ? { path, kind } : { path });
      await closePlan(plan);
      if (plan.type === 'flexnet') {
        plans.push({ ...emptyPlan(path, size, null), kind: 'flexnet_log', preview: plan.preview, notes: plan.notes });
      } else {
        const d = plan.detection;
        plans.push({
          path,
          file: basename(path),
          size_bytes: size,
          kind: d.kind,
          sheet: plan.sheet,
          headers: plan.headers,
          mapping: d.mapping,
          unmapped_headers: d.unmapped,
          missing_required: d.missing_required,
          missing_required_columns: d.missing_groups,
          preview: plan.preview,
          refused: null,
          notes: plan.notes,
          already_loaded: null,
          same_name_loaded: null,
        });
      }
    } catch (e) {
      // Refused even as the kind the analyst asked for: the plan keeps that kind, so the refusal answers it.
      plans.push({ ...emptyPlan(path, size, errorText(e)), kind: kind ?? null });
    }
  }
  return db ? markLoaded(db, plans) : plans;
}

/** Plans for files the engagement already holds (same name and size): a folder scanned again says so. */
async function markLoaded(db: EngagementDb, plans: FilePlan[]): Promise<FilePlan[]> {
  const loaded = await db.all<{ file: string; size_bytes: number; day: string }>(
    `SELECT file, size_bytes, CAST(CAST(max(imported_at) AS DATE) AS VARCHAR) AS day FROM sources GROUP BY file, size_bytes`,
  );
  const key = (file: string, size: number) => `${size}\u0000${file}`;
  const when = new Map(loaded.map((r) => [key(r.file, Number(r.size_bytes)), r.day]));
  // Another export under the same name (a corrected one, a later month's): said, as both would then be loaded.
  const byName = new Map<string, string>();
  for (const r of loaded) if ((byName.get(r.file) ?? '') < r.day) byName.set(r.file, r.day);
  return plans.map((p) => {
    const same = p.refused === null ? (when.get(key(p.file, p.size_bytes)) ?? null) : null;
    return { ...p, already_loaded: same, same_name_loaded: p.refused === null && same === null ? (byName.get(p.file) ?? null) : null };
  });
}

function emptyPlan(path: string, size: number, refused: string | null): FilePlan {
  return { path, file: basename(path), size_bytes: size, kind: null, sheet: null, headers: [], mapping: {}, unmapped_headers: [], missing_required: [], missing_required_columns: [], preview: [], refused, notes: [], already_loaded: null, same_name_loaded: null };
}

// ---------- import ----------

export async function importFiles(db: EngagementDb, files: ImportFileRequest[], opts: ImportOptions): Promise<ImportResult> {
  checkTimezone(opts.settings.timezone);
  const limits = limitsOf(opts.limits);
  const ctx: NormaliseContext = { catalogue: loadCatalogue(), timezone: opts.settings.timezone };
  const jobId = opts.jobId ?? 'import';
  const sources: SourceSummary[] = [];
  const refused: Refused[] = [];
  let cancelled = false;

  // Folders expand; a request's kind/mapping applies to each file it expands to.
  const queue: ImportFileRequest[] = [];
  for (const f of files) {
    try {
      const found = await expandPaths([f.path]);
      for (const p of found.files) queue.push({ ...f, path: p });
      for (const l of found.links) await recordRefusal(db, { path: l, file: basename(l), size: null, sha256: null }, LINK_NOT_FOLLOWED, refused);
      for (const x of found.special) await recordRefusal(db, { path: x, file: basename(x), size: null, sha256: null }, NOT_A_FILE, refused);
    } catch (e) {
      await recordRefusal(db, { path: resolve(f.path), file: basename(f.path), size: null, sha256: null }, unreadable(f.path, e), refused);
    }
  }

  const emit = (e: Omit<ProgressEvent, 'jobId'>) => opts.onProgress?.({ jobId, ...e });
  let totalRows = 0;
  const started = Date.now();

  // Every file's facts (one streaming pass each: SHA-256, line count, plainness) are read one file after
  // another from the start, ahead of DuckDB's loading: its threads do the loading, so the two overlap, and
  // a large file's pass is done long before its turn even when small files come between. factsRead holds
  // how far each pass has got, reported while the import waits for it (a cold multi-GB export).
  const factsRead = new Map<string, number>();
  const factsOf = (path: string): Promise<Settled<FileFacts>> =>
    profiled(`facts ${basename(path)}`, () => fileFacts(path, limits, false, (done, size) => factsRead.set(path, size > 0 ? done / size : 1))).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  const factsAhead: Promise<Settled<FileFacts>>[] = [];
  for (const req of queue) {
    const before = factsAhead[factsAhead.length - 1] ?? Promise.resolve(null);
    factsAhead.push(before.then(() => (opts.signal?.aborted ? { ok: false as const, error: new Error('import cancelled') } : factsOf(req.path))));
  }
  for (let n = 0; n < queue.length; n++) {
    const req = queue[n]!;
    const file = basename(req.path);
    const current = factsAhead[n]!;
    if (opts.signal?.aborted) {
      cancelled = true;
      break;
    }
    emit({ phase: 'import', file, done: totalRows, total: null, rows_per_second: null, message: `Reading ${file} (file ${n + 1} of ${queue.length})`, finished: false });
    let facts: FileFacts | null = null;
    let plan: Plan | null = null;
    try {
      const waiting = setInterval(() => {
        const f = factsRead.get(req.path);
        if (f !== undefined && f < 1) emit({ phase: 'import', file, done: totalRows, total: null, rows_per_second: null, message: `${file}: checking the file (SHA-256), ${Math.round(f * 100)} %`, finished: false });
      }, 250);
      const got = await current.finally(() => clearInterval(waiting));
      if (!got.ok) throw got.error;
      facts = got.value;
      const t0 = profileMark();
      const onRows = (fileRows: number, step?: string) => {
        const elapsed = (Date.now() - started) / 1000;
        emit({
          phase: 'import',
          file,
          done: totalRows + fileRows,
          total: null,
          rows_per_second: elapsed > 0 ? Math.round((totalRows + fileRows) / elapsed) : null,
          message: step ? `${file}: ${step}` : `${file}: ${fileRows.toLocaleString('en-US')} rows`,
          finished: false,
        });
      };
      plan = await prepare(facts, limits, req, opts.signal);
      const twin = await twinOf(db, facts.sha256, plan);
      let summary: SourceSummary | null = null;
      // Read month first with a decimal point, a file may show its dates are day first (31/03/2026) or its numbers
      // have a decimal comma (2.985,00): rolled back, and read again so (each at most once).
      let dayFirst = false;
      // A file separated by semicolons comes from a locale whose decimal mark is the comma (Excel writes CSV so there):
      // its ambiguous numbers are read with a comma until the file shows otherwise.
      let decimalComma = plan.type === 'tabular' && plan.delimiter === ';';
      const marks = new Set<boolean>([decimalComma]);
      for (let attempt = 0; summary === null; attempt++) {
        try {
          if (attempt > 0) plan = await prepare(facts, limits, req, opts.signal);
          const fileCtx = {
            ...ctx, dates: newDateOrder(dayFirst), numbers: newNumberStyle(decimalComma), blanked: new Map(), overlong: { rows: 0, line: 0 },
            delimiter: plan.type === 'tabular' && plan.delimiter ? plan.delimiter : ',',
          };
          summary = await importOne(db, facts, plan, req, fileCtx, limits, opts, onRows, attempt === 0 ? twin : undefined);
        } catch (e) {
          if (e instanceof DayFirstDates && !dayFirst) dayFirst = true;
          else if (e instanceof OtherDecimalMark && !marks.has(e.comma)) {
            decimalComma = e.comma;
            marks.add(e.comma);
          } else throw e;
        }
      }
      profileLog(`import ${file}`, t0);
      totalRows += summary.rows_read;
      sources.push(summary);
      // One closing event per file: the CLI prints it as that file's line, the UI as its counts.
      emit({
        phase: 'file-done',
        file,
        done: n + 1,
        total: queue.length,
        rows_per_second: Math.max(1, Math.round(totalRows / Math.max((Date.now() - started) / 1000, 0.001))),
        message: `${summary.kind}: ${summary.rows_loaded.toLocaleString('en-US')} loaded, ${summary.rows_duplicate.toLocaleString('en-US')} duplicate, ${summary.rows_rejected.toLocaleString('en-US')} rejected`,
        finished: false,
      });
    } catch (e) {
      if (plan) await closePlan(plan).catch(() => undefined);
      if (e instanceof CancelledError || (opts.signal?.aborted && !(e instanceof RefusalError))) {
        cancelled = true;
        break;
      }
      const f = facts ?? { path: req.path, file, size: null, sha256: null };
      await recordRefusal(db, { path: f.path, file: f.file, size: f.size, sha256: f.sha256 }, errorText(e), refused);
    }
  }

  if (sources.length > 0) {
    emit({ phase: 'identities', file: null, done: totalRows, total: null, rows_per_second: null, message: 'Resolving identities', finished: false });
    await profiled('identities', () => resolveIdentities(db));
    // A later file can change an earlier one's counts (a full FlexNet log replaces sessions a cut-off copy left open):
    // the result gives each file's counts as they stand at the end, as sources.list and summary.json do.
    for (const src of sources) {
      if (src.source_id === undefined) continue;
      const now = await db.one<{ rows_loaded: number; rows_duplicate: number }>('SELECT rows_loaded, rows_duplicate FROM sources WHERE source_id = $1', [src.source_id]);
      if (now) Object.assign(src, { rows_loaded: Number(now.rows_loaded), rows_duplicate: Number(now.rows_duplicate) });
    }
  }
  const elapsed = (Date.now() - started) / 1000;
  emit({
    phase: 'import',
    file: null,
    done: totalRows,
    total: totalRows,
    rows_per_second: elapsed > 0 ? Math.round(totalRows / elapsed) : null,
    message: cancelled ? 'Import cancelled' : `Imported ${sources.length} file(s), refused ${refused.length}`,
    finished: true,
  });
  return { sources, refused, cancelled };
}

async function recordRefusal(db: EngagementDb, f: { path: string; file: string; size: number | null; sha256: string | null }, reason: string, out: Refused[]): Promise<void> {
  await db.run('INSERT INTO refused (file, original_path, sha256, size_bytes, reason) VALUES ($1, $2, $3, $4, $5)', [f.file, f.path, f.sha256, f.size, reason]);
  await db.audit('import.refused', { file: f.file, sha256: f.sha256, reason });
  out.push({ file: f.file, reason });
}

/** A source loaded before from the same bytes, read as the same kind (a copy of an export under another name). */
interface Twin {
  file: string;
  rows_read: number;
}

/** The source a file repeats byte for byte as the same kind and mapping, or null. */
async function twinOf(db: EngagementDb, sha256: string, plan: Plan): Promise<Twin | null> {
  const kind = plan.type === 'tabular' ? plan.detection.kind : 'flexnet_log';
  const mapping = plan.type === 'tabular' ? JSON.stringify(plan.detection.mapping) : null;
  const rows = await db.all<{ file: string; rows_read: number; mapping: string | null }>(
    'SELECT file, rows_read, CAST(mapping AS VARCHAR) AS mapping FROM sources WHERE sha256 = $1 AND kind = $2 ORDER BY source_id',
    [sha256, kind],
  );
  // Mapped otherwise, the same bytes make other rows: read again.
  const same = rows.find((r) => (r.mapping === null ? null : JSON.stringify(JSON.parse(r.mapping))) === mapping);
  return same ? { file: same.file, rows_read: Number(same.rows_read) } : null;
}

/** A file's slash dates turned out day first: thrown inside its transaction, so the month-first load rolls back. */
class DayFirstDates extends Error {}
/** The file's numbers settle the other decimal mark than the one its ambiguous values were read with. */
class OtherDecimalMark extends Error {
  constructor(readonly comma: boolean) {
    super('the file settles the other decimal mark');
  }
}

/** What the file's card says of its decimal mark (null when nothing needs saying). */
function numberNote(n: NumberStyle): string | null {
  const settled = settledMark(n);
  if (n.commaExample !== undefined && n.pointExample !== undefined) return `${NUMBER_NOTES.mixed} ("${n.commaExample}", "${n.pointExample}")`;
  if (settled === 'comma') return `${NUMBER_NOTES.comma}: the file writes numbers such as "${n.commaExample ?? ''}"`;
  if (n.ambiguous > 0 && settled === null) {
    const example = n.ambiguousExample ?? '';
    return n.decimalComma
      ? `${NUMBER_NOTES.unsettled} "${example}" was read with a decimal comma (${example.replace(/[.,]/, '')}), as the file is separated by semicolons; if it writes a decimal point, such numbers are a thousand times too large`
      : `${NUMBER_NOTES.unsettled} "${example}" was read with a decimal point; if the file writes a decimal comma, such numbers are a thousand times too small`;
  }
  return null;
}

/** What the file's card says of its slash dates (null when it has none, or nothing needs saying). */
function dateOrderNote(d: DateOrder): string | null {
  if (d.seen === 0) return null;
  if (d.dayFirst) return dayFirstNote(d);
  if (d.firstOver12 && d.secondOver12) return DATE_NOTES.mixed;
  if (!d.secondOver12) return unsettledDateNote(d);
  return null;
}

async function importOne(
  db: EngagementDb,
  facts: FileFacts,
  plan: Plan,
  req: ImportFileRequest,
  ctx: NormaliseContext,
  limits: IngestLimits,
  opts: ImportOptions,
  /** Rows of this file done so far; `step` says what DuckDB is doing when the count is its estimate. */
  onRows: (n: number, step?: string) => void,
  /** A source loaded before from the same bytes as the same kind: none of this file's rows is read again. */
  twin: Twin | null = null,
): Promise<SourceSummary> {
  let kind: InputKind;
  let items: Iterable<ParsedItem> | AsyncIterable<ParsedItem[]>;
  let mapping: Record<string, string | null> | null = null;
  let extraColumns: string[] = [];
  if (plan.type === 'tabular') {
    const d = plan.detection;
    if (d.missing_required.length) {
      await closePlan(plan);
      throw new RefusalError(
        `${req.kind ? `Read as ${KIND_LABELS[d.kind]}, this file` : `This looks like ${KIND_LABELS[d.kind]} but`} has no column for: ${d.missing_required.join('; ')} (headers: ${plan.headers.join(', ')}). Map the column by hand or fix the export.`,
      );
    }
    kind = d.kind;
    mapping = d.mapping;
    extraColumns = d.unmapped;
    if (twin) await closePlan(plan);
    items = twin ? [] : normalisedItems(plan, ctx);
  } else if (twin) {
    kind = 'flexnet_log';
    items = [];
  } else {
    kind = 'flexnet_log';
    // Read in blocks as it streams (twice: its date first, then its lines when loaded), never whole.
    const blocks = () =>
      logBlocks(facts.path, {
        encoding: plan.encoding,
        maxLineChars: limits.maxLineChars,
        signal: opts.signal,
        onBytes: (done, size) => onRows(0, `reading the log, ${size > 0 ? Math.floor((done / size) * 100) : 100} %`),
      });
    // The server's clock, as its banner names it, moved into the engagement's: two servers in two zones are one clock.
    const zone = logTimeZone(decodeBytes(facts.head, plan.encoding));
    const shift = zone?.iana ? zoneShifter(zone.iana, ctx.timezone) : null;
    plan.notes.push(logZoneNote(zone, ctx.timezone, shift !== null));
    items = await openFlexnetLog(blocks, { catalogue: ctx.catalogue, shift });
  }

  // Large plain CSV files: DuckDB reads them itself, staged before the transaction so a file it cannot
  // read falls back to the JS reader cleanly.
  let native: NativeStage | null = null;
  if (!twin && opts.native !== false && plan.type === 'tabular' && plan.headerLine !== null && plan.delimiter !== null) {
    const d = plan.detection;
    // DuckDB's reader takes times as engagement-local: a column headed as UTC in another zone is the JS reader's.
    const utcElsewhere = ctx.timezone !== 'UTC' && plan.headers.some((h) => UTC_HEADER_RE.test(h));
    if (!utcElsewhere && nativeBlocker(d.kind, d, plan.headers, plan.encoding, plan.delimiter, facts.native.blocker) === null) {
      const interrupt = () => db.conn.interrupt();
      opts.signal?.addEventListener('abort', interrupt);
      // The request is built first: the progress callback below is a closure, where the checks above do not narrow.
      const request = {
        path: facts.path,
        kind: d.kind,
        detection: d,
        headers: plan.headers,
        delimiter: plan.delimiter,
        headerLine: plan.headerLine,
        lines: facts.native.lines,
        // Cells need only spaces trimmed when no other whitespace JS trims can occur in the file.
        spacesOnly: facts.native.ascii && !facts.native.vtff && (!facts.native.tab || plan.delimiter === '\t'),
        spaceEdged: [-1, 10, 13, plan.delimiter.charCodeAt(0)].some((b) => facts.native.spaceBeside.includes(b)),
        limits,
        ctx,
        file: facts.file,
      };
      // Staging is the first half of the file's progress, loading (below) the second.
      const records = Math.max(0, request.lines - request.headerLine);
      native = await db
        .watched(() => stageNative(db, request), (f) => onRows(Math.round(records * f * 0.5), `reading with DuckDB, ${Math.round(f * 50)} %`))
        .finally(() => opts.signal?.removeEventListener('abort', interrupt));
      if (native) {
        await closePlan(plan);
        plan.notes.push('read by DuckDB (plain CSV)');
      }
      if (opts.signal?.aborted) {
        await dropNative(db);
        throw new CancelledError();
      }
    }
  }

  let lastEmit = 0;
  const throttled = (n: number) => {
    const now = Date.now();
    if (now - lastEmit >= 250 || n % 50_000 < 1024) {
      lastEmit = now;
      onRows(n);
    }
  };

  // The copy kept beside the engagement goes with a file that is not loaded (refused, cancelled, read again).
  let copied: string | null = null;
  return db.transaction(async () => {
    const idRow = await db.one<{ id: number }>('SELECT COALESCE(MAX(source_id), 0) + 1 AS id FROM sources');
    const sourceId = Number(idRow?.id ?? 1);
    let storedPath: string | null = null;
    if (opts.storeDir) {
      await mkdir(opts.storeDir, { recursive: true });
      storedPath = join(opts.storeDir, `${facts.sha256.slice(0, 16)}-${facts.file}`);
      // The same bytes under the same name, kept for a source loaded before, stay whatever happens here.
      if (!existsSync(storedPath)) copied = storedPath;
      await copyFile(facts.path, storedPath);
    }
    await db.run(
      `INSERT INTO sources (source_id, file, original_path, stored_path, sha256, size_bytes, kind, sheet, encoding, delimiter, mapping, extra_columns, notes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        sourceId,
        facts.file,
        facts.path,
        storedPath,
        facts.sha256,
        facts.size,
        kind,
        plan.type === 'tabular' ? plan.sheet : null,
        plan.encoding,
        plan.type === 'tabular' ? plan.delimiter : null,
        mapping ? JSON.stringify(mapping) : null,
        JSON.stringify(extraColumns),
        JSON.stringify(plan.notes),
      ],
    );
    let counts: LoadCounts;
    if (twin) {
      // Every row is one of the twin's (its rejects too, as duplicates of rows already read): not counted twice.
      counts = { rows_read: twin.rows_read, rows_loaded: 0, rows_rejected: 0, rows_duplicate: twin.rows_read };
      plan.notes.push(`the same bytes as ${twin.file}, loaded before: every row is one of its rows`);
    } else if (native) {
      // DuckDB runs each step as one statement: a cancel interrupts it, and the transaction rolls back.
      const interrupt = () => db.conn.interrupt();
      opts.signal?.addEventListener('abort', interrupt);
      try {
        const st = native;
        counts = await db.watched(() => loadNative(db, st, sourceId, ctx), (f) => onRows(Math.round(st.rows * (0.5 + f * 0.5)), `writing, ${Math.round(50 + f * 50)} %`));
      } catch (e) {
        if (opts.signal?.aborted) throw new CancelledError();
        throw e;
      } finally {
        opts.signal?.removeEventListener('abort', interrupt);
        await dropNative(db);
      }
      onRows(counts.rows_read);
      if (opts.signal?.aborted) throw new CancelledError();
    } else counts = await loadParsedItems(db, sourceId, items, { signal: opts.signal, maxRows: limits.maxRows, batchRows: opts.batchRows, onRows: throttled, file: facts.file });
    // Slash dates read month first that can only be day first (and none that can only be month first): the
    // caller reads the file again day first, and this transaction rolls back.
    const dates = ctx.dates;
    if (dates && !dates.dayFirst && dates.firstOver12 && !dates.secondOver12) throw new DayFirstDates();
    // Ambiguous values read with one mark where the file's own numbers settle the other: read again so.
    const numbers = ctx.numbers;
    const settled = numbers ? settledMark(numbers) : null;
    if (numbers && numbers.ambiguous > 0 && settled !== null && (settled === 'comma') !== numbers.decimalComma) throw new OtherDecimalMark(settled === 'comma');
    const dateNote = dates ? dateOrderNote(dates) : null;
    if (dateNote) plan.notes.push(dateNote);
    const numNote = numbers ? numberNote(numbers) : null;
    if (numNote) plan.notes.push(numNote);
    const over = ctx.overlong;
    if (over && over.rows > 0) {
      plan.notes.push(`${over.rows.toLocaleString('en-US')} ${over.rows === 1 ? 'row holds' : 'rows hold'} ${READING_NOTES.overlong} (${over.rows === 1 ? 'on' : 'the first on'} line ${over.line}): a value with an unquoted separator shifts the values after it, so check ${over.rows === 1 ? 'it' : 'them'} against the source`);
    }
    plan.notes.push(...blankedNotes(ctx.blanked));
    await db.run('UPDATE sources SET rows_read = $2, rows_loaded = $3, rows_rejected = $4, rows_duplicate = $5, notes = $6 WHERE source_id = $1', [
      sourceId,
      counts.rows_read,
      counts.rows_loaded,
      counts.rows_rejected,
      counts.rows_duplicate,
      JSON.stringify(plan.notes),
    ]);
    await db.audit('import', { file: facts.file, sha256: facts.sha256, kind, source_id: sourceId, requested_kind: req.kind ?? null, mapping_overridden: !!req.mapping, ...counts });
    return { source_id: sourceId, file: facts.file, kind, sha256: facts.sha256, ...counts };
  }).catch(async (e: unknown) => {
    if (copied) await rm(copied, { force: true });
    throw e;
  });
}

