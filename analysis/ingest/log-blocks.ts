// A text log read in blocks of whole lines, decoded as it streams: a FlexNet debug log of a busy server runs
// to gigabytes, more than one JavaScript string can hold (about 512 M characters) and far more than memory
// should. Memory holds one block and the part line after it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CancelledError } from './loader';
import type { TextEncoding } from './text-reader';
import { RefusalError } from './types';

/** Bytes read at a time; a block is the whole lines decoded from them. */
const BLOCK_BYTES = 8 * 1024 * 1024;

export interface LogBlockOptions {
  encoding: TextEncoding;
  /** A line longer than this (characters) refuses the file: it is no log a licence server writes. */
  maxLineChars: number;
  signal?: AbortSignal;
  /** Bytes read so far of the file's size, after each block. */
  onBytes?: (done: number, size: number) => void;
  /** Bytes per read (tests use small ones to cut lines and characters at every place). */
  blockBytes?: number;
}

/**
 * Where a block of whole lines ends in `text`: after its last LF, or after its last CR when it has no LF
 * (a CR at the very end may be the first half of a CRLF, so it waits for the next read). 0: no whole line.
 */
export function wholeLinesEnd(text: string): number {
  const lf = text.lastIndexOf('\n');
  if (lf !== -1) return lf + 1;
  const cr = text.length > 1 ? text.lastIndexOf('\r', text.length - 2) : -1;
  return cr === -1 ? 0 : cr + 1;
}

/** Line breaks in a block as /\r\n|\r|\n/ counts them. */
function lineBreaks(text: string): number {
  let n = 0;
  for (let p = text.indexOf('\n'); p !== -1; p = text.indexOf('\n', p + 1)) n++;
  for (let p = text.indexOf('\r'); p !== -1; p = text.indexOf('\r', p + 1)) if (text.charCodeAt(p + 1) !== 10) n++;
  return n;
}

/** The file's text in blocks that each end at a line break (the last block: at the end of the file). */
export async function* logBlocks(path: string, opts: LogBlockOptions): AsyncGenerator<string> {
  const size = (await stat(path)).size;
  const decoder = new TextDecoder(opts.encoding);
  const stream = createReadStream(path, { highWaterMark: opts.blockBytes ?? BLOCK_BYTES });
  let pending = '';
  let done = 0;
  let linesBefore = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw new CancelledError();
      done += chunk.length;
      pending += decoder.decode(chunk, { stream: true });
      const cut = wholeLinesEnd(pending);
      if (cut > 0) {
        const block = pending.slice(0, cut);
        pending = pending.slice(cut);
        linesBefore += lineBreaks(block);
        yield block;
      }
      if (pending.length > opts.maxLineChars) {
        throw new RefusalError(
          `Line ${(linesBefore + 1).toLocaleString('en-US')} is longer than ${opts.maxLineChars.toLocaleString('en-US')} characters, which no licence server writes. Check the file is the server's debug log, not a binary or merged file.`,
        );
      }
      opts.onBytes?.(done, size);
    }
    pending += decoder.decode();
    if (pending !== '') yield pending;
  } finally {
    stream.destroy();
  }
}
