// Detects a file's kind from its header row and maps headers to canonical columns (DATA-CONTRACT §1).
// Detection scores every kind by its distinctive columns; the analyst may force a kind and override
// any mapping (import.scan / import.run), which replaces what was detected.
import { KIND_SPECS, TABULAR_KINDS, describeRequired, normHeader, type KindSpec, type TabularKind } from './aliases';

export interface Detection {
  kind: TabularKind;
  /** canonical column -> header as written in the file (null when not mapped) */
  mapping: Record<string, string | null>;
  /** canonical column -> index of its header (only mapped columns) */
  index: Map<string, number>;
  /** Headers not mapped to any canonical column: kept as `extra`. */
  unmapped: string[];
  /** Required groups with nothing mapped, e.g. `user or device_name`. */
  missing_required: string[];
  /** The same, as groups of columns any one of which would do (what a mapping must meet). */
  missing_groups: string[][];
  score: number;
}

/**
 * Maps headers to the columns of one kind: exact canonical names first, then aliases in order, then (for headers
 * with a unit or zone in brackets after the name, "Session Start (UTC)", "Duration (min)") the name before the
 * brackets, when nothing else took the column.
 */
export function mapHeaders(spec: KindSpec, headers: string[]): Map<string, number> {
  /** The first header (not yet taken) of each key. */
  const keyed = (key: (h: string) => string) => {
    const index = new Map<string, number>();
    headers.forEach((h, i) => {
      const n = key(h);
      if (n && !index.has(n) && !used.has(i)) index.set(n, i);
    });
    return index;
  };
  const used = new Set<number>();
  const out = new Map<string, number>();
  const firstIndex = keyed(normHeader);
  /** Gives column `col` the first header of `index` among `names` not yet taken. */
  const take = (index: Map<string, number>, col: string, names: readonly string[]) => {
    if (out.has(col)) return;
    for (const a of names) {
      const i = index.get(normHeader(a));
      if (i !== undefined && !used.has(i)) {
        out.set(col, i);
        used.add(i);
        return;
      }
    }
  };
  for (const col of spec.columns) take(firstIndex, col.name, [col.name]);
  for (const col of spec.columns) take(firstIndex, col.name, col.aliases);
  const bareIndex = keyed((h) => {
    const bare = normHeader(bareHeader(h));
    return bare !== normHeader(h) ? bare : '';
  });
  for (const col of spec.columns) take(bareIndex, col.name, [col.name, ...col.aliases]);
  return out;
}

/** A header without a trailing bracketed unit or zone: "Session Start (UTC)" -> "Session Start". */
export function bareHeader(h: string): string {
  return h.replace(/\s*[([][^()[\]]{1,24}[)\]]\s*$/, '');
}

/** A header that says its times are UTC ("Session Start (UTC)", "Start [GMT]"). */
export const UTC_HEADER_RE = /[([]\s*(?:utc|gmt|z)\s*[)\]]\s*$/i;

function build(spec: KindSpec, headers: string[], index: Map<string, number>): Detection {
  const mapping: Record<string, string | null> = {};
  for (const col of spec.columns) {
    const i = index.get(col.name);
    mapping[col.name] = i === undefined ? null : headers[i]!;
  }
  const usedIdx = new Set(index.values());
  const unmapped = headers.filter((h, i) => !usedIdx.has(i) && h.trim() !== '');
  const missing_groups = spec.required.filter((g) => !g.some((col) => index.has(col))).map((g) => [...g]);
  const missing_required = missing_groups.map(describeRequired);
  let sig = 0;
  for (const [col, w] of Object.entries(spec.signature)) if (index.has(col)) sig += w;
  const score = sig === 0 ? 0 : sig + 0.1 * index.size - (missing_required.length ? 3 : 0);
  return { kind: spec.kind, mapping, index, unmapped, missing_required, missing_groups, score };
}

/** Detection for a kind the caller chose (or detected), with optional overrides applied. */
export function detectAs(kind: TabularKind, headers: string[], overrides?: Record<string, string | null>): Detection {
  const spec = KIND_SPECS[kind];
  const index = mapHeaders(spec, headers);
  if (overrides) applyOverrides(spec, headers, index, overrides);
  return build(spec, headers, index);
}

/**
 * Override: canonical column -> header as written (or null to unmap). A header the file does not
 * have, or a column the kind does not have, is an error the analyst must fix.
 */
function applyOverrides(spec: KindSpec, headers: string[], index: Map<string, number>, overrides: Record<string, string | null>): void {
  const known = new Set(spec.columns.map((c) => c.name));
  for (const [col, header] of Object.entries(overrides)) {
    if (!known.has(col)) throw new MappingError(`The mapping names column "${col}", which ${spec.kind} files do not have (known: ${[...known].join(', ')}). Choose one of the known columns.`);
    if (header === null) {
      index.delete(col);
      continue;
    }
    let i = headers.indexOf(header);
    if (i < 0) i = headers.findIndex((h) => normHeader(h) === normHeader(header));
    if (i < 0) throw new MappingError(`The mapping sends ${col} to header "${header}", which is not in the file (headers: ${headers.join(', ')}). Choose one of the file's headers.`);
    // The header now feeds this column only.
    for (const [other, j] of [...index]) if (j === i && other !== col) index.delete(other);
    index.set(col, i);
  }
}

export class MappingError extends Error {}

/** Best kind for these headers, or null when no kind's distinctive columns are present. */
export function detectKind(headers: string[]): Detection | null {
  let best: Detection | null = null;
  for (const kind of TABULAR_KINDS) {
    const d = detectAs(kind, headers);
    if (d.score > 0 && (!best || d.score > best.score)) best = d;
  }
  return best;
}

/**
 * Finds the header row among the first rows (exports may start with a title or a filter block).
 * Returns the row offset and its detection; with a forced kind, the row that maps best for it.
 */
export function findHeaderRow(rows: string[][], kind?: TabularKind, maxScan = 30): { offset: number; detection: Detection } | null {
  let best: { offset: number; detection: Detection } | null = null;
  const n = Math.min(rows.length, maxScan);
  for (let r = 0; r < n; r++) {
    const headers = rows[r]!;
    if (headers.filter((h) => h.trim() !== '').length < 2 && !(kind && headers.length >= 1)) continue;
    let d: Detection | null;
    if (kind) {
      // A row holding an e-mail address, a date or a bare number is data, however many of its values happen
      // to equal a column name ("Named User"): a header row of unknown words is found by the fallback instead.
      if (headers.some(looksLikeData)) continue;
      d = detectAs(kind, headers);
      // For a forced kind, rank rows by how many columns they map.
      d = d.index.size > 0 ? { ...d, score: d.index.size - d.missing_required.length * 2 } : null;
    } else d = detectKind(headers);
    if (d && (!best || d.score > best.detection.score)) best = { offset: r, detection: d };
  }
  return best;
}

/** A cell that is a value, never a column name: an e-mail address, a date or a bare number. */
function looksLikeData(cell: string): boolean {
  const t = cell.trim();
  return /\S@\S/.test(t) || /^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b/.test(t) || /^-?\d+(?:[.,]\d+)?$/.test(t);
}
