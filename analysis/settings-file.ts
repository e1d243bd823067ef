// Reading engagement.json from disk (CLI --config or the input folder, the sample, the UI's import): the
// file is hand-edited, so every error names the file, the line and what to fix, and a misspelt key is an
// error rather than a setting silently left at its default.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { PriceOverrideSchema, ScenarioSchema, scenarioRangeProblem, SettingsPatchSchema, SettingsSchema, ThresholdsSchema, TypedFieldsSchema, type Settings, type SettingsPatch } from './settings';

export class SettingsFileError extends Error {}

/** Where each key of a (valid) JSON text starts: dotted path -> 1-based line. */
export function jsonKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      skipSpace();
      while (text[i] !== '}') {
        skipSpace();
        const keyLine = line;
        const key = readString();
        const p = path ? `${path}.${key}` : key;
        lines.set(p, keyLine);
        skipSpace();
        i++; // colon
        readValue(p);
        skipSpace();
        if (text[i] === ',') i++;
        skipSpace();
      }
      i++;
    } else if (c === '[') {
      i++;
      skipSpace();
      let k = 0;
      while (text[i] !== ']') {
        lines.set(`${path}.${k}`, line);
        readValue(`${path}.${k++}`);
        skipSpace();
        if (text[i] === ',') i++;
        skipSpace();
      }
      i++;
    } else if (c === '"') {
      readString();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
    }
  };
  readValue('');
  return lines;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const nl = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - nl };
}

/** The known key closest to a misspelt one (at most two edits away), for "did you mean". */
function closest(key: string, known: readonly string[]): string | null {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, r) => [r, ...Array<number>(b.length).fill(0)]);
    for (let c = 1; c <= b.length; c++) d[0]![c] = c;
    for (let r = 1; r <= a.length; r++)
      for (let c = 1; c <= b.length; c++) d[r]![c] = Math.min(d[r - 1]![c]! + 1, d[r]![c - 1]! + 1, d[r - 1]![c - 1]! + (a[r - 1] === b[c - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const dd = dist(key.toLowerCase(), k);
    if (dd < bestD) [best, bestD] = [k, dd];
  }
  return best;
}

type Shape = Record<string, z.ZodTypeAny>;
/** The objects whose keys are fixed (prices' keys are product codes, so only their values are checked). */
const OBJECTS: { path: (p: string[]) => boolean; shape: Shape }[] = [
  { path: (p) => p.length === 0, shape: SettingsSchema.shape },
  { path: (p) => p.length === 1 && p[0] === 'thresholds', shape: ThresholdsSchema.shape },
  { path: (p) => p.length === 1 && p[0] === 'scenario', shape: ScenarioSchema.shape },
  { path: (p) => p.length === 2 && p[0] === 'prices', shape: PriceOverrideSchema.shape },
];

const MAX_DEPTH = 32;

/** The offset of the first bracket opening level `max` + 1 (outside strings), or null. */
function tooDeep(text: string, max: number): number | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return null;
}

/** The first key that no setting has, with its path, or null. */
function unknownKey(value: unknown, path: string[] = []): { path: string[]; known: string[] } | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const fixed = OBJECTS.find((o) => o.path(path));
  for (const [k, v] of Object.entries(value)) {
    // Own keys only: "constructor" or "__proto__" is no setting, though every object has them through its prototype.
    if (fixed && !Object.hasOwn(fixed.shape, k)) return { path: [...path, k], known: Object.keys(fixed.shape) };
    const inner = unknownKey(v, [...path, k]);
    if (inner) return inner;
  }
  return null;
}

/** Parses engagement.json text (see readSettingsFile). */
export function parseSettingsText(raw: string, file: string): Settings {
  // Windows editors save UTF-8 with a byte-order mark; it is not part of the JSON.
  const text = raw.replace(/^\uFEFF/, '');
  // No setting nests deeper than a few levels: a file nested thousands deep (hostile or broken) is named here, before
  // the parser and the checks below recurse through it.
  const deep = tooDeep(text, MAX_DEPTH);
  if (deep !== null) {
    const at = lineColumn(text, deep);
    throw new SettingsFileError(`${file} line ${at.line}, column ${at.column}: nested more than ${MAX_DEPTH} levels deep, deeper than any setting. Fix the file.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let at = pos ? lineColumn(text, Number(pos[1])) : null;
    let why = msg.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    // JSON.parse stops after a trailing comma, at the closing bracket: point at the comma itself.
    const before = pos ? text.slice(0, Number(pos[1])).trimEnd() : '';
    if (before.endsWith(',') && /^[}\]]/.test(text.slice(Number(pos![1])))) {
      at = lineColumn(text, before.length - 1);
      why = 'a comma before the closing bracket';
    }
    throw new SettingsFileError(`${file}${at ? ` line ${at.line}, column ${at.column}` : ''}: not valid JSON (${why}). Fix the file (a trailing comma or a missing quote is the usual cause).`);
  }
  const lines = jsonKeyLines(text);
  const lineOf = (path: readonly (string | number)[]) => {
    for (let n = path.length; n > 0; n--) {
      const l = lines.get(path.slice(0, n).join('.'));
      if (l !== undefined) return ` line ${l}`;
    }
    return '';
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SettingsFileError(`${file}: expected a JSON object of settings ({ "client": ..., "as_of": ... }).`);
  const unknown = unknownKey(json);
  if (unknown) {
    const key = unknown.path[unknown.path.length - 1]!;
    const hint = closest(key, unknown.known);
    throw new SettingsFileError(
      `${file}${lineOf(unknown.path)}: ${unknown.path.join('.')} is not a setting${hint ? ` (did you mean "${hint}"?)` : ''}. Known here: ${unknown.known.join(', ')}. Fix or remove the key.`,
    );
  }
  const r = SettingsSchema.and(TypedFieldsSchema.partial()).safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const where = first.path.join('.') || '(root)';
    throw new SettingsFileError(`${file}${lineOf(first.path as (string | number)[])}: ${where}: ${first.message}. Fix the value or remove the field to use the default.`);
  }
  const range = scenarioRangeProblem(r.data.scenario);
  if (range) throw new SettingsFileError(`${file}${lineOf(range.path)}: ${range.path.join('.')}: ${range.message}. Fix the value or remove the field to use the default.`);
  return r.data;
}

/** Reads and validates an engagement.json file; errors name the file, the line and what to fix. */
export function readSettingsFile(path: string): Settings {
  return parseSettingsText(readSettingsText(path), path);
}

function readSettingsText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new SettingsFileError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

/**
 * The engagement.json among paths the analyst chose to import: a folder holding one, or the file itself
 * (the CLI reads it from its input folder the same way). Null when there is none.
 */
export function findSettingsFile(paths: readonly string[]): string | null {
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) {
        const inside = join(p, 'engagement.json');
        if (existsSync(inside) && statSync(inside).isFile()) return inside;
      } else if (basename(p).toLowerCase() === 'engagement.json') return p;
    } catch {
      // A path that cannot be read is the import's to report.
    }
  }
  return null;
}

/** The settings whose values differ between two sets of settings, in the analyst's words (Settings' labels). */
export function settingsDiffer(a: Settings, b: Settings): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof Settings)[];
  return keys.filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)).map((k) => SETTING_LABELS[k] ?? String(k).replace(/_/g, ' '));
}

const SETTING_LABELS: Partial<Record<keyof Settings, string>> = {
  client: 'client', as_of: 'review date', currency: 'currency', timezone: 'time zone',
  corporate_email_domains: 'corporate e-mail domains', corporate_network_domains: 'corporate network domains', corporate_ip_ranges: 'corporate IP ranges',
  thresholds: 'thresholds', scenario: 'settlement assumptions', prices: 'prices', flex_token_price: 'Flex token price',
};

/**
 * What an engagement.json sets, as a patch over an engagement's settings (the app applies it so): only the
 * keys the file names, nested thresholds and assumptions key by key. Checked as readSettingsFile checks it.
 */
export function readSettingsPatch(path: string): SettingsPatch {
  const raw = readSettingsText(path);
  parseSettingsText(raw, path);
  return SettingsPatchSchema.parse(JSON.parse(raw.replace(/^\uFEFF/, '')));
}
