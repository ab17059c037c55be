import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WEB_PREFIX, browserTarget, openedUrl, servedPrefix } from '../../extension/src/browserUrl';

describe('servedPrefix', () => {
  it('is the setting when set, else /absproxy/{port} in browser-based VS Code, else none', () => {
    assert.equal(servedPrefix('/app', false), '/app');
    assert.equal(servedPrefix(' /app ', true), '/app');
    assert.equal(servedPrefix('', true), WEB_PREFIX);
    assert.equal(servedPrefix('', false), '');
  });
});

describe('browserTarget and openedUrl', () => {
  it('desktop, no prefix: the app itself (the any-address through loopback)', () => {
    const target = browserTarget('http://0.0.0.0:5000/', '');
    assert.deepEqual(target, { local: 'http://127.0.0.1:5000/', prefix: '' });
    assert.equal(openedUrl('http://127.0.0.1:5000/', target), 'http://127.0.0.1:5000/');
  });

  it('remote: what asExternalUri forwarded, untouched', () => {
    const target = browserTarget('http://127.0.0.1:5000/', '');
    assert.equal(openedUrl('http://localhost:53117/', target), 'http://localhost:53117/');
  });

  it("code-server: asExternalUri's /proxy/<port>/ becomes /absproxy/<port>/, which keeps the path", () => {
    const target = browserTarget('http://127.0.0.1:5123/', WEB_PREFIX);
    assert.deepEqual(target, { local: 'http://127.0.0.1:5123/', prefix: '/absproxy/5123' });
    assert.equal(openedUrl('https://code.example.com/proxy/5123/', target), 'https://code.example.com/absproxy/5123/');
  });

  it('a prefix of its own on the desktop: the app under it', () => {
    const target = browserTarget('https://127.0.0.1:8443/', '/shop/');
    assert.deepEqual(target, { local: 'https://127.0.0.1:8443/', prefix: '/shop' });
    assert.equal(openedUrl('https://127.0.0.1:8443/', target), 'https://127.0.0.1:8443/shop/');
  });

  it('leaves what it cannot parse as it is', () => {
    assert.deepEqual(browserTarget('not a url', WEB_PREFIX), { local: 'not a url', prefix: '' });
    assert.equal(openedUrl('not a url', { local: '', prefix: '/x' }), 'not a url');
  });
});
