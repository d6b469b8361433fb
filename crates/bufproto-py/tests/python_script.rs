//! Runs `python/test_bufproto_py.py` in the machine's `python3` against the
//! extension module this `cargo test` just built: CPython's own memoryview
//! tests pointed at the Rust exporters, the module's checks, and a loop
//! after which every export count must be back to 0.
//!
//! Cargo builds the library (`cdylib` + `rlib`) before this test, and puts
//! `libbufproto_py.so` in `deps/`, where this executable lives; it is
//! copied as `bufproto_py.so` into a directory put on `PYTHONPATH`.

use std::process::Command;

mod support;

#[test]
fn python_script_against_the_built_module() {
    if support::skip_without_python("python/test_bufproto_py.py") {
        return;
    }
    let dir = support::module_dir("bufproto-py-module");
    let script = support::script("test_bufproto_py.py");
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
