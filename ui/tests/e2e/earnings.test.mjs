// The Earnings and Dashboard pages in Chromium with IPC stubbed: figures, charts, the sync's
// progress and cancel, CSV export, and the empty, loading-failed and not-connected states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, withBrowser } from './harness.mjs';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 14, 0);
const KEY = { mode: 'live', label: 'Mine', masked: 'AbCd…WxYz', verifiedMts: NOW, problem: null, canTransfer: false };

const metrics = (earned, extra = {}) => ({
  fromMts: NOW - 30 * DAY, toMts: NOW, earned, payments: 30, avgBalance: '10000', avgLent: '9700',
  utilization: '0.97', apr: '0.1095', apy: '0.115678', baselineAutoRenew: '6.5', baselineAutoRenewCalibrated: null, baselineIdle: '0',
  filled: '25000', avgRate: '0.0003', avgPeriod: '3.4', ...extra,
});
const WINDOWS = { today: metrics('0.31'), week: metrics('2.10'), month: metrics('9.00'), all: metrics('27.45678912') };
const REPORT = { nowMts: NOW, currencies: [{ currency: 'USD', usdPrice: '1', windows: WINDOWS }], totalUsd: WINDOWS };
const SERIES = Array.from({ length: 30 }, (_, i) => ({
  dayMts: NOW - NOW % DAY - (29 - i) * DAY,
  earned: (0.25 + 0.1 * Math.sin(i / 3)).toFixed(8),
  cumulative: (0.3 * (i + 1)).toFixed(8),
  utilization: i < 2 ? '0.5' : '0.98',
  apy: (0.1 + 0.02 * Math.cos(i / 4)).toFixed(6),
  baselineAutoRenew: '0.21',
  baselineAutoRenewCalibrated: null,
}));
const SYNC_DONE = { phase: 'done', backfill: false, percent: 100, currency: 'USD', newRows: 0, lastDoneMts: NOW - 120_000, message: null };
const STATUS = {
  state: { state: 'Running' }, dryRun: false, lastCycleMts: NOW, lastError: null, problems: [],
  currencies: [{
    currency: 'USD', total: '10000', idle: '120', onOffer: '300', manualOnOffer: '0', lent: '9580',
    offers: [{ id: 1, amount: '300', rate: '0.00031', period: 2, kind: 'Limit', owned: true, createdMts: NOW, reason: { kind: 'Ladder', step: 1, of: 1 } }],
    credits: [{ id: 9, amount: '9580', rate: '0.0003', period: 3, openedMts: NOW - DAY, endsMts: NOW + 2 * DAY }],
    plan: { keep: [], cancel: [], submit: [], idle: [], floor: '0.00005', marketRate: '0.0003', minOffer: '150' },
  }],
};

const handlers = (over = {}) => ({
  key_state: KEY,
  engine_status: STATUS,
  'plugin:event|listen': 1,
  'plugin:event|unlisten': null,
  earnings_report: REPORT,
  earnings_daily: SERIES,
  sync_status: SYNC_DONE,
  sync_now: null,
  sync_cancel: null,
  earnings_export: '/home/me/Documents/yieldsforge-payments.csv',
  ...over,
});

/** Delivers an event to the page's listeners, as Tauri would. */
async function emit(page, event, payload) {
  await page.evaluate(
    ({ event, payload }) => {
      for (const c of window.__ipcCalls.filter((c) => c.cmd === 'plugin:event|listen' && c.args.event === event)) {
        window[`_${c.args.handler}`]?.({ event, id: 1, payload });
      }
    },
    { event, payload },
  );
}

const open = withBrowser();

for (const scheme of ['light', 'dark']) {
  test(`the Earnings page shows the figures, three charts and exports CSV (${scheme})`, async () => {
    // Dark runs under LANG=C's language tag, which made uPlot throw on load in WebKitGTK.
    const { page, context, consoleErrors } = await open(handlers(), { hash: '#/earnings', colorScheme: scheme, language: scheme === 'dark' ? 'C' : null });
    await page.waitForSelector('[data-testid="earnings-tiles"]');
    assert.equal(await page.textContent('[data-testid="earned-all"]'), '27.46 USD');
    assert.equal(await page.textContent('[data-testid="earned-today"]'), '0.31 USD');
    assert.equal(await page.textContent('[data-testid="apy-month"]'), '11.57 %');
    assert.equal(await page.textContent('[data-testid="utilization-month"]'), '97.0 %');
    // 9.00 earned against 6.50 from Auto-Renew.
    assert.equal(await page.textContent('[data-testid="beyond-auto-renew"]'), '+2.50 USD');
    for (const id of ['chart-daily', 'chart-versus', 'chart-rates']) {
      await page.waitForSelector(`[data-testid="${id}"] canvas`);
    }
    assert.match(await page.textContent('[data-testid="chart-versus"]'), /Auto-Renew at FRR/);
    assert.match(await page.textContent('[data-testid="earnings-loans"]'), /0\.0300 %\/day · 10\.95 % APR/);
    // The page scrolls inside the frame: a tall window shows all of it.
    await page.setViewportSize({ width: 1200, height: 1700 });
    await page.screenshot({ path: `${SHOTS}earnings-${scheme}.png` });
    await page.setViewportSize({ width: 1200, height: 780 });
    // A different range asks for that many days.
    await page.click('[data-testid="range-90"]');
    await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'earnings_daily' && c.args.days === 90));
    await page.click('[data-testid="export-payments"]');
    await page.waitForSelector('[data-testid="export-done"]');
    assert.match(await page.textContent('[data-testid="export-done"]'), /yieldsforge-payments\.csv/);
    const calls = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'earnings_export').map((c) => c.args));
    assert.deepEqual(calls, [{ kind: 'payments' }]);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('the backfill shows progress, can be cancelled, and a failure says what happened', async () => {
  const { page, context, consoleErrors } = await open(
    handlers({ earnings_report: { nowMts: NOW, currencies: [], totalUsd: null }, sync_status: { ...SYNC_DONE, phase: 'idle', lastDoneMts: null } }),
    { hash: '#/earnings' },
  );
  await page.waitForSelector('[data-testid="earnings-empty"]');
  assert.match(await page.textContent('[data-testid="earnings-empty"]'), /once a day/);
  await emit(page, 'earnings://sync', { ...SYNC_DONE, phase: 'running', backfill: true, percent: 42, newRows: 17, lastDoneMts: null });
  await page.waitForSelector('[data-testid="sync-progress"]');
  assert.equal(await page.textContent('[data-testid="sync-percent"]'), '42 %');
  assert.match(await page.textContent('[data-testid="sync-progress"]'), /Reading your earnings history/);
  assert.equal(await page.getAttribute('[data-testid="sync-progress"] progress', 'value'), '42');
  await page.screenshot({ path: `${SHOTS}earnings-backfill.png`, fullPage: true });
  await page.click('[data-testid="sync-cancel"]');
  await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'sync_cancel'));
  await emit(page, 'earnings://sync', { ...SYNC_DONE, phase: 'failed', message: 'Could not read the earnings history from Bitfinex: timed out. It is tried again in a few minutes.' });
  await page.waitForSelector('[data-testid="sync-failed"]');
  assert.match(await page.textContent('[data-testid="sync-failed"]'), /timed out/);
  await page.click('[data-testid="sync-retry"]');
  await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'sync_now'));
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a database error is shown with a way to try again; no key says how to connect', async () => {
  let { page, context } = await open(
    handlers({ earnings_report: { __reject: { code: 'Storage', message: 'The database file is locked by another program.' } } }),
    { hash: '#/earnings' },
  );
  await page.waitForSelector('[data-testid="earnings-error"]');
  assert.match(await page.textContent('[data-testid="earnings-error"]'), /locked by another program/);
  await context.close();
  ({ page, context } = await open(
    handlers({ key_state: { ...KEY, mode: 'none', label: null, masked: null }, earnings_report: { __reject: { code: 'NotFound', message: 'Connect a key or start the demo first.' } } }),
    { hash: '#/earnings' },
  ));
  await page.waitForSelector('[data-testid="earnings-not-connected"]');
  await context.close();
});

test('the Dashboard shows what was earned beside the balances, offers and credits', async () => {
  const { page, context, consoleErrors } = await open(handlers(), { hash: '#/dashboard' });
  await page.waitForSelector('[data-testid="dashboard-earnings"] [data-testid="earned-month"]');
  assert.equal(await page.textContent('[data-testid="dashboard-earnings"] [data-testid="earned-month"]'), '9.00 USD');
  assert.equal(await page.textContent('[data-testid="bal-lent"]'), '9,580.00 USD');
  assert.match(await page.textContent('[data-testid="credits"]'), /3 d/);
  assert.match(await page.textContent('[data-testid="credits"]'), /2 days|47 h/);
  await page.setViewportSize({ width: 1200, height: 1300 });
  await page.screenshot({ path: `${SHOTS}dashboard-earnings.png` });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the daily chart names each bar by its UTC day in any time zone; the legend shows the latest day without hovering', async () => {
  // Seven UTC days up to Nov 28; 0.49 USD paid on Nov 28. The computer is in New York (UTC−5).
  const days = Array.from({ length: 7 }, (_, i) => Date.UTC(2026, 10, 22 + i));
  const series = days.map((d, i) => ({ dayMts: d, earned: i === 6 ? '0.49' : (0.3 + i / 100).toFixed(2), cumulative: String(i + 1), utilization: '0.98', apy: '0.1', baselineAutoRenew: '0.2' }));
  const { page, context, consoleErrors } = await open(handlers({ earnings_daily: series }), { hash: '#/earnings', timezoneId: 'America/New_York' });
  assert.equal(await page.evaluate(() => new Date(Date.UTC(2026, 10, 28)).getDate()), 27, 'the browser runs west of UTC');
  await page.waitForSelector('[data-testid="chart-daily-plot"] canvas');
  const ticks = JSON.parse(await page.getAttribute('[data-testid="chart-daily-plot"]', 'data-x-ticks'));
  assert.deepEqual(ticks.map((t) => t.label), ['Nov 22', 'Nov 23', 'Nov 24', 'Nov 25', 'Nov 26', 'Nov 27', 'Nov 28'], 'every day, none skipped');
  assert.deepEqual(ticks.map((t) => t.value * 1000), days, 'each label sits at its day’s bar');
  const legend = () => page.textContent('[data-testid="chart-daily-plot"] .u-legend');
  assert.match(await legend(), /Nov 28 \(latest\).*Paid that day.*0\.49 USD.*Total.*7\.00 USD/s);
  assert.doesNotMatch(await legend(), /—/);
  // Pointing at the bar under "Nov 28" and under "Nov 27".
  const over = await page.locator('[data-testid="chart-daily-plot"] .u-over').boundingBox();
  for (const [label, paid] of [['Nov 28', '0.49 USD'], ['Nov 27', '0.35 USD']]) {
    const t = ticks.find((x) => x.label === label);
    await page.mouse.move(over.x + t.left, over.y + over.height / 2);
    await page.waitForFunction(
      ([l, p]) => {
        const text = document.querySelector('[data-testid="chart-daily-plot"] .u-legend')?.textContent ?? '';
        return text.includes(l) && !text.includes('latest') && text.includes(p);
      },
      [label, paid],
    );
  }
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => document.querySelector('[data-testid="chart-daily-plot"] .u-legend')?.textContent?.includes('Nov 28 (latest)'));
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the comparison says, in the same words on every screen, that Auto-Renew is an upper bound', async () => {
  const { page, context } = await open(handlers(), { hash: '#/earnings' });
  await page.waitForSelector('[data-testid="versus-note"]');
  const words = 'Auto-Renew at FRR, if every FRR offer filled (upper bound)';
  assert.ok((await page.textContent('[data-testid="versus-auto-renew"]')).includes(`Against ${words}, 30 days`));
  assert.ok((await page.textContent('[data-testid="versus-note"]')).includes(words));
  // Before the FRR line was recorded, the page says when the calibrated figure starts.
  assert.match(await page.textContent('[data-testid="versus-note"]'), /starts once the app has recorded Bitfinex’s FRR line/);
  assert.ok((await page.textContent('[data-testid="chart-versus-plot"] .u-legend')).includes(words));
  // The loans table explains why the turnover is many times the balance.
  assert.match(await page.textContent('[data-testid="turnover-note"]'), /lent again, so it can add up to many times your balance/);
  await context.close();
  // Falling short of an upper bound is said plainly, not as a loss in red, on the Dashboard too.
  const below = { ...REPORT, currencies: [{ ...REPORT.currencies[0], windows: { ...WINDOWS, month: metrics('5.00') } }] };
  const second = await open(handlers({ earnings_report: below }), { hash: '#/dashboard' });
  await second.page.waitForSelector('[data-testid="dashboard-earnings"] [data-testid="beyond-auto-renew"]');
  assert.equal(await second.page.textContent('[data-testid="beyond-auto-renew"]'), '−1.50 USD');
  assert.ok((await second.page.textContent('[data-testid="versus-auto-renew"]')).includes(`Against ${words}, 30 days`));
  const [color, danger] = await second.page.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--danger)';
    document.body.append(probe);
    return [getComputedStyle(document.querySelector('[data-testid="beyond-auto-renew"]')).color, getComputedStyle(probe).color];
  });
  assert.notEqual(color, danger);
  await second.context.close();
});

test('with the FRR line recorded, the comparison is with Auto-Renew under the calibrated rule, and says what that assumes', async () => {
  const live = 'Auto-Renew at FRR (calibrated rule)';
  const month = metrics('9.00', { baselineAutoRenewCalibrated: '0.4' });
  const report = { ...REPORT, currencies: [{ ...REPORT.currencies[0], windows: { ...WINDOWS, month } }] };
  // The line was recorded from the 11th day of the series on.
  const series = SERIES.map((d, i) => ({ ...d, baselineAutoRenewCalibrated: i < 10 ? null : '0.02' }));
  for (const hash of ['#/dashboard', '#/earnings']) {
    const { page, context } = await open(handlers({ earnings_report: report, earnings_daily: series }), { hash });
    await page.waitForSelector('[data-testid="beyond-auto-renew"]');
    // 9.00 earned against 0.40 from Auto-Renew under the calibrated rule.
    assert.equal(await page.textContent('[data-testid="beyond-auto-renew"]'), '+8.60 USD');
    const tile = await page.textContent('[data-testid="versus-auto-renew"]');
    assert.ok(tile.includes(`Against ${live}, 30 days`), tile);
    assert.match(tile, /0\.40 USD under the calibrated rule, at most\s+6\.50 USD if every FRR offer filled at once/);
    assert.match(tile, /waits behind the FRR offers Bitfinex shows waiting/);
    if (hash === '#/earnings') {
      await page.waitForSelector('[data-testid="chart-versus-plot"] canvas');
      const legend = await page.textContent('[data-testid="chart-versus-plot"] .u-legend');
      assert.ok(legend.includes(live), legend);
      // Twenty days of 0.02, away from the chart the legend shows the latest total.
      assert.ok(legend.includes('0.40 USD'), legend);
      assert.ok((await page.textContent('[data-testid="versus-note"]')).startsWith(live));
    }
    await context.close();
  }
});
