import { beforeEach, describe, expect, it } from 'vitest';
import type { KeyState } from './bindings/KeyState';
import { forgetRemovedKey, rememberRemovedKey, removedKey } from './removedKey';

const LIVE: KeyState = { mode: 'live', label: 'Yieldsforge', masked: 'AbCd…wXyZ', verifiedMts: 1, problem: null, canTransfer: false };

describe('the removed key', () => {
  beforeEach(() => localStorage.clear());
  it('keeps only the label and the masked form of a live key', () => {
    rememberRemovedKey(LIVE);
    expect(removedKey()).toEqual({ label: 'Yieldsforge', masked: 'AbCd…wXyZ' });
    expect(localStorage.getItem('yf.removedKey')).toBe('{"label":"Yieldsforge","masked":"AbCd…wXyZ"}');
    forgetRemovedKey();
    expect(removedKey()).toBeNull();
  });
  it('ignores the demo and anything unreadable', () => {
    rememberRemovedKey({ ...LIVE, mode: 'demo' });
    expect(removedKey()).toBeNull();
    localStorage.setItem('yf.removedKey', '{not json');
    expect(removedKey()).toBeNull();
  });
});
