// Number formatting: money with the currency, rates as %/day and APR, durations.

export function money(amount: string | number, currency: string): string {
  const n = typeof amount === 'string' ? Number(amount) : amount;
  const digits = currency === 'BTC' || currency === 'ETH' ? 6 : 2;
  return `${n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

/** A daily rate (0.0002) as "0.0200 %/day · 7.30 % APR". */
export function rate(daily: string | number): string {
  const d = typeof daily === 'string' ? Number(daily) : daily;
  return `${perDay(d)} · ${(d * 36500).toFixed(2)} % APR`;
}

/** A daily rate (0.0002) as "0.0200 %/day". */
export function perDay(daily: string | number): string {
  const d = typeof daily === 'string' ? Number(daily) : daily;
  return `${(d * 100).toFixed(4)} %/day`;
}

/** A size in bytes as "820 KB" or "12.4 MB". */
export function bytes(n: number): string {
  if (n < 1_000_000) return `${Math.max(0, Math.round(n / 1000))} KB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

export function duration(ms: number): string {
  if (ms <= 0) return 'now';
  const h = Math.floor(ms / 3_600_000);
  if (h >= 48) return `${Math.floor(h / 24)} days`;
  if (h >= 1) return `${h} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
  return `${Math.max(1, Math.floor(ms / 60_000))} min`;
}

const IDLE_TEXT: Record<string, string> = {
  Reserve: 'kept as your reserve',
  BelowMinimum: 'below Bitfinex’s 150 USD minimum per offer',
  MaxToLend: 'your maximum to lend is reached',
  DailyBudget: 'today’s deployment budget is used up',
  Disabled: 'lending of this currency is off',
  NoMarket: 'no market data to price from',
  Paused: 'lending is paused',
  KeyProblem: 'a problem with the API key',
  RateLimited: 'waiting out Bitfinex’s rate limit',
  Maintenance: 'Bitfinex is in maintenance',
};

export function idleReason(reason: string): string {
  return IDLE_TEXT[reason] ?? reason;
}

/** A fraction (0.973) as "97.3 %"; "—" when unknown. */
export function pct(fraction: string | number | null, digits = 1): string {
  if (fraction === null) return '—';
  const f = typeof fraction === 'string' ? Number(fraction) : fraction;
  return `${(f * 100).toFixed(digits)} %`;
}

/** Money with an explicit sign: "+1.23 USD", "−0.50 USD". */
export function signedMoney(amount: string | number, currency: string): string {
  const n = typeof amount === 'string' ? Number(amount) : amount;
  const body = money(Math.abs(n), currency);
  return n < 0 ? `−${body}` : `+${body}`;
}

/** A UTC day ("Nov 3") for chart axes and tables. */
export function day(mts: number): string {
  return new Date(mts).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** How long ago, in words ("2 min ago"). */
export function ago(mts: number, now: number): string {
  const s = Math.max(0, Math.floor((now - mts) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} days ago`;
}
