// Byte-level facts gathered during the one streaming pass over a text file (with the SHA-256), which decide
// whether DuckDB may read the file itself (native-csv.ts). Only plain files qualify: no quote character,
// no NUL, no lone CR, no blank line. In such a file every physical line is one record, so DuckDB's reader
// and the JS reader (text-reader.ts) see the same records on the same line numbers.
import { isAscii } from 'node:buffer';

const LF = 10;
const CR = 13;
const QUOTE = 0x22;

export interface NativeScanResult {
  /** Why the file must go through the JS reader, or null when it is plain. */
  blocker: string | null;
  /** Physical lines (a last line without a newline counts). */
  lines: number;
  /** Every byte is ASCII: no whitespace beyond ASCII's can edge a cell. */
  ascii: boolean;
  /** Whether a tab, or a vertical tab or form feed, occurs anywhere (JS trim() removes them). */
  tab: boolean;
  vtff: boolean;
  /**
   * The bytes found right beside a space, among those that can edge a cell: the candidate delimiters
   * , ; | TAB, CR and LF, and -1 for the file's first or last byte. A file whose delimiter is not among
   * them, nor CR, LF or -1, has no cell that starts or ends with a space: nothing needs trimming.
   */
  spaceBeside: number[];
}

const SPACE = 0x20;
/** Bytes that can sit at a cell's edge, next to a space there. */
const EDGE_BYTES = [0x2c, 0x3b, 0x7c, 9, CR, LF];
/** The same, as flags by byte value + 1 (index 0: the file's edge). */
const IS_EDGE = new Uint8Array(257);
IS_EDGE[0] = 1;
for (const b of EDGE_BYTES) IS_EDGE[b + 1] = 1;

export class NativeScanner {
  private blocker: string | null = null;
  private lf = 0;
  private cr = 0;
  private size = 0;
  private ascii = true;
  private tab = false;
  private vtff = false;
  /** The last two bytes seen, to catch a blank line or CRLF split across chunks. */
  private tail: number[] = [];
  /** Flags by byte value + 1 (0 for the file's edge) of the bytes seen beside a space; see spaceBeside. */
  private beside = new Uint8Array(257);
  private edgesLeft = EDGE_BYTES.length + 1;
  /** The previous chunk ended with a space, whose right neighbour is this chunk's first byte. */
  private spaceAtEnd = false;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    if (this.blocker !== null) return;
    if (this.tail.length) {
      // Patterns straddling the boundary: previous tail + first two bytes of this chunk.
      const joint = Buffer.from([...this.tail, ...chunk.subarray(0, 2)]);
      this.checkBlank(joint);
      for (let k = 0; k < this.tail.length; k++) if (joint[k] === CR && k + 1 < joint.length && joint[k + 1] !== LF && k + 1 >= this.tail.length) this.blocker = 'a line ends in a lone CR';
    }
    // Which trimming SQL needs (native-csv.ts): single-byte searches, stopped once found.
    if (this.ascii && !isAscii(chunk)) this.ascii = false;
    if (!this.tab && chunk.indexOf(9) >= 0) this.tab = true;
    if (!this.vtff && (chunk.indexOf(11) >= 0 || chunk.indexOf(12) >= 0)) this.vtff = true;
    if (chunk.indexOf(QUOTE) >= 0) this.blocker = 'has quoted fields';
    else if (chunk.indexOf(0) >= 0) this.blocker = 'has NUL bytes';
    else this.checkBlank(chunk);
    if (this.blocker !== null) return;
    this.scanSpaces(chunk);
    for (let p = chunk.indexOf(LF); p >= 0; p = chunk.indexOf(LF, p + 1)) this.lf++;
    for (let p = chunk.indexOf(CR); p >= 0; p = chunk.indexOf(CR, p + 1)) {
      this.cr++;
      // A CR at the very end is checked with the next chunk's first byte (above) or at the end.
      if (p + 1 < chunk.length && chunk[p + 1] !== LF) {
        this.blocker = 'a line ends in a lone CR';
        return;
      }
    }
    this.tail = chunk.length >= 2 ? [chunk[chunk.length - 2]!, chunk[chunk.length - 1]!] : [...this.tail, chunk[0]!].slice(-2);
  }

  /** Records the bytes beside each space, until every edge byte has been seen (then nothing is left to learn). */
  private scanSpaces(chunk: Buffer): void {
    if (this.spaceAtEnd) this.mark(chunk[0]!);
    this.spaceAtEnd = false;
    if (this.edgesLeft === 0) return;
    const first = this.size === chunk.length;
    for (let p = chunk.indexOf(SPACE); p >= 0; p = chunk.indexOf(SPACE, p + 1)) {
      if (p > 0) this.mark(chunk[p - 1]!);
      else if (first) this.mark(-1);
      else this.mark(this.tail[this.tail.length - 1]!);
      if (p + 1 < chunk.length) this.mark(chunk[p + 1]!);
      else this.spaceAtEnd = true;
      if (this.edgesLeft === 0) return;
    }
  }

  private mark(byte: number): void {
    const i = byte + 1;
    if (this.beside[i] !== 0) return;
    this.beside[i] = 1;
    if (IS_EDGE[i] === 1) this.edgesLeft--;
  }

  private checkBlank(b: Buffer): void {
    if (this.blocker === null && (b.indexOf('\n\n') >= 0 || b.indexOf('\n\r\n') >= 0)) this.blocker = 'has blank lines';
  }

  end(): NativeScanResult {
    const last = this.tail[this.tail.length - 1];
    if (this.blocker === null && last === CR) this.blocker = 'ends in a lone CR';
    const lines = this.size === 0 ? 0 : this.lf + (last === LF ? 0 : 1);
    if (this.spaceAtEnd) this.mark(-1);
    const spaceBeside = [-1, ...EDGE_BYTES].filter((b) => this.beside[b + 1] === 1);
    return { blocker: this.blocker, lines, ascii: this.ascii, tab: this.tab, vtff: this.vtff, spaceBeside };
  }
}
