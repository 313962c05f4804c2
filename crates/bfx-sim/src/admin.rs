//! The admin API (`/admin/...`, loopback only): accounts, keys, funds, clock, faults, state.

use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

use crate::Shared;
use crate::server::{parse_fault, parse_mode};

type Reply = (StatusCode, Value);

fn bad(msg: impl Into<String>) -> Reply {
    (StatusCode::BAD_REQUEST, json!({"error": msg.into()}))
}

fn perms(v: &Value) -> Option<Vec<(String, bool, bool)>> {
    v.as_array()?
        .iter()
        .map(|r| {
            let a = r.as_array()?;
            let flag = |x: &Value| x.as_i64().map(|n| n != 0).or_else(|| x.as_bool());
            Some((
                a.first()?.as_str()?.to_owned(),
                flag(a.get(1)?)?,
                flag(a.get(2)?)?,
            ))
        })
        .collect()
}

fn dec(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

pub(crate) fn handle(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Reply {
    let b: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    };
    let now = shared.clock.lock().now();
    shared.world.lock().advance_to(now);
    match (method.as_str(), path) {
        ("POST", "accounts") => {
            let id = shared.world.lock().create_account();
            (StatusCode::OK, json!({"account": id}))
        }
        ("POST", "fund") => {
            let (Some(acc), Some(cur), Some(amount)) = (
                b["account"].as_u64(),
                b["currency"].as_str(),
                dec(&b["amount"]),
            ) else {
                return bad("need account, currency, amount");
            };
            let wallet = b["wallet"].as_str().unwrap_or("funding");
            shared.world.lock().fund(acc, wallet, cur, amount);
            (StatusCode::OK, json!({"ok": true}))
        }
        ("POST", "keys") => {
            let Some(acc) = b["account"].as_u64() else {
                return bad("need account");
            };
            let p = if b["permissions"].is_null() {
                crate::World::lending_permissions()
            } else {
                match perms(&b["permissions"]) {
                    Some(p) => p,
                    None => return bad("permissions: [[scope, read, write], ...]"),
                }
            };
            let mut w = shared.world.lock();
            if !w.accounts.contains_key(&acc) {
                return bad("no such account");
            }
            let (key, secret) = w.create_key(acc, p);
            (StatusCode::OK, json!({"key": key, "secret": secret}))
        }
        ("POST", "keys/revoke") => {
            let mut w = shared.world.lock();
            match b["key"].as_str().and_then(|k| w.keys.get_mut(k)) {
                Some(k) => {
                    k.revoked = true;
                    (StatusCode::OK, json!({"ok": true}))
                }
                None => bad("no such key"),
            }
        }
        ("POST", "keys/permissions") => {
            let Some(p) = perms(&b["permissions"]) else {
                return bad("permissions: [[scope, read, write], ...]");
            };
            let mut w = shared.world.lock();
            match b["key"].as_str().and_then(|k| w.keys.get_mut(k)) {
                Some(k) => {
                    k.permissions = p;
                    (StatusCode::OK, json!({"ok": true}))
                }
                None => bad("no such key"),
            }
        }
        ("GET", "clock") => {
            let c = shared.clock.lock();
            (
                StatusCode::OK,
                json!({"now": c.now(), "mode": format!("{:?}", c.mode())}),
            )
        }
        ("POST", "clock") => {
            let mut c = shared.clock.lock();
            if let Some(mode) = parse_mode(&b) {
                c.set_mode(mode);
            }
            if let Some(ms) = b["advance_ms"].as_i64() {
                c.advance(ms);
            }
            if let Some(t) = b["set_mts"].as_i64() {
                c.set(t);
            }
            let now = c.now();
            drop(c);
            shared.world.lock().advance_to(now);
            (StatusCode::OK, json!({"now": now}))
        }
        ("POST", "faults") => {
            let Some(endpoint) = b["endpoint"].as_str() else {
                return bad("need endpoint (path after /v2/)");
            };
            match parse_fault(&b["fault"]) {
                Ok(f) => {
                    shared
                        .faults
                        .lock()
                        .by_endpoint
                        .insert(endpoint.to_owned(), f);
                    (StatusCode::OK, json!({"ok": true}))
                }
                Err(e) => bad(e),
            }
        }
        ("DELETE", "faults") => {
            let mut f = shared.faults.lock();
            f.by_endpoint.clear();
            f.blocked.clear();
            f.maintenance = false;
            (StatusCode::OK, json!({"ok": true}))
        }
        ("POST", "maintenance") => {
            shared.faults.lock().maintenance = b["on"].as_bool().unwrap_or(true);
            (StatusCode::OK, json!({"ok": true}))
        }
        ("POST", "fill") => {
            let mut w = shared.world.lock();
            if let Some(p) = dec(&b["participation"]) {
                w.fill.participation = p;
            }
            if let Some(o) = b["frr_optimistic"].as_bool() {
                w.fill.frr_optimistic = o;
            }
            (StatusCode::OK, json!({"ok": true}))
        }
        ("GET", "state") => (StatusCode::OK, crate::state_json(&shared.world.lock())),
        _ => (
            StatusCode::NOT_FOUND,
            json!({"error": format!("no admin route {method} /admin/{path}")}),
        ),
    }
}
