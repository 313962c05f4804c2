//! The emulator on the wire: auth, wallets, offer rules, the lending lifecycle, public data.

mod common;

use bfx_sim::MarketSpec;
use common::*;
use serde_json::json;

#[tokio::test]
async fn signatures_verify_over_the_raw_body_in_every_form() {
    let (_sim, _h, api) = start(MarketSpec::Idle).await;
    // No body at all (Python client without params), compact JSON (node/go), spaced JSON (Python).
    assert_eq!(api.raw("auth/r/wallets", None, None).await.status, 200);
    assert_eq!(
        api.raw("auth/r/wallets", Some("{}"), None).await.status,
        200
    );
    let spaced =
        r#"{"type": "LIMIT", "symbol": "fUSD", "amount": "150.0", "rate": "0.0002", "period": 2}"#;
    let a = api
        .raw("auth/w/funding/offer/submit", Some(spaced), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body[6], "SUCCESS");
    assert_eq!(
        a.body[4][4],
        json!(150),
        "amount given as a string with a decimal point"
    );
}

#[tokio::test]
async fn auth_errors_use_bitfinexs_codes() {
    let (sim, h, api) = start(MarketSpec::Idle).await;
    let bad_secret = Api::new(&h.url, &api.key, "wrong-secret");
    let a = bad_secret.post("auth/r/wallets", json!({})).await;
    assert_eq!(
        (a.status, err(&a)),
        (500, (10100, "apikey: digest invalid".into()))
    );
    let unknown = Api::new(&h.url, "no-such-key", "x");
    assert_eq!(
        err(&unknown.post("auth/r/wallets", json!({})).await),
        (10100, "apikey: invalid".into())
    );
    // Nonces must increase.
    assert_eq!(
        api.raw("auth/r/wallets", Some("{}"), Some(9_000_000_000_000_000))
            .await
            .status,
        200
    );
    let a = api
        .raw("auth/r/wallets", Some("{}"), Some(8_000_000_000_000_000))
        .await;
    assert_eq!(err(&a), (10114, "nonce: small".into()));
    // Permissions can be edited and keys revoked while running.
    let acc = sim.with_world(|w| w.keys[&api.key].account);
    let (k2, s2) = sim.with_world(|w| {
        w.create_key(
            acc,
            vec![
                ("funding".into(), true, false),
                ("wallets".into(), true, false),
            ],
        )
    });
    let ro = Api::new(&h.url, &k2, &s2);
    let a = ro.post("auth/w/funding/offer/submit", json!({"type": "LIMIT", "symbol": "fUSD", "amount": "200", "rate": "0.0002", "period": 2})).await;
    assert_eq!(err(&a), (10001, "api_key: permission invalid".into()));
    assert_eq!(
        ro.post("auth/r/permissions", json!({})).await.body,
        json!([["funding", 1, 0], ["wallets", 1, 0]])
    );
    ro.admin("POST", "keys/permissions", json!({"key": k2, "permissions": [["funding", 1, 1], ["withdraw", 0, 1], ["eaas_withdraw", 1, 0]]})).await;
    assert_eq!(
        ro.post("auth/r/permissions", json!({})).await.body,
        json!([
            ["funding", 1, 1],
            ["withdraw", 0, 1],
            ["eaas_withdraw", 1, 0]
        ])
    );
    ro.admin("POST", "keys/revoke", json!({"key": k2})).await;
    assert_eq!(err(&ro.post("auth/r/wallets", json!({})).await).0, 10100);
}

#[tokio::test]
async fn wallets_and_transfers_between_own_wallets() {
    let (_sim, h, lending) = start(MarketSpec::Idle).await;
    // The lending key may read wallets but not move money.
    let denied = lending
        .post(
            "auth/w/transfer",
            json!({"from": "exchange", "to": "funding", "currency": "USD", "amount": "1"}),
        )
        .await;
    assert_eq!(err(&denied), (10001, "api_key: permission invalid".into()));
    let k = lending
        .admin(
            "POST",
            "keys",
            json!({"account": 1, "permissions": [["wallets", 1, 1], ["history", 1, 0]]}),
        )
        .await;
    let api = Api::new(
        &h.url,
        k["key"].as_str().unwrap(),
        k["secret"].as_str().unwrap(),
    );
    let w = api.post("auth/r/wallets", json!({})).await.body;
    let funding = w
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "funding" && r[1] == "USD")
        .unwrap();
    assert_eq!(
        (funding[2].clone(), funding[4].clone()),
        (json!(10000), json!(10000))
    );
    let t = api
        .post(
            "auth/w/transfer",
            json!({"from": "exchange", "to": "funding", "currency": "USD", "amount": "500"}),
        )
        .await;
    assert_eq!(t.body[1], "acc_tf", "{}", t.body);
    assert_eq!(t.body[4][7], json!(500));
    let too_much = api
        .post(
            "auth/w/transfer",
            json!({"from": "exchange", "to": "funding", "currency": "USD", "amount": "99999"}),
        )
        .await;
    assert_eq!(err(&too_much).0, 10001);
    let other_user = api.post("auth/w/transfer", json!({"from": "exchange", "to": "funding", "currency": "USD", "amount": "1", "email_dst": "x@y.z"})).await;
    assert_eq!(err(&other_user).0, 10001);
    let w = api.post("auth/r/wallets", json!({})).await.body;
    let funding = w
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "funding" && r[1] == "USD")
        .unwrap();
    assert_eq!(funding[2], json!(10500));
    let ledger = api
        .post("auth/r/ledgers/USD/hist", json!({"category": 51}))
        .await
        .body;
    assert_eq!(ledger.as_array().unwrap().len(), 2, "{ledger}");
}

#[tokio::test]
async fn offer_rules_use_bitfinexs_texts() {
    let (_sim, _h, api) = start(MarketSpec::Idle).await;
    let submit = |amount: &str, rate: &str, period: i64, kind: &str| json!({"type": kind, "symbol": "fUSD", "amount": amount, "rate": rate, "period": period});
    let a = api
        .post(
            "auth/w/funding/offer/submit",
            submit("149.99", "0.0002", 2, "LIMIT"),
        )
        .await;
    assert_eq!(
        err(&a),
        (
            10001,
            "Invalid offer: incorrect amount, minimum is 150.0 dollar or equivalent in USD".into()
        )
    );
    assert_eq!(
        err(&api
            .post(
                "auth/w/funding/offer/submit",
                submit("200", "0.0002", 1, "LIMIT")
            )
            .await)
        .0,
        10001
    );
    assert_eq!(
        err(&api
            .post(
                "auth/w/funding/offer/submit",
                submit("200", "0.0002", 121, "LIMIT")
            )
            .await)
        .0,
        10001
    );
    assert!(
        err(&api
            .post(
                "auth/w/funding/offer/submit",
                submit("-200", "0.0002", 2, "LIMIT")
            )
            .await)
        .1
        .contains("positive")
    );
    assert_eq!(
        err(&api
            .post(
                "auth/w/funding/offer/submit",
                submit("20000", "0.0002", 2, "LIMIT")
            )
            .await)
        .1,
        "Invalid offer: not enough balance"
    );
    assert_eq!(
        err(&api
            .post(
                "auth/w/funding/offer/submit",
                submit("200", "0.01", 2, "FRRDELTAVAR")
            )
            .await)
        .1,
        "FRR offset larger than 30% of FRR, aborting."
    );
    // BTC minimum is in USD-equivalent.
    api.admin(
        "POST",
        "fund",
        json!({"account": 1, "currency": "BTC", "amount": "1"}),
    )
    .await;
    let small = json!({"type": "LIMIT", "symbol": "fBTC", "amount": "0.002", "rate": "0.00002", "period": 2});
    assert!(
        err(&api.post("auth/w/funding/offer/submit", small).await)
            .1
            .contains("equivalent in BTC")
    );
    // A hidden FRR offer, listed and cancelled.
    let ok = api.post("auth/w/funding/offer/submit", json!({"type": "FRRDELTAVAR", "symbol": "fUSD", "amount": "300", "rate": "0", "period": 2, "flags": 64})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let id = ok.body[4][0].as_i64().unwrap();
    assert_eq!(ok.body[4][6], "FRRDELTAVAR");
    assert_eq!(ok.body[4][17], 1, "hidden");
    let book = api.get("book/fUSD/R0?len=100").await.body;
    assert!(
        !book.as_array().unwrap().iter().any(|r| r[0] == id),
        "hidden offers are not in the public book"
    );
    let offers = api.post("auth/r/funding/offers/fUSD", json!({})).await.body;
    assert_eq!(offers.as_array().unwrap().len(), 1);
    let c = api
        .post("auth/w/funding/offer/cancel", json!({"id": id}))
        .await;
    assert_eq!(
        (c.body[1].clone(), c.body[4][10].clone()),
        (json!("foc-req"), json!("CANCELED"))
    );
    assert_eq!(
        err(&api
            .post("auth/w/funding/offer/cancel", json!({"id": id}))
            .await)
        .1,
        "Offer not found."
    );
    let hist = api
        .post("auth/r/funding/offers/fUSD/hist", json!({}))
        .await
        .body;
    assert_eq!(hist[0][10], "CANCELED");
}

#[tokio::test]
async fn offer_to_credit_to_repayment_to_daily_payment() {
    let (sim, _h, api) = start(MarketSpec::Synthetic).await;
    let a = api.post("auth/w/funding/offer/submit", json!({"type": "LIMIT", "symbol": "fUSD", "amount": "5000", "rate": "0.00001", "period": 2})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    // A cheap offer is taken quickly by simulated borrowers.
    sim.advance(2 * HOUR);
    let credits = api
        .post("auth/r/funding/credits/fUSD", json!({}))
        .await
        .body;
    let trades = api
        .post("auth/r/funding/trades/fUSD/hist", json!({}))
        .await
        .body;
    assert!(!trades.as_array().unwrap().is_empty(), "the offer filled");
    let credit_rows = credits.as_array().unwrap().len()
        + api
            .post("auth/r/funding/credits/fUSD/hist", json!({}))
            .await
            .body
            .as_array()
            .unwrap()
            .len();
    assert!(credit_rows > 0, "fills became credits");
    // Two days later every 2-day credit has ended and the principal is back.
    sim.advance(3 * DAY);
    assert!(
        api.post("auth/r/funding/credits/fUSD", json!({}))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    let w = api.post("auth/r/wallets", json!({})).await.body;
    let funding = w
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "funding" && r[1] == "USD")
        .unwrap()
        .clone();
    assert_eq!(funding[2], funding[4], "everything available again");
    // Interest was paid as category-28 ledger rows, net of the 15 % fee, at least one hour charged.
    let pays = api
        .post("auth/r/ledgers/USD/hist", json!({"category": 28}))
        .await
        .body;
    let pays = pays.as_array().unwrap();
    assert!(!pays.is_empty());
    assert!(
        pays.iter()
            .all(|p| p[8] == "Margin Funding Payment on wallet funding" && p[2] == "funding")
    );
    let paid: f64 = pays.iter().map(|p| p[5].as_f64().unwrap()).sum();
    let (gross, hours): (f64, f64) = sim.with_world(|w| {
        let a = &w.accounts[&1];
        let g = a
            .credit_hist
            .iter()
            .map(|c| {
                let ms = (c.ends.max(c.opened + HOUR) - c.opened) as f64;
                c.amount.to_string().parse::<f64>().unwrap()
                    * c.rate.to_string().parse::<f64>().unwrap()
                    * ms
                    / DAY as f64
            })
            .sum();
        let h = a
            .credit_hist
            .iter()
            .map(|c| (c.ends - c.opened) as f64 / HOUR as f64)
            .fold(f64::MAX, f64::min);
        (g, h)
    });
    assert!(hours >= 0.0);
    assert!(
        (paid - gross * 0.85).abs() < 1e-6 + gross * 1e-6,
        "paid {paid} vs 85 % of {gross}"
    );
    let balance_after = pays[0][6].as_f64().unwrap();
    assert!(balance_after > 10_000.0);
}

#[tokio::test]
async fn auto_renew_is_honoured_while_the_client_is_away() {
    let (sim, _h, api) = start(MarketSpec::Synthetic).await;
    let a = api
        .post(
            "auth/w/funding/auto",
            json!({"status": 1, "currency": "USD", "amount": "0", "rate": "0.00001", "period": 2}),
        )
        .await;
    assert_eq!(a.body[1], "fa-req");
    // Turning it on offers the idle balance at once.
    let offered = sim.with_world(|w| {
        w.markets["fUSD"]
            .offers
            .iter()
            .filter(|o| o.account == Some(1) && o.renew)
            .count()
    });
    assert_eq!(
        offered, 1,
        "the idle balance is offered under the new settings"
    );
    assert_eq!(
        api.post("auth/r/funding/auto/status", json!({"currency": "USD"}))
            .await
            .body,
        json!(["USD", 2, 0.00001, 0])
    );
    sim.advance(5 * DAY);
    let renewed = sim.with_world(|w| w.accounts[&1].trades.len());
    assert!(
        renewed > 1,
        "returned money was offered again and lent: {renewed} fills"
    );
    api.post(
        "auth/w/funding/auto",
        json!({"status": 0, "currency": "USD"}),
    )
    .await;
    assert_eq!(
        api.post("auth/r/funding/auto/status", json!({"currency": "USD"}))
            .await
            .body,
        json!(null)
    );
}

#[tokio::test]
async fn public_endpoints_have_bitfinexs_layouts() {
    let (sim, _h, api) = start(MarketSpec::Synthetic).await;
    sim.advance(6 * HOUR);
    let t = api.get("ticker/fUSD").await.body;
    assert_eq!(t.as_array().unwrap().len(), 16, "{t}");
    assert!(t[0].as_f64().unwrap() > 0.0, "FRR first");
    let ts = api.get("tickers?symbols=fUSD,fUST").await.body;
    assert_eq!(ts[1][0], "fUST");
    let p0 = api.get("book/fUSD/P0?len=25").await.body;
    let rows = p0.as_array().unwrap();
    assert!(rows.iter().all(|r| r.as_array().unwrap().len() == 4));
    assert!(
        rows.iter().any(|r| r[3].as_f64().unwrap() > 0.0)
            && rows.iter().any(|r| r[3].as_f64().unwrap() < 0.0),
        "asks and bids"
    );
    for p in ["P1", "P2", "P3", "P4", "R0"] {
        assert_eq!(api.get(&format!("book/fUSD/{p}")).await.status, 200);
    }
    let trades = api.get("trades/fUSD/hist?limit=50").await.body;
    let tr = trades.as_array().unwrap();
    assert_eq!(tr.len(), 50);
    assert!(tr[0][1].as_i64() >= tr[1][1].as_i64(), "newest first");
    assert_eq!(tr[0].as_array().unwrap().len(), 5);
    let c = api
        .get("candles/trade:1m:fUSD:a30:p2:p30/hist?limit=10")
        .await
        .body;
    assert_eq!(c.as_array().unwrap().len(), 10);
    let row = c[0].as_array().unwrap();
    assert!(
        row[3].as_f64() >= row[1].as_f64() && row[3].as_f64() >= row[2].as_f64(),
        "high ≥ open, close"
    );
    assert_eq!(
        api.get("candles/trade:1h:fUSD:p2/last")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(api.get("candles/nonsense/hist").await.status, 500);
    let stats = api.get("funding/stats/fUSD/hist?limit=3").await.body;
    assert_eq!(stats.as_array().unwrap().len(), 3);
    assert_eq!(stats[0].as_array().unwrap().len(), 12);
    assert_eq!(api.get("platform/status").await.body, json!([1]));
    assert_eq!(
        err(&api.get("ticker/fXYZ").await),
        (10020, "symbol: invalid".into())
    );
}

#[tokio::test]
async fn public_history_pages_forwards_with_sort_1_and_caps_limits_like_bitfinex() {
    let (sim, _h, api) = start(MarketSpec::Synthetic).await;
    sim.advance(12 * HOUR);
    let key = "candles/trade:1m:fUSD:a30:p2:p30/hist";
    let all = api.get(&format!("{key}?limit=10000&sort=1")).await.body;
    let all = all.as_array().unwrap();
    assert!(all.len() > 200, "half a day of minutes: {}", all.len());
    assert!(
        all.windows(2).all(|w| w[0][0].as_i64() < w[1][0].as_i64()),
        "oldest first"
    );
    // Paging forwards: each page is the oldest `limit` rows from `start`.
    let mut paged = Vec::new();
    let mut start = 0;
    loop {
        let page = api
            .get(&format!("{key}?limit=100&sort=1&start={start}"))
            .await
            .body;
        let page = page.as_array().unwrap().clone();
        let Some(last) = page.last() else { break };
        start = last[0].as_i64().unwrap() + 1;
        let n = page.len();
        paged.extend(page);
        if n < 100 {
            break;
        }
    }
    assert_eq!(&paged, all, "forward pages join into the whole history");
    let trades = api
        .get("trades/fUSD/hist?limit=5&sort=1&start=0")
        .await
        .body;
    let first = api.get("trades/fUSD/hist?limit=10000&sort=1").await.body;
    assert_eq!(
        trades.as_array().unwrap()[..],
        first.as_array().unwrap()[..5]
    );
    for (path, over) in [
        (key.to_owned(), 10_001),
        ("trades/fUSD/hist".to_owned(), 10_001),
        ("funding/stats/fUSD/hist".to_owned(), 251),
    ] {
        assert_eq!(
            err(&api.get(&format!("{path}?limit={over}")).await),
            (10020, "limit: invalid".into()),
            "{path}"
        );
    }
    let stats = api
        .get("funding/stats/fUSD/hist?limit=250&sort=1")
        .await
        .body;
    let stats = stats.as_array().unwrap();
    assert!(
        stats
            .windows(2)
            .all(|w| w[0][0].as_i64() < w[1][0].as_i64())
    );
}

#[tokio::test]
async fn the_clock_is_stepped_through_the_admin_api() {
    let (sim, _h, api) = start(MarketSpec::Synthetic).await;
    let before = api.admin("GET", "clock", json!({})).await["now"]
        .as_i64()
        .unwrap();
    let after = api.admin("POST", "clock", json!({"advance_ms": DAY})).await["now"]
        .as_i64()
        .unwrap();
    assert_eq!(after - before, DAY);
    assert_eq!(sim.now(), after);
    let state = api.admin("GET", "state", json!({})).await;
    assert!(
        state["markets"]["fUSD"]["trades"].as_u64().unwrap() > 1000,
        "a day of synthetic trades"
    );
}

#[tokio::test]
async fn frr_fixed_offers_cancel_all_and_closing_a_credit() {
    let (sim, _h, api) = start(MarketSpec::Synthetic).await;
    sim.advance(HOUR);
    let frr: f64 = api.get("ticker/fUSD").await.body[0].as_f64().unwrap();
    // FRRDELTAFIX: priced at FRR + offset when created, then fixed.
    let a = api.post("auth/w/funding/offer/submit", json!({"type": "FRRDELTAFIX", "symbol": "fUSD", "amount": "300", "rate": "0", "period": 2})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body[4][6], "LIMIT");
    assert!((a.body[4][14].as_f64().unwrap() - frr).abs() < 1e-12);
    api.post(
        "auth/w/funding/offer/submit",
        json!({"type": "LIMIT", "symbol": "fUSD", "amount": "300", "rate": "0.01", "period": 2}),
    )
    .await;
    let all = api
        .post(
            "auth/w/funding/offer/cancel/all",
            json!({"currency": "USD"}),
        )
        .await;
    assert_eq!(all.body[6], "SUCCESS");
    assert!(
        api.post("auth/r/funding/offers", json!({}))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A credit closed early returns its principal.
    api.post("auth/w/funding/offer/submit", json!({"type": "LIMIT", "symbol": "fUSD", "amount": "2000", "rate": "0.00001", "period": 120})).await;
    let mut credit = None;
    for _ in 0..48 {
        sim.advance(10 * 60_000);
        let c = api
            .post("auth/r/funding/credits/fUSD", json!({}))
            .await
            .body;
        if let Some(row) = c.as_array().unwrap().first() {
            credit = Some(row[0].as_i64().unwrap());
            break;
        }
    }
    let id = credit.expect("a 120-day offer is taken by a 2-day or longer bid within hours");
    let closed = api.post("auth/w/funding/close", json!({"id": id})).await;
    assert_eq!(closed.body[6], "SUCCESS", "{}", closed.body);
    sim.advance(1);
    let open: Vec<i64> = api
        .post("auth/r/funding/credits/fUSD", json!({}))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_i64().unwrap())
        .collect();
    assert!(!open.contains(&id));
    assert_eq!(
        err(&api.post("auth/w/funding/close", json!({"id": 1})).await).1,
        "Funding not found."
    );
}

#[tokio::test]
async fn ledgers_page_by_time_and_refuse_oversized_limits() {
    let (_sim, _h, api) = start(MarketSpec::Idle).await;
    for _ in 0..5 {
        api.admin(
            "POST",
            "fund",
            json!({"account": 1, "currency": "USD", "amount": "1"}),
        )
        .await;
        api.admin("POST", "clock", json!({"advance_ms": 1000}))
            .await;
    }
    let all = api
        .post("auth/r/ledgers/USD/hist", json!({"limit": 2500}))
        .await
        .body;
    let rows = all.as_array().unwrap();
    assert_eq!(
        rows.len(),
        7,
        "the two demo deposits (funding, exchange) and five more"
    );
    let newest = rows[0][3].as_i64().unwrap();
    let page = api
        .post(
            "auth/r/ledgers/USD/hist",
            json!({"end": newest - 1, "limit": 2}),
        )
        .await
        .body;
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert!(page[0][3].as_i64().unwrap() < newest);
    assert_eq!(
        err(&api
            .post("auth/r/ledgers/USD/hist", json!({"limit": 2501}))
            .await),
        (10020, "limit: invalid".into())
    );
}
