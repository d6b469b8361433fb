//! The book as readers get it: built with mdBook, Pyodide added, opened in
//! Chromium (`tests/browser/check-book.mjs` says what is checked), and every
//! external link listed in one place.
//!
//! Without Chromium the browser test is skipped, loudly; under `CI=true` that
//! is a failure. Screenshots are saved under the target directory and their
//! paths printed (`cargo test --test browser -- --nocapture` shows them).

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use pulldown_cmark::{Event, Parser, Tag};

#[path = "support/markdown.rs"]
mod markdown;

#[path = "support/ci.rs"]
mod ci;
use ci::{root, MDBOOK_VERSION};

/// Names Chromium goes by on `PATH` (Debian: `chromium`).
const CHROMIUM_NAMES: &[&str] = &["chromium", "chromium-browser"];
/// The page the style sampler becomes in the test's copy of the book.
const SAMPLER_PAGE: &str = "style-sampler.html";
/// The checked-in list of every external link in the book.
const LINK_LIST: &str = "tests/browser/external-links.txt";

fn browser_dir() -> PathBuf {
    root().join("tests/browser")
}

/// Says, loudly, that the browser test did not run and why; fails under CI.
fn not_run(why: &str, fix: &str) {
    let message = format!("\n!!!\n!!! THE BROWSER TEST DID NOT RUN: {why}.\n!!! {fix}\n!!!\n");
    ci::did_not_run(&message, "CI=true: the browser test must run");
}

/// The first of `names` found on `PATH`, like `command -v`.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("could not start {command:?}: {e}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `npm ci` in `dir` when `marker` (a file under `node_modules`) is missing.
fn npm_ci(dir: &Path, marker: &str) {
    if dir.join("node_modules").join(marker).exists() {
        return;
    }
    eprintln!("installing {marker} with `npm ci` in {} …", dir.display());
    let out = run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir));
    assert!(
        out.status.success(),
        "`npm ci` in {} failed:\n{}",
        dir.display(),
        text(&out)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("a directory can be made");
    for entry in fs::read_dir(from).expect("a directory can be read") {
        let path = entry.expect("a directory entry").path();
        let dest = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            fs::copy(&path, &dest).expect("a file can be copied");
        }
    }
}

/// A copy of the book in `dir` with one more page, the style sampler
/// (`tests/browser/sampler/`): every kind of markup the README documents,
/// so that the theme is checked before a chapter uses it.
fn with_sampler(dir: &Path) -> PathBuf {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).expect("the copy's directory can be made");
    fs::copy(root().join("book.toml"), dir.join("book.toml")).expect("book.toml is copied");
    copy_dir(&root().join("theme"), &dir.join("theme"));
    copy_dir(&root().join("src"), &dir.join("src"));
    copy_dir(&browser_dir().join("sampler"), &dir.join("src"));
    let summary = dir.join("src/SUMMARY.md");
    let mut text = fs::read_to_string(&summary).expect("SUMMARY.md is copied");
    text.push_str("\n# Only in the browser test\n\n- [Style sampler](style-sampler.md)\n");
    fs::write(&summary, text).expect("SUMMARY.md can be written");
    dir.to_owned()
}

#[test]
fn the_book_works_in_a_browser() {
    let Some(chromium) = on_path(CHROMIUM_NAMES) else {
        return not_run(
            "no Chromium on PATH",
            "Install it with: apt-get update && apt-get install -y chromium",
        );
    };
    if ci::pinned_mdbook().is_err() {
        return not_run(
            &format!("mdBook {MDBOOK_VERSION} is needed"),
            &format!("Install it with: cargo install mdbook --version {MDBOOK_VERSION} --locked"),
        );
    }
    if on_path(&["node"]).is_none() || on_path(&["npm"]).is_none() {
        return not_run(
            "no `node` and `npm` on PATH",
            "Install Node.js 18 or later.",
        );
    }
    npm_ci(&browser_dir(), "playwright-core/package.json");
    // The Pyodide comes from tests/pycon/install.mjs, which add-pyodide.mjs asks.

    let started = Instant::now();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let book = tmp.join("browser-book");
    let shots = tmp.join("browser-screenshots");
    let _ = fs::remove_dir_all(&shots);
    let book_root = with_sampler(&tmp.join("browser-root"));
    let out = run(Command::new("mdbook")
        .arg("build")
        .arg("--dest-dir")
        .arg(&book)
        .arg(&book_root));
    assert!(out.status.success(), "mdbook build failed:\n{}", text(&out));
    let out = run(Command::new("node")
        .arg(browser_dir().join("add-pyodide.mjs"))
        .arg(&book));
    assert!(
        out.status.success(),
        "add-pyodide.mjs failed:\n{}",
        text(&out)
    );

    let out = run(Command::new("node")
        .arg(browser_dir().join("check-book.mjs"))
        .arg("--book")
        .arg(&book)
        .arg("--chromium")
        .arg(&chromium)
        .arg("--shots")
        .arg(&shots)
        .arg("--src")
        .arg(book_root.join("src"))
        .arg("--run-also")
        .arg(SAMPLER_PAGE));
    println!("{}", text(&out));
    println!(
        "browser test (build, Pyodide, Chromium) took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.status.success(),
        "the book has problems in the browser:\n{}",
        text(&out)
    );
}

/// Every external link (and image) of the book's Markdown, with the first
/// place it appears: destinations of links and images, and `href`/`src`
/// attributes in raw HTML.
fn external_links() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for file in markdown::markdown_files(root(), "src").expect("the book can be read") {
        let text = fs::read_to_string(root().join(&file)).expect("a chapter can be read");
        let mut add = |dest: &str, offset: usize| {
            if dest.contains("://") || dest.starts_with("mailto:") {
                let place = format!("{file}:{}", markdown::line_of(&text, offset));
                found.entry(dest.to_owned()).or_insert(place);
            }
        };
        for (event, range) in Parser::new_ext(&text, markdown::parser_options()).into_offset_iter()
        {
            match event {
                Event::Start(Tag::Link(_, dest, _)) | Event::Start(Tag::Image(_, dest, _)) => {
                    add(&dest, range.start)
                }
                Event::Html(html) => {
                    for attr in ["href=\"", "src=\""] {
                        for rest in html.split(attr).skip(1) {
                            add(rest.split('"').next().unwrap_or(""), range.start);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    found
}

#[test]
fn every_external_link_is_listed() {
    let listed_text = fs::read_to_string(root().join(LINK_LIST)).expect("the link list exists");
    let listed: Vec<&str> = listed_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let in_book = external_links();

    let mut diff = Vec::new();
    for (link, place) in &in_book {
        if !listed.contains(&link.as_str()) {
            diff.push(format!("+ {link}    (new in the book: {place})"));
        }
    }
    for link in &listed {
        if !in_book.contains_key(*link) {
            diff.push(format!("- {link}    (listed, no longer in the book)"));
        }
    }
    assert!(
        diff.is_empty(),
        "\nThe book's external links differ from {LINK_LIST}:\n\n{}\n\n\
         Check each new address (does it work, is it the right page, will it last?), \
         then update {LINK_LIST} (one link a line, sorted).\n",
        diff.join("\n")
    );
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        listed, sorted,
        "{LINK_LIST} must be sorted, without repeats"
    );
}
