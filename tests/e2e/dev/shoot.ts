// DEVELOPMENT ONLY: screenshots of every step against a running server. npx tsx tests/e2e/dev/shoot.ts URL
import { join } from 'node:path';
import { launch, openPage, goStep } from '../harness';

const url = process.argv[2]!;
const out = process.argv[3] ?? '/tmp/lrtw-shots';
const browser = await launch();
const w = await openPage(browser);
await w.page.goto(url);
await w.page.getByRole('heading', { name: 'Quarterly licence review' }).waitFor();
await w.page.screenshot({ path: join(out, '00-start.png'), fullPage: true });
await w.page.getByRole('button', { name: 'Try with sample data' }).click();
await w.page.getByRole('main', { name: 'Data quality' }).waitFor({ timeout: 180000 });
const steps = ['Load data', 'Settings', 'Data quality', 'Reclamation', 'Compliance gaps', 'Optimisation', 'Renewal', 'Settlement', 'Export'];
for (const [i, s] of steps.entries()) {
  await goStep(w.page, s);
  await w.page.waitForTimeout(400);
  await w.page.screenshot({ path: join(out, `${String(i + 1).padStart(2, '0')}-${s.replace(/\W+/g, '-').toLowerCase()}.png`), fullPage: true });
}
await goStep(w.page, 'Compliance gaps');
await w.page.getByRole('button', { name: /^Show evidence for/ }).first().click();
await w.page.getByRole('complementary', { name: 'Evidence' }).waitFor();
await w.page.getByRole('checkbox', { name: /^Select / }).first().check();
await w.page.waitForTimeout(300);
await w.page.screenshot({ path: join(out, '20-evidence.png'), fullPage: true });
console.log('errors', w.consoleErrors, 'foreign', w.requests.filter((r) => !r.startsWith(new URL(url).origin)));
await browser.close();
