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
