// App-wide UI state shared by the frame and the pages.
import type { EngineStatus, KeyState } from './ipc';
import { engineStatus, keyState, onEngineStatus, onKeyState } from './ipc';
import { labelFor, type EngineLabel } from './engineLabel';

export { labelFor };

export const appState = $state({
  /** True while the app runs against the built-in demo market (bfx-sim). */
  demo: false,
  /** Short engine state for the sidebar pill. */
  engineLabel: 'Not connected' as EngineLabel,
  /** The key in use, once known. */
  key: null as KeyState | null,
  /** The engine's latest status. */
  status: null as EngineStatus | null,
  /** A problem to show at the top of any page until dismissed (e.g. after leaving the wizard). */
  notice: null as string | null,
});

export function setKey(k: KeyState) {
  appState.key = k;
  appState.demo = k.mode === 'demo';
  appState.engineLabel = labelFor(k, appState.status);
}

export function setStatus(s: EngineStatus) {
  appState.status = s;
  appState.engineLabel = labelFor(appState.key, s);
}

/** Loads the key and status and follows status events. */
export async function initState(): Promise<void> {
  try {
    // Listen first: a change between the first read and the subscription is not missed.
    await onKeyState(setKey);
    setKey(await keyState());
    setStatus(await engineStatus());
    await onEngineStatus(setStatus);
  } catch {
    // Pages show their own errors; the frame keeps its defaults.
  }
}
