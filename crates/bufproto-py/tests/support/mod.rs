//! Shared by the tests that run a Python script against the extension
//! module this `cargo test` just built (`python_script.rs`,
//! `protocol_matrix.rs`, `cpython_suites.rs`): whether this is CI, whether
//! `python3` runs, and a directory to put on `PYTHONPATH` with the module in
//! it. What counts as CI and where the module is are the book's harnesses'
//! own answers (`tests/support/ci.rs`), so that every test agrees on them.

// Each test crate includes this module and uses a different part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../../../tests/support/ci.rs"]
mod ci;

/// `CI=true` (or `1`): a test that cannot run is a failure, not a skip.
pub fn in_ci() -> bool {
    ci::in_ci()
}

/// Whether `python3` runs. Without it a test skips loudly (and fails under
/// `CI=true`, see [`skip_without_python`]).
pub fn python_ok() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `true` when the caller must return early: no `python3` (outside CI).
/// Under CI a missing `python3` fails the test.
pub fn skip_without_python(what: &str) -> bool {
    if python_ok() {
        return false;
    }
    ci::did_not_run(
        &format!("\n!!! {what} NOT RUN: no `python3` on PATH\n"),
        "CI=true: it must run",
    );
    true
}

/// A directory `CARGO_TARGET_TMPDIR/subdir/` holding the module cargo built
/// for this test, as `bufproto_py.so`, to put on `PYTHONPATH`.
pub fn module_dir(subdir: &str) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    ci::extension_module_dir(tmp, subdir).unwrap_or_else(|| {
        panic!(
            "libbufproto_py is missing beside {:?}: cargo builds it with this test",
            std::env::current_exe().ok()
        )
    })
}

/// `python/<name>` of this crate.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name)
}
