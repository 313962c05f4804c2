//! A tiny signed client written from the reference (not `crates/bfx`), so a layout or
//! signing mistake cannot hide on both sides.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use bfx_sim::{ClockMode, MarketSpec, Sim, SimConfig, SimHandle};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha384;

pub const START: i64 = 1_780_272_000_000; // 2026-06-01T00:00:00Z
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 86_400_000;

static NONCE: AtomicU64 = AtomicU64::new(1_700_000_000_000_000);

pub struct Api {
    pub url: String,
    pub key: String,
    pub secret: String,
    http: reqwest::Client,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Api {
    pub fn new(url: &str, key: &str, secret: &str) -> Self {
        Self {
            url: url.into(),
            key: key.into(),
            secret: secret.into(),
            http: reqwest::Client::new(),
        }
    }

    pub fn sign(&self, path: &str, nonce: &str, body: &str) -> String {
        let mut mac = Hmac::<Sha384>::new_from_slice(self.secret.as_bytes()).unwrap();
        mac.update(format!("/api/v2/{path}{nonce}{body}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A signed POST with `body` sent exactly as given (None = no body at all).
    pub async fn raw(&self, path: &str, body: Option<&str>, nonce: Option<u64>) -> Answer {
        let n = nonce
            .unwrap_or_else(|| NONCE.fetch_add(1, Ordering::SeqCst))
            .to_string();
        let sig = self.sign(path, &n, body.unwrap_or(""));
        let mut req = self
            .http
            .post(format!("{}/v2/{path}", self.url))
            .header("content-type", "application/json")
            .header("bfx-nonce", n)
            .header("bfx-apikey", &self.key)
            .header("bfx-signature", sig);
        if let Some(b) = body {
            req = req.body(b.to_owned());
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.raw(path, Some(&body.to_string()), None).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        let r = self
            .http
            .get(format!("{}/v2/{path}", self.url))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    pub async fn admin(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/admin/{path}", self.url);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).body(body.to_string()),
        };
        req.send().await.unwrap().json().await.unwrap()
    }
}

/// A manual-clock simulator with a demo account, served on 127.0.0.1:0.
pub async fn start(market: MarketSpec) -> (Sim, SimHandle, Api) {
    let sim = Sim::new(SimConfig {
        seed: 11,
        start_mts: START,
        clock: ClockMode::Manual,
        market,
        ..SimConfig::default()
    });
    let demo = sim.demo_account("10000");
    let h = sim.serve("127.0.0.1:0").await.unwrap();
    let api = Api::new(&h.url, &demo.key, &demo.secret);
    (sim, h, api)
}

pub fn err(a: &Answer) -> (i64, String) {
    let arr = a
        .body
        .as_array()
        .unwrap_or_else(|| panic!("not an error array: {}", a.body));
    assert_eq!(arr[0], "error", "{}", a.body);
    (
        arr[1].as_i64().unwrap_or(-1),
        arr[2].as_str().unwrap_or("").to_owned(),
    )
}
