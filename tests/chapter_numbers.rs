//! One numbering for the chapters everywhere: the sidebar, the file names
//! and every "chapter N" that a reader meets in the book or in the README.
//!
//! * The sidebar (`src/SUMMARY.md`) numbers its chapters the way mdBook
//!   does: every list item, in order, across part titles; links before the
//!   first list item are unnumbered. A chapter file named `chNN-…` must be
//!   the sidebar's chapter NN.
//! * Every "chapter N" (or "Chapter N", "chapters N and M") in `src/*.md` or
//!   `README.md` must be the text of a link to the sidebar's chapter N, or be
//!   followed by that chapter's title in parentheses, "Chapter 15
//!   (Performance)". A bare number could silently point at the wrong chapter.

use std::fs;

use pulldown_cmark::{Event, Parser, Tag};

#[path = "support/ci.rs"]
mod ci;
#[path = "support/markdown.rs"]
mod markdown;

use ci::root;

/// One numbered chapter of the sidebar.
#[derive(Debug, Clone, PartialEq)]
struct Chapter {
    number: usize,
    /// The title as written in SUMMARY.md, without Markdown backticks.
    title: String,
    /// The file, relative to `src/` (empty for a draft).
    file: String,
}

/// The numbered chapters of a SUMMARY.md, as mdBook numbers them.
fn sidebar(summary: &str) -> Vec<Chapter> {
    let mut chapters = Vec::new();
    for line in summary.lines() {
        let Some(item) = line.trim_start().strip_prefix("- [") else {
            continue; // prefix chapters, part titles, blank lines
        };
        let Some((title, rest)) = item.split_once("](") else {
            continue;
        };
        let file = rest.trim_end().trim_end_matches(')').to_owned();
        chapters.push(Chapter {
            number: chapters.len() + 1,
            title: title.replace('`', ""),
            file,
        });
    }
    chapters
}

/// The number in a file name `chNN-topic.md`, if it has one.
fn file_number(file: &str) -> Option<usize> {
    let name = file.rsplit('/').next()?;
    let digits: String = name
        .strip_prefix("ch")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Problems with the sidebar itself: a `chNN` file that is not chapter NN.
fn sidebar_problems(chapters: &[Chapter]) -> Vec<String> {
    chapters
        .iter()
        .filter_map(|c| {
            let n = file_number(&c.file)?;
            (n != c.number).then(|| {
                format!(
                    "src/SUMMARY.md: `{}` is the sidebar's chapter {}, but its file name says {n}",
                    c.file, c.number
                )
            })
        })
        .collect()
}

/// The chapter numbers named in `text` ("chapter 7", "chapters 6 and 9",
/// "chapters 6, 7 and 9"), with the byte offset just after each number.
fn mentions(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("chapter") {
        let start = from + at;
        from = start + "chapter".len();
        // A whole word: not "subchapter".
        if lower[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let mut rest = &lower[from..];
        let plural = rest.starts_with('s');
        if plural {
            rest = &rest[1..];
        }
        let mut offset = lower.len() - rest.len();
        loop {
            let spaces = rest.len() - rest.trim_start().len();
            let digits: String = rest[spaces..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if digits.is_empty() {
                break;
            }
            offset += spaces + digits.len();
            found.push((digits.parse().unwrap_or(0), offset));
            rest = &lower[offset..];
            if !plural {
                break;
            }
            // "chapters 6, 7 and 9" / "chapters 6–9"
            let next = [",", " and", " or", "–", "-"]
                .iter()
                .find(|sep| rest.starts_with(**sep));
            match next {
                Some(sep) => {
                    offset += sep.len();
                    rest = &lower[offset..];
                }
                None => break,
            }
        }
    }
    found
}

/// Whether `target` (a link destination) is the file of `chapter`.
fn links_to(target: &str, chapter: &Chapter) -> bool {
    let path = target.split('#').next().unwrap_or("");
    let name = path.rsplit('/').next().unwrap_or("");
    !chapter.file.is_empty() && name == chapter.file
}

/// Every "chapter N" in one Markdown page that does not match the sidebar.
fn page_problems(file: &str, markdown: &str, chapters: &[Chapter]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut link: Option<String> = None;
    let mut in_code_block = false;
    let parser = Parser::new_ext(markdown, markdown::parser_options()).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Link(_, dest, _)) => link = Some(dest.to_string()),
            Event::End(Tag::Link(..)) => link = None,
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(Tag::CodeBlock(_)) => in_code_block = false,
            Event::Text(text) if !in_code_block => {
                let line = markdown::line_of(markdown, range.start);
                let after_text = &markdown[range.end.min(markdown.len())..];
                for (n, end) in mentions(&text) {
                    let here = format!("{file}:{line}: \"chapter {n}\"");
                    let Some(chapter) = chapters.iter().find(|c| c.number == n) else {
                        problems.push(format!(
                            "{here}: the sidebar has no chapter {n} (it has {})",
                            chapters.len()
                        ));
                        continue;
                    };
                    let title_follows = {
                        let rest = format!("{}{}", &text[end..], after_text);
                        let rest = rest.replace('`', "");
                        rest.trim_start()
                            .strip_prefix('(')
                            .is_some_and(|r| r.starts_with(&format!("{})", chapter.title)))
                    };
                    match &link {
                        Some(dest) if links_to(dest, chapter) => {}
                        Some(dest) => problems.push(format!(
                            "{here} links to `{dest}`, but the sidebar's chapter {n} is `{}` ({})",
                            chapter.file, chapter.title
                        )),
                        None if title_follows => {}
                        None => problems.push(format!(
                            "{here} is neither a link to `{}` nor followed by its title, \
                             \"({})\": write [chapter {n}]({})",
                            chapter.file, chapter.title, chapter.file
                        )),
                    }
                }
            }
            _ => {}
        }
    }
    problems
}

fn book_sidebar() -> Vec<Chapter> {
    let summary = fs::read_to_string(root().join("src/SUMMARY.md")).expect("src/SUMMARY.md exists");
    sidebar(&summary)
}

#[test]
fn chapter_files_are_numbered_as_the_sidebar_numbers_them() {
    let chapters = book_sidebar();
    assert!(
        chapters
            .iter()
            .any(|c| c.file == "ch01-introduction.md" && c.number == 1),
        "the Introduction is the sidebar's chapter 1: {chapters:?}"
    );
    let problems = sidebar_problems(&chapters);
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn every_chapter_number_in_the_book_and_readme_matches_the_sidebar() {
    let chapters = book_sidebar();
    let mut pages = markdown::markdown_files(root(), "src").expect("src/ can be read");
    pages.retain(|p| p != "src/SUMMARY.md");
    pages.push("README.md".into());
    let mut problems = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let text = fs::read_to_string(root().join(page)).expect("the page can be read");
        checked += mentions(&text).len();
        problems.extend(page_problems(page, &text, &chapters));
    }
    assert!(
        checked > 0,
        "no \"chapter N\" found at all: is the scan broken?"
    );
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

// The checks themselves, on small made-up pages: each must catch its mistake.

const SUMMARY: &str = "# Summary\n\n[Preface](preface.md)\n\n# Part I\n\n\
    - [Introduction](ch01-introduction.md)\n- [`bytes`](ch02-bytes.md)\n\n\
    # Part II\n\n- [Performance](ch03-performance.md)\n- [Later]()\n";

#[test]
fn the_sidebar_is_numbered_like_mdbook_numbers_it() {
    let chapters = sidebar(SUMMARY);
    let numbered: Vec<(usize, &str)> = chapters
        .iter()
        .map(|c| (c.number, c.file.as_str()))
        .collect();
    assert_eq!(
        numbered,
        [
            (1, "ch01-introduction.md"),
            (2, "ch02-bytes.md"),
            (3, "ch03-performance.md"),
            (4, "")
        ]
    );
    assert_eq!(chapters[1].title, "bytes");
    assert!(sidebar_problems(&chapters).is_empty());
}

#[test]
fn an_unnumbered_introduction_shifts_every_file_and_is_caught() {
    // The book's old sidebar: the Introduction as a prefix chapter.
    let old = "# Summary\n\n[Introduction](ch01-introduction.md)\n\n# Part I\n\n\
        - [`bytes`](ch02-bytes.md)\n- [Performance](ch03-performance.md)\n";
    let problems = sidebar_problems(&sidebar(old));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`ch02-bytes.md` is the sidebar's chapter 1"));
}

#[test]
fn mentions_are_found_in_every_spelling() {
    let numbers = |t: &str| mentions(t).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
    assert_eq!(numbers("see chapter 7."), [7]);
    assert_eq!(numbers("Chapter 15 (Performance)"), [15]);
    assert_eq!(numbers("chapters 6 and 9"), [6, 9]);
    assert_eq!(numbers("chapters 6, 7 and 9"), [6, 7, 9]);
    assert_eq!(numbers("chapters 12–15"), [12, 15]);
    assert_eq!(
        numbers("the next chapter is short; subchapter 3"),
        Vec::<usize>::new()
    );
}

#[test]
fn wrong_and_unverifiable_chapter_numbers_are_reported() {
    let chapters = sidebar(SUMMARY);
    let check = |page: &str| page_problems("page.md", page, &chapters);
    // Right: a link to the chapter's file, or the chapter's title after it.
    assert!(check("See [chapter 3](ch03-performance.md#plots).").is_empty());
    assert!(check("Chapter 3 (Performance) measures it.").is_empty());
    assert!(check("as [chapter 2](src/ch02-bytes.md) says").is_empty());
    assert!(check("```text\nchapter 9 in a code block is not prose\n```\n").is_empty());
    // Wrong: the link goes elsewhere, the title is another chapter's, the
    // number is out of range, or nothing says which chapter is meant.
    let wrong = [
        "See [chapter 2](ch03-performance.md).",
        "Chapter 2 (Performance) measures it.",
        "Chapter 9 does not exist.",
        "as chapter 3 shows",
    ];
    for page in wrong {
        assert_eq!(check(page).len(), 1, "not caught: {page}");
    }
    let message = &check("Chapter 2 (Performance) measures it.")[0];
    assert!(message.starts_with("page.md:1: \"chapter 2\""), "{message}");
}
