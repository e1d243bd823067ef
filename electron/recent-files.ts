// The File ▸ Open Recent list, kept by the main process in <userData>/recent.json (zod-validated).
// The engine keeps its own richer list (engagement.recent) for the start screen; this one only feeds
// the native menu and the OS recent-documents list.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { z } from 'zod';

export const MAX_RECENT = 10;
export const RecentEntrySchema = z.object({ path: z.string().min(1).max(4096), kind: z.enum(['engagement', 'evidence-pack']), opened_at: z.string() });
export type RecentEntry = z.infer<typeof RecentEntrySchema>;
const RecentFileSchema = z.object({ version: z.literal(1), entries: z.array(RecentEntrySchema).max(100) });

/** Most recent first, one entry per path, at most MAX_RECENT. */
export function addRecent(list: readonly RecentEntry[], entry: RecentEntry): RecentEntry[] {
  return [entry, ...list.filter((e) => e.path !== entry.path)].slice(0, MAX_RECENT);
}

export function recentLabel(e: RecentEntry): string {
  return e.kind === 'evidence-pack' ? `${basename(e.path)} (evidence pack)` : basename(e.path);
}

export async function loadRecent(file: string): Promise<RecentEntry[]> {
  try {
    const r = RecentFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return r.success ? r.data.entries.slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

export async function saveRecent(file: string, entries: readonly RecentEntry[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ version: 1, entries }, null, 2), 'utf8');
  await rename(tmp, file);
}
