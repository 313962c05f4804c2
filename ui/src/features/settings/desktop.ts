// Pure helpers of the Settings page: the hand-off form (APR ↔ daily rate, validation) and the
// update card (release notes, dates, download progress). No IPC, no Svelte state.
import type { Handoff } from '../../lib/bindings/Handoff';
import type { UpdateProgress } from '../../lib/ipc';
import { bytes } from '../../lib/format';

/** Bitfinex lends for 2 to 120 days. */
export const MIN_PERIOD = 2;
export const MAX_PERIOD = 120;
/** Bitfinex's cap on funding rates: 7 % a day (2555 % a year). */
export const MAX_DAILY_RATE = 0.07;
/** Rates and amounts go to Bitfinex with at most 8 decimals. */
const DECIMALS = 8;

/** The hand-off form as the user edits it: text fields stay text until saved. */
export type HandoffForm = {
  enabled: boolean;
  /** At FRR, or a fixed rate typed as APR. */
  atFrr: boolean;
  /** Yearly rate in percent ("7.3"), used when not at FRR. */
  apr: string;
  /** Days, as typed. */
  period: string;
  /** The whole balance, or at most `amount`. */
  allOfIt: boolean;
  amount: string;
};

export type HandoffField = 'apr' | 'period' | 'amount';
export type HandoffErrors = Partial<Record<HandoffField, string>>;

const DECIMAL = /^\d+(\.\d+)?$/;

/** A plain decimal as typed ("7.5", " 12 "); null when it is not one (commas, signs, letters). */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  return Number(t);
}

/** Drops trailing zeros of a fixed-point string: "0.00020000" → "0.0002", "10.00" → "10". */
function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A yearly rate in percent as the daily rate Bitfinex uses: APR / 365 / 100, at most 8 decimals. */
export function aprToDaily(apr: string): string | null {
  const a = parseDecimal(apr);
  if (a === null) return null;
  return trimZeros((a / 36_500).toFixed(DECIMALS));
}

/** A daily rate ("0.0002") as the yearly rate in percent, rounded to 2 decimals ("7.3"). */
export function dailyToApr(daily: string): string {
  return trimZeros((Number(daily) * 36_500).toFixed(2));
}

/** The form for saved hand-off settings. */
export function formFromHandoff(h: Handoff): HandoffForm {
  return {
    enabled: h.enabled,
    atFrr: h.rate === null,
    apr: h.rate === null ? '' : dailyToApr(h.rate),
    period: String(h.period),
    allOfIt: h.amount === null,
    amount: h.amount ?? '',
  };
}

function decimals(text: string): number {
  return text.trim().split('.')[1]?.length ?? 0;
}

/**
 * Checks the form and builds the hand-off to save. `saved` is what the form started from:
 * an APR left as shown keeps the saved daily rate exactly (the APR field is rounded).
 */
export function validateHandoff(form: HandoffForm, saved: Handoff): { handoff: Handoff | null; errors: HandoffErrors } {
  const errors: HandoffErrors = {};

  let rate: string | null = null;
  if (!form.atFrr) {
    const apr = parseDecimal(form.apr);
    if (form.apr.trim() === '') {
      errors.apr = 'Enter the yearly rate in percent, for example 8.';
    } else if (apr === null) {
      errors.apr = 'Enter a number like 8 or 7.5 (a dot for decimals, no % sign).';
    } else if (saved.rate !== null && form.apr.trim() === dailyToApr(saved.rate)) {
      rate = saved.rate;
    } else {
      const daily = aprToDaily(form.apr);
      if (daily === null || Number(daily) <= 0) errors.apr = 'The rate must be above 0.';
      else if (Number(daily) > MAX_DAILY_RATE) errors.apr = 'Bitfinex accepts at most 7 % a day (2555 % a year).';
      else rate = daily;
    }
  }

  const p = form.period.trim();
  const period = /^\d+$/.test(p) ? Number(p) : NaN;
  if (!Number.isInteger(period) || period < MIN_PERIOD || period > MAX_PERIOD) {
    errors.period = p === '' ? `Enter the loan length: ${MIN_PERIOD} to ${MAX_PERIOD} days.` : `Bitfinex lends for ${MIN_PERIOD} to ${MAX_PERIOD} days, whole days only.`;
  }

  let amount: string | null = null;
  if (!form.allOfIt) {
    const a = parseDecimal(form.amount);
    if (form.amount.trim() === '') errors.amount = 'Enter the most to keep on Auto-Renew, or choose “All of it”.';
    else if (a === null) errors.amount = 'Enter an amount like 2500 or 2500.50 (a dot for decimals, no thousands separators).';
    else if (a <= 0) errors.amount = 'The amount must be above 0.';
    else if (decimals(form.amount) > DECIMALS) errors.amount = 'Use at most 8 decimals.';
    else amount = form.amount.trim();
  }

  if (Object.keys(errors).length > 0) return { handoff: null, errors };
  return { handoff: { enabled: form.enabled, rate, period, amount }, errors };
}

export function sameHandoff(a: Handoff, b: Handoff): boolean {
  return a.enabled === b.enabled && a.rate === b.rate && a.period === b.period && a.amount === b.amount;
}

/** Whether the form differs from what is saved (an invalid form always does). */
export function handoffChanged(form: HandoffForm, saved: Handoff): boolean {
  const { handoff } = validateHandoff(form, saved);
  return handoff === null || !sameHandoff(handoff, saved);
}

/**
 * Release notes as plain text for a `white-space: pre-line` block: Windows line ends made
 * plain, trailing spaces and runs of blank lines removed. Empty when there are none.
 */
export function releaseNotes(notes: string | null): string {
  if (!notes) return '';
  return notes
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * A release date as "Jun 1, 2026" (UTC). Takes a plain day ("2026-06-01", what the shell sends),
 * RFC 3339 ("2026-06-01T12:00:00Z") and the `time` crate's display form
 * ("2026-06-01 12:00:00.0 +00:00:00"); anything else is shown as it is.
 */
export function releaseDate(date: string | null): string | null {
  if (!date) return null;
  let t = /^\d{4}-\d{2}-\d{2}T/.test(date) ? Date.parse(date) : NaN;
  if (Number.isNaN(t)) {
    const m = /^(\d{4})-(\d{2})-(\d{2})\b/.exec(date.trim());
    t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  }
  if (Number.isNaN(t)) return date;
  return new Date(t).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** How much of an update is downloaded, 0–100; null while the size is unknown. */
export function progressPercent(p: UpdateProgress | null): number | null {
  if (!p || !p.total || p.total <= 0) return null;
  return Math.min(100, Math.max(0, Math.floor((p.downloaded / p.total) * 100)));
}

/** "3.2 MB of 12.4 MB (25 %)", or "3.2 MB" while the size is unknown. */
export function progressText(p: UpdateProgress | null): string {
  if (!p) return 'Starting the download…';
  const percent = progressPercent(p);
  if (percent === null || !p.total) return `${bytes(p.downloaded)} downloaded`;
  return `${bytes(p.downloaded)} of ${bytes(p.total)} (${percent} %)`;
}
