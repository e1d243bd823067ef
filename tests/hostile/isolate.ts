// Test helper: runs a reader on a file in a worker thread with a wall-clock bound, a heap bound, and sampling of
// the process's resident memory while it runs. A hang becomes a failed assertion instead of a stuck suite.
import { Worker } from 'node:worker_threads';
import type { IngestLimits } from '../../analysis/ingest/limits';
import type { WorkerInput, WorkerOutput } from './parse-worker';

export interface IsolatedResult extends WorkerOutput {
  elapsedMs: number;
  peakRss: number;
}

export const TWO_GIB = 2 * 1024 ** 3;

export function runIsolated(path: string, reader: WorkerInput['reader'], limits: IngestLimits, timeoutMs = 30_000): Promise<IsolatedResult> {
  const url = new URL('./parse-worker.ts', import.meta.url).href;
  // Workers do not inherit tsx's loader hooks in Node 20: register them before importing the TypeScript worker.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
  const started = Date.now();
  let peakRss = process.memoryUsage.rss();
  const worker = new Worker(boot, {
    eval: true,
    workerData: { path, reader, limits } satisfies WorkerInput,
    resourceLimits: { maxOldGenerationSizeMb: 1536 },
  });
  return new Promise((resolve, reject) => {
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 20);
    const timer = setTimeout(() => {
      void worker.terminate();
      finish(() => reject(new Error(`${reader} did not finish within ${timeoutMs} ms on ${path}`)));
    }, timeoutMs);
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearInterval(sampler);
      clearTimeout(timer);
      fn();
    };
    worker.once('message', (m: WorkerOutput) => {
      peakRss = Math.max(peakRss, m.rss);
      finish(() => resolve({ ...m, elapsedMs: Date.now() - started, peakRss }));
      void worker.terminate();
    });
    worker.once('error', (e) => finish(() => reject(e)));
    worker.once('exit', (code) => finish(() => reject(new Error(`worker exited with code ${code} before answering (${path})`))));
  });
}
