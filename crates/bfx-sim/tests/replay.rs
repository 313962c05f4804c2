//! Replays of real data: FRR follows the funding statistics, recorded candles become demand
//! at their own rates, and the holes between them are bridged by the model at the recorded
//! level (the fixtures are written here; the real files stay in ../shared/data).

use bfx_sim::replay::{load_dir, parse_day};
use bfx_sim::world::OfferKind;
use bfx_sim::{Calibration, ClockMode, MarketSpec, Sim, SimConfig};
use rust_decimal::Decimal;

const MIN: i64 = 60_000;

#[test]
fn a_replay_follows_the_statistics_and_the_candles_and_bridges_the_holes() {
    let dir = tempfile::tempdir().unwrap();
    let day = parse_day("2026-08-01").unwrap();
    // Candles: minutes 0–59 at 2e-4, then nothing for 5 hours, then minutes 360–419 at 1e-4.
    let mut candles = String::from("mts,open,close,high,low,volume\n");
    for m in (0..60).chain(360..420) {
        let r = if m < 60 { "0.0002" } else { "0.0001" };
        candles.push_str(&format!("{},{r},{r},{r},{r},20000\n", day + m * MIN));
    }
    std::fs::write(dir.path().join("candles_fUSD_1m_fixture.csv"), candles).unwrap();
    std::fs::write(
        dir.path().join("funding_stats_fUSD_fixture.csv"),
        format!(
            "mts,frr,avg_period,funding_amount,funding_amount_used\n{},1e-06,85,100,98\n{},1.1e-06,85,100,98\n",
            day - 3_600_000,
            day + 120 * MIN
        ),
    )
    .unwrap();
    let data = load_dir(dir.path(), "fUSD").unwrap();
    let sim = Sim::new(SimConfig {
        seed: 5,
        start_mts: day,
        clock: ClockMode::Manual,
        market: MarketSpec::RealData {
            symbol: "fUSD".into(),
            data,
            calibration: Calibration::default(),
        },
        ..SimConfig::default()
    });
    let demo = sim.demo_account("10000");
    assert_eq!(
        sim.with_world(|w| w.markets["fUSD"].frr),
        Decimal::new(365, 6)
    );
    // An offer at 1.5e-4: recorded demand at 2e-4 takes it (half of each pseudo-trade at most).
    sim.with_world(|w| {
        w.submit_offer(
            demo.account,
            "fUSD",
            OfferKind::Limit,
            Decimal::from(3000),
            Decimal::new(15, 5),
            2,
            false,
        )
        .unwrap()
    });
    sim.advance_to(day + 30 * MIN);
    let lent: Decimal = sim.with_world(|w| {
        w.markets["fUSD"]
            .credits
            .iter()
            .filter(|c| c.account == demo.account)
            .map(|c| c.amount)
            .sum()
    });
    assert_eq!(
        lent,
        Decimal::from(3000),
        "recorded demand at 2e-4 filled the 1.5e-4 offer"
    );
    // Recorded minutes print the candles' rates; FRR moved with the statistics.
    sim.advance_to(day + 180 * MIN);
    let (frr, recorded, bridged) = sim.with_world(|w| {
        let m = &w.markets["fUSD"];
        let recorded = m
            .trades
            .iter()
            .filter(|t| t.mts < day + 60 * MIN && t.period <= 7)
            .all(|t| t.rate == Decimal::new(2, 4));
        // The hole (minutes 60–359) is bridged: synthetic borrowers trade there, near the
        // level interpolated between 2e-4 and 1e-4 (not at zero, not at FRR).
        let hole: Vec<Decimal> = m
            .trades
            .iter()
            .filter(|t| t.mts >= day + 90 * MIN && t.mts < day + 180 * MIN && t.period <= 7)
            .map(|t| t.rate)
            .collect();
        (m.frr, recorded, hole)
    });
    assert_eq!(frr, Decimal::new(4015, 7));
    assert!(recorded, "recorded minutes print at the candles' rates");
    assert!(
        bridged.len() > 20,
        "the hole is bridged: {} trades",
        bridged.len()
    );
    let mean = bridged.iter().sum::<Decimal>() / Decimal::from(bridged.len());
    assert!(
        mean > Decimal::new(1, 4) && mean < Decimal::new(3, 4),
        "bridged trades near the recorded level: {mean}"
    );
}
