import { describe, expect, it } from 'vitest';
import { parseField, percentText, removeRow } from './fields';

describe('a Strategy number field', () => {
  it('refuses what is not a number with its own message, never NaN', () => {
    const p = parseField('abc', { percent: true });
    expect(p).toEqual({ ok: false, error: '“abc” is not a number. Use digits and a dot, like 0.01.' });
    for (const bad of ['NaNbc', '1e3', '7,5', '0.0.1', '8 %', '-']) {
      const r = parseField(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).not.toContain('NaN is');
    }
    expect(parseField('2.5', { integer: true })).toEqual({ ok: false, error: '“2.5” is not a whole number. Use digits only, like 3.' });
  });
  it('says an empty required field needs a number, and an empty optional one means none', () => {
    expect(parseField('  ', {})).toEqual({ ok: false, error: 'Enter a number here; this field cannot be empty.' });
    expect(parseField('', { optional: true })).toEqual({ ok: true, value: null });
  });
  it('converts percent to fractions and keeps plain decimals as typed', () => {
    expect(parseField('0.005', { percent: true })).toEqual({ ok: true, value: '0.00005' });
    expect(parseField(' 10 ', { percent: true })).toEqual({ ok: true, value: '0.1' });
    expect(parseField('.5')).toEqual({ ok: true, value: '0.5' });
    expect(parseField('5.')).toEqual({ ok: true, value: '5' });
    expect(parseField('1000.50')).toEqual({ ok: true, value: '1000.50' });
    expect(parseField('4', { integer: true })).toEqual({ ok: true, value: '4' });
    expect(percentText('0.00005')).toBe('0.005');
    expect(percentText(null)).toBe('');
  });
  it('moves the entries of later rows up when a row is removed', () => {
    const m = { 'thr-rate-0': 'a', 'thr-rate-1': 'b', 'thr-days-2': 'c', reserve: 'r' };
    expect(removeRow(m, ['thr-rate-', 'thr-days-'], 1)).toEqual({ 'thr-rate-0': 'a', 'thr-days-1': 'c', reserve: 'r' });
  });
});
