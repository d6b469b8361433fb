//! The table of every format character in chapter 8 is generated, not typed.
//!
//! This test writes the table from the crate's `bufproto::format` (sizes,
//! byte formats, which formats a view reads, what a read gives) and from the
//! outputs of the chapter's own `pycon` blocks, which both interpreters
//! replay (native sizes on 64-bit and on wasm32, standard sizes, `F`/`D`),
//! checks every "accepts" range by packing its ends and one past them, and
//! fails if the chapter's copy differs. `BLESS=1 cargo test --test
//! format_table` rewrites the chapter's copy instead.

use std::env;
use std::fs;

use bufproto::format::{calcsize, Native, Value};

#[path = "support/ci.rs"]
mod ci;
#[path = "support/markdown.rs"]
mod markdown;

const CHAPTER: &str = "src/ch08-formats-and-cast.md";
const BEGIN: &str = "<!-- format-table: written by tests/format_table.rs; `BLESS=1 cargo test --test format_table` rewrites it -->\n";
const END: &str = "<!-- end format-table -->\n";

/// Every character `struct` knows (3.14), in the order of its documentation.
const CHARS: &str = "xcbB?hHiIlLqQnNefdspPFD";

/// What kind of value a format holds: what decides its "accepts" and
/// "gives" columns.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Pad,
    Char,
    Signed,
    Unsigned,
    Bool,
    Half,
    Single,
    Double,
    Str,
    Pointer,
    Complex,
}

/// The C type and kind of each format character (the `struct` documentation's
/// table); everything else in the table is computed.
fn describe(c: char) -> (&'static str, Kind) {
    use Kind::*;
    match c {
        'x' => ("pad byte", Pad),
        'c' => ("`char`", Char),
        'b' => ("`signed char`", Signed),
        'B' => ("`unsigned char`", Unsigned),
        '?' => ("`_Bool`", Bool),
        'h' => ("`short`", Signed),
        'H' => ("`unsigned short`", Unsigned),
        'i' => ("`int`", Signed),
        'I' => ("`unsigned int`", Unsigned),
        'l' => ("`long`", Signed),
        'L' => ("`unsigned long`", Unsigned),
        'q' => ("`long long`", Signed),
        'Q' => ("`unsigned long long`", Unsigned),
        'n' => ("`ssize_t`", Signed),
        'N' => ("`size_t`", Unsigned),
        'e' => ("half float", Half),
        'f' => ("`float`", Single),
        'd' => ("`double`", Double),
        's' | 'p' => ("`char[]`", Str),
        'P' => ("`void *`", Pointer),
        'F' => ("`float complex`", Complex),
        'D' => ("`double complex`", Complex),
        _ => ("?", Pad),
    }
}

/// The facts the chapter's pycon blocks print, as the interpreters check them.
struct Printed {
    standard: Vec<(char, Option<usize>)>,
    native64: Vec<(char, usize)>,
    wasm32: Vec<(char, usize)>,
    complex: (usize, usize, usize),
    byte_formats: String,
    reads_since_312: String,
    reads_before_312: String,
}

/// The expected output of the example `input` in the chapter's block tagged
/// exactly `tags`.
fn output_of(blocks: &[markdown::Block], tags: &[&str], input: &str) -> String {
    let block = blocks
        .iter()
        .filter(|b| b.lang == "pycon" && b.tags == tags)
        .find(|b| b.text.lines().any(|l| l == input))
        .unwrap_or_else(|| panic!("{CHAPTER}: no pycon block {tags:?} with `{input}`"));
    let mut lines = block.text.lines().skip_while(|l| *l != input).skip(1);
    let line = lines.next().unwrap_or_default();
    line.trim_matches('\'').to_owned()
}

/// `'x1 c1 n- ...'` → `[('x', Some(1)), ('c', Some(1)), ('n', None), ...]`.
fn sizes(line: &str) -> Vec<(char, Option<usize>)> {
    line.split(' ')
        .filter_map(|word| {
            let mut chars = word.chars();
            let c = chars.next()?;
            Some((c, chars.as_str().parse().ok()))
        })
        .collect()
}

fn printed(chapter: &str) -> Printed {
    let blocks = markdown::blocks_in(CHAPTER, chapter);
    let known = |line: String| -> Vec<(char, usize)> {
        sizes(&line)
            .into_iter()
            .map(|(c, n)| (c, n.unwrap_or_else(|| panic!("a native size for {c}"))))
            .collect()
    };
    let native_sizes = r#">>> " ".join(f"{c}{struct.calcsize(c)}" for c in chars)"#;
    let complex = output_of(
        &blocks,
        &["since-3.14"],
        r#">>> struct.calcsize("F"), struct.calcsize("D"), struct.calcsize("=D")"#,
    );
    let complex: Vec<usize> = complex
        .trim_matches(|c| c == '(' || c == ')')
        .split(", ")
        .map(|n| n.parse().expect("three sizes"))
        .collect();
    Printed {
        standard: sizes(&output_of(
            &blocks,
            &[],
            r#">>> " ".join(c + standard(c) for c in chars)"#,
        )),
        native64: known(output_of(&blocks, &["only-native"], native_sizes)),
        wasm32: known(output_of(&blocks, &["only-pyodide"], native_sizes)),
        complex: (complex[0], complex[1], complex[2]),
        byte_formats: output_of(
            &blocks,
            &[],
            r#">>> "".join(c for c in chars if byte_format(c))"#,
        ),
        reads_since_312: output_of(
            &blocks,
            &["since-3.12"],
            r#">>> "".join(c for c in chars + "FD" if reads(c))"#,
        ),
        reads_before_312: output_of(
            &blocks,
            &["before-3.12"],
            r#">>> "".join(c for c in chars if reads(c))           # no 'e' before 3.12"#,
        ),
    }
}

fn lookup<T: Copy>(list: &[(char, T)], c: char) -> Option<T> {
    list.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// `range(-2**63, 2**63)`: the ints an integer format of `size` bytes accepts.
fn int_range(kind: Kind, size: usize) -> (i128, i128, String) {
    let bits = 8 * size as u32;
    match kind {
        Kind::Signed => (
            -(1i128 << (bits - 1)),
            (1i128 << (bits - 1)) - 1,
            format!("`range(-2**{}, 2**{})`", bits - 1, bits - 1),
        ),
        // PyLong_AsVoidPtr takes the signed range as well as the unsigned one.
        Kind::Pointer => (
            -(1i128 << (bits - 1)),
            (1i128 << bits) - 1,
            format!("`range(-2**{}, 2**{bits})`", bits - 1),
        ),
        _ => (0, (1i128 << bits) - 1, format!("`range(2**{bits})`")),
    }
}

/// Checks with the crate that a format accepts exactly the ints of
/// `int_range` (on this machine, whose sizes are the 64-bit column).
fn check_range(native: Native, kind: Kind) {
    let (lo, hi, text) = int_range(kind, native.size());
    let mut out = vec![0u8; native.size()];
    let c = native.char();
    for ok in [lo, hi] {
        assert!(
            native.pack(&Value::Int(ok), &mut out).is_ok(),
            "{c} accepts {ok} ({text})"
        );
    }
    for bad in [lo - 1, hi + 1] {
        let error = native.pack(&Value::Int(bad), &mut out).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("ValueError: memoryview: invalid value for format '{c}'"),
            "{c} refuses {bad} ({text})"
        );
    }
    let error = native.pack(&Value::Float(1.0), &mut out).unwrap_err();
    assert!(
        error.to_string().starts_with("TypeError"),
        "{c} refuses a float"
    );
}

/// The "accepts" column, checked against the crate's packing where it can be.
fn accepts(c: char, kind: Kind, size64: usize, size32: usize) -> String {
    let native = Native::parse(&c.to_string());
    let mut one = vec![0u8; native.map_or(0, |n| n.size())];
    let packs =
        |v: Value, out: &mut Vec<u8>| native.map(|n| n.pack(&v, out).map(|_| n.unpack(out)));
    match kind {
        Kind::Signed | Kind::Unsigned | Kind::Pointer => {
            check_range(native.expect("an integer format is native"), kind);
            let (_, _, wide) = int_range(kind, size64);
            let (_, _, narrow) = int_range(kind, size32);
            if size64 == size32 {
                format!("an int in {wide}")
            } else {
                format!("an int in {wide}; {narrow} in wasm32")
            }
        }
        Kind::Char => {
            assert!(matches!(
                packs(Value::from(&b"a"[..]), &mut one),
                Some(Ok(_))
            ));
            assert!(packs(Value::from(&b"ab"[..]), &mut one).is_some_and(|r| r.is_err()));
            assert!(packs(Value::Int(1), &mut one).is_some_and(|r| r.is_err()));
            "a `bytes` of length 1".into()
        }
        Kind::Bool => {
            let read = packs(Value::Int(5), &mut one)
                .and_then(|r| r.ok())
                .and_then(|r| r.ok());
            assert!(
                matches!(read, Some(Value::Bool(true))),
                "'?' keeps the truth of 5"
            );
            assert!(matches!(packs(Value::Bytes(vec![]), &mut one), Some(Ok(_))));
            "any object: its truth is stored".into()
        }
        Kind::Half => {
            assert!(matches!(
                packs(Value::Float(65504.0), &mut one),
                Some(Ok(_))
            ));
            assert!(packs(Value::Float(65520.0), &mut one).is_some_and(|r| r.is_err()));
            "a float or int; past ±65504 (after rounding), `ValueError`".into()
        }
        Kind::Single => {
            let read = packs(Value::Float(1e40), &mut one)
                .and_then(|r| r.ok())
                .and_then(|r| r.ok());
            assert!(matches!(read, Some(Value::Float(x)) if x == f64::INFINITY));
            "a float or int; past ±3.4e38 (after rounding), ±inf".into()
        }
        Kind::Double => {
            let read = packs(Value::Int(1), &mut one)
                .and_then(|r| r.ok())
                .and_then(|r| r.ok());
            assert!(matches!(read, Some(Value::Float(x)) if x == 1.0));
            "a float or int".into()
        }
        Kind::Pad => "nothing: a padding byte (`struct` only)".into(),
        Kind::Str => "`bytes` (`struct` only)".into(),
        Kind::Complex => "a complex (`struct` only)".into(),
    }
}

/// The "gives" column: what the crate's read of zero bytes is, for the
/// formats a view reads; the `struct` type for the others.
fn gives(c: char, kind: Kind) -> String {
    let Some(native) = Native::parse(&c.to_string()) else {
        return match kind {
            Kind::Pad => "nothing".into(),
            Kind::Str => "`bytes`".into(),
            _ => "`complex`".into(),
        };
    };
    match native.unpack(&vec![0u8; native.size()]) {
        Ok(Value::Int(_)) => "`int`".into(),
        Ok(Value::Float(_)) => "`float`".into(),
        Ok(Value::Bool(_)) => "`bool`".into(),
        Ok(Value::Bytes(b)) => format!("`bytes` of length {}", b.len()),
        Err(e) => panic!("{c}: {e}"),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The table, from the crate and the chapter's printed facts.
fn table(printed: &Printed) -> String {
    let mut rows = String::from(
        "| format | C type | size: native | size: standard | a write accepts | a read gives | byte format | a view reads it | since |\n\
         | :-: | --- | :-: | :-: | --- | --- | :-: | :-: | --- |\n",
    );
    for c in CHARS.chars() {
        let (ctype, kind) = describe(c);
        let native = Native::parse(&c.to_string());
        let (size64, size32, standard) = match c {
            'F' => (
                printed.complex.0,
                printed.complex.0,
                Some(printed.complex.0),
            ),
            'D' => (
                printed.complex.1,
                printed.complex.1,
                Some(printed.complex.2),
            ),
            _ => (
                lookup(&printed.native64, c).expect("a 64-bit size"),
                lookup(&printed.wasm32, c).expect("a wasm32 size"),
                lookup(&printed.standard, c).expect("a standard size entry"),
            ),
        };
        if !matches!(c, 'F' | 'D') {
            // The crate agrees with the interpreters on this 64-bit machine.
            if cfg!(all(target_pointer_width = "64", not(windows))) {
                let crate_size = native
                    .map(Native::size)
                    .or_else(|| calcsize(&c.to_string()));
                assert_eq!(crate_size, Some(size64), "native size of {c}");
            }
            let crate_standard = calcsize(&format!("={c}"));
            if matches!(kind, Kind::Str | Kind::Pad) || crate_standard.is_some() {
                assert_eq!(crate_standard, standard, "standard size of {c}");
            }
        }
        let native_size = if size64 == size32 {
            size64.to_string()
        } else {
            format!("{size64} / {size32} (wasm32)")
        };
        let is_byte = native.is_some_and(Native::is_byte);
        assert_eq!(is_byte, printed.byte_formats.contains(c), "byte format {c}");
        let reads = native.is_some();
        assert_eq!(
            reads,
            printed.reads_since_312.contains(c),
            "a view reads {c}"
        );
        let since = match c {
            'e' => {
                assert!(!printed.reads_before_312.contains('e'));
                "3.12 (a view)"
            }
            'F' | 'D' => "3.14 (`struct`)",
            _ => {
                assert_eq!(
                    reads,
                    printed.reads_before_312.contains(c),
                    "{c} before 3.12"
                );
                "—"
            }
        };
        rows.push_str(&format!(
            "| `{c}` | {ctype} | {native_size} | {} | {} | {} | {} | {} | {since} |\n",
            standard.map_or("—".into(), |n| n.to_string()),
            accepts(c, kind, size64, size32),
            gives(c, kind),
            yes_no(is_byte),
            yes_no(reads),
        ));
    }
    rows
}

/// The chapter's copy of the table: the text between the two markers.
fn chapter_copy(chapter: &str) -> (usize, usize) {
    let start = chapter
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{CHAPTER} lacks the marker {BEGIN}"))
        + BEGIN.len();
    let end = start
        + chapter[start..]
            .find(END)
            .unwrap_or_else(|| panic!("{CHAPTER} lacks the marker {END}"));
    (start, end)
}

#[test]
fn the_format_table_in_chapter_8_is_the_generated_one() {
    let path = ci::root().join(CHAPTER);
    let chapter = fs::read_to_string(&path).expect("chapter 8 can be read");
    let expected = table(&printed(&chapter));
    let (start, end) = chapter_copy(&chapter);
    if env::var("BLESS").is_ok_and(|v| v == "1") {
        let written = format!("{}{expected}{}", &chapter[..start], &chapter[end..]);
        fs::write(&path, written).expect("chapter 8 can be written");
        return;
    }
    assert!(
        chapter[start..end] == expected,
        "{CHAPTER}: the format table differs from the generated one \
         (`BLESS=1 cargo test --test format_table` rewrites it). Expected:\n{expected}"
    );
}

#[test]
fn the_table_has_a_row_for_every_struct_character() {
    let chapter = fs::read_to_string(ci::root().join(CHAPTER)).expect("chapter 8 can be read");
    let (start, end) = chapter_copy(&chapter);
    let rows: Vec<&str> = chapter[start..end].lines().skip(2).collect();
    assert_eq!(rows.len(), CHARS.chars().count(), "one row per character");
    for (row, c) in rows.iter().zip(CHARS.chars()) {
        assert!(row.starts_with(&format!("| `{c}` |")), "row for {c}: {row}");
    }
}

#[test]
fn a_wrong_range_would_be_caught() {
    // check_range panics when the crate disagrees with the stated range: a
    // 'b' claimed to be 2 bytes wide would accept 128, which 'b' refuses.
    let b = Native::parse("b").expect("b is native");
    let (_, hi, _) = int_range(Kind::Signed, 2);
    let mut out = [0u8; 1];
    assert!(b.pack(&Value::Int(hi), &mut out).is_err());
    let caught = std::panic::catch_unwind(|| check_range(b, Kind::Unsigned));
    assert!(
        caught.is_err(),
        "'b' is not unsigned, and check_range says so"
    );
}
