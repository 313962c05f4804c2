import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../lib/bindings/Outcome';
import type { Report } from '../../lib/bindings/Report';
import { AR_CONSERVATIVE, AR_MARKET, AR_UPPER } from '../../lib/wording';
import { contenderName, summarize } from './summary';

const o = (kind: Outcome['kind'], name: string, earned: string): Outcome => ({
  name, kind, earned, apr: '0', apy: '0', utilization: '0', avgRate: null, avgPeriod: null, offers: 0n, cancels: 0n, apiCallsPerHour: '0', cumulative: [],
});
const report = (outcomes: Outcome[]): Report => ({
  market: 'synthetic seed 1', startMts: 0, endMts: 7 * 86_400_000, currency: 'USD', balance: '10000', participation: '0.5', headlineBaseline: '', coverage: null, outcomes,
});

describe('the backtest headline', () => {
  it('names both Auto-Renew assumptions, in the words used everywhere', () => {
    const s = summarize(report([o('Strategy', 'Your settings', '10'), o('MarketAverage', 'm', '0'), o('AutoRenewConservative', 'x', '5'), o('AutoRenewOptimistic', 'y', '13')]))!;
    expect(s.days).toBe(7);
    expect(contenderName(s.market!)).toBe(AR_MARKET);
    expect(contenderName(s.conservative!)).toBe(AR_CONSERVATIVE);
    expect(contenderName(s.upper!)).toBe(AR_UPPER);
    expect(s.beaten).toEqual([]);
  });
  it('says which other set-ups earned more, with the amounts, leaving out the upper bounds', () => {
    const s = summarize(
      report([
        o('Strategy', 'Your settings', '10.08'),
        o('AutoRenewOptimistic', 'y', '13.44'),
        o('FixedAtAsk', 'Fixed offer at the ask', '10.92'),
        o('Mika', 'MikaLendingBot default', '10.42'),
        o('HindsightBound', 'Hindsight bound (best achievable)', '16.8'),
        o('Idle', 'Idle', '0'),
      ]),
    )!;
    expect(s.beaten.map((b) => [b.name, b.earned, +b.more.toFixed(2)])).toEqual([
      ['Fixed offer at the ask', 10.92, 0.84],
      ['MikaLendingBot default', 10.42, 0.34],
    ]);
  });
});
