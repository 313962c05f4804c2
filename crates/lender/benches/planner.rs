//! Planner latency: one full plan for each of 10 currencies from a realistic snapshot (a
//! 250-level raw book, a few own offers and 40 credits per currency)
//! (`cargo bench -p lender --bench planner`).

use criterion::{Criterion, criterion_group, criterion_main};
use lender::model::{
    BookOffer, Credit, ExchangeRules, FundingBalance, MarketSnapshot, OfferKind, OwnOffer,
};
use lender::{PlanInput, Preset, StrategySettings, plan};
use rust_decimal::Decimal;

const NOW: i64 = 1_780_272_000_000;
const CURRENCIES: [&str; 10] = [
    "USD", "UST", "EUR", "GBP", "JPY", "BTC", "ETH", "XRP", "SOL", "DOT",
];

struct Case {
    settings: StrategySettings,
    market: MarketSnapshot,
    balance: FundingBalance,
    own: Vec<OwnOffer>,
    credits: Vec<Credit>,
}

fn case(i: usize) -> Case {
    let asks = (0..250)
        .map(|k| BookOffer {
            id: k,
            rate: Decimal::new(10_000 + k * 40 + i as i64, 8),
            period: if k % 10 == 0 { 30 } else { 2 },
            amount: Decimal::from(5_000 + (k * 7_919) % 90_000),
        })
        .collect();
    let own = (0..3)
        .map(|k| OwnOffer {
            id: 10_000 + k,
            amount: Decimal::from(400),
            amount_orig: Decimal::from(400),
            rate: Decimal::new(12_000 + k * 500, 8),
            period: 2,
            kind: OfferKind::Limit,
            hidden: false,
            created_mts: NOW - 40 * 60_000,
        })
        .collect();
    let credits = (0..40)
        .map(|k| Credit {
            id: 20_000 + k,
            amount: Decimal::from(300),
            rate: Decimal::new(11_000 + k * 10, 8),
            period: 2,
            opened_mts: NOW - k * 3_600_000,
        })
        .collect();
    Case {
        settings: StrategySettings::preset(Preset::Balanced),
        market: MarketSnapshot {
            frr: Some(Decimal::new(35_000, 8)),
            asks,
            usd_price: Decimal::ONE,
            last_rate: Some(Decimal::new(30_000, 8)),
            frr_line: None,
        },
        balance: FundingBalance {
            total: Decimal::from(25_000),
            available: Decimal::from(11_800),
        },
        own,
        credits,
    }
}

fn bench(c: &mut Criterion) {
    let cases: Vec<Case> = (0..CURRENCIES.len()).map(case).collect();
    let rules = ExchangeRules::default();
    c.bench_function("plan 10 currencies", |b| {
        b.iter(|| {
            let mut offers = 0;
            for k in &cases {
                let p = plan(&PlanInput {
                    settings: &k.settings,
                    rules: &rules,
                    market: &k.market,
                    balance: &k.balance,
                    own_offers: &k.own,
                    credits: &k.credits,
                    deployed_today: Decimal::ZERO,
                    halt: None,
                    now_mts: NOW,
                    long_demand: None,
                    short_level: None,
                    short_top: None,
                });
                offers += p.submit.len();
            }
            std::hint::black_box(offers)
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
