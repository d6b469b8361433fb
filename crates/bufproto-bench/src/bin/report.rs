//! `cargo run --release -p bufproto-bench --bin report`: runs every
//! benchmark (Rust with Criterion, then CPython with timeit) and writes
//! `src/performance/` — `results.json`, `tables.md.txt` and the SVG plots
//! that chapter 15 reads.
//!
//! The last part times `bufproto_py.memoryview` against the builtin from
//! Python (`src/bridge.py`, against the extension module cargo built with
//! this binary: release for a measuring run).
//!
//! `--render` redraws the tables and plots from `src/performance/results.json`
//! without measuring. `--only OP,OP` measures only those operations (Rust side), prints the
//! medians and writes nothing (`bridge` among them: the Python-side
//! bridge benchmarks too). `--quick` runs each benchmark once on small sizes and writes nothing into
//! `src/` (the test `tests/quick.rs` does the same); `--out DIR` writes
//! elsewhere.
//!
//! A measuring run (full or `--only`) then names every row that is more than
//! 25% slower than the committed `results.json`: times are never asserted,
//! but a regression is seen.

use std::path::PathBuf;
use std::time::Instant;

use bufproto_bench::regressions::{regressions, THRESHOLD};
use bufproto_bench::{
    machine, register, run_cpython, rustc_version, today, Config, CriterionRunner, Once, Report,
    Sample,
};

/// Prints the rows of `now` that are slower than the committed results.
fn report_regressions(committed: Option<&Report>, now: &[Sample]) {
    let Some(before) = committed else {
        eprintln!("report: no committed results.json to compare with");
        return;
    };
    let found = regressions(&before.samples, now, THRESHOLD);
    if found.is_empty() {
        eprintln!(
            "report: no row is more than {:.0}% slower than the committed results ({})",
            (THRESHOLD - 1.0) * 100.0,
            before.date
        );
        return;
    }
    eprintln!(
        "report: {} row(s) more than {:.0}% slower than the committed results ({}):",
        found.len(),
        (THRESHOLD - 1.0) * 100.0,
        before.date
    );
    for r in &found {
        eprintln!("  SLOWER  {r}");
    }
}

/// Prints every goal of the issue with its measurement (`ok` or `MISS`).
fn print_goals(report: &Report) {
    for t in report.goals() {
        println!(
            "{:5}  {}: {} (goal {})",
            if t.holds { "ok" } else { "MISS" },
            t.operation,
            t.measured,
            t.goal
        );
    }
}

fn main() {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    if args.iter().any(|a| a == "--render") {
        // Redraw tables and plots from the committed results.json.
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../src/performance");
        let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
        let report = Report::from_json(&text).expect("results.json has the report's shape");
        report.write_to(&dir).expect("write the results");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Read before anything is written over it.
    let committed = std::fs::read_to_string(root.join("src/performance/results.json"))
        .ok()
        .and_then(|text| Report::from_json(&text).ok());
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            if quick {
                std::env::temp_dir().join("bufproto-bench-quick")
            } else {
                root.join("src/performance")
            }
        });
    if !quick && cfg!(debug_assertions) {
        eprintln!("report: measuring a debug build; use `cargo run --release -p bufproto-bench --bin report`");
        std::process::exit(2);
    }
    // `--only slice,get`: measure just these (Rust only), print, write nothing.
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').map(String::from).collect());
    let cfg = if quick {
        Config::quick()
    } else {
        Config::full()
    };
    let mut samples = if quick {
        let mut r = Once::default();
        register(&mut r, &cfg).expect("benchmark inputs");
        r.samples
    } else {
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("criterion-bufproto");
        let mut r = CriterionRunner::new(&dir);
        r.only = only.clone();
        register(&mut r, &cfg).expect("benchmark inputs");
        r.samples
    };
    eprintln!("report: Rust done in {:.0?}; now CPython", start.elapsed());
    if let Some(ops) = &only {
        // `--only bridge`: the Rust memoryview from Python too.
        if ops.iter().any(|o| o == "bridge") {
            match bufproto_bench::bridge::run_bridge(&cfg, quick) {
                Ok(rows) => samples.extend(rows),
                Err(e) => eprintln!("report: {e}"),
            }
        }
        for s in &samples {
            println!(
                "{:>14} {:>20} {:>9} {}",
                s.op,
                s.imp,
                s.size,
                bufproto_bench::fmt_ns(s.ns)
            );
        }
        report_regressions(committed.as_ref(), &samples);
        return;
    }
    let (python, py) = run_cpython(&cfg, quick).unwrap_or_else(|e| {
        eprintln!("report: {e}");
        std::process::exit(1);
    });
    samples.extend(py);
    eprintln!(
        "report: CPython done in {:.0?}; now the Rust memoryview from Python",
        start.elapsed()
    );
    match bufproto_bench::bridge::run_bridge(&cfg, quick) {
        Ok(rows) => samples.extend(rows),
        Err(e) => {
            eprintln!("report: {e}");
            std::process::exit(1);
        }
    }
    let report = Report {
        machine: machine(),
        date: today(),
        rust: format!(
            "{} ({})",
            rustc_version(),
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        ),
        python,
        config: cfg,
        samples,
    };
    report.write_to(&out).expect("write the results");
    if !quick {
        report_regressions(committed.as_ref(), &report.samples);
    }
    print_goals(&report);
    eprintln!("report: wrote {} in {:.0?}", out.display(), start.elapsed());
}
