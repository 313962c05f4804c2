//! Backtests through bfx-sim with the real engine: every contender is reported, the bounds
//! hold, the same inputs give the same report, and a tape the test writes itself replays.

use backtest::{Kind, MarketSource, Spec, chart_png, chart_svg, run};
use lender::{Preset, StrategySettings};
use rust_decimal::Decimal;

fn spec(market: MarketSource, hours: i64) -> Spec {
    let mut s = Spec::new(market, hours, Decimal::from(10_000));
    s.strategies = vec![(
        "Balanced".into(),
        StrategySettings::preset(Preset::Balanced),
    )];
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synthetic_day_reports_every_contender_within_its_bounds() {
    let s = spec(MarketSource::Synthetic { seed: 4 }, 24);
    let mut last = (0, 0);
    let r = run(&s, |d, t| last = (d, t)).await.unwrap();
    assert_eq!(last.0, last.1, "progress ends at 100 %");
    assert!(last.1 > 0);
    let kinds: Vec<Kind> = r.outcomes.iter().map(|o| o.kind).collect();
    assert_eq!(
        kinds,
        vec![
            Kind::Strategy,
            Kind::MarketAverage,
            Kind::AutoRenewConservative,
            Kind::AutoRenewOptimistic,
            Kind::FixedAtAsk,
            Kind::Mika,
            Kind::Idle,
            Kind::HindsightBound
        ]
    );
    let idle = r.of(Kind::Idle).unwrap();
    assert_eq!(idle.earned, Decimal::ZERO);
    assert_eq!(idle.utilization, Decimal::ZERO);
    assert_eq!(idle.offers, 0);
    let bound = r.of(Kind::HindsightBound).unwrap().earned;
    for o in &r.outcomes {
        assert!(o.earned >= Decimal::ZERO, "{}: {}", o.name, o.earned);
        // The upper Auto-Renew edge assumes FRR offers are taken before cheaper ones: no fill
        // model bounds it.
        assert!(
            o.kind == Kind::AutoRenewOptimistic || o.earned <= bound,
            "{} earned {} above the bound {bound}",
            o.name,
            o.earned
        );
        assert!(o.utilization <= Decimal::ONE, "{}", o.name);
        assert_eq!(o.cumulative.first().unwrap().1, Decimal::ZERO);
        assert_eq!(o.cumulative.last().unwrap().1, o.earned, "{}", o.name);
        assert!(
            o.cumulative.windows(2).all(|w| w[0].1 <= w[1].1),
            "{} only grows",
            o.name
        );
    }
    let ours = r.of(Kind::Strategy).unwrap();
    assert!(ours.earned > Decimal::ZERO, "the engine lent");
    assert!(
        ours.utilization > Decimal::new(5, 1),
        "{}",
        ours.utilization
    );
    assert!(ours.offers > 0 && ours.api_calls_per_hour > Decimal::ZERO);
    assert!(ours.avg_rate.is_some() && ours.avg_period.is_some());
    let table = r.table();
    assert!(
        table.contains("Auto-Renew at FRR, filled only when trades reach FRR")
            && table.contains("Hindsight bound")
            && table.contains("Market-average lender")
    );
    // Same inputs, same report.
    let again = run(&s, |_, _| {}).await.unwrap();
    assert_eq!(again, r);
    // The chart: one line per contender, and a real PNG.
    let svg = chart_svg(&r);
    assert_eq!(svg.matches("<polyline").count(), r.outcomes.len());
    let png = chart_png(&r).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tape_replays_and_bad_input_is_refused() {
    // Six hours of trades written here: 2-day loans at 0.0001–0.0003 every 20 seconds.
    let start: i64 = 1_780_272_000_000;
    let mut csv = String::from("id,mts,amount,rate,period\n");
    for i in 0..1080i64 {
        let rate = Decimal::new(10_000 + (i * 37) % 20_000, 8);
        csv.push_str(&format!(
            "{},{},-{},{},2\n",
            i + 1,
            start + i * 20_000,
            500 + i % 7 * 300,
            rate
        ));
    }
    let tape = bfx_sim::Tape::from_csv(csv.as_bytes()).unwrap();
    let s = spec(
        MarketSource::Tape {
            name: "test".into(),
            tape,
        },
        48,
    );
    let r = run(&s, |_, _| {}).await.unwrap();
    // Cut to the tape's own span: six hours, from a minute before its first trade.
    assert_eq!(r.start_mts, start - 60_000);
    assert_eq!(r.end_mts - r.start_mts, 6 * 3_600_000);
    assert!(r.of(Kind::Strategy).unwrap().earned > Decimal::ZERO);
    let best = r.of(Kind::HindsightBound).unwrap();
    for o in r
        .outcomes
        .iter()
        .filter(|o| o.kind != Kind::AutoRenewOptimistic)
    {
        assert!(o.earned <= best.earned, "{} above the bound", o.name);
    }
    assert!(best.earned > r.of(Kind::Strategy).unwrap().earned);
    // Bad input: a clear error, nothing run.
    let mut bad = spec(MarketSource::Synthetic { seed: 1 }, 0);
    assert!(
        run(&bad, |_, _| {})
            .await
            .unwrap_err()
            .to_string()
            .contains("Choose between")
    );
    bad.hours = 5;
    bad.balance = Decimal::ZERO;
    assert!(
        run(&bad, |_, _| {})
            .await
            .unwrap_err()
            .to_string()
            .contains("balance")
    );
    let mut wrong = spec(MarketSource::Synthetic { seed: 1 }, 5);
    wrong.strategies[0].1.tranches = 0;
    let e = run(&wrong, |_, _| {}).await.unwrap_err().to_string();
    assert!(e.contains("Balanced") && e.contains("ladder steps"), "{e}");
}
