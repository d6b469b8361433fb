//! The book's pictures, each drawn from values that `bufproto` computes.
//!
//! Every number a picture shows — offsets, shapes, strides, item values,
//! export counts, error messages — is read from the crate, and each figure
//! checks that what it draws agrees with what the crate's views read, so a
//! change in the crate changes (or breaks) the picture.

use bufproto::format::Value;
use bufproto::layout::Layout;
use bufproto::{ByteArray, Exporter, Flags, MemoryView, NdArray};

use crate::svg::{
    wrap, Anchor, Font, Svg, AMBER, AMBER_LINE, BIG, BLUE, BLUE_LINE, CELL, CELL_LINE, GREEN,
    GREEN_LINE, MUTED, RED_LINE, TEXT,
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
        Figure {
            file: "c-and-fortran-order.svg",
            svg: c_and_fortran_order()?,
        },
        Figure {
            file: "cast-formats.svg",
            svg: cast_formats()?,
        },
        Figure {
            file: "export-timeline.svg",
            svg: export_timeline()?,
        },
        Figure {
            file: "pil-suboffsets.svg",
            svg: pil_suboffsets()?,
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

/// A view's items as integers, in C order.
fn ints(view: &MemoryView) -> Res<Vec<i128>> {
    view.tolist()?
        .flatten()
        .into_iter()
        .map(|v| match v {
            Value::Int(i) => Ok(i),
            other => Err(format!("expected an int, got {other}").into()),
        })
        .collect()
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

/// A figure drawing arrows in amber and blue, its first line of code
/// (`first`) at the top left.
fn arrow_figure(title: &str, desc: &str, first: &str) -> Svg {
    let mut svg = Svg::new(W, title, desc);
    svg.arrowhead("amber", AMBER_LINE);
    svg.arrowhead("blue", BLUE_LINE);
    svg.text(20, 30, Anchor::Start, Font::mono(TEXT), first);
    svg
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
    let mut svg = arrow_figure(
        &title,
        &desc,
        &format!("data = bytearray({})", bytes_repr(&data.to_vec())),
    );
    let code = Font::mono(TEXT);
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

/// One 3×4 grid: the item at (i, j), and the byte offset it comes from.
fn grid_panel(
    svg: &mut Svg,
    top: i32,
    heading: &str,
    array: &NdArray,
    (fill, line): (&'static str, &'static str),
    pick: [usize; 2],
) -> Res<(i32, usize)> {
    let view = MemoryView::new(array)?;
    let shape = view.shape()?.to_vec();
    let strides = view.strides()?.to_vec();
    let layout = Layout::new(
        array.layout().offset(),
        view.itemsize()?,
        view.format()?,
        shape.clone(),
        strides.clone(),
    )?;
    let bytes = view.tobytes_order(Some("A"))?.as_slice().to_vec(); // memory order
    let (s0, s1) = (strides[0], strides[1]);
    let code = Font::mono(TEXT);
    svg.text(20, top + 22, Anchor::Start, Font::sans(BIG).bold(), heading);
    svg.text(
        20,
        top + 22 + LINE,
        Anchor::Start,
        code,
        &format!("shape {}, strides {}", tuple(&shape), tuple(&strides)),
    );
    svg.text(
        20,
        top + 22 + 2 * LINE,
        Anchor::Start,
        code.bold(),
        &format!("offset = i×{s0} + j×{s1}"),
    );
    let (cw, ch) = (85, 54);
    let gy = top + 22 + 2 * LINE + 40;
    for j in 0..shape[1] {
        let x = STRIP_X + cw * to_i32(j) + cw / 2;
        svg.text(
            x,
            gy - 8,
            Anchor::Middle,
            code.color(MUTED),
            &format!("j={j}"),
        );
    }
    let mut picked = 0;
    for i in 0..shape[0] {
        let y = gy + ch * to_i32(i);
        svg.text(
            LABEL_END,
            y + ch / 2 + 7,
            Anchor::End,
            code.color(MUTED),
            &format!("i={i}"),
        );
        for j in 0..shape[1] {
            let x = STRIP_X + cw * to_i32(j);
            let off = layout
                .byte_offset(&[i, j])
                .ok_or_else(|| format!("no item ({i}, {j})"))?;
            let value = view.get_at(&[isize::try_from(i)?, isize::try_from(j)?])?;
            ensure(value == Value::Int(i128::from(bytes[off])), || {
                format!(
                    "{heading}: item ({i}, {j}) is {value}, but byte {off} is {}",
                    bytes[off]
                )
            })?;
            let (f, s) = if [i, j] == pick {
                picked = off;
                (fill, line)
            } else {
                (CELL, CELL_LINE)
            };
            svg.rect(x, y, cw, ch, (f, s));
            let c = char::from(bytes[off]).to_string();
            svg.text(
                x + cw / 2,
                y + 24,
                Anchor::Middle,
                Font::mono(BIG).bold(),
                &c,
            );
            svg.text(
                x + cw / 2,
                y + 46,
                Anchor::Middle,
                Font::sans(TEXT).color(MUTED),
                &format!("byte {off}"),
            );
        }
    }
    let [pi, pj] = pick;
    let y = gy + ch * to_i32(shape[0]) + 30;
    svg.text(
        20,
        y,
        Anchor::Start,
        code.color(line),
        &format!(
            "({pi}, {pj}): {pi}×{s0} + {pj}×{s1} = {picked} → '{}'",
            char::from(bytes[picked])
        ),
    );
    Ok((y + 20, picked))
}

/// Figure: a 3×4 array of bytes in C order and in Fortran order.
fn c_and_fortran_order() -> Res<String> {
    let data = b"abcdefghijkl".to_vec();
    let c = NdArray::c_order(data.clone(), "B", vec![3, 4])?;
    let f = NdArray::fortran(data.clone(), "B", vec![3, 4])?;
    let pick = [1, 2];
    let mc = MemoryView::new(&c)?;
    let mf = MemoryView::new(&f)?;
    let rows = |m: &MemoryView| -> Res<String> {
        let bytes = ints(m)?
            .into_iter()
            .map(u8::try_from)
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(bytes
            .chunks(m.shape()?[1])
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect::<Vec<_>>()
            .join(", "))
    };
    let desc = format!(
        "The same twelve bytes {} seen as a 3 by 4 array two ways. In C order (row-major) the strides \
         are {}: each row is four consecutive bytes, and the rows read {}. In Fortran order \
         (column-major) the strides are {}: each column is three consecutive bytes, and the rows read \
         {}. Each cell shows its item and the byte offset i times stride 0 plus j times stride 1; \
         item (1, 2) is highlighted in both.",
        bytes_repr(&data),
        tuple(mc.strides()?),
        rows(&mc)?,
        tuple(mf.strides()?),
        rows(&mf)?,
    );
    let mut svg = Svg::new(W, "A 3×4 array in C order and in Fortran order", &desc);
    let code = Font::mono(TEXT);
    svg.text(
        20,
        30,
        Anchor::Start,
        code,
        &format!("memory: {}", bytes_repr(&data)),
    );
    let strip = Strip {
        x0: STRIP_X,
        cell: 28,
        y: 76,
        h: 40,
    };
    // The panels come first: they say which bytes item (1, 2) is in.
    let (y, c_pick) = grid_panel(
        &mut svg,
        strip.y + strip.h + 14,
        "C order (row-major)",
        &c,
        (AMBER, AMBER_LINE),
        pick,
    )?;
    let (y, f_pick) = grid_panel(
        &mut svg,
        y,
        "Fortran order (column-major)",
        &f,
        (BLUE, BLUE_LINE),
        pick,
    )?;
    offsets_row(&mut svg, &strip, data.len(), 66);
    byte_cells(&mut svg, &strip, &data, "data", |k| {
        if k == c_pick {
            (AMBER, AMBER_LINE)
        } else if k == f_pick {
            (BLUE, BLUE_LINE)
        } else {
            (CELL, CELL_LINE)
        }
    });
    Ok(svg.finish(y)?)
}

/// Figure: the same eight bytes read as `'B'`, `'h'` and `'i'` items.
fn cast_formats() -> Res<String> {
    let mut raw = Vec::new();
    for x in [1i16, -2] {
        raw.extend(x.to_le_bytes());
    }
    raw.extend(3i32.to_le_bytes()); // struct.pack("<hhi", 1, -2, 3)
    let data = ByteArray::from(raw.clone());
    let m = MemoryView::new(&data)?;
    let views = [
        ("m", m.cast("B")?),
        ("m.cast('h')", m.cast("h")?),
        ("m.cast('i')", m.cast("i")?),
    ];
    let hex = m.hex()?;
    let cell = 55;
    let x0 = 20;
    let mut svg_desc = format!("The eight bytes {hex} (hex), read in place by three views.");
    let mut rows = Vec::new();
    for (name, v) in &views {
        let layout = layout_of(&m, v)?;
        let offsets = layout.item_offsets()?;
        let size = v.itemsize()?;
        let values = ints(v)?;
        for (&o, &value) in offsets.iter().zip(&values) {
            let b = &raw[o..o + size];
            let native = match size {
                1 => i128::from(b[0]),
                2 => i128::from(i16::from_ne_bytes([b[0], b[1]])),
                4 => i128::from(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
                _ => return Err(format!("no native reading for itemsize {size}").into()),
            };
            ensure(native == value, || {
                format!("{name}: item at {o} is {value}, its bytes say {native}")
            })?;
        }
        let list = v.tolist()?.to_string();
        svg_desc.push_str(&format!(
            " {name} has format '{}' and itemsize {size}: {} items, {list}.",
            v.format()?,
            values.len()
        ));
        rows.push((*name, v.format()?.to_string(), size, offsets, values));
    }
    let order = if cfg!(target_endian = "little") {
        "little-endian"
    } else {
        "big-endian"
    };
    svg_desc.push_str(&format!(
        " The wider items are read in the machine's byte order, {order} here."
    ));

    let mut svg = Svg::new(W, "One buffer read as 'B', 'h' and 'i' items", &svg_desc);
    let code = Font::mono(TEXT);
    svg.text(
        x0,
        30,
        Anchor::Start,
        code,
        "data = struct.pack(\"<hhi\", 1, -2, 3)",
    );
    svg.text(x0, 56, Anchor::Start, code, "m = memoryview(data)");
    let strip = Strip {
        x0,
        cell,
        y: 124,
        h: 40,
    };
    svg.text(
        x0,
        90,
        Anchor::Start,
        Font::sans(TEXT).color(MUTED),
        "the bytes in memory, by offset (hex)",
    );
    for k in 0..raw.len() {
        let t = k.to_string();
        svg.text(strip.mid(k), 116, Anchor::Middle, code.color(MUTED), &t);
    }
    for (k, pair) in hex.as_bytes().chunks(2).enumerate() {
        svg.rect(strip.left(k), strip.y, cell, strip.h, (CELL, CELL_LINE));
        let t = String::from_utf8_lossy(pair);
        svg.text(
            strip.mid(k),
            strip.baseline(),
            Anchor::Middle,
            Font::mono(BIG),
            &t,
        );
    }
    let mut y = strip.y + strip.h + 32;
    let fills = [(CELL, CELL_LINE), (AMBER, AMBER_LINE), (BLUE, BLUE_LINE)];
    for ((name, format, size, offsets, values), (fill, line)) in rows.iter().zip(fills) {
        svg.text(
            x0,
            y,
            Anchor::Start,
            code.bold(),
            &format!("{name}: '{format}', itemsize {size}"),
        );
        let top = y + 10;
        for (&o, value) in offsets.iter().zip(values) {
            let w = cell * to_i32(*size);
            svg.rect(strip.left(o), top, w, 40, (fill, line));
            let t = value.to_string();
            svg.text(
                strip.left(o) + w / 2,
                top + 27,
                Anchor::Middle,
                Font::mono(BIG).bold(),
                &t,
            );
        }
        y = top + 40 + 32;
    }
    svg.text(
        x0,
        y,
        Anchor::Start,
        Font::sans(TEXT).color(MUTED),
        &format!("Native byte order: {order} here."),
    );
    Ok(svg.finish(y + 16)?)
}

/// One step of the export timeline, as it happened.
struct Step {
    code: &'static str,
    note: String,
    exports: usize,
    /// For a resize: whether it worked.
    resized: Option<bool>,
}

/// Figure: a bytearray's export count as views come and go, and what a
/// resize does at each count.
fn export_timeline() -> Res<String> {
    let mut steps = Vec::new();
    let mut data = ByteArray::from(&b"abc"[..]);
    let mut step = |code, note: &str, data: &ByteArray, resized: Option<bool>| {
        steps.push(Step {
            code,
            note: note.to_string(),
            exports: data.exports(),
            resized,
        });
    };
    step(
        "data = bytearray(b\"abc\")",
        "nothing lent yet",
        &data,
        None,
    );
    let mut m = MemoryView::new(&data)?;
    step(
        "m = memoryview(data)",
        "the view takes one export",
        &data,
        None,
    );
    let mut tail = m.slice(Some(1), None, None)?;
    step(
        "tail = m[1:]",
        "holds the memory too: two exports",
        &data,
        None,
    );
    m.release()?;
    step("m.release()", "tail still holds the export", &data, None);
    let first = data.append(i64::from(b'd'));
    let note = match &first {
        Ok(()) => format!("✓ resized: {data:?}"),
        Err(e) => format!("✗ {e}"),
    };
    step("data.append(ord(\"d\"))", &note, &data, Some(first.is_ok()));
    tail.release()?;
    step("tail.release()", "the last view lets go", &data, None);
    let second = data.append(i64::from(b'd'));
    let note = match &second {
        Ok(()) => format!("✓ resized: {data:?}"),
        Err(e) => format!("✗ {e}"),
    };
    step(
        "data.append(ord(\"d\"))",
        &note,
        &data,
        Some(second.is_ok()),
    );
    ensure(first.is_err() && second.is_ok(), || {
        "export-timeline: a resize should fail while a view holds an export, and work after".into()
    })?;

    let desc = steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            format!(
                "{}. {}: exports() is {}; {}.",
                k + 1,
                s.code,
                s.exports,
                s.note
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut svg = Svg::new(
        W,
        "A bytearray's export count over a view's lifetime",
        &format!("Steps in order, with the bytearray's export count after each. {desc}"),
    );
    let code = Font::mono(TEXT);
    let sans = Font::sans(TEXT);
    let (rail_x, text_x, badge_x, badge_w) = (26, 48, 400, 60);
    svg.text(text_x, 32, Anchor::Start, sans.bold(), "step");
    svg.text(badge_x + badge_w, 32, Anchor::End, code.bold(), "exports()");
    let mut y = 48;
    let mut dots = Vec::new();
    for s in &steps {
        dots.push(y + 18);
        svg.text(text_x, y + 24, Anchor::Start, code, s.code);
        let (fill, line) = if s.exports > 0 {
            (AMBER, AMBER_LINE)
        } else {
            (GREEN, GREEN_LINE)
        };
        svg.round_rect(badge_x, y + 4, badge_w, 28, 14, (fill, line));
        svg.text(
            badge_x + badge_w / 2,
            y + 25,
            Anchor::Middle,
            code.bold(),
            &s.exports.to_string(),
        );
        let color = match s.resized {
            Some(true) => GREEN_LINE,
            Some(false) => RED_LINE,
            None => MUTED,
        };
        let font = sans.color(color);
        let mut ly = y + 50;
        for part in wrap(&s.note, font, W - text_x - 16) {
            svg.text(text_x, ly, Anchor::Start, font, &part);
            ly += 24;
        }
        y = ly - 24 + 18;
    }
    // The rail and its dots go under nothing, so draw them last.
    if let (Some(&a), Some(&b)) = (dots.first(), dots.last()) {
        svg.line((rail_x, a), (rail_x, b), CELL_LINE, 2, None);
    }
    for (&d, s) in dots.iter().zip(&steps) {
        let fill = match s.resized {
            Some(true) => GREEN_LINE,
            Some(false) => RED_LINE,
            None => CELL_LINE,
        };
        svg.dot(rail_x, d, 7, fill);
    }
    Ok(svg.finish(y + 4)?)
}

/// Memory the picture owns, so that it can write (and draw) the pointers.
#[derive(Debug)]
struct Owned(Box<[std::sync::atomic::AtomicU8]>);

impl bufproto::ForeignMemory for Owned {
    fn bytes(&self) -> &[std::sync::atomic::AtomicU8] {
        &self.0
    }
}

/// Figure: a PIL-style array, `_testbuffer.ndarray(..., flags=ND_PIL)`:
/// a table of pointers, then the rows they point to.
fn pil_suboffsets() -> Res<String> {
    use std::sync::atomic::{AtomicU8, Ordering};
    let data = b"abcdef";
    let nd = NdArray::pil(data.to_vec(), "B", vec![2, 3], None, 0, false)?;
    let m = MemoryView::new(&nd)?;
    let layout = nd.layout().clone();
    let (rows, cols) = (m.shape()?[0], m.shape()?[1]);
    let (strides, subs) = (m.strides()?.to_vec(), m.suboffsets()?.to_vec());
    // The same memory, drawn: `_testbuffer`'s table of `rows` pointers
    // (rounded up to 8 bytes), then the data; pointer k holds row k's
    // address. The crate must read through it what it reads through `nd`.
    let ptr = std::mem::size_of::<usize>();
    let table = (rows * ptr).div_ceil(8) * 8;
    let mem: Box<[AtomicU8]> = (0..table)
        .map(|_| 0)
        .chain(data.iter().copied())
        .map(AtomicU8::new)
        .collect();
    let base = mem.as_ptr() as usize;
    let stride0 = usize::try_from(strides[0])?;
    let targets: Vec<usize> = (0..rows).map(|k| table + k * cols).collect();
    for (k, &t) in targets.iter().enumerate() {
        for (j, b) in (base + t).to_ne_bytes().into_iter().enumerate() {
            mem[k * stride0 + j].store(b, Ordering::Relaxed);
        }
    }
    let owned =
        bufproto::Foreign::new(std::sync::Arc::new(Owned(mem)), layout.clone(), true, "pil")?;
    let drawn = MemoryView::new(&owned)?;
    ensure(drawn.tolist()? == m.tolist()?, || {
        "pil-suboffsets: the pointers drawn do not lead to the items nd holds".into()
    })?;
    // m[1, 2], step by step as ptr_from_tuple walks it.
    let (i, j) = (1usize, 2usize);
    let cell = usize::try_from(layout.offset())? + i * stride0;
    let row = targets[cell / stride0] + usize::try_from(subs[0])?;
    let at = row + j * usize::try_from(strides[1])?;
    let item = m.get_at(&[1, 2])?;
    ensure(item == i64::from(data[at - table]), || {
        format!("pil-suboffsets: m[1, 2] is {item}, not the byte at {at}")
    })?;

    let title = "A PIL-style array: a table of pointers, then the rows they point to";
    let desc = format!(
        "nd is a 2 by 3 array of the bytes {d} made with flags=ND_PIL. Its memory is one block: \
         a table of {rows} pointers of {ptr} bytes (offsets 0 to {t1}), then the {n} data bytes \
         (offsets {table} to {end}). Pointer 0 holds the address of byte {p0}, pointer 1 of byte {p1}. \
         m.strides is {st} and m.suboffsets {so}: dimension 0 steps {s0} bytes through the table and \
         its suboffset {sub0} says that what it finds there is a pointer to follow. m[1, 2] reads \
         pointer {i} at byte {cell}, follows it to byte {row}, then steps {j} times {s1} to byte {at}, \
         which holds {item}.",
        d = bytes_repr(data),
        t1 = table - 1,
        n = data.len(),
        end = table + data.len() - 1,
        p0 = targets[0],
        p1 = targets[1],
        st = tuple(&strides),
        so = tuple(&subs),
        s0 = strides[0],
        sub0 = subs[0],
        s1 = strides[1],
    );
    let mut svg = arrow_figure(
        title,
        &desc,
        &format!("nd = ndarray(list({}),", bytes_repr(data)),
    );
    let code = Font::mono(TEXT);
    // SVG collapses leading spaces: indent by position.
    let indent = 20 + code.width("nd = ndarray(");
    svg.text(
        indent,
        56,
        Anchor::Start,
        code,
        "shape=[2, 3], flags=ND_PIL)",
    );
    svg.text(20, 82, Anchor::Start, code, "m = memoryview(nd)");
    svg.text(
        20,
        108,
        Anchor::Start,
        code.bold(),
        &format!("m.strides    == {}", tuple(&strides)),
    );
    svg.text(
        20,
        134,
        Anchor::Start,
        code.bold(),
        &format!("m.suboffsets == {}", tuple(&subs)),
    );

    // One strip for the whole block: 20 units a byte.
    let strip = Strip {
        x0: 20,
        cell: 20,
        y: 224,
        h: 44,
    };
    let colours = [(AMBER, AMBER_LINE, "amber"), (BLUE, BLUE_LINE, "blue")];
    let muted = Font::mono(TEXT).color(MUTED);
    for k in 0..rows {
        let (fill, line, marker) = colours[k % 2];
        let (x, w) = (strip.left(k * stride0), strip.cell * to_i32(ptr));
        svg.rect(x, strip.y, w, strip.h, (fill, line));
        svg.text(
            x + w / 2,
            strip.baseline(),
            Anchor::Middle,
            Font::mono(TEXT),
            &format!("\u{2192} {}", targets[k]),
        );
        let (from, to) = (x + w / 2, strip.mid(targets[k]));
        let lift = 36 + 14 * to_i32(k);
        svg.path(
            &format!(
                "M{from},{top} C{from},{up} {to},{up} {to},{top}",
                top = strip.y - 2,
                up = strip.y - lift,
            ),
            line,
            2,
            Some(marker),
        );
        for c in 0..cols {
            let b = targets[k] + c;
            svg.rect(strip.left(b), strip.y, strip.cell, strip.h, (fill, line));
            let ch = char::from(data[b - table]).to_string();
            svg.text(
                strip.mid(b),
                strip.baseline(),
                Anchor::Middle,
                Font::mono(TEXT).bold(),
                &ch,
            );
        }
    }
    for k in [0, stride0, table, targets[1]] {
        svg.text(
            strip.left(k) + 2,
            strip.y + strip.h + 22,
            Anchor::Start,
            muted,
            &k.to_string(),
        );
    }
    svg.text(
        20,
        174,
        Anchor::Start,
        Font::sans(TEXT).color(MUTED),
        "one block: pointer table, then the data",
    );
    let mut y = strip.y + strip.h + 60;
    for text in [
        format!("m[1, 2]: byte {cell} holds pointer {i},"),
        format!("followed (suboffset {} \u{2265} 0) to byte {row};", subs[0]),
        format!(
            "then {j} \u{d7} {} on: byte {at}, the item {item}.",
            strides[1]
        ),
    ] {
        for part in wrap(&text, Font::sans(TEXT), W - 40) {
            svg.text(20, y, Anchor::Start, Font::sans(TEXT), &part);
            y += LINE;
        }
    }
    Ok(svg.finish(y - LINE + 16)?)
}
