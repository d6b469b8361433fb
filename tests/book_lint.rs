//! The book's lint: what can be checked about the Markdown without running it.
//!
//! * every code block names a language from the allow-list, with known tags;
//! * no Rust block is skipped (`ignore`, `no_run`, `should_panic` are refused);
//! * every chapter file is in `SUMMARY.md` (but the 404 page), and every chapter it links exists;
//! * every relative link, image and `#anchor` inside the book resolves.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag};

#[path = "support/ci.rs"]
mod ci;
#[path = "support/markdown.rs"]
mod markdown;
#[path = "support/pythons.rs"]
mod pythons;

use ci::root;
use serde_json::Value;

/// Languages shown but not run. Everything that can run must be `rust` or `pycon`.
const DISPLAY_ONLY: &[&str] = &["console", "text", "c", "toml", "json"];

/// What is wrong with a block's language and tags, if anything.
fn block_problem(block: &markdown::Block) -> Option<String> {
    if block.indented {
        return Some("an indented code block: use a fenced block with a language".into());
    }
    let tags = &block.tags;
    match block.lang.as_str() {
        "" => Some("a code block without a language".into()),
        "rust" => rust_tags_problem(tags),
        "pycon" => pycon_tags_problem(tags),
        lang if DISPLAY_ONLY.contains(&lang) => (!tags.is_empty())
            .then(|| format!("display-only `{lang}` blocks take no tags, found {tags:?}")),
        "python" => Some("a `python` block would not run: write a `pycon` REPL transcript".into()),
        lang => Some(format!(
            "language `{lang}` is not allowed (runs: rust, pycon; shown only: {})",
            DISPLAY_ONLY.join(", ")
        )),
    }
}

fn is_error_code(tag: &str) -> bool {
    tag.len() == 5 && tag.starts_with('E') && tag[1..].bytes().all(|b| b.is_ascii_digit())
}

fn rust_tags_problem(tags: &[String]) -> Option<String> {
    let compile_fail = tags.iter().any(|t| t == "compile_fail");
    let codes = tags.iter().filter(|t| is_error_code(t)).count();
    if let Some(t) = tags
        .iter()
        .find(|t| *t != "compile_fail" && !is_error_code(t))
    {
        return Some(format!(
            "Rust block tag `{t}` is not allowed: every Rust block runs (only `compile_fail,E____` may change how)"
        ));
    }
    match (compile_fail, codes) {
        (true, 1) | (false, 0) => None,
        (true, _) => Some(
            "a compile_fail block names exactly one error code, e.g. `rust,compile_fail,E0502`"
                .into(),
        ),
        (false, _) => Some("an error code belongs to a compile_fail block".into()),
    }
}

/// The pycon tag grammar, `tests/pycon/tags.json`: its platform tags, its
/// version-tag prefixes, and the lines a version tag may name (every line
/// the tests run but the oldest, before which there is nothing to mark).
struct PyconTags {
    platform: Vec<String>,
    prefixes: Vec<String>,
    lines: Vec<String>,
}

fn pycon_grammar() -> PyconTags {
    let grammar = pythons::grammar().expect("tests/pycon/tags.json can be read");
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let lines = pythons::pyodide_lines()
        .expect("tests/pycon/tags.json lists the Pyodides")
        .into_iter()
        .map(|p| p.line)
        .collect();
    PyconTags {
        platform: keys(&grammar["platform_tags"]),
        prefixes: keys(&grammar["version_tags"]),
        lines,
    }
}

fn pycon_tags_problem(tags: &[String]) -> Option<String> {
    let grammar = pycon_grammar();
    let known = |tag: &str| {
        grammar.platform.iter().any(|t| t == tag)
            || tag.split_once('-').is_some_and(|(prefix, line)| {
                grammar.prefixes.iter().any(|p| p == prefix)
                    && grammar.lines.iter().any(|l| l == line)
            })
    };
    let bad = tags.iter().find(|t| !known(t))?;
    let versions: Vec<String> = grammar
        .prefixes
        .iter()
        .map(|p| format!("{p}-N with N one of {}", grammar.lines.join(", ")))
        .collect();
    Some(format!(
        "unknown pycon tag `{bad}` (tests/pycon/tags.json knows: {}; {})",
        grammar.platform.join(", "),
        versions.join("; ")
    ))
}

/// theme/pycon-run.js carries a copy of tests/pycon/tags.json between two
/// markers (the browser has no other way to read it before the page
/// runs); the copy must say what the file says.
#[test]
fn the_browsers_copy_of_the_tag_grammar_is_tags_json() {
    let js = fs::read_to_string(root().join("theme/pycon-run.js")).expect("theme/pycon-run.js");
    let (begin, end) = ("/* tags.json: begin */", "/* tags.json: end */");
    let copy = js
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(copy, _)| copy)
        .expect("theme/pycon-run.js holds `/* tags.json: begin */ … /* tags.json: end */`");
    let copy: Value = serde_json::from_str(copy).expect("the copy in theme/pycon-run.js is JSON");
    let file = pythons::grammar().expect("tests/pycon/tags.json can be read");
    assert!(
        copy == file,
        "theme/pycon-run.js's copy of tests/pycon/tags.json is stale: put the file's text \
         between its `{begin}` and `{end}` markers"
    );
}

#[test]
fn every_code_block_has_an_allowed_language_and_tags() {
    let blocks = markdown::book_blocks(root()).expect("the book can be read");
    let problems: Vec<String> = blocks
        .iter()
        .filter_map(|b| block_problem(b).map(|p| format!("{}: {p}", b.place())))
        .collect();
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// A chapter's links (destinations) and its anchors (heading and HTML ids).
struct Page {
    links: Vec<(usize, String)>,
    anchors: HashSet<String>,
}

fn read_page(markdown: &str) -> Page {
    let mut links = Vec::new();
    let mut anchors = HashSet::new();
    let mut heading: Option<(Option<String>, String)> = None;
    for (event, range) in Parser::new_ext(markdown, markdown::parser_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Link(_, dest, _)) | Event::Start(Tag::Image(_, dest, _)) => {
                links.push((markdown::line_of(markdown, range.start), dest.to_string()));
            }
            Event::Start(Tag::Heading(_, id, _)) => {
                heading = Some((id.map(str::to_owned), String::new()));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, content)) = heading.as_mut() {
                    content.push_str(&text);
                }
            }
            Event::End(Tag::Heading(..)) => {
                if let Some((id, content)) = heading.take() {
                    let id = id.unwrap_or_else(|| id_from_content(&content));
                    unique_id(&id, &mut anchors);
                }
            }
            Event::Html(html) => {
                for id in html_ids(&html) {
                    anchors.insert(id);
                }
                // `<img src="…">` and `<a href="…">` in raw HTML are links too.
                for attribute in ["src=\"", "href=\""] {
                    for target in html
                        .split(attribute)
                        .skip(1)
                        .filter_map(|r| r.split('"').next())
                    {
                        links.push((markdown::line_of(markdown, range.start), target.to_owned()));
                    }
                }
            }
            _ => {}
        }
    }
    Page { links, anchors }
}

/// mdBook 0.5's heading ids (`mdbook-html`'s `id_from_content`).
fn id_from_content(content: &str) -> String {
    content
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// mdBook numbers repeated ids: `intro`, `intro-1`, `intro-2`.
fn unique_id(id: &str, used: &mut HashSet<String>) {
    if used.insert(id.to_owned()) {
        return;
    }
    let mut n = 1;
    while !used.insert(format!("{id}-{n}")) {
        n += 1;
    }
}

/// `id="…"` attributes in raw HTML.
fn html_ids(html: &str) -> Vec<String> {
    html.split("id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// `src/a/../b.md` → `src/b.md`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn is_external(dest: &str) -> bool {
    dest.contains("://") || dest.starts_with("mailto:")
}

#[test]
fn every_link_and_anchor_inside_the_book_resolves() {
    let files = markdown::markdown_files(root(), "src").expect("the book can be read");
    let pages: BTreeMap<String, Page> = files
        .iter()
        .map(|f| {
            let text = fs::read_to_string(root().join(f)).expect("a chapter can be read");
            (f.clone(), read_page(&text))
        })
        .collect();

    let mut problems = Vec::new();
    for (file, page) in &pages {
        for (line, dest) in &page.links {
            if is_external(dest) || dest.is_empty() {
                continue;
            }
            let (path, anchor) = match dest.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (dest.as_str(), None),
            };
            let target = if path.is_empty() {
                file.clone()
            } else {
                let dir = Path::new(file).parent().unwrap_or(Path::new(""));
                normalize(&dir.join(path))
                    .to_string_lossy()
                    .replace('\\', "/")
            };
            if !root().join(&target).exists() {
                problems.push(format!("{file}:{line}: `{dest}`: no file {target}"));
                continue;
            }
            if let Some(anchor) = anchor {
                match pages.get(&target) {
                    Some(p) if p.anchors.contains(anchor) => {}
                    Some(_) => problems.push(format!(
                        "{file}:{line}: `{dest}`: {target} has no heading or id `{anchor}`"
                    )),
                    None => problems.push(format!(
                        "{file}:{line}: `{dest}`: anchors are checked only in chapters"
                    )),
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn summary_lists_every_chapter_and_only_existing_ones() {
    let summary_text =
        fs::read_to_string(root().join("src/SUMMARY.md")).expect("src/SUMMARY.md exists");
    let summary = read_page(&summary_text);
    let listed: HashSet<String> = summary
        .links
        .iter()
        .filter(|(_, dest)| !dest.is_empty())
        .map(|(_, dest)| format!("src/{}", dest.split('#').next().unwrap_or(dest)))
        .collect();

    let mut problems = Vec::new();
    for (line, dest) in &summary.links {
        if !dest.is_empty() && !root().join("src").join(dest).exists() {
            problems.push(format!("src/SUMMARY.md:{line}: `{dest}` does not exist"));
        }
    }
    for file in markdown::markdown_files(root(), "src").expect("the book can be read") {
        // src/404.md is mdBook's page for addresses that do not exist: it is
        // reached by mistake, never from the table of contents.
        if file != "src/SUMMARY.md" && file != "src/404.md" && !listed.contains(&file) {
            problems.push(format!(
                "{file} is not in src/SUMMARY.md, so no reader can reach it"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The lint's own checks, on small made-up chapters.
mod lint_rules {
    use super::*;

    fn problems(markdown: &str) -> Vec<String> {
        markdown::blocks_in("src/x.md", markdown)
            .iter()
            .filter_map(block_problem)
            .collect()
    }

    #[test]
    fn refuses_blocks_that_would_not_run() {
        for bad in [
            "```\nx\n```\n",
            "```rust,ignore\nx\n```\n",
            "```rust,no_run\nx\n```\n",
            "```rust,should_panic\nx\n```\n",
            "```rust,compile_fail\nx\n```\n",
            "```rust,E0502\nx\n```\n",
            "```python\nx\n```\n",
            "```pycon,since-3\n>>> 1\n1\n```\n",
            "```pycon,only-windows\n>>> 1\n1\n```\n",
            "```pycon,since-3.11\n>>> 1\n1\n```\n",
            "```pycon,before-4.0\n>>> 1\n1\n```\n",
            "```pycon,after-3.12\n>>> 1\n1\n```\n",
            "```text,rust\nx\n```\n",
            "```js\nx\n```\n",
            "text\n\n    indented code\n",
        ] {
            assert_eq!(problems(bad).len(), 1, "not refused: {bad:?}");
        }
    }

    #[test]
    fn accepts_the_documented_forms() {
        for good in [
            "```rust\nx\n```\n",
            "```rust,compile_fail,E0502\nx\n```\n",
            "```pycon\n>>> 1\n1\n```\n",
            "```pycon,only-native,since-3.12\n>>> 1\n1\n```\n",
            "```pycon,before-3.12\n>>> 1\n1\n```\n",
            "```pycon,since-3.15,only-pyodide\n>>> 1\n1\n```\n",
            "```console\n$ cargo test\n```\n",
        ] {
            assert_eq!(problems(good), Vec::<String>::new(), "refused: {good:?}");
        }
    }

    #[test]
    fn raw_html_images_are_checked_like_markdown_ones() {
        let page = read_page("<figure>\n<img src=\"img/x.svg\" alt=\"x\">\n</figure>\n");
        assert_eq!(
            page.links
                .iter()
                .map(|(_, l)| l.as_str())
                .collect::<Vec<_>>(),
            ["img/x.svg"]
        );
    }

    #[test]
    fn heading_ids_follow_mdbook() {
        let page = read_page(
            "# `memoryview` basics\n## Under the hood\n## Under the hood\n<a id=\"x-y\"></a>\n",
        );
        for id in [
            "memoryview-basics",
            "under-the-hood",
            "under-the-hood-1",
            "x-y",
        ] {
            assert!(
                page.anchors.contains(id),
                "{id} missing from {:?}",
                page.anchors
            );
        }
    }
}

#[test]
fn every_example_runs_under_cargo_test() {
    let manifest = fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml can be read");
    let mut problems = Vec::new();
    for entry in fs::read_dir(root().join("examples")).expect("examples/ exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let wanted = format!("[[example]]\nname = \"{name}\"\ntest = true");
            if !manifest.contains(&wanted) {
                problems.push(format!(
                    "examples/{name}.rs: add to Cargo.toml:\n{wanted}\n(and give it a #[test] that runs it)"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}
