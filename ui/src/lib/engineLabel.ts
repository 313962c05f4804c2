// The sidebar pill's short engine state, from the key and the engine's status.
import type { EngineStatus } from './bindings/EngineStatus';
import type { KeyState } from './bindings/KeyState';

export type EngineLabel = 'Not connected' | 'Connecting…' | 'Lending' | 'Paused' | 'Problem';

/** The engine's problems (an older engine sends none). */
export function problemsOf(status: EngineStatus | null): EngineStatus['problems'] {
  return status?.problems ?? [];
}

/**
 * "Connecting…" only until the engine has said anything: once it reports a problem, a halt or
 * an error, the pill says "Problem" (the Dashboard says which), so it never waits forever.
 */
export function labelFor(key: KeyState | null, status: EngineStatus | null): EngineLabel {
  if (!key || key.mode === 'none') return 'Not connected';
  if (key.problem) return 'Problem';
  if (!status) return 'Connecting…';
  const st = status.state;
  if (st.state === 'Halted') return st.reason === 'Paused' ? 'Paused' : 'Problem';
  if (problemsOf(status).length > 0) return 'Problem';
  if (status.currencies.length === 0) return status.lastError ? 'Problem' : 'Connecting…';
  return st.state === 'Running' ? 'Lending' : 'Paused';
}

/** A sentence for the pill's tooltip and screen readers. */
export function labelDetail(label: EngineLabel): string {
  switch (label) {
    case 'Not connected':
      return 'No key is connected. Connect one, or try the demo, on the Setup page.';
    case 'Connecting…':
      return 'Reading your funding wallet from Bitfinex.';
    case 'Lending':
      return 'Yieldsforge keeps your funding wallet lent.';
    case 'Paused':
      return 'Lending is paused: nothing new is offered.';
    case 'Problem':
      return 'Something needs your attention: the Dashboard says what.';
  }
}
