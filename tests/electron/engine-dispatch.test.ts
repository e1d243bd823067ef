import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../analysis/api/contract';
import { answerPortMessage } from '../../electron/engine-dispatch';

const toError = (e: unknown) => (e instanceof ApiError ? { code: e.code, message: e.message } : { code: 'failed' as const, message: e instanceof Error ? e.message : String(e) });

test('a call is run and its result framed as a reply with the same id', async () => {
  const seen: unknown[] = [];
  const r = await answerPortMessage(async (m, i) => (seen.push([m, i]), { path: '/a.lrtw' }), toError, { type: 'call', id: 12, method: 'engagement.open', input: { path: '/a.lrtw' } });
  assert.deepEqual(r, { type: 'reply', id: 12, reply: { ok: true, result: { path: '/a.lrtw' } } });
  assert.deepEqual(seen, [['engagement.open', { path: '/a.lrtw' }]]);
});

test('engine errors keep their code; plain errors become failed; nothing escapes unanswered', async () => {
  const r1 = await answerPortMessage(async () => { throw new ApiError('read_only', 'This engagement is open read-only.'); }, toError, { type: 'call', id: 1, method: 'decisions.set', input: {} });
  assert.deepEqual(r1?.reply, { ok: false, error: { code: 'read_only', message: 'This engagement is open read-only.' } });
  const r2 = await answerPortMessage(async () => { throw new Error('disk full'); }, () => { throw new Error('mapper broke'); }, { type: 'call', id: 2, method: 'import.run', input: {} });
  assert.deepEqual(r2?.reply, { ok: false, error: { code: 'failed', message: 'import.run failed: disk full' } });
});

test('messages that are not calls get no reply and never reach the engine', async () => {
  let ran = false;
  const run = async () => ((ran = true), null);
  for (const raw of [null, 'call', { type: 'call' }, { type: 'call', id: -1, method: 'x' }, { type: 'progress', id: 1, method: 'x' }, { type: 'call', id: 1, method: 'x'.repeat(100) }]) {
    assert.equal(await answerPortMessage(run, toError, raw), null, JSON.stringify(raw));
  }
  assert.equal(ran, false);
});
