import { describe, expect, it } from 'vitest';
import { duration, idleReason, money, rate } from './format';

describe('format', () => {
  it('shows rates per day and as APR', () => {
    expect(rate('0.0002')).toBe('0.0200 %/day · 7.30 % APR');
  });
  it('formats money by currency', () => {
    expect(money('1234.5', 'USD')).toBe('1,234.50 USD');
    expect(money(0.0025, 'BTC')).toBe('0.002500 BTC');
  });
  it('formats durations', () => {
    expect(duration(3 * 86_400_000)).toBe('3 days');
    expect(duration(90 * 60_000)).toBe('1 h 30 min');
    expect(duration(0)).toBe('now');
  });
  it('explains idle reasons in words', () => {
    expect(idleReason('BelowMinimum')).toContain('150 USD');
  });
});
