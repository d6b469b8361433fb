#![allow(dead_code)] // Each harness needs a different part.

//! What the book's test harnesses share about where they run: the
//! repository root, whether this is CI, the pinned mdBook, and how to say
//! loudly that something could not run.
//!
//! The one place that reads `CI`: the book's tests include this file with
//! `#[path = "support/ci.rs"]`, and the workspace's crates with a path to it
//! (`crates/bufproto-oracle/src/lib.rs`), so that every harness agrees on
//! what counts as CI.

use std::env;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// The mdBook version the book is written for (README.md, .ci/run).
pub const MDBOOK_VERSION: &str = "0.5.4";

/// The repository root: the nearest directory holding `book.toml`, from the
/// package being tested (the book's own, or one of its crates) upwards.
pub fn root() -> &'static Path {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join("book.toml").is_file())
        .unwrap_or(manifest)
}

/// Whether this run is CI's (`CI=true` or `CI=1`), where everything must run.
pub fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Writes to the real stderr, past libtest's capture, so that the text
/// shows in every `cargo test` run, not only in failing ones.
pub fn always_show(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Says, loudly, that something did not run; under CI that is a failure,
/// with `ci_reason` added to the message.
pub fn did_not_run(message: &str, ci_reason: &str) {
    if in_ci() {
        panic!("{message}({ci_reason})");
    }
    always_show(message);
}

/// `Ok` if the pinned mdBook is on `PATH`, else what was found instead.
pub fn pinned_mdbook() -> Result<(), String> {
    let found = match Command::new("mdbook").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => String::new(),
    };
    if found.ends_with(MDBOOK_VERSION) {
        Ok(())
    } else {
        Err(found)
    }
}
