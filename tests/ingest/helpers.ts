// Shared helpers for the ingest tests: a fresh engagement database and temp files per test.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';
import { defaultSettings, type Settings } from '../../analysis/settings';

export function tempDir(prefix = 'lrtw-ingest-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function freshDb(dir = tempDir()): Promise<EngagementDb> {
  return EngagementDb.open(join(dir, 'engagement.lrtw'));
}

export function write(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

export function settings(over: Partial<Settings> = {}): Settings {
  return { ...defaultSettings(), ...over };
}

export const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url).pathname;

/**
 * Runs `fn` once with DuckDB's own CSV reader allowed (native) and once with the JS reader only, each on a fresh
 * engagement in a fresh folder: the two readers must load the same rows, rejects and notes.
 */
export async function eachReader(fn: (native: boolean, db: EngagementDb, dir: string) => Promise<void>): Promise<void> {
  for (const native of [true, false]) {
    const dir = tempDir();
    const db = await freshDb(dir);
    try {
      await fn(native, db, dir);
    } finally {
      db.close();
    }
  }
}
