// Local HTTP transport (ARCHITECTURE.md "One contract, two transports"): the same engine and the
// built renderer on 127.0.0.1 only, guarded by a per-launch token. Used by `npm run serve` and the
// end-to-end tests. Every API call needs the token (the x-lrtw-token header; the query for the event
// stream) and every request a loopback Host header, which stops DNS rebinding. The page and its assets
// hold nothing secret and need no token; the token reaches the page only in the address printed at start
// (injected as a meta tag for that load), and the page keeps it in its tab's sessionStorage. No cookie:
// a browser sends 127.0.0.1's cookies to every port on it, so any local listener the browser visits
// would receive it. Payloads are validated against the contract by the engine host's dispatch.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { ApiErrorBody, ProgressEvent } from '../api/contract';
import { DEFAULT_LIMITS } from '../ingest/limits';
import { RENDERER_CSP } from '../../renderer/build';
import { sha256File } from '../export/bagit';

/** What the transport needs from the engine; analysis/api/handlers.ts provides every piece. */
export interface HandlerContextLike {
  emitProgress(e: ProgressEvent): void;
  signalFor(jobId: string): AbortSignal;
}
export interface EngineHost {
  /** Validates input against the contract, runs the handler, validates the output. */
  dispatch(method: string, input: unknown, ctx: HandlerContextLike): Promise<unknown>;
  ctx(emit: (e: ProgressEvent) => void): HandlerContextLike;
  /** Maps any thrown value to the contract's error body. */
  toError(e: unknown): ApiErrorBody;
}

export interface HttpServerOptions {
  engine: EngineHost;
  /** Folder with the built renderer (index.html and assets). */
  staticDir: string;
  port?: number;
  /** Largest upload accepted, bytes. */
  maxUploadBytes?: number;
  /** Fixed token (tests); random per launch otherwise. */
  token?: string;
  /** The engine's state folder, told to the page (meta lrtw-state-dir) so it can suggest where new engagements go. */
  stateDir?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

/** The page's own policy (renderer/build.ts), sent as a header too, plus who may frame it. */
// 'self', not 'none': the sandboxed srcdoc frame that shows the evidence pack's report inherits this policy.
export const CSP = `${RENDERER_CSP}; frame-ancestors 'self'`;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const STATUS: Record<ApiErrorBody['code'], number> = {
  invalid_input: 400,
  not_found: 404,
  no_engagement: 409,
  cancelled: 409,
  read_only: 409,
  failed: 500,
};

const MAX_JSON_BYTES = 8 * 1024 * 1024;
// An upload may be as large as any file the importer accepts, no larger.
const DEFAULT_MAX_UPLOAD = DEFAULT_LIMITS.maxFileBytes;

function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}


function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, code: ApiErrorBody['code'], message: string, status = STATUS[code], fields: Pick<ApiErrorBody, 'field' | 'fields'> = {}): void {
  sendJson(res, status, { code, message, ...fields } satisfies ApiErrorBody);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    const b = c as Buffer;
    n += b.length;
    if (n > limit) throw new Error(`The request body is larger than ${limit} bytes.`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** A file name safe to create in the inbox: no folders, no control characters, nothing hidden. */
export function safeUploadName(raw: string): string {
  let name = basename(raw.replace(/\\/g, '/')).normalize('NFC');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  name = name.replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/^\.+/, '').trim();
  if (name.length > 200) {
    const ext = extname(name).slice(0, 16);
    name = name.slice(0, 200 - ext.length) + ext;
  }
  return name || 'upload';
}

/**
 * Where an upload of `name` (already written to `temp`) belongs in the inbox, keeping its own name: the file name is
 * what the sources list, the findings' evidence and the auditor's pack cite, so a second file of the same name goes
 * into a numbered folder (inbox/2/name), never to "name (2)". The same bytes chosen again are the file already there.
 */
async function placeUpload(inbox: string, name: string, temp: string, size: number, sha256: string): Promise<string> {
  for (let i = 1; ; i++) {
    const dir = i === 1 ? inbox : join(inbox, String(i));
    const candidate = join(dir, name);
    if (!existsSync(candidate)) {
      mkdirSync(dir, { recursive: true });
      renameSync(temp, candidate);
      return candidate;
    }
    if (statSync(candidate).size === size && (await sha256File(candidate)) === sha256) {
      rmSync(temp, { force: true });
      return candidate;
    }
  }
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const staticDir = resolve(opts.staticDir);
  const maxUpload = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD;
  const listeners = new Set<ServerResponse>();
  const ctx = opts.engine.ctx((e) => {
    const line = `event: progress\ndata: ${JSON.stringify(e)}\n\n`;
    for (const r of listeners) r.write(line);
  });
  let port = 0;

  const indexHtml = (withToken: boolean): string | null => {
    const p = join(staticDir, 'index.html');
    if (!existsSync(p)) return null;
    const html = readFileSync(p, 'utf8');
    // Only the load that brings the token gets it (and the state folder) in meta tags; the page keeps them for its tab.
    if (!withToken) return html;
    const stateMeta = opts.stateDir ? `\n<meta name="lrtw-state-dir" content="${opts.stateDir.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}">` : '';
    return html.replace('<head>', `<head>\n<meta name="lrtw-token" content="${token}">${stateMeta}`);
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 'invalid_input', 'API calls are POST requests with a JSON body.', 405);
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) return sendError(res, 'invalid_input', 'Send the call as application/json.', 415);
    let input: unknown;
    try {
      const body = await readBody(req, MAX_JSON_BYTES);
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (e) {
      return sendError(res, 'invalid_input', `The request body is not valid JSON: ${(e as Error).message}`);
    }
    try {
      const out = await opts.engine.dispatch(method, input, ctx);
      sendJson(res, 200, out ?? null);
    } catch (e) {
      const body = opts.engine.toError(e);
      // Unexpected failures go to the operator's terminal too; expected ones are the UI's business.
      if (body.code === 'failed') process.stderr.write(`lrtw serve: ${method} failed: ${body.message}\n`);
      sendError(res, body.code, body.message, STATUS[body.code], { field: body.field, fields: body.fields });
    }
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 'invalid_input', 'Upload with POST.', 405);
    const rawName = req.headers['x-lrtw-filename'];
    if (typeof rawName !== 'string' || rawName.length === 0) return sendError(res, 'invalid_input', 'Name the file in the x-lrtw-filename header (URI-encoded).');
    let name: string;
    try {
      name = safeUploadName(decodeURIComponent(rawName));
    } catch {
      return sendError(res, 'invalid_input', 'The x-lrtw-filename header is not valid URI-encoded text.');
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > maxUpload) return sendError(res, 'invalid_input', `${name} is larger than the upload limit of ${maxUpload} bytes. Use the folder path field instead.`, 413);
    let folder: string;
    try {
      const info = (await opts.engine.dispatch('engagement.info', {}, ctx)) as { folder: string; read_only: boolean } | null;
      if (!info) return sendError(res, 'no_engagement', 'Create or open an engagement before loading files.');
      if (info.read_only) return sendError(res, 'read_only', 'This engagement is open read-only; files cannot be added.');
      folder = info.folder;
    } catch (e) {
      const body = opts.engine.toError(e);
      return sendError(res, body.code, body.message);
    }
    const inbox = join(folder, 'inbox');
    mkdirSync(inbox, { recursive: true });
    // Written under a hidden temporary name first: placeUpload needs the whole file's hash to tell a file chosen again.
    const target = join(inbox, `.upload-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let seen = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > maxUpload) return cb(new Error(`${name} is larger than the upload limit of ${maxUpload} bytes.`));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    const out = createWriteStream(target, { flags: 'wx' });
    try {
      await pipeline(req, limiter, out);
    } catch (e) {
      // Never leave a half-written file in the inbox. The file is removed once its stream has closed: a stream still
      // opening when the upload failed would otherwise create it again after the removal.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      rmSync(target, { force: true });
      if (seen > maxUpload) sendError(res, 'invalid_input', `${name} is larger than the upload limit of ${maxUpload} bytes. Use the folder path field instead.`, 413);
      else sendError(res, 'failed', `Could not store ${name}: ${(e as Error).message}. Try again, or give the folder path instead.`, 500);
      return;
    }
    try {
      sendJson(res, 200, { path: await placeUpload(inbox, name, target, seen, hash.digest('hex')), file: name, size_bytes: seen });
    } catch (e) {
      rmSync(target, { force: true });
      sendError(res, 'failed', `Could not store ${name}: ${(e as Error).message}. Try again, or give the folder path instead.`, 500);
    }
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    listeners.add(res);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    req.on('close', () => {
      clearInterval(beat);
      listeners.delete(res);
    });
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string, withToken: boolean): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'invalid_input', 'Only GET is served here.', 405);
    if (pathname === '/' || pathname === '/index.html') {
      const html = indexHtml(withToken);
      if (html === null) return sendError(res, 'not_found', `The renderer is not built (${staticDir}/index.html is missing). Run npm run build.`, 404);
      res.writeHead(200, { 'Content-Type': MIME['.html']!, 'Content-Length': Buffer.byteLength(html) });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return sendError(res, 'invalid_input', 'Bad path encoding.');
    }
    const file = resolve(staticDir, '.' + rel);
    if (rel.includes('\0') || !file.startsWith(staticDir + sep)) return sendError(res, 'not_found', 'Not found.', 404);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return sendError(res, 'not_found', 'Not found.', 404);
      size = st.size;
    } catch {
      return sendError(res, 'not_found', 'Not found.', 404);
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': size });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  const server = createServer((req, res) => {
    securityHeaders(res);
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return sendError(res, 'invalid_input', 'Unexpected Host header; open the address printed at start-up.', 403);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const queryToken = url.searchParams.get('token');
    const headerToken = req.headers['x-lrtw-token'];
    const isApi = url.pathname.startsWith('/api/');
    const queryOk = sameToken(queryToken, token);
    // API calls need the header (another page can put nothing there); the event stream, which cannot send headers,
    // the query. The page and its assets are no secret: they are served to any loopback request.
    const ok = !isApi ? true : req.method === 'POST' ? sameToken(typeof headerToken === 'string' ? headerToken : undefined, token) : queryOk;
    if (!ok) return sendError(res, 'invalid_input', 'Missing or wrong access token. Open the address printed by npm run serve.', 403);
    // A wrong token in the page's address is said, not silently served a page that cannot call the engine.
    if (!isApi && queryToken !== null && !queryOk) return sendError(res, 'invalid_input', 'Wrong access token. Open the address printed by npm run serve.', 403);

    const done = (p: Promise<void>) => p.catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 'failed', (e as Error).message);
      else res.destroy();
    });
    if (url.pathname === '/api/events') return handleEvents(req, res);
    if (url.pathname === '/api/upload') return void done(handleUpload(req, res));
    if (isApi) return void done(handleApi(req, res, url.pathname.slice('/api/'.length)));
    handleStatic(req, res, url.pathname, queryOk);
  });
  // Uploads can be large and slow; leave the socket open while bytes arrive.
  server.requestTimeout = 0;

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((ok) => {
        for (const r of listeners) r.end();
        listeners.clear();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
