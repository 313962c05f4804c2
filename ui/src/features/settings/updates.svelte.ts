// Updates, shared by the banner at the top of the window and the Settings page's update card:
// what the last check found, the install's progress, and the background check's events.
import {
  appInfo,
  onUpdateAvailable,
  onUpdateProgress,
  updateCheck,
  updatePending,
  updateInstall,
  type ApiError,
  type UpdateInfo,
  type UpdateProgress,
} from '../../lib/ipc';

export const updates = $state({
  /** A newer version, from a check or the background check's event. */
  available: null as UpdateInfo | null,
  /** After a check found nothing newer: this version ('' when unknown). */
  latest: null as string | null,
  checking: false,
  checkError: null as ApiError | null,
  /** Downloading, verifying and installing; the app restarts at the end. */
  installing: false,
  progress: null as UpdateProgress | null,
  installError: null as ApiError | null,
  /** What the banner announces: set by the background check, cleared when dismissed. */
  banner: null as UpdateInfo | null,
  /** The banner asked the Settings page to bring the update card into view. */
  reveal: false,
});

let started = false;
let dismissed: string | null = null;

/** Follows `update://available` and `update://progress`; safe to call more than once. */
export function followUpdates(): void {
  if (started) return;
  started = true;
  onUpdateAvailable((u) => {
    updates.available = u;
    updates.latest = null;
    updates.checkError = null;
    if (u.version !== dismissed) updates.banner = u;
  }).catch(() => {});
  onUpdateProgress((p) => {
    if (updates.installing) updates.progress = p;
  }).catch(() => {});
  // Found while the window was closed (it is built anew when opened): announce it now.
  updatePending()
    .then((u) => {
      if (u && !updates.available) {
        updates.available = u;
        if (u.version !== dismissed) updates.banner = u;
      }
    })
    .catch(() => {});
}

export async function checkForUpdates(): Promise<void> {
  updates.checking = true;
  updates.checkError = null;
  try {
    const u = await updateCheck();
    updates.available = u;
    updates.latest = u ? null : await appInfo().then((i) => i.version, () => '');
  } catch (e) {
    updates.checkError = e as ApiError;
  } finally {
    updates.checking = false;
  }
}

/** Installs the available update; the app restarts when it is done. */
export async function installUpdate(): Promise<void> {
  if (updates.installing) return;
  updates.installing = true;
  updates.progress = null;
  updates.installError = null;
  try {
    await updateInstall();
    // The app restarts; if this is still running, say so rather than look stuck.
  } catch (e) {
    updates.installError = e as ApiError;
    updates.installing = false;
  }
}

/** Hides the banner for this version until the app starts again. */
export function dismissBanner(): void {
  dismissed = updates.banner?.version ?? null;
  updates.banner = null;
}

/** Opens Settings at the update card, where the notes are. */
export function revealUpdate(): void {
  updates.reveal = true;
  location.hash = '#/settings';
}
