// Electronegativity findings we accept, each with why it is a false positive and a check that proves
// it: the scan re-verifies every justification, so an entry stops excusing a finding the moment the
// code it relies on changes. Matched by check id and file (not line numbers, which move).
import { secureWebPreferences } from '../electron/security';

export interface AllowEntry {
  id: string;
  /** Path relative to the scanned tree, e.g. electron/main.ts. */
  file: string;
  why: string;
  /** Returns null when the justification still holds, else what broke. */
  verify(): string | null;
}

const prefs = secureWebPreferences('/preload.cjs');
const expect = (ok: boolean, broke: string) => (ok ? null : broke);

export const ALLOWLIST: readonly AllowEntry[] = [
  {
    id: 'CONTEXT_ISOLATION_JS_CHECK',
    file: 'electron/main.ts',
    why: 'new BrowserWindow takes webPreferences from secureWebPreferences() in electron/security.ts; the static check cannot follow the call.',
    verify: () => expect(prefs.contextIsolation === true, 'secureWebPreferences().contextIsolation is not true'),
  },
  {
    id: 'SANDBOX_JS_CHECK',
    file: 'electron/main.ts',
    why: 'sandbox: true is set in secureWebPreferences(), and app.enableSandbox() runs before ready (hardenApp).',
    verify: () => expect(prefs.sandbox === true, 'secureWebPreferences().sandbox is not true'),
  },
  {
    id: 'AUXCLICK_JS_CHECK',
    file: 'electron/main.ts',
    why: "disableBlinkFeatures: 'Auxclick' is set in secureWebPreferences(); window.open is denied for every web contents anyway.",
    verify: () => expect((prefs.disableBlinkFeatures ?? '').split(',').includes('Auxclick'), "secureWebPreferences() does not disable 'Auxclick'"),
  },
];

