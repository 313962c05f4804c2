//! The secret never reaches the logs (at TRACE), `Debug` output or errors. Alone in its test
//! binary because it installs the global tracing subscriber.

mod server;

use std::sync::Arc;
use std::time::Duration;

use bfx::*;
use server::{KEY, Reply, SECRET, client, offer_request};

#[derive(Clone, Default)]
struct Captured(Arc<parking_lot::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn the_secret_never_reaches_logs_debug_output_or_errors() {
    let logs = Captured::default();
    // The global subscriber, in a test binary of its own: a thread-local one (`set_default`)
    // races with other tests registering the same call sites and can miss the first events.
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let (fake, c) = client().await;
    let mut shown = format!("{c:?} {:?} {:?}", c.config(), Credentials::new(KEY, SECRET));
    fake.answer("/v2/auth/r/wallets", "[]");
    c.wallets().await.unwrap();
    let errors = [
        Reply::status(500, r#"["error",10100,"apikey: digest invalid"]"#),
        Reply::status(500, r#"["error",10114,"nonce: small"]"#),
        Reply::status(500, r#"["error",10114,"nonce: small"]"#),
        Reply::status(429, ""),
    ];
    for reply in errors {
        fake.then("/v2/auth/r/permissions", reply);
    }
    for _ in 0..4 {
        if let Err(e) = c.permissions().await {
            shown.push_str(&format!("{e} {e:?} "));
        }
    }
    fake.then(
        "/v2/auth/w/funding/offer/submit",
        Reply::slow("[]", Duration::from_secs(2)),
    );
    let e = c
        .submit_funding_offer(&offer_request("200"))
        .await
        .unwrap_err();
    shown.push_str(&format!("{e} {e:?}"));
    let log = String::from_utf8(logs.0.lock().clone()).unwrap();
    assert!(log.contains("bitfinex call"), "{log}");
    assert!(log.contains("auth/r/wallets"), "{log}");
    assert!(log.contains("RateLimited"), "{log}");
    for text in [&log, &shown] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.to_lowercase().contains("bfx-signature"), "{text}");
        assert!(!text.contains(KEY), "not even the whole key: {text}");
    }
}
