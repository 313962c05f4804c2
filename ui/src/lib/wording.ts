// Words that must be the same on every screen that shows them.

/**
 * The yardstick of the Dashboard and the Earnings page (and the backtest's optimistic line):
 * Auto-Renew at FRR, assuming every FRR offer fills. It is the most Auto-Renew could have paid.
 */
export const AR_UPPER = 'Auto-Renew at FRR, if every FRR offer filled (upper bound)';

/** Why it is an upper bound, after AR_UPPER. */
export const AR_UPPER_WHY =
  'This assumes every FRR offer fills at once. In our market model, calibrated on 2026 data, an FRR offer waits behind the other lenders’ FRR offers and Auto-Renew at FRR earned nothing on the August 2026 replays, so it earns this or (much) less.';

/**
 * The backtests' headline baseline: Auto-Renew at FRR under the calibrated FRR rule (an FRR offer
 * waits behind the line of other lenders' FRR offers; docs/market-model.md).
 */
export const AR_MARKET = 'Market-average lender: Auto-Renew at FRR (calibrated rule)';

/** What the calibrated rule assumes, after AR_MARKET. */
export const AR_MARKET_WHY =
  'An FRR offer waits at the FRR price behind about 60 M USD of other lenders’ FRR offers and fills only when borrowers reach FRR; in 2026 almost none did.';

/**
 * The Dashboard's and the Earnings page's yardstick: Auto-Renew at FRR under the calibrated FRR
 * rule, estimated from what the app recorded (lender::metrics::auto_renew_calibrated).
 */
export const AR_LIVE = 'Auto-Renew at FRR (calibrated rule)';

/** What the live calibrated figure assumes, after AR_LIVE. */
export const AR_LIVE_WHY =
  'Estimated from what the app recorded while it ran: the same balance, offered at FRR for 2 days, waits behind the FRR offers Bitfinex shows waiting (its “FRR amount available”) and is lent only once trades at or above FRR have worked through them. This is the FRR rule of our market model, calibrated on 2026 data; it is an estimate, not what Bitfinex paid anyone.';

/** AR_LIVE_WHY in one sentence, for the tiles. */
export const AR_LIVE_SHORT =
  'An estimate: your balance waits behind the FRR offers Bitfinex shows waiting and fills once trades at or above FRR work through them (our calibrated market model).';

/** Before the app has recorded Bitfinex's FRR line, only the upper bound can be shown. */
export const AR_LIVE_PENDING =
  'The calibrated Auto-Renew figure starts once the app has recorded Bitfinex’s FRR line; history from before then has only the upper bound.';

/** The backtest's lower-edge Auto-Renew line. */
export const AR_CONSERVATIVE = 'Auto-Renew at FRR, filled only when trades reach FRR';

/** What the "turnover" of loans is. */
export const TURNOVER_WHY =
  'Turnover is the total of every new loan in the period: money that comes back from a loan is lent again, so it can add up to many times your balance.';
