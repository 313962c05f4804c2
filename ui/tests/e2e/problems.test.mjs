// A public request that keeps failing (the order book answers HTTP 500): the Dashboard shows
// each problem and keeps the data that did load; the sidebar says "Problem", not "Connecting…".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser } from './harness.mjs';

const NOW = Date.UTC(2026, 10, 22, 14, 0);
const KEY = { mode: 'live', label: 'Mine', masked: 'AbCd…WxYz', verifiedMts: NOW, problem: null, canTransfer: false };
const BOOK = {
  kind: 'RequestFailed', currency: 'USD', request: 'order book (fUSD)', sinceMts: NOW - 7 * 60_000,
  message: 'Could not read the order book (fUSD) from Bitfinex: it answered with a server error. USD is not lent until it can be read; the engine keeps trying.',
};
const EMPTY = { state: { state: 'Running' }, dryRun: false, lastCycleMts: null, lastError: null, currencies: [], problems: [] };
const USD_NO_MARKET = {
  currency: 'USD', total: '10000', idle: '10000', onOffer: '0', manualOnOffer: '0', lent: '0', offers: [], credits: [],
  plan: { keep: [], cancel: [], submit: [], idle: [{ amount: '10000', reason: 'MarketUnavailable' }], floor: '0.00005', marketRate: null, minOffer: '150' },
};

const open = withBrowser();

/** Delivers an event to the page's listeners, as Tauri would. */
async function emit(page, event, payload) {
  await page.waitForFunction((e) => window.__ipcCalls.some((c) => c.cmd === 'plugin:event|listen' && c.args.event === e), event);
  await page.evaluate(({ event, payload }) => {
    for (const c of window.__ipcCalls.filter((c) => c.cmd === 'plugin:event|listen' && c.args.event === event)) window[`_${c.args.handler}`]?.({ event, id: 1, payload });
  }, { event, payload });
}

const handlers = (status) => ({
  key_state: KEY,
  engine_status: status,
  'plugin:event|listen': 1,
  'plugin:event|unlisten': null,
  earnings_report: { __reject: { code: 'NotFound', message: 'No history yet.' } },
  sync_status: { phase: 'idle', backfill: false, percent: 0, currency: null, newRows: 0, lastDoneMts: null, message: null },
});

test('nothing read yet says so; a problem then replaces "Reading…", and the pill says Problem', async () => {
  const { page, context, consoleErrors } = await open(handlers(EMPTY), { hash: '#/dashboard' });
  await page.waitForSelector('[data-testid="dashboard-loading"]');
  assert.equal(await page.textContent('[data-testid="engine-pill"]'), 'Connecting…');
  await emit(page, 'engine://status', { ...EMPTY, lastCycleMts: NOW, problems: [BOOK] });
  await page.waitForSelector('[data-testid="engine-problems"]');
  assert.equal(await page.locator('[data-testid="dashboard-loading"]').count(), 0, 'no endless "Reading your funding wallet…"');
  assert.equal(await page.textContent('[data-testid="engine-problem-message"]'), BOOK.message);
  assert.equal(await page.textContent('[data-testid="engine-problem-request"]'), 'Request: order book (fUSD)');
  assert.match(await page.textContent('[data-testid="engine-problem-since"]'), /^Since \d\d:\d\d \(7 min ago\)$/);
  assert.match(await page.textContent('[data-testid="engine-pill"]'), /^Problem/);
  // The pill leads to the Dashboard from every page.
  await page.click('[data-testid="nav-settings"]');
  await page.click('[data-testid="engine-pill"]');
  await page.waitForSelector('[data-testid="engine-problems"]');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a currency whose market failed still shows its wallet, with the reason its money is idle', async () => {
  const status = { ...EMPTY, lastCycleMts: NOW, currencies: [USD_NO_MARKET], problems: [BOOK] };
  const { page, context, consoleErrors } = await open(handlers(status), { hash: '#/dashboard' });
  await page.waitForSelector('[data-testid="currency-USD"]');
  assert.equal(await page.textContent('[data-testid="bal-total"]'), '10,000.00 USD');
  assert.match(await page.textContent('[data-testid="idle-reasons"]'), /the market could not be read from Bitfinex/);
  assert.doesNotMatch(await page.textContent('[data-testid="idle-reasons"]'), /MarketUnavailable/);
  assert.equal(await page.locator('[data-testid="engine-problem"]').count(), 1);
  assert.match(await page.textContent('[data-testid="engine-pill"]'), /^Problem/);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a halted engine with nothing read says why instead of "Reading…"', async () => {
  const message = 'Bitfinex refused the app’s requests as out of order: another program is using this API key. Lending is stopped.';
  const status = { ...EMPTY, lastCycleMts: NOW, state: { state: 'Halted', reason: 'AnotherEngine', message, retry_at_mts: null } };
  const { page, context } = await open(handlers(status), { hash: '#/dashboard' });
  await page.waitForSelector('[data-testid="engine-state"]');
  assert.match(await page.textContent('[data-testid="engine-state"]'), /another program is using this API key/);
  assert.equal(await page.locator('[data-testid="dashboard-loading"]').count(), 0);
  assert.match(await page.textContent('[data-testid="engine-pill"]'), /^Problem/);
  await context.close();
});
