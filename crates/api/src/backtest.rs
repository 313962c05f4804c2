//! Backtests from the app: the Strategy page runs the settings being edited against a replay
//! of the seeded synthetic market (calibrated on real Bitfinex fUSD data; the recorded tapes
//! are not shipped with the app), next to Auto-Renew, the baselines and perfect foresight.

use backtest::{MarketSource, Report, Spec};
use rust_decimal::Decimal;
use tokio::sync::watch;

use crate::core::Core;
use crate::{ApiError, ErrorCode};

impl Core {
    /// Progress of the running backtest, 0–100 (for `backtest://progress`).
    pub fn backtest_subscribe(&self) -> watch::Receiver<u8> {
        self.backtest_progress.subscribe()
    }

    /// Runs `settings` over `days` of the synthetic market `seed` with `balance` (USD), next to
    /// the baselines. One at a time: a second call while one runs is refused.
    pub async fn backtest(
        &self,
        settings: lender::StrategySettings,
        days: u32,
        seed: u64,
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
        let Ok(_running) = self.backtest_gate.try_lock() else {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "A backtest is already running; wait for it to finish.",
            ));
        };
        let mut spec = Spec::new(
            MarketSource::Synthetic { seed },
            i64::from(days) * 24,
            balance,
        );
        spec.strategies = vec![("Your settings".into(), settings)];
        let progress = self.backtest_progress.clone();
        progress.send_replace(0);
        let r = backtest::run(&spec, |done, total| {
            let pct = done.saturating_mul(100) / total.max(1);
            progress.send_replace(u8::try_from(pct.min(100)).unwrap_or(100));
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()));
        progress.send_replace(100);
        r
    }
}
