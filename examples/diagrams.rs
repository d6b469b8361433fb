//! Draws the book's diagrams, `src/img/*.svg`, from real `bufproto` values.
//!
//! ```console
//! $ cargo run --example diagrams      # rewrites src/img/*.svg
//! $ cargo test --example diagrams     # fails if a checked-in picture is out of date
//! ```
//!
//! Each picture builds its views with the crate and reads what it draws —
//! offsets, shapes, strides, items, export counts — back from them, so a
//! picture cannot drift from the crate: change the crate (or a picture's
//! source) and the test below names the file that no longer matches.

#[path = "diagrams/figures.rs"]
mod figures;
#[path = "diagrams/svg.rs"]
mod svg;

use std::path::PathBuf;

/// Where the pictures live: the book's `src/img/`.
fn img_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("img")
}

fn main() -> figures::Res<()> {
    let dir = img_dir();
    std::fs::create_dir_all(&dir)?;
    for figure in figures::all()? {
        let path = dir.join(figure.file);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old == figure.svg {
            println!("unchanged src/img/{}", figure.file);
        } else {
            std::fs::write(&path, &figure.svg)?;
            println!("wrote     src/img/{}", figure.file);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first line where `a` and `b` differ: its number and both texts.
    fn first_difference(a: &str, b: &str) -> Option<(usize, String, String)> {
        let (mut la, mut lb) = (a.lines(), b.lines());
        for n in 1.. {
            match (la.next(), lb.next()) {
                (None, None) => return None,
                (x, y) if x == y => continue,
                (x, y) => {
                    let show =
                        |l: Option<&str>| l.map_or("(end of file)".to_string(), str::to_string);
                    return Some((n, show(x), show(y)));
                }
            }
        }
        None
    }

    #[test]
    fn checked_in_pictures_match_the_crate() {
        let mut problems = Vec::new();
        for figure in figures::all().expect("every picture can be drawn") {
            if cfg!(target_endian = "big") && figure.file == "cast-formats.svg" {
                continue; // drawn on a little-endian machine: its 'h' and 'i' items differ here
            }
            let path = img_dir().join(figure.file);
            let Ok(checked_in) = std::fs::read_to_string(&path) else {
                problems.push(format!("src/img/{} is missing", figure.file));
                continue;
            };
            if let Some((n, old, new)) = first_difference(&checked_in, &figure.svg) {
                problems.push(format!(
                    "src/img/{} differs from what the crate draws, first at line {n}:\n  checked in: {old}\n  generated:  {new}",
                    figure.file
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "\n{}\n\nIf the change is intended, run `cargo run --example diagrams` and commit src/img/.\n",
            problems.join("\n")
        );
    }

    #[test]
    fn every_picture_is_well_formed_and_accessible() {
        let figures = figures::all().expect("every picture can be drawn");
        let mut names: Vec<&str> = figures.iter().map(|f| f.file).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), figures.len(), "two pictures share a file name");
        for figure in &figures {
            let doc = &figure.svg;
            if let Err(e) = svg::check_xml(doc) {
                panic!("{}: not well-formed: {e}", figure.file);
            }
            for needle in [
                "<title id=\"title\">",
                "<desc id=\"desc\">",
                "viewBox=\"0 0 ",
                "<text ",
            ] {
                assert!(doc.contains(needle), "{}: no {needle}", figure.file);
            }
            let title = doc
                .split("<title id=\"title\">")
                .nth(1)
                .and_then(|t| t.split("</title>").next());
            assert!(
                title.is_some_and(|t| !t.trim().is_empty()),
                "{}: empty <title>",
                figure.file
            );
            assert!(
                !doc.contains("NaN") && !doc.contains('\t'),
                "{}: odd content",
                figure.file
            );
        }
    }

    #[test]
    fn the_xml_check_catches_mistakes() {
        let ok = "<svg a=\"1\"><title>x &amp; y</title><g><rect/></g></svg>";
        assert_eq!(svg::check_xml(ok), Ok(()));
        for bad in [
            "<svg><g></svg>",
            "<svg></g>",
            "<svg><title>a & b</title></svg>",
            "<svg a=1></svg>",
            "<svg></svg><svg></svg>",
            "<g></g>",
            "<svg><text>a < b</text></svg>",
        ] {
            assert!(svg::check_xml(bad).is_err(), "accepted {bad}");
        }
    }

    #[test]
    fn text_too_small_or_too_wide_is_refused() {
        use svg::{Anchor, Font, Svg};
        let mut small = Svg::new(480, "t", "d");
        small.text(20, 30, Anchor::Start, Font::sans(12), "tiny");
        assert!(small.finish(100).unwrap_err().contains("below 12px"));
        let mut wide = Svg::new(480, "t", "d");
        wide.text(20, 30, Anchor::Start, Font::mono(18), &"x".repeat(60));
        assert!(wide
            .finish(100)
            .unwrap_err()
            .contains("may leave the picture"));
    }
}
