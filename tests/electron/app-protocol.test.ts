import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAppRequest, serveAppRequest } from '../../electron/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../electron/security';

let base: string;
let root: string;
before(() => {
  base = mkdtempSync(join(tmpdir(), 'lrtw-proto-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>LRT</title>');
  writeFileSync(join(root, 'main.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'inter latin-400.woff2'), 'font');
  writeFileSync(join(base, 'secret.txt'), 'client data outside the app folder');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'));
});
after(() => rmSync(base, { recursive: true, force: true }));

test('serves files inside the renderer folder with their type and the strict CSP', async () => {
  const r = await serveAppRequest(root, 'app://workbench/main.js');
  assert.equal(r.status, 200);
  assert.equal(r.headers['Content-Type'], 'text/javascript; charset=utf-8');
  assert.equal(r.headers['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
  assert.equal(Buffer.from(r.body).toString(), 'console.log(1)');
  const font = await serveAppRequest(root, 'app://workbench/assets/inter%20latin-400.woff2');
  assert.equal(font.status, 200);
  assert.equal(font.headers['Content-Type'], 'font/woff2');
});

test('the bare origin serves index.html', async () => {
  const r = await serveAppRequest(root, 'app://workbench/');
  assert.equal(r.status, 200);
  assert.match(Buffer.from(r.body).toString(), /<title>LRT<\/title>/);
  assert.equal(r.headers['Content-Type'], 'text/html; charset=utf-8');
});

test('no request escapes the renderer folder, however it is spelled', async () => {
  const attempts = [
    'app://workbench/%2e%2e/secret.txt',
    'app://workbench/assets/%2E%2E/%2E%2E/secret.txt',
    'app://workbench/..%2fsecret.txt',
    'app://workbench/..%5csecret.txt',
    'app://workbench/assets%5c..%5c..%5csecret.txt',
    'app://workbench/%00index.html',
    'app://workbench/C:/Windows/win.ini',
    'app://workbench/link.txt', // symlink pointing outside
  ];
  assert.equal((await serveAppRequest(root, 'app://workbench/link.txt')).status, 403);
  assert.equal((await serveAppRequest(root, 'app://workbench/..%5csecret.txt')).status, 403);
  for (const url of attempts) {
    const r = await serveAppRequest(root, url);
    // Encoded dots are normalised by URL parsing into a path that stays inside the root (404 there);
    // backslashes, NUL, drive letters and symlinks out are refused outright.
    assert.ok([400, 403, 404].includes(r.status), `${url} -> ${r.status}`);
    assert.doesNotMatch(Buffer.from(r.body).toString(), /client data/, url);
  }
  // Plain `..` is normalised away by URL parsing before it reaches us: it stays inside the root.
  const dotted = resolveAppRequest(root, 'app://workbench/assets/../../../secret.txt');
  assert.ok(!dotted.ok || dotted.filePath.startsWith(root), JSON.stringify(dotted));
});

test('other hosts and schemes are refused; missing files are 404', async () => {
  assert.equal((await serveAppRequest(root, 'app://evil/index.html')).status, 403);
  assert.equal((await serveAppRequest(root, 'file:///etc/passwd')).status, 403);
  assert.equal((await serveAppRequest(root, 'app://workbench/nope.js')).status, 404);
  assert.equal((await serveAppRequest(root, 'app://workbench/assets')).status, 404); // a folder
  assert.equal((await serveAppRequest(root, 'app://workbench/%E0%A4%A')).status, 400);
});
