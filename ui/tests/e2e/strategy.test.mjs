// The Strategy page in Chromium with IPC stubbed: presets, live preview, validation, saving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, withBrowser } from './harness.mjs';

const KEY = { mode: 'demo', label: 'Demo', masked: 'DeMo…KeyX', verifiedMts: 1, problem: null, canTransfer: true };
const BALANCED = {
  preset: 'Balanced', enabled: true, reserve: '0', maxToLend: null, minDailyRate: '0.00005', minRateFrrFactor: null,
  tranches: 3, gapBottomUsd: '50000', gapTopUsd: '1000000', spikeFraction: '0.10', spikeRateMultiplier: '1.5',
  periodThresholds: [{ minRate: '0.0004', days: 30 }, { minRate: '0.0007', days: 120 }],
  repriceAfterMinutes: 30, repriceStep: '0.05', frrMode: false, frrDelta: '0', hidden: false, maxOrderSize: null, dailyBudget: null,
  longShare: '0.8', longFrrFactor: '0.8', longPeriod: 120, longerWhenHigh: false,
};
const STEADY = { ...BALANCED, preset: 'Steady', longShare: '1', tranches: 1, gapBottomUsd: '0', gapTopUsd: '0', spikeFraction: '0' };
const PROMISES = {
  Steady: ['Steady', 'Nearly always lent: everything in 120-day loans at 0.8 × FRR, where long borrowers bid.'],
  Balanced: ['Balanced', '80 % in 120-day loans at 0.8 × FRR; 20 % on short loans that follow the market and wait for spikes.'],
  SpikeHunting: ['Spike-hunting', 'Half long at 0.8 × FRR; half on a short ladder with a third of it held at twice the market for spikes. Earns less when spikes are rare.'],
};
const PLAN = (n) => ({
  keep: [], cancel: [], idle: [], floor: '0.00005', marketRate: '0.00014', minOffer: '151.5',
  submit: Array.from({ length: n }, (_, i) => ({ amount: String(10000 / n), rate: String(0.00014 + i * 0.00001), period: 2, kind: 'Limit', hidden: false, reason: { kind: 'Ladder', step: i + 1, of: n } })),
});

const open = withBrowser();

/** The Strategy page with a connected key, the engine paused and Balanced saved. */
const PAUSED_ON_STRATEGY = {
  key_state: KEY,
  engine_status: { state: { state: 'Paused' }, dryRun: false, lastCycleMts: null, lastError: null, problems: [], currencies: [] },
  'plugin:event|listen': 1,
  strategy_get: BALANCED,
  manage_all_get: false,
};

for (const scheme of ['light', 'dark']) {
  test(`presets, a live preview, field errors and saving (${scheme})`, async () => {
    const handlers = {
      key_state: KEY,
      engine_status: { state: { state: 'Paused' }, dryRun: false, lastCycleMts: null, lastError: null, problems: [], currencies: [] },
      'plugin:event|listen': 1,
      strategy_get: BALANCED,
      manage_all_get: false,
      manage_all_set: null,
      strategy_preset: STEADY,
      strategy_preview: PLAN(3),
      strategy_set: {
        __sequence: [
          { __reject: { code: 'InvalidInput', message: 'Use between 1 and 20 ladder steps, not 0.', fields: [{ field: 'tranches', message: 'Use between 1 and 20 ladder steps, not 0.' }] } },
          null,
        ],
      },
    };
    const { page, context, consoleErrors } = await open(handlers, { hash: '#/strategy', colorScheme: scheme });
    await page.waitForSelector('[data-testid="preset-Balanced"][aria-checked="true"]');
    await page.waitForSelector('[data-testid="strategy-preview"] table tr');
    assert.equal(await page.locator('[data-testid="strategy-preview"] tr').count(), 3);
    await page.screenshot({ path: `${SHOTS}strategy-${scheme}.png`, fullPage: true });
    // Each preset card keeps its one-line promise.
    for (const [id, [title, promise]] of Object.entries(PROMISES)) {
      assert.equal(await page.textContent(`[data-testid="preset-${id}"] strong`), title);
      assert.equal((await page.textContent(`[data-testid="preset-${id}"] span`)).replace(/\u00a0/g, ' '), promise);
    }
    assert.equal(await page.locator('[role="radio"]').count(), 3);
    // The long loans of the loaded settings, in the units people type.
    assert.equal(await page.inputValue('[data-testid="field-longShare"]'), '80');
    assert.equal(await page.inputValue('[data-testid="field-longFrrFactor"]'), '0.8');
    assert.equal(await page.inputValue('[data-testid="field-longPeriod"]'), '120');
    await page.click('[data-testid="preset-Steady"]');
    await page.waitForSelector('[data-testid="preset-Steady"][aria-checked="true"]');
    const picked = await page.evaluate(() => window.__ipcCalls.find((c) => c.cmd === 'strategy_preset').args);
    assert.deepEqual(picked, { preset: 'Steady' });
    assert.equal(await page.inputValue('[data-testid="field-longShare"]'), '100');
    assert.equal(await page.inputValue('[data-testid="field-tranches"]'), '1');
    // A bad value: the field says what is wrong, nothing is saved.
    await page.fill('[data-testid="field-tranches"]', '0');
    await page.click('[data-testid="strategy-save"]');
    assert.match(await page.textContent('[data-testid="error-tranches"]'), /between 1 and 20/);
    await page.fill('[data-testid="field-tranches"]', '4');
    await page.click('[data-testid="strategy-save"]');
    await page.waitForSelector('[data-testid="strategy-saved"]');
    const sets = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_set'));
    assert.equal(sets.length, 2);
    assert.equal(sets[1].args.settings.tranches, 4);
    assert.equal(sets[1].args.settings.preset, 'Custom');
    assert.equal(sets[1].args.settings.minDailyRate, '0.00005', 'percent fields convert back to fractions');
    assert.equal(sets[1].args.settings.longShare, '1', 'Steady lends everything long');
    assert.equal(sets[1].args.settings.longFrrFactor, '0.8');
    assert.equal(sets[1].args.settings.longPeriod, 120);
    await page.check('[data-testid="field-manageAll"]');
    await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'manage_all_set' && c.args.on === true));
    // The preview follows the edits (debounced).
    await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').length >= 2);
    const last = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').at(-1));
    assert.equal(last.args.settings.tranches, 4);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('the long loans fields: typed values reach the settings, the server’s field errors are shown', async () => {
  const tooMuch = { __reject: { code: 'InvalidInput', message: 'Offer between 0 % and 100 % as long loans.', fields: [{ field: 'longShare', message: 'Offer between 0 % and 100 % as long loans.' }] } };
  const handlers = {
    ...PAUSED_ON_STRATEGY,
    strategy_preview: { __sequence: [PLAN(3), tooMuch, PLAN(2), PLAN(2), PLAN(2), PLAN(2)] },
    strategy_set: { __sequence: [tooMuch, null] },
  };
  const { page, context, consoleErrors } = await open(handlers, { hash: '#/strategy' });
  const previews = () => page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').map((c) => c.args.settings));
  await page.waitForSelector('[data-testid="strategy-preview"] table tr');
  // "Long loans" comes before "Ladder".
  const titles = await page.locator('[data-testid="page-strategy"] .form h2').allTextContents();
  assert.ok(titles.indexOf('Long loans') >= 0 && titles.indexOf('Long loans') < titles.indexOf('Ladder'), titles.join(', '));
  for (const f of ['longShare', 'longFrrFactor', 'longPeriod']) assert.equal(await page.locator(`[data-testid="field-${f}"]`).count(), 1);
  // 150 %: the server says what is wrong, under the field; nothing is saved.
  await page.fill('[data-testid="field-longShare"]', '150');
  await page.waitForSelector('[data-testid="error-longShare"]');
  assert.equal(await page.textContent('[data-testid="error-longShare"]'), 'Offer between 0 % and 100 % as long loans.');
  assert.equal((await previews()).at(-1).longShare, '1.5', 'typed in percent, sent as a fraction');
  assert.equal(await page.getAttribute('[data-testid="field-longShare"]', 'aria-invalid'), 'true');
  await page.waitForSelector('[data-testid="preview-waiting"]');
  await page.locator('[data-testid="card-long"]').screenshot({ path: `${SHOTS}strategy-long-error.png` });
  await page.click('[data-testid="strategy-save"]');
  await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_set').length === 1);
  assert.equal(await page.textContent('[data-testid="error-longShare"]'), 'Offer between 0 % and 100 % as long loans.');
  assert.equal(await page.locator('[data-testid="strategy-saved"]').count(), 0);
  // Fixed: the error goes, the other long fields go out as typed.
  await page.fill('[data-testid="field-longShare"]', '60');
  await page.waitForSelector('[data-testid="error-longShare"]', { state: 'detached' });
  await page.fill('[data-testid="field-longFrrFactor"]', '0.75');
  await page.fill('[data-testid="field-longPeriod"]', '90');
  await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').at(-1).args.settings.longPeriod === 90);
  const last = (await previews()).at(-1);
  assert.deepEqual([last.longShare, last.longFrrFactor, last.longPeriod, last.preset], ['0.6', '0.75', 90, 'Custom']);
  await page.waitForSelector('[data-testid="strategy-preview"]:not([aria-busy]) table tr');
  await page.click('[data-testid="strategy-save"]');
  await page.waitForSelector('[data-testid="strategy-saved"]');
  // FRR mode keeps the long loans; their help says where the rest goes.
  assert.match(await page.textContent('[data-testid="card-long"]'), /the rest goes to the ladder and spike tranche below/);
  await page.check('[data-testid="field-frrMode"]');
  assert.match(await page.textContent('[data-testid="card-long"]'), /the rest is offered at the Flash Return Rate/);
  assert.equal(await page.locator('[data-testid="field-tranches"]').count(), 0);
  await page.locator('[data-testid="card-long"]').screenshot({ path: `${SHOTS}strategy-long-frr.png` });
  // Longer loans when a rate is high relative to the day: off in the presets, a switch here.
  await page.click('[data-testid="field-frrMode"]');
  await page.waitForSelector('[data-testid="field-longerWhenHigh"]');
  assert.equal(await page.isChecked('[data-testid="field-longerWhenHigh"]'), false);
  await page.click('[data-testid="field-longerWhenHigh"]');
  await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').at(-1)?.args.settings.longerWhenHigh === true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a field that is not a number says so, keeps the text, and the preview waits for valid input', async () => {
  const tranchesZero = { __reject: { code: 'InvalidInput', message: 'Use between 1 and 20 ladder steps, not 0.', fields: [{ field: 'tranches', message: 'Use between 1 and 20 ladder steps, not 0.' }] } };
  const handlers = {
    ...PAUSED_ON_STRATEGY,
    strategy_preview: { __sequence: [PLAN(3), tranchesZero, PLAN(4), PLAN(4)] },
    strategy_set: null,
  };
  const { page, context, consoleErrors } = await open(handlers, { hash: '#/strategy' });
  const previews = () => page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').length);
  await page.waitForSelector('[data-testid="strategy-preview"] table tr');
  await page.fill('[data-testid="field-tranches"]', '0');
  await page.waitForSelector('[data-testid="error-tranches"]');
  assert.equal(await page.locator('[data-testid="strategy-preview"] table tr').count(), 0, 'the plan of earlier settings is not shown as current');
  await page.waitForSelector('[data-testid="preview-waiting"]');
  // Clear "Minimum rate" and type a letter.
  await page.fill('[data-testid="field-minDailyRate"]', '');
  assert.match(await page.textContent('[data-testid="error-minDailyRate"]'), /cannot be empty/);
  await page.type('[data-testid="field-minDailyRate"]', 'abc');
  assert.equal(await page.inputValue('[data-testid="field-minDailyRate"]'), 'abc', 'what the user typed stays');
  assert.equal(await page.textContent('[data-testid="error-minDailyRate"]'), '“abc” is not a number. Use digits and a dot, like 0.01.');
  assert.match(await page.textContent('[data-testid="error-tranches"]'), /between 1 and 20/, 'the other field keeps its error');
  assert.doesNotMatch(await page.textContent('[data-testid="page-strategy"]'), /NaN/);
  await page.waitForSelector('[data-testid="preview-waiting"]');
  // Fixing the steps: the server is happy, but the rate is still not a number, so the preview still waits.
  await page.fill('[data-testid="field-tranches"]', '4');
  await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').length === 3);
  await page.waitForSelector('[data-testid="error-tranches"]', { state: 'detached' });
  assert.equal(await page.textContent('[data-testid="error-minDailyRate"]'), '“abc” is not a number. Use digits and a dot, like 0.01.');
  assert.equal(await page.locator('[data-testid="preview-waiting"]').count(), 1);
  await page.click('[data-testid="strategy-save"]');
  assert.match(await page.textContent('[data-testid="strategy-invalid"]'), /nothing was saved/);
  assert.equal(await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_set').length), 0);
  // A number: the preview of these settings comes back.
  await page.fill('[data-testid="field-minDailyRate"]', '0.01');
  assert.equal(await page.locator('[data-testid="preview-updating"]').count(), 1, 'the plan of the previous settings is marked as being updated');
  await page.waitForSelector('[data-testid="strategy-preview"]:not([aria-busy]) table tr');
  assert.equal(await page.locator('[data-testid="strategy-preview"] table tr').count(), 4);
  assert.equal(await previews(), 4);
  const last = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'strategy_preview').at(-1).args.settings);
  assert.equal(last.minDailyRate, '0.0001');
  assert.equal(last.tranches, 4);
  assert.equal(await page.locator('[data-testid="strategy-invalid"]').count(), 0);
  await page.click('[data-testid="strategy-save"]');
  await page.waitForSelector('[data-testid="strategy-saved"]');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a backtest of the edited settings shows progress, the table and the chart', async () => {
  const START = 1_780_272_000_000;
  const series = (perHour) => Array.from({ length: 49 }, (_, h) => [START + h * 3_600_000, (perHour * h).toFixed(8)]);
  const outcome = (name, kind, perHour, extra = {}) => ({
    name, kind, earned: (perHour * 48).toFixed(8), apr: '0.05', apy: '0.0513', utilization: '0.93', avgRate: '0.00015', avgPeriod: '2',
    offers: 40, cancels: 12, apiCallsPerHour: '80', cumulative: series(perHour), ...extra,
  });
  const REPORT = {
    market: 'synthetic seed 1', startMts: START, endMts: START + 48 * 3_600_000, currency: 'USD', balance: '10000', participation: '0.5',
    headlineBaseline: 'The headline compares with Auto-Renew (conservative).',
    outcomes: [
      outcome('Your settings', 'Strategy', 0.06),
      outcome('Market-average lender: Auto-Renew at FRR (calibrated rule)', 'MarketAverage', 0, { utilization: '0', avgRate: null, avgPeriod: null, offers: 1, cancels: 0, apiCallsPerHour: '0' }),
      outcome('Auto-Renew at FRR (conservative)', 'AutoRenewConservative', 0.03),
      outcome('Auto-Renew at FRR (optimistic)', 'AutoRenewOptimistic', 0.08),
      outcome('Fixed offer at the ask', 'FixedAtAsk', 0.05),
      outcome('MikaLendingBot default', 'Mika', 0.055),
      outcome('Idle', 'Idle', 0, { utilization: '0', avgRate: null, avgPeriod: null, offers: 0, cancels: 0, apiCallsPerHour: '0' }),
      outcome('Hindsight bound (best achievable)', 'HindsightBound', 0.1, { utilization: '1', avgPeriod: null }),
    ],
  };
  const handlers = {
    key_state: KEY,
    engine_status: { state: { state: 'Paused' }, dryRun: false, lastCycleMts: null, lastError: null, problems: [], currencies: [] },
    'plugin:event|listen': 1,
    'plugin:event|unlisten': null,
    strategy_get: BALANCED,
    manage_all_get: false,
    strategy_preview: PLAN(3),
    backtest_run: REPORT,
  };
  const { page, context, consoleErrors } = await open(handlers, { hash: '#/strategy' });
  await page.waitForSelector('[data-testid="backtest-run"]');
  await page.selectOption('[data-testid="backtest-days"]', '2');
  await page.fill('[data-testid="backtest-balance"]', '10000');
  await page.click('[data-testid="backtest-run"]');
  await page.waitForSelector('[data-testid="backtest-table"]');
  const call = await page.evaluate(() => window.__ipcCalls.find((c) => c.cmd === 'backtest_run').args);
  assert.equal(call.days, 2);
  assert.equal(call.balance, '10000');
  assert.equal(call.settings.tranches, 3, 'the settings being edited are tested');
  assert.equal(await page.locator('[data-testid="backtest-table"] tbody tr').count(), 8);
  assert.match(await page.textContent('[data-testid="backtest-headline"]'), /Over 2 days with 10,000\.00 USD, your settings earned 2\.88 USD/);
  // The headline Auto-Renew line says what it assumes; then both edges of the band, in the
  // words the Dashboard and Earnings use.
  assert.match(await page.textContent('[data-testid="backtest-ar-market"]'), /^Market-average lender: Auto-Renew at FRR \(calibrated rule\): 0\.00 USD \(An FRR offer waits at the FRR price behind about 60 M USD/);
  assert.equal(await page.textContent('[data-testid="backtest-ar-conservative"]'), 'Auto-Renew at FRR, filled only when trades reach FRR: 1.44 USD');
  assert.equal(await page.textContent('[data-testid="backtest-ar-upper"]'), 'Auto-Renew at FRR, if every FRR offer filled (upper bound): 3.84 USD');
  assert.equal(await page.locator('[data-testid="backtest-beaten"]').count(), 0, 'nothing but the upper bounds beat these settings');
  // The legend shows where each line ended without hovering, not "—".
  const legend = await page.textContent('[data-testid="backtest-chart"] .u-legend');
  assert.doesNotMatch(legend, /—/);
  assert.match(legend, /2 d \(the end\).*Your settings.*2\.88 USD/s);
  // The axis: whole days, all labelled the same way.
  const ticks = JSON.parse(await page.getAttribute('[data-testid="backtest-chart"]', 'data-x-ticks'));
  assert.deepEqual(ticks.map((t) => t.label), ['0 d', '1 d', '2 d']);
  await page.waitForSelector('[data-testid="backtest-chart"] canvas');
  await page.setViewportSize({ width: 1200, height: 1900 });
  await page.screenshot({ path: `${SHOTS}strategy-backtest.png` });
  // Another market: the next seed.
  await page.click('[data-testid="backtest-another"]');
  await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'backtest_run').length === 2);
  const markets = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'backtest_run').map((c) => c.args.market));
  assert.deepEqual(markets, [{ kind: 'synthetic', seed: 1 }, { kind: 'synthetic', seed: 2 }]);
  assert.match(await page.textContent('[data-testid="backtest-notes"]'), /Simulated market seed 2;/);

  // The real market: the window's last day is chosen, the report says what was recorded.
  const COVERAGE = '96.4 % of minutes recorded (19 290 of 20 160; 0 from trade tapes), the rest bridged by the calibrated model';
  await page.evaluate(({ report, coverage }) => {
    window.__ipcHandlers.backtest_run = { ...report, market: 'real fUSD 2026-11-20 → 2026-11-26', coverage };
  }, { report: REPORT, coverage: COVERAGE });
  await page.selectOption('[data-testid="backtest-market"]', 'real');
  assert.match(await page.textContent('[data-testid="backtest-real-hint"]'), /^\s*The last 2 days of Bitfinex’s fUSD market/);
  await page.fill('[data-testid="backtest-ending"]', '2026-11-26');
  assert.match(await page.textContent('[data-testid="backtest-real-hint"]'), /The 2 days up to the end of 2026-11-26/);
  assert.equal(await page.locator('[data-testid="backtest-another"]').count(), 0, 'one real market: no "another"');
  await page.click('[data-testid="backtest-run"]');
  await page.waitForFunction(() => window.__ipcCalls.filter((c) => c.cmd === 'backtest_run').length === 3);
  const real = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'backtest_run').at(-1).args.market);
  assert.deepEqual(real, { kind: 'real', endMts: Date.parse('2026-11-27T00:00:00Z') });
  await page.waitForFunction(() => /Real fUSD market/.test(document.querySelector('[data-testid="backtest-notes"]')?.textContent ?? ''));
  const notes = await page.textContent('[data-testid="backtest-notes"]');
  assert.match(notes, /Real fUSD market, 2026-11-20 → 2026-11-26 \(UTC\): 96\.4 % of minutes recorded/);
  await page.screenshot({ path: `${SHOTS}strategy-backtest-real.png` });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
