//! The calibration cannot drift silently: the model, measured as the real data is, stays
//! within every stated tolerance of the real 2026 figures (`bfx_sim::calibrate::REAL_2026`;
//! `yf calibrate` prints the same table next to the data).

use bfx_sim::calibrate::{REAL_2026, model_figures_over, table};

#[test]
fn the_model_reproduces_every_real_figure_within_its_tolerance() {
    let model = model_figures_over(&[1, 2, 3], 10);
    let (text, all) = table(&model, None);
    for t in REAL_2026 {
        let m = model.get(t.key).copied();
        assert!(
            m.is_some_and(|m| t.tolerance.holds(m, t.real)),
            "{}: model {m:?}, real {} ({})\n{text}",
            t.what,
            t.real,
            t.tolerance.describe()
        );
    }
    assert!(all, "{text}");
    // FRR offers wait behind the line of other lenders' FRR offers: none fills within a day.
    assert_eq!(
        model.get("filled_in_24h.frr_offer_2d"),
        Some(&0.0),
        "{text}"
    );
    // An offer at the ask fills within the hour.
    assert!(model["fill_h.ask_2d"] < 1.0, "{text}");
}

#[test]
fn a_tolerance_that_is_missed_is_reported() {
    let mut model = model_figures_over(&[1], 3);
    model.insert("avg_period_outstanding".into(), 20.0);
    let (text, all) = table(&model, None);
    assert!(!all);
    assert!(text.contains("**no**"), "{text}");
}
