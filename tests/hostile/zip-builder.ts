// Test helper: writes ZIP archives byte by byte, including the malformed and hostile ones a real writer never
// produces (lying sizes, traversal names, encryption flags). Generated at test time; no binaries are committed.
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  /** Uncompressed content (ignored when `compressed` is given). */
  data?: Buffer | string;
  /** Already-deflated payload, for bombs built without ever holding the inflated bytes. */
  compressed?: Buffer;
  method?: number;
  /** Declared uncompressed size, when the archive should lie about it. */
  declaredSize?: number;
  crc?: number;
  flags?: number;
}

/** `zip64`: write sizes and offsets the ZIP64 way (0xffffffff markers, extra field 1, ZIP64 end records). */
export function buildZip(entries: RawEntry[], opts: { zip64?: boolean } = {}): Buffer {
  const z64 = opts.zip64 === true;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.method ?? 8;
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : (e.data ?? Buffer.alloc(0));
    const payload = e.compressed ?? (method === 8 ? deflateRawSync(data) : data);
    const size = e.declaredSize ?? data.length;
    const crc = e.crc ?? (crc32(data) >>> 0);
    const flags = (e.flags ?? 0) | 0x0800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, payload);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(z64 ? 45 : 20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(z64 ? 0xffffffff : payload.length, 20);
    central.writeUInt32LE(z64 ? 0xffffffff : size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(z64 ? 0xffffffff : offset, 42);
    if (z64) {
      const extra = Buffer.alloc(28);
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(payload.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
      central.writeUInt16LE(extra.length, 30);
      centrals.push(central, name, extra);
    } else centrals.push(central, name);
    offset += 30 + name.length + payload.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(z64 ? 0xffff : Math.min(entries.length, 0xffff), 8);
  eocd.writeUInt16LE(z64 ? 0xffff : Math.min(entries.length, 0xffff), 10);
  eocd.writeUInt32LE(z64 ? 0xffffffff : cd.length, 12);
  eocd.writeUInt32LE(z64 ? 0xffffffff : offset, 16);
  if (!z64) return Buffer.concat([...locals, cd, eocd]);
  const rec = Buffer.alloc(56);
  rec.writeUInt32LE(0x06064b50, 0);
  rec.writeBigUInt64LE(44n, 4);
  rec.writeUInt16LE(45, 12);
  rec.writeUInt16LE(45, 14);
  rec.writeBigUInt64LE(BigInt(entries.length), 24);
  rec.writeBigUInt64LE(BigInt(entries.length), 32);
  rec.writeBigUInt64LE(BigInt(cd.length), 40);
  rec.writeBigUInt64LE(BigInt(offset), 48);
  const loc = Buffer.alloc(20);
  loc.writeUInt32LE(0x07064b50, 0);
  loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
  loc.writeUInt32LE(1, 16);
  return Buffer.concat([...locals, cd, rec, loc, eocd]);
}

/**
 * A raw-deflate stream that inflates to `prefix` + `blocks` x 1 MiB of `pattern` repeated + `suffix`, built from one
 * flushed block repeated: the bomb costs ~1 KiB per MiB and the test never holds it inflated. Also returns the true
 * inflated size and CRC-32, for bombs whose headers tell the truth.
 */
export function zipBomb(blocks: number, pattern = ' ', prefix = '', suffix = ''): { compressed: Buffer; size: number; crc: number } {
  const FULL_FLUSH = 3; // byte-aligned and not final, so blocks can be concatenated
  const unitText = Buffer.from(pattern.repeat(Math.ceil((1024 * 1024) / pattern.length)).slice(0, 1024 * 1024), 'utf8');
  const head = deflateRawSync(Buffer.from(prefix, 'utf8'), { finishFlush: FULL_FLUSH });
  const unit = deflateRawSync(unitText, { finishFlush: FULL_FLUSH });
  const tail = deflateRawSync(Buffer.from(suffix, 'utf8')); // final block closes the stream
  const parts: Buffer[] = [head];
  let crc = crc32(Buffer.from(prefix, 'utf8'));
  for (let i = 0; i < blocks; i++) {
    parts.push(unit);
    crc = crc32(unitText, crc);
  }
  parts.push(tail);
  crc = crc32(Buffer.from(suffix, 'utf8'), crc);
  const size = Buffer.byteLength(prefix) + blocks * unitText.length + Buffer.byteLength(suffix);
  return { compressed: Buffer.concat(parts), size, crc: crc >>> 0 };
}

/** The compressed bytes of a bomb of `blocks` MiB of spaces. */
export function deflateBomb(blocks: number): Buffer {
  return zipBomb(blocks).compressed;
}

export interface SheetSpec {
  name: string;
  xml: string;
}

const CT =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/></Types>';
const ROOT_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A minimal, valid XLSX package with hand-written parts, so tests control every byte of the XML. */
export function buildXlsx(opts: {
  sheets: SheetSpec[];
  sharedStrings?: string[] | string;
  styles?: string;
  date1904?: boolean;
  workbookXml?: string;
  extra?: RawEntry[];
}): Buffer {
  const sheetsXml = opts.sheets.map((s, i) => `<sheet name="${xmlEscape(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
  const workbook =
    opts.workbookXml ??
    `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL_NS}">` +
      (opts.date1904 ? '<workbookPr date1904="1"/>' : '<workbookPr/>') +
      `<sheets>${sheetsXml}</sheets></workbook>`;
  const n = opts.sheets.length;
  let rels = opts.sheets
    .map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
    .join('');
  const entries: RawEntry[] = [
    { name: '[Content_Types].xml', data: CT },
    { name: '_rels/.rels', data: ROOT_RELS },
    { name: 'xl/workbook.xml', data: workbook },
  ];
  if (opts.sharedStrings !== undefined) {
    rels += `<Relationship Id="rId${n + 1}" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>`;
    const sst =
      typeof opts.sharedStrings === 'string'
        ? opts.sharedStrings
        : `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${opts.sharedStrings.length}">` +
          opts.sharedStrings.map((s) => `<si><t xml:space="preserve">${xmlEscape(s)}</t></si>`).join('') +
          '</sst>';
    entries.push({ name: 'xl/sharedStrings.xml', data: sst });
  }
  if (opts.styles !== undefined) {
    rels += `<Relationship Id="rId${n + 2}" Type="${REL_NS}/styles" Target="styles.xml"/>`;
    entries.push({ name: 'xl/styles.xml', data: opts.styles });
  }
  entries.push({
    name: 'xl/_rels/workbook.xml.rels',
    data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`,
  });
  opts.sheets.forEach((s, i) => entries.push({ name: `xl/worksheets/sheet${i + 1}.xml`, data: s.xml }));
  return buildZip([...entries, ...(opts.extra ?? [])]);
}

/** Wraps <row> elements in a worksheet document. */
export function sheetXml(rowsXml: string, prefix = ''): string {
  const p = prefix ? `${prefix}:` : '';
  const ns = prefix ? `xmlns:${prefix}` : 'xmlns';
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><${p}worksheet ${ns}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><${p}sheetData>${rowsXml}</${p}sheetData></${p}worksheet>`;
}
