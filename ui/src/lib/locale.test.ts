import { describe, expect, it } from 'vitest';
import { usableLanguage } from './locale';

describe('locale', () => {
  it('keeps a usable language tag and refuses one the engine cannot use', () => {
    expect(usableLanguage('en-US')).toBe('en-US');
    expect(usableLanguage('C')).toBeNull();
    expect(usableLanguage(undefined)).toBeNull();
  });
});
