// Why the app placed (or would place) an offer, in plain words with the numbers behind it.
import type { LongSeen } from './bindings/LongSeen';
import type { OfferReason } from './bindings/OfferReason';
import { duration, keepTogether, perDay } from './format';

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
    case 'Ladder': {
      const what = reason.of > 1 ? `ladder step ${reason.step} of ${reason.of}` : 'short loan';
      const priced =
        reason.ahead_usd == null
          ? `${what}, priced from the order book`
          : `${what}, priced where ${compact(reason.ahead_usd)} USD of other offers are cheaper`;
      return reason.top_from == null ? priced : `${priced}; in the top 5 % of the last day’s short trades (from ${perDay(reason.top_from)}), so lent for longer`;
    }
    case 'Spike':
      if (reason.into != null && reason.level != null && Number(reason.level) > 0) {
        const times = +(Number(reason.into) / Number(reason.level)).toFixed(1);
        return `offered into a rate spike: trades at ${perDay(reason.into)}, ${times} × the last day’s level (${perDay(reason.level)}); lent for longer`;
      }
      return reason.times == null || reason.top == null
        ? 'held high for rate spikes'
        : `held for rate spikes at ${factorText(reason.times)} × the ladder’s top rate (${perDay(reason.top)})`;
    case 'AtFloor':
      return reason.market == null
        ? 'at your minimum rate (the market is below it)'
        : `at your minimum rate; the book offered ${perDay(reason.market)} at this depth`;
    case 'Frr':
      return reason.delta == null || Number(reason.delta) === 0
        ? 'follows the Flash Return Rate'
        : `follows the Flash Return Rate, ${perDay(reason.delta)} above it`;
    case 'Reprice':
      return `unfilled, lowered from ${perDay(reason.from_rate)}`;
    case 'Long': {
      const at = `${factorText(reason.factor)} × FRR`;
      const frr = perDay(reason.frr);
      const seen = reason.seen ? `. ${seenText(reason.seen)}` : '';
      switch (reason.basis) {
        case 'FrrFactor':
          return `long loan at ${at} (FRR ${frr}): where long borrowers bid; the rate holds until the borrower repays or the period ends${seen}`;
        case 'Floor':
          return `long loan at your minimum rate (${at} ${frr})${seen}`;
        case 'ShortMarket':
          return `long loan at the short market’s best offer (${at} ${frr}): never lent long for less than 2-day loans pay${seen}`;
        default:
          return `long loan at ${at} (FRR ${frr})${seen}`;
      }
    }
    default:
      return 'for a reason this version of Yieldsforge cannot name';
  }
}

/** 2,100,000 → "2.1 M", 192,000 → "192 k". */
function compact(x: string): string {
  const n = Number(x);
  if (!Number.isFinite(n)) return x;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} k`;
  return String(Math.round(n));
}

/** What the last hours' long trades say about a long offer's rate. */
function seenText(s: LongSeen): string {
  const hours = Math.round(Number(s.hours));
  if (s.shareAtOrAbove === null) return `No long loans traded in the last ${hours} h`;
  const share = Math.round(Number(s.shareAtOrAbove) * 100);
  const pace = s.paceMinutes === null ? '' : `; at that pace this offer could be taken in about ${duration(Number(s.paceMinutes) * 60_000)}`;
  return `In the last ${hours} h, ${share} % of long-loan volume (${compact(s.volumeAtOrAbove)} of ${compact(s.longVolume)}) traded at or above this rate${pace}`;
}
