// First look at a file's bytes, before any reader runs: is it empty, a ZIP (XLSX), text, or something binary?
// The import pipeline uses this to pick a reader and to refuse garbage with a sentence the analyst understands.

export type SniffType = 'empty' | 'zip' | 'text' | 'binary';

/** Share of control bytes (NUL included) above which a file without a UTF-16 BOM is not text. */
const MAX_CONTROL_SHARE = 0.01;

/**
 * @param head the first bytes of the file (up to 64 KiB)
 * @param size the whole file's size in bytes
 */
export function sniffBytes(head: Buffer, size: number): { type: SniffType; reason?: string } {
  if (size === 0 || head.length === 0) {
    return { type: 'empty', reason: 'The file is empty (0 bytes). Export it again from the source system.' };
  }
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return { type: 'zip' };
  }
  if (head.length >= 8 && head.readUInt32BE(0) === 0xd0cf11e0 && head.readUInt32BE(4) === 0xa1b11ae1) {
    return {
      type: 'binary',
      reason:
        'This file is an old-format .xls workbook or a password-protected .xlsx. Remove any password, save it in Excel as .xlsx (Excel Workbook) or CSV, and import it again.',
    };
  }
  const utf16 = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  const whole = head.length >= size;
  if (utf16) {
    const body = head.subarray(2);
    const littleEndian = head[0] === 0xff;
    // Whitespace-only check on code units; the body is text by declaration.
    let blank = true;
    for (let i = 0; i + 1 < body.length; i += 2) {
      const unit = littleEndian ? body[i]! | (body[i + 1]! << 8) : (body[i]! << 8) | body[i + 1]!;
      if (!(unit === 0x20 || unit === 0x09 || unit === 0x0a || unit === 0x0d || unit === 0xfeff)) {
        blank = false;
        break;
      }
    }
    if (blank && whole) return { type: 'empty', reason: 'The file holds no data (only a byte-order mark or blank space). Export it again from the source system.' };
    return { type: 'text' };
  }
  let start = 0;
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  let control = 0;
  let blank = true;
  for (let i = start; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    blank = false;
    if (b < 0x20 && b !== 0x0c) control++; // NUL and other C0 controls never occur in CSV or log text
    else if (b === 0x7f) control++;
  }
  if (blank) {
    if (whole) return { type: 'empty', reason: 'The file holds no data (only blank space). Export it again from the source system.' };
    return { type: 'text' };
  }
  const share = control / Math.max(1, head.length - start);
  if (share > MAX_CONTROL_SHARE) {
    return {
      type: 'binary',
      reason:
        'This file is not text, a CSV or an .xlsx workbook: it contains binary data. Check that you picked the right file, or export it again as CSV or XLSX.',
    };
  }
  return { type: 'text' };
}
