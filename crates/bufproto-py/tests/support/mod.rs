//! Shared by the tests that run a Python script against the extension
//! module this `cargo test` just built (`python_script.rs`,
//! `protocol_matrix.rs`): where cargo put the module, and a directory to put
//! on `PYTHONPATH` with it copied in as `bufproto_py.so`.
//!
//! Cargo builds the library (`cdylib` + `rlib`) before the tests, and puts
//! `libbufproto_py.so` in `deps/`, where the test executables live.

// Each test crate includes this module and uses a different part of it.
#![allow(dead_code)]

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `CI=true` (or `1`): a test that cannot run is a failure, not a skip.
pub fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| v == "true" || v == "1")
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
    let msg = format!("\n!!! {what} NOT RUN: no `python3` on PATH\n");
    assert!(!in_ci(), "{msg}(CI=true: it must run)");
    eprintln!("{msg}");
    true
}

/// The module cargo built for this test: `libbufproto_py.so` in
/// `target/<profile>/deps/`, the directory of this test's own executable
/// (the library is built there as a dependency of the test, both crate
/// types at once); `target/<profile>/` has a copy only when the library
/// itself was a target of the command.
pub fn built_module() -> PathBuf {
    let exe = env::current_exe().expect("the test knows its path");
    let deps = exe.parent().expect("tests run from target/<profile>/deps");
    let name = format!(
        "{}bufproto_py{}",
        env::consts::DLL_PREFIX,
        env::consts::DLL_SUFFIX
    );
    let here = deps.join(&name);
    match deps.parent() {
        Some(profile) if !here.exists() => profile.join(&name),
        _ => here,
    }
}

/// A directory holding the built module as `bufproto_py.so` (`.pyd` on
/// Windows), to put on `PYTHONPATH`.
///
/// The copy is written under a temporary name and renamed into place: tests
/// of one crate run in parallel, and overwriting a `.so` in place that
/// another test's `python3` has mapped would crash that process.
pub fn module_dir(subdir: &str) -> PathBuf {
    static COPIES: AtomicUsize = AtomicUsize::new(0);
    let module = built_module();
    assert!(
        module.exists(),
        "{} is missing: cargo builds it with this test",
        module.display()
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(subdir);
    fs::create_dir_all(&dir).unwrap();
    let ext = if cfg!(windows) { "pyd" } else { "so" };
    let n = COPIES.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".bufproto_py.{}.{n}.tmp", std::process::id()));
    fs::copy(&module, &tmp).unwrap();
    fs::rename(&tmp, dir.join(format!("bufproto_py.{ext}"))).unwrap();
    dir
}

/// `python/<name>` of this crate.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name)
}
