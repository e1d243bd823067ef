// Decides where web contents may go. The UI is a single page on app://workbench/, so it never needs
// to navigate, open windows, or load anything from elsewhere; the only network-looking requests we let
// through are our own scheme and (in development only) devtools. Pure functions, unit tested.
import { APP_ENTRY_URL } from './channels';
import { isAppOriginUrl } from './sender-validation';

/** will-navigate / will-redirect / will-frame-navigate: only (re)loading our own entry page. */
export function isNavigationAllowed(url: string): boolean {
  if (!isAppOriginUrl(url)) return false;
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}` === APP_ENTRY_URL || u.pathname === '/';
}

/** setWindowOpenHandler: the app never opens a second browser window from the page. */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/** Schemes that never touch the network: our own, inline data and blob URLs the page creates itself. */
const LOCAL_SCHEMES = new Set(['app:', 'data:', 'blob:']);

/**
 * session.webRequest.onBeforeRequest: cancel everything that is not local. devtools:// (and the
 * chrome-extension:// pages devtools uses) are let through only in development builds.
 */
export function isRequestAllowed(url: string, opts: { dev: boolean }): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'app:') return isAppOriginUrl(url);
  if (LOCAL_SCHEMES.has(u.protocol)) return true;
  if (opts.dev && (u.protocol === 'devtools:' || u.protocol === 'chrome-extension:')) return true;
  return false;
}
