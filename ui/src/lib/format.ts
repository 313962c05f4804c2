// Number formatting: money with the currency, rates as %/day and APR, durations.
import type { Halt } from './bindings/Halt';
import type { IdleReason } from './bindings/IdleReason';

export function money(amount: string | number, currency: string): string {
  const n = typeof amount === 'string' ? Number(amount) : amount;
  const digits = currency === 'BTC' || currency === 'ETH' ? 6 : 2;
  return `${n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

/** A daily rate (0.0002) as "0.0200 %/day · 7.30 % APR". */
export function rate(daily: string | number): string {
  const d = typeof daily === 'string' ? Number(daily) : daily;
  return `${perDay(d)} · ${apr(d)}`;
}

/** A daily rate (0.0002) as "7.30 % APR". */
export function apr(daily: string | number): string {
  const d = typeof daily === 'string' ? Number(daily) : daily;
  return `${(d * 36500).toFixed(2)} % APR`;
}

/** A daily rate (0.0002) as "0.0200 %/day". */
export function perDay(daily: string | number): string {
  const d = typeof daily === 'string' ? Number(daily) : daily;
  return `${(d * 100).toFixed(4)} %/day`;
}

/**
 * The same text with no-break spaces where a line break would split a quantity: between a
 * number and its unit ("0.0370 %/day", "80 %") and around "×" ("0.8 × FRR").
 */
export function keepTogether(text: string): string {
  return text.replace(/(\d) (?=%|×)/g, '$1\u00a0').replace(/× /g, '×\u00a0');
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
  const min = Math.floor((ms % 3_600_000) / 60_000);
  if (h >= 1) return min === 0 ? `${h} h` : `${h} h ${min} min`;
  return `${Math.max(1, Math.floor(ms / 60_000))} min`;
}

const IDLE_TEXT: Record<IdleReason, string> = {
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
  BadData: 'Bitfinex’s data did not add up, so nothing is offered until it does',
  MarketUnavailable: 'the market could not be read from Bitfinex, so nothing is offered until it can',
  AnotherEngine: 'another program is lending with the same API key',
  Storage: 'the local database could not be written, so nothing new is offered',
};

/** Why money is idle, in words ("lending is paused"). An unknown reason gets a plain sentence, never its code. */
export function idleReason(reason: IdleReason | string): string {
  return IDLE_TEXT[reason as IdleReason] ?? 'for a reason this version of Yieldsforge cannot name';
}

const HALT_TEXT: Record<Halt, string> = {
  Paused: 'Lending is paused.',
  KeyProblem: 'There is a problem with the API key.',
  RateLimited: 'Bitfinex asked Yieldsforge to slow down.',
  Maintenance: 'Bitfinex is in maintenance.',
  AnotherEngine: 'Another program is lending with the same API key.',
  Storage: 'The local database could not be written.',
};

/** Why the engine stopped, in words, for when the engine sent no message of its own. */
export function haltReason(reason: Halt): string {
  return HALT_TEXT[reason] ?? 'Lending is stopped.';
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

/** A moment's time of day ("14:05"), with the date too when it is not within the last day. */
export function clock(mts: number, now: number): string {
  const d = new Date(mts);
  const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (now - mts >= 20 * 3_600_000) Object.assign(opts, { month: 'short', day: 'numeric' });
  return d.toLocaleString('en-US', opts);
}

/** How long ago, in words ("2 min ago"). */
export function ago(mts: number, now: number): string {
  const s = Math.max(0, Math.floor((now - mts) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} days ago`;
}
