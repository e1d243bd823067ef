// A deliberately small ZIP reader for untrusted XLSX files (DATA-CONTRACT §1.7).
// Why our own: the npm readers inflate whatever the headers promise. Here every size limit is checked on the
// bytes actually produced by zlib, entries are inflated only on request, and anything odd is refused whole.
import { crc32, inflateRawSync } from 'node:zlib';
import type { IngestLimits } from './limits';
import { RefusalError } from './types';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;

const RESAVE = 'Open it in Excel and save it again as .xlsx, or export the sheet as CSV.';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  /** As declared by the archive: never trusted for limits, only compared with what inflating produced. */
  declaredSize: number;
  localHeaderOffset: number;
  dataOffset: number;
}

function damaged(detail: string): RefusalError {
  return new RefusalError(`This XLSX file is damaged or is not a real workbook (${detail}). ${RESAVE}`);
}

/** Path traversal and similar tricks: refused, never normalised away. */
function unsafeNameReason(name: string): string | null {
  if (name.includes('\0')) return 'a file name inside it contains a NUL character';
  if (name.includes('\\')) return `a file name inside it contains a backslash ("${printable(name)}")`;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `a file name inside it is an absolute path ("${printable(name)}")`;
  if (name.split('/').some((seg) => seg === '..')) return `a file name inside it points outside the archive ("${printable(name)}")`;
  return null;
}

function printable(s: string): string {
  let clean = '';
  for (const ch of s) clean += ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? '?' : ch;
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged('a size in its ZIP64 directory is out of range');
  return Number(v);
}

export class ZipArchive {
  private readonly byName = new Map<string, ZipEntry>();
  private readonly byLowerName = new Map<string, ZipEntry>();
  /** Uncompressed bytes produced so far, across all entries read from this archive. */
  private inflatedTotal = 0;

  private constructor(
    private readonly bytes: Buffer,
    private readonly limits: IngestLimits,
    readonly entries: readonly ZipEntry[],
  ) {
    for (const e of entries) {
      this.byName.set(e.name, e);
      const lower = e.name.toLowerCase();
      if (!this.byLowerName.has(lower)) this.byLowerName.set(lower, e);
    }
  }

  /** Parses the central directory; throws RefusalError on anything unsafe or inconsistent. Inflates nothing. */
  static open(bytes: Buffer, limits: IngestLimits): ZipArchive {
    if (bytes.length < 22) throw damaged('it is too short to be a ZIP archive');
    const eocd = findEocd(bytes);
    if (eocd < 0) throw damaged('its ZIP directory is missing');
    let entryCount = bytes.readUInt16LE(eocd + 10);
    let cdSize = bytes.readUInt32LE(eocd + 12);
    let cdOffset = bytes.readUInt32LE(eocd + 16);
    if (bytes.readUInt16LE(eocd + 4) !== 0 || bytes.readUInt16LE(eocd + 6) !== 0) {
      throw damaged('it is split across several disks');
    }
    if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || bytes.readUInt32LE(loc) !== SIG_ZIP64_LOCATOR) throw damaged('its ZIP64 directory is missing');
      const z64 = u64(bytes, loc + 8);
      if (z64 + 56 > bytes.length || bytes.readUInt32LE(z64) !== SIG_ZIP64_EOCD) throw damaged('its ZIP64 directory is damaged');
      entryCount = u64(bytes, z64 + 32);
      cdSize = u64(bytes, z64 + 40);
      cdOffset = u64(bytes, z64 + 48);
    }
    if (entryCount > limits.maxZipEntries) {
      throw new RefusalError(
        `This XLSX file holds ${entryCount} internal files, more than the limit of ${limits.maxZipEntries}; a real workbook holds a few dozen. ${RESAVE}`,
      );
    }
    if (cdOffset + cdSize > bytes.length) throw damaged('its ZIP directory points past the end of the file');

    const entries: ZipEntry[] = [];
    const seen = new Set<string>();
    let p = cdOffset;
    const cdEnd = cdOffset + cdSize;
    // Walk the headers actually present, never more than the limit, whatever the count field claimed.
    while (p + 4 <= cdEnd && bytes.readUInt32LE(p) === SIG_CENTRAL) {
      if (entries.length >= limits.maxZipEntries) {
        throw new RefusalError(
          `This XLSX file holds more than ${limits.maxZipEntries} internal files; a real workbook holds a few dozen. ${RESAVE}`,
        );
      }
      if (p + 46 > cdEnd) throw damaged('its ZIP directory is cut short');
      const flags = bytes.readUInt16LE(p + 8);
      const method = bytes.readUInt16LE(p + 10);
      const crc = bytes.readUInt32LE(p + 16);
      let compressedSize = bytes.readUInt32LE(p + 20);
      let declaredSize = bytes.readUInt32LE(p + 24);
      const nameLen = bytes.readUInt16LE(p + 28);
      const extraLen = bytes.readUInt16LE(p + 30);
      const commentLen = bytes.readUInt16LE(p + 32);
      let localHeaderOffset = bytes.readUInt32LE(p + 42);
      const next = p + 46 + nameLen + extraLen + commentLen;
      if (next > cdEnd) throw damaged('its ZIP directory is cut short');
      const rawName = bytes.subarray(p + 46, p + 46 + nameLen);
      const name = rawName.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
      const unsafe = unsafeNameReason(name);
      if (unsafe) throw new RefusalError(`This XLSX file was refused because ${unsafe}. ${RESAVE}`);
      if (seen.has(name)) throw damaged(`the internal file "${printable(name)}" appears twice`);
      seen.add(name);

      if (compressedSize === 0xffffffff || declaredSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
        // ZIP64 extra field (id 1) carries the real values, in this order, only for the fields set to 0xffffffff.
        let x = p + 46 + nameLen;
        const xEnd = x + extraLen;
        let found = false;
        while (x + 4 <= xEnd) {
          const id = bytes.readUInt16LE(x);
          const len = bytes.readUInt16LE(x + 2);
          if (x + 4 + len > xEnd) break;
          if (id === 1) {
            let q = x + 4;
            const qEnd = q + len;
            if (declaredSize === 0xffffffff && q + 8 <= qEnd) {
              declaredSize = u64(bytes, q);
              q += 8;
            }
            if (compressedSize === 0xffffffff && q + 8 <= qEnd) {
              compressedSize = u64(bytes, q);
              q += 8;
            }
            if (localHeaderOffset === 0xffffffff && q + 8 <= qEnd) localHeaderOffset = u64(bytes, q);
            found = true;
            break;
          }
          x += 4 + len;
        }
        if (!found) throw damaged(`the ZIP64 sizes of "${printable(name)}" are missing`);
      }

      if (method === 99 || flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
        throw new RefusalError(
          'This XLSX file is encrypted (password-protected). Remove the password in Excel (File > Info > Protect Workbook), save, and import it again.',
        );
      }
      if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
        throw damaged(`"${printable(name)}" is compressed with an unsupported method (${method})`);
      }
      if (localHeaderOffset + 30 > cdOffset) throw damaged(`the data of "${printable(name)}" lies outside the archive`);
      if (bytes.readUInt32LE(localHeaderOffset) !== SIG_LOCAL) throw damaged(`the header of "${printable(name)}" is missing`);
      const localNameLen = bytes.readUInt16LE(localHeaderOffset + 26);
      const localExtraLen = bytes.readUInt16LE(localHeaderOffset + 28);
      const dataOffset = localHeaderOffset + 30 + localNameLen + localExtraLen;
      if (dataOffset + compressedSize > cdOffset) throw damaged(`the data of "${printable(name)}" runs past its end`);
      if (localNameLen !== nameLen || !bytes.subarray(localHeaderOffset + 30, localHeaderOffset + 30 + nameLen).equals(rawName)) {
        throw damaged(`the two headers of "${printable(name)}" disagree`);
      }
      if (method === METHOD_STORED && compressedSize !== declaredSize) throw damaged(`the sizes of "${printable(name)}" disagree`);
      entries.push({ name, method, flags, crc32: crc, compressedSize, declaredSize, localHeaderOffset, dataOffset });
      p = next;
    }
    if (entries.length === 0 && entryCount > 0) throw damaged('its ZIP directory is damaged');
    if (entries.length !== entryCount) throw damaged(`its ZIP directory lists ${entryCount} files but holds ${entries.length}`);

    // Overlapping entries are how "non-recursive" zip bombs reuse one compressed payload many times.
    const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
    for (let i = 1; i < byOffset.length; i++) {
      const prev = byOffset[i - 1]!;
      const cur = byOffset[i]!;
      if (prev.dataOffset + prev.compressedSize > cur.localHeaderOffset) {
        throw damaged(`the internal files "${printable(prev.name)}" and "${printable(cur.name)}" overlap`);
      }
    }
    return new ZipArchive(bytes, limits, entries);
  }

  /** Exact name first, then case-insensitively (some writers vary the case of part names). */
  find(name: string): ZipEntry | undefined {
    return this.byName.get(name) ?? this.byLowerName.get(name.toLowerCase());
  }

  /** Inflates one entry, counting its ACTUAL size against the per-entry and whole-archive limits. */
  read(entry: ZipEntry, maxBytes = Infinity): Buffer {
    const remaining = this.limits.maxUncompressedBytes - this.inflatedTotal;
    const allowed = Math.max(0, Math.min(this.limits.maxEntryBytes, remaining, maxBytes));
    const tooBig = (): RefusalError => {
      if (allowed === maxBytes) {
        return new RefusalError(`The part "${printable(entry.name)}" of this XLSX file is larger than ${formatBytes(maxBytes)}, far more than Excel writes. ${RESAVE}`);
      }
      if (allowed === this.limits.maxEntryBytes) {
        return new RefusalError(
          `The sheet data "${printable(entry.name)}" in this XLSX file unpacks to more than ${formatBytes(this.limits.maxEntryBytes)} (the per-part limit). Split the workbook or export the sheet as CSV.`,
        );
      }
      return new RefusalError(
        `This XLSX file unpacks to more than ${formatBytes(this.limits.maxUncompressedBytes)} in total (the limit). Split the workbook or export the sheet as CSV.`,
      );
    };
    const data = this.bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
    let out: Buffer;
    if (entry.method === METHOD_STORED) {
      if (data.length > allowed) throw tooBig();
      out = data;
    } else {
      try {
        // maxOutputLength makes zlib stop as soon as the output passes the budget: a bomb's headers are never believed.
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, allowed) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooBig();
        throw damaged(`"${printable(entry.name)}" cannot be unpacked`);
      }
      if (out.length > allowed) throw tooBig();
    }
    this.inflatedTotal += out.length;
    if (out.length !== entry.declaredSize || crc32(out) >>> 0 !== entry.crc32 >>> 0) {
      throw damaged(`"${printable(entry.name)}" fails its checksum`);
    }
    return out;
  }
}

function findEocd(bytes: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (bytes.readUInt32LE(i) === SIG_EOCD && i + 22 + bytes.readUInt16LE(i + 20) === bytes.length) return i;
  }
  // Some writers miscount the comment: accept the last signature found.
  for (let i = bytes.length - 22; i >= stop; i--) if (bytes.readUInt32LE(i) === SIG_EOCD) return i;
  return -1;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
