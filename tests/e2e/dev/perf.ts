// DEVELOPMENT ONLY: rough timing of the findings table with many rows against the fake engine.
import { launch, openPage, goStep } from '../harness';
const b = await launch();
const w = await openPage(b);
await w.page.goto(process.argv[2]!);
await w.page.getByRole('button', { name: 'Try with sample data' }).click();
await w.page.getByRole('main', { name: 'Data quality' }).waitFor();
await goStep(w.page, 'Compliance gaps');
const grid = w.page.getByRole('grid', { name: 'Gap register' });
await grid.getByRole('row').nth(3).waitFor();
console.log('rows text:', await w.page.getByText(/^\d[\d,]* rows/).first().innerText());
let t = Date.now();
await grid.getByRole('columnheader', { name: 'User' }).getByRole('button').click();
await w.page.waitForTimeout(50);
console.log('sort ms', Date.now() - t);
t = Date.now();
await w.page.getByRole('searchbox', { name: 'Search Gap register' }).fill('user0042');
await w.page.getByText(/ of [\d,]+ rows/).waitFor();
console.log('search ms', Date.now() - t, await w.page.getByText(/ of [\d,]+ rows/).innerText());
await w.page.getByRole('searchbox', { name: 'Search Gap register' }).fill('');
t = Date.now();
const frames = (await w.page.evaluate(`(async () => {
  const el = document.querySelector('[aria-label="Gap register"]');
  let n = 0; const start = performance.now();
  await new Promise((ok) => { const step = () => { el.scrollTop += 400; n++; if (performance.now() - start < 2000) requestAnimationFrame(step); else ok(); }; requestAnimationFrame(step); });
  return { frames: n, rendered: el.querySelectorAll('[role=row]').length, top: el.scrollTop };
})()`)) as { frames: number; rendered: number; top: number };
console.log('scroll 2s:', frames, 'DOM rows', frames.rendered);
const idle = (await w.page.evaluate(`(async () => { let n = 0; const s = performance.now(); await new Promise((ok) => { const f = () => { n++; if (performance.now() - s < 2000) requestAnimationFrame(f); else ok(); }; requestAnimationFrame(f); }); return n; })()`)) as number;
console.log('idle frames in 2s', idle);
const renders = (await w.page.evaluate(`(async () => {
  const el = document.querySelector('[aria-label="Gap register"]');
  const times = [];
  for (let i = 0; i < 20; i++) { const t = performance.now(); el.scrollTop += 400; el.dispatchEvent(new Event('scroll')); await new Promise((ok) => setTimeout(ok, 0)); times.push(performance.now() - t); }
  return times.map((x) => Math.round(x)).join(',');
})()`)) as string;
console.log('per-scroll script ms', renders);
await b.close();
