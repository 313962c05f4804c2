// Words that must be the same on every screen that shows them.

/**
 * The yardstick of the Dashboard and the Earnings page (and the backtest's optimistic line):
 * Auto-Renew at FRR, assuming every FRR offer fills. It is the most Auto-Renew could have paid.
 */
export const AR_UPPER = 'Auto-Renew at FRR, if every FRR offer filled (upper bound)';

/** Why it is an upper bound, after AR_UPPER. */
export const AR_UPPER_WHY = 'In practice FRR offers often wait unfilled, so Auto-Renew earns this or less.';

/** The backtest's conservative Auto-Renew line. */
export const AR_CONSERVATIVE = 'Auto-Renew at FRR, filled only when trades reach FRR';

/** What the "turnover" of loans is. */
export const TURNOVER_WHY =
  'Turnover is the total of every new loan in the period: money that comes back from a loan is lent again, so it can add up to many times your balance.';
