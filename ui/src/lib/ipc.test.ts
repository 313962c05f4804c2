import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { appInfo, call, isApiError, openExternal, toApiError } from './ipc';

afterEach(() => clearMocks());

describe('ipc', () => {
  it('returns typed data from app_info', async () => {
    mockIPC((cmd) => {
      if (cmd === 'app_info') {
        return { version: '1.2.3', dataDir: '/d', buildProfile: 'release', os: 'linux', arch: 'x86_64' };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const info = await appInfo();
    expect(info.version).toBe('1.2.3');
    expect(info.buildProfile).toBe('release');
  });

  it('passes arguments through', async () => {
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return null;
    });
    await openExternal('https://setting.bitfinex.com/api');
    expect(seen).toEqual([['open_external', { url: 'https://setting.bitfinex.com/api' }]]);
  });

  it('keeps {code, message} rejections as they are', async () => {
    mockIPC(() => {
      throw { code: 'InvalidInput', message: 'Yieldsforge only opens Bitfinex pages.' };
    });
    await expect(openExternal('https://x.example')).rejects.toEqual({
      code: 'InvalidInput',
      message: 'Yieldsforge only opens Bitfinex pages.',
    });
  });

  it('turns a plain string rejection into Internal', async () => {
    mockIPC(() => {
      throw 'state not managed';
    });
    await expect(call('anything')).rejects.toEqual({ code: 'Internal', message: 'state not managed' });
  });

  it('recognises only known codes', () => {
    expect(isApiError({ code: 'InvalidKey', message: 'x' })).toBe(true);
    expect(isApiError({ code: 'Nope', message: 'x' })).toBe(false);
    expect(isApiError('x')).toBe(false);
    expect(toApiError(new Error('boom'))).toEqual({ code: 'Internal', message: 'boom' });
    expect(toApiError({ weird: 1 })).toEqual({ code: 'Internal', message: '{"weird":1}' });
  });
});
