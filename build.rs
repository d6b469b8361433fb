//! Turns every ```` ```rust ```` block of the book into a test.
//!
//! Each block becomes one `#[test]` in `tests/rust_blocks.rs`, named after its
//! chapter and line (`ch01_introduction::line_0042`), which hands the program
//! to skeptic's runtime to compile against this package's dependencies and
//! run. Blocks tagged `compile_fail` are left to rustdoc (see
//! `crates/book-compile-fail`), which knows how to expect an error code.

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

#[path = "tests/support/markdown.rs"]
mod markdown;
#[path = "tests/support/rust_program.rs"]
mod rust_program;

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let root = Path::new(&root);

    // A new chapter, or a changed one, regenerates the tests.
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=tests/support");
    println!("cargo:rerun-if-changed=examples");
    println!("cargo:rustc-env=BOOK_TARGET={target}");

    let blocks = markdown::book_blocks(root).expect("the book's chapters in src/ can be read");
    let mut by_chapter: BTreeMap<String, Vec<&markdown::Block>> = BTreeMap::new();
    for block in blocks
        .iter()
        .filter(|b| rust_program::is_rust_blocks_test(b))
    {
        by_chapter
            .entry(block.file.clone())
            .or_default()
            .push(block);
    }

    let mut out = String::new();
    for (file, blocks) in &by_chapter {
        let stem = Path::new(file)
            .strip_prefix("src")
            .unwrap_or(Path::new(file))
            .with_extension("");
        let module = markdown::identifier(&stem.to_string_lossy());
        writeln!(out, "mod {module} {{").unwrap();
        for block in blocks {
            let includes = rust_program::includes(block);
            let call = if includes.is_empty() {
                let program = rust_program::program(block);
                format!(
                    "crate::run_rust_block({:?}, {}, {:?})",
                    block.file, block.line, program
                )
            } else {
                // The program is in examples/ and runs as its own test; here
                // we check that what the chapter shows is really in it.
                let list: Vec<String> = includes
                    .iter()
                    .map(|i| format!("({:?}, {:?})", i.path, i.anchor))
                    .collect();
                format!(
                    "crate::check_included_block({:?}, {}, &[{}])",
                    block.file,
                    block.line,
                    list.join(", ")
                )
            };
            writeln!(
                out,
                "    #[test]\n    fn line_{:04}() {{\n        {call};\n    }}",
                block.line
            )
            .unwrap();
        }
        writeln!(out, "}}").unwrap();
    }
    let path = Path::new(&out_dir).join("rust_blocks.rs");
    // Rewrite only on change, so that cargo does not rebuild the tests for nothing.
    if fs::read_to_string(&path).ok().as_deref() != Some(out.as_str()) {
        fs::write(&path, out).expect("OUT_DIR is writable");
    }
}
