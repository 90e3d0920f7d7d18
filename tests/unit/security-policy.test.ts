import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { contentSecurityPolicy, isAppUrl, secureWebPreferences } from '../../src/main/window/security-policy';

describe('Electron security defaults', () => {
  it('isolates and sandboxes the renderer with no Node access', () => {
    const prefs = secureWebPreferences('/p.js');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('uses a strict CSP with no unsafe sources, also in the page itself', () => {
    expect(contentSecurityPolicy).toContain("default-src 'none'");
    expect(contentSecurityPolicy).toContain("script-src 'self'");
    expect(contentSecurityPolicy).not.toMatch(/unsafe-/);
    const html = readFileSync('src/renderer/index.html', 'utf8');
    expect(html).toContain("script-src 'self'");
    expect(html).not.toMatch(/unsafe-/);
  });

  it('lets only the app navigate', () => {
    expect(isAppUrl('file:///app/index.html', 'file://')).toBe(true);
    expect(isAppUrl('https://evil.example/', 'file://')).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/x', 'http://127.0.0.1:5173')).toBe(true);
    expect(isAppUrl('http://127.0.0.1:5174/x', 'http://127.0.0.1:5173')).toBe(false);
    expect(isAppUrl('not a url', 'file://')).toBe(false);
  });

  it('keeps electron imports out of the services', () => {
    const index = readFileSync('src/main/index.ts', 'utf8');
    expect(index).toContain('app.enableSandbox()');
    expect(index).toContain('hardenSession()');
  });
});
