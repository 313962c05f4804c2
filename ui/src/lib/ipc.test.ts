import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { appInfo, autostartSet, call, desktopSettingsSet, isApiError, openExternal, toApiError, UNEXPECTED, updateCheck } from './ipc';

afterEach(() => {
  clearMocks();
  vi.restoreAllMocks();
});

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

  it('sends the desktop commands their camelCase arguments', async () => {
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === 'desktop_settings_set') return (args as { settings: unknown }).settings;
      if (cmd === 'autostart_set') return (args as { enabled: boolean }).enabled;
      return null;
    });
    const settings = {
      checkUpdates: false,
      notifyKeyRevoked: true,
      notifyWithdraw: true,
      notifyEngineError: true,
      notifyDailySummary: true,
      handoff: { enabled: true, rate: '0.0002', period: 30, amount: null },
    };
    await expect(desktopSettingsSet(settings)).resolves.toEqual(settings);
    await expect(autostartSet(true)).resolves.toBe(true);
    await expect(updateCheck()).resolves.toBeNull();
    expect(seen).toEqual([
      ['desktop_settings_set', { settings }],
      ['autostart_set', { enabled: true }],
      ['update_check', {}],
    ]);
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

  it('never shows a plain string rejection (Rust or library debug text) to the user', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    mockIPC(() => {
      throw 'state not managed';
    });
    await expect(call('anything')).rejects.toEqual({ code: 'Internal', message: UNEXPECTED });
    expect(warn).toHaveBeenCalledWith('A command failed without an ApiError:', 'state not managed');
  });

  it('recognises only known codes', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(isApiError({ code: 'InvalidKey', message: 'x' })).toBe(true);
    expect(isApiError({ code: 'Nope', message: 'x' })).toBe(false);
    expect(isApiError('x')).toBe(false);
    expect(toApiError(new Error('TypeError: x is undefined'))).toEqual({ code: 'Internal', message: UNEXPECTED });
    expect(toApiError({ weird: 1 })).toEqual({ code: 'Internal', message: UNEXPECTED });
    expect(UNEXPECTED).not.toMatch(/undefined|Error|\{/);
    // A code this version does not know: the Rust side's sentence is kept.
    expect(toApiError({ code: 'SomethingNew', message: 'Bitfinex is busy; try again in a minute.' })).toEqual({ code: 'Internal', message: 'Bitfinex is busy; try again in a minute.' });
  });
});
