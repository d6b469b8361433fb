//! Format strings through `calcsize`, `MemoryView::cast`, `NdArray::new`
//! and `Array::new`.

use bufproto::{format, Array, ByteArray, MemoryView, NdArray};
use proptest::prelude::*;

use super::outcome;
use crate::harness::{self, fail, same, Check};
use crate::models;

/// Formats that parse, whose every prefix is tried.
const VALID: &[&str] = &[
    "B", "@b", "<i", ">q", "=e", "!d", "bi", "@bi", "3s", "10p", "0s", "2x", "?", "@P", "nN",
    "<2h3I", " b i ", "T{i}", "T{<b:a:}", "(2,3)i", "&B", "Zd", "w", "u", "@e", "4096B",
];

/// Counts around every boundary: 2**63 - 1, 2**63, 2**64 - 1, 2**64, more.
const COUNTS: &[&str] = &[
    "0",
    "1",
    "7",
    "4611686018427387904",
    "1152921504606846976",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "00000000000000000000001",
];

const ALPHABET: &[char] = &[
    '@',
    '=',
    '<',
    '>',
    '!',
    'x',
    'c',
    'b',
    'B',
    '?',
    'h',
    'H',
    'i',
    'I',
    'l',
    'L',
    'q',
    'Q',
    'n',
    'N',
    'f',
    'd',
    'e',
    'P',
    's',
    'p',
    'w',
    'u',
    'T',
    '{',
    '}',
    ':',
    '(',
    ')',
    '&',
    '^',
    ' ',
    '\t',
    '\n',
    '0',
    '1',
    '9',
    '\0',
    'é',
    '\u{2003}',
    '\u{1d11e}',
    'Z',
];

pub fn format_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::collection::vec(prop::sample::select(ALPHABET), 0..12)
            .prop_map(|v| v.into_iter().collect()),
        (prop::sample::select(VALID), any::<prop::sample::Index>()).prop_map(|(f, i)| {
            let cut: Vec<usize> = (0..=f.len()).filter(|&k| f.is_char_boundary(k)).collect();
            f[..cut[i.index(cut.len())]].to_string()
        }),
        (
            prop::sample::select(vec!["", "@", "<", ">", "=", "!"]),
            prop::sample::select(COUNTS),
            prop::sample::select(vec![
                "x", "c", "B", "h", "i", "q", "d", "s", "p", "e", "P", ""
            ]),
            prop::sample::select(vec!["", "B", "0x", "1Q", "i"]),
        )
            .prop_map(|(o, n, c, t)| format!("{o}{n}{c}{t}")),
        (
            1usize..5000,
            prop::sample::select(vec!["B", "bi", "x", " "])
        )
            .prop_map(|(n, p)| p.repeat(n)),
    ]
}

/// `MemoryView::cast` of a `len`-byte `bytearray` view, modelled on
/// `memory_cast` + `cast_to_1D` (Objects/memoryobject.c).
fn cast_model(fmt: &str, len: usize) -> Result<(String, usize), String> {
    if !fmt.is_ascii() {
        // CPython: UnicodeEncodeError, which the crate has no kind for.
        return Err("UnicodeEncodeError".into());
    }
    let c = models::c_string(fmt);
    let Some((_, size)) = models::native_fmtchar(c) else {
        return Err("ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'".into());
    };
    if !len.is_multiple_of(size) {
        return Err("TypeError: memoryview: length is not a multiple of itemsize".into());
    }
    Ok((c.to_string(), len / size))
}

/// `array.array(typecode)` in 3.14 (Modules/arraymodule.c, `array_new`).
fn array_model(tc: &str) -> Result<usize, String> {
    let n = tc.chars().count();
    if n != 1 {
        let what = if n == 0 {
            "a string of length 0".to_string()
        } else {
            format!("a string of length {n}")
        };
        return Err(format!(
            "TypeError: array() argument 1 must be a unicode character, not {what}"
        ));
    }
    match tc {
        "b" | "B" => Ok(1),
        "h" | "H" => Ok(2),
        "i" | "I" | "f" => Ok(4),
        "l" | "L" | "q" | "Q" | "d" => Ok(8),
        _ => Err(
            "ValueError: bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)".into(),
        ),
    }
}

fn check(fmt: String, len: usize, k: usize) -> Check {
    let model_size = models::calcsize(&fmt);
    same(
        &format!("calcsize({fmt:?})"),
        format::calcsize(&fmt),
        model_size,
    )?;

    let ba = ByteArray::zeroed(len).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let m = MemoryView::new(&ba).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let got = outcome(
        m.cast(&fmt)
            .and_then(|v| Ok((v.format()?.to_string(), v.len()?))),
    );
    match (cast_model(&fmt, len), got) {
        (Err(u), Err(_)) if u == "UnicodeEncodeError" => {}
        (Err(u), Ok(v)) if u == "UnicodeEncodeError" => {
            return fail(format!(
                "cast({fmt:?}) succeeded with {v:?}; CPython raises UnicodeEncodeError"
            ));
        }
        (model, got) => same(&format!("cast({fmt:?}) of {len} bytes"), got, model)?,
    }

    // NdArray: itemsize from struct.calcsize, as _testbuffer does.
    let data_len = model_size
        .and_then(|s| s.checked_mul(k))
        .filter(|&n| n <= 1 << 16);
    let nd = NdArray::new(
        vec![0; data_len.unwrap_or(0)],
        &fmt,
        vec![k],
        None,
        0,
        false,
    );
    match (model_size, &nd) {
        (None | Some(0), Ok(_)) => {
            return fail(format!(
                "NdArray::new accepted format {fmt:?}, which struct refuses"
            ))
        }
        (Some(s), Err(e)) if s > 0 && (data_len.is_some() || k == 0) => {
            return fail(format!(
                "NdArray::new refused format {fmt:?} (size {s}, shape [{k}]): {e}"
            ));
        }
        (Some(s), Ok(nd)) => {
            let v = MemoryView::new(nd).map_err(|e| TestCaseError::fail(e.to_string()))?;
            same("itemsize", v.itemsize().ok(), Some(s))?;
            same(
                "tobytes length",
                v.tobytes().map(|b| b.len()).ok(),
                Some(s * k),
            )?;
            let _ = v.tolist();
            let _ = v.hex();
            let _ = v.equals(&v);
        }
        _ => {}
    }
    same(
        &format!("Array::new({fmt:?})"),
        outcome(Array::new(&fmt).map(|a| a.itemsize())),
        array_model(&fmt),
    )
}

#[test]
fn format_strings() {
    harness::run(
        "format_strings",
        2000,
        (format_string(), 0usize..33, 0usize..4),
        |(f, len, k)| check(f, len, k),
    );
}

/// Pins a reproducer `format_strings` found: CPython reads the format as a
/// C string, so `m.cast('B\0x')` is a `'B'` cast (3.11 and 3.14 agree).
#[test]
fn cast_format_cut_at_nul() {
    let ba = ByteArray::zeroed(4).expect("4 bytes");
    let m = MemoryView::new(&ba).expect("view");
    for (f, want) in [
        ("B\0x", Ok(("B", 4))),
        ("@h\0", Ok(("@h", 2))),
        ("\0B", Err(())),
        // Non-ASCII fails before the C string is cut (UnicodeEncodeError).
        ("c\0é", Err(())),
    ] {
        let got = m.cast(f).map(|v| (v.format().map(str::to_string), v.len()));
        match (got, want) {
            (Ok((Ok(fmt), Ok(n))), Ok((wf, wn))) => {
                assert_eq!((fmt.as_str(), n), (wf, wn), "{f:?}")
            }
            (Err(_), Err(())) => {}
            (got, want) => panic!("cast({f:?}): {got:?}, CPython {want:?}"),
        }
    }
}
