//! `yf verify`: is this key safe and sufficient?

use lender::keycheck::Need;

use crate::common::{Global, Result, client, credentials};

pub async fn run(g: &Global) -> Result<i32> {
    let creds = credentials()?;
    let checked = lender::verify::check_format(&creds.key, creds.secret.expose())?;
    let c = client(
        g,
        Some(bfx::Credentials::new(
            checked.key.clone(),
            checked.secret.clone(),
        )),
        None,
    )?;
    let v = lender::verify::verify(&c).await?;
    let exit = if v.usable { 0 } else { 2 };
    if g.json {
        let mut out = serde_json::to_value(&v).unwrap_or_default();
        out["trimmed"] = serde_json::json!(checked.trimmed);
        println!("{out}");
        return Ok(exit);
    }
    if checked.trimmed {
        println!("Note: spaces or line breaks around the key or secret were removed.");
    }
    println!(
        "{:<28} {:<26} {:<5} {:<5}",
        "permission", "needed", "read", "write"
    );
    for r in &v.rows {
        let need = match r.need {
            Need::Required => format!("required: {}", r.wanted),
            Need::Recommended => format!("recommended: {}", r.wanted),
            Need::MustBeOff => "must be off".to_owned(),
            Need::NotUsed => "not used".to_owned(),
        };
        let yn = |b: bool| if b { "yes" } else { "no" };
        println!(
            "{:<28} {:<26} {:<5} {:<5} {}",
            r.label,
            need,
            yn(r.read),
            yn(r.write),
            if r.ok { "ok" } else { "PROBLEM" }
        );
    }
    for p in &v.problems {
        println!("\n✗ {p}");
    }
    for w in &v.warnings {
        println!("\n! {w}");
    }
    println!(
        "\n{}",
        if v.usable {
            "This key can be used."
        } else if v.refused {
            "This key is refused."
        } else {
            "This key cannot be used yet."
        }
    );
    Ok(exit)
}
