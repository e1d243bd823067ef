// The local HTTP transport's guards, checked over real sockets: loopback only, the per-launch token
// on every request, the Host check against DNS rebinding, no directory traversal, CSP on every
// answer, contract errors with proper statuses, uploads stored in the engagement's inbox.
// The engine behind it is a small stub: these tests are about the transport, not the rules.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API, ApiError, isMethodName } from '../../analysis/api/contract';
import { startHttpServer, safeUploadName, type EngineHost, type RunningServer } from '../../analysis/transport/http-server';
import { toApiError } from '../../analysis/api/handlers';

const folder = mkdtempSync(join(tmpdir(), 'lrtw-http-'));
const dist = join(folder, 'dist');
mkdirSync(join(dist, 'assets'), { recursive: true });
writeFileSync(join(dist, 'index.html'), '<!doctype html><html><head><title>x</title></head><body></body></html>');
writeFileSync(join(dist, 'main.js'), 'console.log(1)');
writeFileSync(join(dist, 'assets', 'inter.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
writeFileSync(join(folder, 'secret.txt'), 'do not serve');

const host: EngineHost = {
  async dispatch(method, input, ctx) {
    if (!isMethodName(method)) throw new ApiError('invalid_input', `Unknown method "${method}".`);
    const parsed = API[method].input.safeParse(input);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new ApiError('invalid_input', `${method}: ${i.path.join('.')}: ${i.message}`, { path: i.path.map(String), problem: i.message });
    }
    if (method === 'engagement.info') return { path: join(folder, 'e.lrtw'), folder, client: 'C', as_of: null, read_only: false, reviewed: false, headline: null };
    if (method === 'job.cancel') {
      ctx.emitProgress({ jobId: 'j1', phase: 'x', file: null, done: 1, total: 2, rows_per_second: null, message: 'half way', finished: false });
      return { ok: true };
    }
    throw new ApiError('no_engagement', 'No engagement is open.');
  },
  ctx: (emit) => ({ emitProgress: emit, signalFor: () => new AbortController().signal }),
  toError: toApiError,
};

let s: RunningServer;

function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${s.port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', fail);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

describe('local HTTP transport', () => {
  before(async () => {
    s = await startHttpServer({ engine: host, staticDir: dist, maxUploadBytes: 1024 });
  });
  after(async () => s.close());

  it('listens on loopback only and prints a token URL', () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
    const addr = s.server.address();
    assert.ok(addr && typeof addr === 'object' && addr.address === '127.0.0.1');
  });

  it('refuses every API call without the token, and a page address with a wrong one', async () => {
    assert.equal((await raw('/api/engagement.info', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 403);
    assert.equal((await raw('/?token=wrong')).status, 403);
    assert.equal((await raw('/api/events')).status, 403);
    assert.equal((await raw('/api/events?token=wrong')).status, 403);
  });

  it('gives the token only to the load that brings it, sets no cookie, and sends the CSP', async () => {
    const r = await raw(`/?token=${s.token}`);
    assert.equal(r.status, 200);
    // No cookie: a browser would send it to every port on 127.0.0.1, to any local listener it visits.
    assert.equal(r.headers['set-cookie'], undefined);
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    const csp = String(r.headers['content-security-policy']);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline or evaluated script');
    assert.match(r.body, /<meta name="lrtw-token" content="/);
    // The page and its assets hold no secret: a load without the token (a reload) gets the page, and no token in it.
    const bare = await raw('/');
    assert.equal(bare.status, 200);
    assert.ok(!bare.body.includes(s.token) && !bare.body.includes('lrtw-token') && !bare.body.includes('lrtw-state-dir'), 'no token or local path without the token');
    const js = await raw('/main.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /text\/javascript/);
    assert.ok(!js.body.includes(s.token));
    const font = await raw('/assets/inter.woff2');
    assert.equal(font.headers['content-type'], 'font/woff2');
  });

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    const r = await raw(`/?token=${s.token}`, { headers: { host: `evil.example:${s.port}` } });
    assert.equal(r.status, 403);
    const ok = await raw(`/?token=${s.token}`, { headers: { host: `localhost:${s.port}` } });
    assert.equal(ok.status, 200);
  });

  it('does not serve files outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const r = await raw(`${p}${p.includes('?') ? '&' : '?'}token=${s.token}`);
      assert.notEqual(r.status, 200, p);
      assert.doesNotMatch(r.body, /do not serve/, p);
    }
  });

  it('needs the header token for API calls (a cookie or the query is not enough) and maps errors to statuses', async () => {
    const cookie = `lrtw_token=${s.token}`;
    assert.equal((await raw('/api/engagement.info', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' })).status, 403);
    assert.equal((await raw(`/api/engagement.info?token=${s.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 403);
    const h = { 'x-lrtw-token': s.token, 'content-type': 'application/json' };
    const ok = await raw('/api/engagement.info', { method: 'POST', headers: h, body: '{}' });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).client, 'C');
    const bad = await raw('/api/rejects.list', { method: 'POST', headers: h, body: '{"limit":-1}' });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).code, 'invalid_input');
    // The refused field travels with the error, so a form can name it without parsing the message.
    assert.deepEqual(JSON.parse(bad.body).field?.path, ['limit']);
    const none = await raw('/api/summary.get', { method: 'POST', headers: h, body: '{}' });
    assert.equal(none.status, 409);
    assert.deepEqual(JSON.parse(none.body), { code: 'no_engagement', message: 'No engagement is open.' });
    assert.equal((await raw('/api/nope', { method: 'POST', headers: h, body: '{}' })).status, 400);
    assert.equal((await raw('/api/summary.get', { method: 'POST', headers: h, body: '{not json' })).status, 400);
  });

  it('streams progress events over SSE', async () => {
    const got = await new Promise<string>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: `/api/events?token=${s.token}`, headers: { host: `127.0.0.1:${s.port}` } }, (res) => {
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          if (buf.includes('half way')) {
            req.destroy();
            ok(buf);
          }
        });
        void raw('/api/job.cancel', { method: 'POST', headers: { 'x-lrtw-token': s.token, 'content-type': 'application/json' }, body: '{"jobId":"j1"}' });
      });
      req.on('error', fail);
      req.end();
    });
    assert.match(got, /event: progress\ndata: \{"jobId":"j1"/);
  });

  it('stores uploads in the engagement inbox under a safe name, and enforces the size limit', async () => {
    const h = { 'x-lrtw-token': s.token, 'content-type': 'application/octet-stream' };
    const r = await raw('/api/upload', { method: 'POST', headers: { ...h, 'x-lrtw-filename': encodeURIComponent('../../evil/usage report.csv') }, body: 'user,product\na@b.com,RVT\n' });
    assert.equal(r.status, 200);
    const stored = JSON.parse(r.body) as { path: string };
    assert.equal(stored.path, join(folder, 'inbox', 'usage report.csv'));
    assert.equal(readFileSync(stored.path, 'utf8'), 'user,product\na@b.com,RVT\n');
    // The same file chosen again is the file already stored; another file of the same name keeps its name (the
    // name sources, evidence and the pack cite) in a numbered folder, and never overwrites the first.
    const upload = async (body: string) => JSON.parse((await raw('/api/upload', { method: 'POST', headers: { ...h, 'x-lrtw-filename': 'usage%20report.csv' }, body })).body) as { path: string; file: string };
    const same = await upload('user,product\na@b.com,RVT\n');
    assert.equal(same.path, stored.path, 'the same bytes chosen again are the stored file');
    const other = await upload('x');
    assert.equal(other.path, join(folder, 'inbox', '2', 'usage report.csv'));
    assert.equal(other.file, 'usage report.csv');
    assert.equal(readFileSync(stored.path, 'utf8'), 'user,product\na@b.com,RVT\n', 'an upload never overwrites an earlier one');
    assert.equal((await upload('x')).path, other.path);
    assert.equal((await upload('y')).path, join(folder, 'inbox', '3', 'usage report.csv'));
    assert.deepEqual(readdirSync(join(folder, 'inbox')).sort(), ['2', '3', 'usage report.csv'], 'no temporary file is left behind');
    const big = await raw('/api/upload', { method: 'POST', headers: { ...h, 'x-lrtw-filename': 'big.csv' }, body: Buffer.alloc(2048, 65) });
    assert.equal(big.status, 413);
    assert.equal(existsSync(join(folder, 'inbox', 'big.csv')), false);
    assert.equal(safeUploadName('..\\..\\x:y.csv'), 'x_y.csv');
    assert.equal(safeUploadName('.hidden'), 'hidden');
  });
});
