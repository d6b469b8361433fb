//! Every benchmark, Rust and CPython, runs once under `cargo test` (debug
//! build, small sizes), so none of them can rot. Nothing is written into
//! `src/`; the report is rendered in memory and checked for shape only —
//! speed is measured by the `report` binary, never asserted in tests.

use bufproto_bench::{register, run_cpython, Config, Once, Report, OPS};

// What counts as CI (`CI=true` or `CI=1`): the book's one definition.
#[path = "../../../tests/support/ci.rs"]
mod ci;

#[test]
fn every_benchmark_runs_once() {
    let cfg = Config::quick();
    let mut r = Once::default();
    register(&mut r, &cfg).expect("benchmark inputs build");
    let mut samples = r.samples;
    let python = match run_cpython(&cfg, true) {
        Ok((version, py)) => {
            samples.extend(py);
            version
        }
        Err(e) if !ci::in_ci() => {
            eprintln!("CPython side skipped: {e}");
            "none".into()
        }
        Err(e) => panic!("{e}"),
    };
    // The Rust memoryview from Python, against the module cargo built
    // with this test (a debug one: the times mean nothing here).
    if python != "none" {
        let rows = bufproto_bench::bridge::run_bridge(&cfg, true).expect("src/bridge.py runs");
        for &(op, _) in bufproto_bench::bridge::BRIDGE_OPS {
            for imp in [
                "bufproto_py-bytes",
                "memoryview-bytes",
                "bufproto_py-bytearray",
                "memoryview-bytearray",
            ] {
                assert!(
                    rows.iter()
                        .any(|s| s.op == op && s.imp == imp && s.ns.is_finite()),
                    "{op} has no {imp} row"
                );
            }
        }
        samples.extend(rows);
    }
    let report = Report {
        machine: "test".into(),
        date: "today".into(),
        rust: "debug".into(),
        python: python.clone(),
        config: cfg.clone(),
        samples,
    };
    let by_imp = report.ops_by_imp();
    for &(op, _, peer, _) in OPS {
        assert!(
            by_imp["bufproto"].iter().any(|o| o == op),
            "{op} has no Rust benchmark"
        );
        if python != "none" {
            assert!(
                by_imp["cpython"].iter().any(|o| o == op),
                "{op} has no CPython benchmark"
            );
        }
        if !peer.is_empty() {
            assert!(
                by_imp[peer].iter().any(|o| o == op),
                "{op} has no {peer} benchmark"
            );
        }
    }
    let tables = report.tables_md();
    assert!(tables.contains("| `m[1:-1]` |"));
    assert!(!report.goals().is_empty());
    assert!(tables.contains("| operation | measured | goal | holds |"));
    if python != "none" {
        assert!(tables
            .contains("<!-- ANCHOR: bridge -->\n| Python | size | `bufproto_py` over `bytes` |"));
        assert!(
            tables.contains("| `m.cast('i').tolist()` | 256 items |"),
            "{tables}"
        );
    }
    for svg in [
        bufproto_bench::slice_svg(&report),
        bufproto_bench::tobytes_svg(&report),
        bufproto_bench::ops_svg(&report),
    ] {
        assert!(svg.starts_with("<svg") && svg.contains("viewBox") && svg.contains("<text"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
    serde_json::from_str::<serde_json::Value>(&report.to_json()).expect("valid JSON");
}
