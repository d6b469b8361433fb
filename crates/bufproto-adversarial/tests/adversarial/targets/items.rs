//! Item get/set with out-of-range values for every format: memoryview's
//! `pack_single` (every native format) and `array`'s setitem functions
//! (every typecode), each against a model of the format's range.

use bufproto::format::Value;
use bufproto::{Array, ByteArray, MemoryView};
use proptest::prelude::*;

use super::{extreme_isize, outcome};
use crate::harness::{self, fail, same, Check};
use crate::models::{self, NATIVE};

/// Integers at and around every C type's limits, and any others.
fn int_value() -> impl Strategy<Value = i128> {
    let mut edges = vec![0i128, 1, -1];
    for k in [7u32, 8, 15, 16, 31, 32, 63, 64, 70, 126] {
        for d in [-1i128, 0, 1] {
            edges.push((1i128 << k) + d);
            edges.push(-(1i128 << k) + d);
        }
    }
    edges.push(i128::MAX);
    edges.push(i128::MIN);
    prop_oneof![
        prop::sample::select(edges),
        any::<i64>().prop_map(i128::from),
        any::<i128>()
    ]
}

pub fn value() -> impl Strategy<Value = Value> {
    let floats = vec![
        0.0,
        -0.0,
        1.5,
        -2.5,
        65504.0,
        65519.99,
        65520.0,
        -65520.0,
        6.0e-8,
        1e-300,
        1e300,
        f64::from(f32::MAX) * 2.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    prop_oneof![
        4 => int_value().prop_map(Value::Int),
        1 => prop::sample::select(floats).prop_map(Value::Float),
        1 => any::<f64>().prop_map(Value::Float),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => prop::collection::vec(any::<u8>(), 0..3).prop_map(Value::Bytes),
    ]
}

/// `pack_single` (Objects/memoryobject.c): what storing `v` with format `c`
/// does: the bytes written, or the error.
fn pack_model(c: char, size: usize, v: &Value) -> Result<Vec<u8>, String> {
    let bad_type = || {
        Err(format!(
            "TypeError: memoryview: invalid type for format '{c}'"
        ))
    };
    let bad_value = || {
        Err(format!(
            "ValueError: memoryview: invalid value for format '{c}'"
        ))
    };
    let as_int = match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i128::from(*b)),
        _ => None,
    };
    match c {
        'c' => match v {
            Value::Bytes(b) if b.len() == 1 => Ok(b.clone()),
            Value::Bytes(_) => bad_value(),
            _ => bad_type(),
        },
        '?' => Ok(vec![u8::from(match v {
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Bool(b) => *b,
            Value::Bytes(b) => !b.is_empty(),
        })]),
        'f' | 'd' | 'e' => {
            let d = match (v, as_int) {
                (Value::Float(f), _) => *f,
                (_, Some(i)) => i as f64,
                _ => return bad_type(),
            };
            match c {
                'f' => Ok((d as f32).to_le_bytes().to_vec()),
                'd' => Ok(d.to_le_bytes().to_vec()),
                // PyFloat_Pack2: a finite value that rounds past 65504
                // overflows (65520 is the tie, rounding to even = 2**16).
                _ if d.is_finite() && d.abs() >= 65520.0 => bad_value(),
                _ => Ok(nearest_half(d).to_le_bytes().to_vec()),
            }
        }
        _ => {
            let Some(i) = as_int else { return bad_type() };
            let Some((lo, hi)) = models::int_range(c) else {
                return bad_type();
            };
            if i < lo || i > hi {
                return bad_value();
            }
            Ok((i as u64).to_le_bytes()[..size].to_vec())
        }
    }
}

/// The binary16 nearest to `d` (ties to even), by search over the 2**15
/// magnitudes with [`models::half`] — slow but independent of any packing
/// code. Infinities and NaN map to their encodings.
fn nearest_half(d: f64) -> u16 {
    let sign: u16 = if d.is_sign_negative() { 0x8000 } else { 0 };
    if d.is_nan() {
        return 0x7e00 | sign;
    }
    let a = d.abs();
    if a.is_infinite() {
        return 0x7c00 | sign;
    }
    // Binary search on the monotone magnitudes 0..=0x7bff.
    let (mut lo, mut hi) = (0u16, 0x7bffu16);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if models::half(mid) <= a {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    let below = lo;
    let best = if below < 0x7bff {
        let (x, y) = (a - models::half(below), models::half(below + 1) - a);
        if y < x || (y == x && below % 2 == 1) {
            below + 1
        } else {
            below
        }
    } else {
        below
    };
    best | sign
}

fn tc_err(e: bufproto::Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn check_view(f: usize, at: bool, index: isize, v: Value) -> Check {
    let (c, size) = NATIVE[f];
    let fmt = if at { format!("@{c}") } else { c.to_string() };
    let n = 3usize;
    let ba = ByteArray::from((0..n * size).map(|i| i as u8).collect::<Vec<u8>>());
    let before = ba.to_vec();
    let m = MemoryView::new(&ba)
        .and_then(|m| m.cast(&fmt))
        .map_err(tc_err)?;
    let got = outcome(m.set(index, v.clone()));
    // ptr_from_index: a negative index counts from the end.
    let p = if index < 0 {
        index.checked_add(n as isize)
    } else {
        Some(index)
    };
    let Some(p) = p
        .filter(|&p| (0..n as isize).contains(&p))
        .map(|p| p as usize)
    else {
        same(
            &format!("set({index}) on {n} items"),
            got,
            Err("IndexError: index out of bounds on dimension 1".into()),
        )?;
        return same("contents after a failed set", ba.to_vec(), before);
    };
    match pack_model(c, size, &v) {
        Err(e) => {
            same(&format!("set({v:?}) with format {fmt}"), got, Err(e))?;
            same("contents after a failed set", ba.to_vec(), before)
        }
        Ok(bytes) => {
            same(&format!("set({v:?}) with format {fmt}"), got, Ok(()))?;
            let mut expect = before.clone();
            expect[p * size..(p + 1) * size].copy_from_slice(&bytes);
            same(
                &format!("bytes after set({v:?}) with {fmt}"),
                ba.to_vec(),
                expect,
            )?;
            let item = m.get(index).map_err(tc_err)?;
            let model = models::unpack(c, &bytes);
            if !same_item(&item, &model) {
                return fail(format!(
                    "get after set({v:?}) with {fmt}: crate {item:?}, model {model:?}"
                ));
            }
            Ok(())
        }
    }
}

/// The crate's `Value` against the model's `Item`, NaN equal to NaN.
fn same_item(v: &Value, m: &models::Item) -> bool {
    match (v, m) {
        (Value::Float(a), models::Item::Float(b)) => {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (Value::Int(a), models::Item::Int(b)) => a == b,
        (Value::Bool(a), models::Item::Bool(b)) => a == b,
        (Value::Bytes(a), models::Item::Byte(b)) => a[..] == [*b],
        _ => false,
    }
}

/// `array`'s setitem functions (Modules/arraymodule.c) on a 64-bit
/// platform: each converts through a wider C type first (`PyArg_Parse`
/// with `h`, `b`, `i`; `PyLong_AsLong`; `PyLong_AsUnsignedLong`;
/// `PyLong_AsLongLong`), so the message names the first conversion that
/// fails. Returns the value the array stores.
pub fn array_model(tc: char, v: &Value) -> Result<Value, String> {
    fn of<T>(m: &str) -> Result<T, String> {
        Err(format!("OverflowError: {m}"))
    }
    if matches!(tc, 'f' | 'd') {
        return match v {
            Value::Bytes(_) => Err("TypeError: must be real number, not bytes".into()),
            Value::Float(f) => Ok(Value::Float(if tc == 'f' {
                f64::from(*f as f32)
            } else {
                *f
            })),
            Value::Int(i) => Ok(Value::Float(if tc == 'f' {
                f64::from(*i as f64 as f32)
            } else {
                *i as f64
            })),
            Value::Bool(b) => Ok(Value::Float(f64::from(u8::from(*b)))),
        };
    }
    let i = match v {
        Value::Int(i) => *i,
        Value::Bool(b) => i128::from(*b),
        Value::Float(_) => {
            return Err("TypeError: 'float' object cannot be interpreted as an integer".into())
        }
        Value::Bytes(_) => {
            return Err("TypeError: 'bytes' object cannot be interpreted as an integer".into())
        }
    };
    let long = i128::from(i64::MIN)..=i128::from(i64::MAX);
    let ulong = 0..=i128::from(u64::MAX);
    let range = |lo: i128, hi: i128, less: &str, more: &str| -> Result<(), String> {
        if i < lo {
            of(less)
        } else if i > hi {
            of(more)
        } else {
            Ok(())
        }
    };
    match tc {
        'b' | 'B' | 'h' | 'H' | 'i' | 'l' if !long.contains(&i) => {
            return of("Python int too large to convert to C long")
        }
        'q' if !long.contains(&i) => return of("int too big to convert"),
        'I' | 'L' if i < 0 => return of("can't convert negative value to unsigned int"),
        'I' | 'L' if !ulong.contains(&i) => {
            return of("Python int too large to convert to C unsigned long")
        }
        'Q' if i < 0 => return of("can't convert negative int to unsigned"),
        'Q' if !ulong.contains(&i) => return of("int too big to convert"),
        _ => {}
    }
    match tc {
        'b' => {
            range(
                -32768,
                32767,
                "signed short integer is less than minimum",
                "signed short integer is greater than maximum",
            )?;
            range(
                -128,
                127,
                "signed char is less than minimum",
                "signed char is greater than maximum",
            )?;
        }
        'B' => range(
            0,
            255,
            "unsigned byte integer is less than minimum",
            "unsigned byte integer is greater than maximum",
        )?,
        'h' => range(
            -32768,
            32767,
            "signed short integer is less than minimum",
            "signed short integer is greater than maximum",
        )?,
        'H' | 'i' => {
            range(
                -(1 << 31),
                (1 << 31) - 1,
                "signed integer is less than minimum",
                "signed integer is greater than maximum",
            )?;
            if tc == 'H' {
                range(
                    0,
                    65535,
                    "unsigned short is less than minimum",
                    "unsigned short is greater than maximum",
                )?;
            }
        }
        'I' => range(0, (1 << 32) - 1, "", "unsigned int is greater than maximum")?,
        _ => {}
    }
    Ok(Value::Int(i))
}

pub const TYPECODES: &[char] = &['b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd'];

pub fn value_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b,
    }
}

fn check_array(t: usize, index: isize, v: Value) -> Check {
    let tc = TYPECODES[t];
    let mut a = Array::from_values(&tc.to_string(), [1, 2, 3]).map_err(tc_err)?;
    let before = a.tobytes().to_vec();
    let model = array_model(tc, &v);
    let in_range = (-3..3).contains(&index);
    let got = outcome(a.set(index, v.clone()));
    let expect = match (&model, in_range) {
        (_, false) => Err("IndexError: array assignment index out of range".into()),
        (Err(e), true) => Err(e.clone()),
        (Ok(_), true) => Ok(()),
    };
    same(
        &format!("array('{tc}')[{index}] = {v:?}"),
        got.clone(),
        expect,
    )?;
    if got.is_err() {
        same(
            "array after a failed set",
            a.tobytes().to_vec(),
            before.clone(),
        )?;
    } else if let Ok(m) = &model {
        let stored = a.get(index).map_err(tc_err)?;
        if !value_eq(&stored, m) {
            return fail(format!("array('{tc}') stored {stored:?}, model {m:?}"));
        }
    }
    let len = a.len();
    let got = outcome(a.append(v.clone()));
    same(
        &format!("array('{tc}').append({v:?})"),
        got.clone(),
        model.map(|_| ()),
    )?;
    same(
        "array length after append",
        a.len(),
        len + usize::from(got.is_ok()),
    )
}

#[test]
fn item_get_set() {
    harness::run(
        "item_get_set",
        2000,
        (
            0..NATIVE.len(),
            any::<bool>(),
            prop_oneof![-4isize..4, extreme_isize()],
            value(),
        ),
        |(f, at, i, v)| check_view(f, at, i, v),
    );
}

#[test]
fn array_item_set() {
    harness::run(
        "array_item_set",
        2000,
        (
            0..TYPECODES.len(),
            prop_oneof![-4isize..4, extreme_isize()],
            value(),
        ),
        |(t, i, v)| check_array(t, i, v),
    );
}

/// The array model reproduces CPython 3.11's answers on x86-64 (the file
/// was made with `array.array(tc, [0])[0] = v` for each line's `tc`, `v`).
#[test]
fn array_model_matches_cpython_table() {
    let table = include_str!("../data/array_setitem_cpython_3_11_x86_64.txt");
    let mut n = 0;
    for line in table.lines() {
        let (tc, rest) = line.split_once(' ').expect("typecode");
        let (v, want) = rest.split_once(": ").expect("value: result");
        let v = match v {
            "True" => Value::Bool(true),
            "1.5" => Value::Float(1.5),
            "1e+300" => Value::Float(1e300),
            "b'a'" => Value::Bytes(b"a".to_vec()),
            s => Value::Int(s.parse().expect("int")),
        };
        let tc = tc.chars().next().expect("char");
        let got = match array_model(tc, &v) {
            Ok(_) => "ok".to_string(),
            Err(e) => e,
        };
        assert_eq!(got, want, "model for array('{tc}') with {v:?}");
        n += 1;
    }
    assert!(n > 300, "{n} lines");
}
