//! Faults switched on through the admin API: errors, latency, timeouts, dropped connections,
//! rate limits in each of Bitfinex's forms, maintenance, and writes whose response is lost.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The form of a rate-limit answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitForm {
    /// HTTP 500 `["error", 11010, "ratelimit: error"]`.
    Code11010,
    /// HTTP 200 `{"error": "ERR_RATE_LIMIT"}`.
    Object,
    /// HTTP 500 `["error", null, "ERR_RATE_LIMIT"]`.
    NullCode,
    /// HTTP 429.
    Http429,
}

/// What to do to requests of one endpoint (path after `/v2/`, prefix match).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fault {
    /// Share of requests answered with HTTP 500 `["error", 10000, "simulated failure"]` (0–1).
    pub error_rate: f64,
    /// Added latency.
    pub latency_ms: u64,
    /// Never answer in time (the request is not applied).
    pub timeout: bool,
    /// Drop the connection without an answer (the request is not applied).
    pub drop: bool,
    /// Apply the write, then lose the answer (the connection drops).
    pub lost_response: bool,
    /// Answer with a rate limit in this form, then keep refusing for 60 s.
    pub rate_limit: Option<RateLimitForm>,
    /// Answer HTTP 200 with this JSON instead of the real answer (the request is not applied):
    /// `[]`, `null`, an HTML-like string, rows of nonsense.
    pub body: Option<serde_json::Value>,
    /// Corrupt the real answer (after applying the request): in every row of a list answer
    /// (or in the answer itself when it is one flat array), set the field at each index to the
    /// value given, e.g. `{"14": null}` for the rate of an offer row or `{"2": 5.0}` for a
    /// book row's rate.
    pub patch: Option<BTreeMap<usize, serde_json::Value>>,
    /// Only the next N requests (then the fault switches itself off); `None` = until cleared.
    pub count: Option<u32>,
}

/// Applies a [`Fault::patch`] to an answer: every row of a list of arrays, or the array itself.
pub fn apply_patch(v: &mut serde_json::Value, patch: &BTreeMap<usize, serde_json::Value>) {
    let set = |row: &mut Vec<serde_json::Value>| {
        for (i, x) in patch {
            if let Some(slot) = row.get_mut(*i) {
                *slot = x.clone();
            }
        }
    };
    let Some(items) = v.as_array_mut() else {
        return;
    };
    if items.iter().any(serde_json::Value::is_array) {
        for row in items.iter_mut().filter_map(serde_json::Value::as_array_mut) {
            set(row);
        }
    } else {
        set(items);
    }
}

/// The fault table.
#[derive(Debug, Default)]
pub struct Faults {
    /// Faults by endpoint prefix.
    pub by_endpoint: BTreeMap<String, Fault>,
    /// Maintenance: every call answers `["error", 20060, "maintenance"]`, status is 0.
    pub maintenance: bool,
    /// Active rate-limit blocks: endpoint prefix → (until, form).
    pub blocked: BTreeMap<String, (Instant, RateLimitForm)>,
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    /// Delay before anything.
    pub latency: Duration,
    /// Answer with a simulated failure.
    pub error: bool,
    /// Never answer.
    pub timeout: bool,
    /// Drop the connection before applying.
    pub drop: bool,
    /// Apply, then drop the connection.
    pub lost_response: bool,
    /// Answer with a rate limit.
    pub rate_limited: Option<RateLimitForm>,
    /// Maintenance.
    pub maintenance: bool,
    /// Answer with this body instead.
    pub body: Option<serde_json::Value>,
    /// Corrupt the answer's rows.
    pub patch: Option<BTreeMap<usize, serde_json::Value>>,
}

impl Faults {
    /// Decides what happens to a request for `endpoint` (path after `/v2/`). `roll` is a
    /// uniform draw in [0, 1) for the error rate.
    pub fn decide(&mut self, endpoint: &str, roll: f64) -> Decision {
        let mut d = Decision {
            maintenance: self.maintenance,
            ..Decision::default()
        };
        let now = Instant::now();
        self.blocked.retain(|_, (until, _)| *until > now);
        if let Some((_, (_, form))) = self
            .blocked
            .iter()
            .find(|(p, _)| endpoint.starts_with(p.as_str()))
        {
            d.rate_limited = Some(*form);
            return d;
        }
        let Some((prefix, fault)) = self
            .by_endpoint
            .iter_mut()
            .filter(|(p, _)| endpoint.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
        else {
            return d;
        };
        let prefix = prefix.clone();
        d.latency = Duration::from_millis(fault.latency_ms);
        d.error = roll < fault.error_rate;
        d.timeout = fault.timeout;
        d.drop = fault.drop;
        d.lost_response = fault.lost_response;
        d.body = fault.body.clone();
        d.patch = fault.patch.clone();
        if let Some(form) = fault.rate_limit {
            d.rate_limited = Some(form);
            self.blocked
                .insert(prefix.clone(), (now + Duration::from_secs(60), form));
        }
        if let Some(n) = fault.count.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.by_endpoint.remove(&prefix);
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_counts_run_out() {
        let mut f = Faults::default();
        f.by_endpoint.insert(
            "auth/".into(),
            Fault {
                latency_ms: 5,
                ..Fault::default()
            },
        );
        f.by_endpoint.insert(
            "auth/w/funding/offer/submit".into(),
            Fault {
                timeout: true,
                count: Some(1),
                ..Fault::default()
            },
        );
        let d = f.decide("auth/w/funding/offer/submit", 0.9);
        assert!(d.timeout && d.latency.is_zero());
        let d = f.decide("auth/w/funding/offer/submit", 0.9);
        assert!(
            !d.timeout && d.latency == Duration::from_millis(5),
            "the one-shot fault is gone"
        );
    }

    #[test]
    fn a_rate_limit_keeps_blocking() {
        let mut f = Faults::default();
        f.by_endpoint.insert(
            "auth/r/".into(),
            Fault {
                rate_limit: Some(RateLimitForm::Object),
                count: Some(1),
                ..Fault::default()
            },
        );
        assert_eq!(
            f.decide("auth/r/wallets", 0.5).rate_limited,
            Some(RateLimitForm::Object)
        );
        assert_eq!(
            f.decide("auth/r/wallets", 0.5).rate_limited,
            Some(RateLimitForm::Object),
            "blocked for 60 s"
        );
        assert_eq!(f.decide("ticker/fUSD", 0.5).rate_limited, None);
    }

    #[test]
    fn a_patch_corrupts_every_row_or_the_flat_answer() {
        let patch: BTreeMap<usize, serde_json::Value> =
            [(1, serde_json::json!(null))].into_iter().collect();
        let mut rows = serde_json::json!([[1, 2, 3], [4, 5, 6]]);
        apply_patch(&mut rows, &patch);
        assert_eq!(rows, serde_json::json!([[1, null, 3], [4, null, 6]]));
        let mut flat = serde_json::json!([1, 2, 3]);
        apply_patch(&mut flat, &patch);
        assert_eq!(flat, serde_json::json!([1, null, 3]));
    }

    #[test]
    fn error_rate_uses_the_roll() {
        let mut f = Faults::default();
        f.by_endpoint.insert(
            "x".into(),
            Fault {
                error_rate: 0.3,
                ..Fault::default()
            },
        );
        assert!(f.decide("x", 0.1).error);
        assert!(!f.decide("x", 0.5).error);
    }
}
