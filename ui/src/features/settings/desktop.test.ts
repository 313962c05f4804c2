import { describe, expect, it } from 'vitest';
import type { Handoff } from '../../lib/bindings/Handoff';
import {
  aprToDaily,
  dailyToApr,
  formFromHandoff,
  handoffChanged,
  parseDecimal,
  progressPercent,
  progressText,
  releaseDate,
  releaseNotes,
  validateHandoff,
  type HandoffForm,
} from './desktop';

const DEFAULT: Handoff = { enabled: false, rate: null, period: 2, amount: null };
const form = (over: Partial<HandoffForm> = {}): HandoffForm => ({ ...formFromHandoff(DEFAULT), ...over });

describe('APR and daily rates', () => {
  it('converts APR in percent to a daily decimal with at most 8 decimals', () => {
    expect(aprToDaily('7.3')).toBe('0.0002');
    expect(aprToDaily('10')).toBe('0.00027397');
    expect(aprToDaily(' 2555 ')).toBe('0.07');
    expect(aprToDaily('0')).toBe('0');
    expect(aprToDaily('0.0001')).toBe('0');
  });
  it('refuses what is not a plain decimal', () => {
    for (const bad of ['', 'abc', '7,5', '-1', '1e3', '7.', '.5', '8 %']) expect(aprToDaily(bad)).toBeNull();
    expect(parseDecimal('12.50')).toBe(12.5);
  });
  it('shows a daily rate as APR rounded to 2 decimals', () => {
    expect(dailyToApr('0.0002')).toBe('7.3');
    expect(dailyToApr('0.00027397')).toBe('10');
    expect(dailyToApr('0.07')).toBe('2555');
    expect(dailyToApr('0.000123')).toBe('4.49');
  });
});

describe('the hand-off form', () => {
  it('round-trips saved settings unchanged, keeping the exact daily rate', () => {
    const saved: Handoff = { enabled: true, rate: '0.00012345', period: 30, amount: '2500.5' };
    const f = formFromHandoff(saved);
    expect(f).toEqual({ enabled: true, atFrr: false, apr: '4.51', period: '30', allOfIt: false, amount: '2500.5' });
    expect(validateHandoff(f, saved).handoff).toEqual(saved);
    expect(handoffChanged(f, saved)).toBe(false);
    expect(handoffChanged({ ...f, period: '31' }, saved)).toBe(true);
    // A new APR is converted.
    expect(validateHandoff({ ...f, apr: '7.3' }, saved).handoff?.rate).toBe('0.0002');
  });
  it('builds FRR and "all of it" as null', () => {
    expect(validateHandoff(form({ enabled: true, apr: 'ignored', amount: 'ignored' }), DEFAULT)).toEqual({
      handoff: { enabled: true, rate: null, period: 2, amount: null },
      errors: {},
    });
  });
  it('refuses a period outside 2–120 days', () => {
    for (const p of ['150', '1', '0', '', '2.5', 'ten']) {
      const r = validateHandoff(form({ period: p }), DEFAULT);
      expect(r.handoff).toBeNull();
      expect(r.errors.period).toMatch(/2 to 120 days/);
    }
    expect(validateHandoff(form({ period: '120' }), DEFAULT).errors).toEqual({});
  });
  it('refuses a missing, zero or too high fixed rate', () => {
    expect(validateHandoff(form({ atFrr: false, apr: '' }), DEFAULT).errors.apr).toMatch(/yearly rate/);
    expect(validateHandoff(form({ atFrr: false, apr: '7,5' }), DEFAULT).errors.apr).toMatch(/dot for decimals/);
    expect(validateHandoff(form({ atFrr: false, apr: '0' }), DEFAULT).errors.apr).toMatch(/above 0/);
    expect(validateHandoff(form({ atFrr: false, apr: '2600' }), DEFAULT).errors.apr).toMatch(/7 % a day/);
    expect(validateHandoff(form({ atFrr: false, apr: '2555' }), DEFAULT).handoff?.rate).toBe('0.07');
  });
  it('refuses a missing, zero or malformed maximum amount', () => {
    expect(validateHandoff(form({ allOfIt: false, amount: '' }), DEFAULT).errors.amount).toMatch(/All of it/);
    expect(validateHandoff(form({ allOfIt: false, amount: '0' }), DEFAULT).errors.amount).toMatch(/above 0/);
    expect(validateHandoff(form({ allOfIt: false, amount: '1,000' }), DEFAULT).errors.amount).toMatch(/thousands/);
    expect(validateHandoff(form({ allOfIt: false, amount: '1.123456789' }), DEFAULT).errors.amount).toMatch(/8 decimals/);
    expect(validateHandoff(form({ allOfIt: false, amount: ' 1500 ' }), DEFAULT).handoff?.amount).toBe('1500');
  });
  it('reports every bad field at once, and an invalid form counts as changed', () => {
    const f = form({ atFrr: false, apr: 'x', period: '150', allOfIt: false, amount: '' });
    expect(Object.keys(validateHandoff(f, DEFAULT).errors).sort()).toEqual(['amount', 'apr', 'period']);
    expect(handoffChanged(f, DEFAULT)).toBe(true);
  });
});

describe('update notes and progress', () => {
  it('keeps notes as plain text with their line breaks', () => {
    expect(releaseNotes(null)).toBe('');
    expect(releaseNotes('  \r\n- Faster start\r\n- <b>Fix</b>   \r\n\r\n\r\n\r\nThanks\n')).toBe('- Faster start\n- <b>Fix</b>\n\nThanks');
  });
  it('formats release dates in UTC, and leaves odd ones as they are', () => {
    expect(releaseDate('2026-06-01T23:30:00Z')).toBe('Jun 1, 2026');
    expect(releaseDate('2026-06-01')).toBe('Jun 1, 2026');
    expect(releaseDate('2026-06-01 23:30:00.0 +00:00:00')).toBe('Jun 1, 2026');
    expect(releaseDate('last Tuesday')).toBe('last Tuesday');
    expect(releaseDate(null)).toBeNull();
  });
  it('shows download progress, with or without a known size', () => {
    expect(progressPercent(null)).toBeNull();
    expect(progressPercent({ downloaded: 5, total: null })).toBeNull();
    expect(progressPercent({ downloaded: 3_100_000, total: 12_400_000 })).toBe(25);
    expect(progressPercent({ downloaded: 13_000_000, total: 12_400_000 })).toBe(100);
    expect(progressText({ downloaded: 3_100_000, total: 12_400_000 })).toBe('3.1 MB of 12.4 MB (25 %)');
    expect(progressText({ downloaded: 820_000, total: null })).toBe('820 KB downloaded');
  });
});
