// The desktop settings shared by the Settings page's cards. Switches save at once (optimistic,
// rolled back when the save fails); the hand-off form saves on its button. Saves run one after
// another, each sending the whole settings as they are then, so a quick second toggle never
// overtakes the first.
import { desktopSettingsGet, desktopSettingsSet, type ApiError, type DesktopSettings, type Handoff } from '../../lib/ipc';

/** The settings saved by a switch. */
export type SwitchKey = 'checkUpdates' | 'notifyKeyRevoked' | 'notifyWithdraw' | 'notifyEngineError' | 'notifyDailySummary';

export const desktop = $state({
  /** As saved, plus switches being saved; null until loaded. */
  settings: null as DesktopSettings | null,
  loading: true,
  loadError: null as ApiError | null,
});

let queue: Promise<unknown> = Promise.resolve();
let pending = 0;

function enqueue<T>(f: () => Promise<T>): Promise<T> {
  pending += 1;
  const run = queue.then(f).finally(() => (pending -= 1));
  queue = run.catch(() => {});
  return run;
}

export async function loadDesktopSettings(): Promise<void> {
  desktop.loading = true;
  desktop.loadError = null;
  try {
    desktop.settings = await desktopSettingsGet();
  } catch (e) {
    desktop.loadError = e as ApiError;
  } finally {
    desktop.loading = false;
  }
}

function current(): DesktopSettings {
  return $state.snapshot(desktop.settings) as DesktopSettings;
}

/** Sets a switch now and saves it; on failure the switch goes back and the error is returned. */
export function saveSwitch(key: SwitchKey, value: boolean): Promise<ApiError | null> {
  const s = desktop.settings;
  if (!s) return Promise.resolve(null);
  const before = s[key];
  s[key] = value;
  return enqueue(async () => {
    try {
      const saved = await desktopSettingsSet(current());
      // Later toggles are still on their way: keep showing them.
      if (pending === 1) desktop.settings = saved;
      return null;
    } catch (e) {
      if (desktop.settings && desktop.settings[key] === value) desktop.settings[key] = before;
      return e as ApiError;
    }
  });
}

/** Saves the hand-off settings; resolves to what was saved, or rejects with the ApiError. */
export function saveHandoff(handoff: Handoff): Promise<Handoff> {
  return enqueue(async () => {
    const saved = await desktopSettingsSet({ ...current(), handoff });
    if (pending === 1) desktop.settings = saved;
    else if (desktop.settings) desktop.settings.handoff = saved.handoff;
    return saved.handoff;
  });
}
