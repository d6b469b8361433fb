//! Every public item of `bufproto` appears in the book's reference appendix
//! (`src/appendix-reference.md`), so the table cannot fall behind the crate.
//!
//! The public items are read from the crate's source: types and free
//! functions at the top level of a file, and `pub fn`/`pub const` inside an
//! inherent `impl Type {` block, as `Type::name`. Items marked
//! `#[doc(hidden)]`, `pub(crate)` ones and test code are left out.

use std::fs;
use std::path::{Path, PathBuf};

const APPENDIX: &str = "src/appendix-reference.md";

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("the crate's source can be read") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `Type` of an inherent `impl Type {` or `impl<T> Type<T> {` line, if it is one.
fn inherent_impl(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("impl")?;
    if line.contains(" for ") || !line.trim_end().ends_with('{') {
        return None;
    }
    let rest = if rest.starts_with('<') {
        rest.split_once('>')?.1
    } else {
        rest
    };
    let name = rest
        .trim_start()
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()?;
    (!name.is_empty()).then_some(name)
}

/// The name declared by a `pub` item line, with its kind.
fn pub_item(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix("pub ")?;
    let rest = rest
        .strip_prefix("const fn ")
        .map(|r| ("fn", r))
        .or_else(|| {
            ["fn", "struct", "enum", "trait", "const", "static", "type"]
                .iter()
                .find_map(|k| {
                    rest.strip_prefix(k)
                        .and_then(|r| r.strip_prefix(' '))
                        .map(|r| (*k, r))
                })
        })?;
    let name = rest
        .1
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()?;
    (!name.is_empty()).then_some((rest.0, name))
}

fn public_items(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut items = Vec::new();
    for file in files {
        let module = file
            .strip_prefix(src)
            .ok()
            .and_then(|p| p.components().next())
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned()
            })
            .unwrap_or_default();
        let text = fs::read_to_string(&file).expect("a source file can be read");
        let mut in_impl: Option<String> = None;
        let mut hidden = false;
        for line in text.lines() {
            if line.starts_with("#[cfg(test)]") {
                break; // the tests are at the end of each file
            }
            if let Some(name) = inherent_impl(line) {
                in_impl = Some(name.to_owned());
            } else if line.starts_with("impl") || line.starts_with('}') {
                in_impl = None;
            }
            let trimmed = line.trim_start();
            if trimmed.starts_with("#[doc(hidden)]") {
                hidden = true;
                continue;
            }
            if let Some((kind, name)) = pub_item(line) {
                if !hidden {
                    let indented = line.starts_with(' ');
                    match (&in_impl, indented) {
                        (Some(ty), true) => items.push(format!("{ty}::{name}")),
                        (_, false) if kind == "fn" => items.push(format!("{module}::{name}")),
                        (_, false) => items.push(name.to_owned()),
                        _ => {}
                    }
                }
            }
            if !trimmed.starts_with('#') && !trimmed.starts_with("///") {
                hidden = false;
            }
        }
    }
    items
}

/// Whether `text` contains `word` with no identifier character on either side.
fn mentions(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident) && before != Some(':')
    })
}

#[test]
fn every_public_item_of_the_crate_is_in_the_reference_appendix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let appendix = fs::read_to_string(root.join(APPENDIX)).expect("the appendix exists");
    let items = public_items(&root.join("crates/bufproto/src"));
    assert!(
        items.len() > 100,
        "the scan found only {} items",
        items.len()
    );
    let missing: Vec<&String> = items.iter().filter(|i| !mentions(&appendix, i)).collect();
    assert!(
        missing.is_empty(),
        "{} public item(s) of bufproto are not in {APPENDIX}; add a row (or the item to a row) for:\n  {}",
        missing.len(),
        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
    );
}

#[test]
fn the_scan_finds_items_the_way_the_appendix_names_them() {
    assert_eq!(inherent_impl("impl MemoryView {"), Some("MemoryView"));
    assert_eq!(inherent_impl("impl<T> Thing<T> {"), Some("Thing"));
    assert_eq!(inherent_impl("impl Exporter for Bytes {"), None);
    assert_eq!(
        pub_item("    pub fn cast(&self, format: &str) -> Result<MemoryView> {"),
        Some(("fn", "cast"))
    );
    assert_eq!(
        pub_item("    pub const SIMPLE: Flags = Flags(0);"),
        Some(("const", "SIMPLE"))
    );
    assert_eq!(pub_item("    pub(crate) fn load(&self) {"), None);
    assert!(mentions(
        "| `Bytes::len`, `Bytes::is_empty` |",
        "Bytes::len"
    ));
    assert!(!mentions("| `ByteArray::len` |", "Array::len"));
    assert!(!mentions("| `Bytes::lenient` |", "Bytes::len"));
}
