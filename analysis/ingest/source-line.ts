// A loaded row's line as its file writes it, read back from the copy kept with the engagement (or, failing that,
// the original file while it is unchanged in size): what the analyst compares the parsed values with, a date
// written day first say. Text sources only; a workbook's row is named by sheet and row.
import { createReadStream, existsSync, lstatSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { EngagementDb } from '../db/engine';
import type { TextEncoding } from './text-reader';
import { sha256File } from '../export/bagit';

/** Longest line text returned: a line beyond it is cut (the rest is not evidence anyone reads on screen). */
export const MAX_LINE_CHARS = 4000;
/** A quoted cell may hold line breaks: the record is followed over at most this many physical lines. */
const MAX_RECORD_LINES = 20;

export interface SourceLine {
  file: string;
  line: number;
  /** The record's text (its physical lines joined by \n), or null with `note` saying why there is none. */
  text: string | null;
  note: string | null;
  /** A table's first line, which names its columns (a log has none): shown with the line, so no one counts commas. */
  header: string | null;
}

const ENCODINGS: readonly string[] = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'];

export async function readSourceLine(db: EngagementDb, sourceId: number, line: number): Promise<SourceLine | null> {
  const src = await db.one<{ file: string; kind: string; stored_path: string | null; original_path: string | null; size_bytes: number; sha256: string; sheet: string | null; encoding: string | null }>(
    'SELECT file, kind, stored_path, original_path, size_bytes, sha256, sheet, encoding FROM sources WHERE source_id = $1',
    [sourceId],
  );
  if (!src) return null;
  const none = (note: string): SourceLine => ({ file: src.file, line, text: null, note, header: null });
  if (src.sheet !== null) return none(`${src.file} is a workbook: this is row ${line.toLocaleString('en-US')} of its sheet "${src.sheet}".`);
  const encoding = (ENCODINGS.includes(src.encoding ?? '') ? src.encoding : 'utf-8') as TextEncoding;
  const size = Number(src.size_bytes);
  // The copy kept with the engagement is the file as loaded; the original counts only while its bytes are unchanged.
  // Either is read only as a regular file (no link) holding the bytes recorded at import: an engagement file can come
  // from elsewhere, and its paths must not show what they point at.
  let path: string | undefined;
  for (const p of [src.stored_path, src.original_path]) {
    if (p !== null && isAbsolute(p) && existsSync(p) && lstatSync(p).isFile() && statSync(p).size === size && (await sha256Verified(p, src.sha256))) {
      path = p;
      break;
    }
  }
  if (!path) return none(`${src.file} is no longer where it was loaded from${src.original_path ? ` (${src.original_path})` : ''}, or it has changed since: its line cannot be shown. The values above are the row as it was loaded.`);
  const got = await lineWithHeader(path, encoding, line, src.kind !== 'flexnet_log');
  if (!got) return none(`${src.file} has no line ${line.toLocaleString('en-US')}.`);
  return { file: src.file, line, text: got.text, note: got.cut ? `The line is longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters; its first ${MAX_LINE_CHARS.toLocaleString('en-US')} are shown.` : null, header: got.header };
}

/** A line cut to MAX_LINE_CHARS, marked where it was cut. */
const cutLine = (text: string): string => (text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text);

/**
 * Line `line` of a file as shown beside a row (the app's evidence panel and auditor mode): cut to MAX_LINE_CHARS, and
 * for a table (`table`: a record may go on while a quoted cell holds line breaks) with its first line, which names
 * the columns, so no one counts commas. Null when the file has no such line.
 */
export async function lineWithHeader(path: string, encoding: TextEncoding, line: number, table: boolean): Promise<{ text: string; header: string | null; cut: boolean } | null> {
  const lines = await recordAt(path, encoding, line, table);
  if (lines.length === 0) return null;
  const text = lines.join('\n');
  const header = table && line > 1 ? cutLine((await recordAt(path, encoding, 1, false))[0] ?? '') : null;
  return { text: cutLine(text), header, cut: text.length > MAX_LINE_CHARS };
}

/** Files whose SHA-256 was checked, by path, size and modification time: a 1 GB export is hashed once, not per line. */
const verified = new Map<string, string>();

async function sha256Verified(path: string, sha256: string): Promise<boolean> {
  const st = statSync(path);
  const key = `${path}\u0000${st.size}\u0000${st.mtimeMs}`;
  let got = verified.get(key);
  if (got === undefined) {
    got = await sha256File(path);
    verified.set(key, got);
  }
  return got === sha256.toLowerCase();
}

/**
 * Physical line `line` (1-based) and, while the text so far leaves a quote open, the lines after it: one record.
 * The file is streamed and only the wanted lines are decoded. In UTF-16 a line break is two bytes, so those files
 * are decoded as they stream (they are small: exports that large are UTF-8).
 */
async function recordAt(path: string, encoding: TextEncoding, line: number, record: boolean): Promise<string[]> {
  const wide = encoding === 'utf-16le' || encoding === 'utf-16be';
  const decoder = new TextDecoder(encoding);
  const out: string[] = [];
  let current: Buffer[] = [];
  let currentText = '';
  let currentLen = 0;
  let at = 1;
  const finish = (): boolean => {
    let text = wide ? currentText : decoder.decode(Buffer.concat(current));
    if (at === 1) text = text.replace(/^\uFEFF/, '');
    out.push(text.replace(/\r$/, ''));
    current = [];
    currentText = '';
    currentLen = 0;
    if (!record) return true;
    // One record: done once its quotes are balanced, or after MAX_RECORD_LINES lines.
    const quotes = out.join('\n').split('"').length - 1;
    return quotes % 2 === 0 || out.length >= MAX_RECORD_LINES;
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      if (wide) {
        const chunk = decoder.decode(raw, { stream: true });
        let from = 0;
        for (let p = chunk.indexOf('\n'); ; p = chunk.indexOf('\n', from)) {
          const end = p < 0 ? chunk.length : p;
          if (at >= line && currentLen < MAX_LINE_CHARS * 4) {
            currentText += chunk.slice(from, end);
            currentLen = currentText.length;
          }
          if (p < 0) break;
          if (at >= line && finish()) return out;
          at++;
          from = p + 1;
        }
        continue;
      }
      let from = 0;
      for (let p = raw.indexOf(10); ; p = raw.indexOf(10, from)) {
        const end = p < 0 ? raw.length : p;
        if (at >= line && currentLen < MAX_LINE_CHARS * 4) {
          current.push(raw.subarray(from, end));
          currentLen += end - from;
        }
        if (p < 0) break;
        if (at >= line && finish()) return out;
        at++;
        from = p + 1;
      }
    }
    // The last line, without a line break after it.
    if (at >= line && (currentLen > 0 || out.length > 0)) finish();
    return out;
  } finally {
    stream.destroy();
  }
}
