import { describe, expect, it } from 'vitest';
import { ago, bytes, day, duration, haltReason, idleReason, keepTogether, money, pct, perDay, rate, signedMoney } from './format';

describe('format', () => {
  it('shows rates per day and as APR', () => {
    expect(rate('0.0002')).toBe('0.0200 %/day · 7.30 % APR');
    expect(perDay('0.00027397')).toBe('0.0274 %/day');
  });
  it('keeps numbers with their units on one line', () => {
    expect(keepTogether('80 % at 0.8 × FRR (0.0370 %/day), 120 days')).toBe('80\u00a0% at 0.8\u00a0×\u00a0FRR (0.0370\u00a0%/day), 120 days');
    expect(keepTogether('plain words')).toBe('plain words');
  });
  it('formats download sizes', () => {
    expect(bytes(0)).toBe('0 KB');
    expect(bytes(820_400)).toBe('820 KB');
    expect(bytes(12_400_000)).toBe('12.4 MB');
  });
  it('formats money by currency', () => {
    expect(money('1234.5', 'USD')).toBe('1,234.50 USD');
    expect(money(0.0025, 'BTC')).toBe('0.002500 BTC');
  });
  it('formats durations', () => {
    expect(duration(3 * 86_400_000)).toBe('3 days');
    expect(duration(90 * 60_000)).toBe('1 h 30 min');
    expect(duration(0)).toBe('now');
    expect(duration(24 * 3_600_000)).toBe('24 h');
  });
  it('explains idle reasons in words', () => {
    expect(idleReason('BelowMinimum')).toContain('150 USD');
    expect(idleReason('MarketUnavailable')).toBe('the market could not be read from Bitfinex, so nothing is offered until it can');
    expect(idleReason('BadData')).toContain('did not add up');
    expect(idleReason('AnotherEngine')).toContain('another program');
    expect(idleReason('Storage')).toContain('database');
  });
  it('never shows a reason’s code to the user', () => {
    const all = ['Reserve', 'BelowMinimum', 'MaxToLend', 'DailyBudget', 'Disabled', 'NoMarket', 'Paused', 'KeyProblem', 'RateLimited', 'Maintenance', 'BadData', 'MarketUnavailable', 'AnotherEngine', 'Storage'] as const;
    for (const r of all) expect(idleReason(r)).not.toMatch(/^[A-Z][a-z]+[A-Z]/);
    expect(idleReason('SomethingNew')).not.toContain('SomethingNew');
    expect(haltReason('Storage')).toBe('The local database could not be written.');
  });
  it('shows fractions as percentages and signs money', () => {
    expect(pct('0.973')).toBe('97.3 %');
    expect(pct(null)).toBe('—');
    expect(pct(0.05234, 2)).toBe('5.23 %');
    expect(signedMoney('1.234', 'USD')).toBe('+1.23 USD');
    expect(signedMoney(-0.5, 'USD')).toBe('−0.50 USD');
  });
  it('names UTC days and elapsed time', () => {
    expect(day(Date.UTC(2026, 10, 3, 23, 59))).toBe('Nov 3');
    expect(ago(0, 30_000)).toBe('just now');
    expect(ago(0, 5 * 60_000)).toBe('5 min ago');
    expect(ago(0, 3 * 86_400_000)).toBe('3 days ago');
  });
});
