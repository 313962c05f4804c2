// Pure helpers for the uPlot charts: day ticks on UTC days, consistent labels, and legends that
// show the latest values when the pointer is not over the chart.
import { day } from './format';

export const DAY_S = 86_400;
const STEPS = [1, 2, 3, 7, 14, 30, 61, 91, 182, 365];

/** The smallest step (in days) from STEPS that leaves `minGap` px between labels. */
export function dayStep(pxPerDay: number, minGap: number): number {
  return STEPS.find((s) => s * pxPerDay >= minGap) ?? STEPS[STEPS.length - 1]!;
}

/**
 * Tick positions (UTC seconds) on whole UTC days between `min` and `max`, every few days so the
 * labels do not crowd, counted back from the last day so the latest day always has its label.
 */
export function daySplits(min: number, max: number, plotWidth: number, minGap = 60): number[] {
  const first = Math.ceil(min / DAY_S) * DAY_S;
  const last = Math.floor(max / DAY_S) * DAY_S;
  if (last < first) return [];
  const step = dayStep(plotWidth / Math.max(1, (max - min) / DAY_S), minGap);
  const out: number[] = [];
  for (let t = last; t >= first; t -= step * DAY_S) out.unshift(t);
  return out;
}

/** A UTC day's label for an axis ("Nov 28"; with the year when the chart spans years). */
export function dayLabel(sec: number, withYear = false): string {
  const d = day(sec * 1000);
  return withYear ? `${d}, ${new Date(sec * 1000).getUTCFullYear()}` : d;
}

/** Ticks at whole days from a start (0, 1, 2 … days), every few days so labels do not crowd. */
export function elapsedSplits(min: number, max: number, plotWidth: number, minGap = 48): number[] {
  const step = dayStep(plotWidth / Math.max(1 / 24, max - min), minGap);
  const out: number[] = [];
  for (let d = Math.ceil(min / step) * step; d <= max + 1e-9; d += step) out.push(d);
  return out;
}

/** Time since the start, from a number of days: "2 d", "1 d 6 h". */
export function elapsed(days: number): string {
  const whole = Math.floor(days + 1e-9);
  const hours = Math.round((days - whole) * 24);
  if (hours === 24) return `${whole + 1} d`;
  return hours === 0 ? `${whole} d` : `${whole} d ${hours} h`;
}

/** The last value that is not null, if any. */
export function latest(values: ArrayLike<number | null | undefined>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined && !Number.isNaN(v)) return v;
  }
  return null;
}

/** Axis numbers with the same number of decimals on every tick, as few as the step between ticks needs. */
export function axisNumbers(splits: number[], step: number | null | undefined, suffix = ''): string[] {
  const s = step && step > 0 ? step : splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
  const decimals = s >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(s) - 1e-9));
  return splits.map((v) => `${(Math.abs(v) < 1e-12 ? 0 : v).toFixed(decimals)}${suffix}`);
}
