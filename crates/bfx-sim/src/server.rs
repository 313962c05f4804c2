//! The HTTP side: Bitfinex's REST v2 paths, layouts, envelopes and error bodies, plus the
//! admin API under `/admin/`.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use rand::Rng;
use rust_decimal::prelude::*;
use serde_json::{Map, Value, json};
use sha2::Sha384;

use crate::Shared;
use crate::clock::ClockMode;
use crate::faults::{Fault, RateLimitForm};
use crate::world::{self, AutoRenew, Credit, Offer, OfferKind, Refusal, World, currency_of};

type Reply = (StatusCode, Value);

fn ok(v: Value) -> Reply {
    (StatusCode::OK, v)
}

fn err(code: Option<i64>, msg: &str) -> Reply {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        json!(["error", code, msg]),
    )
}

fn refused(r: &Refusal) -> Reply {
    match r {
        Refusal::Symbol | Refusal::Wallet => err(Some(10020), &r.to_string()),
        _ => err(Some(10001), &r.to_string()),
    }
}

fn num(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

fn offer_row(o: &Offer) -> Value {
    json!([
        o.id,
        o.symbol,
        o.created,
        o.updated,
        num(o.amount),
        num(o.amount_orig),
        o.kind.as_str(),
        null,
        null,
        if o.hidden { 64 } else { 0 },
        o.status,
        null,
        null,
        null,
        num(o.rate),
        o.period,
        0,
        if o.hidden { 1 } else { 0 },
        null,
        if o.renew { 1 } else { 0 },
        null
    ])
}

fn credit_row(c: &Credit, with_pair: bool) -> Value {
    let mut row = json!([
        c.id,
        c.symbol,
        1,
        c.opened,
        c.opened.max(c.last_payout),
        num(c.amount),
        0,
        if c.closed.is_some() {
            "CLOSED"
        } else {
            "ACTIVE"
        },
        "FIXED",
        null,
        null,
        num(c.rate),
        c.period,
        c.opened,
        c.last_payout,
        0,
        0,
        null,
        0,
        null,
        0
    ]);
    if with_pair {
        row.as_array_mut().expect("array").push(json!("tBTCUSD"));
    }
    row
}

fn notification(now: i64, kind: &str, data: Value, text: &str) -> Value {
    json!([now, kind, null, null, data, null, "SUCCESS", text])
}

/// A body field as a decimal (numbers and numeric strings both accepted).
fn dec_field(b: &Map<String, Value>, k: &str) -> Option<Decimal> {
    match b.get(k)? {
        Value::Number(n) => {
            let t = n.to_string();
            Decimal::from_str(&t)
                .or_else(|_| Decimal::from_scientific(&t))
                .ok()
        }
        Value::String(s) => Decimal::from_str(s)
            .or_else(|_| Decimal::from_scientific(s))
            .ok(),
        _ => None,
    }
}

fn int_field(b: &Map<String, Value>, k: &str) -> Option<i64> {
    match b.get(k)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.parse().ok(),
        Value::Bool(v) => Some(i64::from(*v)),
        _ => None,
    }
}

fn str_field<'a>(b: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    b.get(k)?.as_str()
}

/// Bitfinex's history windowing: rows with `start ≤ mts ≤ end`, newest first, or oldest first
/// with `sort=1`; at most `limit` (default `default_limit`, largest `max`, above it error
/// 10020). With `sort=1` the page is the *oldest* `limit` rows of the window, so a client
/// pages forwards by moving `start` past the last row, as on Bitfinex.
/// Largest `limit` of the authenticated history endpoints (documented for ledgers: 2500).
const AUTH_PAGE_MAX: i64 = 2500;
/// Largest `limit` of public trades and candles (Bitfinex's docs: "max 10000").
const PUBLIC_PAGE_MAX: i64 = 10_000;
/// Largest `limit` of funding statistics (250: a community client's note, unverified).
const STATS_PAGE_MAX: i64 = 250;

fn window<T>(
    rows: Vec<T>,
    mts: impl Fn(&T) -> i64,
    b: &Map<String, Value>,
    default_limit: usize,
    max: i64,
) -> Result<Vec<T>, Reply> {
    let start = int_field(b, "start");
    let end = int_field(b, "end");
    let limit = match int_field(b, "limit") {
        Some(l) if !(1..=max).contains(&l) => return Err(err(Some(10020), "limit: invalid")),
        Some(l) => l as usize,
        None => default_limit,
    };
    let mut rows: Vec<T> = rows
        .into_iter()
        .filter(|r| start.is_none_or(|s| mts(r) >= s) && end.is_none_or(|e| mts(r) <= e))
        .collect();
    if int_field(b, "sort") == Some(1) {
        rows.sort_by_key(&mts);
    } else {
        rows.sort_by_key(|r| std::cmp::Reverse(mts(r)));
    }
    rows.truncate(limit);
    Ok(rows)
}

/// Which permission an authenticated endpoint needs: `(scope, write)`; `None` = any valid key.
fn needs(endpoint: &str) -> Option<(&'static str, bool)> {
    if endpoint == "auth/r/permissions" {
        None
    } else if endpoint == "auth/r/wallets" {
        Some(("wallets", false))
    } else if endpoint == "auth/w/transfer" {
        Some(("wallets", true))
    } else if endpoint == "auth/r/info/user" {
        Some(("account", false))
    } else if endpoint.starts_with("auth/r/ledgers")
        || (endpoint.starts_with("auth/r/funding/trades"))
    {
        Some(("history", false))
    } else if endpoint.starts_with("auth/w/funding") {
        Some(("funding", true))
    } else {
        Some(("funding", false))
    }
}

fn check_auth(
    world: &mut World,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(u64, String), Reply> {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let (Some(nonce), Some(key), Some(sig)) = (h("bfx-nonce"), h("bfx-apikey"), h("bfx-signature"))
    else {
        return Err(err(Some(10100), "apikey: invalid"));
    };
    let Some(k) = world.keys.get_mut(key).filter(|k| !k.revoked) else {
        return Err(err(Some(10100), "apikey: invalid"));
    };
    let mut mac = Hmac::<Sha384>::new_from_slice(k.secret.as_bytes()).expect("any key length");
    mac.update(format!("/api{path}{nonce}").as_bytes());
    mac.update(body);
    if hex::encode(mac.finalize().into_bytes()) != sig.to_ascii_lowercase() {
        return Err(err(Some(10100), "apikey: digest invalid"));
    }
    let n: u64 = nonce
        .parse()
        .map_err(|_| err(Some(10114), "nonce: small"))?;
    if n <= k.last_nonce {
        return Err(err(Some(10114), "nonce: small"));
    }
    k.last_nonce = n;
    let endpoint = path.trim_start_matches("/v2/");
    if let Some((scope, write)) = needs(endpoint)
        && !k.allows(scope, write)
    {
        return Err(err(Some(10001), "api_key: permission invalid"));
    }
    Ok((k.account, k.key.clone()))
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(err(Some(10020), "symbol: invalid")),
    }
}

/// `auth/...` endpoints (the key is valid and allowed).
fn auth_endpoint(
    w: &mut World,
    account: u64,
    key: &str,
    endpoint: &str,
    b: &Map<String, Value>,
) -> Reply {
    let now = w.now;
    let parts: Vec<&str> = endpoint.split('/').collect();
    let sym_in = |i: usize| {
        parts
            .get(i)
            .copied()
            .filter(|s| s.starts_with('f') && *s != "hist")
    };
    match parts.as_slice() {
        ["auth", "r", "permissions"] => ok(Value::Array(
            w.keys[key]
                .permissions
                .iter()
                .map(|(s, r, wr)| json!([s, i32::from(*r), i32::from(*wr)]))
                .collect(),
        )),
        ["auth", "r", "wallets"] => {
            let rows: Vec<Value> = w.accounts[&account]
                .wallets
                .iter()
                .map(|((t, c), bal)| {
                    json!([
                        t,
                        c,
                        num(*bal),
                        0,
                        num(w.available(account, t, c)),
                        null,
                        null
                    ])
                })
                .collect();
            ok(Value::Array(rows))
        }
        ["auth", "r", "info", "user"] => ok(json!([
            account,
            format!("user{account}@bfx-sim.local"),
            format!("user{account}"),
            1_600_000_000_000i64,
            1,
            2,
            null,
            "UTC",
            "en_US",
            null,
            1
        ])),
        ["auth", "r", "funding", "offers", rest @ ..] => {
            let hist = rest.last() == Some(&"hist");
            let sym = sym_in(4);
            if hist {
                let rows: Vec<Offer> = w.accounts[&account]
                    .offer_hist
                    .iter()
                    .filter(|o| sym.is_none_or(|s| o.symbol == s))
                    .cloned()
                    .collect();
                match window(rows, |o| o.updated, b, 25, AUTH_PAGE_MAX) {
                    Ok(r) => ok(Value::Array(r.iter().map(offer_row).collect())),
                    Err(e) => e,
                }
            } else {
                if sym.is_some_and(|s| !w.markets.contains_key(s)) {
                    return err(Some(10020), "symbol: invalid");
                }
                let rows: Vec<Value> = w
                    .markets
                    .values()
                    .filter(|m| sym.is_none_or(|s| m.symbol == s))
                    .flat_map(|m| {
                        m.offers
                            .iter()
                            .filter(|o| o.account == Some(account))
                            .map(offer_row)
                    })
                    .collect();
                ok(Value::Array(rows))
            }
        }
        [
            "auth",
            "r",
            "funding",
            which @ ("credits" | "loans"),
            rest @ ..,
        ] => {
            let hist = rest.last() == Some(&"hist");
            let sym = sym_in(4);
            let credits = *which == "credits";
            if !credits {
                return ok(json!([])); // every fill is a credit here; no unused loans are simulated
            }
            if hist {
                let rows: Vec<Credit> = w.accounts[&account]
                    .credit_hist
                    .iter()
                    .filter(|c| sym.is_none_or(|s| c.symbol == s))
                    .cloned()
                    .collect();
                match window(rows, |c| c.closed.unwrap_or(c.opened), b, 25, AUTH_PAGE_MAX) {
                    Ok(r) => ok(Value::Array(
                        r.iter().map(|c| credit_row(c, true)).collect(),
                    )),
                    Err(e) => e,
                }
            } else {
                let rows: Vec<Value> = w
                    .markets
                    .values()
                    .filter(|m| sym.is_none_or(|s| m.symbol == s))
                    .flat_map(|m| {
                        m.credits
                            .iter()
                            .filter(|c| c.account == account)
                            .map(|c| credit_row(c, true))
                    })
                    .collect();
                ok(Value::Array(rows))
            }
        }
        ["auth", "r", "funding", "trades", ..] => {
            let sym = sym_in(4);
            let rows: Vec<world::OwnTrade> = w.accounts[&account]
                .trades
                .iter()
                .filter(|t| sym.is_none_or(|s| t.symbol == s))
                .cloned()
                .collect();
            match window(rows, |t| t.mts, b, 25, AUTH_PAGE_MAX) {
                Ok(r) => ok(Value::Array(
                    r.iter()
                        .map(|t| {
                            json!([
                                t.id,
                                t.symbol,
                                t.mts,
                                t.offer_id,
                                num(t.amount),
                                num(t.rate),
                                t.period,
                                1
                            ])
                        })
                        .collect(),
                )),
                Err(e) => e,
            }
        }
        ["auth", "r", "info", "funding", sym] => {
            let Some(m) = w.markets.get(*sym) else {
                return err(Some(10020), "symbol: invalid");
            };
            let mine: Vec<&Credit> = m.credits.iter().filter(|c| c.account == account).collect();
            let amt: Decimal = mine.iter().map(|c| c.amount).sum();
            let (y, dur) = if amt.is_zero() {
                (Decimal::ZERO, Decimal::ZERO)
            } else {
                (
                    mine.iter().map(|c| c.amount * c.rate).sum::<Decimal>() / amt,
                    mine.iter()
                        .map(|c| c.amount * Decimal::from(c.period))
                        .sum::<Decimal>()
                        / amt,
                )
            };
            ok(json!([
                "sym",
                sym,
                [0, num(y.round_dp(8)), 0, num(dur.round_dp(2))]
            ]))
        }
        ["auth", "r", "ledgers", rest @ ..] => {
            let cur = rest.first().copied().filter(|c| *c != "hist");
            let category = int_field(b, "category");
            let rows: Vec<world::LedgerRow> = w.accounts[&account]
                .ledger
                .iter()
                .filter(|l| {
                    cur.is_none_or(|c| l.currency == c) && category.is_none_or(|k| l.category == k)
                })
                .cloned()
                .collect();
            match window(rows, |l| l.mts, b, 25, AUTH_PAGE_MAX) {
                Ok(r) => ok(Value::Array(
                    r.iter()
                        .map(|l| {
                            json!([
                                l.id,
                                l.currency,
                                l.wallet,
                                l.mts,
                                null,
                                num(l.amount),
                                num(l.balance),
                                null,
                                l.description
                            ])
                        })
                        .collect(),
                )),
                Err(e) => e,
            }
        }
        ["auth", "r", "funding", "auto", "status"] => {
            let cur = str_field(b, "currency").unwrap_or("USD");
            match w.accounts[&account].auto_renew.get(cur) {
                Some(a) => ok(json!([cur, a.period, num(a.rate), num(a.threshold)])),
                None => ok(Value::Null),
            }
        }
        ["auth", "w", "funding", "offer", "submit"] => {
            let kind = match str_field(b, "type").unwrap_or("LIMIT") {
                "LIMIT" => OfferKind::Limit,
                "FRRDELTAVAR" => OfferKind::FrrDeltaVar,
                "FRRDELTAFIX" => OfferKind::FrrDeltaFix,
                _ => return err(Some(10020), "type: invalid"),
            };
            let (Some(symbol), Some(amount), Some(rate), Some(period)) = (
                str_field(b, "symbol"),
                dec_field(b, "amount"),
                dec_field(b, "rate"),
                int_field(b, "period"),
            ) else {
                return err(Some(10020), "Invalid offer: missing fields");
            };
            let hidden = int_field(b, "flags").is_some_and(|f| f & 64 != 0);
            let period = u32::try_from(period).unwrap_or(0);
            match w.submit_offer(account, symbol, kind, amount, rate, period, hidden) {
                Ok(o) => ok(notification(
                    now,
                    "fon-req",
                    offer_row(&o),
                    &format!(
                        "Submitting funding offer of {} {} at {} for {} days.",
                        amount,
                        currency_of(symbol),
                        rate,
                        period
                    ),
                )),
                Err(r) => refused(&r),
            }
        }
        ["auth", "w", "funding", "offer", "cancel"] => {
            let Some(id) = int_field(b, "id") else {
                return err(Some(10020), "id: invalid");
            };
            match w.cancel_offer(account, id) {
                Ok(o) => ok(notification(
                    now,
                    "foc-req",
                    offer_row(&o),
                    &format!("Submitted for cancellation; waiting for confirmation (ID: {id})."),
                )),
                Err(r) => refused(&r),
            }
        }
        ["auth", "w", "funding", "offer", "cancel", "all"] => {
            let Some(cur) = str_field(b, "currency") else {
                return err(Some(10020), "currency: invalid");
            };
            let n = w.cancel_all(account, cur);
            ok(json!([
                now,
                "foc_all-req",
                null,
                null,
                null,
                null,
                "SUCCESS",
                format!("{n} funding offers submitted for cancellation")
            ]))
        }
        ["auth", "w", "funding", "close"] => {
            let Some(id) = int_field(b, "id") else {
                return err(Some(10020), "id: invalid");
            };
            match w.close_credit(account, id) {
                Ok(()) => ok(json!([
                    now,
                    "fcl-req",
                    null,
                    null,
                    null,
                    null,
                    "SUCCESS",
                    "Funding closed"
                ])),
                Err(r) => refused(&r),
            }
        }
        ["auth", "w", "funding", "auto"] => {
            let Some(cur) = str_field(b, "currency") else {
                return err(Some(10020), "currency: invalid");
            };
            let on = int_field(b, "status").unwrap_or(0) == 1;
            let cfg = on.then(|| AutoRenew {
                period: int_field(b, "period")
                    .and_then(|p| u32::try_from(p).ok())
                    .unwrap_or(2),
                rate: dec_field(b, "rate").unwrap_or_default(),
                threshold: dec_field(b, "amount").unwrap_or_default(),
            });
            if let Some(c) = &cfg
                && !(2..=120).contains(&c.period)
            {
                return refused(&Refusal::Period);
            }
            let data = cfg.as_ref().map_or(Value::Null, |c| {
                json!([cur, c.period, num(c.rate), num(c.threshold)])
            });
            match w.set_auto_renew(account, cur, cfg) {
                Ok(()) => ok(notification(
                    now,
                    "fa-req",
                    data,
                    if on {
                        "Auto-renew activated"
                    } else {
                        "Auto-renew deactivated"
                    },
                )),
                Err(r) => refused(&r),
            }
        }
        ["auth", "w", "transfer"] => {
            if b.contains_key("email_dst") || b.contains_key("user_id_dst") {
                return err(Some(10001), "Transfers to other users are not simulated");
            }
            let (Some(from), Some(to), Some(cur), Some(amount)) = (
                str_field(b, "from"),
                str_field(b, "to"),
                str_field(b, "currency"),
                dec_field(b, "amount"),
            ) else {
                return err(Some(10020), "Invalid transfer: missing fields");
            };
            match w.transfer(account, from, to, cur, amount) {
                Ok(()) => ok(notification(
                    now,
                    "acc_tf",
                    json!([now, from, to, null, cur, null, null, num(amount)]),
                    &format!("{amount} {cur} transfered from {from} to {to}"),
                )),
                Err(r) => refused(&r),
            }
        }
        _ => (
            StatusCode::NOT_FOUND,
            json!(["error", 10020, "request: invalid"]),
        ),
    }
}

fn query_map(uri: &Uri) -> Map<String, Value> {
    let mut m = Map::new();
    for pair in uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = v.replace("%2C", ",").replace("%2c", ",");
        m.insert(k.to_owned(), Value::String(v));
    }
    m
}

fn ticker_row(w: &World, sym: &str) -> Option<Vec<Value>> {
    let m = w.markets.get(sym)?;
    let visible: Vec<&Offer> = m
        .offers
        .iter()
        .filter(|o| !o.hidden && o.kind == OfferKind::Limit)
        .collect();
    let best = visible.iter().min_by_key(|o| (o.rate, o.created));
    let ask = best.map_or(m.market_rate, |o| o.rate);
    let ask_period = best.map_or(2, |o| o.period);
    let ask_size: Decimal = visible
        .iter()
        .filter(|o| o.rate == ask)
        .map(|o| o.amount)
        .sum();
    let day: Vec<&world::PublicTrade> = m
        .trades
        .iter()
        .filter(|t| t.mts >= w.now - world::DAY_MS)
        .collect();
    let last = day.last().map_or(m.market_rate, |t| t.rate);
    let first = day.first().map_or(last, |t| t.rate);
    let high = day.iter().map(|t| t.rate).max().unwrap_or(last);
    let low = day.iter().map(|t| t.rate).min().unwrap_or(last);
    let volume: Decimal = day.iter().map(|t| t.amount.abs()).sum();
    let bid = (m.market_rate * Decimal::new(99, 2)).round_dp(8);
    let frr_avail = w.frr_amount_available(sym).unwrap_or_default();
    let change = last - first;
    let rel = if first.is_zero() {
        Decimal::ZERO
    } else {
        (change / first).round_dp(4)
    };
    Some(vec![
        num(m.frr),
        num(bid),
        json!(30),
        num(Decimal::from(250_000)),
        num(ask),
        json!(ask_period),
        num(ask_size),
        num(change),
        num(rel),
        num(last),
        num(volume),
        num(high),
        num(low),
        Value::Null,
        Value::Null,
        num(frr_avail),
    ])
}

fn round_sig(x: Decimal, sig: u32) -> Decimal {
    if x.is_zero() {
        return x;
    }
    let digits = x.abs().log10().floor().to_i64().unwrap_or(0);
    let dp = (i64::from(sig) - 1 - digits).clamp(0, 28) as u32;
    x.round_dp(dp)
}

fn candles(w: &World, key: &str, section: &str, q: &Map<String, Value>) -> Reply {
    // trade:{TF}:{fSYM}:a30:p2:p30  or  trade:{TF}:{fSYM}:p{N}
    let parts: Vec<&str> = key.split(':').collect();
    let tf_ms = |tf: &str| -> Option<i64> {
        Some(match tf {
            "1m" => 60_000,
            "5m" => 300_000,
            "15m" => 900_000,
            "30m" => 1_800_000,
            "1h" => 3_600_000,
            "3h" => 10_800_000,
            "6h" => 21_600_000,
            "12h" => 43_200_000,
            "1D" => 86_400_000,
            _ => return None,
        })
    };
    let (Some(&"trade"), Some(tf), Some(sym)) = (
        parts.first(),
        parts.get(1).and_then(|t| tf_ms(t)),
        parts.get(2),
    ) else {
        return err(Some(10020), "key: invalid");
    };
    let Some(m) = w.markets.get(*sym) else {
        return err(Some(10020), "symbol: invalid");
    };
    let range: (u32, u32) = match &parts[3..] {
        [p] if p.starts_with('p') => match p[1..].parse() {
            Ok(n) => (n, n),
            Err(_) => return err(Some(10020), "key: invalid"),
        },
        [a, p1, p2] if a.starts_with('a') && p1.starts_with('p') && p2.starts_with('p') => {
            match (p1[1..].parse(), p2[1..].parse()) {
                (Ok(x), Ok(y)) => (x, y),
                _ => return err(Some(10020), "key: invalid"),
            }
        }
        _ => return err(Some(10020), "key: invalid"),
    };
    let mut buckets: std::collections::BTreeMap<i64, [Decimal; 5]> =
        std::collections::BTreeMap::new();
    for t in m
        .trades
        .iter()
        .filter(|t| t.period >= range.0 && t.period <= range.1)
    {
        let b = t.mts - t.mts.rem_euclid(tf);
        let e = buckets
            .entry(b)
            .or_insert([t.rate, t.rate, t.rate, t.rate, Decimal::ZERO]);
        e[1] = t.rate; // close
        e[2] = e[2].max(t.rate);
        e[3] = e[3].min(t.rate);
        e[4] += t.amount.abs();
    }
    let rows: Vec<(i64, [Decimal; 5])> = buckets.into_iter().collect();
    let rows = match window(rows, |r| r.0, q, 100, PUBLIC_PAGE_MAX) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let to_row = |(mts, c): &(i64, [Decimal; 5])| {
        json!([
            mts,
            num(c[0]),
            num(c[1]),
            num(c[2]),
            num(c[3]),
            num(c[4].round_dp(8))
        ])
    };
    if section == "last" {
        return ok(rows.first().map_or(json!([]), to_row));
    }
    ok(Value::Array(rows.iter().map(to_row).collect()))
}

fn public_endpoint(w: &World, endpoint: &str, uri: &Uri, maintenance: bool) -> Reply {
    let q = query_map(uri);
    let parts: Vec<&str> = endpoint.split('/').collect();
    let bad_symbol = || err(Some(10020), "symbol: invalid");
    match parts.as_slice() {
        ["platform", "status"] => ok(json!([if maintenance { 0 } else { 1 }])),
        ["ticker", pair] if pair.starts_with('t') && pair.ends_with("USD") => {
            // Trading ticker, for USD prices: [BID, BID_SIZE, ASK, ASK_SIZE, CHG, CHG_REL, LAST, VOL, HIGH, LOW].
            let Some(p) = w.usd_prices.get(&pair[1..pair.len() - 3]) else {
                return bad_symbol();
            };
            ok(json!([
                num(*p),
                1,
                num(*p),
                1,
                0,
                0,
                num(*p),
                1000,
                num(*p),
                num(*p)
            ]))
        }
        ["ticker", sym] => ticker_row(w, sym).map_or_else(bad_symbol, |r| ok(Value::Array(r))),
        ["tickers"] => {
            let syms = q.get("symbols").and_then(Value::as_str).unwrap_or("");
            let rows: Vec<Value> = syms
                .split(',')
                .filter_map(|s| {
                    let mut r = ticker_row(w, s)?;
                    r.insert(0, json!(s));
                    Some(Value::Array(r))
                })
                .collect();
            ok(Value::Array(rows))
        }
        ["book", sym, prec] => {
            let Some(m) = w.markets.get(*sym) else {
                return bad_symbol();
            };
            let len: usize = q
                .get("len")
                .and_then(Value::as_str)
                .and_then(|l| l.parse().ok())
                .unwrap_or(25);
            let frr = m.frr;
            let mut asks: Vec<&Offer> = m.offers.iter().filter(|o| !o.hidden).collect();
            let eff = |o: &Offer| {
                if o.kind == OfferKind::FrrDeltaVar {
                    frr + o.rate
                } else {
                    o.rate
                }
            };
            asks.sort_by(|a, b| {
                eff(a)
                    .cmp(&eff(b))
                    .then(a.created.cmp(&b.created))
                    .then(a.id.cmp(&b.id))
            });
            let bid_rate = (m.market_rate * Decimal::new(99, 2)).round_dp(8);
            if *prec == "R0" {
                let mut rows: Vec<Value> = asks
                    .iter()
                    .take(len)
                    .map(|o| json!([o.id, o.period, num(eff(o)), num(o.amount)]))
                    .collect();
                for k in 0..len.min(5) {
                    let r = (bid_rate * (Decimal::ONE - Decimal::new(k as i64, 2))).round_dp(8);
                    rows.push(json!([
                        1_000 + k as i64,
                        2,
                        num(r),
                        num(Decimal::from(-50_000))
                    ]));
                }
                return ok(Value::Array(rows));
            }
            let sig = match *prec {
                "P0" => 5,
                "P1" => 4,
                "P2" => 3,
                "P3" => 2,
                "P4" => 1,
                _ => return err(Some(10020), "prec: invalid"),
            };
            let mut levels: Vec<(Decimal, u32, u32, Decimal)> = Vec::new();
            for o in asks {
                let r = round_sig(eff(o), sig);
                match levels.iter_mut().find(|l| l.0 == r && l.1 == o.period) {
                    Some(l) => {
                        l.2 += 1;
                        l.3 += o.amount;
                    }
                    None => levels.push((r, o.period, 1, o.amount)),
                }
            }
            let mut rows: Vec<Value> = levels
                .iter()
                .take(len)
                .map(|l| json!([num(l.0), l.1, l.2, num(l.3)]))
                .collect();
            for k in 0..len.min(5) {
                let r = round_sig(
                    (bid_rate * (Decimal::ONE - Decimal::new(k as i64, 2))).round_dp(8),
                    sig,
                );
                rows.push(json!([num(r), 2, 3, num(Decimal::from(-150_000))]));
            }
            ok(Value::Array(rows))
        }
        ["trades", sym, "hist"] => {
            let Some(m) = w.markets.get(*sym) else {
                return bad_symbol();
            };
            let mut q2 = q.clone();
            if !q2.contains_key("limit") {
                q2.insert("limit".into(), json!(125));
            }
            match window(m.trades.clone(), |t| t.mts, &q2, 125, PUBLIC_PAGE_MAX) {
                Ok(r) => ok(Value::Array(
                    r.iter()
                        .map(|t| json!([t.id, t.mts, num(t.amount), num(t.rate), t.period]))
                        .collect(),
                )),
                Err(e) => e,
            }
        }
        ["candles", key, section] => candles(w, key, section, &q),
        ["funding", "stats", sym, "hist"] => {
            let Some(m) = w.markets.get(*sym) else {
                return bad_symbol();
            };
            match window(m.stats.clone(), |s| s.0, &q, 250, STATS_PAGE_MAX) {
                Ok(r) => ok(Value::Array(
                    r.iter()
                        .map(|s| {
                            json!([
                                s.0,
                                null,
                                null,
                                num((s.1 / Decimal::from(365)).round_dp(10)),
                                num(s.2),
                                null,
                                null,
                                num(s.3.round_dp(2)),
                                num(s.4.round_dp(2)),
                                null,
                                null,
                                0
                            ])
                        })
                        .collect(),
                )),
                Err(e) => e,
            }
        }
        _ => (
            StatusCode::NOT_FOUND,
            json!(["error", 10020, "request: invalid"]),
        ),
    }
}

fn rate_limit_reply(form: RateLimitForm) -> Reply {
    match form {
        RateLimitForm::Code11010 => err(Some(11010), "ratelimit: error"),
        RateLimitForm::Object => (StatusCode::OK, json!({"error": "ERR_RATE_LIMIT"})),
        RateLimitForm::NullCode => err(None, "ERR_RATE_LIMIT"),
        RateLimitForm::Http429 => (
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "ERR_RATE_LIMIT"}),
        ),
    }
}

fn respond((status, v): Reply) -> Response {
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        v.to_string(),
    )
        .into_response()
}

/// A response whose body fails: the client sees the connection drop mid-answer.
fn dropped() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated drop",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .expect("valid response")
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if let Some(admin) = path.strip_prefix("/admin/") {
        if !peer.ip().is_loopback() {
            return respond((
                StatusCode::FORBIDDEN,
                json!({"error": "admin is loopback only"}),
            ));
        }
        return respond(crate::admin::handle(&shared, &method, admin, &body));
    }
    let Some(endpoint) = path.strip_prefix("/v2/").map(str::to_owned) else {
        return respond((
            StatusCode::NOT_FOUND,
            json!(["error", 10020, "request: invalid"]),
        ));
    };
    shared
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let decision = {
        let roll = shared.fault_rng.lock().random::<f64>();
        shared.faults.lock().decide(&endpoint, roll)
    };
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if decision.timeout {
        tokio::time::sleep(Duration::from_secs(300)).await;
        return respond(err(Some(10000), "timeout"));
    }
    if decision.drop {
        return dropped();
    }
    if let Some(form) = decision.rate_limited {
        return respond(rate_limit_reply(form));
    }
    let is_auth = endpoint.starts_with("auth/");
    if decision.maintenance && endpoint != "platform/status" {
        return respond(err(Some(20060), "maintenance"));
    }
    if decision.error {
        return respond(err(Some(10000), "simulated failure"));
    }
    if let Some(body) = decision.body {
        return respond((StatusCode::OK, body));
    }
    let now = shared.clock.lock().now();
    let reply = {
        let mut w = shared.world.lock();
        w.advance_to(now);
        if is_auth {
            if method != Method::POST {
                (
                    StatusCode::NOT_FOUND,
                    json!(["error", 10020, "request: invalid"]),
                )
            } else {
                match check_auth(&mut w, &path, &headers, &body)
                    .and_then(|(acc, key)| Ok((acc, key, parse_body(&body)?)))
                {
                    Ok((account, key, b)) => auth_endpoint(&mut w, account, &key, &endpoint, &b),
                    Err(e) => e,
                }
            }
        } else {
            public_endpoint(&w, &endpoint, &uri, decision.maintenance)
        }
    };
    if decision.lost_response {
        return dropped();
    }
    let mut reply = reply;
    if let Some(patch) = &decision.patch {
        crate::faults::apply_patch(&mut reply.1, patch);
    }
    respond(reply)
}

/// The router serving Bitfinex's paths and `/admin/`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// Parses a fault from admin JSON.
pub(crate) fn parse_fault(v: &Value) -> Result<Fault, String> {
    serde_json::from_value(v.clone()).map_err(|e| e.to_string())
}

/// Parses a clock mode from admin JSON.
pub(crate) fn parse_mode(v: &Value) -> Option<ClockMode> {
    match v.get("mode")?.as_str()? {
        "manual" => Some(ClockMode::Manual),
        "real" => Some(ClockMode::Real),
        "accelerated" => Some(ClockMode::Accelerated {
            speed: v.get("speed").and_then(Value::as_f64).unwrap_or(60.0),
        }),
        _ => None,
    }
}
