import { describe, expect, it } from 'vitest';
import { PAGES, hashFor, pageFromHash } from './router';

describe('router', () => {
  it('maps hashes to pages', () => {
    expect(pageFromHash('#/earnings')).toBe('earnings');
    expect(pageFromHash('#earnings')).toBe('earnings');
    expect(pageFromHash('#/settings/keys?x=1')).toBe('settings');
  });

  it('sends unknown and empty hashes to the fallback', () => {
    expect(pageFromHash('')).toBe('setup');
    expect(pageFromHash('#/nope')).toBe('setup');
    expect(pageFromHash('#/nope', 'dashboard')).toBe('dashboard');
  });

  it('round-trips every page', () => {
    for (const p of PAGES) expect(pageFromHash(hashFor(p))).toBe(p);
  });
});
