// One open engagement: its database, folder and settings. Settings live inside the engagement file
// (table `settings`), validated with zod on the way in and out.
import { dirname, resolve } from 'node:path';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { EngagementDb } from './db/engine';
import { parseSettings, defaultSettings, type Settings } from './settings';

export class Engagement {
  private constructor(
    readonly db: EngagementDb,
    readonly path: string,
    readonly readOnly: boolean,
    private current: Settings,
  ) {}

  get folder(): string {
    return dirname(this.path);
  }

  get settings(): Settings {
    return this.current;
  }

  /** Creates a new engagement file; fails if one exists already at that path. */
  static async create(path: string, settings: Settings, opts: { allowedDirectories?: string[] } = {}): Promise<Engagement> {
    const abs = resolve(path);
    if (existsSync(abs)) throw new Error(`${abs} exists already. Open it instead, or choose another file name.`);
    const db = await EngagementDb.open(abs, { allowedDirectories: opts.allowedDirectories });
    const e = new Engagement(db, abs, false, settings);
    await e.saveSettings(settings);
    await db.audit('engagement.create', { client: settings.client });
    return e;
  }

  static async open(path: string, opts: { readOnly?: boolean; allowedDirectories?: string[] } = {}): Promise<Engagement> {
    const abs = resolve(path);
    if (!existsSync(abs)) throw new Error(`${abs} does not exist. Check the path, or create a new engagement.`);
    assertEngagementFile(abs);
    const db = await EngagementDb.open(abs, { readOnly: opts.readOnly, allowedDirectories: opts.allowedDirectories });
    const row = await db.one<{ json: string }>('SELECT json FROM settings WHERE id = 1');
    const settings = row ? parseSettings(JSON.parse(row.json), `${abs} (settings)`) : defaultSettings();
    return new Engagement(db, abs, opts.readOnly ?? false, settings);
  }

  async saveSettings(s: Settings): Promise<void> {
    if (this.readOnly) throw new Error('This engagement is open read-only; settings cannot change.');
    const valid = parseSettings(s, 'settings');
    await this.db.run('INSERT OR REPLACE INTO settings (id, json, updated_at) VALUES (1, $1, current_timestamp)', [JSON.stringify(valid)]);
    await this.db.audit('settings.update', {});
    this.current = valid;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * An engagement is a DuckDB database file (its header says DUCK at byte 8). Anything else (a folder, an
 * engagement.json, an export) is refused before DuckDB sees it: its own error ("Catalog Error: ...") says
 * nothing useful, and an empty file would be taken for a new database and written to.
 */
function assertEngagementFile(abs: string): void {
  if (statSync(abs).isDirectory()) throw new Error(`${abs} is a folder, not an engagement file (.lrtw): choose the .lrtw file inside it.`);
  const head = Buffer.alloc(12);
  const fd = openSync(abs, 'r');
  let n = 0;
  try {
    n = readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 12 || head.toString('latin1', 8, 12) !== 'DUCK') {
    throw new Error(`${abs} is not an engagement file (.lrtw): choose the engagement file LRT Workbench wrote (it holds the client's data, findings and decisions).`);
  }
}
