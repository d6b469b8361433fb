//! The bridge tested as an adversary would (issue 13, "What keeps it
//! fixed"), from the `python3` side, against the module this `cargo test`
//! just built:
//!
//! * `python/test_protocol_matrix.py`: every `PyBUF_*` request bit
//!   combination (256) over every exporter, `PyObject_GetBuffer` through
//!   `_testbuffer.ndarray`, compared field by field with CPython's twin
//!   (`bytes`, `bytearray`, `array.array`, `_testbuffer.ndarray`, and
//!   `memoryview` of each); a refused request leaves `view->obj` NULL;
//!   `_testbuffer`'s consumers over every exporter.
//! * `python/test_reentrancy.py`: Python code run by a bridge method
//!   (`__index__`, generators) that releases or requests buffers, threads
//!   resizing while others take and release views, degenerate layouts;
//!   export counts back to 0 and refcounts flat afterwards.
//!
//! Each TestCase class runs in its own `python3` process, so that one that
//! crashes the interpreter (heap corruption is what some of these look for)
//! fails alone, with its exit status, and hides nothing else.

use std::process::Command;

mod support;

/// Runs `python/<script> <class>`; fails with the script's output unless
/// it exits 0 and prints `OK` last.
fn run_class(script: &str, class: &str) -> String {
    let what = format!("python/{script} {class}");
    if support::skip_without_python(&what) {
        return String::new();
    }
    let dir = support::module_dir("bufproto-py-matrix");
    let out = Command::new("python3")
        .arg(support::script(script))
        .arg(class)
        .env("PYTHONPATH", &dir)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}{stderr}");
    assert!(
        out.status.success() && stdout.trim_end().ends_with("OK"),
        "{what} failed ({}):\n{stdout}{stderr}",
        out.status
    );
    stdout
}

/// The number printed after `label` (`"...: 21504 compared"`), or 0.
fn count_after(out: &str, label: &str) -> usize {
    out.lines()
        .filter_map(|l| l.split(label).nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .next()
        .unwrap_or(0)
}

#[test]
fn every_request_over_every_exporter_matches_cpython() {
    let out = run_class("test_protocol_matrix.py", "MatrixRegular");
    if support::python_ok() {
        // 53 exporter pairs and memoryviews of them, 256 requests each:
        // the script checks the exact product; this guards against a
        // script that silently compares nothing
        assert!(count_after(&out, "accepted): ") >= 27_136, "{out}");
    }
}

#[test]
fn zero_dim_exporters_match_cpython_and_do_not_corrupt_the_heap() {
    let out = run_class("test_protocol_matrix.py", "MatrixZeroDim");
    if support::python_ok() {
        // 8 exporters and memoryviews of them, 256 requests each
        assert!(count_after(&out, "accepted): ") >= 4_096, "{out}");
    }
}

#[test]
fn a_refused_request_leaves_view_obj_null() {
    run_class("test_protocol_matrix.py", "RefusalLeavesObjNull");
}

#[test]
fn testbuffer_consumers_over_every_exporter_match_cpython() {
    run_class("test_protocol_matrix.py", "Consumers");
}

#[test]
fn testbuffer_consumers_over_zero_dim_exporters_match_cpython() {
    run_class("test_protocol_matrix.py", "ConsumersZeroDim");
}

#[test]
fn reentrant_callbacks_end_as_in_cpython() {
    run_class("test_reentrancy.py", "Reentrancy");
}

#[test]
fn refcounts_and_export_counts_stay_flat_over_10000_rounds() {
    run_class("test_reentrancy.py", "Refcounts");
}

#[test]
fn threads_resizing_while_others_view() {
    run_class("test_reentrancy.py", "Threads");
}

#[test]
fn degenerate_layouts_are_exported_exactly_or_refused() {
    run_class("test_reentrancy.py", "DegenerateLayouts");
}

#[test]
fn a_cycle_through_a_rustview_is_collected() {
    run_class("test_reentrancy.py", "RustViewGC");
}

#[test]
fn argument_handling_matches_cpython() {
    run_class("test_reentrancy.py", "ApiFidelity");
}
