// What every reader (CSV/TSV, XLSX, FlexNet log) hands to the loader, so the loader is written once.
import type { InputKind } from '../model';

export type CanonicalTable = 'sessions' | 'usage_report' | 'usage_daily' | 'users' | 'subscriptions' | 'tokenflex' | 'flexnet_events' | 'identity_map';

/**
 * A value for one canonical column. Dates are 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS'
 * (already in the engagement time zone); the loader casts in SQL.
 */
export type CellValue = string | number | boolean | null;

export interface CanonicalRow {
  table: CanonicalTable;
  /** 1-based line (text) or row number (XLSX) in the source file, for rejects and evidence. */
  line: number;
  values: Record<string, CellValue>;
  /** Unknown source columns, kept as data (never used as object keys that change behaviour). */
  extra?: Array<[string, string]> | null;
}

export interface RowReject {
  line: number;
  raw: string;
  reason: string;
}

export type ParsedItem = { row: CanonicalRow; reject?: undefined } | { reject: RowReject; row?: undefined };

/** A file that is not what it claims or breaks a limit: refused whole, the import goes on. */
export class RefusalError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Why a file with more rows than one file may hold is refused (the reason is shown beside the file's name). */
export function rowLimitReason(maxRows: number): string {
  return `This file has more than ${maxRows.toLocaleString('en-US')} rows, the limit for one file. Split the export into smaller files.`;
}

export interface DetectedFile {
  kind: InputKind;
  sheet: string | null;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  /** canonical column -> header as written */
  mapping: Record<string, string | null>;
}
