// The security checklist (electron/security.ts) applied to fake Electron objects: what the app
// actually registers must deny, block and cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { App, Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY, APP_RESPONSE_HEADERS, hardenApp, hardenSession, hardenWebContents, secureWebPreferences } from '../../electron/security';

type Fn = (...a: never[]) => unknown;
const quiet = { dev: false, log: () => {} };

test('webPreferences: isolated, sandboxed, no Node, web security on', () => {
  const p = secureWebPreferences('/app/dist/electron/preload.cjs');
  assert.equal(p.preload, '/app/dist/electron/preload.cjs');
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInWorker, false);
  assert.equal(p.nodeIntegrationInSubFrames, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.allowRunningInsecureContent, false);
  assert.equal(p.webviewTag, false);
  assert.equal(p.spellcheck, false, 'the spellchecker downloads dictionaries from the network');
});

test('CSP: self only, no inline or eval script, no objects, no framing, nothing remote', () => {
  const d = new Map(CONTENT_SECURITY_POLICY.split(';').map((s) => s.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
  assert.deepEqual(d.get('default-src'), ["'self'"]);
  assert.deepEqual(d.get('script-src'), ["'self'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('base-uri'), ["'none'"]);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(d.get('img-src'), ["'self'", 'data:']);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|unsafe-inline|https?:|\*/);
  assert.equal(APP_RESPONSE_HEADERS['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
  assert.equal(APP_RESPONSE_HEADERS['X-Content-Type-Options'], 'nosniff');
});

test('session: every permission denied (but clipboard write from our page), every non-local request cancelled, spellchecker off', () => {
  const reg: Record<string, Fn> = {};
  let spell: boolean | null = null;
  let filter: unknown;
  const fake = {
    setPermissionRequestHandler: (h: Fn) => void (reg.request = h),
    setPermissionCheckHandler: (h: Fn) => void (reg.check = h),
    setDevicePermissionHandler: (h: Fn) => void (reg.device = h),
    setDisplayMediaRequestHandler: (h: Fn) => void (reg.display = h),
    setSpellCheckerEnabled: (v: boolean) => void (spell = v),
    webRequest: { onBeforeRequest: (f: unknown, h: Fn) => void ((filter = f), (reg.before = h)) },
  };
  hardenSession(fake as unknown as Session, quiet);
  assert.equal(spell, false);
  const request = (permission: string, requestingUrl: string) => {
    let granted: boolean | null = null;
    (reg.request as unknown as (wc: unknown, p: string, cb: (g: boolean) => void, d: { requestingUrl: string }) => void)({}, permission, (g) => (granted = g), { requestingUrl });
    return granted;
  };
  const check = (permission: string, origin: string) => (reg.check as unknown as (wc: unknown, p: string, o: string) => boolean)({}, permission, origin);
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'fullscreen', 'pointerLock']) {
    assert.equal(request(permission, 'app://workbench/index.html'), false, permission);
    assert.equal(check(permission, 'app://workbench'), false, permission);
  }
  assert.equal(request('clipboard-sanitized-write', 'app://workbench/index.html'), true);
  assert.equal(check('clipboard-sanitized-write', 'app://workbench'), true);
  assert.equal(request('clipboard-sanitized-write', 'https://evil.example/'), false);
  assert.equal(check('clipboard-sanitized-write', 'devtools://devtools'), false);
  assert.equal((reg.device as unknown as () => boolean)(), false);
  assert.deepEqual(filter, { urls: ['<all_urls>'] });
  const decide = (url: string) => {
    let r: { cancel: boolean } | null = null;
    (reg.before as unknown as (d: { url: string }, cb: (r: { cancel: boolean }) => void) => void)({ url }, (x) => (r = x));
    return r;
  };
  assert.deepEqual(decide('app://workbench/main.js'), { cancel: false });
  assert.deepEqual(decide('https://update.electronjs.org/x'), { cancel: true });
  assert.deepEqual(decide('http://127.0.0.1:9229/json'), { cancel: true });
  assert.deepEqual(decide('devtools://devtools/bundled/inspector.html'), { cancel: true });
});

test('web contents: window.open denied, off-app navigation and redirects prevented, no webview', () => {
  const on: Record<string, Fn> = {};
  let openHandler: Fn | null = null;
  const wc = { setWindowOpenHandler: (h: Fn) => void (openHandler = h), on: (ev: string, h: Fn) => void (on[ev] = h) };
  hardenWebContents(wc as unknown as WebContents, quiet);
  assert.deepEqual((openHandler as unknown as (d: { url: string }) => unknown)({ url: 'https://x.example' }), { action: 'deny' });
  const nav = (ev: string, url: string) => {
    let prevented = false;
    (on[ev] as unknown as (e: { preventDefault(): void }, u: string) => void)({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  assert.equal(nav('will-navigate', 'https://evil.example/'), true);
  assert.equal(nav('will-navigate', 'file:///etc/passwd'), true);
  assert.equal(nav('will-navigate', 'app://workbench/index.html'), false);
  assert.equal(nav('will-redirect', 'https://evil.example/'), true);
  let webviewBlocked = false;
  (on['will-attach-webview'] as unknown as (e: { preventDefault(): void }) => void)({ preventDefault: () => (webviewBlocked = true) });
  assert.equal(webviewBlocked, true);
});

test('app: sandbox enabled for all renderers and every new web contents hardened', () => {
  let sandboxed = false;
  let created: Fn | null = null;
  hardenApp({ enableSandbox: () => (sandboxed = true), on: (ev: string, h: Fn) => void (ev === 'web-contents-created' && (created = h)) } as unknown as App, quiet);
  assert.equal(sandboxed, true);
  let hardened = false;
  (created as unknown as (e: unknown, wc: unknown) => void)({}, { setWindowOpenHandler: () => (hardened = true), on: () => {} });
  assert.equal(hardened, true);
});

test('fuses flipped at package time: no run-as-node, no NODE_OPTIONS, no inspect, asar only and checked', () => {
  const require = createRequire(import.meta.url);
  const { FuseV1Options } = require('@electron/fuses') as typeof import('@electron/fuses');
  const fuses = require('../../build/fuses.cjs') as { fuseConfig(p: string, a: string): Record<string | number, unknown>; electronBinaryPath(c: unknown): string };
  const c = fuses.fuseConfig('win32', 'x64');
  assert.equal(c[FuseV1Options.RunAsNode], false);
  assert.equal(c[FuseV1Options.EnableNodeOptionsEnvironmentVariable], false);
  assert.equal(c[FuseV1Options.EnableNodeCliInspectArguments], false);
  assert.equal(c[FuseV1Options.EnableEmbeddedAsarIntegrityValidation], true);
  assert.equal(c[FuseV1Options.OnlyLoadAppFromAsar], true);
  assert.equal(c[FuseV1Options.EnableCookieEncryption], true);
  assert.equal(c[FuseV1Options.GrantFileProtocolExtraPrivileges], false);
  assert.equal(fuses.fuseConfig('darwin', 'arm64').resetAdHocDarwinSignature, true);
  const ctx = (platform: string) => ({ electronPlatformName: platform, appOutDir: '/out', packager: { appInfo: { productFilename: 'LRT Workbench' }, executableName: 'lrt-workbench' } });
  assert.equal(fuses.electronBinaryPath(ctx('win32')), '/out/LRT Workbench.exe');
  assert.equal(fuses.electronBinaryPath(ctx('darwin')), '/out/LRT Workbench.app');
  assert.equal(fuses.electronBinaryPath(ctx('linux')), '/out/lrt-workbench');
});
