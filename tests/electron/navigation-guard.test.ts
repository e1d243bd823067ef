import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNavigationAllowed, isRequestAllowed, windowOpenDecision } from '../../electron/navigation-guard';

test('navigation: only our own entry page (reload), nothing else', () => {
  assert.equal(isNavigationAllowed('app://workbench/index.html'), true);
  assert.equal(isNavigationAllowed('app://workbench/'), true);
  assert.equal(isNavigationAllowed('app://workbench/index.html#/review'), true);
  for (const url of ['https://autodesk.com/', 'http://127.0.0.1:3000/', 'file:///C:/Windows/', 'app://workbench/other.html', 'app://evil/index.html', 'javascript:alert(1)', 'data:text/html,<h1>x', '']) {
    assert.equal(isNavigationAllowed(url), false, url);
  }
});

test('window.open is always denied', () => {
  assert.deepEqual(windowOpenDecision('app://workbench/index.html'), { action: 'deny' });
  assert.deepEqual(windowOpenDecision('https://example.com'), { action: 'deny' });
});

test('requests: app://, data: and blob: pass; every network scheme is cancelled', () => {
  for (const url of ['app://workbench/main.js', 'app://workbench/assets/inter-400.woff2', 'data:image/png;base64,AAAA', 'blob:app://workbench/1234-5678']) {
    assert.equal(isRequestAllowed(url, { dev: false }), true, url);
  }
  for (const url of ['https://fonts.googleapis.com/css', 'http://localhost:5173/', 'wss://x.example/', 'ftp://x/', 'file:///etc/hosts', 'app://elsewhere/x.js', 'chrome-extension://abc/x.js', 'devtools://devtools/bundled/inspector.html', '::']) {
    assert.equal(isRequestAllowed(url, { dev: false }), false, url);
  }
});

test('devtools pages are allowed in development builds only', () => {
  assert.equal(isRequestAllowed('devtools://devtools/bundled/inspector.html', { dev: true }), true);
  assert.equal(isRequestAllowed('devtools://devtools/bundled/inspector.html', { dev: false }), false);
  assert.equal(isRequestAllowed('https://chrome-devtools-frontend.appspot.com/x', { dev: true }), false);
});
