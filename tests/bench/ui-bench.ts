// `npm run bench -- ui [--engagement PATH] [--rounds N] [--keep] [--screenshots DIR]` — a script, not a test. Proves the UI
// stays responsive on a large, reviewed engagement: copies the engagement (the original is never opened),
// starts serve mode on the copy, drives Debian's Chromium through every step of the guided review and
// every heavy view, and prints for each the time from the click until its content is visible, with the
// API calls it waited on. Every API request is timed in the browser (request start to last byte).
// Round 1 is the analyst's first visit after opening; later rounds (--rounds N) are revisits.
// Last line: `ui: N steps, slowest X ms (<step>)`.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page, Request } from 'playwright-core';
import { callApi, launch, openPage, startServe, type Served } from '../e2e/harness';

const DEFAULT_ENGAGEMENT = join(tmpdir(), 'lrtw-bench-full-20000-24', 'out', 'engagement.lrtw');
/** Generous: before the fixes some views took tens of seconds; the bench reports, it does not give up early. */
const WAIT_MS = 180_000;
const BUDGET_MS = 1000;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

interface ApiCall {
  method: string;
  ms: number;
  bytes: number;
  /** Index of the step during which the call started. */
  step: number;
  /** When the call started (performance.now() of this process). */
  at: number;
}

interface StepTime {
  name: string;
  ms: number;
  calls: ApiCall[];
}

interface FindingLite {
  finding_id: string;
  type: string;
  family: string;
  evidence_count: number;
}

/** Records every /api/ call the page makes, with its duration as the browser saw it. */
function watchApi(page: Page, current: () => number): ApiCall[] {
  const calls: ApiCall[] = [];
  const started = new Map<Request, { at: number; step: number }>();
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/') && r.method() === 'POST') started.set(r, { at: performance.now(), step: current() });
  });
  const done = async (r: Request, failed: boolean) => {
    const s = started.get(r);
    if (!s) return;
    started.delete(r);
    const method = new URL(r.url()).pathname.slice('/api/'.length);
    const t = r.timing();
    // responseEnd is relative to startTime; fall back to our own clock if the browser gave none.
    const ms = t.responseEnd > 0 ? t.responseEnd : performance.now() - s.at;
    let bytes = 0;
    if (!failed) {
      const res = await r.response().catch(() => null);
      bytes = Number(res?.headers()['content-length'] ?? 0);
    }
    calls.push({ method: failed ? `${method} (failed)` : method, ms, bytes, step: s.step, at: s.at });
  };
  page.on('requestfinished', (r) => void done(r, false));
  page.on('requestfailed', (r) => void done(r, true));
  return calls;
}

function kb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`;
}

export async function benchUi(): Promise<void> {
  const source = resolve(argValue('engagement') ?? DEFAULT_ENGAGEMENT);
  const rounds = Math.max(1, Number(argValue('rounds') ?? 1));
  if (!existsSync(source)) throw new Error(`${source} does not exist. Run \`npm run bench\` first (it writes a reviewed engagement there), or pass --engagement PATH.`);
  // Work on a copy: opening an engagement may migrate it, and the UI writes to it (recent list, decisions).
  const work = mkdtempSync(join(tmpdir(), 'lrtw-ui-bench-'));
  const copy = join(work, 'engagement.lrtw');
  const c0 = performance.now();
  copyFileSync(source, copy);
  if (existsSync(`${source}.wal`)) {
    // DuckDB folds the WAL in on close: one left behind means a writer (e.g. a running `npm run bench`) may still have it open.
    console.log(`ui bench: warning: ${source}.wal exists; if \`npm run bench\` is writing this engagement now, the copy may be incomplete.`);
    copyFileSync(`${source}.wal`, `${copy}.wal`);
  }
  console.log(`ui bench: ${source} (${Math.round(statSync(source).size / 1e6)} MB) copied to ${copy} in ${((performance.now() - c0) / 1000).toFixed(1)} s`);

  let served: Served | null = null;
  const browser = await launch();
  try {
    served = await startServe();
    const w = await openPage(browser);
    const p = w.page;
    const steps: StepTime[] = [];
    const calls = watchApi(p, () => steps.length);

    /** Times `act` (a click or navigation) until `ready` resolves; records it under `name`. */
    async function step(name: string, act: () => Promise<unknown>, ready: () => Promise<unknown>): Promise<void> {
      const index = steps.length;
      const t0 = performance.now();
      await act();
      await ready();
      const ms = performance.now() - t0;
      // Let the last response's `requestfinished` land before collecting the step's calls.
      await p.waitForTimeout(50);
      const mine = calls.filter((c) => c.step === index);
      steps.push({ name, ms, calls: mine });
      // Each call with when it started after the click (@+ms): a call that starts late waited on another or on rendering.
      const callText = mine.length ? mine.map((c) => `${c.method} ${Math.round(c.ms)} ms @+${Math.round(c.at - t0)}`).join(', ') : 'no API call';
      console.log(`${name.padEnd(44)} ${Math.round(ms).toString().padStart(7)} ms${ms > BUDGET_MS ? '  SLOW' : '      '}  ${callText}`);
      // Each step as the analyst saw it, after the timing (so the screenshot costs nothing measured).
      const shotDir = argValue('screenshots');
      if (shotDir) mkdirSync(shotDir, { recursive: true });
      if (shotDir) await p.screenshot({ path: join(shotDir, `step-${String(index + 1).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}.png`) });
    }
    const main = (label: string) => p.getByRole('main', { name: label });
    const nav = (label: string) => () => p.getByRole('navigation', { name: 'Review steps' }).getByRole('button', { name: label, exact: true }).click();
    const visible = (l: Locator) => () => l.first().waitFor({ state: 'visible', timeout: WAIT_MS });

    await step('Start (page load)', () => p.goto(served!.url), visible(p.getByRole('heading', { name: 'Recent engagements' })));
    await step(
      'Open engagement -> Data quality',
      async () => {
        await p.locator('#open-path').fill(copy);
        await p.getByRole('button', { name: 'Open engagement' }).click();
      },
      visible(main('Data quality').getByRole('img', { name: /^Usage calendar for / })),
    );
    const findings = await callApi<FindingLite[]>(served, 'findings.list', {});
    // The gap register's finding with the most evidence rows, at least 1000 (the panel shows the first 1000).
    const heavy = findings.filter((f) => f.family !== 'savings').sort((a, b) => b.evidence_count - a.evidence_count)[0];

    for (let round = 1; round <= rounds; round++) {
      const r = rounds > 1 ? ` #${round}` : '';
      await step(`Load data: sources and rejects${r}`, nav('Load data'), async () => {
        await main('Load data').getByRole('heading', { name: /^Rejected rows \(\d[\d,]*\)$/ }).waitFor({ timeout: WAIT_MS });
        await p.getByRole('region', { name: 'Loaded sources' }).locator('tbody tr').first().waitFor({ timeout: WAIT_MS });
      });
      await step(`Settings: price book and suggestions${r}`, nav('Settings'), async () => {
        await p.getByRole('grid', { name: 'Price book' }).getByRole('row').nth(2).waitFor({ timeout: WAIT_MS });
        // The suggestions come from data quality: wait until they have arrived (or said there are none).
        await p.waitForFunction(() => !document.querySelector('main')?.textContent?.includes('Loading data quality'), undefined, { timeout: WAIT_MS });
      });
      await step(`Data quality: heat map, gaps, identities${r}`, nav('Data quality'), visible(main('Data quality').getByRole('img', { name: /^Usage calendar for / })));
      await step(`Reclamation: findings table${r}`, nav('Reclamation'), visible(p.getByRole('grid', { name: 'Reclamation candidates' }).getByRole('row', { name: /^Dormant user · / })));
      await step(`Reclamation: sort by user${r}`, () => p.getByRole('grid', { name: 'Reclamation candidates' }).getByRole('columnheader', { name: 'User' }).getByRole('button').click(), () =>
        p.getByRole('grid', { name: 'Reclamation candidates' }).locator('[aria-sort="ascending"]').waitFor({ timeout: WAIT_MS }),
      );
      await step(`Compliance gaps: gap register${r}`, nav('Compliance gaps'), visible(p.getByRole('grid', { name: 'Gap register' }).getByRole('button', { name: /^Show evidence for / })));
      await step(`Compliance gaps: search "contractor"${r}`, () => p.getByRole('searchbox', { name: 'Search Gap register' }).fill('contractor'), () =>
        p.waitForFunction(() => /\d[\d,]* of \d/.test(document.querySelector('.dt-count')?.textContent ?? ''), undefined, { timeout: WAIT_MS }),
      );
      await p.getByRole('searchbox', { name: 'Search Gap register' }).fill('');
      const register = p.getByRole('grid', { name: 'Gap register' });
      await step(`Compliance gaps: sort by evidence${r}`, async () => {
        await register.getByRole('columnheader', { name: 'Evidence' }).getByRole('button').click();
        await register.getByRole('columnheader', { name: 'Evidence' }).getByRole('button').click();
      }, () => register.locator('[aria-sort="descending"]').waitFor({ timeout: WAIT_MS }));
      if (heavy) {
        // Sorted by evidence, descending: the first row is the finding with the most evidence rows.
        const want = Math.min(1000, heavy.evidence_count);
        await step(
          `Evidence panel: ${heavy.type} (${heavy.evidence_count.toLocaleString('en-US')} rows)${r}`,
          () => register.getByRole('button', { name: /^Show evidence for / }).first().click(),
          async () => {
            const panel = p.getByRole('complementary', { name: 'Evidence' });
            await panel.getByRole('heading', { name: new RegExp(`^Evidence \\(${heavy.evidence_count.toLocaleString('en-US')}`) }).waitFor({ timeout: WAIT_MS });
            await panel.locator('.evidence-list li').first().waitFor({ timeout: WAIT_MS });
          },
        );
        // The last row the panel holds is reachable: scroll to the end until its row is on screen.
        await step(
          `Evidence panel: scroll to row ${want.toLocaleString('en-US')}${r}`,
          () => p.locator('.evidence-panel').evaluate((el) => el.scrollTo({ top: el.scrollHeight })),
          async () => {
            // Without virtualisation every row is in the list; with it, the row in view carries its position.
            // A virtual list measures rows as they appear and may grow: keep scrolling to its end until the row is there.
            await p.waitForFunction(
              (n) => {
                const panel = document.querySelector('.evidence-panel');
                if (!panel) return false;
                panel.scrollTo({ top: panel.scrollHeight });
                return panel.querySelector(`.evidence-list > li:nth-child(${n}), .evidence-list > li[aria-posinset="${n}"]`) !== null;
              },
              want,
              { timeout: WAIT_MS, polling: 'raf' },
            );
          },
        );
        const shots = argValue('screenshots');
        if (shots) {
          mkdirSync(shots, { recursive: true });
          await p.locator('.evidence-panel').screenshot({ path: join(shots, `ui-bench-evidence-end${r.replace(/\W/g, '')}.png`) });
        }
        await p.getByRole('button', { name: 'Close evidence' }).click();
      }
      await step(`Optimisation: candidates${r}`, nav('Optimisation'), visible(p.getByRole('grid', { name: 'Optimisation candidates' }).getByRole('row').nth(1)));
      await step(`Renewal: charts and brief${r}`, nav('Renewal'), visible(p.getByRole('img', { name: /^Monthly active users against seats for / })));
      await step(`Settlement: scenarios${r}`, nav('Settlement'), visible(p.getByRole('table', { name: 'Settlement scenarios' }).getByRole('row', { name: /Audit, no cooperation/ })));
      const cell = p.getByRole('table', { name: 'Settlement scenarios' }).getByRole('row', { name: /Audit, no cooperation/ }).getByRole('cell').nth(1);
      const before = await cell.innerText();
      const slider = p.getByRole('slider', { name: 'No-cooperation loading (high)' });
      const next = Number(await slider.inputValue()) + 0.25;
      await step(`Settlement: move a slider${r}`, () => slider.fill(String(next)), () =>
        p.waitForFunction(([b]) => {
          const row = [...document.querySelectorAll('table[aria-label="Settlement scenarios"] tr')].find((tr) => tr.textContent?.includes('Audit, no cooperation'));
          return row !== undefined && row.querySelectorAll('td')[1]?.textContent !== b;
        }, [before], { timeout: WAIT_MS }),
      );
      await step(`Export: outputs and comparison${r}`, nav('Export'), visible(main('Export').getByRole('button', { name: 'Write workbook' })));
    }

    console.log('');
    console.log('slowest API calls (browser-timed, request to last byte):');
    for (const c of [...calls].sort((a, b) => b.ms - a.ms).slice(0, 12)) {
      console.log(`  ${c.method.padEnd(22)} ${Math.round(c.ms).toString().padStart(7)} ms  ${kb(c.bytes).padStart(9)}  during "${steps[c.step]?.name ?? '?'}"`);
    }
    if (w.consoleErrors.length) console.log(`console errors: ${w.consoleErrors.slice(0, 5).join(' | ')}`);
    const slow = steps.filter((s) => s.ms > BUDGET_MS);
    if (slow.length) console.log(`over ${BUDGET_MS} ms: ${slow.map((s) => s.name).join('; ')}`);
    const worst = steps.reduce((a, b) => (b.ms > a.ms ? b : a));
    console.log(`ui: ${steps.length} steps, slowest ${Math.round(worst.ms)} ms (${worst.name})`);
  } finally {
    await browser.close().catch(() => undefined);
    await served?.stop();
    if (served) rmSync(served.stateDir, { recursive: true, force: true });
    if (process.argv.includes('--keep')) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}
