//! The cumulative-earnings chart of a backtest, as SVG (written here: a few lines and labels)
//! and as PNG (the same SVG rasterised with resvg, with the system's fonts).

use std::fmt::Write;

use rust_decimal::prelude::ToPrimitive;

use crate::{Kind, Report};

const W: f64 = 960.0;
const H: f64 = 540.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 290.0;
const TOP: f64 = 60.0;
const BOTTOM: f64 = 60.0;

fn color(kind: Kind, i: usize) -> &'static str {
    const OURS: [&str; 4] = ["#0f8f7e", "#2563eb", "#7c3aed", "#0891b2"];
    match kind {
        Kind::Strategy => OURS[i % OURS.len()],
        Kind::MarketAverage => "#b91c1c",
        Kind::AutoRenewConservative => "#c2410c",
        Kind::AutoRenewOptimistic => "#f59e0b",
        Kind::FixedAtAsk => "#64748b",
        Kind::Mika => "#a16207",
        Kind::Idle => "#9ca3af",
        Kind::HindsightBound => "#111827",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A "nice" step for about `n` ticks over `span`.
fn nice_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The chart as an SVG document.
pub fn chart_svg(r: &Report) -> String {
    let span_ms = (r.end_mts - r.start_mts).max(1) as f64;
    let max = r
        .outcomes
        .iter()
        .flat_map(|o| o.cumulative.iter().map(|(_, v)| v.to_f64().unwrap_or(0.0)))
        .fold(0.0f64, f64::max)
        .max(0.01);
    let ystep = nice_step(max, 5.0);
    let ymax = (max / ystep).ceil() * ystep;
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let x = |t: i64| LEFT + (t - r.start_mts) as f64 / span_ms * pw;
    let y = |v: f64| TOP + ph - v / ymax * ph;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{LEFT}" y="28" font-size="18" font-weight="bold" fill="#111827">Cumulative earnings, net of fees ({cur})</text>
<text x="{LEFT}" y="46" font-size="12" fill="#4b5563">{market} · balance {bal} {cur}</text>
"##,
        cur = esc(&r.currency),
        market = esc(&r.market),
        bal = r.balance,
    );
    let mut v = 0.0;
    while v <= ymax + ystep / 2.0 {
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" stroke="#e5e7eb"/><text x="{tx}" y="{ty:.1}" font-size="11" fill="#4b5563" text-anchor="end">{label}</text>"##,
            x2 = LEFT + pw,
            tx = LEFT - 8.0,
            ty = yy + 4.0,
            label = if ystep < 1.0 {
                format!("{v:.2}")
            } else {
                format!("{v:.0}")
            },
        );
        v += ystep;
    }
    let days = span_ms / 86_400_000.0;
    let (unit, per) = if days > 2.0 {
        ("day", 86_400_000i64)
    } else {
        ("h", 3_600_000i64)
    };
    let count = span_ms / per as f64;
    let tick = nice_step(count, 8.0).max(1.0) as i64;
    let mut k = 0i64;
    while (k * per) as f64 <= span_ms {
        let xx = x(r.start_mts + k * per);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{y0}" y2="{y1}" stroke="#9ca3af"/><text x="{xx:.1}" y="{ty}" font-size="11" fill="#4b5563" text-anchor="middle">{k}</text>"##,
            y0 = TOP + ph,
            y1 = TOP + ph + 5.0,
            ty = TOP + ph + 20.0,
        );
        k += tick;
    }
    let _ = writeln!(
        s,
        r##"<text x="{cx}" y="{ty}" font-size="12" fill="#4b5563" text-anchor="middle">{unit}s</text>"##,
        cx = LEFT + pw / 2.0,
        ty = H - 16.0,
        unit = if unit == "day" { "day" } else { "hour" },
    );
    let mut ours = 0;
    for (i, o) in r.outcomes.iter().enumerate() {
        let c = color(o.kind, ours);
        if o.kind == Kind::Strategy {
            ours += 1;
        }
        let pts: Vec<String> = o
            .cumulative
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(v.to_f64().unwrap_or(0.0))))
            .collect();
        let dash = match o.kind {
            Kind::AutoRenewOptimistic | Kind::HindsightBound => r#" stroke-dasharray="6 4""#,
            _ => "",
        };
        let width = if o.kind == Kind::Strategy { 2.5 } else { 1.6 };
        let _ = writeln!(
            s,
            r##"<polyline fill="none" stroke="{c}" stroke-width="{width}"{dash} points="{}"/>"##,
            pts.join(" ")
        );
        let ly = TOP + 10.0 + i as f64 * 22.0;
        let lx = W - RIGHT + 20.0;
        let _ = writeln!(
            s,
            r##"<line x1="{lx}" x2="{lx2}" y1="{ly}" y2="{ly}" stroke="{c}" stroke-width="3"{dash}/><text x="{tx}" y="{ty}" font-size="12" fill="#111827">{name}: {earned}</text>"##,
            lx2 = lx + 22.0,
            tx = lx + 30.0,
            ty = ly + 4.0,
            name = esc(&o.name),
            earned = o.earned.round_dp(2),
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The same chart as PNG bytes.
pub fn chart_png(r: &Report) -> Result<Vec<u8>, String> {
    let svg = chart_svg(r);
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(&svg, &opt).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or("the chart has no size")?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}
