// Destructive buttons ask first, in an in-app dialog: keyboard focus stays inside it, Escape
// cancels, and nothing is sent before the confirmation. After a key is removed, the revoke
// help still names it; "Check permissions now" updates "last checked".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, withBrowser } from './harness.mjs';

const LIVE = { mode: 'live', label: 'Yieldsforge', masked: 'AbCd…wXyZ', verifiedMts: Date.UTC(2026, 0, 5, 9, 30), problem: null, canTransfer: false };
const NONE = { mode: 'none', label: null, masked: null, verifiedMts: null, problem: null, canTransfer: false };
const STATUS = {
  state: { state: 'Running' }, dryRun: false, lastCycleMts: 1, lastError: null, problems: [],
  currencies: [{ currency: 'USD', total: '1000', idle: '0', onOffer: '1000', manualOnOffer: '0', lent: '0', offers: [], credits: [],
    plan: { keep: [], cancel: [], submit: [], idle: [], floor: '0.00005', marketRate: '0.0003', minOffer: '150' } }],
};

const open = withBrowser();
const base = (extra = {}) => ({
  key_state: LIVE,
  engine_status: STATUS,
  'plugin:event|listen': 1,
  'plugin:event|unlisten': null,
  earnings_report: { __reject: { code: 'NotFound', message: 'No history yet.' } },
  sync_status: { phase: 'idle', backfill: false, percent: 0, currency: null, newRows: 0, lastDoneMts: null, message: null },
  app_info: { version: '0.1.0', dataDir: '/d', buildProfile: 'release', os: 'linux', arch: 'x86_64' },
  desktop_settings_get: { checkUpdates: true, notifyKeyRevoked: true, notifyWithdraw: true, notifyEngineError: true, notifyDailySummary: false, handoff: { enabled: false, rate: null, period: 2, amount: null } },
  autostart_get: false,
  ...extra,
});
const calls = (page, cmd) => page.evaluate((c) => window.__ipcCalls.filter((x) => x.cmd === c).map((x) => x.args), cmd);
const focused = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));

for (const scheme of ['light', 'dark']) {
  test(`"Stop and cancel my offers" asks first; the dialog keeps focus, Escape cancels (${scheme})`, async () => {
    const { page, context, consoleErrors } = await open(base({ engine_stop_and_cancel: null }), { hash: '#/dashboard', colorScheme: scheme });
    await page.waitForSelector('[data-testid="currency-USD"]');
    await page.click('[data-testid="engine-stop-cancel"]');
    await page.waitForSelector('[data-testid="confirm-dialog"][open]');
    assert.deepEqual(await calls(page, 'engine_stop_and_cancel'), [], 'nothing is sent before the confirmation');
    assert.equal(await focused(page), 'confirm-cancel', 'focus starts on the safe choice');
    assert.equal(await page.getAttribute('[data-testid="confirm-dialog"]', 'aria-labelledby') !== null, true);
    await page.screenshot({ path: `${SHOTS}confirm-stop-${scheme}.png` });
    // Tab goes round the dialog's two buttons and never leaves it.
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'confirm-ok');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'confirm-cancel');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(page), 'confirm-ok');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="confirm-dialog"]:not([open])', { state: 'attached' });
    assert.deepEqual(await calls(page, 'engine_stop_and_cancel'), []);
    assert.equal(await focused(page), 'engine-stop-cancel', 'focus goes back to the button');
    // Confirming from the keyboard.
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="confirm-dialog"][open]');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'engine_stop_and_cancel'));
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('Settings: removing the key asks first; afterwards the revoke help still names the key', async () => {
  const { page, context, consoleErrors } = await open(base({ remove_key: NONE }), { hash: '#/settings' });
  await page.waitForSelector('[data-testid="settings-key"]');
  for (const id of ['settings-remove', 'settings-remove-cancel', 'replace-key', 'delete-all']) {
    await page.click(`[data-testid="${id}"]`);
    await page.waitForSelector('[data-testid="confirm-dialog"][open]');
    await page.click('[data-testid="confirm-cancel"]');
    await page.waitForSelector('[data-testid="confirm-dialog"]:not([open])', { state: 'attached' });
  }
  assert.deepEqual(await calls(page, 'remove_key'), [], 'cancelled: nothing removed');
  assert.deepEqual(await calls(page, 'delete_all_data'), []);
  await page.click('[data-testid="settings-remove"]');
  await page.click('[data-testid="confirm-ok"]');
  await page.waitForSelector('[data-testid="removed-key"]');
  assert.deepEqual(await calls(page, 'remove_key'), [{ cancelOffers: false }]);
  const help = await page.textContent('[data-testid="revoke-which"]');
  assert.match(help, /“Yieldsforge” \(its first characters: AbCd; it ends in wXyZ\)/);
  assert.doesNotMatch(await page.textContent('[data-testid="settings-key"]'), /—/);
  assert.equal(await page.evaluate(() => localStorage.getItem('yf.removedKey')), '{"label":"Yieldsforge","masked":"AbCd…wXyZ"}', 'kept for the next start (never the key or the secret)');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('Setup: "Cancel my offers and remove the key" asks first, then shows how to revoke it', async () => {
  const { page, context, consoleErrors } = await open(base({ remove_key: NONE }), { hash: '#/setup' });
  await page.waitForSelector('[data-testid="key-card"]');
  await page.click('[data-testid="remove-key-cancel"]');
  await page.waitForSelector('[data-testid="confirm-dialog"][open]');
  assert.match(await page.textContent('[data-testid="confirm-dialog"]'), /cancels the offers it placed/);
  await page.keyboard.press('Escape');
  assert.deepEqual(await calls(page, 'remove_key'), []);
  await page.click('[data-testid="remove-key-cancel"]');
  await page.click('[data-testid="confirm-ok"]');
  await page.waitForSelector('[data-testid="key-removed"]');
  assert.deepEqual(await calls(page, 'remove_key'), [{ cancelOffers: true }]);
  assert.match(await page.textContent('[data-testid="key-removed"]'), /AbCd…wXyZ/);
  assert.match(await page.textContent('[data-testid="revoke-which"]'), /its first characters: AbCd/);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('"Check permissions now" updates "last checked", also when the answer carries the old time', async () => {
  // What recheck_key returns today: the key state with the time of the check before.
  const { page, context } = await open(base({ recheck_key: LIVE }), { hash: '#/settings' });
  await page.waitForSelector('[data-testid="key-checked"]');
  assert.match(await page.textContent('[data-testid="key-checked"]'), /on Jan 5, \d\d:30/);
  await page.click('[data-testid="recheck-key"]');
  await page.waitForSelector('[data-testid="recheck-ok"]');
  const expected = await page.evaluate(() => new Date().toLocaleString('en-US', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
  assert.match(await page.textContent('[data-testid="key-checked"]'), new RegExp(`today at (${expected}|\\d\\d:\\d\\d)`));
  assert.doesNotMatch(await page.textContent('[data-testid="key-checked"]'), /Jan 5/);
  await context.close();
});
