// THE SECURITY CHECKLIST of the desktop app, in one place. main.ts calls these; nothing else sets
// web preferences or session policy. (Build-time half: fuses in build/fuses.cjs.)
//
//  1. webPreferences: contextIsolation, sandbox, no nodeIntegration (also not in workers/subframes),
//     webSecurity, no webview tag, no spellchecker (it downloads dictionaries), no insecure content.
//  2. app.enableSandbox() before ready: every renderer is sandboxed, whatever created it.
//  3. The UI is served by our app:// protocol with the strict CSP below (no file://, no network).
//  4. Every web contents: window.open denied, navigation and redirects blocked except to our own
//     entry page, <webview> attachment refused.
//  5. Session: permission requests and checks denied (except clipboard write from our page), device/display-media access denied, every
//     request that is not app:// (or data:/blob:) cancelled, so the app opens no network connection.
//  6. IPC: every ipcMain handler validates its sender (sender-validation.ts) and every payload (zod).
import type { App, Session, WebContents, WebPreferences } from 'electron';
import { isNavigationAllowed, isRequestAllowed, windowOpenDecision } from './navigation-guard';
import { isAppOriginUrl } from './sender-validation';
import { REPORT_STYLE_SOURCE } from '../analysis/export/report-style';

/**
 * Strict CSP for app:// responses. React sets styles via the CSSOM (allowed by CSP), so no 'unsafe-inline';
 * the one inline <style> allowed, by its hash, is the evidence-pack report's (shown in auditor mode).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src 'self' ${REPORT_STYLE_SOURCE}`,
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'self'", // same as renderer/build.ts: the evidence-pack report may be shown in a frame
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every app:// response. */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    // Middle-click (auxclick) can open links in new windows; off, like window.open.
    disableBlinkFeatures: 'Auxclick',
  };
}

export interface HardeningOptions {
  /** Development build: devtools:// requests are allowed; never true when packaged. */
  dev: boolean;
  log(message: string): void;
}

/** Call before app 'ready': sandbox for all renderers, and per-web-contents guards for every one created. */
export function hardenApp(app: App, opts: HardeningOptions): void {
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, opts));
}

export function hardenWebContents(contents: WebContents, opts: HardeningOptions): void {
  contents.setWindowOpenHandler(({ url }) => {
    opts.log(`blocked window.open(${url})`);
    return windowOpenDecision(url);
  });
  const block = (what: string) => (event: { preventDefault(): void }, url: string) => {
    if (!isNavigationAllowed(url)) {
      event.preventDefault();
      opts.log(`blocked ${what} to ${url}`);
    }
  };
  contents.on('will-navigate', block('navigation'));
  contents.on('will-redirect', block('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    opts.log('blocked a <webview>');
  });
}

/**
 * The one permission the UI may use: writing plain text to the clipboard (a "copy" button for a
 * fingerprint or a path), and only from our own page. Camera, microphone, location, notifications,
 * clipboard READ, HID/serial/USB, display capture, etc. are all denied.
 */
export function isPermissionGranted(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppOriginUrl(requestingUrl);
}

/** Session policy: deny permissions (but the one above), cancel every non-local request, no spellchecker downloads. */
export function hardenSession(session: Session, opts: HardeningOptions): void {
  session.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const granted = isPermissionGranted(permission, details.requestingUrl);
    if (!granted) opts.log(`denied permission request: ${permission}`);
    callback(granted);
  });
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin) => isPermissionGranted(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  session.setSpellCheckerEnabled(false);
  session.webRequest.onBeforeRequest({ urls: ['<all_urls>'] }, (details, callback) => {
    const allowed = isRequestAllowed(details.url, { dev: opts.dev });
    if (!allowed) opts.log(`blocked request to ${details.url}`);
    callback({ cancel: !allowed });
  });
}
