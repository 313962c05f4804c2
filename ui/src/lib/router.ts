// Hash-based navigation between the five pages (no router library).
export const PAGES = ['setup', 'dashboard', 'strategy', 'earnings', 'settings'] as const;
export type Page = (typeof PAGES)[number];

export const PAGE_TITLES: Record<Page, string> = {
  setup: 'Setup',
  dashboard: 'Dashboard',
  strategy: 'Strategy',
  earnings: 'Earnings',
  settings: 'Settings',
};

/** The page a location hash points to; unknown or empty hashes go to `fallback`. */
export function pageFromHash(hash: string, fallback: Page = 'setup'): Page {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (PAGES as readonly string[]).includes(name) ? (name as Page) : fallback;
}

export function hashFor(page: Page): string {
  return `#/${page}`;
}
