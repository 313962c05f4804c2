// App-wide UI state shared by the frame and the pages.
export const appState = $state({
  /** True while the app runs against the built-in demo market (bfx-sim). */
  demo: false,
  /** Short engine state for the sidebar pill. */
  engineLabel: 'Not connected',
});
