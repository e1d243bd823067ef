// The command line (DATA-CONTRACT §3.1): `npm run cli -- <review|sample|verify> ...`.
// The same engine the desktop app hosts; one line of progress per file on a terminal.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Engagement } from './engagement';
import { defaultSettings, isCalendarDate, type Settings } from './settings';
import { readSettingsFile, readSettingsPatch, SettingsFileError } from './settings-file';
import { runVerifyCommand } from './export/verify';
import { runFullReview, type ReviewPhase } from './review-run';
import { runSampleCommand } from './sample/cli-sample';
import { generateSample } from './sample/generate';
import { TOOL_VERSION } from './version';
import type { ProgressEvent } from './api/contract';

const USAGE = `LRT Workbench ${TOOL_VERSION}
Usage:
  npm run cli -- review [--input DIR] --out DIR [--config engagement.json] [--as-of YYYY-MM-DD] [--strict] [--parquet]
      Imports every file in DIR, runs every rule, writes engagement.lrtw, summary.json, findings.csv,
      the workbook and the evidence pack to --out. Without --input it reviews the bundled sample estate.
  npm run cli -- sample --out DIR [--users N] [--months M] [--seed S]
      Writes a realistic synthetic engagement (every input kind plus engagement.json).
  npm run cli -- verify PACK [--fingerprint SHA256:…]
      Checks every hash and the signature of an evidence pack; exit 0 and "verified", or names the first file that fails.
      --fingerprint: the signing key's fingerprint the consultant gave you; a pack signed by another key fails.`;

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
      else flags.set(a.slice(2), true);
    } else positional.push(a);
  }
  return { positional, flags };
}

function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

class UsageError extends Error {}

function loadSettings(inputDir: string, configPath: string | undefined, asOf: string | undefined): Settings {
  const path = configPath ? resolve(configPath) : join(inputDir, 'engagement.json');
  let settings = defaultSettings();
  if (existsSync(path)) {
    try {
      settings = readSettingsFile(path);
    } catch (e) {
      throw e instanceof SettingsFileError ? new UsageError(e.message) : e;
    }
    // Said, with what it sets: a settings file in the client's folder changes domains, prices and thresholds.
    console.log(`Settings from ${path}: ${settingsKeys(path)}.`);
  } else if (configPath) {
    throw new UsageError(`${path} does not exist. Check the --config path.`);
  }
  if (asOf) {
    if (!isCalendarDate(asOf)) throw new UsageError(`--as-of ${asOf}: expected a calendar date as YYYY-MM-DD (for example 2026-09-30).`);
    settings = { ...settings, as_of: asOf };
  }
  return settings;
}

/** The top-level keys a settings file sets (as the app applies them: readSettingsPatch), for the run's log. */
function settingsKeys(path: string): string {
  const keys = Object.keys(readSettingsPatch(path));
  return keys.length ? `sets ${keys.join(', ')}` : 'sets nothing (defaults)';
}

/** One line per file: its counts when it is done; on a terminal also a live line while it loads. */
function fileProgressPrinter(out: NodeJS.WriteStream) {
  let lastDraw = 0;
  return (e: ProgressEvent) => {
    if (e.phase === 'file-done') {
      out.write(`${out.isTTY ? '\r\x1b[K' : ''}  ${e.file}: ${e.message}\n`);
      return;
    }
    if (!out.isTTY || !e.file || e.finished) return;
    const now = Date.now();
    if (now - lastDraw < 100) return;
    lastDraw = now;
    const rate = e.rows_per_second ? `  ${Math.round(e.rows_per_second).toLocaleString('en-US')} rows/s` : '';
    out.write(`\r\x1b[K  ${e.message}${rate}`);
  };
}

export async function runReviewCommand(args: ParsedArgs): Promise<number> {
  const outDir = flag(args, 'out');
  if (!outDir) throw new UsageError('review needs --out DIR.');
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  let inputDir = flag(args, 'input');
  if (!inputDir) {
    inputDir = join(out, 'sample-input');
    console.log(`No --input given: reviewing the bundled sample estate (written to ${inputDir}).`);
    if (!existsSync(join(inputDir, 'engagement.json'))) await generateSample(inputDir, {});
  }
  const input = resolve(inputDir);
  if (!existsSync(input) || !statSync(input).isDirectory()) throw new UsageError(`--input ${input} is not a folder. Point it at the folder holding the client's exports.`);
  const settings = loadSettings(input, flag(args, 'config'), flag(args, 'as-of'));

  const dbPath = join(out, 'engagement.lrtw');
  for (const p of [dbPath, `${dbPath}.wal`]) if (existsSync(p)) rmSync(p);
  const started = Date.now();
  const eng = await Engagement.create(dbPath, settings, { allowedDirectories: [out, input] });
  try {
    const announce: Partial<Record<ReviewPhase, string>> = {
      import: `Importing ${input}`,
      'rules (review)': 'Running the review',
      workbook: 'Writing the workbook',
      'evidence pack': 'Writing the evidence pack',
    };
    const run = await runFullReview(eng, settings, input, out, {
      onProgress: fileProgressPrinter(process.stdout),
      parquet: args.flags.has('parquet'),
      onImported: (r) => {
        for (const f of r.refused) console.log(`  refused ${f.file}: ${f.reason}`);
      },
      phase: (name, fn) => {
        if (announce[name]) console.log(announce[name]);
        return fn();
      },
    });
    const { imported } = run;
    if (!run.loaded) {
      console.error(`review: nothing usable was loaded from ${input} (${imported.sources.length} files read, ${imported.refused.length} refused); the reasons are in ${join(out, 'summary.json')}.`);
      return 2;
    }
    if (run.parquet) console.log(`Parquet tables: ${run.parquet}`);
    const { summary } = run;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const total = summary.savings_annual.total ?? 0;
    console.log(
      `Done in ${secs} s: ${Object.values(summary.findings).reduce((a, b) => a + b, 0)} findings, ` +
        `${summary.currency} ${Math.round(total).toLocaleString('en-US')} annual savings, ${summary.gap_units} gap units; ` +
        `audit exposure up to ${summary.currency} ${Math.round(summary.scenarios.audit_no_cooperation_high).toLocaleString('en-US')}.`,
    );
    console.log(`Outputs in ${out}: engagement.lrtw, summary.json, findings.csv, ${basename(run.workbook)}, ${basename(run.pack)}/`);
    for (const w of summary.warnings) console.log(`Warning: ${w}`);
    if (args.flags.has('strict') && imported.refused.length > 0) {
      console.error(`review --strict: ${imported.refused.length} file(s) refused, first: ${imported.refused[0]!.file}: ${imported.refused[0]!.reason}`);
      return 3;
    }
    return 0;
  } finally {
    eng.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'review':
        return await runReviewCommand(parseArgs(rest));
      case 'sample':
        return await runSampleCommand(rest);
      case 'verify':
        return await runVerifyCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command ? 0 : 1;
      default:
        console.error(`Unknown command "${command}".\n${USAGE}`);
        return 1;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${command}: ${e.message}`);
      return 1;
    }
    console.error(`${command}: ${(e as Error).message}`);
    return 2;
  }
}

const isEntry = process.argv[1] && /cli\.(ts|js|mjs|cjs)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
