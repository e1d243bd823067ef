// Window size, position and maximised state, remembered in <userData>/window-state.json.
// The file is validated with zod on read (a hand-edited or corrupt file falls back to defaults, it
// never crashes the app) and the saved position is only reused if it is still on a connected display.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

export const MIN_WIDTH = 900;
export const MIN_HEIGHT = 600;
const MAX_SIDE = 32_000;

export const WindowStateSchema = z.object({
  x: z.number().int().min(-MAX_SIDE).max(MAX_SIDE).optional(),
  y: z.number().int().min(-MAX_SIDE).max(MAX_SIDE).optional(),
  width: z.number().int().min(MIN_WIDTH).max(MAX_SIDE),
  height: z.number().int().min(MIN_HEIGHT).max(MAX_SIDE),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export interface Rect { x: number; y: number; width: number; height: number }

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };

/** Parses stored JSON; anything invalid gives the defaults plus a note saying why (for the log). */
export function parseWindowState(raw: unknown): { state: WindowState; problem: string | null } {
  const r = WindowStateSchema.safeParse(raw);
  if (r.success) return { state: r.data, problem: null };
  const issue = r.error.issues[0];
  return { state: { ...DEFAULT_WINDOW_STATE }, problem: `ignored saved window state (${issue ? `${issue.path.join('.') || 'file'}: ${issue.message}` : 'invalid'}), using defaults` };
}

/**
 * Makes a saved state safe for the current displays: sizes shrink to the largest work area, and the
 * position is dropped (window centred) unless a 100x50 px strip of its top edge is on some display,
 * so a window never reopens off-screen after a monitor was unplugged.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const maxW = Math.max(...workAreas.map((a) => a.width));
  const maxH = Math.max(...workAreas.map((a) => a.height));
  const width = Math.max(Math.min(state.width, maxW), Math.min(MIN_WIDTH, maxW));
  const height = Math.max(Math.min(state.height, maxH), Math.min(MIN_HEIGHT, maxH));
  const out: WindowState = { width, height, maximized: state.maximized };
  if (state.x !== undefined && state.y !== undefined) {
    const titleStrip: Rect = { x: state.x, y: state.y, width, height: 50 };
    if (workAreas.some((a) => overlap(titleStrip, a).width >= Math.min(100, width) && overlap(titleStrip, a).height >= 20)) {
      out.x = state.x;
      out.y = state.y;
    }
  }
  return out;
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, w), height: Math.max(0, h) };
}

/** Offsets a new window from an existing one at the same spot, so windows cascade instead of stacking. */
export function cascade(state: WindowState, occupied: readonly Rect[], step = 28): WindowState {
  if (state.x === undefined || state.y === undefined) return state;
  let { x, y } = state;
  for (let i = 0; i < 20 && occupied.some((r) => r.x === x && r.y === y); i++) {
    x += step;
    y += step;
  }
  return { ...state, x, y };
}

/** What to persist from a window's bounds: the normal (un-maximised) bounds plus the flag. */
export function stateFromBounds(normalBounds: Rect, maximized: boolean): WindowState {
  return parseWindowState({
    x: Math.round(normalBounds.x),
    y: Math.round(normalBounds.y),
    width: Math.max(MIN_WIDTH, Math.round(normalBounds.width)),
    height: Math.max(MIN_HEIGHT, Math.round(normalBounds.height)),
    maximized,
  }).state;
}

export async function loadWindowState(file: string): Promise<{ state: WindowState; problem: string | null }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { state: { ...DEFAULT_WINDOW_STATE }, problem: null }; // first launch: no file yet
  }
  try {
    return parseWindowState(JSON.parse(text));
  } catch {
    return { state: { ...DEFAULT_WINDOW_STATE }, problem: `${file} is not valid JSON, using default window size` };
  }
}

/** Write-then-rename so a crash mid-write never leaves a half file. */
export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  const valid = WindowStateSchema.parse(state);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(valid, null, 2), 'utf8');
  await rename(tmp, file);
}
