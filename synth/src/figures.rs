//! Figures: values kept as scaled integers, how a text states them (rounded, with a qualifier), how they
//! are revised, and their JSON text.
//!
//! A value is held in the units of its value type: counts in 1, amounts in 0.01 (at least 0.01: amounts
//! are positive), ratios in 0.1 percent (within 0..100). Integers keep the output exact on any platform.

use entity::{Qualifier, ValueType};

use crate::json::Decimal;
use crate::random::Rng;

/// The share of observations with a qualifier other than `exact`, in thousandths (before small values,
/// which are always stated exactly, are left out).
const QUALIFIED_PER_MILLE: usize = 120;

/// A natural value `x` in the scaled units of `vt`.
pub(crate) fn scale(vt: ValueType, x: f64) -> i64 {
    match vt {
        ValueType::Count => x.max(0.0).round() as i64,
        ValueType::Amount => ((x * 100.0).round() as i64).max(1),
        ValueType::Ratio => ((x * 10.0).round() as i64).clamp(0, 1000),
    }
}

/// A scaled value as a JSON number, without trailing zeros (`12.5`, `96`).
pub(crate) fn decimal(vt: ValueType, v: i64) -> Decimal {
    let places = match vt {
        ValueType::Count => 0,
        ValueType::Amount => 2,
        ValueType::Ratio => 1,
    };
    Decimal::new(v.max(0) as u64, places)
}

/// Decides how a text states the true value `v`: mostly exactly, sometimes rounded with a qualifier that
/// keeps the statement true (`over`: stated ≤ true; `nearly`: stated ≥ true, close; `under`: stated > true).
pub(crate) fn qualify(rng: &mut Rng, vt: ValueType, v: i64) -> (Qualifier, i64) {
    let r = rng.below(1000);
    if r >= QUALIFIED_PER_MILLE {
        return (Qualifier::Exact, v);
    }
    let q = match r % 10 {
        0..=3 => Qualifier::Over,
        4..=6 => Qualifier::Approx,
        7 | 8 => Qualifier::Nearly,
        _ => Qualifier::Under,
    };
    let stated = match vt {
        ValueType::Ratio => {
            if v < 100 {
                return (Qualifier::Exact, v);
            }
            match q {
                Qualifier::Over => v / 10 * 10,
                Qualifier::Approx => (v + 5) / 10 * 10,
                Qualifier::Under if v < 950 => (v / 50 + 1) * 50,
                _ => return (Qualifier::Nearly, ((v + 9) / 10 * 10).min(1000)),
            }
        }
        ValueType::Count | ValueType::Amount => {
            if v < if vt == ValueType::Count { 20 } else { 100 } {
                return (Qualifier::Exact, v);
            }
            let mut p = 1;
            while v / p >= 100 {
                p *= 10;
            }
            match q {
                Qualifier::Over => v / p * p,
                Qualifier::Approx => (v + p / 2) / p * p,
                Qualifier::Nearly => (v + p - 1) / p * p,
                _ => {
                    let p = if v / p >= 10 { p * 10 } else { p };
                    (v / p + 1) * p
                }
            }
        }
    };
    (q, stated)
}

/// A value revised by a few percent (and so different).
pub(crate) fn revise(rng: &mut Rng, vt: ValueType, v: i64) -> i64 {
    let r = (v as f64 * rng.between(0.97, 1.03)).round() as i64;
    let r = if r == v { v + 1 } else { r };
    match vt {
        ValueType::Ratio => r.clamp(0, 1000),
        _ => r.max(1),
    }
}

/// A percentage around `base`: higher with a propensity above 1, plus noise in `-1..1`.
pub(crate) fn ratio_around(base: f64, propensity: f64, noise: f64) -> f64 {
    let room = 100.0 - base;
    (base + (propensity - 1.0) * 2.0 * room + noise * 0.3 * room).clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [ValueType; 3] = [ValueType::Count, ValueType::Amount, ValueType::Ratio];

    #[test]
    fn qualifiers_keep_the_statement_true() {
        let mut rng = Rng::new(3);
        for vt in TYPES {
            for v in (0..200_000).step_by(7).chain([1000, 999, 950, 100]) {
                let v = if vt == ValueType::Ratio { v % 1001 } else { v };
                let (q, s) = qualify(&mut rng, vt, v);
                match q {
                    Qualifier::Exact => assert_eq!(s, v),
                    Qualifier::Over => assert!(s <= v && s * 10 >= v * 8, "{vt:?} {v} over {s}"),
                    Qualifier::Nearly => assert!(s >= v && s * 8 <= v * 10, "{vt:?} {v} nearly {s}"),
                    Qualifier::Under => assert!(s > v, "{vt:?} {v} under {s}"),
                    Qualifier::Approx => assert!((s - v).abs() * 10 <= v, "{vt:?} {v} approx {s}"),
                }
                if vt == ValueType::Ratio {
                    assert!((0..=1000).contains(&s));
                }
            }
        }
    }

    #[test]
    fn scaled_values_keep_their_type_rules() {
        assert_eq!(scale(ValueType::Count, -3.0), 0);
        assert_eq!(scale(ValueType::Count, 2.5), 3);
        assert_eq!(scale(ValueType::Amount, 0.0001), 1, "amounts are positive");
        assert_eq!(scale(ValueType::Amount, 12.345), 1235);
        assert_eq!(scale(ValueType::Ratio, 120.0), 1000, "ratios stay within 100");
        assert_eq!(decimal(ValueType::Amount, 1235).as_bytes(), b"12.35");
        assert_eq!(decimal(ValueType::Amount, 1230).as_bytes(), b"12.3");
        assert_eq!(decimal(ValueType::Ratio, 963).as_bytes(), b"96.3");
        assert_eq!(decimal(ValueType::Count, 7300).as_bytes(), b"7300");
    }

    #[test]
    fn revisions_differ_and_stay_in_range() {
        let mut rng = Rng::new(11);
        for vt in TYPES {
            // Ratios below 100%: a full 100% may stay 100% when revised upwards.
            for v in [1, 2, 50, 500, 999] {
                let r = revise(&mut rng, vt, v);
                assert_ne!(r, v, "{vt:?} {v}");
                assert!(r >= 1);
                if vt == ValueType::Ratio {
                    assert!(r <= 1000);
                }
            }
        }
    }
}
