//! Faults switched on through the admin API behave as Bitfinex's failures do.

mod common;

use std::time::Duration;

use bfx_sim::MarketSpec;
use common::*;
use serde_json::json;

#[tokio::test]
async fn rate_limits_in_each_form_then_a_60_second_block() {
    for (form, status, body) in [
        (
            "code11010",
            500,
            json!(["error", 11010, "ratelimit: error"]),
        ),
        ("object", 200, json!({"error": "ERR_RATE_LIMIT"})),
        ("null_code", 500, json!(["error", null, "ERR_RATE_LIMIT"])),
        ("http429", 429, json!({"error": "ERR_RATE_LIMIT"})),
    ] {
        let (_sim, _h, api) = start(MarketSpec::Idle).await;
        api.admin(
            "POST",
            "faults",
            json!({"endpoint": "auth/r/wallets", "fault": {"rate_limit": form, "count": 1}}),
        )
        .await;
        let a = api.post("auth/r/wallets", json!({})).await;
        assert_eq!((a.status, a.body.clone()), (status, body.clone()), "{form}");
        let again = api.post("auth/r/wallets", json!({})).await;
        assert_eq!(again.body, body, "{form}: still blocked");
        assert_eq!(
            api.post("auth/r/permissions", json!({})).await.status,
            200,
            "other endpoints answer"
        );
        api.admin("DELETE", "faults", json!({})).await;
        assert_eq!(api.post("auth/r/wallets", json!({})).await.status, 200);
    }
}

#[tokio::test]
async fn maintenance_answers_20060_and_status_0() {
    let (_sim, _h, api) = start(MarketSpec::Idle).await;
    api.admin("POST", "maintenance", json!({"on": true})).await;
    assert_eq!(
        err(&api.post("auth/r/wallets", json!({})).await),
        (20060, "maintenance".into())
    );
    assert_eq!(api.get("platform/status").await.body, json!([0]));
    api.admin("POST", "maintenance", json!({"on": false})).await;
    assert_eq!(api.get("platform/status").await.body, json!([1]));
}

#[tokio::test]
async fn errors_latency_and_dropped_connections() {
    let (_sim, h, api) = start(MarketSpec::Idle).await;
    api.admin(
        "POST",
        "faults",
        json!({"endpoint": "auth/r/wallets", "fault": {"error_rate": 1.0, "count": 1}}),
    )
    .await;
    assert_eq!(
        err(&api.post("auth/r/wallets", json!({})).await),
        (10000, "simulated failure".into())
    );
    api.admin(
        "POST",
        "faults",
        json!({"endpoint": "ticker/", "fault": {"latency_ms": 300, "count": 1}}),
    )
    .await;
    let t = std::time::Instant::now();
    assert_eq!(api.get("ticker/fUSD").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    api.admin(
        "POST",
        "faults",
        json!({"endpoint": "platform/status", "fault": {"drop": true, "count": 1}}),
    )
    .await;
    let dropped = match reqwest::get(format!("{}/v2/platform/status", h.url)).await {
        Ok(r) => r.text().await.is_err(),
        Err(_) => true,
    };
    assert!(dropped, "the connection dropped without a complete answer");
    api.admin(
        "POST",
        "faults",
        json!({"endpoint": "platform/status", "fault": {"timeout": true, "count": 1}}),
    )
    .await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert!(
        c.get(format!("{}/v2/platform/status", h.url))
            .send()
            .await
            .is_err(),
        "never answered in time"
    );
}

#[tokio::test]
async fn a_lost_response_still_applies_the_write() {
    let (sim, h, api) = start(MarketSpec::Idle).await;
    api.admin("POST", "faults", json!({"endpoint": "auth/w/funding/offer/submit", "fault": {"lost_response": true, "count": 1}})).await;
    let body =
        json!({"type": "LIMIT", "symbol": "fUSD", "amount": "400", "rate": "0.0002", "period": 2})
            .to_string();
    let nonce = 1_800_000_000_000_000u64;
    let sig = api.sign("auth/w/funding/offer/submit", &nonce.to_string(), &body);
    let r = reqwest::Client::new()
        .post(format!("{}/v2/auth/w/funding/offer/submit", h.url))
        .header("content-type", "application/json")
        .header("bfx-nonce", nonce.to_string())
        .header("bfx-apikey", &api.key)
        .header("bfx-signature", sig)
        .body(body)
        .send()
        .await;
    let answered = match r {
        Ok(resp) => resp.text().await.is_ok(),
        Err(_) => false,
    };
    assert!(!answered, "the client never gets the answer");
    let on_book = sim.with_world(|w| {
        w.markets["fUSD"]
            .offers
            .iter()
            .filter(|o| o.account == Some(1))
            .count()
    });
    assert_eq!(on_book, 1, "but the offer was placed");
}
