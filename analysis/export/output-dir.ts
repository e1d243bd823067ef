// The folder an export is written into, made if missing. One level at a time from the nearest folder that
// exists: Node 20's recursive mkdir never returns for a path under /proc (it loops on ENOENT), which would hang
// the engine on a mistyped folder.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeOutputDir(dir: string): string {
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new Error(`${at} is a file, not a folder: choose a folder to write into.`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      throw new Error(`The folder ${d} cannot be made (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): choose a folder you can write into.`);
    }
  }
  return abs;
}
