//! Every ```` ```rust ```` block of the book, compiled and run by skeptic.
//!
//! `build.rs` writes one test per block (`ch01_introduction::line_0042`); this
//! file is the runtime they call. See `tests/support/rust_program.rs` for how a
//! block becomes a program.

use std::fs;
use std::panic;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/rust_blocks.rs"));

/// Compiles and runs one block; on failure, names the chapter and line.
fn run_rust_block(file: &str, line: usize, program: &str) {
    let outcome = panic::catch_unwind(|| {
        skeptic::rt::run_test(
            env!("CARGO_MANIFEST_DIR"),
            env!("OUT_DIR"),
            env!("BOOK_TARGET"),
            program,
        )
    });
    if let Err(payload) = outcome {
        let why = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        panic!(
            "the Rust block at {file}:{line} failed.\n\
             (In the messages above, test.rs:N is {file}:N.)\n\
             {why}"
        );
    }
}

/// A block that shows part of a program from `examples/` with mdBook's
/// `{{#include path:anchor}}`: the program runs as its own test (it is a
/// Cargo example with `test = true`), so here we check that the file and
/// the anchor exist and that Cargo will run it. A block may also show the
/// source of a workspace crate (`crates/NAME/src/…`), which `cargo test`
/// tests as a member of the workspace.
/// `a/b/../c` → `a/c`, without touching the file system.
#[allow(dead_code)]
fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[allow(dead_code)] // used only when a chapter includes an example
fn check_included_block(file: &str, line: usize, includes: &[(&str, Option<&str>)]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chapter_dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml can be read");
    for (path, anchor) in includes {
        let target = root.join(chapter_dir).join(path);
        let text = fs::read_to_string(&target)
            .unwrap_or_else(|e| panic!("{file}:{line}: cannot include {path}: {e}"));
        if let Some(anchor) = anchor {
            let start = format!("ANCHOR: {anchor}");
            let end = format!("ANCHOR_END: {anchor}");
            assert!(
                text.lines().any(|l| l.trim_end().ends_with(&start))
                    && text.lines().any(|l| l.trim_end().ends_with(&end)),
                "{file}:{line}: {path} has no `// {start}` … `// {end}` pair"
            );
        }
        // Source of a workspace crate under crates/: its own tests run it
        // (`cargo test` tests every member; see the workspace's members).
        let normal = normalize(&root.join(chapter_dir).join(path));
        if let Ok(rel) = normal.strip_prefix(root.join("crates")) {
            let krate = rel.components().next().expect("a crate directory");
            let krate_dir = root.join("crates").join(krate);
            assert!(
                krate_dir.join("Cargo.toml").exists()
                    && rel
                        .components()
                        .nth(1)
                        .is_some_and(|c| c.as_os_str() == "src"),
                "{file}:{line}: {path} must be in the src/ of a workspace crate"
            );
            println!("{file}:{line}: shows {path} (anchor {anchor:?}), tested with its crate");
            continue;
        }
        let name = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("an example has a file name");
        let entry = format!("[[example]]\nname = \"{name}\"\ntest = true");
        assert!(
            path.contains("examples/") && manifest.contains(&entry),
            "{file}:{line}: {path} must be a Cargo example with `test = true`, so that it runs"
        );
        println!("{file}:{line}: shows {path} (anchor {anchor:?}), which runs as `cargo test --example {name}`");
    }
}
