// The backtest's headline: what the tested settings earned, the Auto-Renew lines, and
// plainly, every other set-up that earned more.
import type { Outcome } from '../../lib/bindings/Outcome';
import type { Report } from '../../lib/bindings/Report';
import { AR_CONSERVATIVE, AR_MARKET, AR_UPPER } from '../../lib/wording';

/** The name a contender goes by in the table, the chart and the headline. */
export function contenderName(o: Outcome): string {
  if (o.kind === 'Strategy') return 'Your settings';
  if (o.kind === 'MarketAverage') return AR_MARKET;
  if (o.kind === 'AutoRenewConservative') return AR_CONSERVATIVE;
  if (o.kind === 'AutoRenewOptimistic') return AR_UPPER;
  return o.name;
}

export type Beat = { name: string; earned: number; more: number };

export type Summary = {
  days: number;
  ours: Outcome;
  market: Outcome | null;
  conservative: Outcome | null;
  upper: Outcome | null;
  /** Set-ups that earned more than the settings tested (not the upper bounds), most first. */
  beaten: Beat[];
};

export function summarize(report: Report): Summary | null {
  const ours = report.outcomes.find((o) => o.kind === 'Strategy');
  if (!ours) return null;
  const mine = Number(ours.earned);
  const beaten = report.outcomes
    .filter((o) => o.kind === 'FixedAtAsk' || o.kind === 'Mika' || o.kind === 'MarketAverage' || o.kind === 'AutoRenewConservative')
    .filter((o) => Number(o.earned) > mine)
    .map((o) => ({ name: contenderName(o), earned: Number(o.earned), more: Number(o.earned) - mine }))
    .sort((a, b) => b.earned - a.earned);
  return {
    days: Math.round((report.endMts - report.startMts) / 86_400_000),
    ours,
    market: report.outcomes.find((o) => o.kind === 'MarketAverage') ?? null,
    conservative: report.outcomes.find((o) => o.kind === 'AutoRenewConservative') ?? null,
    upper: report.outcomes.find((o) => o.kind === 'AutoRenewOptimistic') ?? null,
    beaten,
  };
}
