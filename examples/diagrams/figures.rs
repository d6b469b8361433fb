//! The book's pictures, each drawn from values that `bufproto` computes.
//!
//! Every number a picture shows — offsets, shapes, strides, item values,
//! export counts, error messages — is read from the crate, and each figure
//! checks that what it draws agrees with what the crate's views read, so a
//! change in the crate changes (or breaks) the picture.

use bufproto::layout::Layout;
use bufproto::{ByteArray, Exporter, Flags, MemoryView};

use crate::svg::{
    wrap, Anchor, Font, Svg, AMBER, AMBER_LINE, BIG, BLUE, BLUE_LINE, CELL, CELL_LINE, MUTED, TEXT,
};

/// Anything that can go wrong: a crate error, or a picture that disagrees
/// with the crate.
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// One picture: its file name under `src/img/` and its SVG text.
pub struct Figure {
    pub file: &'static str,
    pub svg: String,
}

/// Every picture of the book, in a fixed order.
pub fn all() -> Res<Vec<Figure>> {
    Ok(vec![
        Figure {
            file: "view-window.svg",
            svg: view_window()?,
        },
        Figure {
            file: "strided-slices.svg",
            svg: strided_slices()?,
        },
    ])
}

/// Width of every picture, in its own units (see `svg::PHONE_WIDTH`).
const W: i32 = 480;
/// Right edge of the row labels, and left edge of byte strips that have them.
const LABEL_END: i32 = 120;
const STRIP_X: i32 = 128;
const LINE: i32 = 26;

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Res<()> {
    if ok {
        Ok(())
    } else {
        Err(what().into())
    }
}

/// `view.buf` as a number.
fn addr(view: &MemoryView) -> Res<usize> {
    Ok(view.get_buffer(Flags::STRIDED_RO)?.buf_addr())
}

/// Where `view`'s items are, counted from `base`'s first byte: the offset
/// comes from the two buffers' addresses, the rest from the view itself.
fn layout_of(base: &MemoryView, view: &MemoryView) -> Res<Layout> {
    let offset = isize::try_from(addr(view)?)? - isize::try_from(addr(base)?)?;
    let layout = Layout::new(
        offset,
        view.itemsize()?,
        view.format()?,
        view.shape()?.to_vec(),
        view.strides()?.to_vec(),
    )?;
    Ok(layout)
}

/// `m[start:stop:step]`, with the Python expression that makes it, so that
/// a picture's labels cannot disagree with the slice it draws.
fn slice(
    m: &MemoryView,
    (start, stop, step): (Option<isize>, Option<isize>, Option<isize>),
) -> Res<(String, MemoryView)> {
    let part = |x: Option<isize>| x.map(|v| v.to_string()).unwrap_or_default();
    let expr = match step {
        None => format!("m[{}:{}]", part(start), part(stop)),
        Some(_) => format!("m[{}:{}:{}]", part(start), part(stop), part(step)),
    };
    Ok((expr, m.slice(start, stop, step)?))
}

/// Python's repr of a tuple of numbers: `(3,)`, `(4, 1)`.
fn tuple<T: std::fmt::Display>(xs: &[T]) -> String {
    match xs {
        [x] => format!("({x},)"),
        _ => format!(
            "({})",
            xs.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's repr of bytes that are printable ASCII: `b'234'`.
fn bytes_repr(b: &[u8]) -> String {
    format!("b'{}'", String::from_utf8_lossy(b))
}

fn to_i32(x: usize) -> i32 {
    i32::try_from(x).unwrap_or(i32::MAX)
}

/// A row of equal cells, one per byte, starting at `x0`.
struct Strip {
    x0: i32,
    cell: i32,
    y: i32,
    h: i32,
}

impl Strip {
    fn left(&self, k: usize) -> i32 {
        self.x0 + self.cell * to_i32(k)
    }
    fn mid(&self, k: usize) -> i32 {
        self.left(k) + self.cell / 2
    }
    fn baseline(&self) -> i32 {
        self.y + self.h / 2 + 7
    }
}

/// The muted row of byte offsets above a strip, labelled "offset".
fn offsets_row(svg: &mut Svg, strip: &Strip, n: usize, baseline: i32) {
    let muted = Font::mono(TEXT).color(MUTED);
    svg.text(
        LABEL_END,
        baseline,
        Anchor::End,
        Font::sans(TEXT).color(MUTED),
        "offset",
    );
    for k in 0..n {
        svg.text(
            strip.mid(k),
            baseline,
            Anchor::Middle,
            muted,
            &k.to_string(),
        );
    }
}

/// The cells of `bytes` (as characters), filled by `fill(k)`, labelled `label`.
fn byte_cells(
    svg: &mut Svg,
    strip: &Strip,
    bytes: &[u8],
    label: &str,
    fill: impl Fn(usize) -> (&'static str, &'static str),
) {
    svg.text(
        LABEL_END,
        strip.baseline(),
        Anchor::End,
        Font::sans(TEXT),
        label,
    );
    for (k, &b) in bytes.iter().enumerate() {
        let (f, s) = fill(k);
        svg.rect(strip.left(k), strip.y, strip.cell, strip.h, (f, s));
        let c = char::from(b).to_string();
        svg.text(
            strip.mid(k),
            strip.baseline(),
            Anchor::Middle,
            Font::mono(BIG).bold(),
            &c,
        );
    }
}

/// Figure: `memoryview(data)[2:5]`, a window over three of ten bytes.
fn view_window() -> Res<String> {
    let data = ByteArray::from(&b"0123456789"[..]);
    let m = MemoryView::new(&data)?;
    let (expr, s) = slice(&m, (Some(2), Some(5), None))?;
    let layout = layout_of(&m, &s)?;
    let offsets = layout.item_offsets()?;
    let bytes = data.to_vec();
    let items = s.tobytes()?.as_slice().to_vec();
    ensure(
        offsets.iter().map(|&o| bytes[o]).collect::<Vec<_>>() == items,
        || "view-window: the offsets drawn are not the bytes s reads".into(),
    )?;
    let (first, last) = (offsets[0], offsets[offsets.len() - 1]);

    let mut svg = Svg::new(
        W,
        "A memoryview slice is a window over the same bytes",
        &format!(
            "A bytearray holds the {n} bytes {all}. The view s = {expr} covers offsets {first} to {last} \
             of that same memory: s[0] is the byte at offset {first}. Its shape is {shape}, its strides \
             {strides}, s.tobytes() is {tob}, and its first byte is {d} bytes after m's: no byte is copied.",
            n = bytes.len(),
            all = bytes_repr(&bytes),
            shape = tuple(s.shape()?),
            strides = tuple(s.strides()?),
            tob = bytes_repr(&items),
            d = layout.offset(),
        ),
    );
    let code = Font::mono(TEXT);
    svg.text(
        20,
        30,
        Anchor::Start,
        code,
        &format!("data = bytearray({})", bytes_repr(&bytes)),
    );
    svg.text(20, 56, Anchor::Start, code, "m = memoryview(data)");
    svg.text(20, 82, Anchor::Start, code.bold(), &format!("s = {expr}"));

    let strip = Strip {
        x0: STRIP_X,
        cell: 34,
        y: 130,
        h: 40,
    };
    offsets_row(&mut svg, &strip, bytes.len(), 118);
    byte_cells(&mut svg, &strip, &bytes, "data", |k| {
        if offsets.contains(&k) {
            (AMBER, AMBER_LINE)
        } else {
            (CELL, CELL_LINE)
        }
    });
    let span = to_i32(last - first + 1) * strip.cell;
    svg.frame(
        strip.left(first) - 4,
        strip.y - 4,
        span + 8,
        strip.h + 8,
        AMBER_LINE,
        3,
    );
    let index_y = strip.y + strip.h + 30;
    svg.text(
        LABEL_END,
        index_y,
        Anchor::End,
        Font::sans(TEXT),
        "index in s",
    );
    for (k, &o) in offsets.iter().enumerate() {
        let f = Font::mono(TEXT).bold().color(AMBER_LINE);
        svg.text(strip.mid(o), index_y, Anchor::Middle, f, &k.to_string());
    }

    let mut y = index_y + 40;
    for line in [
        format!(
            "s.shape {}, s.strides {}",
            tuple(s.shape()?),
            tuple(s.strides()?)
        ),
        format!("s.tobytes() == {}", bytes_repr(&items)),
        format!("buf_addr(s) - buf_addr(m) == {}", layout.offset()),
    ] {
        svg.text(20, y, Anchor::Start, code, &line);
        y += LINE;
    }
    Ok(svg.finish(y - LINE + 16)?)
}

/// One stepped slice of `m`: the bytes it picks and the stride between them.
fn stepped_panel(
    svg: &mut Svg,
    top: i32,
    (name, expr): (&str, &str),
    m: &MemoryView,
    view: &MemoryView,
    (fill, line): (&'static str, &'static str),
    marker: &str,
) -> Res<i32> {
    let bytes = m.tobytes()?.as_slice().to_vec();
    let layout = layout_of(m, view)?;
    let offsets = layout.item_offsets()?;
    let items = view.tobytes()?.as_slice().to_vec();
    let stride = view.strides()?[0];
    ensure(
        offsets.iter().map(|&o| bytes[o]).collect::<Vec<_>>() == items,
        || format!("strided-slices: the offsets drawn for {expr} are not the bytes it reads"),
    )?;
    let code = Font::mono(TEXT);
    svg.text(
        20,
        top + 22,
        Anchor::Start,
        code.bold(),
        &format!("{name} = {expr}"),
    );
    let strip = Strip {
        x0: STRIP_X,
        cell: 34,
        y: top + 64,
        h: 40,
    };
    offsets_row(svg, &strip, bytes.len(), top + 54);
    byte_cells(svg, &strip, &bytes, "data", |k| {
        if offsets.contains(&k) {
            (fill, line)
        } else {
            (CELL, CELL_LINE)
        }
    });
    let index_y = strip.y + strip.h + 26;
    svg.text(
        LABEL_END,
        index_y,
        Anchor::End,
        Font::sans(TEXT),
        &format!("index in {name}"),
    );
    for (k, &o) in offsets.iter().enumerate() {
        let f = Font::mono(TEXT).bold().color(line);
        svg.text(strip.mid(o), index_y, Anchor::Middle, f, &k.to_string());
    }
    // An arc from each item to the next, labelled with the stride.
    let arc_y = index_y + 8;
    for pair in offsets.windows(2) {
        let (a, b) = (strip.mid(pair[0]), strip.mid(pair[1]));
        let dir = if b > a { 1 } else { -1 };
        let (a, b) = (a + 5 * dir, b - 5 * dir);
        svg.path(
            &format!("M{a},{arc_y} Q{},{} {b},{arc_y}", (a + b) / 2, arc_y + 36),
            line,
            2,
            Some(marker),
        );
        let f = Font::mono(TEXT).color(line);
        svg.text(
            (a + b) / 2,
            arc_y + 42,
            Anchor::Middle,
            f,
            &format!("{stride:+}"),
        );
    }
    let mut y = arc_y + 76;
    for text in [
        format!(
            "{name}.shape {}, {name}.strides {}",
            tuple(view.shape()?),
            tuple(view.strides()?)
        ),
        format!("{name}[0] is at offset {}", layout.offset()),
        format!("{name}.tobytes() == {}", bytes_repr(&items)),
    ] {
        for part in wrap(&text, code, W - 40) {
            svg.text(20, y, Anchor::Start, code, &part);
            y += LINE;
        }
    }
    Ok(y)
}

/// Figure: `m[::2]` and `m[::-3]`, stepped views and their strides.
fn strided_slices() -> Res<String> {
    // As in chapter 6, after `s[0] = ord("X")` wrote through a slice.
    let data = ByteArray::from(&b"01X3456789"[..]);
    let m = MemoryView::new(&data)?;
    let (evens_expr, evens) = slice(&m, (None, None, Some(2)))?;
    let (back_expr, back) = slice(&m, (None, None, Some(-3)))?;
    let describe = |v: &MemoryView, expr: &str| -> Res<String> {
        let l = layout_of(&m, v)?;
        Ok(format!(
            "{expr} has stride {} and picks the bytes at offsets {} ({}).",
            v.strides()?[0],
            l.item_offsets()?
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            bytes_repr(v.tobytes()?.as_slice()),
        ))
    };
    let desc = format!(
        "Two views of the ten bytes {}. {} {} Arrows show the step from each item to the next; \
         a negative stride walks backwards from the last byte.",
        bytes_repr(&data.to_vec()),
        describe(&evens, &evens_expr)?,
        describe(&back, &back_expr)?,
    );
    let title = format!(
        "Stepped slices: strides of {} and {} over the same ten bytes",
        evens.strides()?[0],
        back.strides()?[0]
    );
    let mut svg = Svg::new(W, &title, &desc);
    svg.arrowhead("amber", AMBER_LINE);
    svg.arrowhead("blue", BLUE_LINE);
    let code = Font::mono(TEXT);
    svg.text(
        20,
        30,
        Anchor::Start,
        code,
        &format!("data = bytearray({})", bytes_repr(&data.to_vec())),
    );
    svg.text(20, 56, Anchor::Start, code, "m = memoryview(data)");
    let y = stepped_panel(
        &mut svg,
        66,
        ("e", &evens_expr),
        &m,
        &evens,
        (AMBER, AMBER_LINE),
        "amber",
    )?;
    let y = stepped_panel(
        &mut svg,
        y,
        ("r", &back_expr),
        &m,
        &back,
        (BLUE, BLUE_LINE),
        "blue",
    )?;
    Ok(svg.finish(y - LINE + 16)?)
}
