// `sample --out DIR [--users N] [--months M] [--seed S]` (DATA-CONTRACT §3.1): writes the synthetic engagement.
import { resolve, basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { generateSample, SAMPLE_DEFAULTS } from './generate';

const USAGE = 'usage: sample --out <dir> [--users N] [--months M] [--seed S]';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Parses the arguments (with or without the leading `sample`), writes the sample, prints what it wrote. Returns the exit code. */
export async function runSampleCommand(argv: string[], io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const args = argv[0] === 'sample' ? argv.slice(1) : argv;
  let out: string | null = null;
  const opts: { users: number; months: number; seed: number } = { users: SAMPLE_DEFAULTS.users, months: SAMPLE_DEFAULTS.months, seed: SAMPLE_DEFAULTS.seed };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = inline ?? args[i + 1];
    if (!['--out', '--users', '--months', '--seed'].includes(flag)) {
      io.err(`sample: unknown argument "${a}". ${USAGE}`);
      return 2;
    }
    if (value === undefined || value === '') {
      io.err(`sample: ${flag} needs a value. ${USAGE}`);
      return 2;
    }
    if (inline === undefined) i++;
    if (flag === '--out') {
      out = value;
      continue;
    }
    if (!/^-?\d+$/.test(value)) {
      io.err(`sample: ${flag} must be a whole number, got "${value}". ${USAGE}`);
      return 2;
    }
    opts[flag.slice(2) as 'users' | 'months' | 'seed'] = Number(value);
  }
  if (!out) {
    io.err(`sample: --out is required. ${USAGE}`);
    return 2;
  }
  const dir = resolve(out);
  try {
    const started = process.hrtime.bigint();
    const r = await generateSample(dir, opts);
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    io.out(`Wrote a synthetic engagement for Contoso Engineering to ${dir} (${opts.users} users, ${opts.months} months, seed ${opts.seed}) in ${secs.toFixed(1)} s:`);
    for (const f of r.files) io.out(`  ${basename(f).padEnd(48)} ${((await stat(f)).size / 1024).toFixed(0).padStart(10)} KiB`);
    io.out(`${r.sessions} product sessions. Review it with: review --input ${dir} --out <dir>`);
    return 0;
  } catch (e) {
    io.err(`sample: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
