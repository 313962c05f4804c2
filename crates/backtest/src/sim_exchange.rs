//! The engine's [`Exchange`] directly on a [`bfx_sim::Sim`], in process: what a backtest uses
//! instead of serving the simulator over HTTP and talking to it through `bfx::Client`.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bfx_sim::Sim;
use bfx_sim::world::{self, Refusal, World};
use lender::exchange::{
    CurrencyCredit, Exchange, ExchangeError, ExchangeOffer, FundingWallet, OfferStatus,
};
use lender::model::{BookOffer, Credit, MarketSnapshot, OfferKind, PublicPrint};
use lender::planner::DesiredOffer;
use rust_decimal::Decimal;

/// How many offers of the raw book the HTTP path asks for (`book/{sym}/R0?len=100`).
const BOOK_LEN: usize = 100;

/// One account of a [`Sim`] as the engine's [`Exchange`], without sockets, JSON or signing.
///
/// Every answer is the one the HTTP path (`bfx_sim`'s server read through `bfx::Client` and
/// `lender::bfx_exchange::BfxExchange`) gives for the same world state: the same rows in the
/// same order, numbers as they come off the wire (normalized: `num()` writes
/// `d.normalize()` and the client parses that text back), Bitfinex's refusal texts mapped to
/// the same [`ExchangeError`]s, the same client-side checks before anything is "sent", and
/// offer history read page by page backwards as `bfx::Client::funding_offers_hist_between`
/// does.
///
/// It counts the requests the HTTP path would have made (one per endpoint call, none for a
/// request the client refuses before sending), so "API calls per hour" keeps its meaning.
///
/// Not honoured: faults set with [`Sim::set_fault`] (errors, latency, timeouts, dropped
/// answers, rate limits, patched bodies) and maintenance ([`Sim::set_maintenance`]); they live
/// in the HTTP server. API keys and their permissions are not checked either: the adapter
/// acts for its account directly.
pub struct SimExchange {
    sim: Sim,
    account: u64,
    calls: Arc<AtomicU64>,
}

impl SimExchange {
    /// The exchange of `account` on `sim`.
    pub fn new(sim: Sim, account: u64) -> Self {
        Self {
            sim,
            account,
            calls: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Requests made so far (as the HTTP path would count them).
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// A handle on the request count that outlives the adapter (the engine owns it).
    pub fn call_counter(&self) -> Arc<AtomicU64> {
        self.calls.clone()
    }

    fn call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// A number as the client reads it back from the server's JSON: `num()` writes
/// `d.normalize()`, and parsing that text gives exactly the normalized decimal.
fn wire(d: Decimal) -> Decimal {
    d.normalize()
}

/// `fUSD` → `USD`.
fn currency(symbol: &str) -> String {
    symbol.strip_prefix('f').unwrap_or(symbol).to_owned()
}

/// The client's check of a symbol put into a URL path (`bfx::client::seg`).
fn seg(s: &str) -> Result<&str, ExchangeError> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == ':') {
        Ok(s)
    } else {
        Err(ExchangeError::Rejected(format!(
            "{s:?} is not a Bitfinex symbol, currency or key"
        )))
    }
}

/// An `["error", code, message]` answer as the client classifies it (`bfx::error::classify`)
/// and `BfxExchange` maps it.
fn classify(code: Option<i64>, message: &str) -> ExchangeError {
    let m = message.to_ascii_lowercase();
    let auth = [
        "apikey: invalid",
        "apikey: digest invalid",
        "token: invalid",
        "err_auth_unauthorized",
        "err_invalid_credentials",
    ]
    .iter()
    .any(|p| m.contains(p));
    if matches!(code, Some(10100 | 10111 | 10112 | 10113 | 10200)) || auth {
        return ExchangeError::InvalidKey(message.into());
    }
    if code == Some(10114) || m.contains("nonce: small") {
        return ExchangeError::Nonce(bfx::Error::Nonce.to_string());
    }
    if code == Some(11010)
        || m.contains("err_rate_limit")
        || m.contains("err_limit")
        || m.contains("ratelimit")
    {
        return ExchangeError::RateLimited {
            retry_after: Duration::from_secs(60),
        };
    }
    if code == Some(20060) || m.contains("maintenance") {
        return ExchangeError::Maintenance;
    }
    if m.contains("permission") {
        return ExchangeError::PermissionDenied(message.into());
    }
    if code == Some(10020) || m.contains("symbol: invalid") || m.contains("currency: invalid") {
        return ExchangeError::Rejected(message.into());
    }
    if code == Some(11000) || m.contains("temporarily_unavailable") || m.contains("ready: invalid")
    {
        return ExchangeError::Transport(message.into());
    }
    if code == Some(10001) {
        return ExchangeError::Rejected(message.into());
    }
    match code {
        Some(code) => ExchangeError::Rejected(format!("{message} (Bitfinex error {code})")),
        None => ExchangeError::Rejected(message.into()),
    }
}

/// A refusal of the world as the server answers it (`server::refused`), read by the client.
fn refused(r: &Refusal) -> ExchangeError {
    let code = match r {
        Refusal::Symbol | Refusal::Wallet => 10020,
        _ => 10001,
    };
    classify(Some(code), &r.to_string())
}

/// The server's `symbol: invalid`.
fn bad_symbol() -> ExchangeError {
    classify(Some(10020), "symbol: invalid")
}

/// An offer row as `BfxExchange` reads it (`offer_row` → `FundingOffer::from_row` → `offer`).
fn offer(o: &world::Offer) -> ExchangeOffer {
    let kind = ["PARTIALLY FILLED", "ACTIVE", "EXECUTED", "CANCELED"]
        .into_iter()
        .find(|s| o.status.starts_with(s))
        .unwrap_or(o.status.as_str());
    ExchangeOffer {
        id: o.id,
        currency: currency(&o.symbol),
        amount: wire(o.amount),
        amount_orig: wire(o.amount_orig),
        rate: wire(o.rate),
        period: o.period,
        kind: if o.kind.as_str() == "FRRDELTAVAR" {
            OfferKind::FrrDeltaVar
        } else {
            OfferKind::Limit
        },
        hidden: o.hidden,
        created_mts: o.created,
        status: match kind {
            "EXECUTED" => OfferStatus::Executed,
            "CANCELED" => OfferStatus::Canceled,
            _ => OfferStatus::Active,
        },
        unreadable: if o.period == 0 {
            vec!["period".to_owned()]
        } else {
            Vec::new()
        },
    }
}

/// One page of `auth/r/funding/offers/{sym}/hist` (`start`, `end`, `limit`): closed offers
/// updated in the window, newest first (a stable sort, as the server's), at most `limit`.
fn hist_page<'a>(
    w: &'a World,
    account: u64,
    symbol: &str,
    start: i64,
    end: Option<i64>,
    limit: usize,
) -> Vec<&'a world::Offer> {
    let mut rows: Vec<&world::Offer> = w.accounts[&account]
        .offer_hist
        .iter()
        .filter(|o| o.symbol == symbol && o.updated >= start && end.is_none_or(|e| o.updated <= e))
        .collect();
    rows.sort_by_key(|o| std::cmp::Reverse(o.updated));
    rows.truncate(limit);
    rows
}

impl Exchange for SimExchange {
    async fn funding_wallets(&self) -> Result<Vec<FundingWallet>, ExchangeError> {
        self.call();
        Ok(self.sim.with_world(|w| {
            w.accounts[&self.account]
                .wallets
                .iter()
                .filter(|((t, _), _)| t == "funding")
                .map(|((t, c), bal)| FundingWallet {
                    currency: c.clone(),
                    balance: wire(*bal),
                    available: Some(wire(w.available(self.account, t, c))),
                })
                .collect()
        }))
    }

    async fn active_offers(&self) -> Result<Vec<ExchangeOffer>, ExchangeError> {
        self.call();
        Ok(self.sim.with_world(|w| {
            w.markets
                .values()
                .flat_map(|m| {
                    m.offers
                        .iter()
                        .filter(|o| o.account == Some(self.account))
                        .map(offer)
                })
                .collect()
        }))
    }

    async fn offer_history(
        &self,
        currency: &str,
        since_mts: i64,
    ) -> Result<Vec<ExchangeOffer>, ExchangeError> {
        let symbol = format!("f{currency}");
        seg(&symbol)?;
        let page_max = bfx::OFFERS_HIST_PAGE_MAX as usize;
        // `bfx::Client::funding_offers_hist_between`: pages walked backwards from now.
        let mut out: Vec<(i64, ExchangeOffer)> = Vec::new();
        let mut seen = HashSet::new();
        let mut end = None;
        loop {
            self.call();
            let rows: Vec<(i64, ExchangeOffer)> = self.sim.with_world(|w| {
                hist_page(w, self.account, &symbol, since_mts, end, page_max)
                    .into_iter()
                    .map(|o| (o.updated, offer(o)))
                    .collect()
            });
            let full = rows.len() >= page_max;
            let Some(oldest) = rows.iter().map(|r| r.0).min() else {
                break;
            };
            let before = out.len();
            out.extend(rows.into_iter().filter(|r| seen.insert(r.1.id)));
            if !full {
                break;
            }
            let next_end = if out.len() > before {
                oldest
            } else {
                oldest - 1
            };
            if next_end < since_mts {
                break;
            }
            end = Some(next_end);
        }
        out.sort_by_key(|r| (r.0, r.1.id));
        Ok(out.into_iter().map(|r| r.1).collect())
    }

    async fn credits(&self) -> Result<Vec<CurrencyCredit>, ExchangeError> {
        self.call();
        Ok(self.sim.with_world(|w| {
            w.markets
                .values()
                .flat_map(|m| m.credits.iter().filter(|c| c.account == self.account))
                .map(|c| CurrencyCredit {
                    currency: currency(&c.symbol),
                    credit: Credit {
                        id: c.id,
                        amount: wire(c.amount),
                        rate: wire(c.rate),
                        period: c.period,
                        opened_mts: c.opened,
                    },
                })
                .collect()
        }))
    }

    async fn market(&self, cur: &str) -> Result<MarketSnapshot, ExchangeError> {
        let symbol = format!("f{cur}");
        seg(&symbol)?;
        // `book/{sym}/R0?len=100`, then `ticker/{sym}`: nothing moves between the two (the
        // clock only moves when the backtest moves it), so both are read under one lock.
        self.call();
        let read = self.sim.with_world(|w| {
            let m = w.markets.get(&symbol)?;
            let frr = m.frr;
            let eff = |o: &world::Offer| {
                if o.kind == world::OfferKind::FrrDeltaVar {
                    frr + o.rate
                } else {
                    o.rate
                }
            };
            let mut asks: Vec<(Decimal, &world::Offer)> = m
                .offers
                .iter()
                .filter(|o| !o.hidden)
                .map(|o| (eff(o), o))
                .collect();
            asks.sort_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(a.1.created.cmp(&b.1.created))
                    .then(a.1.id.cmp(&b.1.id))
            });
            let asks: Vec<BookOffer> = asks
                .iter()
                .take(BOOK_LEN)
                .map(|(rate, o)| BookOffer {
                    id: o.id,
                    rate: wire(*rate),
                    period: o.period,
                    amount: wire(o.amount),
                })
                .filter(|b| b.amount > Decimal::ZERO)
                .collect();
            let last = ticker_last(w, m);
            let line = w.frr_amount_available(&symbol).map(wire);
            Some((asks, wire(m.frr), wire(last), line))
        });
        let Some((asks, frr, last, frr_line)) = read else {
            return Err(bad_symbol());
        };
        self.call();
        let usd_price = match cur {
            "USD" | "UST" => Decimal::ONE,
            other => {
                seg(&format!("t{other}USD"))?;
                self.call();
                self.sim
                    .with_world(|w| w.usd_prices.get(other).copied())
                    .map(wire)
                    .ok_or_else(bad_symbol)?
            }
        };
        Ok(MarketSnapshot {
            frr: (frr > Decimal::ZERO).then_some(frr),
            asks,
            usd_price,
            last_rate: (last > Decimal::ZERO).then_some(last),
            frr_line,
        })
    }

    async fn last_rates(
        &self,
        currencies: &[String],
    ) -> Result<Vec<(String, Decimal)>, ExchangeError> {
        // `tickers?symbols=…`: one call; the last price as the ticker gives it (the latest
        // trade of the last day, else the market's level).
        for c in currencies {
            seg(&format!("f{c}"))?;
        }
        self.call();
        Ok(self.sim.with_world(|w| {
            currencies
                .iter()
                .filter_map(|c| {
                    let last = ticker_last(w, w.markets.get(&format!("f{c}"))?);
                    (last > Decimal::ZERO).then(|| (c.clone(), wire(last)))
                })
                .collect()
        }))
    }

    async fn public_trades(
        &self,
        cur: &str,
        since_mts: i64,
    ) -> Result<Vec<PublicPrint>, ExchangeError> {
        let symbol = format!("f{cur}");
        seg(&symbol)?;
        // `trades/{sym}/hist?start&sort=1&limit=1000`, as `BfxExchange` asks.
        self.call();
        self.sim
            .with_world(|w| {
                let m = w.markets.get(&symbol)?;
                let mut rows: Vec<PublicPrint> = m
                    .trades
                    .iter()
                    .filter(|t| t.mts >= since_mts)
                    .map(|t| PublicPrint {
                        mts: t.mts,
                        amount: wire(t.amount.abs()),
                        rate: wire(t.rate),
                        period: t.period,
                    })
                    .collect();
                // The oldest 1 000 from `since_mts` (as Bitfinex and bfx-sim's HTTP path page
                // with `sort=1`).
                rows.sort_by_key(|t| t.mts);
                rows.truncate(1_000);
                Some(rows)
            })
            .ok_or_else(bad_symbol)
    }

    async fn submit_offer(
        &self,
        cur: &str,
        d: &DesiredOffer,
    ) -> Result<ExchangeOffer, ExchangeError> {
        let symbol = format!("f{cur}");
        // The client's checks before sending.
        let new = bfx::NewOffer {
            offer_type: match d.kind {
                OfferKind::Limit => bfx::OfferType::Limit,
                OfferKind::FrrDeltaVar => bfx::OfferType::FrrDeltaVar,
            },
            symbol: symbol.clone(),
            amount: d.amount,
            rate: d.rate,
            period: d.period,
            hidden: d.hidden,
        };
        new.validate().map_err(|e| match e {
            bfx::Error::Refused(m) => ExchangeError::Rejected(m),
            e => ExchangeError::Rejected(e.to_string()),
        })?;
        self.call();
        // Amount and rate travel as strings and are parsed back by the server.
        let (Ok(amount), Ok(rate)) = (
            Decimal::from_str(&d.amount.to_string()),
            Decimal::from_str(&d.rate.to_string()),
        ) else {
            return Err(classify(Some(10020), "Invalid offer: missing fields"));
        };
        let kind = match d.kind {
            OfferKind::Limit => world::OfferKind::Limit,
            OfferKind::FrrDeltaVar => world::OfferKind::FrrDeltaVar,
        };
        self.sim
            .with_world(|w| {
                w.submit_offer(
                    self.account,
                    &symbol,
                    kind,
                    amount,
                    rate,
                    d.period,
                    d.hidden,
                )
            })
            .map(|o| offer(&o))
            .map_err(|r| refused(&r))
    }

    async fn cancel_offer(&self, id: i64) -> Result<(), ExchangeError> {
        self.call();
        self.sim
            .with_world(|w| w.cancel_offer(self.account, id))
            .map(drop)
            .map_err(|r| refused(&r))
    }
}

/// The ticker's last price: the latest trade of the last day, else the market's level
/// (`server::ticker_row`, which keeps the day's trades in order).
fn ticker_last(w: &bfx_sim::World, m: &world::Market) -> Decimal {
    let since = w.now - world::DAY_MS;
    m.trades
        .iter()
        .rev()
        .find(|t| t.mts >= since)
        .map_or(m.market_rate, |t| t.rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_from_the_wire_are_the_normalized_ones() {
        for s in [
            "0",
            "-0",
            "0.00",
            "10000",
            "10000.000",
            "150.0",
            "0.00020000",
            "0.0000000100",
            "123.45600",
            "0.1234567890123456789012345678",
            "-3.50",
            "79228162514264337593543950335",
        ] {
            let d = Decimal::from_str(s).unwrap();
            // What the server writes (`num`) and the client reads (`bfx::wire::decimal`).
            let v: serde_json::Value = serde_json::from_str(&d.normalize().to_string()).unwrap();
            let back = Decimal::from_str(&v.to_string()).unwrap();
            assert_eq!(back.to_string(), wire(d).to_string(), "{s}");
            assert_eq!(back.scale(), wire(d).scale(), "{s}");
        }
    }

    #[test]
    fn refusals_map_like_the_http_client() {
        assert_eq!(
            refused(&Refusal::NotEnoughBalance),
            ExchangeError::Rejected("Invalid offer: not enough balance".into())
        );
        assert_eq!(
            refused(&Refusal::Symbol),
            ExchangeError::Rejected("symbol: invalid".into())
        );
        assert_eq!(
            refused(&Refusal::OfferNotFound),
            ExchangeError::Rejected("Offer not found.".into())
        );
    }
}
