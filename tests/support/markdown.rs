#![allow(dead_code)] // Each user (build scripts, test harnesses) needs a different part.

//! Reading the book's Markdown: its chapters and the fenced code blocks in them.
//!
//! Shared by `build.rs` (which turns Rust blocks into tests) and by the test
//! harnesses in `tests/`, so that every tool agrees on what a block is and on
//! which line it starts.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};

/// One fenced (or indented) code block of a chapter.
#[derive(Debug, Clone)]
pub struct Block {
    /// The chapter, relative to the repository root (`src/ch01-introduction.md`).
    pub file: String,
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The language, the first word of the info string (`rust`, `pycon`, ...);
    /// empty for a block without one.
    pub lang: String,
    /// The other words of the info string (`compile_fail`, `E0502`, `since-3.12`, ...).
    pub tags: Vec<String>,
    /// The block's text, exactly as between the fences.
    pub text: String,
    /// Whether the block was indented rather than fenced.
    pub indented: bool,
}

impl Block {
    /// 1-based line of the block's first line of text.
    pub fn first_text_line(&self) -> usize {
        if self.indented {
            self.line
        } else {
            self.line + 1
        }
    }

    /// Whether the info string carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// `src/ch01-introduction.md:42`, the way compilers name places.
    pub fn place(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Every Markdown file under `dir`, sorted, as paths relative to `root`.
pub fn markdown_files(root: &Path, dir: &str) -> io::Result<Vec<String>> {
    let mut found = Vec::new();
    collect_markdown(&root.join(dir), &mut found)?;
    let mut relative: Vec<String> = found
        .iter()
        .filter_map(|p| p.strip_prefix(root).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    relative.sort();
    Ok(relative)
}

fn collect_markdown(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_markdown(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    Ok(())
}

/// Splits an info string the way rustdoc and mdBook do: on commas and spaces.
pub fn split_info(info: &str) -> Vec<String> {
    info.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The parser options mdBook 0.5 uses for the book's pages.
pub fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The code blocks of one chapter's Markdown, in order.
pub fn blocks_in(file: &str, markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (event, range) in Parser::new_ext(markdown, parser_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let (info, indented) = match kind {
                    CodeBlockKind::Fenced(info) => (info.to_string(), false),
                    CodeBlockKind::Indented => (String::new(), true),
                };
                let mut words = split_info(&info).into_iter();
                open = Some(Block {
                    file: file.to_owned(),
                    line: line_of(markdown, range.start),
                    lang: words.next().unwrap_or_default(),
                    tags: words.collect(),
                    text: String::new(),
                    indented,
                });
            }
            Event::Text(text) => {
                if let Some(block) = open.as_mut() {
                    block.text.push_str(&text);
                }
            }
            Event::End(Tag::CodeBlock(_)) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

/// The code blocks of every chapter under `root/src`, chapter by chapter.
pub fn book_blocks(root: &Path) -> io::Result<Vec<Block>> {
    let mut blocks = Vec::new();
    for file in markdown_files(root, "src")? {
        let markdown = fs::read_to_string(root.join(&file))?;
        blocks.extend(blocks_in(&file, &markdown));
    }
    Ok(blocks)
}

/// A name fit for a Rust identifier: `ch01-introduction` → `ch01_introduction`.
pub fn identifier(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, '_');
    }
    id
}
