// DEVELOPMENT ONLY: screenshots of every step at two viewports against a running server, for a
// person to look at. npx tsx tests/e2e/dev/walk.ts URL OUTDIR [WIDTHxHEIGHT]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, goStep } from '../harness';

const url = process.argv[2]!;
const out = process.argv[3] ?? '/tmp/lrtw-walk';
const [w, h] = (process.argv[4] ?? '1440x900').split('x').map(Number);
const mode = process.argv[5] ?? 'sample';
mkdirSync(out, { recursive: true });
const browser = await launch();
const context = await browser.newContext({ viewport: { width: w!, height: h! } });
const page = await context.newPage();
const errors: string[] = [];
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
page.on('pageerror', (e) => errors.push(String(e)));
const snap = async (name: string) => {
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
  await page.screenshot({ path: join(out, `${name}-full.png`), fullPage: true });
};
await page.goto(url);
await page.waitForFunction(() => document.querySelector('main') && !document.body.innerText.includes('Loading the workbench'));
// An engagement still open in the engine is reopened on boot; the walk starts from Start either way.
await goStep(page, 'Start');
await page.getByRole('heading', { name: 'Quarterly licence review' }).waitFor();
await snap('00-start');
if (mode === 'sample') {
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Try with sample data' }).click();
  await page.waitForTimeout(700);
  await snap('00b-sample-progress');
  await page.getByRole('main', { name: 'Data quality' }).waitFor({ timeout: 180000 });
  console.log('sample ready in', Date.now() - t0, 'ms');
} else {
  await page.getByRole('textbox', { name: 'Client', exact: true }).fill('Fresh Client Ltd');
  await page.getByRole('button', { name: 'Create engagement' }).click();
  await page.getByRole('main', { name: 'Load data' }).waitFor();
}
const steps = ['Load data', 'Settings', 'Data quality', 'Reclamation', 'Compliance gaps', 'Optimisation', 'Renewal', 'Settlement', 'Export'];
for (const [i, s] of steps.entries()) {
  await goStep(page, s);
  await page.waitForTimeout(600);
  await snap(`${String(i + 1).padStart(2, '0')}-${s.replace(/\W+/g, '-').toLowerCase()}`);
}
if (mode === 'sample') {
  await goStep(page, 'Compliance gaps');
  await page.getByRole('button', { name: /^Show evidence for/ }).first().click();
  await page.getByRole('complementary', { name: 'Evidence' }).waitFor();
  await page.getByRole('checkbox', { name: /^Select / }).first().check();
  await page.waitForTimeout(500);
  await snap('20-evidence');
}
console.log('errors', errors);
await browser.close();
