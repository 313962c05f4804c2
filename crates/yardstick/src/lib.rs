//! Yardsticks for backtests: how good could a lender have done, and how sure are we that one
//! contender beats another.
//!
//! # The hindsight bound ([`hindsight`])
//!
//! A simulated market records every *opportunity* a lender had: a borrower took funding at
//! some time, paid at most some daily rate, repaid at some later time, and our lender could
//! have supplied at most some amount of it. Knowing all of them in advance, the best a lender
//! with balance `B` could have earned is the optimum of a linear program: choose an amount
//! `x_j ∈ [0, max_amount_j]` per opportunity, maximise the interest
//! `Σ x_j · rate_j · days_j · (1 − fee)`, while at every instant the money out on loan is at
//! most `B`.
//!
//! [`hindsight::hindsight_bound`] solves it exactly as a min-cost flow. Money is split into
//! `K` units of `u = B / K`; the nodes are the moments that matter, a chain of edges of
//! capacity `K` carries idle money forward in time, and each opportunity is an edge from its
//! start to its end carrying lent units at a profit. The constraint matrix (intervals of
//! consecutive time segments) is totally unimodular, so the flow's integral optimum *is* the
//! optimum of the linear program in units. It is an **upper bound** on the real optimum
//! because every discretisation step only relaxes or inflates:
//!
//! - capacities are rounded **up** to whole units (`⌈max_amount / u⌉`), so every real
//!   solution, divided by `u`, is still feasible;
//! - constraints are kept only at the moments where the set of running opportunities is
//!   maximal, and opportunities between the same two such moments only up to `K` units of the
//!   best ones: both drop only what cannot change the optimum;
//! - the interest per unit is computed in `f64`, inflated by a relative margin of `1e-12`
//!   (far above the float error of the few operations involved, about `1e-15`) and rounded
//!   **up** to an integer number of steps of `10^e` (about `10^-14` of one unit's interest
//!   over the whole window); the flow is then solved exactly in integers, so the returned
//!   `earned` is at least the exact optimum of the discretised problem, and above it only by
//!   those rounding steps.
//!
//! Nothing a real lender does under the same fill model can earn more. When every
//! `max_amount` is a multiple of the unit, the bound *is* the optimum (up to the margin);
//! otherwise it exceeds it by at most one unit's interest per opportunity used. The
//! `cumulative`, `utilization` and `avg_rate` of a [`Bound`] describe the optimal plan behind
//! it (amounts in whole units).
//!
//! # Walk-forward statistics ([`stats`])
//!
//! [`stats::quantile`] and [`stats::spread`] summarise many runs; [`stats::paired_ratio`]
//! compares two contenders run on the same days: the ratio of their total earnings with a
//! **percentile bootstrap** interval — the days are resampled with replacement (the same days
//! for both, so day-to-day market swings that hit both cancel out), the ratio is recomputed
//! for each resample, and the 5th and 95th percentiles of those ratios form a 90 % interval.
//! [`stats::share_wins`] counts the days one contender beat the other.

pub mod hindsight;
pub mod stats;

pub use hindsight::{Bound, DEFAULT_UNITS, MAX_UNITS, Opportunity, hindsight_bound};
pub use stats::{RatioInterval, Spread, paired_ratio, quantile, share_wins, spread};
