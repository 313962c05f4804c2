// Why the app placed (or would place) an offer, in plain words with the numbers behind it.
import type { OfferReason } from './bindings/OfferReason';
import { keepTogether, perDay } from './format';

/** A factor as sent ("0.80") the way people write it ("0.8"); left as it came when it is not a number. */
function factorText(f: string): string {
  const n = Number(f);
  return Number.isFinite(n) && f.trim() !== '' ? String(+n.toFixed(2)) : f;
}

/**
 * Why an offer is there, e.g. "ladder step 1 of 3, priced from the order book" or
 * "long loan at 0.8 × FRR (FRR 0.0370 %/day): where long borrowers bid; …" (rates and
 * factors keep together with no-break spaces). A reason this version does not know gets a
 * plain sentence, never its code.
 */
export function offerWhy(reason: OfferReason): string {
  return keepTogether(words(reason));
}

function words(reason: OfferReason): string {
  switch (reason.kind) {
    case 'Ladder':
      return reason.of > 1 ? `ladder step ${reason.step} of ${reason.of}, priced from the order book` : 'short loan, priced from the order book';
    case 'Spike':
      return 'held high for rate spikes';
    case 'AtFloor':
      return 'at your minimum rate (the market is below it)';
    case 'Frr':
      return 'follows the Flash Return Rate';
    case 'Reprice':
      return `unfilled, lowered from ${perDay(reason.from_rate)}`;
    case 'Long': {
      const at = `${factorText(reason.factor)} × FRR`;
      const frr = perDay(reason.frr);
      switch (reason.basis) {
        case 'FrrFactor':
          return `long loan at ${at} (FRR ${frr}): where long borrowers bid; the rate holds until the borrower repays or the period ends`;
        case 'Floor':
          return `long loan at your minimum rate (${at} ${frr})`;
        case 'ShortMarket':
          return `long loan at the short market’s best offer (${at} ${frr}): never lent long for less than 2-day loans pay`;
        default:
          return `long loan at ${at} (FRR ${frr})`;
      }
    }
    default:
      return 'for a reason this version of Yieldsforge cannot name';
  }
}
