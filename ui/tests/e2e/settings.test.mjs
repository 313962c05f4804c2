// The Settings page's desktop settings in Chromium with IPC stubbed: switches that save at once
// (and roll back), the hand-off form, updates (check, notes, install, progress), logs and
// diagnostics; the update banner; the wizard's start-at-login checkbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, withBrowser } from './harness.mjs';

const LIVE = { mode: 'live', label: 'Yieldsforge', masked: 'AbCd…wXyZ', verifiedMts: 1, problem: null, canTransfer: false };
const EMPTY = { state: { state: 'Paused' }, dryRun: false, lastCycleMts: null, lastError: null, problems: [], currencies: [] };
const INFO = { version: '0.1.0', dataDir: '/home/user/.local/share/app.yieldsforge.desktop', buildProfile: 'release', os: 'linux', arch: 'x86_64' };
const SETTINGS = {
  checkUpdates: true,
  notifyKeyRevoked: true,
  notifyWithdraw: true,
  notifyEngineError: true,
  notifyDailySummary: false,
  handoff: { enabled: false, rate: null, period: 2, amount: null },
};
const UPDATE = {
  version: '0.2.0',
  currentVersion: '0.1.0',
  notes: 'Faster start.\r\n- The tray shows today’s earnings.\r\n- <b>Fixed</b> a crash at shutdown.',
  date: '2026-06-01',
};

const open = withBrowser();

function base(extra = {}) {
  return {
    key_state: LIVE,
    engine_status: EMPTY,
    'plugin:event|listen': 1,
    'plugin:event|unlisten': null,
    app_info: INFO,
    desktop_settings_get: SETTINGS,
    desktop_settings_set: { __echo: 'settings' },
    autostart_get: false,
    autostart_set: { __echo: 'enabled' },
    ...extra,
  };
}

const calls = (page, cmd) => page.evaluate((c) => window.__ipcCalls.filter((x) => x.cmd === c).map((x) => x.args), cmd);

/** Delivers an event to the page's listeners, as Tauri would. */
async function emit(page, event, payload) {
  await page.waitForFunction((e) => window.__ipcCalls.some((c) => c.cmd === 'plugin:event|listen' && c.args.event === e), event);
  await page.evaluate(
    ({ event, payload }) => {
      for (const c of window.__ipcCalls.filter((c) => c.cmd === 'plugin:event|listen' && c.args.event === event)) {
        window[`_${c.args.handler}`]?.({ event, id: 1, payload });
      }
    },
    { event, payload },
  );
}

for (const scheme of ['light', 'dark']) {
  test(`Settings loads the desktop settings and each switch saves at once (${scheme})`, async () => {
    const { page, context, consoleErrors } = await open(base(), { hash: '#/settings', colorScheme: scheme });
    await page.waitForSelector('[data-testid="settings-handoff"]');
    await page.waitForSelector('[data-testid="autostart"]');
    assert.equal(await page.isChecked('[data-testid="check-updates"]'), true);
    assert.equal(await page.isChecked('[data-testid="notify-key-revoked"]'), true);
    assert.equal(await page.isChecked('[data-testid="notify-daily-summary"]'), false, 'the daily summary is off by default');
    assert.equal(await page.isChecked('[data-testid="autostart"]'), false);
    assert.equal(await page.getAttribute('[data-testid="autostart"]', 'role'), 'switch');
    assert.match(await page.textContent('[data-testid="settings-autostart"]'), /starts hidden in the tray and goes on lending/);
    assert.match(await page.textContent('[data-testid="settings-notifications"]'), /\+12\.34 USD yesterday, 97 % lent/);
    assert.equal(await page.isDisabled('[data-testid="handoff-save"]'), true, 'nothing to save yet');
    assert.deepEqual(await calls(page, 'autostart_set'), [], 'loading never changes start at login');
    assert.deepEqual(await calls(page, 'desktop_settings_set'), []);
    // The page scrolls inside the frame: a tall window shows all of it.
    await page.setViewportSize({ width: 1200, height: 2500 });
    await page.screenshot({ path: `${SHOTS}settings-${scheme}.png` });
    await page.setViewportSize({ width: 1200, height: 780 });

    await page.click('[data-testid="notify-daily-summary"]');
    await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'desktop_settings_set'));
    assert.deepEqual(await calls(page, 'desktop_settings_set'), [{ settings: { ...SETTINGS, notifyDailySummary: true } }]);
    assert.equal(await page.isChecked('[data-testid="notify-daily-summary"]'), true);

    // Two quick toggles: each save carries everything switched so far.
    await page.click('[data-testid="check-updates"]');
    await page.click('[data-testid="notify-withdraw"]');
    await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'desktop_settings_set').length === 3);
    const sets = await calls(page, 'desktop_settings_set');
    assert.deepEqual(sets[2].settings, { ...SETTINGS, notifyDailySummary: true, checkUpdates: false, notifyWithdraw: false });
    assert.equal(await page.isChecked('[data-testid="check-updates"]'), false);
    assert.equal(await page.isChecked('[data-testid="notify-withdraw"]'), false);

    // Start at login, only on the user's click, with the new state as the answer.
    await page.focus('[data-testid="autostart"]');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'autostart_set'));
    assert.deepEqual(await calls(page, 'autostart_set'), [{ enabled: true }]);
    await page.waitForSelector('[data-testid="autostart"]:checked:not([disabled])');
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('a switch whose save fails goes back and says why', async () => {
  const refused = { __reject: { code: 'Storage', message: 'Could not save preferences in /d: disk full' } };
  const { page, context, consoleErrors } = await open(
    base({ desktop_settings_set: refused, autostart_set: { __reject: { code: 'Internal', message: 'The login items could not be changed.' } } }),
    { hash: '#/settings' },
  );
  await page.waitForSelector('[data-testid="notify-engine-error"]');
  await page.click('[data-testid="notify-engine-error"]');
  assert.match(await page.textContent('[data-testid="notify-error"]'), /disk full/);
  assert.equal(await page.getAttribute('[data-testid="notify-error"]', 'role'), 'alert');
  assert.equal(await page.isChecked('[data-testid="notify-engine-error"]'), true, 'rolled back');
  await page.click('[data-testid="autostart"]');
  assert.match(await page.textContent('[data-testid="autostart-error"]'), /login items/);
  await page.waitForSelector('[data-testid="autostart"]:not(:checked):not([disabled])');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the hand-off form checks its fields, then saves the daily rate as a decimal string', async () => {
  const savedHandoff = { enabled: true, rate: '0.00027397', period: 30, amount: '2500' };
  const handlers = base({
    desktop_settings_set: {
      __sequence: [
        { __reject: { code: 'InvalidInput', message: 'The most to keep on Auto-Renew must be above 0 (or choose all of it).' } },
        { ...SETTINGS, handoff: savedHandoff },
      ],
    },
  });
  const { page, context, consoleErrors } = await open(handlers, { hash: '#/settings' });
  await page.waitForSelector('[data-testid="settings-handoff"]');
  assert.match(await page.textContent('[data-testid="settings-handoff"]'), /never cancels offers it did not create/);
  assert.equal(await page.isChecked('[data-testid="handoff-rate-frr"]'), true);
  assert.equal(await page.isChecked('[data-testid="handoff-amount-all"]'), true);

  await page.fill('[data-testid="handoff-period"]', '150');
  assert.equal(await page.isDisabled('[data-testid="handoff-save"]'), false);
  await page.click('[data-testid="handoff-save"]');
  assert.match(await page.textContent('[data-testid="handoff-error-period"]'), /2 to 120 days/);
  assert.equal(await page.getAttribute('[data-testid="handoff-period"]', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'handoff-period', 'focus moves to the bad field');
  assert.deepEqual(await calls(page, 'desktop_settings_set'), [], 'nothing is saved while a field is wrong');
  await page.setViewportSize({ width: 1200, height: 1500 });
  await page.locator('[data-testid="settings-handoff"]').screenshot({ path: `${SHOTS}settings-handoff-error.png` });
  await page.setViewportSize({ width: 1200, height: 780 });

  // Fixed at 10 % APR, 30 days, at most 2500 USD.
  await page.fill('[data-testid="handoff-period"]', '30');
  assert.equal(await page.locator('[data-testid="handoff-error-period"]').count(), 0, 'the error goes once fixed');
  await page.click('[data-testid="handoff-enabled"]');
  await page.click('[data-testid="handoff-rate-fixed"]');
  await page.fill('[data-testid="handoff-apr"]', '10');
  assert.match(await page.textContent('[data-testid="handoff-daily"]'), /0\.0274 %\/day .*0\.00027397/);
  await page.fill('[data-testid="handoff-amount"]', '2500');
  assert.equal(await page.isChecked('[data-testid="handoff-amount-max"]'), true, 'typing an amount picks "At most"');
  await page.click('[data-testid="handoff-save"]');
  assert.match(await page.textContent('[data-testid="handoff-error"]'), /above 0/);
  await page.click('[data-testid="handoff-save"]');
  await page.waitForSelector('[data-testid="handoff-saved"]');
  const sets = await calls(page, 'desktop_settings_set');
  assert.equal(sets.length, 2);
  assert.deepEqual(sets[1].settings, { ...SETTINGS, handoff: savedHandoff });
  assert.equal(await page.isDisabled('[data-testid="handoff-save"]'), true, 'saved: nothing left to save');
  assert.equal(await page.inputValue('[data-testid="handoff-apr"]'), '10');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('checking for updates: up to date, then a new version with its notes, installed with progress', async () => {
  const handlers = base({
    update_check: { __sequence: [{ __reject: { code: 'Network', message: 'Could not reach the update server.' } }, null, UPDATE] },
    update_install: null,
  });
  const { page, context, consoleErrors } = await open(handlers, { hash: '#/settings' });
  await page.click('[data-testid="update-check"]');
  assert.match(await page.textContent('[data-testid="update-check-error"]'), /Could not reach the update server\. Check your internet connection/);
  assert.equal(await page.getAttribute('[data-testid="update-check-error"]', 'role'), 'alert');
  await page.click('[data-testid="update-check"]');
  assert.equal(await page.textContent('[data-testid="update-latest"]'), 'You have the latest version (0.1.0).');
  assert.equal(await page.locator('[data-testid="update-check-error"]').count(), 0);

  await page.click('[data-testid="update-check"]');
  await page.waitForSelector('[data-testid="update-available"]');
  assert.equal(await page.textContent('[data-testid="update-version"]'), '0.2.0');
  assert.equal(await page.textContent('[data-testid="update-date"]'), 'Jun 1, 2026');
  assert.equal(await page.locator('[data-testid="update-latest"]').count(), 0);
  const notes = page.locator('[data-testid="update-notes"]');
  assert.equal(await notes.textContent(), 'Faster start.\n- The tray shows today’s earnings.\n- <b>Fixed</b> a crash at shutdown.');
  assert.equal(await notes.locator('b').count(), 0, 'notes are text, never HTML');
  assert.match(await notes.innerText(), /Faster start\.\n- The tray/, 'line breaks are kept');
  await page.locator('[data-testid="settings-updates"]').screenshot({ path: `${SHOTS}settings-update-available.png` });

  await page.click('[data-testid="update-install"]');
  assert.deepEqual(await calls(page, 'update_install'), [], 'nothing is installed before the confirmation');
  await page.click('[data-testid="update-install-confirm"]');
  await page.waitForSelector('[data-testid="update-progress"]');
  assert.equal((await calls(page, 'update_install')).length, 1);
  await emit(page, 'update://progress', { downloaded: 3_100_000, total: 12_400_000 });
  await page.waitForFunction(() => /3\.1 MB of 12\.4 MB \(25 %\)/.test(document.querySelector('[data-testid="update-progress"]')?.textContent ?? ''));
  assert.equal(await page.getAttribute('[data-testid="update-progress"] progress', 'value'), '25');
  await page.locator('[data-testid="settings-updates"]').screenshot({ path: `${SHOTS}settings-update-progress.png` });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('an update whose signature does not match is not installed, and says so', async () => {
  const message = 'The update’s signature does not match the key built into Yieldsforge.';
  const { page, context, consoleErrors } = await open(
    base({ update_check: UPDATE, update_install: { __reject: { code: 'Rejected', message } } }),
    { hash: '#/settings' },
  );
  await page.click('[data-testid="update-check"]');
  await page.click('[data-testid="update-install"]');
  await page.click('[data-testid="update-install-confirm"]');
  assert.equal(await page.textContent('[data-testid="update-install-error"]'), `${message} Nothing was installed.`);
  await page.waitForSelector('[data-testid="update-install"]');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`the background check's event shows a banner that leads to the notes and installs (${scheme})`, async () => {
    const { page, context, consoleErrors } = await open(base({ update_install: null }), { hash: '#/dashboard', colorScheme: scheme });
    await page.waitForSelector('[data-testid="page-dashboard"]');
    assert.equal(await page.locator('[data-testid="update-banner"]').count(), 0);
    await emit(page, 'update://available', UPDATE);
    await page.waitForSelector('[data-testid="update-banner"]');
    assert.equal(await page.textContent('[data-testid="update-banner-text"]'), 'Yieldsforge 0.2.0 is available.');
    await page.screenshot({ path: `${SHOTS}update-banner-${scheme}.png` });

    await page.click('[data-testid="update-banner-notes"]');
    await page.waitForSelector('[data-testid="page-settings"]');
    assert.equal(await page.evaluate(() => location.hash), '#/settings');
    assert.match(await page.textContent('[data-testid="update-notes"]'), /Faster start/);
    await page.waitForFunction(() => document.activeElement?.contains(document.querySelector('[data-testid="settings-updates"]')));

    await page.click('[data-testid="update-banner-install"]');
    assert.deepEqual(await calls(page, 'update_install'), []);
    await page.click('[data-testid="update-banner-confirm"]');
    await page.waitForSelector('[data-testid="update-banner-progress"]');
    assert.equal((await calls(page, 'update_install')).length, 1);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('an update found while the window was closed is announced when it opens', async () => {
  const { page, context } = await open(base({ update_pending: UPDATE }), { hash: '#/dashboard' });
  await page.waitForSelector('[data-testid="update-banner"]');
  assert.equal(await page.textContent('[data-testid="update-banner-text"]'), 'Yieldsforge 0.2.0 is available.');
  await context.close();
});

test('the update banner can be dismissed', async () => {
  const { page, context } = await open(base(), { hash: '#/dashboard' });
  await emit(page, 'update://available', UPDATE);
  await page.click('[data-testid="update-banner-dismiss"]');
  assert.equal(await page.locator('[data-testid="update-banner"]').count(), 0);
  // The same version again (the 12-hour check) stays dismissed.
  await emit(page, 'update://available', UPDATE);
  assert.equal(await page.locator('[data-testid="update-banner"]').count(), 0);
  await context.close();
});

test('open the logs folder and copy diagnostics, or show them to copy by hand', async () => {
  const report = 'Yieldsforge 0.1.0 (release)\nlinux x86_64\nkey: live (AbCd…wXyZ)';
  const { page, context, consoleErrors } = await open(base({ open_logs_folder: null, diagnostics: report }), { hash: '#/settings' });
  await page.click('[data-testid="open-logs"]');
  await page.waitForSelector('[data-testid="logs-opened"]');
  assert.equal((await calls(page, 'open_logs_folder')).length, 1);

  await page.evaluate(() => {
    window.__copied = [];
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (t) => void window.__copied.push(t) }, configurable: true });
  });
  await page.click('[data-testid="copy-diagnostics"]');
  await page.waitForSelector('[data-testid="diagnostics-copied"]');
  assert.deepEqual(await page.evaluate(() => window.__copied), [report]);

  // Neither the Clipboard API nor execCommand works: the text is shown to copy by hand.
  await page.evaluate(() => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: async () => { throw new Error('denied'); } }, configurable: true });
    document.execCommand = () => false;
  });
  await page.click('[data-testid="copy-diagnostics"]');
  await page.waitForSelector('[data-testid="diagnostics-text"]');
  assert.equal(await page.inputValue('[data-testid="diagnostics-text"]'), report);
  assert.equal(await page.locator('[data-testid="diagnostics-copied"]').count(), 0);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a settings load error is shown once, with Retry', async () => {
  const handlers = base({ desktop_settings_get: { __sequence: [{ __reject: { code: 'Storage', message: 'The data folder is not readable.' } }, SETTINGS] } });
  const { page, context } = await open(handlers, { hash: '#/settings' });
  assert.match(await page.textContent('[data-testid="desktop-settings-error"]'), /not readable/);
  assert.equal(await page.locator('[data-testid="settings-handoff"]').count(), 0);
  await page.click('[data-testid="desktop-settings-retry"]');
  await page.waitForSelector('[data-testid="settings-handoff"]');
  assert.equal(await page.locator('[data-testid="desktop-settings-error"]').count(), 0);
  await context.close();
});

test('the wizard offers start at login unchecked, and turns it on only when checked', async () => {
  const wallets = [{ wallet: 'funding', currency: 'USD', balance: '1000', available: '1000' }];
  const { page, context, consoleErrors } = await open(base({ wallets }), { hash: '#/setup' });
  await page.evaluate(() => localStorage.setItem('yf.wizard.step', '6'));
  await page.reload();
  await page.waitForSelector('[data-testid="wizard-step-6"]');
  assert.equal(await page.isChecked('[data-testid="wizard-autostart"]'), false, 'never checked by default');
  assert.match(await page.textContent('[data-testid="wizard-step-6"]'), /Start Yieldsforge when I log in \(hidden in the tray\)/);
  await page.click('[data-testid="wizard-done"]');
  await page.waitForSelector('[data-testid="page-dashboard"]');
  assert.deepEqual(await calls(page, 'autostart_set'), [], 'unchecked: start at login is left alone');

  await page.evaluate(() => (location.hash = '#/setup'));
  await page.waitForSelector('[data-testid="wizard-step-6"]');
  await page.check('[data-testid="wizard-autostart"]');
  await page.screenshot({ path: `${SHOTS}wizard-step-6-autostart.png` });
  await page.click('[data-testid="wizard-done"]');
  await page.waitForSelector('[data-testid="page-dashboard"]');
  assert.deepEqual(await calls(page, 'autostart_set'), [{ enabled: true }]);
  assert.equal(await page.locator('[data-testid="app-notice"]').count(), 0);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the wizard still finishes when start at login cannot be turned on, and says why', async () => {
  const refused = { __reject: { code: 'Internal', message: 'The autostart entry could not be written.' } };
  const { page, context } = await open(base({ wallets: [], autostart_set: refused }), { hash: '#/setup' });
  await page.evaluate(() => localStorage.setItem('yf.wizard.step', '6'));
  await page.reload();
  await page.check('[data-testid="wizard-autostart"]');
  await page.click('[data-testid="wizard-done"]');
  await page.waitForSelector('[data-testid="page-dashboard"]');
  assert.match(await page.textContent('[data-testid="app-notice"]'), /could not be written.*Settings → Start at login/);
  await page.click('[data-testid="app-notice-dismiss"]');
  assert.equal(await page.locator('[data-testid="app-notice"]').count(), 0);
  await context.close();
});

test('opened with no page asked for, a connected app shows the Dashboard; without a key, Setup', async () => {
  const { page, context } = await open(base(), { hash: '' });
  await page.waitForSelector('[data-testid="page-dashboard"]');
  await context.close();
  const none = { ...LIVE, mode: 'none', label: null, masked: null, verifiedMts: null };
  const second = await open(base({ key_state: none }), { hash: '' });
  await second.page.waitForSelector('[data-testid="page-setup"]');
  await second.context.close();
});

test('a key change the window did not ask for (the demo started at launch) updates it', async () => {
  const none = { ...LIVE, mode: 'none', label: null, masked: null, verifiedMts: null };
  const { page, context } = await open(base({ key_state: none }), { hash: '#/setup' });
  assert.equal(await page.locator('[data-testid="demo-badge"]').count(), 0);
  await emit(page, 'key://state', { ...LIVE, mode: 'demo', label: 'Demo' });
  await page.waitForSelector('[data-testid="demo-badge"]');
  await context.close();
});
