//! "Every error message" (`src/appendix-errors.md`) must hold every
//! exception message that any Python block of the book shows: chapters,
//! appendices (the generated versions appendix included), blocks tagged for
//! other versions and `only-native` blocks alike.
//!
//! This reads the blocks itself, independently of the generator in
//! `examples/appendices.rs`: every line of a `pycon` block's expected output
//! that reads `Kind: message`, where `Kind` names an exception, must be a row
//! of the appendix's table with that kind and that message.

use std::collections::BTreeSet;
use std::fs;

#[path = "support/ci.rs"]
mod ci;
#[path = "support/markdown.rs"]
mod markdown;

use ci::root;

const APPENDIX: &str = "src/appendix-errors.md";

/// Whether `name` is what a traceback's last line starts with: an exception
/// class, possibly qualified (`struct.error`, `pickle.PicklingError`).
fn is_exception_name(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let well_formed = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    well_formed
        && (last.ends_with("Error")
            || last.ends_with("Exception")
            || last.ends_with("Warning")
            || last.ends_with("Exit")
            || last == "error")
}

/// The `(kind, message)` pairs of one block's expected output.
fn exception_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with(">>>") && !l.starts_with("..."))
        .filter_map(|l| l.split_once(": "))
        .filter(|(kind, _)| is_exception_name(kind))
        .map(|(kind, message)| (kind.to_owned(), message.to_owned()))
        .collect()
}

/// An exception's kind and message, and the first block that shows it.
type Shown = ((String, String), String);

/// Every message shown by a `pycon` block outside the errors appendix, with
/// the first place that shows it.
fn messages_shown() -> Result<Vec<Shown>, Box<dyn std::error::Error>> {
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for block in markdown::book_blocks(root())? {
        if block.lang != "pycon" || block.file == APPENDIX {
            continue;
        }
        for pair in exception_lines(&block.text) {
            if seen.insert(pair.clone()) {
                found.push((pair, block.place()));
            }
        }
    }
    Ok(found)
}

/// The `(kind, message)` of each row of the appendix's table, read back from
/// its Markdown: the first two cells, each one code span.
fn appendix_rows(markdown: &str) -> BTreeSet<(String, String)> {
    markdown
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = split_row(line)?;
            let kind = code_span(cells.first()?)?;
            let message = code_span(cells.get(1)?)?;
            Some((kind, message))
        })
        .collect()
}

/// The cells of a table row, split on unescaped `|`.
fn split_row(line: &str) -> Option<Vec<&str>> {
    let inner = line.strip_prefix("| ")?.strip_suffix(" |")?;
    let mut cells = Vec::new();
    let mut start = 0;
    let bytes = inner.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'|' && i > 0 && bytes.get(i - 1) != Some(&b'\\') {
            cells.push(inner.get(start..i)?.trim());
            start = i + 1;
        }
    }
    cells.push(inner.get(start..)?.trim());
    Some(cells)
}

/// The text of a cell that is one code span (`` `x` `` or ``` `` x `` ```).
fn code_span(cell: &str) -> Option<String> {
    let text = cell
        .strip_prefix("`` ")
        .and_then(|c| c.strip_suffix(" ``"))
        .or_else(|| cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')))?;
    Some(text.replace("\\|", "|"))
}

#[test]
fn every_message_any_python_block_shows_is_in_the_errors_appendix(
) -> Result<(), Box<dyn std::error::Error>> {
    let shown = messages_shown()?;
    // A reader of no blocks would pass any appendix: make sure they were read.
    assert!(
        shown.len() > 50,
        "only {} messages found in the book's pycon blocks: is the reader broken?",
        shown.len()
    );
    let appendix = fs::read_to_string(root().join(APPENDIX))?;
    let rows = appendix_rows(&appendix);
    let missing: Vec<String> = shown
        .iter()
        .filter(|(pair, _)| !rows.contains(pair))
        .map(|((kind, message), place)| format!("  {place}: {kind}: {message}"))
        .collect();
    assert!(
        missing.is_empty(),
        "{APPENDIX} lacks {} message(s) that the book shows:\n{}\n\
         Run `cargo run --example appendices` (and fix examples/appendices.rs if it misses them).",
        missing.len(),
        missing.join("\n")
    );
    Ok(())
}

#[test]
fn exception_lines_are_told_from_other_output() {
    let block = ">>> m[0]\nTraceback (most recent call last):\n  File \"<stdin>\", line 1\n\
                 NotImplementedError: memoryview: unsupported format <H\n>>> b'a: b'\nb'a: b'\n\
                 >>> print('x: y')\nx: y\nstruct.error: bad char in struct format\n\
                 ... TypeError: continuation\n";
    assert_eq!(
        exception_lines(block),
        vec![
            (
                "NotImplementedError".to_owned(),
                "memoryview: unsupported format <H".to_owned()
            ),
            (
                "struct.error".to_owned(),
                "bad char in struct format".to_owned()
            ),
        ]
    );
}

#[test]
fn appendix_rows_are_read_back_with_their_escapes() {
    let table = "| Exception | Message | Raised by | Shown in |\n| --- | --- | --- | --- |\n\
                 | `TypeError` | `a \\| b` | `x` | [c](c.md) |\n\
                 | `ValueError` | `` has ` tick `` | `y` | [c](c.md) |\n";
    let rows = appendix_rows(table);
    assert!(rows.contains(&("TypeError".to_owned(), "a | b".to_owned())));
    assert!(rows.contains(&("ValueError".to_owned(), "has ` tick".to_owned())));
    assert_eq!(rows.len(), 2);
}
