// The renderer's desktop wiring, exercised without an Electron binary: the page gets a stand-in for
// what electron/preload.ts exposes (window.workbench calling the real engine over the serve-mode API,
// and window.workbenchShell whose dialogs answer with paths chosen by the test). Checks that the UI
// uses the shell when present: an open request on boot, the engine-restarted banner, the save dialog
// for a new engagement, the import file picker, the export folder picker and last quarter's picker.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { callApi, goStep, launch, openPage, shot, startServe, type Served, type Watched } from './harness';

let served: Served;
let browser: Browser;
let w: Watched;
const dir = mkdtempSync(join(tmpdir(), 'lrtw-e2e-desktop-'));

/** Answers the shell's dialogs give, set per test through window.__shellAnswers. */
interface Answers { files: string[]; folder: string | null; exportFolder: string | null; newPath: string | null; previous: string | null; openRequest: { kind: string; path: string } | null }

// Runs in the page before the app: the same surface as electron/preload.ts, over HTTP to the real engine.
function installBridge(methods: string[]): void {
  const token = () => document.querySelector<HTMLMetaElement>('meta[name="lrtw-token"]')?.content ?? '';
  const calls: { fn: string; arg: unknown }[] = [];
  const restartListeners = new Set<(e: unknown) => void>();
  const openListeners = new Set<(e: unknown) => void>();
  const w = window as unknown as Record<string, unknown>;
  w.__shellCalls = calls;
  const answers = (): Answers => (JSON.parse(sessionStorage.getItem('shellAnswers') ?? '{}') as Answers);
  const api: Record<string, unknown> = {};
  for (const m of methods) {
    api[m] = async (input: unknown) => {
      const res = await fetch(`/api/${m}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lrtw-token': token() }, body: JSON.stringify(input ?? {}) });
      const body = (await res.json()) as { message?: string };
      if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
      return body;
    };
  }
  api.onProgress = (cb: (e: unknown) => void) => {
    const src = new EventSource(`/api/events?token=${encodeURIComponent(token())}`);
    src.addEventListener('progress', (m) => cb(JSON.parse((m as MessageEvent<string>).data)));
    return () => src.close();
  };
  api.onEngineRestarted = (cb: (e: unknown) => void) => {
    restartListeners.add(cb);
    return () => restartListeners.delete(cb);
  };
  api.pathForFile = () => '';
  w.workbench = api;
  const record = <T,>(fn: string, arg: unknown, value: T): Promise<T> => {
    calls.push({ fn, arg });
    return Promise.resolve(value);
  };
  w.workbenchShell = {
    pickImportFiles: () => record('pickImportFiles', null, answers().files ?? []),
    pickImportFolder: () => record('pickImportFolder', null, answers().folder ?? null),
    pickExportFolder: () => record('pickExportFolder', null, answers().exportFolder ?? null),
    pickNewEngagementPath: (name: string) => record('pickNewEngagementPath', name, answers().newPath ?? null),
    pickPreviousEngagement: () => record('pickPreviousEngagement', null, answers().previous ?? null),
    pathForFile: () => '',
    takeOpenRequest: () => {
      const r = answers().openRequest ?? null;
      const a = answers();
      a.openRequest = null;
      sessionStorage.setItem('shellAnswers', JSON.stringify(a));
      return record('takeOpenRequest', null, r);
    },
    onOpenRequest: (cb: (e: unknown) => void) => {
      openListeners.add(cb);
      return () => openListeners.delete(cb);
    },
  };
  w.__fireRestart = (e: unknown) => restartListeners.forEach((l) => l(e));
  w.__fireOpen = (e: unknown) => openListeners.forEach((l) => l(e));
}

async function setAnswers(a: Partial<Answers>): Promise<void> {
  await w.page.evaluate((json) => sessionStorage.setItem('shellAnswers', json), JSON.stringify(a));
}
async function shellCalls(): Promise<{ fn: string; arg: unknown }[]> {
  return w.page.evaluate(() => (window as unknown as { __shellCalls: { fn: string; arg: unknown }[] }).__shellCalls);
}

describe('desktop wiring (window.workbench + window.workbenchShell)', { timeout: 300_000 }, () => {
  before(async () => {
    // Its own renderer build: the other e2e file may be rebuilding dist/renderer at the same moment.
    served = await startServe({ args: ['--dist', join(dir, 'renderer')] });
    browser = await launch();
    w = await openPage(browser);
    const { METHOD_NAMES } = await import('../../analysis/api/contract');
    // As source text: tsx's output may call its __name helper, which the page does not have.
    await w.context.addInitScript({ content: `var __name = (f) => f;\n(${installBridge.toString()})(${JSON.stringify(METHOD_NAMES)});` });
  });
  after(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('on boot opens the engagement the shell was asked to open, and shows an engine restart as a banner', async () => {
    const path = join(dir, 'queued', 'queued-client.lrtw');
    await callApi(served, 'engagement.create', { path, client: 'Queued Client Ltd' });
    await callApi(served, 'engagement.close', {});
    await w.page.goto(served.url);
    await w.page.getByRole('heading', { name: 'Quarterly licence review' }).waitFor();
    await setAnswers({ openRequest: { kind: 'engagement', path } });
    await w.page.reload();
    await w.page.locator('.topbar').getByText('Queued Client Ltd').waitFor();
    assert.ok((await shellCalls()).some((c) => c.fn === 'takeOpenRequest'));
    // The desktop footer says so (the page took the desktop transport, not HTTP).
    await w.page.getByText('Offline · desktop').waitFor();

    await w.page.evaluate(() => (window as unknown as { __fireRestart: (e: unknown) => void }).__fireRestart({ message: 'The engine stopped unexpectedly and was restarted; your engagement was reopened.', reopened: null, gaveUp: false }));
    const banner = w.page.getByRole('alert', { name: 'Engine notice' });
    await banner.getByText('The engine stopped unexpectedly and was restarted').waitFor();
    await shot(w.page, '20-desktop-engine-restarted');
    await banner.getByRole('button', { name: 'Dismiss the notice' }).click();
    assert.equal(await banner.count(), 0);
  });

  it('creates a new engagement where the save dialog says, and imports files from the file picker', async () => {
    const p = w.page;
    const target = join(dir, 'picked', 'litware-q3.lrtw');
    await setAnswers({ newPath: target });
    await goStep(p, 'Start');
    await p.getByRole('textbox', { name: 'Client', exact: true }).fill('Litware Inc');
    assert.equal(await p.getByRole('textbox', { name: 'Folder', exact: true }).count(), 0, 'no folder field: the save dialog chooses');
    await p.getByRole('button', { name: 'Create engagement…' }).click();
    await p.getByRole('main', { name: 'Load data' }).waitFor();
    const info = await callApi<{ path: string; client: string }>(served, 'engagement.info', {});
    assert.equal(info.path, target);
    assert.equal(info.client, 'Litware Inc');
    assert.deepEqual((await shellCalls()).find((c) => c.fn === 'pickNewEngagementPath')?.arg, 'litware-inc');

    const csv = join(dir, 'sessions.csv');
    writeFileSync(csv, [
      'session_id,user,product,device_name,start_time,end_time,licence_type,network_domain',
      's1,alice@litware.com,Revit,WS-01,2026-07-01 09:00,2026-07-01 12:00,named_user,corp.litware.com',
      's2,bob@litware.com,AutoCAD,WS-02,2026-07-02 09:00,2026-07-02 11:30,named_user,corp.litware.com',
    ].join('\n') + '\n');
    await setAnswers({ files: [csv] });
    await p.getByRole('button', { name: 'Choose files', exact: true }).click();
    await p.getByRole('article', { name: 'File sessions.csv' }).waitFor({ timeout: 60_000 });
    await p.getByRole('button', { name: 'Choose folder' }).waitFor();
    await p.getByRole('button', { name: 'Import 1 file' }).click();
    await p.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 60_000 });
    await p.getByRole('button', { name: 'Next: run the review' }).click();
    await p.getByRole('main', { name: 'Data quality' }).waitFor({ timeout: 120_000 });
  });

  it('writes the workbook into the folder picked in the dialog and compares with the engagement picked as last quarter', async () => {
    const p = w.page;
    const out = join(dir, 'exports-picked');
    const previous = join(dir, 'queued', 'queued-client.lrtw');
    await setAnswers({ exportFolder: out, previous });
    await goStep(p, 'Export');
    await p.getByRole('button', { name: 'Choose folder…' }).click();
    await p.waitForFunction((o) => (document.getElementById('export-dir') as HTMLInputElement | null)?.value === o, out);
    await p.getByRole('button', { name: 'Write workbook' }).click();
    const written = p.getByText(/^Workbook written to/);
    await written.waitFor({ timeout: 120_000 });
    const shown = (await written.innerText()).replace(/^Workbook written to\s*/, '').trim();
    assert.equal(dirname(shown), out);
    assert.ok(existsSync(shown), 'the workbook is on disk where the page says');

    // The engagement picked reaches the engine: another client's, it is refused there, and the page says why.
    await p.getByRole('button', { name: "Choose last quarter's engagement…" }).click();
    const info = await callApi<{ client: string }>(served, 'engagement.info', {});
    await p.locator('#compare-error').getByText(`Could not compare: That engagement is of Queued Client Ltd, not ${info.client}:`, { exact: false }).waitFor();
    assert.equal(await p.getByRole('region', { name: 'Comparison with last quarter' }).count(), 0);
    await shot(p, '21-desktop-export');
    // Chromium logs the refusal's HTTP 400 answer itself; that line is expected, nothing else.
    assert.ok(w.consoleErrors.every((e) => /status of 400/.test(e)), w.consoleErrors.join('\n'));
    const foreign = w.requests.filter((u) => !u.startsWith(`${served.origin}/`) && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
  });
});
