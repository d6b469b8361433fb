//! Hand-written SVG plots: real `<text>`, a `viewBox` (so they scale down to
//! a 375-px phone), and a light card with a border so that they read the
//! same on the book's light and dark themes.

use std::fmt::Write as _;

use crate::{fmt_size, Report, OPS};

const W: f64 = 380.0;
const FONT: &str = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\"";
const INK: &str = "#222";
const GRID: &str = "#d8d8d8";

/// One line of a line chart.
struct Series {
    name: String,
    color: &'static str,
    dashed: bool,
    points: Vec<Option<f64>>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn open(s: &mut String, h: f64, title: &str, desc: &str) {
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-labelledby=\"t d\" {FONT}>"
    );
    let _ = writeln!(s, "<title id=\"t\">{}</title>", esc(title));
    let _ = writeln!(s, "<desc id=\"d\">{}</desc>", esc(desc));
    let _ = writeln!(
        s,
        "<rect x=\"0.5\" y=\"0.5\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"#fcfcfc\" stroke=\"#bbb\"/>",
        W - 1.0,
        h - 1.0
    );
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\" fill=\"{INK}\">{}</text>",
        W / 2.0,
        esc(title)
    );
}

/// A decade tick label: 1 ns, 10 ns, ... or 1 GB/s.
fn decade_label(v: f64, unit: &str) -> String {
    if unit == "ns" {
        let (x, u) = if v < 1e3 {
            (v, "ns")
        } else if v < 1e6 {
            (v / 1e3, "µs")
        } else if v < 1e9 {
            (v / 1e6, "ms")
        } else {
            (v / 1e9, "s")
        };
        format!("{} {u}", x.round())
    } else {
        format!("{v} {unit}")
    }
}

/// A line chart over the run's sizes with a logarithmic y axis.
fn line_chart(report: &Report, title: &str, desc: &str, unit: &str, series: &[Series]) -> String {
    let sizes = &report.config.sizes;
    let vals: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().copied())
        .filter(|v| *v > 0.0 && v.is_finite())
        .collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min).max(1e-3);
    let hi = vals.iter().copied().fold(0.0, f64::max).max(lo * 10.0);
    let (d0, d1) = (lo.log10().floor(), hi.log10().ceil());
    let legend_rows = series.len().div_ceil(2);
    let (left, right, top) = (78.0, 36.0, 40.0);
    let plot_h = 190.0;
    let bottom_axis = top + plot_h;
    let h = bottom_axis + 44.0 + legend_rows as f64 * 20.0 + 8.0;
    let mut s = String::new();
    open(&mut s, h, title, desc);
    let x = |i: usize| {
        let n = sizes.len().max(2) - 1;
        left + (W - left - right) * i as f64 / n as f64
    };
    let y = |v: f64| bottom_axis - plot_h * (v.log10() - d0) / (d1 - d0);
    let mut d = d0;
    while d <= d1 + 1e-9 {
        let v = 10f64.powf(d);
        let yy = y(v);
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{}\" y2=\"{yy:.1}\" stroke=\"{GRID}\"/>",
            W - right
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"{INK}\">{}</text>",
            left - 6.0,
            yy + 4.0,
            decade_label(v, unit)
        );
        d += 1.0;
    }
    for (i, &n) in sizes.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{INK}\">{}</text>",
            x(i),
            bottom_axis + 18.0,
            fmt_size(n)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{INK}\">buffer size</text>",
        (left + W - right) / 2.0,
        bottom_axis + 34.0
    );
    for se in series {
        let pts: Vec<String> = se
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                v.filter(|v| *v > 0.0)
                    .map(|v| format!("{:.1},{:.1}", x(i), y(v)))
            })
            .collect();
        let dash = if se.dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\"{dash}/>",
            pts.join(" "),
            se.color
        );
        for p in &pts {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                s,
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3.5\" fill=\"{}\"/>",
                se.color
            );
        }
    }
    for (k, se) in series.iter().enumerate() {
        let col = (k % 2) as f64;
        let row = (k / 2) as f64;
        let lx = 20.0 + col * (W / 2.0);
        let ly = bottom_axis + 56.0 + row * 20.0;
        let dash = if se.dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<line x1=\"{lx}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2.5\"{dash}/>",
            ly - 4.0,
            lx + 22.0,
            ly - 4.0,
            se.color
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">{}</text>",
            lx + 28.0,
            esc(&se.name)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn series(
    report: &Report,
    op: &str,
    imp: &str,
    name: &str,
    color: &'static str,
    dashed: bool,
    f: impl Fn(usize, f64) -> f64,
) -> Series {
    Series {
        name: name.into(),
        color,
        dashed,
        points: report
            .config
            .sizes
            .iter()
            .map(|&n| report.ns(op, imp, n).map(|v| f(n, v)))
            .collect(),
    }
}

/// Slicing and view creation against buffer size: flat lines are O(1).
pub fn slice_svg(r: &Report) -> String {
    let id = |_: usize, v: f64| v;
    line_chart(
        r,
        "Slicing costs the same at every size",
        "Median time of m[1:-1] and memoryview(b) against buffer size, log scale: bufproto, CPython, bytes::Bytes::slice and a plain &[u8] slice.",
        "ns",
        &[
            series(r, "slice", "bufproto", "bufproto m[1:-1]", "#1f6fb4", false, id),
            series(r, "new", "bufproto", "bufproto memoryview(b)", "#1f6fb4", true, id),
            series(r, "slice", "cpython", "CPython m[1:-1]", "#c0392b", false, id),
            series(r, "new", "cpython", "CPython memoryview(b)", "#c0392b", true, id),
            series(r, "slice", "bytes", "Bytes::slice", "#2e8b3a", false, id),
            series(r, "slice", "slice", "&v[1..n-1]", "#666", true, id),
        ],
    )
}

/// `tobytes` bandwidth against the `memcpy` limit.
pub fn tobytes_svg(r: &Report) -> String {
    let gbps = |n: usize, v: f64| n as f64 / v; // bytes per ns = GB/s
    line_chart(
        r,
        "tobytes() against the copy limit (GB/s)",
        "Bandwidth of m.tobytes() in GB/s against buffer size, log scale: copy_from_slice and to_vec (memcpy), bufproto over bytes and over bytearray, CPython.",
        "GB/s",
        &[
            series(r, "tobytes", "copy_from_slice", "copy_from_slice", "#666", true, gbps),
            series(r, "tobytes", "to_vec", "to_vec", "#2e8b3a", false, gbps),
            series(r, "tobytes", "bufproto", "bufproto, bytes", "#1f6fb4", false, gbps),
            series(r, "tobytes", "bufproto-bytearray", "bufproto, bytearray", "#8e44ad", false, gbps),
            series(r, "tobytes", "cpython", "CPython", "#c0392b", false, gbps),
        ],
    )
}

/// Speed-up over CPython per operation, for the crate and its Rust peer.
pub fn ops_svg(r: &Report) -> String {
    let rows: Vec<(&str, Option<f64>, Option<f64>)> = OPS
        .iter()
        .map(|&(op, py, peer, _)| {
            let n = r.size_of(op);
            let p = r.ns(op, "cpython", n);
            let c = r.ns(op, "bufproto", n);
            let q = if peer.is_empty() {
                None
            } else {
                r.ns(op, peer, n)
            };
            let up = |x: Option<f64>| match (p, x) {
                (Some(p), Some(x)) if x > 0.0 => Some(p / x),
                _ => None,
            };
            (py, up(c), up(q))
        })
        .collect();
    let (d0, d1) = (-2.0f64, 3.0f64); // 0.01× to 1000×
    let (left, right, top, row_h) = (168.0, 24.0, 64.0, 30.0);
    let h = top + row_h * rows.len() as f64 + 40.0;
    let mut s = String::new();
    open(
        &mut s,
        h,
        "How many times faster than CPython",
        "For each operation, bufproto's speed-up over CPython 3.11 (blue) and the plain Rust peer's (green), on a log scale; 1× is CPython's speed.",
    );
    let x = |v: f64| left + (W - left - right) * (v.log10().clamp(d0, d1) - d0) / (d1 - d0);
    let _ = writeln!(
        s,
        "<rect x=\"{left}\" y=\"34\" width=\"12\" height=\"10\" fill=\"#1f6fb4\"/><text x=\"{}\" y=\"43\" font-size=\"12\" fill=\"{INK}\">bufproto</text>",
        left + 16.0
    );
    let _ = writeln!(
        s,
        "<rect x=\"{}\" y=\"34\" width=\"12\" height=\"10\" fill=\"#2e8b3a\"/><text x=\"{}\" y=\"43\" font-size=\"12\" fill=\"{INK}\">Rust peer</text>",
        left + 90.0,
        left + 106.0
    );
    let bottom = top + row_h * rows.len() as f64;
    let mut d = d0;
    while d <= d1 + 1e-9 {
        let v = 10f64.powf(d);
        let xx = x(v);
        let stroke = if d == 0.0 { "#888" } else { GRID };
        let _ = writeln!(
            s,
            "<line x1=\"{xx:.1}\" y1=\"{}\" x2=\"{xx:.1}\" y2=\"{bottom}\" stroke=\"{stroke}\"/>",
            top - 6.0
        );
        let label = if v < 1.0 {
            format!("{v}×")
        } else {
            format!("{}×", v as u64)
        };
        if (d - d0) % 2.0 != 0.0 {
            // A grid line every decade, a label every other one (phones).
            d += 1.0;
            continue;
        }
        let _ = writeln!(
            s,
            "<text x=\"{xx:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{INK}\">{label}</text>",
            bottom + 16.0
        );
        d += 1.0;
    }
    for (k, (py, c, q)) in rows.iter().enumerate() {
        let y0 = top + row_h * k as f64;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11.5\" fill=\"{INK}\" font-family=\"ui-monospace, Menlo, Consolas, monospace\">{}</text>",
            left - 6.0,
            y0 + 17.0,
            esc(py)
        );
        for (j, (v, color)) in [(c, "#1f6fb4"), (q, "#2e8b3a")].into_iter().enumerate() {
            if let Some(v) = v {
                let yy = y0 + 5.0 + j as f64 * 11.0;
                let x1 = x(1.0);
                let x2 = x(*v);
                let (a, b) = if x2 >= x1 { (x1, x2) } else { (x2, x1) };
                let _ = writeln!(
                    s,
                    "<rect x=\"{a:.1}\" y=\"{yy:.1}\" width=\"{:.1}\" height=\"10\" fill=\"{color}\"/>",
                    (b - a).max(1.0)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{INK}\">speed-up over CPython (log scale)</text>",
        (left + W - right) / 2.0,
        bottom + 32.0
    );
    s.push_str("</svg>\n");
    s
}
