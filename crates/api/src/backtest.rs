//! Backtests from the app: the Strategy page runs the settings being edited against the seeded
//! synthetic market (calibrated on real Bitfinex fUSD data) or against the **real** fUSD market
//! of a window of days, downloaded from Bitfinex's public history ([`crate::market_data`]), next
//! to Auto-Renew, the baselines and the hindsight bound.

use backtest::{MarketSource, Report, Spec};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use ts_rs::TS;

use crate::core::Core;
use crate::{ApiError, ErrorCode};

/// Which market a backtest replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum BacktestMarket {
    /// The seeded synthetic market: the same seed, the same market.
    #[serde(rename_all = "camelCase")]
    Synthetic {
        /// Seed.
        #[ts(type = "number")]
        seed: u64,
    },
    /// The real fUSD market of the days before `endMts` (UTC ms; `null`: the last full hour),
    /// downloaded from Bitfinex's public history: 1-minute candles of the 2–30-day trades and
    /// hourly FRR. Minutes without trades and the market for loans over 30 days are the
    /// calibrated model's (the report's `coverage` says how much).
    #[serde(rename_all = "camelCase")]
    Real {
        /// End of the window (UTC ms), `null` for now.
        #[ts(type = "number | null")]
        end_mts: Option<i64>,
    },
}

/// The last real window downloaded: kept so that testing other settings on the same days does
/// not download it again.
#[derive(Default)]
pub(crate) struct MarketCache {
    window: Option<(i64, i64, bfx_sim::ReplayData)>,
}

/// Share of the progress bar given to downloading real data.
const DOWNLOAD_SHARE: u64 = 20;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

impl Core {
    /// Progress of the running backtest, 0–100 (for `backtest://progress`).
    pub fn backtest_subscribe(&self) -> watch::Receiver<u8> {
        self.backtest_progress.subscribe()
    }

    /// Runs `settings` over `days` of `market` with `balance` (USD), next to the baselines.
    /// One at a time: a second call while one runs is refused.
    pub async fn backtest(
        &self,
        settings: lender::StrategySettings,
        days: u32,
        market: BacktestMarket,
        balance: &str,
    ) -> Result<Report, ApiError> {
        if !(1..=30).contains(&days) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "Choose between 1 and 30 days.",
            ));
        }
        let balance: Decimal = balance.trim().parse().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("\"{balance}\" is not an amount."),
            )
        })?;
        if balance < Decimal::from(150) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "Use a balance of at least 150 USD, Bitfinex's smallest offer.",
            ));
        }
        if let Err(fields) = settings.validate() {
            let mut e = ApiError::new(
                ErrorCode::InvalidInput,
                fields
                    .first()
                    .map_or_else(|| "Invalid settings.".to_owned(), |f| f.message.clone()),
            );
            e.fields = fields;
            return Err(e);
        }
        let Ok(mut cache) = self.backtest_gate.try_lock() else {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "A backtest is already running; wait for it to finish.",
            ));
        };
        let progress = self.backtest_progress.clone();
        progress.send_replace(0);
        let (source, first) = match market {
            BacktestMarket::Synthetic { seed } => (MarketSource::Synthetic { seed }, 0),
            BacktestMarket::Real { end_mts } => {
                let r = self.real_market(&mut cache, days, end_mts).await;
                if r.is_err() {
                    progress.send_replace(100);
                }
                (r?, DOWNLOAD_SHARE)
            }
        };
        let mut spec = Spec::new(source, i64::from(days) * 24, balance);
        spec.strategies = vec![("Your settings".into(), settings)];
        let r = backtest::run(&spec, |done, total| {
            let pct = first + done.saturating_mul(100 - first) / total.max(1);
            progress.send_replace(u8::try_from(pct.min(100)).unwrap_or(100));
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()));
        progress.send_replace(100);
        r
    }

    /// The real window of `days` days ending at `end_mts` (the last full hour when `None`),
    /// downloaded unless it is the one in the cache.
    async fn real_market(
        &self,
        cache: &mut MarketCache,
        days: u32,
        end_mts: Option<i64>,
    ) -> Result<MarketSource, ApiError> {
        let now = crate::core::now_mts();
        let to = end_mts.unwrap_or(now).min(now).div_euclid(HOUR_MS) * HOUR_MS;
        let from = to - i64::from(days) * DAY_MS;
        let data = match &cache.window {
            Some((f, t, data)) if *f == from && *t == to => data.clone(),
            _ => {
                let client = self.public_client()?;
                let progress = self.backtest_progress.clone();
                let data =
                    crate::market_data::download(&client, "fUSD", from, to, |done, total| {
                        let pct = u64::from(done) * DOWNLOAD_SHARE / u64::from(total.max(1));
                        progress.send_replace(u8::try_from(pct).unwrap_or(0));
                    })
                    .await?;
                cache.window = Some((from, to, data.clone()));
                data
            }
        };
        if data.candles.is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "Bitfinex has no fUSD trades of 2–30 days recorded between {} and {} UTC; choose other days.",
                    bfx_sim::replay::day_label(from),
                    bfx_sim::replay::day_label(to)
                ),
            ));
        }
        if data.stats.first().is_none_or(|s| s.mts > from) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "Bitfinex's funding statistics (FRR) start after {} UTC, so the window cannot be replayed; choose later days.",
                    bfx_sim::replay::day_label(from)
                ),
            ));
        }
        Ok(MarketSource::RealData {
            name: format!(
                "{} → {}",
                &bfx_sim::replay::day_label(from)[..10],
                &bfx_sim::replay::day_label(to - 1)[..10]
            ),
            data,
            from,
            calibration: bfx_sim::Calibration::default(),
        })
    }
}
