// End-to-end harness: starts `npm run serve` (the real engine) as a child process with a temporary
// state folder, reads the URL from its first stdout line, and drives Debian's Chromium through
// playwright-core. Records every request URL and console error so tests can assert on them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = join(REPO, 'tests', 'artifacts', 'screenshots');

export interface Served {
  url: string;
  origin: string;
  token: string;
  stateDir: string;
  child: ChildProcess;
  stderr: string[];
  stop(): Promise<void>;
}

/** Starts serve mode; `entry` defaults to the real analysis/transport/serve.ts. */
export async function startServe(opts: { entry?: string; args?: string[] } = {}): Promise<Served> {
  const stateDir = mkdtempSync(join(tmpdir(), 'lrtw-e2e-state-'));
  const entry = opts.entry ?? join(REPO, 'analysis', 'transport', 'serve.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', entry, '--state', stateDir, ...(opts.args ?? [])], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b.toString()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not print its URL within 120 s. stderr:\n${stderr.join('')}`)), 120_000);
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      clearTimeout(timer);
      ok(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code} before printing its URL. stderr:\n${stderr.join('')}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    stateDir,
    child,
    stderr,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  requests: string[];
  consoleErrors: string[];
}

export async function openPage(browser: Browser): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: false });
  const page = await context.newPage();
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return { context, page, requests, consoleErrors };
}

/** Calls the API directly over HTTP with the launch token (used to set up data for a test). */
export async function callApi<T>(s: Served, method: string, input: unknown): Promise<T> {
  const res = await fetch(`${s.origin}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lrtw-token': s.token }, body: JSON.stringify(input) });
  const body = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}: ${body.message ?? ''}`);
  return body;
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Jumps to a step through the left navigation. */
export async function goStep(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Review steps' }).getByRole('button', { name: label, exact: true }).click();
  await page.getByRole('main', { name: label }).waitFor();
}
