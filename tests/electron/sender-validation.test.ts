import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSender, isAppOriginUrl } from '../../electron/sender-validation';

const ours = new Set([7, 9]);
const topFrame = (url: string) => ({ url, parent: null });

test('accepts the top frame of one of our windows showing app://workbench', () => {
  assert.deepEqual(validateSender({ sender: { id: 7 }, senderFrame: topFrame('app://workbench/index.html') }, ours), { ok: true });
  assert.deepEqual(validateSender({ sender: { id: 9 }, senderFrame: topFrame('app://workbench/index.html#/step/3?x=1') }, ours), { ok: true });
});

test('refuses web contents the app did not create (devtools, a stray window)', () => {
  const v = validateSender({ sender: { id: 42 }, senderFrame: topFrame('app://workbench/index.html') }, ours);
  assert.equal(v.ok, false);
  assert.match(!v.ok ? v.reason : '', /42/);
});

test('refuses sub-frames even on our origin (e.g. an evidence-pack report in a frame)', () => {
  const v = validateSender({ sender: { id: 7 }, senderFrame: { url: 'app://workbench/report.html', parent: {} } }, ours);
  assert.equal(v.ok, false);
  assert.match(!v.ok ? v.reason : '', /sub-frame/);
});

test('refuses a frame that navigated away from our origin, or no longer exists', () => {
  for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/index.html', 'app://workbench:8080/index.html', 'app://user@workbench/', 'devtools://devtools/bundled/x.html', 'not a url']) {
    assert.equal(validateSender({ sender: { id: 7 }, senderFrame: topFrame(url) }, ours).ok, false, url);
  }
  assert.equal(validateSender({ sender: { id: 7 }, senderFrame: null }, ours).ok, false);
});

test('isAppOriginUrl is exact about scheme and host', () => {
  assert.equal(isAppOriginUrl('app://workbench/'), true);
  assert.equal(isAppOriginUrl('app://workbench.evil/'), false);
  assert.equal(isAppOriginUrl('apps://workbench/'), false);
});
