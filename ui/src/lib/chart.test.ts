import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { axisNumbers, DAY_S, dayLabel, daySplits, elapsed, elapsedSplits, latest } from './chart';

// Earnings days are UTC days: the labels must not move with the computer's time zone.
beforeAll(() => {
  vi.stubEnv('TZ', 'America/New_York');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const day = (d: number) => Date.UTC(2026, 10, d) / 1000;

describe('daily chart ticks', () => {
  it('runs in a time zone west of UTC', () => {
    expect(new Date(day(28) * 1000).getDate()).toBe(27);
  });
  it('puts a tick on every UTC day when there is room, each labelled with its UTC date', () => {
    const splits = daySplits(day(22) - DAY_S / 2, day(28) + DAY_S / 2, 700);
    expect(splits).toEqual([22, 23, 24, 25, 26, 27, 28].map(day));
    expect(splits.map((s) => dayLabel(s))).toEqual(['Nov 22', 'Nov 23', 'Nov 24', 'Nov 25', 'Nov 26', 'Nov 27', 'Nov 28']);
  });
  it('skips days evenly when crowded, always keeping the latest day', () => {
    const splits = daySplits(Date.UTC(2026, 9, 30) / 1000 - DAY_S / 2, day(28) + DAY_S / 2, 600);
    expect(splits.at(-1)).toBe(day(28));
    const gaps = new Set(splits.slice(1).map((s, i) => s - splits[i]!));
    expect(gaps.size).toBe(1);
    expect([...gaps][0]! % DAY_S).toBe(0);
    expect(splits.every((s) => s % DAY_S === 0)).toBe(true);
    expect(dayLabel(day(28), true)).toBe('Nov 28, 2026');
  });
});

describe('backtest axis', () => {
  it('labels whole days only, all in the same form', () => {
    expect(elapsedSplits(0, 2, 800)).toEqual([0, 1, 2]);
    expect(elapsedSplits(0, 14, 300)).toEqual([0, 3, 6, 9, 12]);
    expect(elapsed(2)).toBe('2 d');
    expect(elapsed(1.25)).toBe('1 d 6 h');
    expect(elapsed(0.9999)).toBe('1 d');
  });
});

describe('legend values when not hovering', () => {
  it('takes the last known value', () => {
    expect(latest([1, 2, null])).toBe(2);
    expect(latest([])).toBeNull();
  });
});

describe('axis numbers', () => {
  it('use the same decimals on every tick', () => {
    expect(axisNumbers([0, 100, 200, 300], 100)).toEqual(['0', '100', '200', '300']);
    expect(axisNumbers([0, 0.5, 1, 1.5], 0.5)).toEqual(['0.0', '0.5', '1.0', '1.5']);
    expect(axisNumbers([0, 0.05, 0.1], 0.05)).toEqual(['0.00', '0.05', '0.10']);
    expect(axisNumbers([0, 25, 50], 25, ' %')).toEqual(['0 %', '25 %', '50 %']);
  });
});
