import { describe, expect, it } from 'vitest';
import type { EngineStatus } from './bindings/EngineStatus';
import type { KeyState } from './bindings/KeyState';
import { labelFor } from './engineLabel';

const KEY: KeyState = { mode: 'live', label: 'Mine', masked: 'AbCd…WxYz', verifiedMts: 1, problem: null, canTransfer: false };
const status = (over: Partial<EngineStatus> = {}): EngineStatus => ({
  state: { state: 'Running' },
  dryRun: false,
  lastCycleMts: 1,
  lastError: null,
  currencies: [],
  problems: [],
  ...over,
});
const PROBLEM = {
  kind: 'RequestFailed' as const,
  currency: 'USD',
  request: 'order book (fUSD)',
  message: 'Could not read the order book (fUSD) from Bitfinex. USD is not lent until it can be read; the engine keeps trying.',
  sinceMts: 1,
};

describe('the sidebar pill', () => {
  it('says Connecting… only until the engine has said something', () => {
    expect(labelFor(null, null)).toBe('Not connected');
    expect(labelFor({ ...KEY, mode: 'none' }, null)).toBe('Not connected');
    expect(labelFor(KEY, null)).toBe('Connecting…');
    expect(labelFor(KEY, status())).toBe('Connecting…');
  });
  it('says Problem when a request keeps failing, even before any currency was read', () => {
    expect(labelFor(KEY, status({ problems: [PROBLEM] }))).toBe('Problem');
    expect(labelFor(KEY, status({ lastError: 'x' }))).toBe('Problem');
  });
  it('says Problem when the engine is halted or the key has a problem', () => {
    expect(labelFor(KEY, status({ state: { state: 'Halted', reason: 'AnotherEngine', message: 'm', retry_at_mts: null } }))).toBe('Problem');
    expect(labelFor({ ...KEY, problem: 'revoked' }, status())).toBe('Problem');
  });
  it('says Lending or Paused once the wallet is read and nothing is wrong', () => {
    const usd = { currency: 'USD' } as EngineStatus['currencies'][number];
    expect(labelFor(KEY, status({ currencies: [usd] }))).toBe('Lending');
    expect(labelFor(KEY, status({ currencies: [usd], state: { state: 'Paused' } }))).toBe('Paused');
    expect(labelFor(KEY, status({ currencies: [usd], problems: [PROBLEM] }))).toBe('Problem');
  });
});
