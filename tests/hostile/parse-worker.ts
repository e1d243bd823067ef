// Runs one reader on one file inside a worker thread, so the hostile suite can bound time (terminate) and memory
// (resourceLimits) and check the prototype of the realm that did the parsing.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { readXlsx } from '../../analysis/ingest/xlsx';
import { sniffBytes } from '../../analysis/ingest/sniff';
import { RefusalError } from '../../analysis/ingest/types';
import type { IngestLimits } from '../../analysis/ingest/limits';

export interface WorkerInput {
  path: string;
  reader: 'xlsx' | 'sniff';
  limits: IngestLimits;
}

export interface WorkerOutput {
  outcome: 'ok' | 'refused' | 'crashed';
  reason?: string;
  sniff?: { type: string; reason?: string };
  sheets?: Array<{ name: string; rows: Array<{ line: number; cells: string[] }> }>;
  polluted: boolean;
  prototypeNames: string[];
  rss: number;
  heapUsed: number;
}

const input = workerData as WorkerInput;
const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
let out: Omit<WorkerOutput, 'polluted' | 'prototypeNames' | 'rss' | 'heapUsed'>;
try {
  const bytes = readFileSync(input.path);
  if (input.reader === 'sniff') {
    out = { outcome: 'ok', sniff: sniffBytes(bytes.subarray(0, 64 * 1024), bytes.length) };
  } else {
    const sheets = readXlsx(bytes, input.limits);
    // Only small results travel back whole; big ones as a row count.
    const cells = sheets.reduce((n, s) => n + s.rows.length, 0);
    out = { outcome: 'ok', sheets: cells <= 10_000 ? sheets : sheets.map((s) => ({ name: s.name, rows: [] })) };
  }
} catch (err) {
  out = err instanceof RefusalError ? { outcome: 'refused', reason: err.reason } : { outcome: 'crashed', reason: String((err as Error)?.stack ?? err) };
}
const mem = process.memoryUsage();
const probe: Record<string, unknown> = {};
parentPort!.postMessage({
  ...out,
  polluted: probe.polluted !== undefined || Object.getOwnPropertyNames(Object.prototype).sort().join(',') !== protoBefore,
  prototypeNames: Object.getOwnPropertyNames(Object.prototype),
  rss: mem.rss,
  heapUsed: mem.heapUsed,
} satisfies WorkerOutput);
