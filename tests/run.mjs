#!/usr/bin/env node
// Runs every *.test.ts under tests/ with Node's own test runner (through tsx).
// Node 20's --test does not expand globs or pick up .ts files, hence this small finder.
// Usage: node tests/run.mjs [substring-filter ...]
import { readdirSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

const root = new URL('.', import.meta.url).pathname;
const filters = process.argv.slice(2);
const found = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures' || name === 'artifacts') continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) found.push(p);
  }
})(root);
// Filters match the path from the repo root or from tests/ (`tests/ingest` and `ingest/` both work).
const files = found.filter((f) => filters.length === 0 || filters.some((s) => `tests/${relative(root, f)}`.includes(s)));
if (files.length === 0) {
  console.error('tests/run.mjs: no test files matched', filters.join(' '));
  process.exit(1);
}
// Every engagement, export and browser profile the tests make goes under one folder of this run, removed
// at the end: a developer's temp folder does not fill up with thousands of test engagements.
// LRTW_KEEP_TEST_TMP=1 keeps it to look into a failure.
const runTmp = mkdtempSync(join(tmpdir(), 'lrtw-test-run-'));
const env = { ...process.env, TMPDIR: runTmp, TMP: runTmp, TEMP: runTmp };
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env,
});
if (process.env.LRTW_KEEP_TEST_TMP === '1') console.log(`tests/run.mjs: test files kept in ${runTmp}`);
else rmSync(runTmp, { recursive: true, force: true });
process.exit(r.status ?? 1);
