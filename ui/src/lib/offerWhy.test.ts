import { describe, expect, it } from 'vitest';
import type { OfferReason } from './bindings/OfferReason';
import { offerWhy as why } from './offerWhy';

/** The words as read (no-break spaces as spaces). */
const offerWhy = (r: OfferReason) => why(r).replace(/\u00a0/g, ' ');

describe('offerWhy', () => {
  it('explains the short offers with the numbers behind them', () => {
    expect(offerWhy({ kind: 'Ladder', step: 2, of: 3, ahead_usd: '340000', top_from: null })).toBe('ladder step 2 of 3, priced where 340 k USD of other offers are cheaper');
    expect(offerWhy({ kind: 'Ladder', step: 1, of: 1, ahead_usd: '0', top_from: null })).toBe('short loan, priced where 0 USD of other offers are cheaper');
    expect(offerWhy({ kind: 'Ladder', step: 3, of: 3, ahead_usd: '840000', top_from: '0.00012' })).toBe(
      'ladder step 3 of 3, priced where 840 k USD of other offers are cheaper; in the top 5 % of the last day’s short trades (from 0.0120 %/day), so lent for longer',
    );
    expect(offerWhy({ kind: 'Spike', times: '2', top: '0.00014', into: null, level: null })).toBe('held for rate spikes at 2 × the ladder’s top rate (0.0140 %/day)');
    expect(offerWhy({ kind: 'Spike', times: '2', top: '0.00014', into: '0.0006', level: '0.00015' })).toBe(
      'offered into a rate spike: trades at 0.0600 %/day, 4 × the last day’s level (0.0150 %/day); lent for longer',
    );
    expect(offerWhy({ kind: 'AtFloor', market: '0.0001' })).toBe('at your minimum rate; the book offered 0.0100 %/day at this depth');
    expect(offerWhy({ kind: 'Frr', delta: '0.00001' })).toBe('follows the Flash Return Rate, 0.0010 %/day above it');
  });
  it('explains the reasons earlier versions recorded, without the numbers', () => {
    const old = (r: object) => offerWhy(r as OfferReason);
    expect(old({ kind: 'Ladder', step: 1, of: 3 })).toBe('ladder step 1 of 3, priced from the order book');
    expect(old({ kind: 'Ladder', step: 1, of: 1 })).toBe('short loan, priced from the order book');
    expect(old({ kind: 'Spike' })).toBe('held high for rate spikes');
    expect(old({ kind: 'AtFloor' })).toBe('at your minimum rate (the market is below it)');
    expect(old({ kind: 'Frr' })).toBe('follows the Flash Return Rate');
    expect(old({ kind: 'Frr', delta: '0' })).toBe('follows the Flash Return Rate');
    expect(offerWhy({ kind: 'Reprice', from_rate: '0.00015' })).toBe('unfilled, lowered from 0.0150 %/day');
  });
  it('explains a long loan with the FRR and factor behind its rate', () => {
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '0.80', basis: 'FrrFactor', seen: null })).toBe(
      'long loan at 0.8 × FRR (FRR 0.0370 %/day): where long borrowers bid; the rate holds until the borrower repays or the period ends',
    );
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '0.9', basis: 'Floor', seen: null })).toBe('long loan at your minimum rate (0.9 × FRR 0.0370 %/day)');
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '1.20', basis: 'ShortMarket', seen: null })).toBe(
      'long loan at the short market’s best offer (1.2 × FRR 0.0370 %/day): never lent long for less than 2-day loans pay',
    );
  });
  it('says what the last hours’ long trades show about the rate', () => {
    const seen = { hours: '24', longVolume: '2800000', volumeAtOrAbove: '2100000', shareAtOrAbove: '0.75', paceMinutes: '40' };
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '0.8', basis: 'FrrFactor', seen })).toBe(
      'long loan at 0.8 × FRR (FRR 0.0370 %/day): where long borrowers bid; the rate holds until the borrower repays or the period ends. ' +
        'In the last 24 h, 75 % of long-loan volume (2.1 M of 2.8 M) traded at or above this rate; at that pace this offer could be taken in about 40 min',
    );
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '0.8', basis: 'Floor', seen: { ...seen, volumeAtOrAbove: '0', shareAtOrAbove: '0', paceMinutes: null } })).toBe(
      'long loan at your minimum rate (0.8 × FRR 0.0370 %/day). In the last 24 h, 0 % of long-loan volume (0 of 2.8 M) traded at or above this rate',
    );
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '0.8', basis: 'Floor', seen: { ...seen, longVolume: '0', volumeAtOrAbove: '0', shareAtOrAbove: null, paceMinutes: null } })).toBe(
      'long loan at your minimum rate (0.8 × FRR 0.0370 %/day). No long loans traded in the last 24 h',
    );
  });
  it('keeps each rate and factor on one line', () => {
    expect(why({ kind: 'Reprice', from_rate: '0.00015' })).toContain('0.0150\u00a0%/day');
    const long = why({ kind: 'Long', frr: '0.00037', factor: '1.2', basis: 'ShortMarket', seen: null });
    expect(long).toContain('1.2\u00a0×\u00a0FRR 0.0370\u00a0%/day');
  });
  it('never shows a code it does not know', () => {
    const basis = { kind: 'Long', frr: '0.0004', factor: '0.75', basis: 'Later' } as unknown as OfferReason;
    expect(offerWhy(basis)).toBe('long loan at 0.75 × FRR (FRR 0.0400 %/day)');
    const kind = { kind: 'SomethingNew' } as unknown as OfferReason;
    expect(offerWhy(kind)).toBe('for a reason this version of Yieldsforge cannot name');
    expect(offerWhy(kind)).not.toContain('SomethingNew');
  });
});
