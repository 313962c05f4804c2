//! The engine's [`Exchange`] over the real Bitfinex client (`bfx`), which also speaks to
//! `bfx-sim`; and a [`bfx::NonceStore`] kept in SQLite.

use std::sync::Arc;

use rust_decimal::Decimal;
use store::Store;

use crate::exchange::{
    CurrencyCredit, Exchange, ExchangeError, ExchangeOffer, FundingWallet, OfferStatus,
};
use crate::model::{BookOffer, Credit, MarketSnapshot, OfferKind, PublicPrint};
use crate::planner::DesiredOffer;

/// Rows asked for in one `trades/{fSYM}/hist` call: far more than five minutes of fUSD trades
/// (the 2026 tapes hold about 6 000 a day), well under any page limit.
const PUBLIC_TRADES_PAGE: u32 = 1_000;

/// Bitfinex (or bfx-sim) through `bfx::Client`.
pub struct BfxExchange {
    client: Arc<bfx::Client>,
}

impl BfxExchange {
    /// Wraps a client.
    pub fn new(client: Arc<bfx::Client>) -> Self {
        Self { client }
    }

    /// The client.
    pub fn client(&self) -> &Arc<bfx::Client> {
        &self.client
    }
}

fn map(e: bfx::Error) -> ExchangeError {
    match e {
        bfx::Error::InvalidKey { message } => ExchangeError::InvalidKey(message),
        bfx::Error::NoCredentials => ExchangeError::InvalidKey("no API key".into()),
        bfx::Error::PermissionDenied { message } => ExchangeError::PermissionDenied(message),
        e @ bfx::Error::Nonce => ExchangeError::Nonce(e.to_string()),
        bfx::Error::RateLimited { retry_after } => ExchangeError::RateLimited { retry_after },
        bfx::Error::Maintenance => ExchangeError::Maintenance,
        bfx::Error::Rejected { text } => ExchangeError::Rejected(text),
        bfx::Error::InvalidParams { message } => ExchangeError::Rejected(message),
        bfx::Error::Refused(m) => ExchangeError::Rejected(m),
        bfx::Error::Api {
            code: Some(code),
            message,
        } => ExchangeError::Rejected(format!("{message} (Bitfinex error {code})")),
        bfx::Error::Api {
            code: None,
            message,
        } => ExchangeError::Rejected(message),
        bfx::Error::Transport { message } => ExchangeError::Transport(message),
        bfx::Error::Unknown { endpoint, message } => {
            ExchangeError::Unknown(format!("{endpoint}: {message}"))
        }
        bfx::Error::Decode { endpoint, snippet } => {
            ExchangeError::Decode(format!("{endpoint}: {snippet}"))
        }
    }
}

fn currency(symbol: &str) -> String {
    symbol.strip_prefix('f').unwrap_or(symbol).to_owned()
}

fn offer(o: &bfx::FundingOffer) -> ExchangeOffer {
    ExchangeOffer {
        id: o.id,
        currency: currency(&o.symbol),
        amount: o.amount,
        amount_orig: o.amount_orig,
        rate: o.rate,
        period: o.period,
        kind: if o.offer_type == "FRRDELTAVAR" {
            OfferKind::FrrDeltaVar
        } else {
            OfferKind::Limit
        },
        hidden: o.hidden,
        created_mts: o.mts_created,
        status: match o.status_kind() {
            "EXECUTED" => OfferStatus::Executed,
            "CANCELED" => OfferStatus::Canceled,
            _ => OfferStatus::Active,
        },
        unreadable: o.unreadable.iter().map(|f| (*f).to_owned()).collect(),
    }
}

impl Exchange for BfxExchange {
    async fn funding_wallets(&self) -> Result<Vec<FundingWallet>, ExchangeError> {
        let w = self.client.wallets().await.map_err(map)?;
        Ok(w.into_iter()
            .filter(|w| w.wallet_type == "funding")
            .map(|w| FundingWallet {
                available: w.available,
                currency: w.currency,
                balance: w.balance,
            })
            .collect())
    }

    async fn active_offers(&self) -> Result<Vec<ExchangeOffer>, ExchangeError> {
        Ok(self
            .client
            .funding_offers(None)
            .await
            .map_err(map)?
            .iter()
            .map(offer)
            .collect())
    }

    async fn offer_history(
        &self,
        currency: &str,
        since_mts: i64,
    ) -> Result<Vec<ExchangeOffer>, ExchangeError> {
        let sym = format!("f{currency}");
        let rows = self
            .client
            .funding_offers_hist_between(Some(&sym), since_mts, None)
            .await
            .map_err(map)?;
        Ok(rows.iter().map(offer).collect())
    }

    async fn credits(&self) -> Result<Vec<CurrencyCredit>, ExchangeError> {
        let rows = self.client.funding_credits(None).await.map_err(map)?;
        Ok(rows
            .into_iter()
            .filter(|c| c.side >= 0)
            .map(|c| CurrencyCredit {
                currency: currency(&c.symbol),
                credit: Credit {
                    id: c.id,
                    amount: c.amount,
                    rate: c.rate,
                    period: c.period,
                    opened_mts: c.mts_opening,
                },
            })
            .collect())
    }

    async fn market(&self, cur: &str) -> Result<MarketSnapshot, ExchangeError> {
        let sym = format!("f{cur}");
        let book = self.client.raw_book(&sym, Some(100)).await.map_err(map)?;
        let ticker = self.client.ticker(&sym).await.map_err(map)?;
        let usd_price = match cur {
            "USD" | "UST" => Decimal::ONE,
            other => self
                .client
                .last_price(&format!("t{other}USD"))
                .await
                .map_err(map)?,
        };
        Ok(MarketSnapshot {
            frr: (ticker.frr > Decimal::ZERO).then_some(ticker.frr),
            asks: book
                .into_iter()
                .filter(|e| e.amount > Decimal::ZERO)
                .map(|e| BookOffer {
                    id: e.offer_id,
                    rate: e.rate,
                    period: e.period,
                    amount: e.amount,
                })
                .collect(),
            usd_price,
            last_rate: (ticker.last_price > Decimal::ZERO).then_some(ticker.last_price),
            frr_line: ticker.frr_amount_available,
        })
    }

    async fn last_rates(
        &self,
        currencies: &[String],
    ) -> Result<Vec<(String, Decimal)>, ExchangeError> {
        let syms: Vec<String> = currencies.iter().map(|c| format!("f{c}")).collect();
        let refs: Vec<&str> = syms.iter().map(String::as_str).collect();
        let tickers = self.client.tickers(&refs).await.map_err(map)?;
        Ok(tickers
            .into_iter()
            .filter(|t| t.last_price > Decimal::ZERO)
            .filter_map(|t| {
                let cur = t.symbol.as_deref()?.strip_prefix('f')?.to_owned();
                Some((cur, t.last_price))
            })
            .collect())
    }

    async fn public_trades(
        &self,
        cur: &str,
        since_mts: i64,
    ) -> Result<Vec<PublicPrint>, ExchangeError> {
        let sym = format!("f{cur}");
        let rows = self
            .client
            .trades(
                &sym,
                Some(PUBLIC_TRADES_PAGE),
                Some(since_mts),
                None,
                Some(1),
            )
            .await
            .map_err(map)?;
        Ok(rows
            .into_iter()
            .map(|t| PublicPrint {
                mts: t.mts,
                amount: t.amount.abs(),
                rate: t.rate,
                period: t.period,
            })
            .collect())
    }

    async fn submit_offer(
        &self,
        cur: &str,
        d: &DesiredOffer,
    ) -> Result<ExchangeOffer, ExchangeError> {
        let new = bfx::NewOffer {
            offer_type: match d.kind {
                OfferKind::Limit => bfx::OfferType::Limit,
                OfferKind::FrrDeltaVar => bfx::OfferType::FrrDeltaVar,
            },
            symbol: format!("f{cur}"),
            amount: d.amount,
            rate: d.rate,
            period: d.period,
            hidden: d.hidden,
        };
        Ok(offer(
            &self.client.submit_funding_offer(&new).await.map_err(map)?,
        ))
    }

    async fn cancel_offer(&self, id: i64) -> Result<(), ExchangeError> {
        self.client
            .cancel_funding_offer(id)
            .await
            .map(drop)
            .map_err(map)
    }
}

/// Nonces kept in the app's SQLite database.
pub struct StoreNonces(pub Arc<Store>);

impl bfx::NonceStore for StoreNonces {
    fn load(&self, key_id: &str) -> Option<u64> {
        self.0.last_nonce(key_id).ok().flatten()
    }

    fn save(&self, key_id: &str, nonce: u64) {
        if let Err(e) = self.0.store_nonce(key_id, nonce) {
            tracing::warn!(error = %e, "could not persist the nonce");
        }
    }
}
