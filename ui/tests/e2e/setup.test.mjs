// The key wizard, the demo and the dashboard in Chromium with IPC stubbed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, withBrowser } from './harness.mjs';

const NONE = { mode: 'none', label: null, masked: null, verifiedMts: null, problem: null, canTransfer: false };
const LIVE = { mode: 'live', label: 'Yieldsforge', masked: 'AbCd…wXyZ', verifiedMts: 1, problem: null, canTransfer: true };
const DEMO = { mode: 'demo', label: 'Demo', masked: 'DeMo…KeyX', verifiedMts: 1, problem: null, canTransfer: true };
const EMPTY = { state: { state: 'Paused' }, dryRun: false, lastCycleMts: null, lastError: null, problems: [], currencies: [] };
const row = (scope, label, need, wanted, read, write, ok) => ({ scope, label, need, wanted, read, write, ok });
const GOOD = {
  trimmed: true,
  verdict: {
    usable: true,
    refused: false,
    rows: [row('funding', 'Margin Funding', 'Required', 'read and write', true, true, true), row('withdraw', 'Withdraw', 'MustBeOff', 'off', false, false, true)],
    problems: [],
    warnings: [],
  },
};
const REFUSED = {
  trimmed: false,
  verdict: {
    usable: false,
    refused: true,
    rows: [row('funding', 'Margin Funding', 'Required', 'read and write', true, true, true), row('withdraw', 'Withdraw', 'MustBeOff', 'off', false, true, false)],
    problems: ['This key has the "Withdraw" permission switched on (write). Yieldsforge never uses a key that can withdraw.'],
    warnings: [],
  },
};
const STATUS = {
  state: { state: 'Paused' },
  dryRun: false,
  lastCycleMts: 1,
  lastError: null, problems: [],
  currencies: [
    {
      currency: 'USD',
      total: '10000',
      idle: '9700',
      onOffer: '0',
      manualOnOffer: '300',
      lent: '0',
      offers: [
        { id: 7, amount: '300', rate: '0.005', period: 30, kind: 'Limit', owned: false, createdMts: 1, reason: null },
        { id: 8, amount: '6000', rate: '0.000296', period: 120, kind: 'Limit', owned: true, createdMts: 1, reason: { kind: 'Long', frr: '0.00037', factor: '0.80', basis: 'FrrFactor' } },
        { id: 9, amount: '500', rate: '0.0002', period: 2, kind: 'Limit', owned: true, createdMts: 1, reason: null },
      ],
      credits: [],
      plan: {
        keep: [],
        cancel: [],
        submit: [
          { amount: '3000', rate: '0.00015', period: 2, kind: 'Limit', hidden: false, reason: { kind: 'Ladder', step: 1, of: 3 } },
          { amount: '970', rate: '0.00024', period: 2, kind: 'Limit', hidden: false, reason: { kind: 'Spike' } },
        ],
        idle: [{ amount: '9700', reason: 'Paused' }],
        floor: '0.00005',
        marketRate: '0.00014',
        minOffer: '151.5',
      },
    },
  ],
};

const open = withBrowser();

function base(extra = {}) {
  return {
    key_state: NONE,
    engine_status: EMPTY,
    'plugin:event|listen': 1,
    'plugin:event|unlisten': null,
    app_info: { version: '0.1.0', dataDir: '/d', buildProfile: 'debug', os: 'linux', arch: 'x86_64' },
    ...extra,
  };
}

test('the six steps, with a progress indicator, Back and Next, resuming where the user left', async () => {
  const { page, context, consoleErrors } = await open(base({ open_external: null }), { hash: '#/setup' });
  for (let step = 1; step <= 5; step++) {
    await page.waitForSelector(`[data-testid="wizard-step-${step}"]`);
    assert.equal(await page.getAttribute('[aria-current="step"] .t', 'class'), 't');
    await page.screenshot({ path: `${SHOTS}wizard-step-${step}.png` });
    if (step === 2) {
      await page.click('[data-testid="open-create-key"]');
      const calls = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'open_external'));
      assert.deepEqual(calls[0].args, { url: 'https://setting.bitfinex.com/api#createkey' });
    }
    if (step < 5) await page.click('[data-testid="wizard-next"]');
  }
  assert.equal(await page.isDisabled('[data-testid="wizard-next"]'), true, 'step 5 needs a saved key');
  await page.click('[data-testid="wizard-back"]');
  await page.waitForSelector('[data-testid="wizard-step-4"]');
  // Reloading resumes at the same step.
  await page.reload();
  await page.waitForSelector('[data-testid="wizard-step-4"]');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a withdraw-enabled key is refused with its message and cannot be saved', async () => {
  const { page, context } = await open(base({ verify_key: REFUSED }), { hash: '#/setup' });
  await page.evaluate(() => localStorage.setItem('yf.wizard.step', '5'));
  await page.reload();
  await page.fill('[data-testid="api-key"]', 'k'.repeat(43));
  await page.fill('[data-testid="api-secret"]', 's'.repeat(43));
  await page.click('[data-testid="verify-key"]');
  await page.waitForSelector('[data-testid="permission-table"]');
  assert.match(await page.textContent('[data-testid="verify-problem"]'), /Withdraw/);
  assert.equal(await page.isDisabled('[data-testid="save-key"]'), true);
  await page.screenshot({ path: `${SHOTS}wizard-refused.png` });
  await context.close();
});

test('step 5: the fields are trimmed, an edit clears a stale error, and the refusal is brought into view and focused', async () => {
  const invalid = { __reject: { code: 'InvalidKey', message: 'Bitfinex does not accept this API key: check that you copied all of it.' } };
  const { page, context, consoleErrors } = await open(base({ verify_key: { __sequence: [invalid, REFUSED] } }), { hash: '#/setup', viewport: { width: 1024, height: 700 } });
  await page.evaluate(() => localStorage.setItem('yf.wizard.step', '5'));
  await page.reload();
  await page.fill('[data-testid="api-key"]', '  ' + 'k'.repeat(43) + '\n');
  await page.fill('[data-testid="api-secret"]', 's'.repeat(43));
  await page.click('[data-testid="verify-key"]');
  await page.waitForSelector('[data-testid="wizard-error"]');
  const sent = await page.evaluate(() => window.__ipcCalls.find((c) => c.cmd === 'verify_key').args);
  assert.equal(sent.key, 'k'.repeat(43));
  assert.equal(await page.inputValue('[data-testid="api-key"]'), 'k'.repeat(43), 'the field itself is trimmed');
  // Editing the key: the old error no longer applies.
  await page.fill('[data-testid="api-key"]', 'j'.repeat(43));
  assert.equal(await page.locator('[data-testid="wizard-error"]').count(), 0);
  await page.click('[data-testid="verify-key"]');
  await page.waitForSelector('[data-testid="verify-problem"]');
  // The refusal is on screen and has focus (a screen reader reads it).
  const box = await page.locator('[data-testid="verify-problem"]').boundingBox();
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="verify-problem"]').getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight;
  });
  assert.ok(box);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'verify-result');
  // Editing the secret clears the refusal too: it was about the key as it was.
  await page.fill('[data-testid="api-secret"]', 't'.repeat(43));
  assert.equal(await page.locator('[data-testid="verify-problem"]').count(), 0);
  assert.equal(await page.isDisabled('[data-testid="save-key"]'), true);
  // Only the key and the secret are monospace.
  const fonts = await page.evaluate(() => ['api-key', 'api-secret', 'key-label'].map((t) => getComputedStyle(document.querySelector(`[data-testid="${t}"]`)).fontFamily));
  assert.match(fonts[0], /mono/i);
  assert.match(fonts[1], /mono/i);
  assert.doesNotMatch(fonts[2], /mono/i);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a good key is verified, saved, and the wizard moves to funding', async () => {
  const W = (funding) => [
    { wallet: 'funding', currency: 'USD', balance: funding, available: funding },
    { wallet: 'exchange', currency: 'USD', balance: '2000', available: '2000' },
  ];
  const handlers = base({ verify_key: GOOD, save_key: LIVE, wallets: W('10000'), transfer_to_funding: W('10500') });
  const { page, context } = await open(handlers, { hash: '#/setup' });
  await page.evaluate(() => localStorage.setItem('yf.wizard.step', '5'));
  await page.reload();
  await page.fill('[data-testid="api-key"]', ' ' + 'k'.repeat(43));
  await page.fill('[data-testid="api-secret"]', 's'.repeat(43));
  await page.click('[data-testid="verify-key"]');
  await page.waitForSelector('[data-testid="verify-ok"]');
  await page.click('[data-testid="save-key"]');
  await page.waitForSelector('[data-testid="wizard-step-6"]');
  const save = await page.evaluate(() => window.__ipcCalls.find((c) => c.cmd === 'save_key'));
  assert.equal(save.args.label, 'Yieldsforge');
  assert.equal(await page.textContent('[data-testid="key-masked"]'), 'AbCd…wXyZ');
  assert.equal(await page.inputValue('[data-testid="api-secret"]').catch(() => ''), '', 'the secret is not kept in the page');
  await page.waitForSelector('[data-testid="funding-balances"]');
  await page.fill('[data-testid="transfer-amount"]', '500');
  await page.click('[data-testid="transfer-review"]');
  await page.waitForSelector('[data-testid="transfer-confirm"]');
  await page.screenshot({ path: `${SHOTS}wizard-step-6.png` });
  let moves = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'transfer_to_funding').length);
  assert.equal(moves, 0, 'nothing moves before the confirmation');
  await page.click('[data-testid="transfer-confirm"]');
  await page.waitForSelector('[data-testid="transfer-done"]');
  const move = await page.evaluate(() => window.__ipcCalls.find((c) => c.cmd === 'transfer_to_funding'));
  assert.deepEqual(move.args, { currency: 'USD', amount: '500' });
  assert.match(await page.textContent('[data-testid="funding-balances"]'), /10,500.00 USD/);
  await context.close();
});

test('try the demo from the first screen: DEMO is shown', async () => {
  const { page, context } = await open(base({ start_demo: DEMO }), { hash: '#/setup' });
  await page.evaluate(() => localStorage.setItem('yf.wizard.step', '1'));
  await page.reload();
  await page.click('[data-testid="try-demo"]');
  await page.waitForSelector('[data-testid="demo-badge"]');
  assert.equal(await page.evaluate(() => location.hash), '#/dashboard');
  assert.match(await page.title(), /DEMO/);
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`the dashboard shows balances, offers, idle reasons and the preview (${scheme})`, async () => {
    const { page, context, consoleErrors } = await open(
      base({ key_state: DEMO, engine_status: STATUS, engine_start: null }),
      { hash: '#/dashboard', colorScheme: scheme },
    );
    await page.waitForSelector('[data-testid="currency-USD"]');
    assert.equal(await page.textContent('[data-testid="bal-total"]'), '10,000.00 USD');
    assert.match(await page.textContent('[data-testid="idle-reasons"]'), /lending is paused/);
    // Why each offer on the book is there: by hand, a long loan with the numbers behind it, or not known.
    assert.equal(await page.textContent('[data-testid="offer-7"] [data-testid="offer-why"]'), 'placed by hand');
    assert.equal(
      (await page.textContent('[data-testid="offer-8"] [data-testid="offer-why"]')).replace(/\u00a0/g, ' '),
      'long loan at 0.8 × FRR (FRR 0.0370 %/day): where long borrowers bid; the rate holds until the borrower repays or the period ends',
    );
    assert.equal(await page.textContent('[data-testid="offer-9"] [data-testid="offer-why"]'), '—');
    assert.match(await page.textContent('[data-testid="plan-preview"]'), /ladder step 1 of 3, priced from the order book/);
    assert.match(await page.textContent('[data-testid="plan-preview"]'), /held high for rate spikes/);
    await page.click('[data-testid="engine-start"]');
    assert.ok(await page.evaluate(() => window.__ipcCalls.some((c) => c.cmd === 'engine_start')));
    await page.screenshot({ path: `${SHOTS}dashboard-demo-${scheme}.png`, fullPage: true });
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('a key problem is explained on Setup and the Dashboard', async () => {
  const problem = 'Bitfinex no longer accepts your API key (it was revoked or deleted), so Yieldsforge stopped lending.';
  const { page, context } = await open(base({ key_state: { ...LIVE, problem }, engine_status: STATUS }), { hash: '#/setup' });
  assert.match(await page.textContent('[data-testid="key-problem"]'), /revoked/);
  await page.click('[data-testid="nav-dashboard"]');
  assert.match(await page.textContent('[data-testid="dashboard-key-problem"]'), /revoked/);
  await context.close();
});

test('Settings manages the key and deletes local data only after a confirmation', async () => {
  const { page, context } = await open(base({ key_state: LIVE, delete_all_data: NONE, recheck_key: LIVE, export_data: ['/home/u/Downloads/yieldsforge-payments-20260601-120000.csv'] }), { hash: '#/settings' });
  await page.waitForSelector('[data-testid="settings-key"]');
  await page.click('[data-testid="recheck-key"]');
  await page.click('[data-testid="delete-all"]');
  let deletes = await page.evaluate(() => window.__ipcCalls.filter((c) => c.cmd === 'delete_all_data').length);
  assert.equal(deletes, 0);
  await page.click('[data-testid="export-first"]');
  assert.match(await page.textContent('[data-testid="exported-files"]'), /yieldsforge-payments/);
  await page.screenshot({ path: `${SHOTS}settings-key.png`, fullPage: true });
  await page.click('[data-testid="delete-all-confirm"]');
  await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'delete_all_data'));
  assert.match(await page.textContent('[data-testid="settings-key"]'), /No key yet/);
  await context.close();
});
