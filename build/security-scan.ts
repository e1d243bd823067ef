// `npm run security-scan`: Electronegativity over what ships — the Electron sources (electron/*.ts,
// the code that becomes dist/electron/*.cjs), the renderer's built index.html (its CSP) and
// package.json. Prints every finding; exits non-zero on any finding above LOW that is not excused
// by build/security-allowlist.ts (whose justifications are re-verified here).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../electron/security';
import { ROOT } from './electron-bundles';
import { ALLOWLIST } from './security-allowlist';

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { value: number; name: string };
  confidence: { value: number; name: string };
  description: string;
  manualReview: boolean;
  sample?: string;
}
interface RunResult { issues: Issue[]; errors: Array<{ file: string; message: string; tolerable: boolean }>; globalChecks: number; atomicChecks: number }
type Run = (options: Record<string, unknown>, forCli: boolean) => Promise<RunResult>;

const LOW = 1; // electronegativity severities: INFORMATIONAL 0, LOW 1, MEDIUM 2, HIGH 3
/** Checks that need the network (release feeds) or do not apply; each with its reason. */
const EXCLUDED_CHECKS: Record<string, string> = {
  availablesecurityfixesglobalcheck: 'downloads the Electron release list from the network; the Electron version is pinned in package.json and reviewed on upgrade',
};

export async function scan(): Promise<{ blocking: Issue[]; allowed: Array<{ issue: Issue; why: string }>; notes: string[] }> {
  const notes: string[] = [];
  const stage = mkdtempSync(join(tmpdir(), 'lrtw-security-scan-'));
  try {
    cpSync(join(ROOT, 'electron'), join(stage, 'electron'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(stage, 'package.json'));
    // The CSP header every app:// response carries, shown to the scanner's CSP evaluator as a meta tag.
    mkdirSync(join(stage, 'renderer'));
    writeFileSync(join(stage, 'renderer/app-protocol-csp.html'), `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}"></head><body></body></html>`);
    const html = join(ROOT, 'dist/renderer/index.html');
    if (existsSync(html)) {
      cpSync(html, join(stage, 'renderer/index.html'));
    } else {
      notes.push('dist/renderer/index.html is not built (npm run build): its own meta CSP was not scanned (the app:// response CSP was).');
    }
    const require = createRequire(import.meta.url);
    const run = require('@doyensec/electronegativity') as Run;
    const electronVersion = (require('electron/package.json') as { version: string }).version;
    const r = await run({ input: stage, isRelative: true, electronVersionOverride: electronVersion, excludeFromScan: Object.keys(EXCLUDED_CHECKS), parserPlugins: [], customScan: [] }, false);
    for (const e of r.errors) notes.push(`${e.tolerable ? 'warning' : 'ERROR'} parsing ${e.file}: ${e.message}`);
    if (r.errors.some((e) => !e.tolerable)) throw new Error(`Electronegativity could not parse: ${r.errors.filter((e) => !e.tolerable).map((e) => e.file).join(', ')}`);
    if (readdirSync(join(stage, 'electron')).length === 0) throw new Error('nothing to scan in electron/');
    notes.push(`${r.atomicChecks} atomic and ${r.globalChecks} global checks ran (Electron ${electronVersion}).`);
    const blocking: Issue[] = [];
    const allowed: Array<{ issue: Issue; why: string }> = [];
    const used = new Set<string>();
    for (const issue of r.issues) {
      const file = issue.file.replace(/\\/g, '/');
      const entry = ALLOWLIST.find((a) => a.id === issue.id && a.file === file);
      if (entry) {
        const broken = entry.verify();
        used.add(`${entry.id} ${entry.file}`);
        if (broken === null) {
          allowed.push({ issue, why: entry.why });
          continue;
        }
        notes.push(`allowlist entry ${entry.id} (${entry.file}) no longer holds: ${broken}`);
      }
      if (issue.severity.value > LOW) blocking.push(issue);
      else allowed.push({ issue, why: `severity ${issue.severity.name} (LOW or below is reported, not blocking)` });
    }
    for (const a of ALLOWLIST) if (!used.has(`${a.id} ${a.file}`)) notes.push(`allowlist entry ${a.id} (${a.file}) matched nothing; remove it if the check no longer fires`);
    return { blocking, allowed, notes };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function describe(i: Issue): string {
  return `${i.id} [${i.severity.name}/${i.confidence.name}] ${i.file}:${i.location.line}:${i.location.column} — ${i.description}${i.sample ? ` (${i.sample})` : ''}`;
}

if (process.argv[1]?.endsWith('security-scan.ts')) {
  scan()
    .then(({ blocking, allowed, notes }) => {
      for (const n of notes) console.log(`note: ${n}`);
      for (const a of allowed) console.log(`allowed: ${describe(a.issue)}\n         because ${a.why}`);
      for (const b of blocking) console.log(`FINDING: ${describe(b)}`);
      if (blocking.length > 0) {
        console.error(`security-scan: ${blocking.length} finding(s) above LOW. Fix them, or add a verified justification to build/security-allowlist.ts.`);
        process.exit(1);
      }
      console.log(`security-scan: passed (${allowed.length} finding(s) allowed or LOW, none above LOW).`);
    })
    .catch((e: unknown) => {
      console.error(`security-scan failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    });
}
