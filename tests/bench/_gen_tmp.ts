import { generateSample } from '/work/main/analysis/sample/generate';
async function main(){ const t0 = performance.now();
const r = await generateSample(process.argv[2]!, { users: 20000, months: 24, seed: 1 });
console.log('sessions', r.sessions, 'secs', ((performance.now() - t0) / 1000).toFixed(1));} main();
