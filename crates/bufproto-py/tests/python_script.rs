//! Runs `python/test_bufproto_py.py` in the machine's `python3` against the
//! extension module this `cargo test` just built: CPython's own memoryview
//! tests pointed at the Rust exporters, the module's checks, and a loop
//! after which every export count must be back to 0.
//!
//! Cargo builds the library (`cdylib` + `rlib`) before this test, and puts
//! `libbufproto_py.so` in `deps/`, where this executable lives; it is
//! copied as `bufproto_py.so` into a directory put on `PYTHONPATH`.

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The module cargo built for this test: `libbufproto_py.so` in
/// `target/<profile>/deps/`, the directory of this test's own executable
/// (the library is built there as a dependency of the test, both crate
/// types at once); `target/<profile>/` has a copy only when the library
/// itself was a target of the command.
fn built_module() -> PathBuf {
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

#[test]
fn python_script_against_the_built_module() {
    let python_ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !python_ok {
        let msg = "\n!!! python/test_bufproto_py.py NOT RUN: no `python3` on PATH\n";
        assert!(!in_ci(), "{msg}(CI=true: it must run)");
        eprintln!("{msg}");
        return;
    }
    let module = built_module();
    assert!(
        module.exists(),
        "{} is missing: cargo builds it with this test",
        module.display()
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bufproto-py-module");
    fs::create_dir_all(&dir).unwrap();
    let ext = if cfg!(windows) { "pyd" } else { "so" };
    fs::copy(&module, dir.join(format!("bufproto_py.{ext}"))).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/test_bufproto_py.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("300") // rounds of the export-count loop
        .env("PYTHONPATH", &dir)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}{stderr}");
    assert!(
        out.status.success(),
        "the Python test script failed:\n{stdout}{stderr}"
    );
    assert!(stdout.contains("export counts after the loop: (0, 0)"));
}
