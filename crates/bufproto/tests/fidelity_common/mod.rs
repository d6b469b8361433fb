//! Shared by the `fidelity_*` tests: asking the host's CPython (`python3`)
//! what it answers, so that expected messages come from CPython itself.

// Each test binary uses a part of these.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether this build's C `long` and `Py_ssize_t` are 8 bytes, like the
/// x86-64 CPython the committed tables were made with.
pub fn lp64() -> bool {
    bufproto::format::Native::parse("l").map(|n| n.size()) == Some(8)
        && std::mem::size_of::<isize>() == 8
}

/// Runs `script` under `python3` with `input` on stdin and returns its
/// stdout. `None` (with a note on stderr) when there is no `python3`, or
/// its C `long` / `Py_ssize_t` are not 8 bytes (then its messages differ).
/// A script that fails under a suitable `python3` fails the test.
pub fn python(script: &str, input: &str) -> Option<String> {
    let probe = Command::new("python3")
        .args([
            "-c",
            "import struct, sys; print(struct.calcsize('l'), sys.maxsize)",
        ])
        .output();
    let ok = matches!(&probe, Ok(o) if o.status.success()
        && String::from_utf8_lossy(&o.stdout).trim() == "8 9223372036854775807");
    if !ok || !lp64() {
        eprintln!("note: no 64-bit python3 here; CPython comparison skipped");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 ran for the probe");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("python3 reads its input");
    let out = child.wait_with_output().expect("python3 finishes");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("python3 prints UTF-8"))
}

/// `Kind: message` of a result, as Python's `f"{type(e).__name__}: {e}"`,
/// or `ok`.
pub fn outcome<T>(r: &Result<T, bufproto::Error>) -> String {
    match r {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    }
}

/// Python's repr of a tuple of integers: `(3,)`, `(4, 1)`, `()`.
pub fn py_tuple(v: &[isize]) -> String {
    match v {
        [x] => format!("({x},)"),
        _ => format!(
            "({})",
            v.iter()
                .map(isize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Lines that differ between two outputs of `key => result` lines, for a
/// readable assertion message.
pub fn diff(expected: &str, actual: &str) -> Vec<String> {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = Vec::new();
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y {
            out.push(format!("expected {x:?}\n     got {y:?}"));
        }
    }
    out
}

/// Runs `script` in `python3` over `input` and asserts that its output is
/// `ours`, line for line, listing every difference. Without `python3` it
/// checks nothing (the caller's own assertions still run).
pub fn assert_agrees_with_python(script: &str, input: &str, ours: &str) {
    if let Some(py) = python(script, input) {
        let d = diff(&py, ours);
        assert!(
            d.is_empty(),
            "{} differences from CPython:\n{}",
            d.len(),
            d.join("\n")
        );
    }
}

/// [`python`], if `python3` can also import `module` (`_testbuffer` and
/// `ctypes` are optional parts of some distributions' CPython).
pub fn python_using(module: &str, script: &str, input: &str) -> Option<String> {
    let probe = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output();
    if !matches!(&probe, Ok(o) if o.status.success()) {
        eprintln!("note: python3 has no {module}; CPython comparison skipped");
        return None;
    }
    python(script, input)
}
