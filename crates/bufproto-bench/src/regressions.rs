//! Rows of a new run that are slower than the committed `results.json`.
//!
//! Speed is never asserted in tests (a shared 2-core machine is too noisy
//! for that), but a codegen change that quietly costs 5× must still be seen:
//! the stepped `tobytes` copy once stopped vectorising after an unrelated
//! change, and nothing said so. The report binary compares every row it
//! measures with the committed one and prints those past a threshold.

use std::fmt;

use crate::{fmt_ns, fmt_size, Sample};

/// How much slower a row may be before the report names it: 25%.
pub const THRESHOLD: f64 = 1.25;

/// One row measured now that was measured before, and is slower.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    /// The operation (`"tobytes"`, ...).
    pub op: String,
    /// Who does it (`"bufproto"`, `"cpython"`, ...).
    pub imp: String,
    /// Bytes, or items for `tolist`.
    pub size: usize,
    /// The committed median, in nanoseconds.
    pub before_ns: f64,
    /// This run's median, in nanoseconds.
    pub now_ns: f64,
}

impl Regression {
    /// How many times slower than before (`2.0`: twice the time).
    pub fn factor(&self) -> f64 {
        self.now_ns / self.before_ns
    }
}

impl fmt::Display for Regression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} at {}: {} -> {} ({:.2}x the committed time)",
            self.op,
            self.imp,
            fmt_size(self.size),
            fmt_ns(self.before_ns),
            fmt_ns(self.now_ns),
            self.factor()
        )
    }
}

/// Every row of `now` that `before` also has and that takes more than
/// `threshold` times its committed time, slowest first. Rows that are new,
/// gone, or not finite on either side are not compared.
///
/// Cost: O(n log n) for n rows.
pub fn regressions(before: &[Sample], now: &[Sample], threshold: f64) -> Vec<Regression> {
    let mut found: Vec<Regression> = now
        .iter()
        .filter_map(|n| {
            let b = before
                .iter()
                .find(|b| b.op == n.op && b.imp == n.imp && b.size == n.size)?;
            let usable = b.ns.is_finite() && n.ns.is_finite() && b.ns > 0.0;
            (usable && n.ns > b.ns * threshold).then(|| Regression {
                op: n.op.clone(),
                imp: n.imp.clone(),
                size: n.size,
                before_ns: b.ns,
                now_ns: n.ns,
            })
        })
        .collect();
    found.sort_by(|a, b| b.factor().total_cmp(&a.factor()));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(op: &str, imp: &str, size: usize, ns: f64) -> Sample {
        Sample {
            op: op.into(),
            imp: imp.into(),
            size,
            ns,
        }
    }

    #[test]
    fn names_rows_past_the_threshold_slowest_first() {
        let before = [
            sample("tobytes", "bufproto", 1024, 100.0),
            sample("tobytes", "bufproto", 2048, 100.0),
            sample("slice", "bufproto", 1024, 10.0),
            sample("get", "cpython", 1024, 10.0),
        ];
        let now = [
            sample("tobytes", "bufproto", 1024, 125.0), // exactly 25%: not named
            sample("tobytes", "bufproto", 2048, 126.0),
            sample("slice", "bufproto", 1024, 50.0),
            sample("get", "cpython", 1024, 5.0),      // faster
            sample("new", "bufproto", 1024, 1e9),     // not measured before
            sample("get", "cpython", 2048, f64::NAN), // not measured before either
        ];
        let found = regressions(&before, &now, THRESHOLD);
        let names: Vec<String> = found
            .iter()
            .map(|r| format!("{} {} {}", r.op, r.imp, r.size))
            .collect();
        assert_eq!(names, ["slice bufproto 1024", "tobytes bufproto 2048"]);
        assert_eq!(found[0].factor(), 5.0);
        assert_eq!(
            found[0].to_string(),
            "slice bufproto at 1 KiB: 10.0 ns -> 50.0 ns (5.00x the committed time)"
        );
    }

    #[test]
    fn a_missing_or_broken_committed_row_is_not_compared() {
        let before = [
            sample("get", "bufproto", 8, f64::NAN),
            sample("set", "bufproto", 8, 0.0),
        ];
        let now = [
            sample("get", "bufproto", 8, 9.0),
            sample("set", "bufproto", 8, 9.0),
        ];
        assert!(regressions(&before, &now, THRESHOLD).is_empty());
    }
}
