// The screenshot pass: every page (Setup with each wizard step, the Dashboard with data and with
// problems, Strategy with a backtest, Earnings, Settings) at 1024×700 and 1400×900, light and
// dark. Each screen is checked for content cut off on the right, horizontal scrolling, buttons
// whose text does not fit and buttons that overlap; the screenshots (the whole page, at the
// window's width) go to target/ui-screenshots/screens/ for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { SHOTS, withBrowser } from './harness.mjs';

const DIR = `${SHOTS}screens/`;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 28, 14, 0);
const LIVE = { mode: 'live', label: 'Yieldsforge', masked: 'AbCd…wXyZ', verifiedMts: NOW - 3 * 3_600_000, problem: null, canTransfer: true };
const NONE = { mode: 'none', label: null, masked: null, verifiedMts: null, problem: null, canTransfer: false };

// Wide amounts: a large balance, the widest rates and periods.
const metrics = (earned, extra = {}) => ({
  fromMts: NOW - 30 * DAY, toMts: NOW, earned, payments: 30, avgBalance: '1234567.89', avgLent: '1200000',
  utilization: '0.973', apr: '0.1095', apy: '0.115678', baselineAutoRenew: '1412.5', baselineAutoRenewCalibrated: '96.4', baselineIdle: '0',
  filled: '23573642.42', avgRate: '0.0003', avgPeriod: '3.4', ...extra,
});
const WINDOWS = { today: metrics('371.23'), week: metrics('2601.10'), month: metrics('11234.56'), all: metrics('123456.78') };
const REPORT = { nowMts: NOW, currencies: [{ currency: 'USD', usdPrice: '1', windows: WINDOWS }], totalUsd: WINDOWS };
const SERIES = Array.from({ length: 30 }, (_, i) => ({
  dayMts: NOW - (NOW % DAY) - (29 - i) * DAY,
  earned: (300 + 80 * Math.sin(i / 3)).toFixed(8),
  cumulative: (330 * (i + 1)).toFixed(8),
  utilization: i < 2 ? '0.5' : '0.98',
  apy: (0.1 + 0.02 * Math.cos(i / 4)).toFixed(6),
  baselineAutoRenew: '350.2',
  baselineAutoRenewCalibrated: '3.21',
}));
const offer = (id, amount, rate, period, reason, owned = true) => ({ id, amount, rate, period, kind: 'Limit', owned, createdMts: NOW, reason });
const LONG_WHY = 'long loan at the short market’s best offer (1.2 × FRR 0.0370 %/day): never lent long for less than 2-day loans pay';
const USD = {
  currency: 'USD', total: '1234567.89', idle: '12345.67', onOffer: '222222.22', manualOnOffer: '0', lent: '999999.99',
  // Every kind of Why, the longest among them.
  offers: [
    offer(1, '111111.11', '0.00031', 2, { kind: 'Ladder', step: 1, of: 3, ahead_usd: '340000' }),
    offer(2, '111111.11', '0.000296', 120, { kind: 'Long', frr: '0.00037', factor: '0.80', basis: 'FrrFactor', seen: { hours: '24', longVolume: '2800000', volumeAtOrAbove: '2100000', shareAtOrAbove: '0.75', paceMinutes: '40' } }),
    offer(3, '111111.11', '0.000444', 120, { kind: 'Long', frr: '0.00037', factor: '1.20', basis: 'ShortMarket' }),
    offer(4, '111111.11', '0.00062', 2, { kind: 'Spike', times: '2', top: '0.00031' }),
    offer(5, '111111.11', '0.00028', 2, { kind: 'Reprice', from_rate: '0.000295' }),
    offer(6, '111111.11', '0.005', 30, null, false),
  ],
  credits: [
    { id: 9, amount: '999999.99', rate: '0.0003', period: 30, openedMts: NOW - DAY, endsMts: NOW + 29 * DAY },
    { id: 10, amount: '12345.67', rate: '0.000345', period: 2, openedMts: NOW - DAY, endsMts: NOW + DAY },
  ],
  plan: {
    keep: [1, 2], cancel: [], idle: [{ amount: '12345.67', reason: 'Reserve' }], floor: '0.00005', marketRate: '0.0003', minOffer: '150',
    submit: [
      { amount: '12000', rate: '0.00033', period: 2, kind: 'Limit', hidden: false, reason: { kind: 'Ladder', step: 1, of: 3 } },
      { amount: '12000', rate: '0.000296', period: 120, kind: 'Limit', hidden: false, reason: { kind: 'Long', frr: '0.00037', factor: '0.8', basis: 'FrrFactor' } },
    ],
  },
};
const STATUS = { state: { state: 'Running' }, dryRun: false, lastCycleMts: NOW, lastError: null, currencies: [USD], problems: [] };
const PROBLEMS = {
  ...STATUS,
  currencies: [{ ...USD, plan: { ...USD.plan, submit: [], idle: [{ amount: '12345.67', reason: 'MarketUnavailable' }], marketRate: null } }],
  problems: [
    { kind: 'RequestFailed', currency: 'USD', request: 'order book (fUSD)', sinceMts: NOW - 7 * 60_000, message: 'Could not read the order book (fUSD) from Bitfinex: it answered with a server error. USD is not lent until it can be read; the engine keeps trying.' },
    { kind: 'UnprovenOffer', currency: 'USD', request: null, sinceMts: NOW - 3 * 3_600_000, message: 'An offer of 500.00 USD at 0.0300 %/day looks like one Yieldsforge sent, but it could not be proven to be; it is left alone.' },
  ],
};
const BALANCED = {
  preset: 'Balanced', enabled: true, reserve: '0', maxToLend: null, minDailyRate: '0.00005', minRateFrrFactor: null,
  tranches: 3, gapBottomUsd: '50000', gapTopUsd: '1000000', spikeFraction: '0.10', spikeRateMultiplier: '1.5',
  periodThresholds: [{ minRate: '0.0004', days: 30 }, { minRate: '0.0007', days: 120 }],
  repriceAfterMinutes: 30, repriceStep: '0.05', frrMode: false, frrDelta: '0', hidden: false, maxOrderSize: null, dailyBudget: null,
  longShare: '0.8', longFrrFactor: '0.8', longPeriod: 120, longerWhenHigh: false,
};
const START = NOW - 7 * DAY;
const outcome = (name, kind, perHour, extra = {}) => ({
  name, kind, earned: (perHour * 168).toFixed(8), apr: '0.05', apy: '0.0513', utilization: '0.93', avgRate: '0.00015', avgPeriod: '2',
  offers: 140, cancels: 1200, apiCallsPerHour: '80', cumulative: Array.from({ length: 169 }, (_, h) => [START + h * 3_600_000, (perHour * h).toFixed(8)]), ...extra,
});
const BACKTEST = {
  market: 'synthetic seed 1', startMts: START, endMts: NOW, currency: 'USD', balance: '10000', participation: '0.5',
  headlineBaseline: 'The headline compares with Auto-Renew (conservative): an FRR offer fills only when trades print at or above FRR. The optimistic line fills FRR offers like market offers.',
  outcomes: [
    outcome('Your settings', 'Strategy', 0.06),
    outcome('Market-average lender: Auto-Renew at FRR (calibrated rule)', 'MarketAverage', 0, { utilization: '0', avgRate: null, avgPeriod: null, offers: 1, cancels: 0, apiCallsPerHour: '0' }),
    outcome('Auto-Renew at FRR (conservative)', 'AutoRenewConservative', 0.03),
    outcome('Auto-Renew at FRR (optimistic)', 'AutoRenewOptimistic', 0.08),
    outcome('Fixed offer at the ask', 'FixedAtAsk', 0.065),
    outcome('MikaLendingBot default', 'Mika', 0.062),
    outcome('Idle', 'Idle', 0, { utilization: '0', avgRate: null, avgPeriod: null, offers: 0, cancels: 0, apiCallsPerHour: '0' }),
    outcome('Hindsight bound (best achievable)', 'HindsightBound', 0.1, { utilization: '1', avgPeriod: null }),
  ],
};
const PLAN = { keep: [], cancel: [], idle: [{ amount: '150', reason: 'BelowMinimum' }], floor: '0.00005', marketRate: '0.00014', minOffer: '151.5',
  submit: [
    { amount: '8000', rate: '0.000296', period: 120, kind: 'Limit', hidden: false, reason: { kind: 'Long', frr: '0.00037', factor: '0.8', basis: 'FrrFactor' } },
    ...[1, 2, 3].map((i) => ({ amount: '3300', rate: String(0.00014 + i * 0.00001), period: 2, kind: 'Limit', hidden: false, reason: { kind: 'Ladder', step: i, of: 3 } })),
  ] };
const REFUSED = {
  trimmed: true,
  verdict: {
    usable: false, refused: true, warnings: [],
    rows: [
      { scope: 'funding', label: 'Margin Funding', need: 'Required', wanted: 'read and write', read: true, write: true, ok: true },
      { scope: 'wallets', label: 'Wallets', need: 'Recommended', wanted: 'read', read: true, write: false, ok: true },
      { scope: 'history', label: 'History', need: 'Required', wanted: 'read', read: true, write: false, ok: true },
      { scope: 'orders', label: 'Orders', need: 'NotUsed', wanted: 'off', read: false, write: false, ok: true },
      { scope: 'withdraw', label: 'Withdraw', need: 'MustBeOff', wanted: 'off', read: false, write: true, ok: false },
    ],
    problems: ['This key has the "Withdraw" permission switched on (write). Yieldsforge never uses a key that can withdraw: edit the key on Bitfinex and switch every Withdraw option off, or create a new key.'],
  },
};
const handlers = (over = {}) => ({
  key_state: LIVE,
  engine_status: STATUS,
  'plugin:event|listen': 1,
  'plugin:event|unlisten': null,
  earnings_report: REPORT,
  earnings_daily: SERIES,
  sync_status: { phase: 'done', backfill: false, percent: 100, currency: 'USD', newRows: 0, lastDoneMts: NOW - 120_000, message: null },
  strategy_get: BALANCED,
  strategy_preview: PLAN,
  manage_all_get: false,
  backtest_run: BACKTEST,
  app_info: { version: '0.1.0', dataDir: '/home/someone-with-a-long-name/.local/share/app.yieldsforge.desktop', buildProfile: 'release', os: 'linux', arch: 'x86_64' },
  desktop_settings_get: { checkUpdates: true, notifyKeyRevoked: true, notifyWithdraw: true, notifyEngineError: true, notifyDailySummary: false, handoff: { enabled: false, rate: null, period: 2, amount: null } },
  autostart_get: false,
  update_pending: null,
  verify_key: REFUSED,
  wallets: [{ wallet: 'funding', currency: 'USD', balance: '1234567.89', available: '1234567.89' }, { wallet: 'exchange', currency: 'USD', balance: '2000', available: '2000' }],
  ...over,
});

/** What is cut off or overlapping on the screen as it is now. */
function layoutProblems() {
  const out = [];
  const name = (el) => el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/)[0]}` : ''} “${(el.textContent ?? '').trim().slice(0, 30)}”`;
  const main = document.querySelector('main');
  if (document.documentElement.scrollWidth > innerWidth) out.push(`the window scrolls sideways (${document.documentElement.scrollWidth} > ${innerWidth})`);
  if (main.scrollWidth > main.clientWidth + 1) out.push(`the page scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`);
  const right = main.getBoundingClientRect().right;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && !el.closest('.visually-hidden');
  };
  // Only the outermost element that sticks out is named (its children stick out with it).
  const past = new Set();
  for (const el of main.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > right + 1) {
      past.add(el);
      if (!past.has(el.parentElement)) out.push(`${name(el)} ends ${Math.round(r.right - right)} px past the right edge`);
    }
  }
  // Controls, cards and tiles: none may overlap another (unless one holds the other).
  const buttons = [...document.querySelectorAll('button, a.btn, [role="radio"], select, input:not([type="hidden"]), section, .tile')].filter(visible);
  for (const b of buttons) {
    if ((b.tagName === 'BUTTON' || b.classList.contains('btn')) && b.scrollWidth > b.clientWidth + 1) out.push(`${name(b)}: its text does not fit`);
  }
  for (let i = 0; i < buttons.length; i++) {
    for (let j = i + 1; j < buttons.length; j++) {
      const a = buttons[i].getBoundingClientRect();
      const b = buttons[j].getBoundingClientRect();
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1 && !buttons[i].contains(buttons[j]) && !buttons[j].contains(buttons[i])) out.push(`${name(buttons[i])} overlaps ${name(buttons[j])}`);
    }
  }
  return [...new Set(out)];
}

/** Checks the screen, then saves the whole page (as tall as its content) at the window's width. */
async function shoot(page, file, viewport, problems) {
  await page.waitForTimeout(60);
  for (const p of await page.evaluate(layoutProblems)) problems.push(`${file}: ${p}`);
  const tall = await page.evaluate(() => {
    const m = document.querySelector('main');
    return m.scrollHeight - m.clientHeight;
  });
  if (tall > 0) await page.setViewportSize({ width: viewport.width, height: viewport.height + tall });
  await page.screenshot({ path: `${DIR}${file}.png` });
  if (tall > 0) await page.setViewportSize(viewport);
}

async function emit(page, event, payload) {
  await page.evaluate(({ event, payload }) => {
    for (const c of window.__ipcCalls.filter((c) => c.cmd === 'plugin:event|listen' && c.args.event === event)) window[`_${c.args.handler}`]?.({ event, id: 1, payload });
  }, { event, payload });
}

const open = withBrowser();

for (const [w, h] of [[1024, 700], [1400, 900]]) {
  for (const scheme of ['light', 'dark']) {
    test(`every page at ${w}×${h} (${scheme}): nothing cut off, nothing overlapping`, async () => {
      await mkdir(DIR, { recursive: true });
      const viewport = { width: w, height: h };
      const tag = `${w}x${h}-${scheme}`;
      const problems = [];

      // Setup: the six wizard steps (no key yet), with a refused key on step 5.
      let { page, context, consoleErrors } = await open(handlers({ key_state: NONE, engine_status: { ...STATUS, currencies: [] } }), { hash: '#/setup', colorScheme: scheme, viewport });
      for (let step = 1; step <= 6; step++) {
        await page.evaluate((s) => localStorage.setItem('yf.wizard.step', String(s)), step);
        await page.reload();
        await page.waitForSelector(`[data-testid="wizard-step-${step}"]`);
        if (step === 5) {
          await page.fill('[data-testid="api-key"]', 'k'.repeat(43));
          await page.fill('[data-testid="api-secret"]', 's'.repeat(43));
          await page.click('[data-testid="verify-key"]');
          await page.waitForSelector('[data-testid="verify-problem"]');
        }
        await shoot(page, `setup-step-${step}-${tag}`, viewport, problems);
      }
      assert.deepEqual(consoleErrors, []);
      await context.close();

      ({ page, context, consoleErrors } = await open(handlers(), { hash: '#/setup', colorScheme: scheme, viewport }));
      await page.waitForSelector('[data-testid="key-card"]');
      await shoot(page, `setup-connected-${tag}`, viewport, problems);
      await page.click('[data-testid="nav-dashboard"]');
      await page.waitForSelector('[data-testid="dashboard-earnings"]');
      assert.equal((await page.textContent('[data-testid="offer-3"] [data-testid="offer-why"]')).replace(/\u00a0/g, ' '), LONG_WHY);
      assert.equal(await page.textContent('[data-testid="offer-6"] [data-testid="offer-why"]'), 'placed by hand');
      await shoot(page, `dashboard-${tag}`, viewport, problems);
      await emit(page, 'engine://status', PROBLEMS);
      await page.waitForSelector('[data-testid="engine-problems"]');
      await shoot(page, `dashboard-problems-${tag}`, viewport, problems);
      await emit(page, 'engine://status', { ...STATUS, currencies: [], problems: PROBLEMS.problems.slice(0, 1) });
      await page.waitForSelector('[data-testid="engine-problems"]');
      await shoot(page, `dashboard-problems-nothing-read-${tag}`, viewport, problems);
      await emit(page, 'engine://status', STATUS);
      await page.click('[data-testid="nav-strategy"]');
      await page.waitForSelector('[data-testid="strategy-preview"] table tr');
      await page.click('[data-testid="backtest-run"]');
      await page.waitForSelector('[data-testid="backtest-chart"] canvas');
      await shoot(page, `strategy-backtest-${tag}`, viewport, problems);
      await page.click('[data-testid="nav-earnings"]');
      await page.waitForSelector('[data-testid="chart-rates"] canvas');
      await shoot(page, `earnings-${tag}`, viewport, problems);
      await page.click('[data-testid="nav-settings"]');
      await page.waitForSelector('[data-testid="app-info-version"]');
      await page.waitForSelector('[data-testid="settings-handoff"]');
      await shoot(page, `settings-${tag}`, viewport, problems);
      assert.deepEqual(consoleErrors, []);
      await context.close();
      assert.deepEqual(problems, []);
    });
  }
}
