//! Per-currency strategy settings, the presets, and validation with a specific message per field.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A named starting point for the settings: a risk attitude. Each was chosen on training data
/// only (docs/strategy.md) and keeps a one-line promise the walk-forward backtests check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[ts(export)]
pub enum Preset {
    /// Always lent: everything in long loans just under FRR, where long borrowers bid.
    Steady,
    /// Most of the balance long just under FRR; a fifth on short loans that follow the market
    /// and wait for spikes.
    Balanced,
    /// Half long; half on a short ladder with a large tranche held high for rate spikes.
    SpikeHunting,
    /// Settings changed by hand.
    Custom,
}

/// Reads today's names and those of the versions before long loans (`Conservative`,
/// `Aggressive`).
impl<'de> Deserialize<'de> for Preset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match name.as_str() {
            "Steady" | "Conservative" => Ok(Self::Steady),
            "Balanced" => Ok(Self::Balanced),
            "SpikeHunting" | "Aggressive" => Ok(Self::SpikeHunting),
            "Custom" => Ok(Self::Custom),
            other => Err(serde::de::Error::unknown_variant(
                other,
                &["Steady", "Balanced", "SpikeHunting", "Custom"],
            )),
        }
    }
}

impl Preset {
    /// The presets a user can pick.
    pub const ALL: [Self; 3] = [Self::Steady, Self::Balanced, Self::SpikeHunting];

    /// The preset's name in commands (`steady`, `balanced`, `spike-hunting`); the old names
    /// `conservative` and `aggressive` are accepted too.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "steady" | "conservative" => Some(Self::Steady),
            "balanced" => Some(Self::Balanced),
            "spike-hunting" | "spikehunting" | "spike" | "aggressive" => Some(Self::SpikeHunting),
            _ => None,
        }
    }

    /// A name for reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Steady => "Steady",
            Self::Balanced => "Balanced",
            Self::SpikeHunting => "Spike-hunting",
            Self::Custom => "Custom",
        }
    }

    /// The preset's promise, in one line (the walk-forward backtests check it).
    pub fn promise(self) -> &'static str {
        match self {
            Self::Steady => {
                "Nearly always lent: everything in 120-day loans at 0.8 × FRR, where long borrowers bid."
            }
            Self::Balanced => {
                "80 % in 120-day loans at 0.8 × FRR; 20 % on short loans that follow the market and wait for spikes."
            }
            Self::SpikeHunting => {
                "Half long at 0.8 × FRR; half on a short ladder with a third of it held at twice the market for spikes. Earns less when spikes are rare."
            }
            Self::Custom => "Your own settings.",
        }
    }
}

fn default_long_frr_factor() -> Decimal {
    dec!(0.8)
}

fn default_long_period() -> u32 {
    120
}

/// Lend for `days` when the offer's daily rate is at least `min_rate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PeriodThreshold {
    /// Daily rate from which this period applies.
    #[ts(type = "string")]
    pub min_rate: Decimal,
    /// Period in days (2–120).
    pub days: u32,
}

/// How to lend one currency. Amounts are in that currency; book depths in USD-equivalent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StrategySettings {
    /// The preset these settings came from (`Custom` once edited).
    pub preset: Preset,
    /// Lend this currency at all.
    pub enabled: bool,
    /// Amount always kept idle in the funding wallet.
    #[ts(type = "string")]
    pub reserve: Decimal,
    /// Most that may be lent and on offer together; `None` = no cap.
    #[ts(type = "string | null")]
    pub max_to_lend: Option<Decimal>,
    /// Never offer below this daily rate.
    #[ts(type = "string")]
    pub min_daily_rate: Decimal,
    /// Also never below FRR × this factor (e.g. 0.5); `None` = only the absolute floor.
    #[ts(type = "string | null")]
    pub min_rate_frr_factor: Option<Decimal>,
    /// Number of ladder steps (1–20).
    pub tranches: u32,
    /// Where the ladder starts: cumulative offers ahead of us in the book, USD-equivalent.
    #[ts(type = "string")]
    pub gap_bottom_usd: Decimal,
    /// Where the ladder ends (≥ `gap_bottom_usd`).
    #[ts(type = "string")]
    pub gap_top_usd: Decimal,
    /// Share of the lendable amount held back at a high rate for spikes (0–0.5).
    #[ts(type = "string")]
    pub spike_fraction: Decimal,
    /// The spike tranche's rate: the ladder's highest rate × this (≥ 1).
    #[ts(type = "string")]
    pub spike_rate_multiplier: Decimal,
    /// Period by rate; below the first threshold the period is 2 days.
    pub period_thresholds: Vec<PeriodThreshold>,
    /// Lower an unfilled offer's rate after this many minutes (0 = never).
    pub reprice_after_minutes: u32,
    /// Each repricing lowers the rate by this share (0–0.5), never below the floor.
    #[ts(type = "string")]
    pub reprice_step: Decimal,
    /// Offer at the Flash Return Rate (FRRDELTAVAR) instead of a ladder.
    pub frr_mode: bool,
    /// Offset above FRR in FRR mode (≥ 0).
    #[ts(type = "string")]
    pub frr_delta: Decimal,
    /// Hide offers from the public book.
    pub hidden: bool,
    /// Largest single offer; larger tranches are split. `None` = no limit.
    #[ts(type = "string | null")]
    pub max_order_size: Option<Decimal>,
    /// Most newly offered per UTC day; `None` = no limit.
    #[ts(type = "string | null")]
    pub daily_budget: Option<Decimal>,
    /// Share of the lendable amount offered as long loans priced from FRR (0–1); 0 = none.
    /// Settings saved before this existed load with 0 (see [`StrategySettings::upgrade`]).
    #[serde(default)]
    #[ts(type = "string")]
    pub long_share: Decimal,
    /// The long loans' rate: FRR × this (0.1–2), never below the minimum rate or the
    /// short market's best offer.
    #[serde(default = "default_long_frr_factor")]
    #[ts(type = "string")]
    pub long_frr_factor: Decimal,
    /// The long loans' period in days (2–120).
    #[serde(default = "default_long_period")]
    pub long_period: u32,
    /// Lend a short offer for 30 days when its rate is in the top 5 % of the last day's short
    /// trades (high *relative to the recent market*), whatever `period_thresholds` say.
    #[serde(default)]
    pub longer_when_high: bool,
}

impl StrategySettings {
    /// The settings of a preset.
    pub fn preset(preset: Preset) -> Self {
        let base = Self {
            preset,
            enabled: true,
            reserve: Decimal::ZERO,
            max_to_lend: None,
            min_daily_rate: dec!(0.00005),
            min_rate_frr_factor: None,
            tranches: 1,
            gap_bottom_usd: Decimal::ZERO,
            gap_top_usd: Decimal::ZERO,
            spike_fraction: dec!(0.25),
            spike_rate_multiplier: dec!(2),
            period_thresholds: vec![PeriodThreshold {
                min_rate: dec!(0.0006),
                days: 30,
            }],
            reprice_after_minutes: 15,
            reprice_step: dec!(0.05),
            frr_mode: false,
            frr_delta: Decimal::ZERO,
            hidden: false,
            max_order_size: None,
            daily_budget: None,
            long_share: dec!(0.8),
            long_frr_factor: default_long_frr_factor(),
            long_period: default_long_period(),
            longer_when_high: false,
        };
        match preset {
            Preset::Steady => Self {
                long_share: Decimal::ONE,
                spike_fraction: Decimal::ZERO,
                ..base
            },
            Preset::Balanced | Preset::Custom => base,
            Preset::SpikeHunting => Self {
                long_share: dec!(0.5),
                tranches: 3,
                gap_bottom_usd: dec!(50000),
                gap_top_usd: dec!(1000000),
                spike_fraction: dec!(0.35),
                spike_rate_multiplier: dec!(2),
                reprice_after_minutes: 30,
                ..base
            },
        }
    }

    /// The presets as they were before long loans (settings files of those versions name them
    /// `Conservative`, `Balanced` and `Aggressive`), frozen: [`StrategySettings::upgrade`]
    /// recognises them by these values. `None` for `Custom`.
    pub fn legacy_preset(preset: Preset) -> Option<Self> {
        let base = Self {
            preset,
            enabled: true,
            reserve: Decimal::ZERO,
            max_to_lend: None,
            min_daily_rate: dec!(0.00005),
            min_rate_frr_factor: None,
            tranches: 3,
            gap_bottom_usd: dec!(50000),
            gap_top_usd: dec!(1000000),
            spike_fraction: dec!(0.10),
            spike_rate_multiplier: dec!(1.5),
            period_thresholds: vec![
                PeriodThreshold {
                    min_rate: dec!(0.0004),
                    days: 30,
                },
                PeriodThreshold {
                    min_rate: dec!(0.0007),
                    days: 120,
                },
            ],
            reprice_after_minutes: 30,
            reprice_step: dec!(0.05),
            frr_mode: false,
            frr_delta: Decimal::ZERO,
            hidden: false,
            max_order_size: None,
            daily_budget: None,
            long_share: Decimal::ZERO,
            long_frr_factor: default_long_frr_factor(),
            long_period: default_long_period(),
            longer_when_high: false,
        };
        Some(match preset {
            Preset::Steady => Self {
                tranches: 1,
                gap_bottom_usd: Decimal::ZERO,
                gap_top_usd: Decimal::ZERO,
                spike_fraction: Decimal::ZERO,
                period_thresholds: vec![PeriodThreshold {
                    min_rate: dec!(0.0006),
                    days: 30,
                }],
                reprice_after_minutes: 15,
                ..base
            },
            Preset::Balanced => base,
            Preset::SpikeHunting => Self {
                tranches: 5,
                gap_bottom_usd: dec!(200000),
                gap_top_usd: dec!(5000000),
                spike_fraction: dec!(0.20),
                spike_rate_multiplier: dec!(2),
                period_thresholds: vec![
                    PeriodThreshold {
                        min_rate: dec!(0.0003),
                        days: 30,
                    },
                    PeriodThreshold {
                        min_rate: dec!(0.0007),
                        days: 120,
                    },
                ],
                reprice_after_minutes: 60,
                ..base
            },
            Preset::Custom => return None,
        })
    }

    /// Settings saved by an earlier version, brought up to date: a preset left as it was
    /// becomes today's preset of the same attitude (Conservative → Steady, Balanced →
    /// Balanced, Aggressive → Spike-hunting), keeping the user's own reserve, cap, budget,
    /// hidden flag and on/off switch; settings changed by hand stay exactly as they were (no
    /// long loans: `long_share` 0).
    #[must_use]
    pub fn upgrade(self) -> Self {
        let Some(legacy) = Self::legacy_preset(self.preset) else {
            return self;
        };
        let personal = Self {
            enabled: legacy.enabled,
            reserve: legacy.reserve,
            max_to_lend: legacy.max_to_lend,
            hidden: legacy.hidden,
            daily_budget: legacy.daily_budget,
            max_order_size: legacy.max_order_size,
            ..self.clone()
        };
        if self.long_share.is_zero() && personal == legacy {
            Self {
                enabled: self.enabled,
                reserve: self.reserve,
                max_to_lend: self.max_to_lend,
                hidden: self.hidden,
                daily_budget: self.daily_budget,
                max_order_size: self.max_order_size,
                ..Self::preset(self.preset)
            }
        } else {
            self
        }
    }

    /// Checks every field; each problem comes with the field's name and what to change.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.into(),
                message,
            })
        };
        if self.reserve < Decimal::ZERO {
            err("reserve", "The reserve cannot be negative.".into());
        }
        if let Some(max) = self.max_to_lend
            && max <= Decimal::ZERO
        {
            err(
                "maxToLend",
                "The maximum to lend must be more than zero (or leave it empty for no cap).".into(),
            );
        }
        if self.min_daily_rate < Decimal::ZERO {
            err(
                "minDailyRate",
                "The minimum daily rate cannot be negative.".into(),
            );
        } else if self.min_daily_rate >= dec!(0.07) {
            err(
                "minDailyRate",
                "The minimum daily rate must be below 7 % a day (Bitfinex's ceiling).".into(),
            );
        }
        if let Some(f) = self.min_rate_frr_factor
            && (f <= Decimal::ZERO || f > dec!(2))
        {
            err(
                "minRateFrrFactor",
                "The FRR factor must be more than 0 and at most 2 (e.g. 0.5 = half of FRR).".into(),
            );
        }
        if !(1..=20).contains(&self.tranches) {
            err(
                "tranches",
                format!("Use between 1 and 20 ladder steps, not {}.", self.tranches),
            );
        }
        if self.gap_bottom_usd < Decimal::ZERO {
            err(
                "gapBottomUsd",
                "The ladder's start depth cannot be negative.".into(),
            );
        }
        if self.gap_top_usd < self.gap_bottom_usd {
            err(
                "gapTopUsd",
                "The ladder's end depth must be at least its start depth.".into(),
            );
        }
        if self.spike_fraction < Decimal::ZERO || self.spike_fraction > dec!(0.5) {
            err(
                "spikeFraction",
                "Hold back between 0 % and 50 % for spikes.".into(),
            );
        }
        if self.spike_rate_multiplier < Decimal::ONE || self.spike_rate_multiplier > dec!(10) {
            err(
                "spikeRateMultiplier",
                "The spike rate multiplier must be between 1 and 10.".into(),
            );
        }
        let mut last: Option<&PeriodThreshold> = None;
        for (i, t) in self.period_thresholds.iter().enumerate() {
            if !(2..=120).contains(&t.days) {
                err(
                    "periodThresholds",
                    format!(
                        "Row {}: the period must be 2 to 120 days, not {}.",
                        i + 1,
                        t.days
                    ),
                );
            }
            if t.min_rate <= Decimal::ZERO {
                err(
                    "periodThresholds",
                    format!("Row {}: the rate must be more than zero.", i + 1),
                );
            }
            if let Some(prev) = last
                && (t.min_rate <= prev.min_rate || t.days <= prev.days)
            {
                err(
                    "periodThresholds",
                    format!(
                        "Row {}: rates and periods must both increase from row to row.",
                        i + 1
                    ),
                );
            }
            last = Some(t);
        }
        if self.reprice_step < Decimal::ZERO || self.reprice_step > dec!(0.5) {
            err(
                "repriceStep",
                "Each repricing may lower the rate by 0 % to 50 %.".into(),
            );
        }
        if self.reprice_after_minutes > 0 && self.reprice_step == Decimal::ZERO {
            err(
                "repriceStep",
                "Set a step above 0 %, or set \"reprice after\" to 0 to never reprice.".into(),
            );
        }
        if self.frr_delta < Decimal::ZERO {
            err(
                "frrDelta",
                "Bitfinex only accepts a non-negative offset above FRR.".into(),
            );
        }
        if let Some(m) = self.max_order_size
            && m <= Decimal::ZERO
        {
            err(
                "maxOrderSize",
                "The largest offer must be more than zero (or leave it empty for no limit).".into(),
            );
        }
        if let Some(b) = self.daily_budget
            && b <= Decimal::ZERO
        {
            err(
                "dailyBudget",
                "The daily budget must be more than zero (or leave it empty for no limit).".into(),
            );
        }
        if self.long_share < Decimal::ZERO || self.long_share > Decimal::ONE {
            err(
                "longShare",
                "Offer between 0 % and 100 % as long loans.".into(),
            );
        }
        if self.long_frr_factor < dec!(0.1) || self.long_frr_factor > dec!(2) {
            err(
                "longFrrFactor",
                "The long loans' rate must be between 0.1 and 2 times FRR (e.g. 0.8).".into(),
            );
        }
        if !(2..=120).contains(&self.long_period) {
            err(
                "longPeriod",
                format!(
                    "Long loans must be 2 to 120 days, not {}.",
                    self.long_period
                ),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The period for an offer at `rate`: the longest threshold the rate reaches, else 2 days.
    pub fn period_for(&self, rate: Decimal) -> u32 {
        self.period_thresholds
            .iter()
            .filter(|t| rate >= t.min_rate)
            .map(|t| t.days)
            .max()
            .unwrap_or(2)
    }
}

/// A problem with one settings field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldError {
    /// The field, as named in the UI's settings object (camelCase).
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for p in Preset::ALL {
            StrategySettings::preset(p)
                .validate()
                .unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
        }
    }

    fn fields(s: &StrategySettings) -> Vec<String> {
        s.validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn every_bad_value_gets_its_own_message() {
        let ok = StrategySettings::preset(Preset::Balanced);
        let cases: Vec<(&str, StrategySettings)> = vec![
            (
                "reserve",
                StrategySettings {
                    reserve: dec!(-1),
                    ..ok.clone()
                },
            ),
            (
                "maxToLend",
                StrategySettings {
                    max_to_lend: Some(Decimal::ZERO),
                    ..ok.clone()
                },
            ),
            (
                "minDailyRate",
                StrategySettings {
                    min_daily_rate: dec!(-0.0001),
                    ..ok.clone()
                },
            ),
            (
                "minDailyRate",
                StrategySettings {
                    min_daily_rate: dec!(0.08),
                    ..ok.clone()
                },
            ),
            (
                "minRateFrrFactor",
                StrategySettings {
                    min_rate_frr_factor: Some(dec!(3)),
                    ..ok.clone()
                },
            ),
            (
                "tranches",
                StrategySettings {
                    tranches: 0,
                    ..ok.clone()
                },
            ),
            (
                "tranches",
                StrategySettings {
                    tranches: 21,
                    ..ok.clone()
                },
            ),
            (
                "gapBottomUsd",
                StrategySettings {
                    gap_bottom_usd: dec!(-5),
                    ..ok.clone()
                },
            ),
            (
                "gapTopUsd",
                StrategySettings {
                    gap_top_usd: dec!(10),
                    gap_bottom_usd: dec!(20),
                    ..ok.clone()
                },
            ),
            (
                "spikeFraction",
                StrategySettings {
                    spike_fraction: dec!(0.6),
                    ..ok.clone()
                },
            ),
            (
                "spikeRateMultiplier",
                StrategySettings {
                    spike_rate_multiplier: dec!(0.9),
                    ..ok.clone()
                },
            ),
            (
                "periodThresholds",
                StrategySettings {
                    period_thresholds: vec![PeriodThreshold {
                        min_rate: dec!(0.001),
                        days: 121,
                    }],
                    ..ok.clone()
                },
            ),
            (
                "periodThresholds",
                StrategySettings {
                    period_thresholds: vec![
                        PeriodThreshold {
                            min_rate: dec!(0.001),
                            days: 30,
                        },
                        PeriodThreshold {
                            min_rate: dec!(0.0005),
                            days: 60,
                        },
                    ],
                    ..ok.clone()
                },
            ),
            (
                "repriceStep",
                StrategySettings {
                    reprice_step: dec!(0.7),
                    ..ok.clone()
                },
            ),
            (
                "repriceStep",
                StrategySettings {
                    reprice_step: Decimal::ZERO,
                    reprice_after_minutes: 10,
                    ..ok.clone()
                },
            ),
            (
                "frrDelta",
                StrategySettings {
                    frr_delta: dec!(-0.0001),
                    ..ok.clone()
                },
            ),
            (
                "maxOrderSize",
                StrategySettings {
                    max_order_size: Some(dec!(-1)),
                    ..ok.clone()
                },
            ),
            (
                "dailyBudget",
                StrategySettings {
                    daily_budget: Some(Decimal::ZERO),
                    ..ok.clone()
                },
            ),
            (
                "longShare",
                StrategySettings {
                    long_share: dec!(1.1),
                    ..ok.clone()
                },
            ),
            (
                "longFrrFactor",
                StrategySettings {
                    long_frr_factor: dec!(0.05),
                    ..ok.clone()
                },
            ),
            (
                "longPeriod",
                StrategySettings {
                    long_period: 121,
                    ..ok.clone()
                },
            ),
        ];
        for (field, s) in cases {
            let errs = s.validate().unwrap_err();
            assert_eq!(fields(&s), vec![field.to_owned()], "{errs:?}");
            assert!(errs[0].message.len() > 10);
        }
    }

    /// A settings file as the versions before long loans wrote it (the Conservative preset).
    const OLD_CONSERVATIVE: &str = r#"{"preset":"Conservative","enabled":true,"reserve":"250","maxToLend":null,
        "minDailyRate":"0.00005","minRateFrrFactor":null,"tranches":1,"gapBottomUsd":"0","gapTopUsd":"0",
        "spikeFraction":"0","spikeRateMultiplier":"1.5","periodThresholds":[{"minRate":"0.0006","days":30}],
        "repriceAfterMinutes":15,"repriceStep":"0.05","frrMode":false,"frrDelta":"0","hidden":true,
        "maxOrderSize":null,"dailyBudget":null}"#;

    #[test]
    fn old_settings_files_load_and_an_untouched_preset_becomes_todays() {
        let old: StrategySettings = serde_json::from_str(OLD_CONSERVATIVE).unwrap();
        assert_eq!(old.preset, Preset::Steady, "the old name is read");
        assert_eq!(
            old.long_share,
            Decimal::ZERO,
            "no long loans until upgraded"
        );
        let new = old.upgrade();
        assert_eq!(new.preset, Preset::Steady);
        assert_eq!(new.long_share, Decimal::ONE);
        assert_eq!(new.reserve, dec!(250), "the user's own reserve is kept");
        assert!(new.hidden, "and the hidden flag");
        assert_eq!(
            StrategySettings {
                reserve: Decimal::ZERO,
                hidden: false,
                ..new.clone()
            },
            StrategySettings::preset(Preset::Steady)
        );
        new.validate().unwrap();
        // Aggressive → Spike-hunting; Balanced → Balanced.
        for (old_name, legacy, now) in [
            ("Aggressive", Preset::SpikeHunting, Preset::SpikeHunting),
            ("Balanced", Preset::Balanced, Preset::Balanced),
        ] {
            let mut v =
                serde_json::to_value(StrategySettings::legacy_preset(legacy).unwrap()).unwrap();
            let o = v.as_object_mut().unwrap();
            for k in ["longShare", "longFrrFactor", "longPeriod"] {
                o.remove(k);
            }
            o.insert("preset".into(), old_name.into());
            let s: StrategySettings = serde_json::from_value(v).unwrap();
            assert_eq!(s.upgrade(), StrategySettings::preset(now), "{old_name}");
        }
        // Settings changed by hand stay exactly as they were.
        let mut custom: StrategySettings = serde_json::from_str(OLD_CONSERVATIVE).unwrap();
        custom.preset = Preset::Custom;
        custom.tranches = 4;
        assert_eq!(custom.clone().upgrade(), custom);
        // A preset whose values were changed without the label changing is not overwritten.
        let mut edited: StrategySettings = serde_json::from_str(OLD_CONSERVATIVE).unwrap();
        edited.min_daily_rate = dec!(0.0002);
        assert_eq!(edited.clone().upgrade(), edited);
        // Today's presets are left alone.
        for p in Preset::ALL {
            assert_eq!(
                StrategySettings::preset(p).upgrade(),
                StrategySettings::preset(p)
            );
        }
    }

    #[test]
    fn preset_names_old_and_new() {
        assert_eq!(Preset::from_name("steady"), Some(Preset::Steady));
        assert_eq!(Preset::from_name("Conservative"), Some(Preset::Steady));
        assert_eq!(
            Preset::from_name("spike-hunting"),
            Some(Preset::SpikeHunting)
        );
        assert_eq!(Preset::from_name("aggressive"), Some(Preset::SpikeHunting));
        assert_eq!(Preset::from_name("balanced"), Some(Preset::Balanced));
        assert_eq!(Preset::from_name("custom"), None);
    }

    #[test]
    fn period_follows_the_thresholds() {
        let s = StrategySettings::legacy_preset(Preset::Balanced).unwrap();
        assert_eq!(s.period_for(dec!(0.0001)), 2);
        assert_eq!(s.period_for(dec!(0.0004)), 30);
        assert_eq!(s.period_for(dec!(0.001)), 120);
    }
}
