//! What the engine could not do, or would not act on, told to the user until it clears.
//!
//! A problem names the request or the check that failed and what still works; the status
//! keeps every other currency's (and this currency's) data that did load.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum ProblemKind {
    /// A request to Bitfinex failed (network, server error, an answer that could not be read).
    RequestFailed,
    /// Bitfinex's data failed a consistency check; nothing is sent on it.
    BadData,
    /// An offer like one the app sent is on the book, but it could not be proven the app's own;
    /// it is left alone.
    UnprovenOffer,
    /// Another program lends with the same key.
    AnotherEngine,
    /// The local database could not be written.
    Storage,
}

/// One problem of the engine's last look at the exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EngineProblem {
    /// What kind.
    pub kind: ProblemKind,
    /// The currency it concerns, if one.
    pub currency: Option<String>,
    /// The request that failed, as the user can name it (`order book (fUSD)`), if one.
    pub request: Option<String>,
    /// For the user: what happened and what the engine does about it.
    pub message: String,
    /// Since when (UTC ms).
    #[ts(type = "number")]
    pub since_mts: i64,
}

/// Problems kept across cycles: a problem seen again keeps its first time; one not seen in a
/// cycle is gone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Problems {
    current: Vec<EngineProblem>,
    seen: Vec<EngineProblem>,
}

impl Problems {
    /// Starts a cycle's collection.
    pub(crate) fn begin(&mut self) {
        self.seen.clear();
    }

    /// Notes a problem in this cycle.
    pub(crate) fn note(
        &mut self,
        kind: ProblemKind,
        currency: Option<&str>,
        request: Option<&str>,
        message: impl Into<String>,
        now_mts: i64,
    ) {
        let message = message.into();
        let same = |p: &&EngineProblem| {
            p.kind == kind && p.currency.as_deref() == currency && p.request.as_deref() == request
        };
        let since_mts = self
            .current
            .iter()
            .find(same)
            .map_or(now_mts, |p| p.since_mts);
        tracing::warn!(?kind, currency, request, %message, "engine problem");
        if self.seen.iter().find(same).is_none() {
            self.seen.push(EngineProblem {
                kind,
                currency: currency.map(str::to_owned),
                request: request.map(str::to_owned),
                message,
                since_mts,
            });
        }
    }

    /// Ends a cycle: what was seen is what is current.
    pub(crate) fn end(&mut self) -> Vec<EngineProblem> {
        self.current = std::mem::take(&mut self.seen);
        self.current.clone()
    }
}
