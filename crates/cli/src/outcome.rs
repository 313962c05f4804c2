//! How a cycle of `yf run --once` (and `yf status`) ends, as an exit status scripts can branch
//! on and one sentence for the person reading stderr.

use lender::engine::{CycleReport, EngineState, EngineStatus};
use lender::model::Halt;
use lender::problems::ProblemKind;
use lender::verify::VerifyError;

use crate::common::Failure;

/// Exit statuses of `yf run` and `yf status`.
pub mod exit {
    /// The cycle completed (`--once`), or the engine was stopped by SIGINT/SIGTERM.
    pub const OK: i32 = 0;
    /// It did not start: bad input, no API key, the local database.
    pub const ERROR: i32 = 1;
    /// The key cannot be used: a withdraw permission, a missing permission, or refused by
    /// Bitfinex.
    pub const KEY: i32 = 2;
    /// The cycle could not complete (Bitfinex unreachable, in maintenance, rate limiting, an
    /// answer that could not be read or did not add up, another program on the key): nothing
    /// unsafe was sent; try again later.
    pub const INCOMPLETE: i32 = 3;
    /// Bitfinex refused every offer and cancel the cycle sent: nothing was placed or cancelled.
    pub const REFUSED: i32 = 4;
}

/// The exit-status table for `--help`.
pub const EXIT_HELP: &str = "\
Exit status:
  0  the cycle completed (--once), or the engine was stopped (SIGINT/SIGTERM)
  1  it did not start: bad input, no API key, or the local database failed
  2  the key cannot be used: it has a withdraw permission, lacks one lending needs, or
     Bitfinex refused it
  3  the cycle could not complete: Bitfinex unreachable, in maintenance or rate limiting, an
     answer that could not be read or did not add up, or another program using the key;
     nothing unsafe was sent, try again later
  4  Bitfinex refused every offer and cancel the cycle sent: nothing was placed or cancelled
The reason is one sentence on stderr ({\"code\",\"message\"} with --json).";

fn failure(code: &'static str, exit: i32, message: String) -> Failure {
    let mut f = Failure::new(code, message);
    f.exit = exit;
    f
}

/// A failure to verify the key at start, with the exit status of its kind.
pub fn start_failure(e: VerifyError) -> Failure {
    let exit = match &e {
        VerifyError::InvalidKey => exit::KEY,
        VerifyError::Network(_)
        | VerifyError::Maintenance
        | VerifyError::RateLimited
        | VerifyError::NonceConflict => exit::INCOMPLETE,
        VerifyError::Format(_) | VerifyError::Other(_) => exit::ERROR,
    };
    failure(e.code(), exit, e.to_string())
}

fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

/// Why a cycle did not do its job, if it did not: halted, incomplete (a request failed, data
/// did not add up, a write got no answer), or every write refused. `refused_detail` is what
/// Bitfinex said to one of the refused writes. A dry run sends nothing, so it is never refused.
pub fn cycle_failure(
    r: &CycleReport,
    s: &EngineStatus,
    refused_detail: Option<&str>,
) -> Option<Failure> {
    if let EngineState::Halted {
        reason, message, ..
    } = &s.state
    {
        let (code, exit) = match reason {
            Halt::KeyProblem => ("InvalidKey", exit::KEY),
            Halt::RateLimited => ("RateLimited", exit::INCOMPLETE),
            Halt::Maintenance => ("Maintenance", exit::INCOMPLETE),
            Halt::AnotherEngine => ("NonceConflict", exit::INCOMPLETE),
            Halt::Storage => ("Storage", exit::INCOMPLETE),
            Halt::Paused => ("Internal", exit::INCOMPLETE),
        };
        let message = if message.trim().is_empty() {
            format!("Lending stopped: {}.", crate::human::halt(*reason))
        } else {
            sentence(message)
        };
        return Some(failure(code, exit, message));
    }
    if let Some(p) = s.problems.first() {
        let code = match p.kind {
            ProblemKind::RequestFailed => "Network",
            ProblemKind::BadData | ProblemKind::UnprovenOffer => "BadData",
            ProblemKind::AnotherEngine => "NonceConflict",
            ProblemKind::Storage => "Storage",
        };
        let all: Vec<String> = s.problems.iter().map(|p| sentence(&p.message)).collect();
        return Some(failure(
            code,
            exit::INCOMPLETE,
            format!("The cycle could not complete — {}", all.join(" Also: ")),
        ));
    }
    if let Some(e) = &s.last_error {
        return Some(failure(
            "Network",
            exit::INCOMPLETE,
            format!("The cycle could not complete — {}", sentence(e)),
        ));
    }
    if r.unknown > 0 {
        return Some(failure(
            "Network",
            exit::INCOMPLETE,
            format!(
                "The cycle could not complete: {} {} to Bitfinex got no answer; the next run checks on Bitfinex whether {} done before sending anything else.",
                r.unknown,
                if r.unknown == 1 {
                    "request"
                } else {
                    "requests"
                },
                if r.unknown == 1 {
                    "it was"
                } else {
                    "they were"
                }
            ),
        ));
    }
    if r.incomplete {
        return Some(failure(
            "Network",
            exit::INCOMPLETE,
            "The cycle could not complete: it is waiting for Bitfinex to show the outcome of an earlier request; nothing new was sent.".to_owned(),
        ));
    }
    if r.rejected > 0 && r.submitted + r.cancelled == 0 {
        let detail = refused_detail
            .map(|d| format!(": {}", sentence(d)))
            .unwrap_or_else(|| ".".to_owned());
        let what = if r.rejected == 1 {
            "the one request".to_owned()
        } else {
            format!("all {} requests", r.rejected)
        };
        return Some(failure(
            "Rejected",
            exit::REFUSED,
            format!(
                "Bitfinex refused {what} of this cycle, nothing was placed or cancelled{detail}"
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use lender::problems::EngineProblem;

    #[test]
    fn a_clean_cycle_is_no_failure() {
        let r = CycleReport {
            submitted: 3,
            rejected: 1,
            ..CycleReport::default()
        };
        assert!(cycle_failure(&r, &EngineStatus::default(), None).is_none());
        // Nothing to place is not a failure either.
        assert!(cycle_failure(&CycleReport::default(), &EngineStatus::default(), None).is_none());
    }

    #[test]
    fn every_write_refused_is_4() {
        let r = CycleReport {
            rejected: 3,
            ..CycleReport::default()
        };
        let f = cycle_failure(&r, &EngineStatus::default(), Some("not enough balance")).unwrap();
        assert_eq!((f.code, f.exit), ("Rejected", 4));
        assert_eq!(
            f.message,
            "Bitfinex refused all 3 requests of this cycle, nothing was placed or cancelled: not enough balance."
        );
    }

    #[test]
    fn an_incomplete_cycle_is_3() {
        let s = EngineStatus {
            state: EngineState::Running,
            last_error: Some("network problem: connection refused".into()),
            problems: vec![EngineProblem {
                kind: ProblemKind::RequestFailed,
                currency: None,
                request: Some("funding wallets".into()),
                message: "Could not read the funding wallets from Bitfinex.".into(),
                since_mts: 0,
            }],
            ..EngineStatus::default()
        };
        let r = CycleReport {
            incomplete: true,
            ..CycleReport::default()
        };
        let f = cycle_failure(&r, &s, None).unwrap();
        assert_eq!((f.code, f.exit), ("Network", 3));
        assert_eq!(
            f.message,
            "The cycle could not complete — Could not read the funding wallets from Bitfinex."
        );
        let r = CycleReport {
            unknown: 1,
            ..CycleReport::default()
        };
        let f = cycle_failure(&r, &EngineStatus::default(), None).unwrap();
        assert_eq!(f.exit, 3);
    }

    #[test]
    fn a_halt_says_why() {
        let s = EngineStatus {
            state: EngineState::Halted {
                reason: Halt::KeyProblem,
                message: "The API key stopped working: apikey: invalid".into(),
                retry_at_mts: None,
            },
            ..EngineStatus::default()
        };
        let f = cycle_failure(&CycleReport::default(), &s, None).unwrap();
        assert_eq!((f.code, f.exit), ("InvalidKey", 2));
        assert_eq!(f.message, "The API key stopped working: apikey: invalid.");
        let s = EngineStatus {
            state: EngineState::Halted {
                reason: Halt::Maintenance,
                message: String::new(),
                retry_at_mts: Some(1),
            },
            ..EngineStatus::default()
        };
        let f = cycle_failure(&CycleReport::default(), &s, None).unwrap();
        assert_eq!((f.code, f.exit), ("Maintenance", 3));
        assert_eq!(f.message, "Lending stopped: Bitfinex is in maintenance.");
    }
}
