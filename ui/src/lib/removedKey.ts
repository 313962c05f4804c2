// The last key removed from this computer: its label and masked form (first and last four
// characters, never the key or the secret), so the revoke help can still name it afterwards.
import type { KeyState } from './bindings/KeyState';

const STORE = 'yf.removedKey';

export type RemovedKey = { label: string | null; masked: string };

/** Notes the key about to be removed (a live key only). */
export function rememberRemovedKey(k: KeyState | null): void {
  if (k?.mode !== 'live' || !k.masked) return;
  localStorage.setItem(STORE, JSON.stringify({ label: k.label, masked: k.masked }));
}

export function removedKey(): RemovedKey | null {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? 'null') as RemovedKey | null;
    return v && typeof v.masked === 'string' ? { label: typeof v.label === 'string' ? v.label : null, masked: v.masked } : null;
  } catch {
    return null;
  }
}

export function forgetRemovedKey(): void {
  localStorage.removeItem(STORE);
}
