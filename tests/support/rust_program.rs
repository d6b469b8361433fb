#![allow(dead_code)] // Each user needs a different part.

//! From a ```` ```rust ```` block to the program that tests it.
//!
//! The rules follow rustdoc's, so that what a reader sees in the book is what
//! runs: lines starting with `# ` are hidden from the reader but compiled; a
//! block without `fn main` is wrapped in one, which returns a `Result` so
//! that examples can use `?`. The program is padded with blank lines so that
//! the line numbers in compiler messages are the chapter's own lines, and
//! `assert_eq!` is `pretty_assertions`', which shows a diff when it fails.

use crate::markdown::Block;

/// Whether the block is a test of `tests/rust_blocks.rs`: every Rust block
/// but those tagged `compile_fail`, which go to rustdoc, the one tool that can
/// expect a compile error. A block that includes a program from `examples/`
/// is checked there (the program runs as its own test); every other block is
/// compiled and run by skeptic.
pub fn is_rust_blocks_test(block: &Block) -> bool {
    block.lang == "rust" && !block.has_tag("compile_fail")
}

/// An mdBook `{{#include file}}` or `{{#include file:anchor}}` in a block,
/// with the path as written (relative to the chapter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub path: String,
    pub anchor: Option<String>,
}

/// The `{{#include …}}` and `{{#rustdoc_include …}}` directives of a block.
pub fn includes(block: &Block) -> Vec<Include> {
    let mut found = Vec::new();
    for line in block.text.lines() {
        let line = line.trim();
        let Some(rest) = line
            .strip_prefix("{{#include ")
            .or_else(|| line.strip_prefix("{{#rustdoc_include "))
        else {
            continue;
        };
        let target = rest.trim_end_matches("}}").trim();
        let (path, anchor) = match target.split_once(':') {
            Some((p, a)) => (p, Some(a.to_owned())),
            None => (target, None),
        };
        found.push(Include {
            path: path.to_owned(),
            anchor,
        });
    }
    found
}

/// A block line with mdBook's hiding prefix removed: `# let x = 1;` → `let x = 1;`.
pub fn unhide(line: &str) -> &str {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("# ") {
        rest
    } else if trimmed == "#" {
        ""
    } else {
        line
    }
}

/// The whole program for a block, each block line on its line in the chapter.
pub fn program(block: &Block) -> String {
    let body: Vec<&str> = block.text.lines().map(unhide).collect();
    let has_main = body.iter().any(|l| l.contains("fn main"));
    // The header takes the line just before the block's first line: the
    // opening fence's, so there is always room for it.
    let header = if has_main {
        "#![deny(warnings)]".to_owned()
    } else {
        // `pretty_assertions` gives a failing assertion a readable diff; the
        // reader's copy of a block works the same with std's macros.
        "#![deny(warnings)] #[allow(unused_imports)] use pretty_assertions::{assert_eq, assert_ne}; \
         fn block() -> Result<(), Box<dyn std::error::Error>> {"
            .to_owned()
    };
    let mut program = "\n".repeat(block.first_text_line().saturating_sub(2));
    program.push_str(&header);
    program.push('\n');
    for line in &body {
        program.push_str(line);
        program.push('\n');
    }
    if !has_main {
        program.push_str(
            "#[allow(unreachable_code)]\nOk(())\n}\n\
             fn main() {\n    if let Err(error) = block() {\n        \
             eprintln!(\"the block returned an error: {error}\");\n        \
             std::process::exit(1);\n    }\n}\n",
        );
    }
    program
}
