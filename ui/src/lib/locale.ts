// Some systems report a language tag the browser engine cannot use (WebKitGTK passes LANG=C
// through as "C"), and `new Intl.NumberFormat(navigator.language)` then throws. uPlot does that
// when it loads, which would leave the window blank. Imported first in main.ts: it replaces an
// unusable tag with the system's default before anything else reads it.
export function usableLanguage(tag: string | undefined): string | null {
  if (!tag) return null;
  try {
    new Intl.NumberFormat(tag);
    return tag;
  } catch {
    return null;
  }
}

if (typeof navigator !== 'undefined' && usableLanguage(navigator.language) === null) {
  const fallback = new Intl.NumberFormat().resolvedOptions().locale || 'en-US';
  Object.defineProperty(navigator, 'language', { value: fallback, configurable: true });
  Object.defineProperty(navigator, 'languages', { value: [fallback], configurable: true });
}
