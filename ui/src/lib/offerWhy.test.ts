import { describe, expect, it } from 'vitest';
import type { OfferReason } from './bindings/OfferReason';
import { offerWhy as why } from './offerWhy';

/** The words as read (no-break spaces as spaces). */
const offerWhy = (r: OfferReason) => why(r).replace(/\u00a0/g, ' ');

describe('offerWhy', () => {
  it('explains the short offers', () => {
    expect(offerWhy({ kind: 'Ladder', step: 1, of: 3 })).toBe('ladder step 1 of 3, priced from the order book');
    expect(offerWhy({ kind: 'Ladder', step: 1, of: 1 })).toBe('short loan, priced from the order book');
    expect(offerWhy({ kind: 'Spike' })).toBe('held high for rate spikes');
    expect(offerWhy({ kind: 'AtFloor' })).toBe('at your minimum rate (the market is below it)');
    expect(offerWhy({ kind: 'Frr' })).toBe('follows the Flash Return Rate');
    expect(offerWhy({ kind: 'Reprice', from_rate: '0.00015' })).toBe('unfilled, lowered from 0.0150 %/day');
  });
  it('explains a long loan with the FRR and factor behind its rate', () => {
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '0.80', basis: 'FrrFactor' })).toBe(
      'long loan at 0.8 × FRR (FRR 0.0370 %/day): where long borrowers bid; the rate holds until the borrower repays or the period ends',
    );
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '0.9', basis: 'Floor' })).toBe('long loan at your minimum rate (0.9 × FRR 0.0370 %/day)');
    expect(offerWhy({ kind: 'Long', frr: '0.00037', factor: '1.20', basis: 'ShortMarket' })).toBe(
      'long loan at the short market’s best offer (1.2 × FRR 0.0370 %/day): never lent long for less than 2-day loans pay',
    );
  });
  it('keeps each rate and factor on one line', () => {
    expect(why({ kind: 'Reprice', from_rate: '0.00015' })).toContain('0.0150\u00a0%/day');
    const long = why({ kind: 'Long', frr: '0.00037', factor: '1.2', basis: 'ShortMarket' });
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
