//! The crate's modules import each other in one direction only, along the
//! layering of the crate's architecture sketch (error at the bottom, view
//! at the top):
//!
//! ```text
//! error ← hex, versions ← format ← layout ← storage ← indirect ← protocol
//!       ← bytes, foreign, ndarray ← bytearray ← array ← view
//! ```
//!
//! The edges are read from the source: every `crate::name` path in
//! `src/**/*.rs` outside comments, string literals and `#[cfg(test)]` items
//! (`use crate::a::X`, `use crate::{a::X, B}`, `crate::a::f()` in an
//! expression). A name re-exported by `lib.rs` (`crate::MemoryView`) counts
//! as an edge to the module defining it. `lib.rs` itself is the root and may
//! import anything; a file of `src/view/` belongs to the module `view`.
//!
//! The test fails on an edge to a module of the same or a higher layer
//! (naming the file and the edge), on any cycle (naming it), and on a module
//! missing from [`LAYERS`], so that a new module has to be placed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each module's layer: a module may import only modules of lower layers.
const LAYERS: &[(&str, u32)] = &[
    ("error", 0),
    ("hex", 1),
    ("versions", 1),
    // `layout` keeps native format strings from `format`'s one list
    ("format", 2),
    ("layout", 3),
    ("storage", 4),
    // follows pointers stored in a storage (PIL-style suboffsets)
    ("indirect", 5),
    ("protocol", 6),
    ("bytes", 7),
    ("foreign", 7),
    ("ndarray", 7),
    ("bytearray", 8),
    ("array", 9),
    ("view", 10),
];

/// `src` with comments, string and char literals blanked out (replaced by
/// spaces, so that braces and `crate::` inside them are not seen). A `'`
/// starts a char literal only when a closing `'` follows the (possibly
/// escaped) character; otherwise it is a lifetime.
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let (ch, next) = (c[i], at(i + 1));
        if ch == '/' && next == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if ch == 'r' && (next == '"' || (next == '#' && !is_ident(at(i.wrapping_sub(1))))) {
            // raw string r"..." or r#"..."#
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(ch);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push_str("\"\"");
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if ch == '\'' {
            // 'x', '\n', '\u{..}', '\'' — or a lifetime 'a
            let end = if next == '\\' {
                (i + 2..c.len().min(i + 12)).find(|&j| c[j] == '\'' && j > i + 2)
            } else if at(i + 2) == '\'' {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    out.push_str("' '");
                    i = e + 1;
                }
                None => {
                    out.push(ch);
                    i += 1;
                }
            }
        } else {
            out.push(ch);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `code` (already stripped) without the items marked `#[cfg(test)]`: from
/// the attribute to the end of the item, which is the first `;` outside
/// braces or the `}` closing the item's first brace.
fn without_test_items(code: &str) -> String {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = String::new();
    let mut rest = code;
    while let Some(pos) = rest.find(ATTR) {
        out.push_str(&rest[..pos]);
        let item = &rest[pos + ATTR.len()..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (k, ch) in item.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The first identifier of `s` (after whitespace), if any.
fn ident(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let n = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
    (n > 0).then(|| &s[..n])
}

/// The names that follow `crate::` in `code`: `crate::a::X` gives `a`;
/// `crate::{a::X, B, c::{..}}` gives `a`, `B`, `c`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("crate::") {
        let start = from + p;
        from = start + "crate::".len();
        let before = code[..start].chars().next_back();
        if before.is_some_and(|b| is_ident(b) || b == '$' || b == ':') {
            continue; // `$crate::`, `mycrate::`, `x::crate::`
        }
        let rest = code[from..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // top-level items of the brace group
            let mut depth = 0usize;
            let mut item_start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && is_ident(c) => {
                        if let Some(name) = ident(&group[k..]) {
                            names.push(name.to_string());
                        }
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else if let Some(name) = ident(rest) {
            names.push(name.to_string());
        }
    }
    names
}

/// The module a file of `src/` belongs to (`None` for `lib.rs`).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    if first == "lib.rs" {
        return None;
    }
    Some(first.trim_end_matches(".rs").to_string())
}

/// `mod name;` declarations and `pub use crate::m::{A, B}` re-exports of
/// `lib.rs`: the crate's modules, and each re-exported name's module.
fn root_names(lib: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let code = strip(lib);
    let mut modules = BTreeSet::new();
    let mut reexports = BTreeMap::new();
    for stmt in code.split(';') {
        let words: Vec<&str> = stmt.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "mod")
            && let Some(name) = words.get(i + 1).and_then(|w| ident(w))
        {
            modules.insert(name.to_string());
        }
        let Some(path) = stmt.trim().strip_prefix("pub use crate::") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.split(" as ").last().map(str::trim).unwrap_or("");
            if !name.is_empty() {
                reexports.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    (modules, reexports)
}

/// An import edge: (importing module, imported module, file).
type Edge = (String, String, String);

/// The edges of a crate given as (path relative to `src/`, text) pairs, or
/// the names that could not be resolved to a module.
fn edges(files: &[(PathBuf, String)]) -> Result<BTreeSet<Edge>, Vec<String>> {
    let lib = files
        .iter()
        .find(|(p, _)| p == Path::new("lib.rs"))
        .map_or("", |(_, t)| t.as_str());
    let (modules, reexports) = root_names(lib);
    let mut found = BTreeSet::new();
    let mut unknown = Vec::new();
    for (rel, text) in files {
        let Some(from) = module_of(rel) else { continue };
        let code = without_test_items(&strip(text));
        for name in crate_paths(&code) {
            let to = if modules.contains(&name) {
                name
            } else if let Some(m) = reexports.get(&name) {
                m.clone()
            } else {
                unknown.push(format!("{}: crate::{name}", rel.display()));
                continue;
            };
            if to != from {
                found.insert((from.clone(), to, rel.display().to_string()));
            }
        }
    }
    if unknown.is_empty() {
        Ok(found)
    } else {
        Err(unknown)
    }
}

/// Every way `edges` breaks the layering or forms a cycle, in words.
fn violations(edges: &BTreeSet<Edge>, modules: &BTreeSet<String>) -> Vec<String> {
    let layer = |m: &str| LAYERS.iter().find(|(n, _)| *n == m).map(|&(_, l)| l);
    let mut out = Vec::new();
    for m in modules {
        if layer(m).is_none() {
            out.push(format!("module `{m}` has no layer in LAYERS"));
        }
    }
    for (from, to, file) in edges {
        if let (Some(a), Some(b)) = (layer(from), layer(to))
            && b >= a
        {
            out.push(format!(
                "back edge {from} -> {to} (in src/{file}): layer {a} may import only layers below it, `{to}` is layer {b}"
            ));
        }
    }
    out.extend(
        cycles(edges)
            .into_iter()
            .map(|c| format!("cycle {}", c.join(" -> "))),
    );
    out
}

/// The elementary cycles through each module's smallest member, found by a
/// depth-first search (the graph has a dozen nodes).
fn cycles(edges: &BTreeSet<Edge>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (a, b, _) in edges {
        next.entry(a).or_default().insert(b);
    }
    let mut found = Vec::new();
    let starts: Vec<&str> = next.keys().copied().collect();
    for &start in &starts {
        let mut path = vec![start];
        walk(start, &next, &mut path, &mut found);
    }
    found
}

fn walk<'a>(
    start: &'a str,
    next: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    path: &mut Vec<&'a str>,
    found: &mut Vec<Vec<String>>,
) {
    let Some(&here) = path.last() else { return };
    for &n in next.get(here).into_iter().flatten() {
        if n == start {
            let mut c: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            c.push(start.to_string());
            found.push(c);
        } else if n > start && !path.contains(&n) {
            // only cycles whose smallest module is `start`: each once
            path.push(n);
            walk(start, next, path, found);
            path.pop();
        }
    }
}

fn rust_files(dir: &Path, base: &Path, found: &mut Vec<(PathBuf, String)>) {
    for entry in fs::read_dir(dir).expect("the crate's source can be read") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, base, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).expect("a source file is UTF-8");
            let rel = path.strip_prefix(base).expect("under src").to_path_buf();
            found.push((rel, text));
        }
    }
}

fn crate_sources() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    files.sort();
    files
}

fn check(files: &[(PathBuf, String)]) -> Result<BTreeSet<Edge>, Vec<String>> {
    let found = edges(files)?;
    let lib = files
        .iter()
        .find(|(p, _)| p == Path::new("lib.rs"))
        .map_or("", |(_, t)| t.as_str());
    let (modules, _) = root_names(lib);
    let bad = violations(&found, &modules);
    if bad.is_empty() { Ok(found) } else { Err(bad) }
}

#[test]
fn the_module_graph_has_no_back_edge_and_no_cycle() {
    let files = crate_sources();
    match check(&files) {
        Ok(found) => {
            // The parser saw the crate's real imports (a parser that finds
            // nothing would pass vacuously).
            for (a, b) in [
                ("view", "protocol"),
                ("protocol", "storage"),
                ("foreign", "storage"),
            ] {
                assert!(
                    found.iter().any(|(x, y, _)| x == a && y == b),
                    "edge {a} -> {b} not found: {found:?}"
                );
            }
        }
        Err(problems) => panic!("the module graph is broken:\n  {}", problems.join("\n  ")),
    }
}

/// A small crate in the old shape: `storage` importing `foreign`'s trait,
/// `protocol` naming `crate::MemoryView` through the root's re-export.
fn old_shape() -> Vec<(PathBuf, String)> {
    let f = |p: &str, t: &str| (PathBuf::from(p), t.to_string());
    vec![
        f(
            "lib.rs",
            "pub mod foreign;\nmod storage;\npub mod protocol;\nmod view;\nmod error;\n\
             pub use crate::view::{MemoryView, Nested};\npub use crate::foreign::ForeignMemory;\n",
        ),
        f("error.rs", "pub struct Error;"),
        f(
            "storage.rs",
            "use crate::error::Error;\nuse crate::foreign::ForeignMemory; // the trait\n\
             #[cfg(test)]\nmod tests { use crate::view::MemoryView; fn f() { let s = \"{\"; } }",
        ),
        f(
            "foreign.rs",
            "use crate::{protocol::Buffer, storage::Storage};\npub trait ForeignMemory {}",
        ),
        f(
            "protocol.rs",
            "use crate::storage::Storage;\ntrait Exporter { fn as_memoryview(&self) -> Option<&crate::MemoryView> { None } }",
        ),
        f(
            "view/mod.rs",
            "use crate::protocol::{Buffer, Exporter};\n/* crate::foreign in a comment */\nlet c = '{';",
        ),
    ]
}

#[test]
fn a_back_edge_or_a_cycle_is_named() {
    let problems = check(&old_shape()).expect_err("the old shape has cycles");
    let has = |s: &str| problems.iter().any(|p| p.contains(s));
    assert!(
        has("back edge storage -> foreign (in src/storage.rs)"),
        "{problems:?}"
    );
    assert!(
        has("back edge protocol -> view (in src/protocol.rs)"),
        "{problems:?}"
    );
    assert!(has("cycle foreign -> storage -> foreign"), "{problems:?}");
    assert!(has("cycle protocol -> view -> protocol"), "{problems:?}");
    assert!(
        has("cycle foreign -> protocol -> storage -> foreign"),
        "{problems:?}"
    );
    // test code, comments and string/char literals are not edges
    assert!(!has("storage -> view"), "{problems:?}");
    assert!(!has("view -> foreign"), "{problems:?}");
}

#[test]
fn the_crate_graph_counts_edges_as_written() {
    let code = strip(
        "use crate::{a::X, B as C, c::{d, e}};\nlet x = crate::f::g();\nfoo::crate::h; $crate::i",
    );
    assert_eq!(crate_paths(&code), ["a", "B", "c", "f"]);
    let removed = without_test_items(&strip(
        "use crate::a;\n#[cfg(test)]\nuse crate::b;\n#[cfg(test)]\nmod t { use crate::c; }\nuse crate::d;",
    ));
    assert_eq!(crate_paths(&removed), ["a", "d"]);
    let unknown = edges(&[(PathBuf::from("x.rs"), "use crate::nowhere::Y;".to_string())]);
    assert_eq!(unknown, Err(vec!["x.rs: crate::nowhere".to_string()]));
}

/// `ForeignMemory` moved into `storage` (below every exporter); both of its
/// public paths still name the one trait: implemented through one, used as
/// the other.
#[test]
fn foreign_memory_keeps_both_public_paths() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU8;
    #[derive(Debug)]
    struct Mem(Vec<AtomicU8>);
    impl bufproto::foreign::ForeignMemory for Mem {
        fn bytes(&self) -> &[AtomicU8] {
            &self.0
        }
    }
    let mem: Arc<dyn bufproto::ForeignMemory> =
        Arc::new(Mem(b"ok".iter().map(|&b| AtomicU8::new(b)).collect()));
    let layout = bufproto::layout::Layout::bytes(2);
    let f = bufproto::Foreign::new(mem, layout, true, "mem").expect("two bytes fit");
    let m = bufproto::MemoryView::new(&f).expect("a view");
    assert_eq!(m.tobytes().expect("two bytes").as_slice(), b"ok");
}
