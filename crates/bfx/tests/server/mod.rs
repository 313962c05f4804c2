//! A loopback Bitfinex stand-in for the client's tests: it checks every signed request
//! (headers, HMAC over the raw body, strictly increasing nonces) and answers with scripted
//! real-layout bodies.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

/// The fake accepts any key starting with `testkey`, all with [`SECRET`].
pub const KEY: &str = "testkey-0123456789abcdefghijklmnopqrstuvwxy";
pub const SECRET: &str = "testsecret";

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: String,
    pub nonce: Option<u64>,
}

#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
    pub location: Option<String>,
}

impl Reply {
    pub fn ok(body: &str) -> Self {
        Self {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
            location: None,
        }
    }
    pub fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.into(),
            delay: Duration::ZERO,
            location: None,
        }
    }
    pub fn slow(body: &str, delay: Duration) -> Self {
        Self {
            status: 200,
            body: body.into(),
            delay,
            location: None,
        }
    }
    pub fn redirect(to: &str) -> Self {
        Self {
            status: 307,
            body: String::new(),
            delay: Duration::ZERO,
            location: Some(to.into()),
        }
    }
}

#[derive(Default)]
pub struct Inner {
    pub seen: Vec<Seen>,
    pub problems: Vec<String>,
    pub last_nonce: u64,
    /// Scripted replies per path, used in order, before the default.
    pub script: HashMap<String, VecDeque<Reply>>,
    /// Default reply per path.
    pub default: HashMap<String, Reply>,
}

#[derive(Clone, Default)]
pub struct Fake(pub Arc<Mutex<Inner>>);

impl Fake {
    pub fn answer(&self, path: &str, body: &str) {
        self.0.lock().default.insert(path.into(), Reply::ok(body));
    }
    pub fn then(&self, path: &str, reply: Reply) {
        self.0
            .lock()
            .script
            .entry(path.into())
            .or_default()
            .push_back(reply);
    }
    pub fn seen(&self) -> Vec<Seen> {
        self.0.lock().seen.clone()
    }
    pub fn last(&self) -> Seen {
        self.0
            .lock()
            .seen
            .last()
            .cloned()
            .expect("a request was made")
    }
    pub fn problems(&self) -> Vec<String> {
        self.0.lock().problems.clone()
    }
}

fn verify(inner: &mut Inner, path: &str, headers: &HeaderMap, body: &[u8]) -> Option<u64> {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (Some(nonce), Some(key), Some(sig)) = (h("bfx-nonce"), h("bfx-apikey"), h("bfx-signature"))
    else {
        inner
            .problems
            .push(format!("{path}: missing bfx-* headers"));
        return None;
    };
    if h("content-type").as_deref() != Some("application/json") {
        inner
            .problems
            .push(format!("{path}: content-type is not application/json"));
    }
    if h("accept").as_deref() != Some("application/json") {
        inner
            .problems
            .push(format!("{path}: accept is not application/json"));
    }
    if !key.starts_with("testkey") {
        inner.problems.push(format!("{path}: wrong api key"));
    }
    // The body is compact JSON (an object, `{}` without parameters), exactly what was signed.
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v @ serde_json::Value::Object(_)) => {
            if serde_json::to_vec(&v).unwrap() != body {
                inner
                    .problems
                    .push(format!("{path}: body is not compact JSON"));
            }
        }
        _ => inner
            .problems
            .push(format!("{path}: body is not a JSON object")),
    }
    let signed = path.trim_start_matches("/v2/");
    let want = bfx::sign_rest(SECRET, signed, &nonce, body);
    if sig != want {
        inner.problems.push(format!("{path}: bad signature"));
    }
    let n: u64 = nonce.parse().unwrap_or(0);
    if n <= inner.last_nonce {
        inner
            .problems
            .push(format!("{path}: nonce {n} not above {}", inner.last_nonce));
    }
    if n >= bfx::MAX_NONCE {
        inner
            .problems
            .push(format!("{path}: nonce above MAX_SAFE_INTEGER"));
    }
    inner.last_nonce = inner.last_nonce.max(n);
    Some(n)
}

async fn handle(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let reply = {
        let mut inner = fake.0.lock();
        let nonce = if path.starts_with("/v2/auth/") {
            verify(&mut inner, &path, &headers, &body)
        } else {
            None
        };
        inner.seen.push(Seen {
            method: method.to_string(),
            path: path.clone(),
            query: uri.query().map(str::to_owned),
            body: String::from_utf8_lossy(&body).into_owned(),
            nonce,
        });
        let scripted = inner.script.get_mut(&path).and_then(VecDeque::pop_front);
        scripted
            .or_else(|| inner.default.get(&path).cloned())
            .unwrap_or(Reply::status(404, "not scripted"))
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut resp = (
        StatusCode::from_u16(reply.status).unwrap(),
        [("content-type", "application/json")],
        reply.body,
    )
        .into_response();
    if let Some(to) = reply.location {
        resp.headers_mut()
            .insert("location", to.parse().expect("a header value"));
    }
    resp
}

/// Starts the fake on 127.0.0.1:0; returns its base URL.
pub async fn start() -> (Fake, String) {
    let fake = Fake::default();
    let app = Router::new().fallback(handle).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, url)
}

/// A client of this fake with the test key, rate limiting off and a short timeout.
pub async fn client() -> (Fake, bfx::Client) {
    let (fake, url) = start().await;
    let mut cfg = bfx::ClientConfig::for_base(&url);
    cfg.rate_limits = false;
    cfg.timeout = Duration::from_millis(800);
    (
        fake,
        bfx::Client::new(cfg, Some(bfx::Credentials::new(KEY, SECRET))).unwrap(),
    )
}

/// A 2-day limit offer of `amount` USD at 0.02 % a day.
pub fn offer_request(amount: &str) -> bfx::NewOffer {
    bfx::NewOffer {
        offer_type: bfx::OfferType::Limit,
        symbol: "fUSD".into(),
        amount: amount.parse().unwrap(),
        rate: "0.0002".parse().unwrap(),
        period: 2,
        hidden: false,
    }
}
