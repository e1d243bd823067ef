// Limits on untrusted client files (DATA-CONTRACT §1.7). Enforced on actual bytes, reported by name.
export interface IngestLimits {
  /** Largest file accepted, bytes. */
  maxFileBytes: number;
  /** Longest text line (CSV/TSV/log) accepted before the row is rejected, characters. */
  maxLineChars: number;
  /** Most rows one file may hold. */
  maxRows: number;
  /** Most columns one row may hold. */
  maxColumns: number;
  /** XLSX: most ZIP entries. */
  maxZipEntries: number;
  /** XLSX: largest total uncompressed size, counted while inflating. */
  maxUncompressedBytes: number;
  /** XLSX: largest single uncompressed entry. */
  maxEntryBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxFileBytes: 4 * 1024 ** 3,
  maxLineChars: 1_000_000,
  maxRows: 100_000_000,
  maxColumns: 1000,
  maxZipEntries: 10_000,
  maxUncompressedBytes: 1024 ** 3,
  maxEntryBytes: 768 * 1024 ** 2,
};
