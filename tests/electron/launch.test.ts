// End-to-end: launches the real desktop app with Playwright's Electron driver, creates and opens the
// sample engagement through window.workbench, checks the security posture from inside the page, and
// quits cleanly. Skips (with the reason) where the Electron binary is not installed — it comes from
// GitHub releases at `npm install`, which this build machine cannot reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../../build/electron-bundles';

const SKIP_REASON = 'Electron binary not installed (it comes from GitHub releases, which this machine cannot reach); on a machine with GitHub access run `node node_modules/electron/install.js` (see README, The desktop app)';

function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) console.log(`# launch.test.ts skipped: ${SKIP_REASON}`);

test('the desktop app launches, opens the sample engagement and quits', { skip: binary ? false : SKIP_REASON, timeout: 180_000 }, async () => {
  if (!existsSync(join(ROOT, 'dist/electron/main.cjs')) || !existsSync(join(ROOT, 'dist/renderer/index.html'))) {
    const b = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'build/build.ts')], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(b.status, 0, 'npm run build succeeded');
  }
  const { _electron } = await import('playwright-core');
  const userData = mkdtempSync(join(tmpdir(), 'lrtw-launch-'));
  const app = await _electron.launch({ executablePath: binary!, args: [ROOT], cwd: ROOT, env: { ...process.env, LRTW_USER_DATA_DIR: userData } as Record<string, string>, timeout: 60_000 });
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    assert.equal(new URL(page.url()).protocol, 'app:');
    const posture = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      keys: Object.keys((window as unknown as { workbench: object }).workbench),
    }));
    assert.equal(posture.require, 'undefined');
    assert.equal(posture.process, 'undefined');
    assert.ok(posture.keys.includes('sample.create') && posture.keys.includes('onProgress'));
    const sample = await page.evaluate(async () => {
      const wb = (window as unknown as { workbench: Record<string, (i: unknown) => Promise<unknown>> }).workbench;
      const made = (await wb['sample.create']!({ jobId: 'launch-test', users: 40, months: 4, seed: 7 })) as { path: string };
      const info = (await wb['engagement.info']!({})) as { path: string } | null;
      return { made: made.path, open: info?.path ?? null };
    });
    assert.ok(sample.made.endsWith('.lrtw'), sample.made);
    assert.equal(sample.open, sample.made);
    // The page cannot reach the network: a fetch to the internet is cancelled by the session.
    const net = await page.evaluate(async () => {
      try {
        await fetch('https://example.com/');
        return 'reached';
      } catch {
        return 'blocked';
      }
    });
    assert.equal(net, 'blocked');
  } finally {
    await app.close();
    rmSync(userData, { recursive: true, force: true });
  }
});
