#![allow(dead_code)] // Each harness needs a different part.

//! What the book's test harnesses share about where they run: the
//! repository root, whether this is CI, the pinned mdBook, where cargo put
//! the extension module, and how to say loudly that something could not run.
//!
//! The one place that reads `CI`: the book's tests include this file with
//! `#[path = "support/ci.rs"]`, and the workspace's crates with a path to it
//! (`crates/bufproto-oracle/src/lib.rs`, `crates/bufproto-py/tests/support`),
//! so that every harness agrees on what counts as CI and which module it
//! tests.

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// The extension module cargo built from `crates/bufproto-py` for the test
/// running now: `libbufproto_py.so` in `target/<profile>/deps/`, beside the
/// test's executable (cargo builds the library there, both crate types at
/// once, when the test depends on it), or in `target/<profile>/` (when the
/// library itself was a target of the command), whichever is newer. `None`
/// if neither exists, or if the newer one is older than the sources it is
/// built from: a test that does not depend on the module (the book's own)
/// would otherwise load whatever an earlier build left there.
pub fn built_extension_module() -> Option<PathBuf> {
    let exe = env::current_exe().ok()?;
    let deps = exe.parent()?;
    let name = format!(
        "{}bufproto_py{}",
        env::consts::DLL_PREFIX,
        env::consts::DLL_SUFFIX
    );
    let (built, module) = [deps.join(&name), deps.parent()?.join(&name)]
        .into_iter()
        .filter_map(|p| Some((fs::metadata(&p).ok()?.modified().ok()?, p)))
        .max()?;
    let sources = [
        "crates/bufproto-py/src",
        "crates/bufproto/src",
        "Cargo.lock",
    ];
    let newest = sources
        .iter()
        .filter_map(|s| newest_change(&root().join(s)))
        .max()?;
    (built >= newest).then_some(module)
}

/// The latest modification time of `path`, or of any file below it.
fn newest_change(path: &Path) -> Option<std::time::SystemTime> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    fs::read_dir(path)
        .ok()?
        .filter_map(|entry| newest_change(&entry.ok()?.path()))
        .max()
}

/// A directory `tmp/subdir/` to put on `PYTHONPATH` for `import
/// bufproto_py`: the built module copied in under the name Python looks for.
/// `None` if the module was not built or could not be copied.
///
/// The copy is written under a temporary name and renamed into place: tests
/// run in parallel, and overwriting in place a `.so` that another test's
/// `python3` has mapped would crash that process.
pub fn extension_module_dir(tmp: &Path, subdir: &str) -> Option<PathBuf> {
    static COPIES: AtomicUsize = AtomicUsize::new(0);
    let built = built_extension_module()?;
    let dir = tmp.join(subdir);
    fs::create_dir_all(&dir).ok()?;
    let ext = if cfg!(windows) { "pyd" } else { "so" };
    let n = COPIES.fetch_add(1, Ordering::Relaxed);
    let part = dir.join(format!(".bufproto_py.{}.{n}.tmp", std::process::id()));
    fs::copy(&built, &part).ok()?;
    fs::rename(&part, dir.join(format!("bufproto_py.{ext}"))).ok()?;
    Some(dir)
}
