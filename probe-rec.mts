import { startServe, launch, openPage, callApi, goStep } from './tests/e2e/harness';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
const s = await startServe();
const b = await launch();
try {
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  await callApi(s, 'engagement.create', { path: join(dir, 'nw.lrtw'), client: 'Northwind Engineering', as_of: '2018-08-31' });
  await callApi(s, 'settings.applyFile', { path: '/tmp/client-nw/engagement.json' }).catch((e) => console.log('apply', String(e)));
  await callApi(s, 'import.run', { jobId: 'i', files: [{ path: '/tmp/client-nw' }] });
  await callApi(s, 'review.run', { jobId: 'r' });
  const w = await openPage(b);
  await w.page.setViewportSize({ width: 1280, height: 800 });
  await w.page.goto(s.url);
  await goStep(w.page, 'Reclamation');
  const grid = w.page.getByRole('main', { name: 'Reclamation' }).getByRole('grid').first();
  await grid.getByRole('button', { name: /^Show evidence for / }).first().waitFor();
  await w.page.waitForTimeout(500);
  console.log(JSON.stringify(await grid.evaluate((g) => ({ sw: g.scrollWidth, cw: g.clientWidth, sh: g.scrollHeight, ch: g.clientHeight, oh: (g as HTMLElement).offsetHeight }))));
  await w.page.screenshot({ path: '/tmp/probe-rec.png' });
  for (const [step, f] of [['Compliance gaps', 'gaps'], ['Renewal', 'renewal'], ['Data quality', 'dq']]) {
    await goStep(w.page, step);
    await w.page.waitForTimeout(800);
    await w.page.screenshot({ path: `/tmp/probe-${f}.png` });
  }
  await goStep(w.page, 'Compliance gaps');
  const g = w.page.getByRole('grid', { name: 'Gap register' });
  await g.getByRole('button', { name: /^Show evidence for / }).first().click();
  await w.page.getByRole('complementary', { name: 'Evidence' }).waitFor();
  await w.page.waitForTimeout(400);
  console.log('gaps+panel', JSON.stringify(await g.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth, sh: el.scrollHeight, ch: el.clientHeight }))));
  await w.page.screenshot({ path: '/tmp/probe-gaps-panel.png' });
  await goStep(w.page, 'Renewal');
  const flexChart = w.page.locator('figure.chart').last();
  await flexChart.scrollIntoViewIfNeeded();
  await w.page.screenshot({ path: '/tmp/probe-charts.png' });
  const gaps = await callApi<{ type: string; product: string | null; offering: string | null; units: number; detail: string | null }[]>(s, 'findings.list', {});
  console.log(JSON.stringify(gaps.map((g) => [g.type, g.product, g.offering, g.units, g.detail])));
} finally {
  await b.close();
  await s.stop();
}
