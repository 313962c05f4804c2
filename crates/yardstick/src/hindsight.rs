//! The hindsight bound: the most any lender could have earned knowing every future borrower,
//! under the fill model that recorded the opportunities.
//!
//! See the [crate documentation](crate) for why [`hindsight_bound`] is an upper bound.
//!
//! How it is computed: the opportunities inside the window become jobs in units (capacity
//! rounded up, interest per unit rounded up to an integer number of tiny steps); only the
//! moments where the set of running jobs is maximal are kept as network nodes; jobs between
//! the same two nodes beyond the best `K` units are dropped (they cannot matter); then a
//! maximum-value flow of `K` units is found by successive shortest paths — Dijkstra on reduced
//! costs with a monotone radix heap, the first potentials from one longest-path pass over the
//! acyclic network (all arcs go forward in time), each search stopped as soon as the last node
//! is settled, each path augmented by its bottleneck, and the search ended as soon as a path
//! earns nothing. All of it is integer arithmetic, so the flow is exactly optimal for the
//! rounded values. At most `K` searches of `O(m log C)` each.

mod flow;

use std::cmp::Reverse;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use flow::{JobArc, max_value_flow};

/// The default number of money units (`K`): the balance is split into 200 units of 0.5 %.
pub const DEFAULT_UNITS: u32 = 200;
/// The most units [`hindsight_bound`] uses (more are clamped to it).
pub const MAX_UNITS: u32 = 1 << 24;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// Relative upward margin on each `f64` interest value: far above the float error of the few
/// operations that compute it (about `1e-15`), so the integer values are never below the exact
/// ones.
const MARGIN: f64 = 1e-12;
/// Significant digits kept by the integer interest values: the interest of one unit lent for
/// the whole window is at most `10^DIGITS` steps.
const DIGITS: i32 = 14;
/// The smallest step a [`Decimal`] can hold is `10^-28`.
const MIN_EXP: i32 = -28;

/// One chance to lend, recorded from a (simulated) market: a borrower took funding at
/// `start_mts`, paid at most `daily_rate`, and repaid at `end_mts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opportunity {
    /// When the loan would start (a borrower took funding then), UTC ms.
    pub start_mts: i64,
    /// When the borrower repays, UTC ms (after `start_mts`; opportunities that do not are
    /// ignored).
    pub end_mts: i64,
    /// The most this borrower paid per day (e.g. `0.0003`); non-positive rates are ignored.
    pub daily_rate: Decimal,
    /// The most of it our lender could have supplied; non-positive amounts are ignored.
    pub max_amount: Decimal,
}

/// The result of [`hindsight_bound`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The most the balance could have earned in the window, net of the exchange's fee; never
    /// below the exact optimum (see the [crate documentation](crate)).
    pub earned: Decimal,
    /// Time-weighted share of the balance lent by the optimal plan, `0..=1`.
    pub utilization: Decimal,
    /// Daily rate of the optimal plan's loans, weighted by amount × time; `None` when it lends
    /// nothing.
    pub avg_rate: Option<Decimal>,
    /// Interest accrued by the optimal plan up to each hour boundary counted from `from_mts`:
    /// the first point is `(from_mts, 0)`, the last `(to_mts, earned)` (`to_mts` is a point
    /// even when the window is not a whole number of hours).
    pub cumulative: Vec<(i64, Decimal)>,
    /// How many opportunities the optimal plan uses.
    pub chosen: usize,
}

/// One opportunity inside the window, in units.
#[derive(Debug, Clone, Copy)]
struct Job {
    /// Index in the caller's slice.
    opp: usize,
    /// Start, ms (inside the window).
    s: i64,
    /// End clipped to the window, ms.
    e: i64,
    /// Interest of one unit over `[s, e)` net of the fee, in steps of `10^exp`, rounded up.
    w: i64,
    /// Capacity in units, rounded up, at most `K`.
    cap: u32,
    /// Network nodes (start, end); filled in by the time compression.
    a: u32,
    b: u32,
}

/// The most a lender with `balance` could have earned in `[from_mts, to_mts)` by lending into
/// `opps`, knowing all of them in advance, net of the exchange's `fee` share (e.g. `0.15`).
///
/// Opportunities starting before `from_mts` or at/after `to_mts` are ignored; interest counts
/// only until `to_mts` (a loan running past it ties up money only until then). `units` is the
/// number of money units `K` ([`DEFAULT_UNITS`] is a good default; `0` counts as `1`, more
/// than [`MAX_UNITS`] as that): amounts are multiples of `balance / K`, each opportunity's
/// amount rounded **up** to whole units, which can only raise the bound (by at most one unit's
/// interest per opportunity used). With every `max_amount` a multiple of the unit, `earned` is
/// the exact optimum of the continuous problem (up to the relative `1e-12` margin described in
/// the [crate documentation](crate)). The work grows about linearly with `K` and with the
/// number of opportunities.
///
/// A non-positive balance, a fee of 100 % or more, or an empty window give a zero bound (for
/// an empty or reversed window, `cumulative` is just `[(from_mts, 0)]`).
///
/// ```
/// use rust_decimal::Decimal;
/// use yardstick::{DEFAULT_UNITS, Opportunity, hindsight_bound};
///
/// const HOUR: i64 = 3_600_000;
/// // One borrower who would have taken 5 000 for a day at 0.03 %/day.
/// let opps = [Opportunity {
///     start_mts: 0,
///     end_mts: 24 * HOUR,
///     daily_rate: Decimal::new(3, 4),
///     max_amount: Decimal::from(5_000),
/// }];
/// let fee = Decimal::new(15, 2);
/// let b = hindsight_bound(&opps, Decimal::from(1_000), 0, 24 * HOUR, fee, DEFAULT_UNITS);
/// // 1 000 × 0.0003 × 1 day × 0.85, and not a cent more.
/// assert!(b.earned >= Decimal::new(255, 3) && b.earned < Decimal::new(25501, 5));
/// assert_eq!((b.utilization, b.chosen), (Decimal::ONE, 1));
/// assert_eq!(b.cumulative.len(), 25);
/// ```
pub fn hindsight_bound(
    opps: &[Opportunity],
    balance: Decimal,
    from_mts: i64,
    to_mts: i64,
    fee: Decimal,
    units: u32,
) -> Bound {
    let k = units.clamp(1, MAX_UNITS);
    let keep = Decimal::ONE - fee;
    if to_mts <= from_mts || balance <= Decimal::ZERO || keep <= Decimal::ZERO {
        return nothing(from_mts, to_mts);
    }
    let (mut jobs, exp) = jobs_in_window(opps, balance, from_mts, to_mts, keep, k);
    if jobs.is_empty() {
        return nothing(from_mts, to_mts);
    }
    let nodes = compress_time(&mut jobs);
    prune_same_span(&mut jobs, k);
    let arcs: Vec<JobArc> = jobs
        .iter()
        .map(|j| JobArc {
            a: j.a,
            b: j.b,
            cap: j.cap,
            w: j.w,
        })
        .collect();
    let flows = max_value_flow(&arcs, nodes, k);

    let mut total: i128 = 0;
    let mut lent_time: i128 = 0;
    let mut rate_time = Decimal::ZERO;
    let mut chosen = 0;
    let mut slopes: Vec<(i64, Decimal)> = Vec::new();
    for (job, &x) in jobs.iter().zip(&flows) {
        if x == 0 {
            continue;
        }
        chosen += 1;
        let value = i128::from(x) * i128::from(job.w);
        total += value;
        let dur = job.e - job.s;
        let amount_time = i128::from(x) * i128::from(dur);
        lent_time += amount_time;
        rate_time += dec(amount_time).unwrap_or(Decimal::MAX) * opps[job.opp].daily_rate;
        let per_ms = steps_to_decimal(value, exp) / Decimal::from(dur);
        slopes.push((job.s, per_ms));
        slopes.push((job.e, -per_ms));
    }
    let earned = steps_to_decimal(total, exp);
    let window = i128::from(k) * i128::from(to_mts - from_mts);
    let utilization = ratio(lent_time, window);
    let avg_rate =
        (lent_time > 0).then(|| (rate_time / dec(lent_time).unwrap_or(Decimal::MAX)).normalize());
    Bound {
        earned,
        utilization,
        avg_rate,
        cumulative: accrue(slopes, from_mts, to_mts, earned),
        chosen,
    }
}

fn nothing(from_mts: i64, to_mts: i64) -> Bound {
    Bound {
        earned: Decimal::ZERO,
        utilization: Decimal::ZERO,
        avg_rate: None,
        cumulative: accrue(Vec::new(), from_mts, to_mts, Decimal::ZERO),
        chosen: 0,
    }
}

fn ratio(num: i128, den: i128) -> Decimal {
    match (dec(num), dec(den)) {
        (Some(n), Some(d)) if d > Decimal::ZERO => (n / d).normalize(),
        _ => Decimal::ZERO,
    }
}

/// An `i128` as a [`Decimal`], if it fits.
fn dec(v: i128) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(v, 0).ok()
}

/// `steps · 10^exp` as a [`Decimal`], saturating at [`Decimal::MAX`].
fn steps_to_decimal(steps: i128, exp: i32) -> Decimal {
    let d = if exp >= 0 {
        dec(steps).and_then(|s| (0..exp).try_fold(s, |acc, _| acc.checked_mul(Decimal::TEN)))
    } else {
        Decimal::try_from_i128_with_scale(steps, exp.unsigned_abs()).ok()
    };
    d.map_or(Decimal::MAX, |d| d.normalize())
}

/// Interest accrued up to each hour boundary: `slopes` holds (time, change of the accrual per
/// ms). The last point is `earned` itself (the slopes sum to it up to `Decimal` rounding).
fn accrue(
    mut slopes: Vec<(i64, Decimal)>,
    from_mts: i64,
    to_mts: i64,
    earned: Decimal,
) -> Vec<(i64, Decimal)> {
    let mut out = vec![(from_mts, Decimal::ZERO)];
    if to_mts <= from_mts {
        return out;
    }
    slopes.sort_unstable_by_key(|(t, _)| *t);
    let mut slope = Decimal::ZERO;
    let mut acc = Decimal::ZERO;
    let mut last = from_mts;
    let mut next = 0;
    let mut shown = Decimal::ZERO;
    let mut t = from_mts;
    while t < to_mts {
        t = t.saturating_add(HOUR_MS).min(to_mts);
        while next < slopes.len() && slopes[next].0 <= t {
            let (at, change) = slopes[next];
            acc += slope * Decimal::from(at - last);
            last = at;
            slope += change;
            next += 1;
        }
        acc += slope * Decimal::from(t - last);
        last = t;
        shown = shown.max(acc.min(earned));
        out.push((
            t,
            if t == to_mts {
                earned
            } else {
                shown.normalize()
            },
        ));
    }
    out
}

/// The opportunities inside the window as jobs in units, and the exponent of the value step.
fn jobs_in_window(
    opps: &[Opportunity],
    balance: Decimal,
    from_mts: i64,
    to_mts: i64,
    keep: Decimal,
    k: u32,
) -> (Vec<Job>, i32) {
    let b = balance.to_f64().unwrap_or(f64::MAX);
    // Interest of one unit per (daily rate × ms), net of the fee.
    let per_unit = b * keep.to_f64().unwrap_or(1.0) / (f64::from(k) * DAY_MS as f64);
    let mut max_rate: f64 = 0.0;
    let mut jobs = Vec::new();
    for (i, o) in opps.iter().enumerate() {
        if o.start_mts < from_mts
            || o.start_mts >= to_mts
            || o.end_mts <= o.start_mts
            || o.daily_rate <= Decimal::ZERO
            || o.max_amount <= Decimal::ZERO
        {
            continue;
        }
        let rate = o.daily_rate.to_f64().unwrap_or(f64::MAX);
        max_rate = max_rate.max(rate);
        jobs.push(Job {
            opp: i,
            s: o.start_mts,
            e: o.end_mts.min(to_mts),
            w: 0,
            cap: capacity(o.max_amount, balance, b, k),
            a: 0,
            b: 0,
        });
    }
    // One unit lent over the whole window at the best rate bounds every path's value.
    let v_max = per_unit * max_rate * (to_mts - from_mts) as f64;
    let exp = if v_max.is_finite() && v_max > 0.0 {
        ((v_max.log10().ceil() as i32) - DIGITS).max(MIN_EXP)
    } else {
        MIN_EXP
    };
    let step = 10f64.powi(exp);
    for job in &mut jobs {
        let rate = opps[job.opp].daily_rate.to_f64().unwrap_or(f64::MAX);
        let v = per_unit * rate * (job.e - job.s) as f64;
        // Upward margin, then round up: never below the exact value in steps.
        job.w = ((v * (1.0 + MARGIN) / step).ceil() as i64).max(1);
    }
    (jobs, exp)
}

/// `⌈max_amount · K / balance⌉` capped at `K`, never rounded down: in `f64` when the quotient is
/// clearly not a whole number, exactly otherwise.
fn capacity(max_amount: Decimal, balance: Decimal, b: f64, k: u32) -> u32 {
    let kf = f64::from(k);
    let q = max_amount.to_f64().unwrap_or(f64::MAX) * kf / b;
    if !q.is_finite() || q >= kf * (1.0 + 1e-9) {
        return k;
    }
    let n = q.round();
    if (q - n).abs() > 1e-9 * q.max(1.0) {
        // Far from a whole number: the float error cannot move the ceiling.
        return (q.ceil() as u32).clamp(1, k);
    }
    // Close to a whole number `n`: is `max_amount ≤ n · unit`, i.e. `max_amount · K ≤ n · B`?
    let n = n as u32;
    let whole = max_amount
        .checked_mul(Decimal::from(k))
        .zip(Decimal::from(n).checked_mul(balance))
        .is_some_and(|(need, have)| need <= have);
    (if whole { n } else { n.saturating_add(1) }).clamp(1, k)
}

/// Jobs between the same two nodes have the same constraints: only the best ones up to `K`
/// units can be used by an optimum (swap any unit of a worse one into a better one with room).
fn prune_same_span(jobs: &mut Vec<Job>, k: u32) {
    jobs.sort_unstable_by_key(|j| (j.a, j.b, Reverse(j.w), j.opp));
    let mut room = 0;
    let mut span = (u32::MAX, u32::MAX);
    jobs.retain(|j| {
        if (j.a, j.b) != span {
            span = (j.a, j.b);
            room = i64::from(k);
        }
        let useful = room > 0;
        room -= i64::from(j.cap);
        useful
    });
}

/// Keeps only the moments that matter and gives each job its network nodes; returns the
/// number of nodes.
///
/// Between consecutive event times the set of running jobs is constant. A segment's
/// constraint is implied by a neighbour's unless some job starts at its beginning and some job
/// ends at its end (then its set is maximal); every job runs through at least one such kept
/// segment, and the kept segments a job runs through are consecutive. Node `i` is the moment
/// before kept segment `i`.
fn compress_time(jobs: &mut [Job]) -> usize {
    let mut times: Vec<i64> = jobs.iter().flat_map(|j| [j.s, j.e]).collect();
    times.sort_unstable();
    times.dedup();
    let at = |t: i64| times.binary_search(&t).unwrap_or_else(|i| i);
    let mut starts = vec![false; times.len()];
    let mut ends = vec![false; times.len()];
    let mut idx = Vec::with_capacity(jobs.len());
    for j in jobs.iter() {
        let (s, e) = (at(j.s), at(j.e));
        starts[s] = true;
        ends[e] = true;
        idx.push((s, e));
    }
    // rank[i]: kept segments before time i.
    let mut rank = vec![0u32; times.len()];
    let mut kept = 0u32;
    for i in 0..times.len() {
        rank[i] = kept;
        if i + 1 < times.len() && starts[i] && ends[i + 1] {
            kept += 1;
        }
    }
    for (j, (s, e)) in jobs.iter_mut().zip(idx) {
        j.a = rank[s];
        j.b = rank[e];
        debug_assert!(j.a < j.b, "every job runs through a kept segment");
    }
    kept as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const FEE: Decimal = Decimal::from_parts(15, 0, 0, false, 2);

    fn d(v: f64) -> Decimal {
        Decimal::try_from(v).unwrap()
    }

    fn f(v: Decimal) -> f64 {
        v.to_f64().unwrap()
    }

    fn opp(start_h: i64, end_h: i64, rate: &str, amount: i64) -> Opportunity {
        Opportunity {
            start_mts: start_h * HOUR_MS,
            end_mts: end_h * HOUR_MS,
            daily_rate: rate.parse().unwrap(),
            max_amount: Decimal::from(amount),
        }
    }

    /// `got` is the bound for an exact value: never below it, above it only by the margin.
    fn assert_tight(got: Decimal, exact: Decimal) {
        assert!(got >= exact, "{got} < {exact}");
        assert!(
            got - exact <= exact * Decimal::new(1, 10) + Decimal::new(1, 20),
            "{got} ≫ {exact}"
        );
    }

    fn assert_series(b: &Bound, from: i64, to: i64) {
        let c = &b.cumulative;
        assert_eq!(c.first(), Some(&(from, Decimal::ZERO)));
        assert_eq!(c.last(), Some(&(to, b.earned)));
        assert!(c.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
        let hours = (to - from + HOUR_MS - 1) / HOUR_MS;
        assert_eq!(c.len() as i64, hours + 1);
        for (i, (t, _)) in c.iter().enumerate().take(c.len() - 1) {
            assert_eq!(*t, from + i as i64 * HOUR_MS);
        }
    }

    /// Maximise `c·x` subject to `A x ≤ b`, `x ≥ 0` with `b ≥ 0` (dense tableau, Bland's rule).
    fn simplex(a: &[Vec<f64>], b: &[f64], c: &[f64]) -> f64 {
        let (m, n) = (a.len(), c.len());
        // Rows: constraints with slacks; last row: −objective.
        let mut t = vec![vec![0.0; n + m + 1]; m + 1];
        for i in 0..m {
            t[i][..n].copy_from_slice(&a[i]);
            t[i][n + i] = 1.0;
            t[i][n + m] = b[i];
        }
        for j in 0..n {
            t[m][j] = -c[j];
        }
        let mut basis: Vec<usize> = (n..n + m).collect();
        loop {
            let Some(col) = (0..n + m).find(|&j| t[m][j] < -1e-12) else {
                return t[m][n + m];
            };
            let mut row = None;
            for i in 0..m {
                if t[i][col] > 1e-12 {
                    let r = t[i][n + m] / t[i][col];
                    let better = match row {
                        None => true,
                        Some((br, bi)) => {
                            r < br - 1e-12 || (r <= br + 1e-12 && basis[i] < basis[bi])
                        }
                    };
                    if better {
                        row = Some((r, i));
                    }
                }
            }
            let (_, r) = row.expect("bounded");
            let p = t[r][col];
            for v in t[r].iter_mut() {
                *v /= p;
            }
            for i in 0..=m {
                if i != r && t[i][col] != 0.0 {
                    let factor = t[i][col];
                    let pivot_row = t[r].clone();
                    for (v, pv) in t[i].iter_mut().zip(pivot_row) {
                        *v -= factor * pv;
                    }
                }
            }
            basis[r] = col;
        }
    }

    /// The exact optimum of the continuous problem, by the simplex method.
    fn exact_lp(opps: &[Opportunity], balance: f64, from: i64, to: i64, fee: f64) -> f64 {
        let jobs: Vec<(i64, i64, f64, f64)> = opps
            .iter()
            .filter(|o| o.start_mts >= from && o.start_mts < to && o.end_mts > o.start_mts)
            .map(|o| {
                (
                    o.start_mts,
                    o.end_mts.min(to),
                    f(o.daily_rate),
                    f(o.max_amount),
                )
            })
            .collect();
        if jobs.is_empty() {
            return 0.0;
        }
        let mut times: Vec<i64> = jobs.iter().flat_map(|j| [j.0, j.1]).collect();
        times.sort_unstable();
        times.dedup();
        let mut a = Vec::new();
        let mut b = Vec::new();
        for w in times.windows(2) {
            a.push(
                jobs.iter()
                    .map(|j| if j.0 <= w[0] && w[0] < j.1 { 1.0 } else { 0.0 })
                    .collect(),
            );
            b.push(balance);
        }
        for (i, j) in jobs.iter().enumerate() {
            let mut row = vec![0.0; jobs.len()];
            row[i] = 1.0;
            a.push(row);
            b.push(j.3);
        }
        let c: Vec<f64> = jobs
            .iter()
            .map(|j| j.2 * (j.1 - j.0) as f64 / DAY_MS as f64 * (1.0 - fee))
            .collect();
        simplex(&a, &b, &c)
    }

    /// Interest of a plan given per opportunity, checking that it is feasible.
    fn plan_value(
        opps: &[Opportunity],
        plan: &[f64],
        balance: f64,
        from: i64,
        to: i64,
        fee: f64,
    ) -> f64 {
        let mut edges: Vec<(i64, f64)> = Vec::new();
        let mut value = 0.0;
        for (o, &x) in opps.iter().zip(plan) {
            if x <= 0.0 {
                continue;
            }
            assert!(o.start_mts >= from && o.start_mts < to && x <= f(o.max_amount) + 1e-9);
            let end = o.end_mts.min(to);
            edges.push((o.start_mts, x));
            edges.push((end, -x));
            value += x * f(o.daily_rate) * (end - o.start_mts) as f64 / DAY_MS as f64 * (1.0 - fee);
        }
        edges.sort_by(|p, q| p.0.cmp(&q.0).then(p.1.total_cmp(&q.1)));
        let mut load = 0.0;
        for (_, dx) in edges {
            load += dx;
            assert!(load <= balance + 1e-6, "infeasible plan");
        }
        value
    }

    /// A feasible plan: best rates first, each as much as still fits all along its life.
    fn greedy(opps: &[Opportunity], balance: f64, from: i64, to: i64, fee: f64) -> f64 {
        let mut times: Vec<i64> = opps
            .iter()
            .flat_map(|o| [o.start_mts, o.end_mts.min(to)])
            .collect();
        times.sort_unstable();
        times.dedup();
        let mut load = vec![0.0; times.len()];
        let mut order: Vec<usize> = (0..opps.len()).collect();
        order.sort_by(|&i, &j| opps[j].daily_rate.cmp(&opps[i].daily_rate));
        let mut plan = vec![0.0; opps.len()];
        for i in order {
            let o = &opps[i];
            if o.start_mts < from || o.start_mts >= to || o.end_mts <= o.start_mts {
                continue;
            }
            let s = times.binary_search(&o.start_mts).unwrap();
            let e = times.binary_search(&o.end_mts.min(to)).unwrap();
            let used = load[s..e].iter().copied().fold(0.0, f64::max);
            let x = (balance - used).min(f(o.max_amount)).max(0.0);
            for l in &mut load[s..e] {
                *l += x;
            }
            plan[i] = x;
        }
        plan_value(opps, &plan, balance, from, to, fee)
    }

    fn random_opps(rng: &mut ChaCha8Rng, n: usize, unit: i64, multiples: bool) -> Vec<Opportunity> {
        (0..n)
            .map(|_| {
                let start = rng.random_range(0..48);
                let len = rng.random_range(1..30);
                let amount = if multiples {
                    unit * rng.random_range(1..12)
                } else {
                    rng.random_range(1..12 * unit)
                };
                opp(
                    start,
                    start + len,
                    &format!("0.000{}", rng.random_range(1..10)),
                    amount,
                )
            })
            .collect()
    }

    #[test]
    fn equals_the_lp_optimum_when_amounts_are_whole_units() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (from, to) = (6 * HOUR_MS, 40 * HOUR_MS);
        for round in 0..400 {
            let units = [4u32, 5, 10][round % 3];
            let balance = 1000;
            let unit = balance / i64::from(units);
            let n = 1 + round % 8;
            let opps = random_opps(&mut rng, n, unit, true);
            let b = hindsight_bound(&opps, Decimal::from(balance), from, to, FEE, units);
            let lp = exact_lp(&opps, balance as f64, from, to, 0.15);
            let got = f(b.earned);
            assert!(
                (got - lp).abs() <= 1e-9 * lp.max(1.0),
                "round {round}: flow {got} vs LP {lp} for {opps:?}"
            );
            assert!(got >= lp - 1e-12, "round {round}");
            assert_series(&b, from, to);
        }
    }

    #[test]
    fn equals_the_lp_optimum_on_crowded_instances() {
        // Many overlapping borrowers, shared start and end times (coarse hours) and few units:
        // long augmenting paths that undo earlier choices.
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (from, to) = (2 * HOUR_MS, 30 * HOUR_MS);
        for round in 0..40 {
            let units = [3u32, 6, 8][round % 3];
            let balance = 2_400;
            let unit = balance / i64::from(units);
            let n = 12 + round % 20;
            let opps: Vec<Opportunity> = (0..n)
                .map(|_| {
                    let start = rng.random_range(0..32);
                    opp(
                        start,
                        start + rng.random_range(1..12),
                        &format!("0.000{}", rng.random_range(1..10)),
                        unit * rng.random_range(1..5),
                    )
                })
                .collect();
            let b = hindsight_bound(&opps, Decimal::from(balance), from, to, FEE, units);
            let lp = exact_lp(&opps, balance as f64, from, to, 0.15);
            let got = f(b.earned);
            assert!(
                (got - lp).abs() <= 1e-9 * lp.max(1.0),
                "round {round}: flow {got} vs LP {lp}"
            );
            assert_series(&b, from, to);
        }
    }

    #[test]
    fn at_least_the_lp_optimum_and_within_a_unit_per_job_otherwise() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (from, to) = (6 * HOUR_MS, 40 * HOUR_MS);
        for round in 0..400 {
            let units = [3u32, 7, 10][round % 3];
            let balance = 1000.0;
            let unit = balance / f64::from(units);
            let opps = random_opps(&mut rng, 1 + round % 6, 100, false);
            let b = hindsight_bound(&opps, d(balance), from, to, FEE, units);
            let lp = exact_lp(&opps, balance, from, to, 0.15);
            let got = f(b.earned);
            // One unit's interest per opportunity in the window.
            let slack: f64 = opps
                .iter()
                .filter(|o| o.start_mts >= from && o.start_mts < to)
                .map(|o| {
                    unit * f(o.daily_rate) * (o.end_mts.min(to) - o.start_mts) as f64
                        / DAY_MS as f64
                        * 0.85
                })
                .sum();
            assert!(
                got >= lp - 1e-9 * lp.max(1.0),
                "round {round}: {got} < {lp}"
            );
            assert!(
                got <= lp + slack + 1e-9,
                "round {round}: {got} > {lp} + {slack}"
            );
        }
    }

    #[test]
    fn never_below_a_feasible_greedy_plan() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (from, to) = (4 * HOUR_MS, 44 * HOUR_MS);
        for round in 0..60 {
            let n = 10 + round % 50;
            let opps = random_opps(&mut rng, n, 50, round % 2 == 0);
            let balance = 700.0;
            let b = hindsight_bound(&opps, d(balance), from, to, FEE, DEFAULT_UNITS);
            let lower = greedy(&opps, balance, from, to, 0.15);
            assert!(
                f(b.earned) >= lower - 1e-9,
                "round {round}: {} < {lower}",
                b.earned
            );
            assert_series(&b, from, to);
            assert!(b.utilization <= Decimal::ONE && b.utilization >= Decimal::ZERO);
        }
    }

    #[test]
    fn one_borrower_larger_than_the_balance_takes_it_all() {
        let opps = [opp(0, 48, "0.0003", 5_000)];
        let b = hindsight_bound(&opps, Decimal::from(1_000), 0, 48 * HOUR_MS, FEE, 200);
        // 1000 × 0.0003 × 2 days × 0.85
        assert_tight(b.earned, Decimal::new(51, 2));
        assert_eq!(b.utilization, Decimal::ONE);
        assert_eq!(b.avg_rate, Some("0.0003".parse().unwrap()));
        assert_eq!(b.chosen, 1);
        assert_series(&b, 0, 48 * HOUR_MS);
        // Linear accrual: half way, half the interest.
        assert_tight(b.cumulative[24].1, Decimal::new(255, 3));
    }

    #[test]
    fn competing_borrowers_pick_the_higher_rate() {
        let opps = [opp(0, 24, "0.0003", 1_000), opp(2, 20, "0.0005", 1_000)];
        let b = hindsight_bound(&opps, Decimal::from(1_000), 0, 24 * HOUR_MS, FEE, 200);
        // The second: 1000 × 0.0005 × 0.75 day × 0.85; the first does not fit beside it.
        assert_tight(b.earned, "0.31875".parse().unwrap());
        assert_eq!(b.chosen, 1);
        assert_eq!(b.avg_rate, Some("0.0005".parse().unwrap()));
        assert_eq!(b.utilization, "0.75".parse().unwrap());
        // With room for both, both.
        let both = hindsight_bound(&opps, Decimal::from(2_000), 0, 24 * HOUR_MS, FEE, 200);
        assert_tight(
            both.earned,
            "0.31875".parse::<Decimal>().unwrap() + Decimal::new(255, 3),
        );
        assert_eq!(both.chosen, 2);
    }

    #[test]
    fn back_to_back_loans_all_fit() {
        let opps = [
            opp(0, 24, "0.0002", 1_000),
            opp(24, 48, "0.0003", 1_000),
            opp(48, 72, "0.0004", 1_000),
        ];
        let b = hindsight_bound(&opps, Decimal::from(1_000), 0, 72 * HOUR_MS, FEE, 200);
        assert_tight(b.earned, "0.765".parse().unwrap());
        assert_eq!(b.chosen, 3);
        assert_eq!(b.utilization, Decimal::ONE);
        assert_eq!(b.avg_rate, Some("0.0003".parse().unwrap()));
        assert_tight(b.cumulative[24].1, "0.17".parse().unwrap());
        assert_tight(b.cumulative[48].1, "0.425".parse().unwrap());
    }

    #[test]
    fn the_window_clips_opportunities() {
        let opps = [
            // Starts before the window: ignored, however good.
            opp(0, 30, "0.01", 1_000),
            // Runs past the end: counts until the end only.
            opp(12, 60, "0.0004", 1_000),
            // Starts at the end: ignored.
            opp(36, 40, "0.01", 1_000),
        ];
        let (from, to) = (10 * HOUR_MS, 36 * HOUR_MS);
        let b = hindsight_bound(&opps, Decimal::from(1_000), from, to, FEE, 200);
        // 1000 × 0.0004 × 1 day × 0.85
        assert_tight(b.earned, "0.34".parse().unwrap());
        assert_eq!(b.chosen, 1);
        assert_eq!(b.utilization, Decimal::from(24) / Decimal::from(26));
        assert_series(&b, from, to);
    }

    #[test]
    fn nothing_to_lend_into_gives_zero_and_a_flat_series() {
        let to = 3 * HOUR_MS + HOUR_MS / 2;
        let b = hindsight_bound(&[], Decimal::from(1_000), 0, to, FEE, 200);
        assert_eq!(b.earned, Decimal::ZERO);
        assert_eq!(b.utilization, Decimal::ZERO);
        assert_eq!(b.avg_rate, None);
        assert_eq!(b.chosen, 0);
        let times: Vec<i64> = b.cumulative.iter().map(|p| p.0).collect();
        assert_eq!(times, [0, HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS, to]);
        assert!(b.cumulative.iter().all(|p| p.1 == Decimal::ZERO));
        // No balance, a fee that takes everything, an empty window.
        let opps = [opp(0, 2, "0.001", 10)];
        for (balance, fee, to) in [(0, FEE, to), (1_000, Decimal::ONE, to), (1_000, FEE, 0)] {
            let b = hindsight_bound(&opps, Decimal::from(balance), 0, to, fee, 200);
            assert_eq!((b.earned, b.chosen), (Decimal::ZERO, 0));
            assert_eq!(b.cumulative.first(), Some(&(0, Decimal::ZERO)));
        }
    }

    #[test]
    fn rounding_amounts_up_only_raises_the_bound() {
        // 0.3 units of a unit = 1000 / 200 = 5: rounds up to a whole unit.
        let opps = [opp(0, 24, "0.001", 1)];
        let b = hindsight_bound(&opps, Decimal::from(1_000), 0, 24 * HOUR_MS, FEE, 200);
        assert_tight(b.earned, "0.00425".parse().unwrap());
        // Same-span borrowers: only the best ones up to the balance matter.
        let many: Vec<Opportunity> = (1..=9)
            .map(|r| opp(0, 24, &format!("0.000{r}"), 300))
            .collect();
        let b = hindsight_bound(&many, Decimal::from(1_000), 0, 24 * HOUR_MS, FEE, 200);
        // 300 at 9, 8, 7 and 100 at 6 (bp/day) × 0.85
        assert_tight(b.earned, "0.6630".parse().unwrap());
        assert_eq!(b.chosen, 4);
    }
}
