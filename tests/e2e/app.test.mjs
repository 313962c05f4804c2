// The real app under Xvfb: every page reachable, app_info shown, a screenshot per page and theme.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './webdriver.mjs';

const { E2E_APP, E2E_DRIVER_URL, E2E_SHOTS_DIR, E2E_THEME, E2E_ROOT, YF_DATA_DIR } = process.env;
const PAGES = ['setup', 'dashboard', 'strategy', 'earnings', 'settings'];
const version = readFileSync(join(E2E_ROOT, 'Cargo.toml'), 'utf8').match(/^version = "(.+)"/m)[1];

let s;
before(async () => {
  s = await Session.start(E2E_DRIVER_URL, E2E_APP);
});
after(async () => {
  await s?.end();
});

test(`every page is reachable from the navigation (${E2E_THEME})`, async () => {
  await s.find('nav-dashboard', { timeoutMs: 30000 });
  for (const page of PAGES) {
    await s.click(`nav-${page}`);
    await s.find(`page-${page}`);
    const current = await s.execute(
      `return document.querySelector('[data-testid="nav-${page}"]').getAttribute('aria-current')`,
    );
    assert.equal(current, 'page', `nav-${page} is marked current`);
    await new Promise((r) => setTimeout(r, 300)); // let transitions settle before the picture
    await s.screenshot(join(E2E_SHOTS_DIR, `${page}-${E2E_THEME}.png`));
  }
});

test(`Settings shows what app_info returns from Rust (${E2E_THEME})`, async () => {
  await s.click('nav-settings');
  assert.equal(await s.waitText('app-info-version', (t) => t.includes(version)), version);
  await s.waitText('app-info-data-dir', (t) => t === YF_DATA_DIR);
  await s.waitText('app-info-profile', (t) => /debug/i.test(t));
});

test(`the page follows the system theme (${E2E_THEME})`, async () => {
  const dark = await s.execute(`return matchMedia('(prefers-color-scheme: dark)').matches`);
  assert.equal(dark, E2E_THEME === 'dark');
});

test(`the demo from the first screen lends against the in-process market (${E2E_THEME})`, async () => {
  await s.click('nav-setup');
  await s.click('try-demo');
  await s.find('demo-badge', { timeoutMs: 30000 });
  await s.find('currency-USD', { timeoutMs: 30000 });
  await s.screenshot(join(E2E_SHOTS_DIR, `demo-paused-${E2E_THEME}.png`));
  await s.click('engine-start');
  // The engine places its ladder on the simulated book within a cycle.
  await s.waitText('bal-offer', (t) => /^[1-9]/.test(t), 30000);
  await s.waitText('engine-state', (t) => t.includes('Lending'), 30000);
  await new Promise((r) => setTimeout(r, 500));
  await s.screenshot(join(E2E_SHOTS_DIR, `demo-lending-${E2E_THEME}.png`));
  // Leaving the demo returns to the first screen.
  await s.click('nav-setup');
  await s.click('leave-demo');
  await s.find('wizard-step-1', { timeoutMs: 15000 });
});
