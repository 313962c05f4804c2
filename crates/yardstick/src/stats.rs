//! Summaries for walk-forward reports: quantiles, a median with a 10–90 % band, and a paired
//! bootstrap of the ratio between two contenders' earnings.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The `q`-quantile of `values` (in any order) with linear interpolation between order
/// statistics — type 7 of Hyndman & Fan, numpy's default: with the values sorted as
/// `x[0] ≤ … ≤ x[n−1]`, `h = (n − 1)·q` and the result is
/// `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
///
/// `None` when `values` is empty or holds a NaN, or `q` is outside `0..=1`.
pub fn quantile(sorted_or_not: &[f64], q: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&q) {
        return None;
    }
    let sorted = sorted_copy(sorted_or_not)?;
    Some(quantile_sorted(&sorted, q))
}

/// Median and 10th/90th percentiles of a set of values (see [`quantile`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The 50 % quantile.
    pub median: f64,
    /// The 10 % quantile.
    pub p10: f64,
    /// The 90 % quantile.
    pub p90: f64,
    /// How many values.
    pub n: usize,
}

/// Median, 10th and 90th percentiles (type 7, see [`quantile`]); `None` when `values` is empty
/// or holds a NaN.
pub fn spread(values: &[f64]) -> Option<Spread> {
    let sorted = sorted_copy(values)?;
    Some(Spread {
        median: quantile_sorted(&sorted, 0.5),
        p10: quantile_sorted(&sorted, 0.1),
        p90: quantile_sorted(&sorted, 0.9),
        n: sorted.len(),
    })
}

/// The ratio of two contenders' total earnings over the same days, with a bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioInterval {
    /// `Σa / Σb` over all days.
    pub ratio: f64,
    /// The 5th percentile of the resampled ratios (lower end of the 90 % interval).
    pub lo: f64,
    /// The 95th percentile of the resampled ratios (upper end of the 90 % interval).
    pub hi: f64,
    /// How many days (paired values).
    pub days: usize,
    /// Share of resamples skipped because `b` earned nothing (or less) on the drawn days, so
    /// their ratio is undefined. The interval is built from the others; above `0.1` it is not
    /// to be trusted (`b` earns on too few days).
    pub undefined_share: f64,
}

/// Compares two contenders run on the same days: `a[i]` and `b[i]` are what each earned on day
/// `i`. Returns `Σa / Σb` and a 90 % percentile-bootstrap interval: `iterations` times, draw
/// `n` day indices with replacement (the same indices for `a` and `b`: the comparison is
/// paired, so a day that was good for both stays good for both), recompute the ratio, and take
/// the 5th and 95th percentiles (type 7, see [`quantile`]) of those ratios. Resamples whose
/// `Σb ≤ 0` are skipped and counted in [`RatioInterval::undefined_share`].
///
/// Deterministic for a `seed` (ChaCha8). `None` when the lengths differ, there are fewer than
/// 2 days, `iterations` is 0, a value is not finite, `Σb ≤ 0`, or every resample was skipped.
///
/// ```
/// // Earnings per day of a strategy and of Auto-Renew over the same five days.
/// let mine = [1.2, 0.9, 1.4, 1.1, 1.0];
/// let auto = [1.0, 1.0, 1.1, 1.0, 0.9];
/// let r = yardstick::paired_ratio(&mine, &auto, 10_000, 1).unwrap();
/// assert!((r.ratio - 5.6 / 5.0).abs() < 1e-12);
/// assert!(r.lo <= r.ratio && r.ratio <= r.hi && r.days == 5);
/// ```
pub fn paired_ratio(a: &[f64], b: &[f64], iterations: u32, seed: u64) -> Option<RatioInterval> {
    let n = a.len();
    if n != b.len() || n < 2 || iterations == 0 {
        return None;
    }
    if !a.iter().chain(b).all(|v| v.is_finite()) {
        return None;
    }
    let sum_b: f64 = b.iter().sum();
    if sum_b <= 0.0 {
        return None;
    }
    let ratio = a.iter().sum::<f64>() / sum_b;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ratios = Vec::with_capacity(iterations as usize);
    let mut skipped = 0u32;
    for _ in 0..iterations {
        let (mut sa, mut sb) = (0.0, 0.0);
        for _ in 0..n {
            // u64, not usize: the same draws on every platform.
            let i = rng.random_range(0..n as u64) as usize;
            sa += a[i];
            sb += b[i];
        }
        if sb > 0.0 {
            ratios.push(sa / sb);
        } else {
            skipped += 1;
        }
    }
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_unstable_by(f64::total_cmp);
    Some(RatioInterval {
        ratio,
        lo: quantile_sorted(&ratios, 0.05),
        hi: quantile_sorted(&ratios, 0.95),
        days: n,
        undefined_share: f64::from(skipped) / f64::from(iterations),
    })
}

/// How many of the paired values `a[i] > b[i]` (strictly), out of how many pairs (the shorter
/// length if they differ).
pub fn share_wins(a: &[f64], b: &[f64]) -> (usize, usize) {
    let wins = a.iter().zip(b).filter(|(x, y)| x > y).count();
    (wins, a.len().min(b.len()))
}

fn sorted_copy(values: &[f64]) -> Option<Vec<f64>> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Some(sorted)
}

/// Type 7 on sorted, non-empty values, `q` in `0..=1`.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let x = sorted[lo];
    if hi == lo {
        return x;
    }
    x + (h - lo as f64) * (sorted[hi] - x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_numpy_type_7() {
        let v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        // numpy.quantile([3,1,4,1,5,9,2,6], [0, .1, .25, .5, .9, 1])
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert!((quantile(&v, 0.1).unwrap() - 1.0).abs() < 1e-12);
        assert!((quantile(&v, 0.25).unwrap() - 1.75).abs() < 1e-12);
        assert!((quantile(&v, 0.5).unwrap() - 3.5).abs() < 1e-12);
        assert!((quantile(&v, 0.9).unwrap() - 6.9).abs() < 1e-12);
        assert_eq!(quantile(&v, 1.0), Some(9.0));
        assert_eq!(quantile(&[7.0], 0.3), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&v, 1.5), None);
        assert_eq!(quantile(&v, f64::NAN), None);
        assert_eq!(quantile(&[1.0, f64::NAN], 0.5), None);
    }

    #[test]
    fn spread_of_one_to_eleven() {
        let v: Vec<f64> = (1..=11).rev().map(f64::from).collect();
        let s = spread(&v).unwrap();
        assert_eq!(s.n, 11);
        assert!((s.median - 6.0).abs() < 1e-12);
        assert!((s.p10 - 2.0).abs() < 1e-12);
        assert!((s.p90 - 10.0).abs() < 1e-12);
        assert_eq!(spread(&[]), None);
    }

    fn noisy(n: usize, noise: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let b: Vec<f64> = (0..n).map(|_| rng.random_range(5.0..15.0)).collect();
        let a = b
            .iter()
            .map(|x| x * 1.1 + noise * rng.random_range(-1.0..1.0))
            .collect();
        (a, b)
    }

    #[test]
    fn identical_contenders_give_exactly_one() {
        let (_, b) = noisy(30, 0.0, 1);
        let r = paired_ratio(&b, &b, 2000, 7).unwrap();
        assert_eq!((r.ratio, r.lo, r.hi, r.days), (1.0, 1.0, 1.0, 30));
        assert_eq!(r.undefined_share, 0.0);
    }

    #[test]
    fn double_gives_exactly_two() {
        let (_, b) = noisy(30, 0.0, 2);
        let a: Vec<f64> = b.iter().map(|x| 2.0 * x).collect();
        let r = paired_ratio(&a, &b, 2000, 7).unwrap();
        assert_eq!((r.ratio, r.lo, r.hi), (2.0, 2.0, 2.0));
    }

    #[test]
    fn interval_contains_the_ratio_and_widens_with_noise() {
        let (a1, b1) = noisy(60, 1.0, 3);
        let (a2, b2) = noisy(60, 5.0, 3);
        let calm = paired_ratio(&a1, &b1, 4000, 11).unwrap();
        let wild = paired_ratio(&a2, &b2, 4000, 11).unwrap();
        for r in [calm, wild] {
            assert!(r.lo < r.ratio && r.ratio < r.hi, "{r:?}");
        }
        assert!(
            wild.hi - wild.lo > 2.0 * (calm.hi - calm.lo),
            "{calm:?} {wild:?}"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let (a, b) = noisy(40, 3.0, 4);
        let first = paired_ratio(&a, &b, 1000, 99);
        assert_eq!(first, paired_ratio(&a, &b, 1000, 99));
        assert_ne!(first, paired_ratio(&a, &b, 1000, 100));
    }

    #[test]
    fn undefined_resamples_are_counted() {
        // b earns on one day in ten: many resamples miss it.
        let mut b = vec![0.0; 10];
        b[3] = 1.0;
        let a = vec![0.5; 10];
        let r = paired_ratio(&a, &b, 5000, 5).unwrap();
        // P(day 3 never drawn in 10 draws) = 0.9^10 ≈ 0.35.
        assert!((r.undefined_share - 0.349).abs() < 0.03, "{r:?}");
        assert_eq!(r.ratio, 5.0);
    }

    #[test]
    fn degenerate_inputs_give_none() {
        assert_eq!(paired_ratio(&[1.0], &[1.0], 100, 0), None);
        assert_eq!(paired_ratio(&[1.0, 2.0], &[1.0], 100, 0), None);
        assert_eq!(paired_ratio(&[1.0, 2.0], &[0.0, 0.0], 100, 0), None);
        assert_eq!(paired_ratio(&[1.0, 2.0], &[1.0, -2.0], 100, 0), None);
        assert_eq!(paired_ratio(&[1.0, 2.0], &[1.0, 1.0], 0, 0), None);
        assert_eq!(
            paired_ratio(&[1.0, f64::INFINITY], &[1.0, 1.0], 10, 0),
            None
        );
    }

    #[test]
    fn wins_are_strict() {
        assert_eq!(share_wins(&[1.0, 2.0, 3.0], &[0.5, 2.0, 4.0]), (1, 3));
        assert_eq!(share_wins(&[], &[]), (0, 0));
    }
}
