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
};
const CONSERVATIVE = { ...BALANCED, preset: 'Conservative', tranches: 1, gapBottomUsd: '0', gapTopUsd: '0', spikeFraction: '0' };
const PLAN = (n) => ({
  keep: [], cancel: [], idle: [], floor: '0.00005', marketRate: '0.00014', minOffer: '151.5',
  submit: Array.from({ length: n }, (_, i) => ({ amount: String(10000 / n), rate: String(0.00014 + i * 0.00001), period: 2, kind: 'Limit', hidden: false, reason: { kind: 'Ladder', step: i + 1, of: n } })),
});

const open = withBrowser();

for (const scheme of ['light', 'dark']) {
  test(`presets, a live preview, field errors and saving (${scheme})`, async () => {
    const handlers = {
      key_state: KEY,
      engine_status: { state: { state: 'Paused' }, dryRun: false, lastCycleMts: null, lastError: null, currencies: [] },
      'plugin:event|listen': 1,
      strategy_get: BALANCED,
      manage_all_get: false,
      manage_all_set: null,
      strategy_preset: CONSERVATIVE,
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
    await page.click('[data-testid="preset-Conservative"]');
    await page.waitForSelector('[data-testid="preset-Conservative"][aria-checked="true"]');
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
