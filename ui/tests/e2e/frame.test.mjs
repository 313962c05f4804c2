// The app frame in Chromium with IPC stubbed: navigation, app_info in Settings, error states,
// and a screenshot of every page in light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, withBrowser } from './harness.mjs';

const PAGES = ['setup', 'dashboard', 'strategy', 'earnings', 'settings'];
const INFO = { version: '0.1.0', dataDir: '/home/user/.local/share/app.yieldsforge.desktop', buildProfile: 'debug', os: 'linux', arch: 'x86_64' };
const DESKTOP = {
  checkUpdates: true, notifyKeyRevoked: true, notifyWithdraw: true, notifyEngineError: true, notifyDailySummary: false,
  handoff: { enabled: false, rate: null, period: 2, amount: null },
};

const open = withBrowser();

test('every page is reachable by clicking, and aria-current follows', async () => {
  const { page, context, consoleErrors } = await open({ app_info: INFO });
  for (const name of PAGES) {
    await page.click(`[data-testid="nav-${name}"]`);
    await page.waitForSelector(`[data-testid="page-${name}"]`);
    assert.equal(await page.getAttribute(`[data-testid="nav-${name}"]`, 'aria-current'), 'page');
    const others = PAGES.filter((p) => p !== name);
    for (const o of others) assert.equal(await page.getAttribute(`[data-testid="nav-${o}"]`, 'aria-current'), null);
  }
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('navigation works from the keyboard', async () => {
  const { page, context } = await open({ app_info: INFO });
  await page.focus('[data-testid="nav-setup"]');
  await page.keyboard.press('Tab'); // Dashboard
  await page.keyboard.press('Tab'); // Strategy
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="page-strategy"]');
  assert.equal(await page.evaluate(() => location.hash), '#/strategy');
  await context.close();
});

test('a page opened from the sidebar starts at its top', async () => {
  const { page, context } = await open({ app_info: INFO, desktop_settings_get: DESKTOP, autostart_get: false }, { hash: '#/settings', viewport: { width: 1024, height: 400 } });
  await page.waitForSelector('[data-testid="settings-handoff"]');
  await page.evaluate(() => (document.querySelector('main').scrollTop = 10_000));
  assert.ok((await page.evaluate(() => document.querySelector('main').scrollTop)) > 500);
  await page.click('[data-testid="nav-setup"]');
  await page.waitForSelector('[data-testid="wizard"]');
  assert.ok(await page.evaluate(() => document.querySelector('main').scrollHeight > document.querySelector('main').clientHeight + 100), 'Setup is taller than the window');
  assert.equal(await page.evaluate(() => document.querySelector('main').scrollTop), 0);
  await context.close();
});

test('Settings shows what app_info returns', async () => {
  const { page, context, consoleErrors } = await open({ app_info: INFO }, { hash: '#/settings' });
  assert.equal(await page.textContent('[data-testid="app-info-version"]'), '0.1.0');
  assert.equal(await page.textContent('[data-testid="app-info-data-dir"]'), INFO.dataDir);
  assert.equal(await page.textContent('[data-testid="app-info-profile"]'), 'debug');
  assert.equal(await page.textContent('[data-testid="app-info-os"]'), 'linux · x86_64');
  assert.deepEqual(await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'app_info').length), 1);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('an app_info error shows its message, and Retry loads again', async () => {
  const handlers = { app_info: { __sequence: [{ __reject: { code: 'Storage', message: 'The data folder is not writable.' } }, INFO] } };
  const { page, context } = await open(handlers, { hash: '#/settings' });
  assert.equal(await page.textContent('[data-testid="app-info-error"]'), 'The data folder is not writable.');
  await page.click('[data-testid="app-info-retry"]');
  assert.equal(await page.textContent('[data-testid="app-info-version"]'), '0.1.0');
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`screenshots of every page (${scheme})`, async () => {
    const { page, context, consoleErrors } = await open({ app_info: INFO, desktop_settings_get: DESKTOP, autostart_get: false }, { colorScheme: scheme });
    for (const name of PAGES) {
      await page.click(`[data-testid="nav-${name}"]`);
      await page.waitForSelector(`[data-testid="page-${name}"]`);
      if (name === 'settings') await page.waitForSelector('[data-testid="app-info-version"]');
      await page.screenshot({ path: `${SHOTS}${name}-${scheme}.png` });
    }
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, scheme === 'dark' ? 'rgb(14, 17, 20)' : 'rgb(246, 247, 249)');
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}
