// The earnings figures shared by the Dashboard and the Earnings page: the report, the sync's
// progress, and live refreshes from `earnings://updated` and `earnings://sync`.
import {
  earningsReport,
  onEarningsUpdated,
  onSyncStatus,
  syncStatus,
  type ApiError,
  type EarningsReport,
  type SyncStatus,
} from '../../lib/ipc';

export const earnings = $state({
  /** The latest report; null until loaded. */
  report: null as EarningsReport | null,
  /** Loading the first report. */
  loading: true,
  /** The last load failed (not "no key": that is `report === null && !loading`). */
  error: null as ApiError | null,
  /** The sync's state. */
  sync: null as SyncStatus | null,
  /** Bumped on every refresh, for pages that load more (the daily series). */
  version: 0,
});

let started = false;

export async function refreshEarnings(): Promise<void> {
  try {
    earnings.report = await earningsReport();
    earnings.error = null;
  } catch (e) {
    const err = e as ApiError;
    earnings.report = null;
    // No key yet is not an error: the pages say how to connect.
    earnings.error = err.code === 'NotFound' ? null : err;
  } finally {
    earnings.loading = false;
    earnings.version += 1;
  }
}

/** Loads once and follows the events; safe to call from every page. */
export function followEarnings(): void {
  if (started) return;
  started = true;
  void refreshEarnings();
  syncStatus()
    .then((s) => (earnings.sync = s))
    .catch(() => {});
  onSyncStatus((s) => {
    const finished = earnings.sync?.phase === 'running' && s.phase !== 'running';
    earnings.sync = s;
    if (finished) void refreshEarnings();
  }).catch(() => {});
  onEarningsUpdated(() => void refreshEarnings()).catch(() => {});
  // The engine records balances every few minutes: keep today's figures fresh.
  setInterval(() => void refreshEarnings(), 60_000);
}
