//! Every endpoint and every error form, against a loopback server that checks signatures,
//! headers, bodies and nonce order.

mod server;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use bfx::*;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use server::{KEY, Reply, SECRET, client, offer_request};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn body(s: &server::Seen) -> Value {
    serde_json::from_str(&s.body).unwrap()
}

const OFFER: &str = r#"[41238747,"fUSD",1575026670000,1575026670000,150,150,"LIMIT",null,null,0,"ACTIVE",null,null,null,0.0002,2,0,0,null,0,null]"#;

#[tokio::test]
async fn account_endpoints() {
    let (fake, c) = client().await;
    fake.answer(
        "/v2/auth/r/permissions",
        r#"[["funding",1,1],["wallets",1,0],["withdraw",0,0],["new_scope",1,1]]"#,
    );
    fake.answer(
        "/v2/auth/r/wallets",
        r#"[["funding","USD",1000.5,0,800.25,null,null],["exchange","BTC",0.1,0,0.1,null,null]]"#,
    );
    fake.answer(
        "/v2/auth/r/info/user",
        r#"[123,"a@b.c","alice",1600000000000,1,2,null,"UTC"]"#,
    );
    let p = c.permissions().await.unwrap();
    assert!(p.can("funding", true) && p.withdraw_scopes().is_empty());
    assert_eq!(p.0.len(), 4);
    assert_eq!(body(&fake.last()), json!({}));
    let w = c.wallets().await.unwrap();
    assert_eq!(w[0].available, Some(d("800.25")));
    let u = c.user_info().await.unwrap();
    assert_eq!(
        (u.id, u.username.as_deref(), u.timezone.as_deref()),
        (123, Some("alice"), Some("UTC"))
    );
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn funding_read_endpoints() {
    let (fake, c) = client().await;
    let credit = r#"[1,"fUSD",1,1,1,350,0,"ACTIVE","FIXED",null,null,0.0024,2,1,1,0,0,null,0,null,0,"tBTCUSD"]"#;
    for p in [
        "/v2/auth/r/funding/offers/fUSD",
        "/v2/auth/r/funding/offers",
        "/v2/auth/r/funding/offers/fUSD/hist",
    ] {
        fake.answer(p, &format!("[{OFFER}]"));
    }
    for p in [
        "/v2/auth/r/funding/credits/fUSD",
        "/v2/auth/r/funding/credits/fUSD/hist",
        "/v2/auth/r/funding/loans/fUSD",
        "/v2/auth/r/funding/loans/fUSD/hist",
    ] {
        fake.answer(p, &format!("[{credit}]"));
    }
    fake.answer(
        "/v2/auth/r/funding/trades/fUSD/hist",
        r#"[[9,"fUSD",5,41238747,150,0.0002,2,1]]"#,
    );
    fake.answer("/v2/auth/r/ledgers/USD/hist", r#"[[77,"USD","funding",1700000000000,null,0.01234567,1000.01234567,null,"Margin Funding Payment on wallet funding"]]"#);
    fake.answer(
        "/v2/auth/r/info/funding/fUSD",
        r#"["sym","fUSD",[0,0.0002,0,1.5]]"#,
    );
    fake.answer("/v2/auth/r/funding/auto/status", r#"["USD",2,0,0]"#);

    assert_eq!(
        c.funding_offers(Some("fUSD")).await.unwrap()[0].rate,
        d("0.0002")
    );
    assert_eq!(c.funding_offers(None).await.unwrap().len(), 1);
    c.funding_offers_hist(Some("fUSD"), Some(1), Some(2), Some(50))
        .await
        .unwrap();
    assert_eq!(
        body(&fake.last()),
        json!({"start": 1, "end": 2, "limit": 50})
    );
    assert_eq!(
        c.funding_credits(Some("fUSD")).await.unwrap()[0].amount,
        d("350")
    );
    c.funding_credits_hist(Some("fUSD"), None, None, Some(10))
        .await
        .unwrap();
    assert_eq!(c.funding_loans(Some("fUSD")).await.unwrap().len(), 1);
    c.funding_loans_hist(Some("fUSD"), None, None, None)
        .await
        .unwrap();
    assert_eq!(
        c.funding_trades_hist(Some("fUSD"), Some(5), None, Some(100), Some(1))
            .await
            .unwrap()[0]
            .offer_id,
        41238747
    );
    assert_eq!(
        body(&fake.last()),
        json!({"start": 5, "limit": 100, "sort": 1})
    );
    let l = c
        .ledgers(
            Some("USD"),
            Some(LEDGER_INTEREST),
            Some(10),
            None,
            Some(2500),
        )
        .await
        .unwrap();
    assert_eq!(l[0].amount, d("0.01234567"));
    assert_eq!(
        body(&fake.last()),
        json!({"category": 28, "start": 10, "limit": 2500})
    );
    assert!(matches!(
        c.ledgers(Some("USD"), None, None, None, Some(2501)).await,
        Err(Error::Refused(_))
    ));
    assert_eq!(
        c.funding_info("fUSD").await.unwrap().duration_lend,
        d("1.5")
    );
    assert_eq!(c.auto_renew_status("USD").await.unwrap().unwrap().period, 2);
    assert_eq!(body(&fake.last()), json!({"currency": "USD"}));
    fake.answer("/v2/auth/r/funding/auto/status", "[]");
    assert_eq!(c.auto_renew_status("USD").await.unwrap(), None);
    fake.answer("/v2/auth/r/funding/auto/status", "null");
    assert_eq!(c.auto_renew_status("USD").await.unwrap(), None);
    fake.answer(
        "/v2/auth/r/funding/auto/status",
        r#"[["USD",30,0.0003,1000]]"#,
    );
    let wrapped = c.auto_renew_status("USD").await.unwrap().unwrap();
    assert_eq!((wrapped.period, wrapped.rate), (30, d("0.0003")));
    fake.answer("/v2/auth/r/funding/offers/fUSD", "null");
    assert!(c.funding_offers(Some("fUSD")).await.unwrap().is_empty());
    assert!(
        fake.seen()
            .iter()
            .all(|s| s.method == "POST" && s.nonce.is_some())
    );
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn funding_write_endpoints() {
    let (fake, c) = client().await;
    fake.answer(
        "/v2/auth/w/funding/offer/submit",
        &format!(r#"[1575293958819,"fon-req",null,null,{OFFER},null,"SUCCESS","Submitting funding offer"]"#),
    );
    let offer = NewOffer {
        offer_type: OfferType::Limit,
        symbol: "fUSD".into(),
        amount: d("150.5"),
        rate: d("0.0002"),
        period: 2,
        hidden: true,
    };
    assert_eq!(c.submit_funding_offer(&offer).await.unwrap().id, 41238747);
    assert_eq!(
        body(&fake.last()),
        json!({"type": "LIMIT", "symbol": "fUSD", "amount": "150.5", "rate": "0.0002", "period": 2, "flags": 64})
    );
    fake.answer(
        "/v2/auth/w/funding/offer/cancel",
        &format!(r#"[1,"foc-req",null,null,{OFFER},null,"SUCCESS","Cancelled"]"#),
    );
    c.cancel_funding_offer(41238747).await.unwrap();
    assert_eq!(body(&fake.last()), json!({"id": 41238747}));
    fake.answer(
        "/v2/auth/w/funding/offer/cancel/all",
        r#"[1,"foc_all-req",null,null,null,null,"SUCCESS","All cancelled"]"#,
    );
    c.cancel_all_funding_offers("USD").await.unwrap();
    assert_eq!(body(&fake.last()), json!({"currency": "USD"}));
    fake.answer(
        "/v2/auth/w/funding/close",
        r#"[1,"fcl-req",null,null,null,null,"SUCCESS","Closed"]"#,
    );
    c.close_funding(26222883).await.unwrap();
    assert_eq!(body(&fake.last()), json!({"id": 26222883}));
    fake.answer(
        "/v2/auth/w/funding/auto",
        r#"[1,"fa-req",null,null,["USD",2,0,500],null,"SUCCESS",null]"#,
    );
    let on = AutoRenewRequest {
        enabled: true,
        currency: "USD".into(),
        amount: d("500"),
        rate: Decimal::ZERO,
        period: 2,
    };
    assert_eq!(
        c.set_auto_renew(&on).await.unwrap().unwrap().threshold,
        d("500")
    );
    assert_eq!(
        body(&fake.last()),
        json!({"status": 1, "currency": "USD", "amount": "500", "rate": "0", "period": 2})
    );
    c.set_auto_renew(&AutoRenewRequest {
        enabled: false,
        ..on
    })
    .await
    .unwrap();
    assert_eq!(body(&fake.last()), json!({"status": 0, "currency": "USD"}));
    fake.answer("/v2/auth/w/transfer", r#"[1,"acc_tf",null,null,[1,"exchange","funding",null,"USD",null,null,500],null,"SUCCESS","500.0 USD transfered"]"#);
    assert_eq!(
        c.transfer("exchange", "funding", "USD", None, d("500"))
            .await
            .unwrap()
            .wallet_to,
        "funding"
    );
    let sent = body(&fake.last());
    assert_eq!(
        sent,
        json!({"from": "exchange", "to": "funding", "currency": "USD", "amount": "500"})
    );
    assert!(sent.get("email_dst").is_none() && sent.get("user_id_dst").is_none());
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn never_borrows_or_sends_out_of_bounds_offers() {
    let (fake, c) = client().await;
    let base = NewOffer {
        offer_type: OfferType::Limit,
        symbol: "fUSD".into(),
        amount: d("-150"),
        rate: d("0.0002"),
        period: 2,
        hidden: false,
    };
    assert!(matches!(
        c.submit_funding_offer(&base).await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.submit_funding_offer(&NewOffer {
            amount: Decimal::ZERO,
            ..base.clone()
        })
        .await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.submit_funding_offer(&NewOffer {
            amount: d("200"),
            period: 121,
            ..base.clone()
        })
        .await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.transfer("funding", "funding", "USD", None, d("1")).await,
        Err(Error::Refused(_))
    ));
    assert!(fake.seen().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn public_endpoints() {
    let (fake, c) = client().await;
    fake.answer("/v2/ticker/fUSD", "[0.000344704,0.000316,30,1681669.14,0.00033268,2,146425121.01,-0.00001062,-0.0307,0.00033534,157503514.8,0.000347,4e-7,null,null,146212916.17]");
    fake.answer(
        "/v2/tickers",
        r#"[["fUSD",0.0003,0.0002,30,1,0.00025,2,1,0,0,0.0002,1,0.0003,0.0001,null,null,5]]"#,
    );
    fake.answer(
        "/v2/book/fUSD/P0",
        "[[0.0002,2,3,1000],[0.0003301,30,1,-3862.874]]",
    );
    fake.answer("/v2/book/fUSD/R0", "[[645902785,30,0.0003301,-3862.874]]");
    fake.answer(
        "/v2/trades/fUSD/hist",
        "[[421418213,1777606784000,500,0.00029452,120]]",
    );
    fake.answer(
        "/v2/candles/trade:1m:fUSD:a30:p2:p30/hist",
        "[[1,0.0001,0.0002,0.0003,0.00005,1000]]",
    );
    fake.answer(
        "/v2/candles/trade:1m:fUSD:p30/last",
        "[1,0.0001,0.0002,0.0003,0.00005,1000]",
    );
    fake.answer("/v2/funding/stats/fUSD/hist", "[[1678467900000,null,null,0.00000187,68.88,null,null,3230660371.44,2988430006.46,null,null,1447938775.57]]");
    fake.answer("/v2/platform/status", "[1]");
    fake.answer(
        "/v2/ticker/tBTCUSD",
        "[59990,10,60010,12,100,0.01,60000.5,1234,61000,58000]",
    );

    let t = c.ticker("fUSD").await.unwrap();
    assert_eq!(
        (t.frr, t.symbol.as_deref()),
        (d("0.000344704"), Some("fUSD"))
    );
    assert_eq!(
        c.tickers(&["fUSD", "fUST"]).await.unwrap()[0].frr,
        d("0.0003")
    );
    assert_eq!(fake.last().query.as_deref(), Some("symbols=fUSD%2CfUST"));
    assert_eq!(c.book("fUSD", 0, Some(25)).await.unwrap().len(), 2);
    assert_eq!(fake.last().query.as_deref(), Some("len=25"));
    assert_eq!(
        c.raw_book("fUSD", None).await.unwrap()[0].offer_id,
        645902785
    );
    assert_eq!(
        c.trades("fUSD", Some(10), Some(1), Some(2), Some(-1))
            .await
            .unwrap()[0]
            .period,
        120
    );
    assert_eq!(
        fake.last().query.as_deref(),
        Some("limit=10&start=1&end=2&sort=-1")
    );
    assert_eq!(
        c.candles("trade:1m:fUSD:a30:p2:p30", None, None, None, None)
            .await
            .unwrap()[0]
            .close,
        d("0.0002")
    );
    assert!(c.last_candle("trade:1m:fUSD:p30").await.unwrap().is_some());
    fake.answer("/v2/candles/trade:1m:fUSD:p30/last", "[]");
    assert_eq!(c.last_candle("trade:1m:fUSD:p30").await.unwrap(), None);
    assert_eq!(
        c.funding_stats("fUSD", Some(1), None, None).await.unwrap()[0].frr_daily(),
        d("0.00068255")
    );
    c.platform_status().await.unwrap();
    assert_eq!(c.last_price("tBTCUSD").await.unwrap(), d("60000.5"));
    fake.answer("/v2/platform/status", "[0]");
    assert_eq!(c.platform_status().await, Err(Error::Maintenance));
    assert!(
        fake.seen()
            .iter()
            .all(|s| s.nonce.is_none() && s.method == "GET"),
        "public calls are unsigned GETs"
    );
    assert_eq!(
        c.calls(Family::Tickers),
        3,
        "ticker, tickers and the trading ticker"
    );
}

#[tokio::test]
async fn each_error_form_is_classified() {
    let (fake, c) = client().await;
    type Check = fn(&Error) -> bool;
    let cases: Vec<(Reply, Check)> = vec![
        (
            Reply::status(500, r#"["error",10100,"apikey: invalid"]"#),
            |e| matches!(e, Error::InvalidKey { .. }),
        ),
        (
            Reply::status(500, r#"["error",10100,"apikey: digest invalid"]"#),
            |e| matches!(e, Error::InvalidKey { .. }),
        ),
        (
            Reply::status(500, r#"["error",10001,"api_key: permission invalid"]"#),
            |e| matches!(e, Error::PermissionDenied { .. }),
        ),
        (
            Reply::status(500, r#"["error",20060,"maintenance"]"#),
            |e| matches!(e, Error::Maintenance),
        ),
        (
            Reply::status(500, r#"["error",10020,"limit: invalid"]"#),
            |e| matches!(e, Error::InvalidParams { .. }),
        ),
        (Reply::status(500, r#"["error",10000,"something"]"#), |e| {
            matches!(
                e,
                Error::Api {
                    code: Some(10000),
                    ..
                }
            )
        }),
        (Reply::status(502, "<html>bad gateway</html>"), |e| {
            matches!(e, Error::Transport { .. })
        }),
        (Reply::ok("{not json"), |e| {
            matches!(e, Error::Decode { .. })
        }),
        (Reply::ok(r#"{"weird": true}"#), |e| {
            matches!(e, Error::Decode { .. })
        }),
    ];
    for (reply, check) in cases {
        fake.then("/v2/auth/r/wallets", reply.clone());
        let e = c.wallets().await.unwrap_err();
        assert!(check(&e), "{} → {e:?}", reply.body);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET), "no error carries the secret");
    }
    // A rejection notification (status ERROR) on a write.
    fake.then(
        "/v2/auth/w/funding/offer/submit",
        Reply::ok(r#"[1,"fon-req",null,null,null,null,"ERROR","Invalid offer: incorrect amount, minimum is 150.0 dollar or equivalent in USD"]"#),
    );
    let offer = NewOffer {
        offer_type: OfferType::Limit,
        symbol: "fUSD".into(),
        amount: d("100"),
        rate: d("0.0002"),
        period: 2,
        hidden: false,
    };
    match c.submit_funding_offer(&offer).await {
        Err(Error::Rejected { text }) => assert!(text.contains("minimum is 150")),
        other => panic!("{other:?}"),
    }
    // The same rejection as an HTTP 500 error body.
    fake.then("/v2/auth/w/funding/offer/submit", Reply::status(500, r#"["error",10001,"Invalid offer: incorrect amount, minimum is 150.0 dollar or equivalent in USD"]"#));
    assert!(matches!(
        c.submit_funding_offer(&offer).await,
        Err(Error::Rejected { .. })
    ));
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn every_rate_limit_form_blocks_the_family_for_60_seconds() {
    for reply in [
        Reply::status(500, r#"["error",11010,"ratelimit: error"]"#),
        Reply::ok(r#"{"error":"ERR_RATE_LIMIT"}"#),
        Reply::status(500, r#"["error",null,"ERR_RATE_LIMIT"]"#),
        Reply::status(429, "Too Many Requests"),
    ] {
        let (fake, c) = client().await;
        fake.then("/v2/auth/r/wallets", reply.clone());
        fake.answer("/v2/auth/r/wallets", "[]");
        fake.answer(
            "/v2/ticker/fUSD",
            "[0.0003,0,0,0,0,0,0,0,0,0,0,0,0,null,null,0]",
        );
        match c.wallets().await {
            Err(Error::RateLimited { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(60))
            }
            other => panic!("{}: {other:?}", reply.body),
        }
        let before = fake.seen().len();
        match c.permissions().await {
            Err(Error::RateLimited { retry_after }) => {
                assert!(retry_after > Duration::from_secs(58))
            }
            other => panic!("still blocked: {other:?}"),
        }
        assert_eq!(fake.seen().len(), before, "no request while blocked");
        c.ticker("fUSD").await.expect("other families keep working");
    }
}

#[tokio::test]
async fn nonce_small_is_retried_once_then_explained() {
    let (fake, c) = client().await;
    fake.answer("/v2/auth/r/wallets", "[]");
    fake.then(
        "/v2/auth/r/wallets",
        Reply::status(500, r#"["error",10114,"nonce: small"]"#),
    );
    c.wallets().await.expect("one nonce: small is moved past");
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].nonce.unwrap() >= seen[0].nonce.unwrap() + 1_000_000,
        "the retry jumps ahead"
    );

    fake.then(
        "/v2/auth/r/wallets",
        Reply::status(500, r#"["error",10114,"nonce: small"]"#),
    );
    fake.then(
        "/v2/auth/r/wallets",
        Reply::status(500, r#"["error",10114,"nonce: small"]"#),
    );
    let e = c.wallets().await.unwrap_err();
    assert_eq!(e, Error::Nonce);
    assert!(
        e.to_string()
            .contains("another program is using this API key")
    );
}

#[tokio::test]
async fn a_write_that_times_out_is_unknown_and_not_retried() {
    let (fake, c) = client().await;
    fake.then(
        "/v2/auth/w/funding/offer/submit",
        Reply::slow("[]", Duration::from_secs(3)),
    );
    let offer = NewOffer {
        offer_type: OfferType::Limit,
        symbol: "fUSD".into(),
        amount: d("200"),
        rate: d("0.0002"),
        period: 2,
        hidden: false,
    };
    match c.submit_funding_offer(&offer).await {
        Err(Error::Unknown { endpoint, .. }) => assert_eq!(endpoint, "auth/w/funding/offer/submit"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.seen().len(), 1, "never retried blindly");
    // A read that times out is a transport error.
    fake.then(
        "/v2/auth/r/wallets",
        Reply::slow("[]", Duration::from_secs(3)),
    );
    assert!(matches!(c.wallets().await, Err(Error::Transport { .. })));
}

#[tokio::test]
async fn nothing_listening_is_a_transport_error_even_for_writes() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = Client::new(
        ClientConfig::for_base(&url),
        Some(Credentials::new(KEY, SECRET)),
    )
    .unwrap();
    let offer = NewOffer {
        offer_type: OfferType::Limit,
        symbol: "fUSD".into(),
        amount: d("200"),
        rate: d("0.0002"),
        period: 2,
        hidden: false,
    };
    assert!(
        matches!(
            c.submit_funding_offer(&offer).await,
            Err(Error::Transport { .. })
        ),
        "not sent, so not unknown"
    );
}

#[tokio::test]
async fn nonces_continue_across_restarts_through_the_store() {
    let (fake, url) = server::start().await;
    fake.answer("/v2/auth/r/wallets", "[]");
    // A key no other test uses, so its lane really ends with each "run".
    let key = "testkey-restarts-only";
    let key_id = {
        use sha2::Digest;
        hex_of(&sha2::Sha256::digest(key.as_bytes()))
    };
    let store = Arc::new(MemoryNonceStore::default());
    // The last run used nonces from a clock 30 s ahead of ours.
    let ahead = now_us() + 30_000_000;
    store.save(&key_id, ahead);
    for _ in 0..3 {
        let mut cfg = ClientConfig::for_base(&url);
        cfg.nonce_store = Some(store.clone());
        let c = Client::new(cfg, Some(Credentials::new(key, SECRET))).unwrap();
        c.wallets().await.unwrap();
        c.wallets().await.unwrap();
    }
    let nonces: Vec<u64> = fake.seen().iter().map(|s| s.nonce.unwrap()).collect();
    assert_eq!(nonces.len(), 6);
    assert_eq!(nonces[0], ahead + 1, "continues after the stored nonce");
    assert!(nonces.windows(2).all(|w| w[0] < w[1]), "{nonces:?}");
    assert_eq!(
        store.load(&key_id),
        nonces.last().copied(),
        "each one recorded"
    );
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn authenticated_calls_need_credentials() {
    let (_fake, url) = server::start().await;
    let c = Client::new(ClientConfig::for_base(&url), None).unwrap();
    assert_eq!(c.wallets().await, Err(Error::NoCredentials));
}

#[tokio::test]
async fn writes_without_a_readable_answer_are_unknown_and_sent_once() {
    let (fake, c) = client().await;
    let submit = "/v2/auth/w/funding/offer/submit";
    let cases = [
        Reply::status(502, "<html>Bad Gateway</html>"),
        Reply::status(504, ""),
        Reply::status(500, r#"{"some": "json"}"#),
        Reply::ok("not json at all"),
        Reply::ok("[]"),
        Reply::ok(r#"{"weird": true}"#),
        // Applied (SUCCESS), but the offer in it cannot be read.
        Reply::ok(r#"[1,"fon-req",null,null,["weird"],null,"SUCCESS","Submitting"]"#),
    ];
    for (i, reply) in cases.into_iter().enumerate() {
        fake.then(submit, reply.clone());
        match c.submit_funding_offer(&offer_request("200")).await {
            Err(Error::Unknown { endpoint, .. }) => {
                assert_eq!(endpoint, "auth/w/funding/offer/submit")
            }
            other => panic!("{}: {other:?}", reply.body),
        }
        assert_eq!(fake.seen().len(), i + 1, "never retried: {}", reply.body);
    }
    // The same answers to a read are transport or decoding errors.
    fake.then("/v2/auth/r/wallets", Reply::status(504, ""));
    assert!(matches!(c.wallets().await, Err(Error::Transport { .. })));
    fake.then("/v2/auth/r/wallets", Reply::ok("not json"));
    assert!(matches!(c.wallets().await, Err(Error::Decode { .. })));
    // A rejection without text still says what was refused.
    fake.then(
        "/v2/auth/w/funding/offer/cancel",
        Reply::ok(r#"[1,"foc-req",null,null,null,null,"ERROR",null]"#),
    );
    assert_eq!(
        c.cancel_funding_offer(1).await,
        Err(Error::Rejected {
            text: "foc-req ERROR".into()
        })
    );
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn more_error_forms_through_the_client() {
    let (fake, c) = client().await;
    type Check = fn(&Error) -> bool;
    let cases: Vec<(Reply, Check)> = vec![
        (
            Reply::status(
                503,
                r#"{"code":503,"error":"temporarily_unavailable","error_description":"Sorry, the service is temporarily unavailable"}"#,
            ),
            |e| matches!(e, Error::Transport { .. }),
        ),
        (
            Reply::status(500, r#"["error",11000,"ready: invalid"]"#),
            |e| matches!(e, Error::Transport { .. }),
        ),
        (
            Reply::status(500, r#"["error",null,"ERR_AUTH_UNAUTHORIZED"]"#),
            |e| matches!(e, Error::InvalidKey { .. }),
        ),
        (
            Reply::status(500, r#"["error",10020,"symbol: invalid"]"#),
            |e| matches!(e, Error::InvalidParams { .. }),
        ),
        (Reply::status(404, "Not Found"), |e| {
            matches!(
                e,
                Error::Api {
                    code: Some(404),
                    ..
                }
            )
        }),
        (Reply::status(400, r#"{"message":"bad"}"#), |e| {
            matches!(
                e,
                Error::Api {
                    code: Some(400),
                    ..
                }
            )
        }),
    ];
    for (reply, check) in cases {
        fake.then("/v2/auth/r/permissions", reply.clone());
        let e = c.permissions().await.unwrap_err();
        assert!(check(&e), "{} → {e:?}", reply.body);
    }
    // The same classification for public endpoints, and for writes.
    fake.then(
        "/v2/book/fUSD/P0",
        Reply::status(500, r#"["error",20060,"maintenance"]"#),
    );
    assert_eq!(c.book("fUSD", 0, None).await, Err(Error::Maintenance));
    fake.then(
        "/v2/auth/w/funding/close",
        Reply::status(500, r#"["error",10100,"apikey: invalid"]"#),
    );
    assert!(matches!(
        c.close_funding(5).await,
        Err(Error::InvalidKey { .. })
    ));
    fake.then(
        "/v2/auth/w/transfer",
        Reply::status(500, r#"["error",10001,"api_key: permission invalid"]"#),
    );
    assert!(matches!(
        c.transfer("exchange", "funding", "USD", None, d("10"))
            .await,
        Err(Error::PermissionDenied { .. })
    ));
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn a_write_refused_for_its_nonce_is_moved_past_and_sent_once_more() {
    let (fake, c) = client().await;
    let submit = "/v2/auth/w/funding/offer/submit";
    fake.then(
        submit,
        Reply::status(500, r#"["error",10114,"nonce: small"]"#),
    );
    fake.answer(
        submit,
        &format!(r#"[1,"fon-req",null,null,{OFFER},null,"SUCCESS","Submitting"]"#),
    );
    let before = c.calls(Family::Auth);
    c.submit_funding_offer(&offer_request("150.5"))
        .await
        .unwrap();
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, seen[1].body, "the same request");
    assert!(seen[1].nonce.unwrap() >= seen[0].nonce.unwrap() + 1_000_000);
    assert_eq!(c.calls(Family::Auth) - before, 2, "both attempts counted");
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn a_rate_limited_public_family_pauses_only_itself_then_resumes() {
    let (fake, url) = server::start().await;
    let mut cfg = ClientConfig::for_base(&url);
    cfg.rate_limits = false;
    cfg.rate_limit_pause = Duration::from_millis(300);
    let c = Client::new(cfg, Some(Credentials::new(KEY, SECRET))).unwrap();
    fake.then("/v2/book/fUSD/R0", Reply::status(429, "Too Many Requests"));
    fake.answer("/v2/book/fUSD/R0", "[[645902785,30,0.0003301,-3862.874]]");
    fake.answer("/v2/auth/r/wallets", "[]");
    fake.answer(
        "/v2/ticker/fUSD",
        "[0.0003,0,0,0,0,0,0,0,0,0,0,0,0,null,null,0]",
    );
    assert_eq!(
        c.raw_book("fUSD", Some(100)).await,
        Err(Error::RateLimited {
            retry_after: Duration::from_millis(300)
        })
    );
    let sent = fake.seen().len();
    match c.raw_book("fUSD", Some(100)).await {
        Err(Error::RateLimited { retry_after }) => {
            assert!(retry_after <= Duration::from_millis(300))
        }
        other => panic!("{other:?}"),
    }
    assert!(c.paused_for(Family::Book).is_some());
    assert_eq!(fake.seen().len(), sent, "nothing sent while paused");
    c.wallets().await.expect("auth calls keep going");
    c.ticker("fUSD").await.expect("tickers keep going");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(c.paused_for(Family::Book), None);
    assert_eq!(c.raw_book("fUSD", Some(100)).await.unwrap().len(), 1);
    // Another client of the same host shares the pause (Bitfinex limits the IP).
    fake.then("/v2/book/fUSD/R0", Reply::status(429, ""));
    assert!(c.raw_book("fUSD", None).await.is_err());
    let other = Client::new(
        ClientConfig {
            rate_limits: false,
            ..ClientConfig::for_base(&url)
        },
        None,
    )
    .unwrap();
    assert!(matches!(
        other.raw_book("fUSD", None).await,
        Err(Error::RateLimited { .. })
    ));
}

#[tokio::test]
async fn calls_queued_behind_a_rate_limited_call_are_not_sent() {
    let (fake, c) = client().await;
    let c = Arc::new(c);
    fake.then(
        "/v2/auth/r/wallets",
        Reply {
            status: 500,
            body: r#"["error",11010,"ratelimit: error"]"#.into(),
            delay: Duration::from_millis(300),
            location: None,
        },
    );
    fake.answer("/v2/auth/r/wallets", "[]");
    fake.answer("/v2/auth/r/permissions", "[]");
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.wallets().await.map(drop) })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let queued: Vec<_> = (0..3)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.permissions().await.map(drop) })
        })
        .collect();
    assert!(matches!(
        first.await.unwrap(),
        Err(Error::RateLimited { .. })
    ));
    for q in queued {
        assert!(matches!(q.await.unwrap(), Err(Error::RateLimited { .. })));
    }
    assert_eq!(
        fake.seen().len(),
        1,
        "the queue was not sent into the limit"
    );
}

fn ledger_row(id: u64) -> String {
    format!(
        r#"[{id},"USD","funding",{},null,0.01,{},null,"Margin Funding Payment on wallet funding"]"#,
        1_000 + id / 2,
        100 + id
    )
}

#[tokio::test]
async fn ledgers_between_walks_every_page_without_gaps_or_repeats() {
    let (fake, c) = client().await;
    let path = "/v2/auth/r/ledgers/USD/hist";
    // 3000 rows, two per millisecond; Bitfinex answers newest first, 2500 at most.
    let page = |ids: std::ops::RangeInclusive<u64>| {
        let rows: Vec<String> = ids.rev().map(ledger_row).collect();
        format!("[{}]", rows.join(","))
    };
    fake.then(path, Reply::ok(&page(501..=3000)));
    // The next page ends at the oldest millisecond seen (1250: ids 500 and 501).
    fake.then(path, Reply::ok(&page(1..=501)));
    let all = c
        .ledgers_between(Some("USD"), Some(LEDGER_INTEREST), 0, None)
        .await
        .unwrap();
    assert_eq!(all.len(), 3000);
    assert!(
        all.windows(2)
            .all(|w| (w[0].mts, w[0].id) < (w[1].mts, w[1].id)),
        "oldest first"
    );
    assert_eq!((all[0].id, all[2999].id), (1, 3000));
    let bodies: Vec<Value> = fake.seen().iter().map(body).collect();
    assert_eq!(
        bodies,
        vec![
            json!({"category": 28, "start": 0, "limit": 2500}),
            json!({"category": 28, "start": 0, "end": 1250, "limit": 2500}),
        ]
    );
    // Nothing in range: one call, nothing returned.
    fake.then(path, Reply::ok("[]"));
    assert!(
        c.ledgers_between(Some("USD"), None, 5, Some(6))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn funding_trades_between_pages_by_time_and_keeps_every_fill_once() {
    let (fake, c) = client().await;
    let path = "/v2/auth/r/funding/trades/fUSD/hist";
    // 1500 fills, three per millisecond, newest first, 1000 a page.
    let row = |id: u64| format!(r#"[{id},"fUSD",{},77,150,0.0002,2,1]"#, 10_000 + id / 3);
    let page = |ids: std::ops::RangeInclusive<u64>| {
        format!("[{}]", ids.rev().map(row).collect::<Vec<_>>().join(","))
    };
    fake.then(path, Reply::ok(&page(501..=1500)));
    // The oldest millisecond of the first page, 10167, holds ids 501–503: the next page
    // ends there and fetches them again; they are kept once.
    fake.then(path, Reply::ok(&page(1..=503)));
    let all = c
        .funding_trades_between(Some("fUSD"), 0, Some(99_999))
        .await
        .unwrap();
    assert_eq!(all.len(), 1500);
    assert_eq!((all[0].id, all[1499].id), (1, 1500));
    assert!(
        all.windows(2)
            .all(|w| (w[0].mts_create, w[0].id) < (w[1].mts_create, w[1].id))
    );
    let bodies: Vec<Value> = fake.seen().iter().map(body).collect();
    assert_eq!(
        bodies,
        vec![
            json!({"start": 0, "end": 99_999, "limit": 1000}),
            json!({"start": 0, "end": 10_167, "limit": 1000}),
        ]
    );
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

#[tokio::test]
async fn the_key_goes_only_over_https_or_to_a_local_emulator() {
    let creds = || Some(Credentials::new(KEY, SECRET));
    assert!(matches!(
        Client::new(ClientConfig::for_base("http://api.example.com"), creds()),
        Err(Error::Refused(_))
    ));
    assert!(Client::new(ClientConfig::for_base("http://api.example.com"), None).is_ok());
    assert!(Client::new(ClientConfig::default(), creds()).is_ok());
    assert!(Client::new(ClientConfig::for_base("http://127.0.0.1:9"), creds()).is_ok());
    let c = ClientConfig::default();
    assert_eq!(
        (c.auth_url.as_str(), c.public_url.as_str()),
        ("https://api.bitfinex.com", "https://api-pub.bitfinex.com")
    );
    let split = ClientConfig::new("https://a.example/", "https://p.example");
    assert_eq!(
        (split.auth_url.as_str(), split.public_url.as_str()),
        ("https://a.example", "https://p.example")
    );
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let (fake, c) = client().await;
    fake.then(
        "/v2/auth/r/wallets",
        Reply::redirect("/v2/auth/r/permissions"),
    );
    fake.answer("/v2/auth/r/permissions", "[]");
    assert!(matches!(
        c.wallets().await,
        Err(Error::Api {
            code: Some(307),
            ..
        })
    ));
    assert_eq!(fake.seen().len(), 1, "the signed headers went nowhere else");
}

#[tokio::test]
async fn refused_requests_are_never_sent() {
    let (fake, c) = client().await;
    let off_bounds = AutoRenewRequest {
        enabled: true,
        currency: "USD".into(),
        amount: d("100"),
        rate: Decimal::ZERO,
        period: 150,
    };
    assert!(matches!(
        c.set_auto_renew(&off_bounds).await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.book("fUSD", 5, None).await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.book("fUSD", 0, Some(50)).await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.candles("trade:1m:fUSD", None, None, None, None).await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.transfer("exchange", "someone@else", "USD", None, d("1"))
            .await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.transfer("exchange", "funding", "USD", None, d("0")).await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.submit_funding_offer(&NewOffer {
            symbol: "tBTCUSD".into(),
            ..offer_request("200")
        })
        .await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        c.funding_offers(Some("fUSD/../../w/funding/offer/cancel/all"))
            .await,
        Err(Error::Refused(_))
    ));
    assert!(
        matches!(c.ticker("tBTCUSD").await, Err(Error::Refused(_))),
        "funding layout only"
    );
    assert!(matches!(
        c.tickers(&["fUSD", "tBTCUSD"]).await,
        Err(Error::Refused(_))
    ));
    assert!(matches!(c.last_price("fUSD").await, Err(Error::Refused(_))));
    assert!(matches!(
        c.funding_stats("USD", None, None, None).await,
        Err(Error::Refused(_))
    ));
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn a_key_that_cannot_go_into_a_header_is_refused_not_unknown() {
    let (fake, url) = server::start().await;
    let c = Client::new(
        ClientConfig::for_base(&url),
        Some(Credentials::new("testkey-pasted\nwith-a-newline", SECRET)),
    )
    .unwrap();
    assert!(matches!(c.wallets().await, Err(Error::Refused(_))));
    assert!(matches!(
        c.submit_funding_offer(&offer_request("200")).await,
        Err(Error::Refused(_))
    ));
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn exhausted_nonces_are_an_error_before_anything_is_sent() {
    let (fake, url) = server::start().await;
    let key = "testkey-exhausted-only";
    let key_id = {
        use sha2::Digest;
        hex_of(&sha2::Sha256::digest(key.as_bytes()))
    };
    let store = Arc::new(MemoryNonceStore::default());
    store.save(&key_id, MAX_NONCE - 1);
    let mut cfg = ClientConfig::for_base(&url);
    cfg.nonce_store = Some(store);
    let c = Client::new(cfg, Some(Credentials::new(key, SECRET))).unwrap();
    assert_eq!(c.wallets().await, Err(Error::Nonce));
    assert!(fake.seen().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// However many signed calls run at once, from one client or two clients of the same
    /// key, Bitfinex sees strictly increasing nonces.
    #[test]
    fn concurrent_calls_send_strictly_increasing_nonces(n in 2usize..24, two_clients in any::<bool>()) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
        rt.block_on(async {
            let (fake, url) = server::start().await;
            fake.answer("/v2/auth/r/wallets", "[]");
            fake.answer("/v2/auth/r/permissions", "[]");
            let make = || {
                let mut cfg = ClientConfig::for_base(&url);
                cfg.rate_limits = false;
                Arc::new(Client::new(cfg, Some(Credentials::new(KEY, SECRET))).unwrap())
            };
            let a = make();
            let b = if two_clients { make() } else { a.clone() };
            let tasks: Vec<_> = (0..n)
                .map(|i| {
                    let c = if i % 3 == 0 { b.clone() } else { a.clone() };
                    tokio::spawn(async move {
                        if i % 2 == 0 { c.wallets().await.map(drop) } else { c.permissions().await.map(drop) }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap().unwrap();
            }
            let nonces: Vec<u64> = fake.seen().iter().map(|s| s.nonce.unwrap()).collect();
            assert_eq!(nonces.len(), n);
            assert!(nonces.windows(2).all(|w| w[0] < w[1]), "{nonces:?}");
            assert!(fake.problems().is_empty(), "{:?}", fake.problems());
        });
    }
}
