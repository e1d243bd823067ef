// `npm run bench` — a script, not a test. Measures the engine against DuckDB's own read_csv floor.
//   npm run bench -- ingest [--sessions 1000000]           ingest throughput of one session CSV vs read_csv
//   npm run bench [-- full] [--users 20000] [--months 24]   the whole review per phase vs the read_csv floor
//   npm run bench -- ui [--engagement PATH] [--rounds N]   every review step in Chromium on a reviewed engagement (tests/bench/ui-bench.ts)
//   npm run bench -- log [--users 150000] [--months 24]    one FlexNet log alone (the sample's, that large): import time and peak memory
// Last line of `full`: `bench: N sessions, review X s, floor Y s, ratio X/Y, peak Z MB`.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engagement } from '../../analysis/engagement';
import { defaultSettings, parseSettings } from '../../analysis/settings';
import { importFiles } from '../../analysis/ingest/import';
import { generateSample, planEstate } from '../../analysis/sample/generate';
import { writeFlexnetLog } from '../../analysis/sample/flexnet';
import { runFullReview } from '../../analysis/review-run';
import { readFileSync } from 'node:fs';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
sampler.unref();
function peakMb(): number {
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  return Math.round(peakRss / 1024 / 1024);
}

async function timed<T>(label: string, rows: number | null, fn: () => Promise<T>): Promise<{ value: T; secs: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const rate = rows ? `${Math.round(rows / secs).toLocaleString('en-US')} rows/s` : '';
  // CPU time (all threads, DuckDB's included) tells work apart from waiting on a busy machine.
  console.log(`${label.padEnd(28)} ${secs.toFixed(2).padStart(8)} s  ${rate.padStart(18)}  cpu ${((c.user + c.system) / 1e6).toFixed(1).padStart(6)} s  peak ${peakMb()} MB`);
  return { value, secs };
}

let floorCpu = 0;

/** DuckDB's own CSV reader into tables: the floor no import can beat. */
async function readCsvFloor(files: string[]): Promise<number> {
  const c0 = process.cpuUsage();
  const dir = join(tmpdir(), `lrtw-floor-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const inst = await DuckDBInstance.create(join(dir, 'floor.duckdb'));
  const conn = await inst.connect();
  await conn.run("SET memory_limit = '1536MB'");
  const t0 = performance.now();
  let i = 0;
  for (const f of files) {
    await conn.run(`CREATE TABLE t${i++} AS SELECT * FROM read_csv($1, header = true, all_varchar = true)`, [f]);
  }
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  floorCpu = (c.user + c.system) / 1e6;
  conn.closeSync();
  inst.closeSync();
  rmSync(dir, { recursive: true, force: true });
  return secs;
}

async function benchIngest(): Promise<void> {
  const n = arg('sessions', 1_000_000);
  const dir = join(tmpdir(), `lrtw-bench-ingest-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sessions.csv');
  await new Promise<void>((res, rej) => {
    const out = createWriteStream(file);
    out.on('error', rej);
    out.write('session_id,user,product,version,device_name,start_time,end_time,licence_type,ip_address,network_domain\n');
    const products = ['RVT', 'ACD', 'CIV3D', 'NAVMAN', 'ACDLT', 'INVPROSA'];
    let i = 0;
    const write = () => {
      let ok = true;
      while (i < n && ok) {
        const day = 1 + (i % 28);
        const hh = 8 + (i % 9);
        const line = `s${i},user${i % 5000}@contoso.com,${products[i % products.length]},2025,PC-${i % 4000},2026-03-${String(day).padStart(2, '0')} ${hh}:00:00,2026-03-${String(day).padStart(2, '0')} ${hh}:45:00,named_user,10.1.${i % 250}.${i % 200},corp.contoso.com\n`;
        ok = out.write(line);
        i++;
      }
      if (i < n) out.once('drain', write);
      else out.end(res);
    };
    write();
  });
  console.log(`bench ingest: ${n.toLocaleString('en-US')} sessions, ${(statSync(file).size / 1e6).toFixed(0)} MB CSV`);
  // The sample's folder is allowed, as the review command allows its input: DuckDB reads the file itself.
  const eng = await Engagement.create(join(dir, 'bench.lrtw'), defaultSettings(), { allowedDirectories: [dir] });
  const imp = await timed('import (engine)', n, () => importFiles(eng.db, [{ path: file }], { settings: eng.settings }));
  eng.close();
  const floor = await readCsvFloor([file]);
  console.log(`${'read_csv (DuckDB floor)'.padEnd(28)} ${floor.toFixed(2).padStart(8)} s  ${`${Math.round(n / floor).toLocaleString('en-US')} rows/s`.padStart(18)}`);
  const loaded = imp.value.sources.reduce((a, s) => a + s.rows_loaded, 0);
  console.log(`bench ingest: ${loaded} rows loaded, engine ${imp.secs.toFixed(2)} s, floor ${floor.toFixed(2)} s, ratio ${(imp.secs / floor).toFixed(2)}, peak ${peakMb()} MB`);
  rmSync(dir, { recursive: true, force: true });
}

async function warmCache(dir: string): Promise<void> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (!statSync(p).isFile()) continue;
    for await (const _chunk of createReadStream(p, { highWaterMark: 1 << 22 })) void _chunk;
  }
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => join(dir, f))
    .sort();
}

async function benchFull(): Promise<void> {
  const users = arg('users', 20000);
  const months = arg('months', 24);
  const root = resolve(join(tmpdir(), `lrtw-bench-full-${users}-${months}`));
  const input = join(root, 'input');
  const out = join(root, 'out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // `--reuse` keeps a sample generated by an earlier run with the same size (it is deterministic).
  const marker = join(input, '.bench-sample.json');
  let sessions: number;
  if (process.argv.includes('--reuse') && existsSync(marker)) {
    sessions = (JSON.parse(readFileSync(marker, 'utf8')) as { sessions: number }).sessions;
    console.log(`reusing the sample in ${input}`);
  } else {
    rmSync(input, { recursive: true, force: true });
    const gen = await timed(`generate sample (${users} users, ${months} months)`, null, () => generateSample(input, { users, months, seed: 1 }));
    sessions = gen.value.sessions;
    writeFileSync(marker, JSON.stringify({ users, months, sessions }));
  }
  const settings = parseSettings(JSON.parse(readFileSync(join(input, 'engagement.json'), 'utf8')));
  // Both the review and the floor read the inputs from the OS file cache, whichever runs first: a cold
  // disk would otherwise be charged to the review alone.
  await timed('warm the file cache (untimed)', null, () => warmCache(input));
  const eng = await Engagement.create(join(out, 'engagement.lrtw'), settings, { allowedDirectories: [out, input] });
  const t0 = performance.now();
  // The CLI's own review (analysis/review-run.ts), each phase timed; rows/s for import and rules.
  const run = await runFullReview(eng, settings, input, out, {
    phase: async (name, fn) => (await timed(name, name === 'import' || name === 'rules (review)' ? sessions : null, fn)).value,
  });
  const review = (performance.now() - t0) / 1000;
  eng.close();
  const loaded = run.imported.sources.reduce((a, s) => a + s.rows_loaded, 0);
  // The review's own writes (engagement, evidence pack, source copies) can push the inputs out of the file
  // cache; the floor is charged a cold disk no more than the review was.
  await timed('warm the file cache again (untimed)', null, () => warmCache(input));
  const floor = await readCsvFloor(csvFiles(input));
  console.log(`${'read_csv floor (all CSVs)'.padEnd(28)} ${floor.toFixed(2).padStart(8)} s  ${''.padStart(18)}  cpu ${floorCpu.toFixed(1).padStart(6)} s`);
  console.log(`rows loaded: ${loaded.toLocaleString('en-US')}`);
  console.log(`bench: ${sessions} sessions, review ${review.toFixed(1)} s, floor ${floor.toFixed(1)} s, ratio ${(review / floor).toFixed(2)}, peak ${peakMb()} MB`);
}

/** A FlexNet log is read in blocks, never whole: memory follows its check-outs, not its size in bytes. */
async function benchLog(): Promise<void> {
  const users = arg('users', 150000);
  const months = arg('months', 24);
  const dir = resolve(join(tmpdir(), `lrtw-bench-log-${users}-${months}`));
  const log = join(dir, 'adskflex-CONTOSO-LIC01.log');
  if (!(process.argv.includes('--reuse') && existsSync(log))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await timed(`generate the log (${users} users, ${months} months)`, null, () => writeFlexnetLog(planEstate({ users, months, seed: 1 }), log));
  }
  const mb = statSync(log).size / 1024 / 1024;
  const engPath = join(dir, 'bench.lrtw');
  rmSync(engPath, { force: true });
  const eng = await Engagement.create(engPath, defaultSettings(), { allowedDirectories: [dir] });
  const imp = await timed('import (engine)', null, () => importFiles(eng.db, [{ path: log }], { settings: eng.settings }));
  eng.close();
  const s = imp.value.sources[0];
  const refused = imp.value.refused[0];
  if (!s) throw new Error(`the log was refused: ${refused?.reason ?? 'no reason given'}`);
  console.log(`bench log: ${mb.toFixed(0)} MB log, ${s.rows_loaded.toLocaleString('en-US')} rows loaded, import ${imp.secs.toFixed(1)} s, peak ${peakMb()} MB`);
}

const mode = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'full';
(mode === 'ingest' ? benchIngest() : mode === 'log' ? benchLog() : mode === 'ui' ? import('./ui-bench').then((m) => m.benchUi()) : benchFull())
  .then(() => process.exit(0))
  .catch((e: unknown) => {
    console.error(`bench: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
