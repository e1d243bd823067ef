// What a path given to the app (command line, second launch, macOS open-file, a dialog) is: an
// engagement file (*.lrtw) or an evidence pack (a BagIt folder, or its bagit.txt). Pure apart from
// the injected `isDirectory`/`exists`, so unit tested.
import { basename, dirname, join, resolve } from 'node:path';

export type OpenTarget = { kind: 'engagement' | 'evidence-pack'; path: string };

export const ENGAGEMENT_EXTENSION = '.lrtw';

export interface FsProbe {
  isDirectory(p: string): boolean;
  exists(p: string): boolean;
}

export function classifyOpenTarget(rawPath: string, fs: FsProbe, cwd = process.cwd()): OpenTarget | null {
  if (!rawPath || rawPath.startsWith('-')) return null;
  const p = resolve(cwd, rawPath);
  if (p.toLowerCase().endsWith(ENGAGEMENT_EXTENSION) && fs.exists(p) && !fs.isDirectory(p)) return { kind: 'engagement', path: p };
  if (basename(p).toLowerCase() === 'bagit.txt' && fs.exists(p)) return { kind: 'evidence-pack', path: dirname(p) };
  if (fs.isDirectory(p) && fs.exists(join(p, 'bagit.txt'))) return { kind: 'evidence-pack', path: p };
  return null;
}

/**
 * The file arguments of a launch. argv is [exe, ...] when packaged and [electron, appDir, ...] in
 * development; Chromium switches (--foo) and anything that is not an engagement or pack are ignored.
 */
export function openTargetsFromArgv(argv: readonly string[], opts: { packaged: boolean; cwd: string }, fs: FsProbe): OpenTarget[] {
  const args = argv.slice(opts.packaged ? 1 : 2);
  const out: OpenTarget[] = [];
  for (const a of args) {
    const t = classifyOpenTarget(a, fs, opts.cwd);
    if (t && !out.some((o) => o.path === t.path)) out.push(t);
  }
  return out;
}
