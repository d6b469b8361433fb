//! A very small SVG writer for the book's diagrams.
//!
//! Everything is integers and strings, so the output is the same on every
//! run and every machine. Each picture is a light card (white, with a grey
//! border and dark text): mdBook shows pictures with `<img>`, where
//! `currentColor` and the page's theme do not reach, so the card carries its
//! own colours and reads the same on light and dark pages.
//!
//! The writer also checks what a browser would otherwise show wrongly:
//! text that is too small once the picture is scaled down to a phone's
//! width, and text that (by a conservative estimate of its width) runs out
//! of the card.

use std::fmt::Write as _;

/// The width, in CSS pixels, that a picture gets in the book on a 375-px
/// phone (the content column, less the card that dark themes put around
/// pictures). Measured in Chromium with the built book.
pub const PHONE_WIDTH: i32 = 327;
/// The smallest text a reader should have to read on that phone, in CSS px.
pub const MIN_PHONE_FONT: i32 = 12;

/// Text sizes used by the figures, in the picture's own units.
pub const TEXT: i32 = 18;
pub const BIG: i32 = 20;

/// Fill and stroke colours, on the white card.
pub const INK: &str = "#1b1f23";
pub const MUTED: &str = "#4a545e";
pub const CELL: &str = "#eef1f4";
pub const CELL_LINE: &str = "#5f6b76";
pub const AMBER: &str = "#ffd27a";
pub const AMBER_LINE: &str = "#8a5a00";
pub const BLUE: &str = "#b9def2";
pub const BLUE_LINE: &str = "#1d5f86";
pub const GREEN: &str = "#cdebd0";
pub const GREEN_LINE: &str = "#2e6b34";
pub const RED_LINE: &str = "#a12828";

const SANS: &str = "'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif";
const MONO: &str = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

/// How text is anchored at its `x`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// A text style: font, size, weight, colour.
#[derive(Clone, Copy)]
pub struct Font {
    pub mono: bool,
    pub size: i32,
    pub bold: bool,
    pub color: &'static str,
}

impl Font {
    pub const fn sans(size: i32) -> Font {
        Font {
            mono: false,
            size,
            bold: false,
            color: INK,
        }
    }
    pub const fn mono(size: i32) -> Font {
        Font {
            mono: true,
            size,
            bold: false,
            color: INK,
        }
    }
    pub const fn bold(self) -> Font {
        Font { bold: true, ..self }
    }
    pub const fn color(self, color: &'static str) -> Font {
        Font { color, ..self }
    }

    /// A generous estimate of the width of `s`, in tenths of a unit: wide
    /// fallback fonts (DejaVu) are about 0.6 em a character.
    fn width_tenths(&self, s: &str) -> i32 {
        let per_char = if self.mono { 61 } else { 62 } + if self.bold { 4 } else { 0 };
        let n = i32::try_from(s.chars().count()).unwrap_or(i32::MAX / 1000);
        n * self.size * per_char / 10
    }

    /// Estimated width of `s` in the picture's units, rounded up.
    pub fn width(&self, s: &str) -> i32 {
        (self.width_tenths(s) + 9) / 10
    }
}

/// One picture under construction.
pub struct Svg {
    width: i32,
    title: String,
    desc: String,
    defs: String,
    body: String,
    problems: Vec<String>,
    /// The lowest text bottom so far, and its text.
    lowest: (i32, String),
}

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

impl Svg {
    /// A picture `width` units wide (its height is set when it is finished),
    /// with its accessible title and description.
    pub fn new(width: i32, title: &str, desc: &str) -> Svg {
        Svg {
            width,
            title: title.to_string(),
            desc: desc.to_string(),
            defs: String::new(),
            body: String::new(),
            problems: Vec::new(),
            lowest: (0, String::new()),
        }
    }

    /// An arrowhead marker, used as `marker-end="url(#id)"`.
    pub fn arrowhead(&mut self, id: &str, color: &str) {
        let _ = writeln!(
            self.defs,
            r#"<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>"#
        );
    }

    /// A rectangle, filled and outlined with `(fill, stroke)`.
    pub fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, (fill, stroke): (&str, &str)) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#
        );
    }

    /// A rectangle with rounded corners.
    pub fn round_rect(
        &mut self,
        x: i32,
        y: i32,
        w: i32,
        h: i32,
        r: i32,
        (fill, stroke): (&str, &str),
    ) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#
        );
    }

    /// An unfilled rectangle with rounded corners and a `width`-wide border.
    pub fn frame(&mut self, x: i32, y: i32, w: i32, h: i32, stroke: &str, width: i32) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4" fill="none" stroke="{stroke}" stroke-width="{width}"/>"#
        );
    }

    /// A straight line; `marker` names an arrowhead for its end.
    pub fn line(
        &mut self,
        (x1, y1): (i32, i32),
        (x2, y2): (i32, i32),
        color: &str,
        width: i32,
        marker: Option<&str>,
    ) {
        let end = marker
            .map(|m| format!(r#" marker-end="url(#{m})""#))
            .unwrap_or_default();
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="{width}"{end}/>"#
        );
    }

    /// A path with no fill (`d` in SVG's path syntax).
    pub fn path(&mut self, d: &str, color: &str, width: i32, marker: Option<&str>) {
        let end = marker
            .map(|m| format!(r#" marker-end="url(#{m})""#))
            .unwrap_or_default();
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"{end}/>"#
        );
    }

    /// A filled circle.
    pub fn dot(&mut self, cx: i32, cy: i32, r: i32, fill: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}"/>"#
        );
    }

    /// One line of text with its baseline at `y`. Records a problem if it
    /// is too small for a phone or (by estimate) leaves the picture.
    pub fn text(&mut self, x: i32, y: i32, anchor: Anchor, font: Font, s: &str) {
        if font.size * PHONE_WIDTH < MIN_PHONE_FONT * self.width {
            self.problems.push(format!(
                "text {s:?}: font-size {} is below {MIN_PHONE_FONT}px once {} units are shown {PHONE_WIDTH}px wide",
                font.size, self.width
            ));
        }
        let w = font.width(s);
        let (left, right) = match anchor {
            Anchor::Start => (x, x + w),
            Anchor::Middle => (x - w / 2, x + (w + 1) / 2),
            Anchor::End => (x - w, x),
        };
        if left < 4 || right > self.width - 4 || y - font.size < 0 {
            self.problems.push(format!(
                "text {s:?} may leave the picture: x {left}..{right} of {}, baseline {y}",
                self.width
            ));
        }
        let bottom = y + font.size / 3;
        if bottom > self.lowest.0 {
            self.lowest = (bottom, s.to_string());
        }
        let anchor = match anchor {
            Anchor::Start => "",
            Anchor::Middle => r#" text-anchor="middle""#,
            Anchor::End => r#" text-anchor="end""#,
        };
        let family = if font.mono { "mono" } else { "sans" };
        let weight = if font.bold { " b" } else { "" };
        let fill = if font.color == INK {
            String::new()
        } else {
            format!(r#" fill="{}""#, font.color)
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{x}" y="{y}" class="{family}{weight}" font-size="{}"{anchor}{fill}>{}</text>"#,
            font.size,
            escape(s)
        );
    }

    /// The finished document, `height` units high, or every problem found
    /// while drawing.
    pub fn finish(mut self, height: i32) -> Result<String, String> {
        if self.lowest.0 > height - 4 {
            self.problems.push(format!(
                "text {:?} goes below the picture's height {height}",
                self.lowest.1
            ));
        }
        if !self.problems.is_empty() {
            return Err(format!("{}:\n  {}", self.title, self.problems.join("\n  ")));
        }
        let (w, h) = (self.width, height);
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" fill="{INK}" role="img" aria-labelledby="title desc">"#
        );
        let _ = writeln!(out, r#"<title id="title">{}</title>"#, escape(&self.title));
        let _ = writeln!(out, r#"<desc id="desc">{}</desc>"#, escape(&self.desc));
        let _ = writeln!(
            out,
            "<style>.sans {{ font-family: {SANS}; }} .mono {{ font-family: {MONO}; }} .b {{ font-weight: bold; }}</style>"
        );
        if !self.defs.is_empty() {
            let _ = write!(out, "<defs>\n{}</defs>\n", self.defs);
        }
        let _ = writeln!(
            out,
            r##"<rect x="1" y="1" width="{}" height="{}" rx="8" fill="#ffffff" stroke="#aab2bb" stroke-width="2"/>"##,
            w - 2,
            h - 2
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        check_xml(&out).map_err(|e| format!("{}: not well-formed: {e}", self.title))?;
        Ok(out)
    }
}

/// Splits `s` into lines no wider than `max` units in `font`, at spaces.
pub fn wrap(s: &str, font: Font, max: i32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate) > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Checks that `doc` is well-formed enough for a browser: one root `<svg>`
/// element, every tag closed in order, attributes quoted, no stray `<` or
/// `&`. Returns the first problem found.
pub fn check_xml(doc: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = doc;
    let mut line = 1;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt], line)?;
        line += rest[..lt].matches('\n').count();
        let after = &rest[lt + 1..];
        let gt = after
            .find('>')
            .ok_or(format!("line {line}: `<` without `>`"))?;
        let tag = &after[..gt];
        if tag.contains('<') {
            return Err(format!("line {line}: `<` inside a tag"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .ok_or(format!("line {line}: </{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("line {line}: <{open}> closed by </{name}>"));
            }
        } else {
            let self_closing = tag.ends_with('/');
            let body = tag.trim_end_matches('/');
            let name = body.split_whitespace().next().unwrap_or_default();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
            {
                return Err(format!("line {line}: bad tag name in <{tag}>"));
            }
            check_attributes(&body[name.len()..], line)?;
            if stack.is_empty() {
                roots += 1;
                if name != "svg" {
                    return Err(format!(
                        "line {line}: the root element is <{name}>, not <svg>"
                    ));
                }
            }
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        line += tag.matches('\n').count();
        rest = &after[gt + 1..];
    }
    check_text(rest, line)?;
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> is never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

fn check_attributes(mut s: &str, line: usize) -> Result<(), String> {
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Ok(());
        }
        let eq = s
            .find('=')
            .ok_or(format!("line {line}: attribute without value: {s}"))?;
        let name = s[..eq].trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("line {line}: bad attribute name {name:?}"));
        }
        let value = s[eq + 1..].trim_start();
        let quote = value.chars().next().filter(|&q| q == '"' || q == '\'');
        let quote = quote.ok_or(format!("line {line}: unquoted value for {name}"))?;
        let end = value[1..]
            .find(quote)
            .ok_or(format!("line {line}: unterminated value for {name}"))?;
        check_text(&value[1..1 + end], line)?;
        s = &value[end + 2..];
    }
}

fn check_text(s: &str, line: usize) -> Result<(), String> {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or(format!("line {line}: bare `&`"))?;
        let entity = &after[..semi];
        if !matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos") && !entity.starts_with('#') {
            return Err(format!("line {line}: unknown entity &{entity};"));
        }
        rest = &after[semi + 1..];
    }
    if s.contains('>') {
        return Err(format!("line {line}: stray `>`"));
    }
    Ok(())
}
