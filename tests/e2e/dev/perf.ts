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
await grid.getByRole('button', { name: 'Sort by User' }).click();
await w.page.waitForTimeout(50);
console.log('sort ms', Date.now() - t);
t = Date.now();
await w.page.getByRole('searchbox', { name: 'Search Gap register' }).fill('user0042');
await w.page.getByText(/ of [\d,]+ rows/).waitFor();
console.log('search ms', Date.now() - t, await w.page.getByText(/ of [\d,]+ rows/).innerText());
await w.page.getByRole('searchbox', { name: 'Search Gap register' }).fill('');
t = Date.now();
const frames = await w.page.evaluate(async () => {
  const el = document.querySelector('[aria-label="Gap register"]') as HTMLElement;
  let n = 0; const start = performance.now();
  await new Promise<void>((ok) => { const step = () => { el.scrollTop += 400; n++; if (performance.now() - start < 2000) requestAnimationFrame(step); else ok(); }; requestAnimationFrame(step); });
  return { frames: n, rendered: el.querySelectorAll('[role=row]').length, top: el.scrollTop };
});
console.log('scroll 2s:', frames, 'DOM rows', frames.rendered);
await b.close();
