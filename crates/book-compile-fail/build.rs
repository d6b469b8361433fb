//! Copies the book's `compile_fail` blocks where rustdoc can test them.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

#[path = "../../tests/support/markdown.rs"]
mod markdown;

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest).join("../..");
    println!("cargo:rerun-if-changed=../../src");

    let mut modules = String::new();
    for file in markdown::markdown_files(&root, "src").expect("the book's src/ can be read") {
        let text = fs::read_to_string(root.join(&file)).expect("a chapter can be read");
        let blocks: Vec<_> = markdown::blocks_in(&file, &text)
            .into_iter()
            .filter(|b| b.lang == "rust" && b.has_tag("compile_fail"))
            .collect();
        if blocks.is_empty() {
            continue;
        }
        // Keep the fences and text of those blocks, blank every other line.
        let lines: Vec<&str> = text.lines().collect();
        let mut copy = vec![""; lines.len()];
        for block in &blocks {
            let first = block.line - 1;
            let end = (first + block.text.lines().count() + 2).min(lines.len());
            copy[first..end].copy_from_slice(&lines[first..end]);
        }
        let target = Path::new(&out_dir).join(&file);
        fs::create_dir_all(target.parent().expect("a chapter lives in src/")).unwrap();
        fs::write(&target, copy.join("\n") + "\n").unwrap();
        // One Rust file per chapter, named after it, so that rustdoc's report
        // reads `…/src/ch10-lifetimes.md.rs - src_ch10_lifetimes (line 42)`.
        let stem = Path::new(&file).with_extension("");
        let module = markdown::identifier(&stem.to_string_lossy());
        let wrapper = target.with_extension("md.rs");
        fs::write(
            &wrapper,
            format!(
                // rustdoc counts the doc's lines from the line after the
                // attribute's; the comment line makes its numbers the chapter's.
                "// Generated from {file}.\n#[doc = include_str!({:?})]\npub mod {module} {{}}\n",
                target.display().to_string()
            ),
        )
        .unwrap();
        writeln!(modules, "include!({:?});", wrapper.display().to_string()).unwrap();
    }
    fs::write(Path::new(&out_dir).join("chapters.rs"), modules).unwrap();
}
