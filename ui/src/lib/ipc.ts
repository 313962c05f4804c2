// The one module that talks to the Rust side. Every command is a typed function here;
// every failure is an ApiError { code, message } and the UI branches on `code` only.
import { invoke } from '@tauri-apps/api/core';
import type { ApiError } from './bindings/ApiError';
import type { AppInfo } from './bindings/AppInfo';
import type { ErrorCode } from './bindings/ErrorCode';

export type { ApiError, AppInfo, ErrorCode };

const CODES: readonly ErrorCode[] = [
  'InvalidKey',
  'WithdrawPermission',
  'MissingPermission',
  'KeychainUnavailable',
  'NonceConflict',
  'RateLimited',
  'Maintenance',
  'Network',
  'Rejected',
  'InvalidInput',
  'NotFound',
  'Storage',
  'Internal',
];

export function isApiError(e: unknown): e is ApiError {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o.message === 'string' && CODES.includes(o.code as ErrorCode);
}

/** Turns anything a command rejected with into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  if (e instanceof Error) return { code: 'Internal', message: e.message };
  return { code: 'Internal', message: typeof e === 'string' ? e : JSON.stringify(e) };
}

/** Calls a command; rejects with an ApiError. */
export async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toApiError(e);
  }
}

/** Version, data directory and build profile. */
export const appInfo = (): Promise<AppInfo> => call<AppInfo>('app_info');

/** Opens a Bitfinex page in the default browser (other addresses are refused with InvalidInput). */
export const openExternal = (url: string): Promise<void> => call<void>('open_external', { url });
