// The one module that talks to the Rust side. Every command is a typed function here;
// every failure is an ApiError { code, message } and the UI branches on `code` only.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { ApiError } from './bindings/ApiError';
import type { AppInfo } from './bindings/AppInfo';
import type { ErrorCode } from './bindings/ErrorCode';
import type { EngineStatus } from './bindings/EngineStatus';
import type { KeyState } from './bindings/KeyState';
import type { VerifyOutcome } from './bindings/VerifyOutcome';
import type { WalletView } from './bindings/WalletView';
import type { StrategySettings } from './bindings/StrategySettings';
import type { Plan } from './bindings/Plan';
import type { Preset } from './bindings/Preset';
import type { EarningsReport } from './bindings/EarningsReport';
import type { DailyEarning } from './bindings/DailyEarning';
import type { SyncStatus } from './bindings/SyncStatus';
import type { CsvKind } from './bindings/CsvKind';
import type { Report as BacktestReport } from './bindings/Report';
import type { BacktestMarket } from './bindings/BacktestMarket';
import type { DesktopSettings } from './bindings/DesktopSettings';
import type { Handoff } from './bindings/Handoff';
import type { UpdateInfo } from './bindings/UpdateInfo';

export type { ApiError, AppInfo, BacktestMarket, BacktestReport, CsvKind, DailyEarning, DesktopSettings, EarningsReport, EngineStatus, ErrorCode, Handoff, KeyState, Plan, Preset, StrategySettings, SyncStatus, UpdateInfo, VerifyOutcome, WalletView };

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

/** What the user reads when a command failed in a way the Rust side did not describe. */
export const UNEXPECTED =
  'Something unexpected went wrong inside Yieldsforge, so this did not finish. Try again; if it keeps happening, Settings → Logs and diagnostics has what a bug report needs.';

/**
 * Turns anything a command rejected with into an ApiError. Only the Rust side's own sentences
 * reach the user: a bare string, a JavaScript error or any other value (library or debug text)
 * becomes a plain sentence, and the original goes to the console for diagnostics.
 */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  if (typeof e === 'object' && e !== null) {
    const o = e as Record<string, unknown>;
    // {code, message} with a code this UI does not know yet: the message is still written for the user.
    if (typeof o.code === 'string' && typeof o.message === 'string' && !(e instanceof Error)) return { code: 'Internal', message: o.message };
  }
  console.warn('A command failed without an ApiError:', e);
  return { code: 'Internal', message: UNEXPECTED };
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

/** Which key the app uses: none, live or demo (never the key or secret). */
export const keyState = (): Promise<KeyState> => call<KeyState>('key_state');

/** Checks a pasted key's format and permissions without saving anything. */
export const verifyKey = (key: string, secret: string): Promise<VerifyOutcome> =>
  call<VerifyOutcome>('verify_key', { key, secret });

/** Verifies and saves a key (the secret goes to the OS keychain). Withdraw keys are refused. */
export const saveKey = (key: string, secret: string, label: string): Promise<KeyState> =>
  call<KeyState>('save_key', { key, secret, label });

/** Removes the key, optionally cancelling the app's offers first. */
export const removeKey = (cancelOffers: boolean): Promise<KeyState> => call<KeyState>('remove_key', { cancelOffers });

/** Starts the demo: a simulated Bitfinex on this computer with a funded account. */
export const startDemo = (): Promise<KeyState> => call<KeyState>('start_demo');

/** Leaves the demo and deletes its data. */
export const leaveDemo = (): Promise<KeyState> => call<KeyState>('leave_demo');

/** The engine's latest status. */
export const engineStatus = (): Promise<EngineStatus> => call<EngineStatus>('engine_status');

/** Starts or resumes lending. */
export const engineStart = (): Promise<void> => call<void>('engine_start');

/** Pauses lending; offers stay on the book. */
export const enginePause = (): Promise<void> => call<void>('engine_pause');

/** Pauses and cancels every offer the app placed. */
export const engineStopAndCancel = (): Promise<void> => call<void>('engine_stop_and_cancel');

/** Calls `cb` with every `engine://status` event. */
export function onEngineStatus(cb: (s: EngineStatus) => void): Promise<UnlistenFn> {
  return listen<EngineStatus>('engine://status', (e) => cb(e.payload));
}

/** Wallet balances of the connected account. */
export const wallets = (): Promise<WalletView[]> => call<WalletView[]>('wallets');

/** Moves money from the exchange wallet to the funding wallet (own wallets only). */
export const transferToFunding = (currency: string, amount: string): Promise<WalletView[]> =>
  call<WalletView[]>('transfer_to_funding', { currency, amount });

/** Checks the key's permissions again now. */
export const recheckKey = (): Promise<KeyState> => call<KeyState>('recheck_key');

/** Removes the key and deletes every local file of the app. */
export const deleteAllData = (): Promise<KeyState> => call<KeyState>('delete_all_data');

/** A currency's strategy settings. */
export const strategyGet = (currency: string): Promise<StrategySettings> => call<StrategySettings>('strategy_get', { currency });

/** Validates and saves settings; an InvalidInput error lists every field in `fields`. */
export const strategySet = (currency: string, settings: StrategySettings): Promise<void> =>
  call<void>('strategy_set', { currency, settings });

/** What the settings would place now (null before the engine's first look at the market). */
export const strategyPreview = (currency: string, settings: StrategySettings): Promise<Plan | null> =>
  call<Plan | null>('strategy_preview', { currency, settings });

/** The settings of a preset. */
export const strategyPreset = (preset: Preset): Promise<StrategySettings> => call<StrategySettings>('strategy_preset', { preset });

/** Writes CSV copies of the local data into the Downloads folder; returns the files. */
export const exportData = (): Promise<string[]> => call<string[]>('export_data');

/** Whether the engine also manages offers placed by hand. */
export const manageAllGet = (): Promise<boolean> => call<boolean>('manage_all_get');

/** Opt in (or out) to let the engine manage offers placed by hand too. */
export const manageAllSet = (on: boolean): Promise<void> => call<void>('manage_all_set', { on });


/** The earnings report: per currency and in USD; today, 7 days, 30 days, all time. */
export const earningsReport = (): Promise<EarningsReport> => call<EarningsReport>('earnings_report');

/** One currency's last `days` days, oldest first. */
export const earningsDaily = (currency: string, days: number): Promise<DailyEarning[]> =>
  call<DailyEarning[]>('earnings_daily', { currency, days });

/** Where the earnings sync is. */
export const syncStatus = (): Promise<SyncStatus> => call<SyncStatus>('sync_status');

/** Syncs the earnings history now (also after a cancel). */
export const syncNow = (): Promise<void> => call<void>('sync_now');

/** Stops the running sync; what was read is kept. */
export const syncCancel = (): Promise<void> => call<void>('sync_cancel');

/** Asks where to save a CSV and writes it; resolves to the path, or null if the dialog was closed. */
export const earningsExport = (kind: CsvKind): Promise<string | null> => call<string | null>('earnings_export', { kind });

/** Calls `cb` with every `earnings://sync` event. */
export function onSyncStatus(cb: (s: SyncStatus) => void): Promise<UnlistenFn> {
  return listen<SyncStatus>('earnings://sync', (e) => cb(e.payload));
}

/** Calls `cb` whenever the earnings figures may have changed. */
export function onEarningsUpdated(cb: () => void): Promise<UnlistenFn> {
  return listen('earnings://updated', () => cb());
}


/** Runs settings over `days` of `market` (synthetic, or the real one downloaded from Bitfinex), next to Auto-Renew and the baselines. */
export const backtestRun = (settings: StrategySettings, days: number, market: BacktestMarket, balance: string): Promise<BacktestReport> =>
  call<BacktestReport>('backtest_run', { settings, days, market, balance });

/** Calls `cb` with a running backtest's progress (0–100). */
export function onBacktestProgress(cb: (percent: number) => void): Promise<UnlistenFn> {
  return listen<number>('backtest://progress', (e) => cb(e.payload));
}


/** The desktop app's own settings: updates, notifications, the hand-off to Auto-Renew. */
export const desktopSettingsGet = (): Promise<DesktopSettings> => call<DesktopSettings>('desktop_settings_get');

/** Saves the desktop settings and returns them as saved; a bad hand-off value rejects with InvalidInput. */
export const desktopSettingsSet = (settings: DesktopSettings): Promise<DesktopSettings> =>
  call<DesktopSettings>('desktop_settings_set', { settings });

/** Whether the app starts (hidden, in the tray) when the user logs in. */
export const autostartGet = (): Promise<boolean> => call<boolean>('autostart_get');

/** Turns start-at-login on or off; resolves to the new state. Only ever called on the user's action. */
export const autostartSet = (enabled: boolean): Promise<boolean> => call<boolean>('autostart_set', { enabled });

/** Asks the update server for a newer signed version; null when this one is the latest. */
export const updateCheck = (): Promise<UpdateInfo | null> => call<UpdateInfo | null>('update_check');
/** The update an earlier check found (e.g. the background check while the window was closed). */
export const updatePending = (): Promise<UpdateInfo | null> => call<UpdateInfo | null>('update_pending');

/** Downloads the update, verifies its signature, installs it and restarts the app. */
export const updateInstall = (): Promise<void> => call<void>('update_install');

/** How far an update's download is (bytes; `total` is null when the server does not say). */
export type UpdateProgress = { downloaded: number; total: number | null };

/** Calls `cb` with every `update://progress` event while an update downloads. */
export function onUpdateProgress(cb: (p: UpdateProgress) => void): Promise<UnlistenFn> {
  return listen<UpdateProgress>('update://progress', (e) => cb(e.payload));
}

/** Calls `cb` when the background check (at start, then every 12 hours) finds an update. */
/** The key state, whenever the app changes it by itself (the demo started at launch, a key problem found). */
export function onKeyState(cb: (k: KeyState) => void): Promise<UnlistenFn> {
  return listen<KeyState>('key://state', (e) => cb(e.payload));
}

export function onUpdateAvailable(cb: (u: UpdateInfo) => void): Promise<UnlistenFn> {
  return listen<UpdateInfo>('update://available', (e) => cb(e.payload));
}

/** Opens the folder with the app's log files in the file manager. */
export const openLogsFolder = (): Promise<void> => call<void>('open_logs_folder');

/** A plain-text report of versions, settings and recent errors for a bug report (no secrets). */
export const diagnostics = (): Promise<string> => call<string>('diagnostics');
