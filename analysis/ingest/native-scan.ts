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
}

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

  private checkBlank(b: Buffer): void {
    if (this.blocker === null && (b.indexOf('\n\n') >= 0 || b.indexOf('\n\r\n') >= 0)) this.blocker = 'has blank lines';
  }

  end(): NativeScanResult {
    const last = this.tail[this.tail.length - 1];
    if (this.blocker === null && last === CR) this.blocker = 'ends in a lone CR';
    const lines = this.size === 0 ? 0 : this.lf + (last === LF ? 0 : 1);
    return { blocker: this.blocker, lines, ascii: this.ascii, tab: this.tab, vtff: this.vtff };
  }
}
