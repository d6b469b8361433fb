//! The book builds cleanly with the pinned mdBook: exit status 0 and not one
//! warning or error line (mdBook 0.5 logs some config mistakes as `ERROR` and
//! still exits 0, so the output is read, not only the status).

use std::path::Path;
use std::process::Command;

#[path = "support/ci.rs"]
mod ci;
use ci::MDBOOK_VERSION;

#[test]
fn the_book_builds_without_warnings() {
    let root = ci::root();
    if let Err(found) = ci::pinned_mdbook() {
        return ci::did_not_run(
            &format!(
                "\n!!! THE BOOK WAS NOT BUILT: mdBook {MDBOOK_VERSION} is needed, found {found:?}.\n\
                 !!! Install it with: cargo install mdbook --version {MDBOOK_VERSION} --locked\n"
            ),
            "CI=true: the book must be built",
        );
    }
    // Build into the target directory, so a test run leaves book/ alone.
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book");
    let out = Command::new("mdbook")
        .arg("build")
        .arg("--dest-dir")
        .arg(&dest)
        .arg(root)
        .env("RUST_LOG", "info")
        .output()
        .expect("mdbook runs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bad: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    assert!(out.status.success(), "mdbook build failed:\n{log}");
    assert!(
        bad.is_empty(),
        "mdbook build logged problems:\n{}",
        bad.join("\n")
    );
    assert!(dest.join("index.html").exists() && dest.join("print.html").exists());
}
