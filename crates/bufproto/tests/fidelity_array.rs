//! `array.array` against CPython: conversion errors per typecode (the
//! wider C type CPython converts through first), the typecode argument,
//! O(1) item access, and `clone` as a new object.

mod fidelity_common;

use std::time::Instant;

use bufproto::{Array, Error, ErrorKind, Exporter, MemoryView, Value};
use fidelity_common::{diff, lp64, outcome, python};

/// CPython 3.11 on x86-64 Linux, made by `ARRAY_SCRIPT` over `grid()`
/// (3.14 in Pyodide answers the same except where its C `long` is 4 bytes).
/// Regenerate: `FIDELITY_BLESS=1 cargo test -p bufproto --test fidelity_array`.
const TABLE: &str = include_str!("fidelity_array_table.txt");

/// Reads `typecode value` lines, prints `typecode value => outcome`.
const ARRAY_SCRIPT: &str = r#"
import array, sys
for line in sys.stdin.read().splitlines():
    tc, v = line.split(' ', 1)
    try:
        array.array(tc, [eval(v)])
        r = 'ok'
    except Exception as e:
        r = f'{type(e).__name__}: {e}'
    print(f'{line} => {r}')
"#;

/// Boundary values of every C type involved, both sides of each, and
/// non-integers.
fn values() -> Vec<&'static str> {
    let mut v = vec!["1.5", "b'x'", "True", "1e300"];
    v.extend([
        "0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "32767", "32768", "-32768",
        "-32769", "65535", "65536", "-65536", "2**31-1", "2**31", "-2**31", "-2**31-1", "2**32-1",
        "2**32", "-2**32", "2**63-1", "2**63", "-2**63", "-2**63-1", "2**64-1", "2**64", "-2**64",
        "2**70", "-2**70", "2**127-1", "-2**127",
    ]);
    v
}

fn grid() -> Vec<(char, &'static str)> {
    let mut g = Vec::new();
    for tc in "bBhHiIlLqQfd".chars() {
        for v in values() {
            g.push((tc, v));
        }
    }
    g
}

/// The tokens of `values()` as the crate's values.
fn value(token: &str) -> Value {
    match token {
        "1.5" => Value::Float(1.5),
        "1e300" => Value::Float(1e300),
        "b'x'" => Value::Bytes(b"x".to_vec()),
        "True" => Value::Bool(true),
        t => Value::Int(eval_int(t)),
    }
}

/// `[-]a` and `[-]2**k[-a]` (Python precedence: `-2**63-1` is
/// `-(2**63) - 1`) as an `i128`.
fn eval_int(t: &str) -> i128 {
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let Some(rest) = body.strip_prefix("2**") else {
        return t.parse::<i128>().expect("a literal");
    };
    let (k, adj) = match rest.split_once('-') {
        Some((k, a)) => (k, -a.parse::<i128>().expect("adjustment")),
        None => (rest, 0),
    };
    match (k.parse::<u32>().expect("exponent"), neg, adj) {
        // 2**127 does not fit an i128; these two ends do.
        (127, false, -1) => i128::MAX,
        (127, true, 0) => i128::MIN,
        (k, false, adj) => (1i128 << k) + adj,
        (k, true, adj) => -(1i128 << k) + adj,
    }
}

fn crate_table() -> String {
    let mut out = String::new();
    for (tc, v) in grid() {
        let r = Array::from_values(&tc.to_string(), [value(v)]);
        out.push_str(&format!("{tc} {v} => {}\n", outcome(&r)));
    }
    out
}

#[test]
fn conversion_errors_match_cpython_for_every_typecode() {
    if !lp64() {
        eprintln!("note: the table is for an 8-byte C long; skipped");
        return;
    }
    let input: String = grid().iter().map(|(t, v)| format!("{t} {v}\n")).collect();
    if let Some(py) = python(ARRAY_SCRIPT, &input) {
        if std::env::var_os("FIDELITY_BLESS").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fidelity_array_table.txt"
            );
            std::fs::write(path, &py).expect("table written");
        } else {
            let d = diff(TABLE, &py);
            assert!(
                d.is_empty(),
                "the committed table is stale:\n{}",
                d.join("\n")
            );
        }
    }
    let ours = crate_table();
    let d = diff(TABLE, &ours);
    assert!(
        d.is_empty(),
        "{} differences from CPython:\n{}",
        d.len(),
        d.join("\n")
    );
}

#[test]
fn the_issue_examples() {
    let e = |tc: &str, v: i128| Array::from_values(tc, [v]).unwrap_err().to_string();
    assert_eq!(
        e("b", -32769),
        "OverflowError: signed short integer is less than minimum"
    );
    if lp64() {
        for tc in ["b", "B", "h", "i"] {
            assert_eq!(
                e(tc, 1 << 70),
                "OverflowError: Python int too large to convert to C long"
            );
        }
        assert_eq!(
            e("I", 1 << 64),
            "OverflowError: Python int too large to convert to C unsigned long"
        );
    }
    assert_eq!(
        e("H", 1 << 31),
        "OverflowError: signed integer is greater than maximum"
    );
    // `set` and `append` convert the same way, and change nothing on failure.
    let mut a = Array::from_values("b", [1]).unwrap();
    assert_eq!(
        a.set(0, -32769).unwrap_err().to_string(),
        "OverflowError: signed short integer is less than minimum"
    );
    assert_eq!(
        a.append(40000).unwrap_err().to_string(),
        "OverflowError: signed short integer is greater than maximum"
    );
    assert_eq!(a.tolist().unwrap(), [Value::Int(1)]);
}

/// `array.array('')`, `array.array('bb')`: CPython 3.14.2 (Pyodide) says
/// "not a string of length N"; 3.11 said "not str". 3.14 is followed.
#[test]
fn typecode_must_be_one_character() {
    let msg = |s: &str| Array::new(s).unwrap_err();
    for (s, n) in [("", 0), ("bb", 2), ("é\u{2003}", 2), ("bbb", 3)] {
        let e = msg(s);
        assert_eq!(e.kind(), ErrorKind::TypeError, "{s:?}");
        assert_eq!(
            e.message(),
            format!("array() argument 1 must be a unicode character, not a string of length {n}")
        );
    }
    // One character that is no typecode: ValueError (both versions).
    for s in ["é", "x", "\0"] {
        assert_eq!(
            msg(s).to_string(),
            "ValueError: bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)"
        );
    }
    if let Some(py) = python(
        "import array\nfor s in ['', 'bb']:\n    try: array.array(s)\n    except TypeError as e: print(e)",
        "",
    ) {
        // 3.11 words it differently; only the kind and the stem are shared.
        for line in py.lines() {
            assert!(line.starts_with("array() argument 1 must be a unicode character, not "));
        }
    }
}

/// Time of `reps` calls of `f`, per call, in nanoseconds.
fn per_call(reps: u32, mut f: impl FnMut(u32)) -> f64 {
    let t = Instant::now();
    for k in 0..reps {
        f(k);
    }
    t.elapsed().as_nanos() as f64 / f64::from(reps)
}

/// `get`/`set` used to copy the whole array per call (O(len)): 100 times
/// more items must not cost anywhere near 100 times more per call. (Sizes
/// kept small so that an O(len) regression fails in seconds, not hours.)
#[test]
fn get_and_set_do_not_depend_on_the_length() -> Result<(), Error> {
    let small = Array::from_values("d", (0..1_000).map(f64::from))?;
    let big = Array::from_values("d", (0..100_000).map(f64::from))?;
    let run = |a: &Array| {
        let n = a.len() as u32;
        per_call(200, |k| {
            let i = (k * 7919 % n) as isize;
            let v = a.get(i).unwrap();
            a.set(i, v).unwrap();
        })
    };
    // Interleaved rounds, the fastest of each: a shared, loaded machine
    // preempts some rounds, never speeds one up.
    let (mut s, mut b) = (f64::MAX, f64::MAX);
    for _ in 0..7 {
        s = s.min(run(&small));
        b = b.min(run(&big));
    }
    eprintln!("get+set: {s:.0} ns/call at 1e3 items, {b:.0} ns/call at 1e5 items");
    assert!(b < s * 10.0 + 5_000.0, "{b} ns vs {s} ns: not O(1)");
    assert_eq!(big.get(-1)?, Value::Float(99_999.0));
    assert_eq!(
        big.get(100_000).unwrap_err().to_string(),
        "IndexError: array index out of range"
    );
    assert_eq!(
        big.set(-100_001, 1.0).unwrap_err().to_string(),
        "IndexError: array assignment index out of range"
    );
    Ok(())
}

/// After a failed or successful `set`, the other items and a live view
/// agree with what CPython would hold.
#[test]
fn set_writes_in_place_under_a_view() -> Result<(), Error> {
    let a = Array::from_values("h", [1, 2, 3])?;
    let m = MemoryView::new(&a)?;
    a.set(1, -7)?;
    assert_eq!(m.tolist()?.to_string(), "[1, -7, 3]");
    assert!(a.set(2, 1 << 15).is_err());
    assert_eq!(a.tolist()?, [Value::Int(1), Value::Int(-7), Value::Int(3)]);
    Ok(())
}

/// `copy.copy(a)` / `array(a.typecode, a)` is a new object: a view of the
/// copy does not report the original as its `obj`.
#[test]
fn clone_is_a_new_object() -> Result<(), Error> {
    let a = Array::from_values("i", [1, 2])?;
    let c = a.clone();
    let m = MemoryView::new(&c)?;
    assert!(!m.obj()?.is(&a));
    assert!(m.obj()?.is(&c));
    assert_ne!(a.obj_ref(), c.obj_ref());
    c.set(0, 9)?;
    assert_eq!(a.get(0)?, Value::Int(1));
    assert_eq!(c.tolist()?, [Value::Int(9), Value::Int(2)]);
    Ok(())
}

/// After `a.pop(0)` the items start one item into the storage (the
/// bytearray advances its start, as CPython's does): `get`/`set` address
/// from there. CPython: `a = array('i', [1, 2, 3]); a.pop(0); a[1] = 9` →
/// `array('i', [2, 9])`.
#[test]
fn get_and_set_after_the_start_moved() -> Result<(), Error> {
    let mut a = Array::from_values("i", [1, 2, 3])?;
    assert_eq!(a.pop(Some(0))?, Value::Int(1));
    assert_eq!((a.get(0)?, a.get(-1)?), (Value::Int(2), Value::Int(3)));
    a.set(1, 9)?;
    assert_eq!(format!("{a:?}"), "array('i', [2, 9])");
    assert_eq!(MemoryView::new(&a)?.tolist()?.to_string(), "[2, 9]");
    Ok(())
}
