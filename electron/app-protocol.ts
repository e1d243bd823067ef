// The app:// protocol that serves dist/renderer/ (instead of file://, which would give the page the
// whole disk as its origin). Paths are normalised and confined to the renderer folder: `..`, encoded
// `..`, backslashes, NUL and symlinks leading outside are refused. Pure Node, unit tested.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './channels';
import { APP_RESPONSE_HEADERS } from './security';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export type ResolvedRequest = { ok: true; filePath: string; mimeType: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/** Maps app://workbench/<path> to a file inside rootDir, or says why not. No I/O. */
export function resolveAppRequest(rootDir: string, requestUrl: string): ResolvedRequest {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400, reason: 'unparseable URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { ok: false, status: 403, reason: `not ${APP_SCHEME}://${APP_HOST}` };
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (path.includes('\0') || path.includes('\\')) return { ok: false, status: 403, reason: 'NUL or backslash in path' };
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { ok: false, status: 403, reason: 'path escapes the app folder' };
  if (segments.some((s) => /^[a-zA-Z]:$/.test(s))) return { ok: false, status: 403, reason: 'drive letter in path' };
  if (segments.length === 0) segments.push('index.html');
  const root = resolve(rootDir);
  const filePath = resolve(root, ...segments);
  if (!isInside(root, filePath)) return { ok: false, status: 403, reason: 'path escapes the app folder' };
  return { ok: true, filePath, mimeType: MIME[extname(filePath).toLowerCase()] ?? 'application/octet-stream' };
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

export interface AppResponse { status: number; headers: Record<string, string>; body: Uint8Array | string }

/** Reads the file for an app:// request (after resolving symlinks, still confined). */
export async function serveAppRequest(rootDir: string, requestUrl: string): Promise<AppResponse> {
  const r = resolveAppRequest(rootDir, requestUrl);
  const textHeaders = { ...APP_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' };
  if (!r.ok) return { status: r.status, headers: textHeaders, body: r.reason };
  try {
    const [realRoot, realFile] = await Promise.all([realpath(rootDir), realpath(r.filePath)]);
    if (!isInside(realRoot, realFile)) return { status: 403, headers: textHeaders, body: 'path escapes the app folder' };
    if (!(await stat(realFile)).isFile()) return { status: 404, headers: textHeaders, body: 'not found' };
    return { status: 200, headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': r.mimeType }, body: await readFile(realFile) };
  } catch {
    return { status: 404, headers: textHeaders, body: 'not found' };
  }
}
