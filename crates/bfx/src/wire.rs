//! Tolerant decoding of Bitfinex's positional arrays: fields by index, `null` or missing
//! fields as `None`, extra trailing fields ignored, numbers to `Decimal` exactly.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

/// Parses a JSON number or numeric string into a `Decimal` without going through `f64`
/// (the workspace enables serde_json's `arbitrary_precision`, so the number's text is kept).
pub(crate) fn decimal(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// A positional row.
pub(crate) struct Row<'a>(pub &'a [Value]);

impl<'a> Row<'a> {
    pub(crate) fn of(v: &'a Value) -> Option<Self> {
        v.as_array().map(|a| Row(a.as_slice()))
    }

    fn at(&self, i: usize) -> Option<&'a Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }

    pub(crate) fn dec(&self, i: usize) -> Option<Decimal> {
        self.at(i).and_then(decimal)
    }

    /// An integer, also from a numeric string or an integral number written as a float
    /// (`1575026670000.0`).
    pub(crate) fn i64(&self, i: usize) -> Option<i64> {
        self.at(i).and_then(|v| {
            v.as_i64().or_else(|| {
                let d = decimal(v)?;
                if d.fract().is_zero() {
                    d.to_i64()
                } else {
                    None
                }
            })
        })
    }

    pub(crate) fn u32(&self, i: usize) -> Option<u32> {
        self.i64(i).and_then(|n| u32::try_from(n).ok())
    }

    pub(crate) fn str(&self, i: usize) -> Option<&'a str> {
        self.at(i).and_then(Value::as_str)
    }

    pub(crate) fn string(&self, i: usize) -> Option<String> {
        self.str(i).map(str::to_owned)
    }

    /// `0`, `false`, `""`, `"0"`, `"false"`, `null` and missing → false; any other value
    /// (`1`, `true`, `"1"`, or a shape Bitfinex never sent so far) → true. Erring towards
    /// "set" keeps a permission check safe: an unreadable `withdraw` flag counts as granted.
    pub(crate) fn flag(&self, i: usize) -> bool {
        match self.at(i) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(v @ Value::Number(_)) => decimal(v).is_none_or(|d| !d.is_zero()),
            Some(Value::String(s)) => {
                let s = s.trim();
                !(s.is_empty() || s == "0" || s.eq_ignore_ascii_case("false"))
            }
            Some(_) => true,
        }
    }

    pub(crate) fn value(&self, i: usize) -> Option<&'a Value> {
        self.at(i)
    }
}

/// The first characters of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(160)]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimals_are_exact() {
        let v: Value =
            serde_json::from_str("[0.1, 4e-7, \"150.0\", 146212916.17, 1e-8, null]").unwrap();
        let r = Row::of(&v).unwrap();
        assert_eq!(r.dec(0), Some(Decimal::from_str("0.1").unwrap()));
        assert_eq!(r.dec(1), Some(Decimal::from_str("0.0000004").unwrap()));
        assert_eq!(r.dec(2), Some(Decimal::from_str("150.0").unwrap()));
        assert_eq!(r.dec(3), Some(Decimal::from_str("146212916.17").unwrap()));
        assert_eq!(r.dec(4), Some(Decimal::from_str("0.00000001").unwrap()));
        assert_eq!(r.dec(5), None);
        assert_eq!(r.dec(99), None);
    }

    #[test]
    fn exponents_and_long_numbers() {
        let v: Value = serde_json::from_str(
            "[1E-7, 2.5e3, -3.1e-4, 0.000000000000000000000000000001, 12345678901234567890.123456789, 1e400]",
        )
        .unwrap();
        let r = Row::of(&v).unwrap();
        assert_eq!(r.dec(0), Some(Decimal::from_str("0.0000001").unwrap()));
        assert_eq!(r.dec(1), Some(Decimal::from(2500)));
        assert_eq!(r.dec(2), Some(Decimal::from_str("-0.00031").unwrap()));
        // Beyond Decimal's 28 places: rounded, or refused, but never garbage.
        assert!(r.dec(3).is_none_or(|d| d.is_zero()), "{:?}", r.dec(3));
        assert!(
            r.dec(4)
                .is_some_and(|d| d.trunc() == Decimal::from_str("12345678901234567890").unwrap())
        );
        assert_eq!(r.dec(5), None, "out of range");
    }

    #[test]
    fn integers_in_other_shapes() {
        let v: Value =
            serde_json::from_str(r#"[1575026670000.0, "42", 1.5, true, 9007199254740993]"#)
                .unwrap();
        let r = Row::of(&v).unwrap();
        assert_eq!(r.i64(0), Some(1_575_026_670_000));
        assert_eq!(r.i64(1), Some(42));
        assert_eq!(r.i64(2), None, "not an integer");
        assert_eq!(r.i64(3), None);
        assert_eq!(r.i64(4), Some(9_007_199_254_740_993), "exact above 2^53");
        assert_eq!(r.u32(0), None, "out of u32 range");
    }

    #[test]
    fn flags_and_strings() {
        let v = json!([1, 0, null, true, "x", "42", "0", "1", false, 0.0, {"read": 1}, ""]);
        let r = Row::of(&v).unwrap();
        assert!(r.flag(0) && !r.flag(1) && !r.flag(2) && r.flag(3));
        assert!(!r.flag(6) && r.flag(7) && !r.flag(8) && !r.flag(9) && !r.flag(99));
        assert!(r.flag(10), "an unexpected shape counts as set");
        assert!(!r.flag(11));
        assert_eq!(r.str(4), Some("x"));
        assert_eq!(r.i64(5), Some(42));
    }
}
