//! `struct` formats as `memoryview` uses them: pure functions from a format
//! string and bytes to a [`Value`] and back.
//!
//! `memoryview` supports item access only for *native single-character*
//! formats, optionally prefixed with `@`: [`Native`]. Every other format
//! (`"<i"`, `"2i"`, `"T{...}"`) can still be viewed raw, but item access fails
//! with `NotImplementedError: memoryview: unsupported format <i`, as CPython's
//! does; equality compares such items through [`struct_unpack`], a small
//! model of the `struct` module.
//!
//! The helpers that reproduce CPython internals for the book's chapters and
//! for the Python bridge (`float_repr`, `adjust_fmt`, `item_format`,
//! `half_to_f64`, `f64_to_half`, `struct_size`) stay public, so the book's
//! examples can call them, but are hidden from these docs: they are not the
//! crate's API and may change with the chapters.
//!
//! Item sizes of native formats are those of the host platform, as CPython's
//! are (`l`, `L`, `n`, `N`, `P` are 8 bytes on x86-64 and 4 on wasm32).
//! Byte order is the host's, as CPython's native formats' is (little-endian
//! on every target the crate is tested on; see [`Native::unpack`]).
//!
//! ```
//! use bufproto::format::{Native, Value};
//! # fn main() -> Result<(), bufproto::Error> {
//! let h = Native::parse("@h").unwrap();
//! assert_eq!((h.char(), h.size()), ('h', 2));
//! let mut out = [0u8; 2];
//! h.pack(&Value::Int(-2), &mut out)?;
//! assert_eq!(out, [0xfe, 0xff]);
//! assert_eq!(h.unpack(&out)?, Value::Int(-2));
//! assert_eq!(h.pack(&Value::Int(40000), &mut out).unwrap_err().to_string(),
//!            "ValueError: memoryview: invalid value for format 'h'");
//! # Ok(()) }
//! ```

use std::fmt;

use crate::error::{Error, ErrorKind, Result};
use crate::hex;

/// A Python value read from or written to one item of a view.
///
/// * `Int` is an `i128` so that every native integer format (up to `u64`
///   and `i64`) fits, and so that out-of-range values such as `2**64` can be
///   passed in and refused with CPython's `ValueError`.
/// * `Float` is an `f64`: Python's `float` (formats `f`, `d`, `e`).
/// * `Bool` is Python's `bool` (format `?`).
/// * `Bytes` is a `bytes` object (format `c` reads a 1-byte `bytes`; writing
///   one of another length is CPython's `ValueError`).
///
/// `PartialEq` is Python's `==`: `Int(1) == Float(1.0) == Bool(true)`,
/// comparisons between ints and floats are exact, `NaN != NaN`, and bytes
/// never equal numbers. Because of `NaN` there is no `Eq`. `Display` is
/// Python's `repr` (`1.0`, `1e+16`, `True`, `b'a'`).
///
/// ```
/// use bufproto::format::Value;
/// assert_eq!(Value::Int(1), Value::Float(1.0));
/// assert_eq!(Value::Bool(true), Value::Int(1));
/// assert_ne!(Value::Float(f64::NAN), Value::Float(f64::NAN));
/// assert_ne!(Value::Int((1 << 53) + 1), Value::Float((1u64 << 53) as f64));
/// assert_eq!(Value::Float(1e16).to_string(), "1e+16");
/// assert_eq!(Value::from(&b"a"[..]).to_string(), "b'a'");
/// ```
#[derive(Clone, Debug)]
pub enum Value {
    /// A Python `int`.
    Int(i128),
    /// A Python `float`.
    Float(f64),
    /// A Python `bool`.
    Bool(bool),
    /// A Python `bytes`.
    Bytes(Vec<u8>),
}

impl Value {
    /// The value as Python's `__index__` sees it (ints and bools).
    #[inline]
    fn as_index(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i128::from(*b)),
            _ => None,
        }
    }

    /// Python's truth value (`bool(v)`). Cost: O(1).
    ///
    /// ```
    /// use bufproto::format::Value;
    /// assert!(!Value::Bytes(vec![]).truthy());
    /// assert!(Value::Float(f64::NAN).truthy());
    /// ```
    pub fn truthy(&self) -> bool {
        match self {
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Bool(b) => *b,
            Value::Bytes(b) => !b.is_empty(),
        }
    }
}

/// Whether the integer `i` equals the float `f` exactly, as Python compares.
fn int_eq_float(i: i128, f: f64) -> bool {
    if !f.is_finite() || f.fract() != 0.0 || f.abs() >= 1.7e38 {
        return false;
    }
    // f is an integer below 2**127 in magnitude: the cast is exact.
    f as i128 == i
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Float(a), Float(b)) => a == b,
            (Float(f), x) | (x, Float(f)) => match x.as_index() {
                Some(i) => int_eq_float(i, *f),
                None => false,
            },
            (Bytes(a), Bytes(b)) => a == b,
            (Bytes(_), _) | (_, Bytes(_)) => false,
            (a, b) => a.as_index() == b.as_index(),
        }
    }
}

macro_rules! int_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value { Value::Int(v as i128) }
        }
    )*};
}
int_from!(u8, i8, u16, i16, u32, i32, u64, i64, i128, usize, isize);

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}
impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Float(f64::from(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Bytes(v.to_vec())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}

/// `value == 104`, `value == 1.5`, `value == true`, `value == b"a"`: Python's
/// `==` between an item and a Rust literal, as [`Value`]'s own `PartialEq`.
///
/// ```
/// use bufproto::format::Value;
/// assert_eq!(Value::Int(104), 104);
/// assert_eq!(Value::Bool(true), 1);
/// assert_eq!(Value::Float(1.5), 1.5);
/// assert_eq!(Value::Bytes(b"a".to_vec()), b"a"[..]);
/// assert_ne!(Value::Bytes(b"a".to_vec()), 97);
/// ```
macro_rules! value_eq {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Value {
            // A `Value` made from a number holds no allocation.
            #[allow(clippy::cmp_owned)]
            fn eq(&self, other: &$t) -> bool {
                *self == Value::from(*other)
            }
        }
    )*};
}
// One integer and one float type only, so that `value == 104` infers `i64`.
value_eq!(i64, f64, bool);

impl PartialEq<[u8]> for Value {
    fn eq(&self, other: &[u8]) -> bool {
        matches!(self, Value::Bytes(b) if b.as_slice() == other)
    }
}

impl fmt::Display for Value {
    /// Python's `repr`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => f.write_str(&float_repr(*x)),
            Value::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            Value::Bytes(b) => f.write_str(&hex::repr(b, false)),
        }
    }
}

/// Python's `repr(float)`: the shortest string that round-trips, in fixed
/// notation for decimal exponents `-4..16` and scientific otherwise. Cost:
/// O(1).
///
/// ```
/// use bufproto::format::float_repr;
/// assert_eq!(float_repr(1.0), "1.0");
/// assert_eq!(float_repr(1e16), "1e+16");
/// assert_eq!(float_repr(1e-5), "1e-05");
/// assert_eq!(float_repr(-0.0), "-0.0");
/// assert_eq!(float_repr(f64::NAN), "nan");
/// ```
#[doc(hidden)]
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digit count, e.g. "1.5e-7";
    // re-rounding exactly to that many digits picks, like Python, the
    // closest such string (ties to even: 1.1682510375976562e-05, not ...63).
    let shortest = format!("{:e}", x.abs());
    let ndigits = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let exact = format!("{:.*e}", ndigits.saturating_sub(1), x.abs());
    // At powers of two the closest string may not round-trip (2**-140).
    let s = if exact.parse::<f64>().ok() == Some(x.abs()) {
        exact
    } else {
        shortest
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if exp + 1 >= n {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{esign}{:02}", exp.abs())
    }
}

/// A native single-character format that `memoryview` supports for item
/// access and as a `cast` destination: `c b B ? h H i I l L q Q n N f d e P`,
/// optionally written with a leading `@`.
///
/// ```
/// use bufproto::format::Native;
/// assert_eq!(Native::parse("@q").map(|n| n.size()), Some(8));
/// assert_eq!(Native::parse("<q"), None);
/// assert_eq!(Native::parse("2B"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Native(u8);

/// The native format characters (CPython's `get_native_fmtchar`), each
/// after an `@`: the crate's one list of them. Slices of it are the
/// `'static` format strings a [`Layout`](crate::layout::Layout) keeps
/// without allocating (`"B"` is `NATIVE_AT[5..6]`, `"@B"` is `[4..6]`).
const NATIVE_AT: &str = "@c@b@B@?@h@H@i@I@l@L@q@Q@n@N@f@d@e@P";

/// For each byte, 1 + its position in [`NATIVE_AT`]'s characters, or 0 if
/// it is not a native format character: an O(1) test on the path of every
/// view's creation (`NATIVE_AT.contains` would call `memchr`).
const NATIVE_POS: [u8; 256] = {
    let b = NATIVE_AT.as_bytes();
    let mut t = [0u8; 256];
    let mut k = 0;
    while 2 * k + 1 < b.len() {
        t[b[2 * k + 1] as usize] = k as u8 + 1;
        k += 1;
    }
    t
};

/// `fmt` as a `'static` string if it is a native format (with or without
/// `@`), so that a layout can keep it without allocating. Cost: O(1).
pub(crate) fn static_native(fmt: &str) -> Option<&'static str> {
    let with_at = fmt.starts_with('@');
    let Native(c) = Native::parse(fmt)?;
    let k = usize::from(NATIVE_POS[usize::from(c)].checked_sub(1)?);
    let from = if with_at { 2 * k } else { 2 * k + 1 };
    NATIVE_AT.get(from..2 * k + 2)
}

impl Native {
    /// CPython's `get_native_fmtchar`: `fmt` must be one native character,
    /// optionally after `@`. Cost: O(1).
    ///
    /// ```
    /// assert!(bufproto::format::Native::parse("e").is_some());
    /// ```
    pub fn parse(fmt: &str) -> Option<Native> {
        let f = fmt.strip_prefix('@').unwrap_or(fmt).as_bytes();
        match f {
            [c] if NATIVE_POS[usize::from(*c)] != 0 => Some(Native(*c)),
            _ => None,
        }
    }

    /// The format character. Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::format::Native::parse("@B").unwrap().char(), 'B');
    /// ```
    pub fn char(self) -> char {
        char::from(self.0)
    }

    /// Item size in bytes on this platform (`struct.calcsize`). Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::format::Native::parse("P").unwrap().size(), std::mem::size_of::<usize>());
    /// ```
    pub fn size(self) -> usize {
        match self.0 {
            b'c' | b'b' | b'B' | b'?' => 1,
            b'h' | b'H' | b'e' => 2,
            b'i' | b'I' | b'f' => 4,
            b'q' | b'Q' | b'd' => 8,
            // C long is pointer-sized on every LP64/ILP32 target Rust supports
            // except 64-bit Windows (LLP64), where it is 4.
            b'l' | b'L' => {
                if cfg!(windows) {
                    4
                } else {
                    std::mem::size_of::<usize>()
                }
            }
            _ => std::mem::size_of::<usize>(), // n N P
        }
    }

    /// Alignment in bytes (native `@` alignment, equal to the size for
    /// every native format). Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::format::Native::parse("d").unwrap().align(), 8);
    /// ```
    pub fn align(self) -> usize {
        self.size()
    }

    /// Whether this is a byte format (`b`, `B`, `c`), CPython's
    /// `IS_BYTE_FORMAT`: casts need one on either side. Cost: O(1).
    ///
    /// ```
    /// assert!(bufproto::format::Native::parse("c").unwrap().is_byte());
    /// assert!(!bufproto::format::Native::parse("?").unwrap().is_byte());
    /// ```
    pub fn is_byte(self) -> bool {
        matches!(self.0, b'b' | b'B' | b'c')
    }

    /// `unpack_single`: the value of one item (`bytes.len()` must be
    /// [`size`](Native::size)). `?` reads any non-zero byte as `True`
    /// (CPython's result there depends on its C compiler; x86-64 GCC builds
    /// do this). Half floats (`e`) convert exactly. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError: memoryview: invalid value for format 'X'` if `bytes` has
    /// the wrong length (never for bytes read from a valid view).
    ///
    /// ```
    /// use bufproto::format::{Native, Value};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Native::parse("e").unwrap().unpack(&[0x00, 0x3c])?, Value::Float(1.0));
    /// assert_eq!(Native::parse("c").unwrap().unpack(b"a")?, Value::Bytes(b"a".to_vec()));
    /// # Ok(()) }
    /// ```
    pub fn unpack(self, bytes: &[u8]) -> Result<Value> {
        if bytes.len() != self.size() {
            return Err(self.invalid_value());
        }
        // Fixed-size reads (no `memcpy` call for a variable length): every
        // native size is 1, 2, 4 or 8.
        let u = match *bytes {
            [a] => u64::from(a),
            [a, b] => u64::from(u16::from_ne_bytes([a, b])),
            [a, b, c, d] => u64::from(u32::from_ne_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => u64::from_ne_bytes([a, b, c, d, e, f, g, h]),
            _ => return Err(self.invalid_value()),
        };
        Ok(self.value_of_bits(u))
    }

    /// The value of an item whose native-endian bytes, read as an unsigned
    /// integer of its size and zero-extended, are `u` (only the low [`size`](Native::size) bytes count): `unpack`
    /// without the slice, for the view's item loops, which load 1, 2, 4 or
    /// 8 bytes at once. Cost: O(1), no allocation except a `c` item's
    /// one-byte `Vec`.
    #[inline(always)]
    pub(crate) fn value_of_bits(self, u: u64) -> Value {
        let sext = |bits: u32| -> i64 {
            let shift = 64 - bits;
            ((u << shift) as i64) >> shift
        };
        match self.0 {
            b'B' => Value::Int(i128::from(u as u8)),
            b'b' => Value::Int(i128::from(u as u8 as i8)),
            b'c' => Value::Bytes(vec![u as u8]),
            b'?' => Value::Bool(u as u8 != 0),
            b'H' => Value::Int(i128::from(u as u16)),
            b'h' => Value::Int(i128::from(u as u16 as i16)),
            b'I' => Value::Int(i128::from(u as u32)),
            b'i' => Value::Int(i128::from(u as u32 as i32)),
            b'f' => Value::Float(f64::from(f32::from_bits(u as u32))),
            b'd' => Value::Float(f64::from_bits(u)),
            b'e' => Value::Float(half_to_f64(u as u16)),
            b'q' => Value::Int(i128::from(u as i64)),
            b'l' | b'n' => Value::Int(i128::from(sext(self.size() as u32 * 8))),
            // Q L N P: zero-extended to their size.
            _ => Value::Int(i128::from(u & self.mask())),
        }
    }

    /// All ones in the low [`size`](Native::size) bytes.
    #[inline]
    fn mask(self) -> u64 {
        u64::MAX >> (64 - self.size() as u32 * 8)
    }

    /// `pack_single`: writes `v` into `out` (`out.len()` must be
    /// [`size`](Native::size)), with CPython's conversions: ints (and bools)
    /// for integer formats, any number for `f d e` (`f` rounds to `f32`,
    /// overflowing to infinity as C does), Python truthiness for `?`, a
    /// 1-byte `bytes` for `c`. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `TypeError: memoryview: invalid type for format 'X'` for a value of
    /// the wrong type; `ValueError: memoryview: invalid value for format 'X'`
    /// for one out of range (including a half float beyond 65504 after
    /// rounding, CPython's `OverflowError` turned into `ValueError`).
    ///
    /// ```
    /// use bufproto::format::{Native, Value};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut out = [0u8; 1];
    /// let c = Native::parse("c").unwrap();
    /// assert_eq!(c.pack(&Value::Int(1), &mut out).unwrap_err().to_string(),
    ///            "TypeError: memoryview: invalid type for format 'c'");
    /// assert_eq!(c.pack(&Value::from(&b"xy"[..]), &mut out).unwrap_err().to_string(),
    ///            "ValueError: memoryview: invalid value for format 'c'");
    /// let mut h = [0u8; 2];
    /// assert_eq!(Native::parse("e").unwrap().pack(&Value::Float(65520.0), &mut h).unwrap_err().to_string(),
    ///            "ValueError: memoryview: invalid value for format 'e'");
    /// # Ok(()) }
    /// ```
    pub fn pack(self, v: &Value, out: &mut [u8]) -> Result<()> {
        if out.len() != self.size() {
            return Err(self.invalid_value());
        }
        let u = self.bits_of(v)?;
        match out {
            [a] => *a = u as u8,
            [_, _] => out.copy_from_slice(&(u as u16).to_ne_bytes()),
            [_, _, _, _] => out.copy_from_slice(&(u as u32).to_ne_bytes()),
            [_, _, _, _, _, _, _, _] => out.copy_from_slice(&u.to_ne_bytes()),
            _ => return Err(self.invalid_value()),
        }
        Ok(())
    }

    /// `pack_single` without the slice: the item as an unsigned integer of
    /// its [`size`](Native::size), zero-extended to a `u64` (its native-endian
    /// bytes are that integer's `to_ne_bytes`),
    /// with `pack`'s conversions and errors. Cost: O(1).
    #[inline(always)]
    pub(crate) fn bits_of(self, v: &Value) -> Result<u64> {
        // Integer formats first: `m[i] = 7` on a `B` or `i` view.
        let int_range = |lo: i128, hi: i128| -> Result<u64> {
            let i = v.as_index().ok_or_else(|| self.invalid_type())?;
            if i < lo || i > hi {
                return Err(self.invalid_value());
            }
            Ok(i as u64 & self.mask())
        };
        match self.0 {
            b'B' => int_range(0, 0xff),
            b'b' => int_range(-0x80, 0x7f),
            b'H' => int_range(0, 0xffff),
            b'h' => int_range(-0x8000, 0x7fff),
            b'I' => int_range(0, 0xffff_ffff),
            b'i' => int_range(-0x8000_0000, 0x7fff_ffff),
            b'c' => match v {
                Value::Bytes(b) => match b.as_slice() {
                    [c] => Ok(u64::from(*c)),
                    _ => Err(self.invalid_value()),
                },
                _ => Err(self.invalid_type()),
            },
            b'?' => Ok(u64::from(v.truthy())),
            b'f' | b'd' | b'e' => {
                let d = match v {
                    Value::Float(f) => *f,
                    // |i| < 2**127 < f64::MAX: never the "int too large" error.
                    _ => v.as_index().ok_or_else(|| self.invalid_type())? as f64,
                };
                Ok(match self.0 {
                    b'f' => u64::from((d as f32).to_bits()),
                    b'd' => d.to_bits(),
                    _ => u64::from(f64_to_half(d).map_err(|_| self.invalid_value())?),
                })
            }
            c => {
                let bits = self.size() as u32 * 8;
                let signed = matches!(c, b'l' | b'q' | b'n');
                let (lo, hi) = if signed {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else if c == b'P' {
                    // PyLong_AsVoidPtr accepts the signed range too.
                    (-(1i128 << (bits - 1)), (1i128 << bits) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                int_range(lo, hi)
            }
        }
    }

    fn invalid_value(self) -> Error {
        Error::value_error(format!(
            "memoryview: invalid value for format '{}'",
            self.char()
        ))
    }

    fn invalid_type(self) -> Error {
        Error::type_error(format!(
            "memoryview: invalid type for format '{}'",
            self.char()
        ))
    }
}

/// CPython's `adjust_fmt`: the format without a leading `@`, if that is a
/// single character. Cost: O(len).
///
/// # Errors
///
/// `NotImplementedError: memoryview: unsupported format <i` otherwise.
///
/// ```
/// use bufproto::format::adjust_fmt;
/// assert_eq!(adjust_fmt("@u").unwrap(), "u");
/// assert!(adjust_fmt("ii").is_err());
/// ```
#[doc(hidden)]
pub fn adjust_fmt(fmt: &str) -> Result<&str> {
    let f = fmt.strip_prefix('@').unwrap_or(fmt);
    if f.chars().count() != 1 {
        return Err(Error::new(
            ErrorKind::NotImplementedError,
            format!("memoryview: unsupported format {fmt}"),
        ));
    }
    Ok(f)
}

/// The format of a view's items for item access (CPython's `adjust_fmt`
/// followed by the format check of `unpack_single`). Cost: O(1).
///
/// # Errors
///
/// `NotImplementedError: memoryview: unsupported format <i` when the format
/// (after an optional `@`) is not one character, and
/// `NotImplementedError: memoryview: format x not supported` when it is one
/// character that is not a native format.
///
/// ```
/// use bufproto::format::item_format;
/// assert!(item_format("@i").is_ok());
/// assert_eq!(item_format("<B").unwrap_err().to_string(),
///            "NotImplementedError: memoryview: unsupported format <B");
/// assert_eq!(item_format("u").unwrap_err().to_string(),
///            "NotImplementedError: memoryview: format u not supported");
/// ```
#[doc(hidden)]
pub fn item_format(fmt: &str) -> Result<Native> {
    let f = adjust_fmt(fmt)?;
    Native::parse(f).ok_or_else(|| {
        Error::new(
            ErrorKind::NotImplementedError,
            format!("memoryview: format {f} not supported"),
        )
    })
}

/// IEEE 754 binary16 bits to `f64` (exact; NaN payloads kept as CPython 3.14
/// keeps them). Cost: O(1).
///
/// ```
/// use bufproto::format::half_to_f64;
/// assert_eq!(half_to_f64(0x3c00), 1.0);
/// assert_eq!(half_to_f64(0x0001), 5.960464477539063e-08);
/// assert_eq!(half_to_f64(0xfc00), f64::NEG_INFINITY);
/// ```
#[doc(hidden)]
pub fn half_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let e = i32::from((h >> 10) & 0x1f);
    let m = u64::from(h & 0x3ff);
    match e {
        0 => sign * (m as f64) * 2f64.powi(-24),
        0x1f if m == 0 => sign * f64::INFINITY,
        0x1f => {
            let s = u64::from(h >> 15) << 63;
            f64::from_bits(s | 0x7ff0_0000_0000_0000 | (m << 42))
        }
        _ => sign * (1.0 + m as f64 / 1024.0) * 2f64.powi(e - 15),
    }
}

/// `f64` to IEEE 754 binary16 bits with CPython's `PyFloat_Pack2` rounding
/// (round half to even). Cost: O(1).
///
/// # Errors
///
/// `OverflowError: float too large to pack with e format` for finite values
/// that round beyond 65504 (`memoryview` reports it as `ValueError`).
///
/// ```
/// use bufproto::format::f64_to_half;
/// assert_eq!(f64_to_half(1.0), Ok(0x3c00));
/// assert_eq!(f64_to_half(65519.99), Ok(0x7bff));
/// assert_eq!(f64_to_half(65520.0).unwrap_err().to_string(),
///            "OverflowError: float too large to pack with e format");
/// ```
#[doc(hidden)]
pub fn f64_to_half(x: f64) -> Result<u16> {
    let sign: u16 = if x.is_sign_negative() { 1 } else { 0 };
    let overflow = || Error::overflow_error("float too large to pack with e format");
    let (e, bits): (i32, u16) = if x == 0.0 {
        (0, 0)
    } else if x.is_infinite() {
        (0x1f, 0)
    } else if x.is_nan() {
        let v = x.to_bits();
        let payload = ((v >> 42) & 0x3ff) as u16;
        (0x1f, if payload == 0 { 0x200 } else { payload })
    } else {
        let a = x.abs();
        // frexp: a = f * 2**e with 1 <= f < 2 (after CPython's f *= 2, e--).
        let mut e = a.log2().floor() as i32;
        let mut f = a / 2f64.powi(e);
        if f >= 2.0 {
            f /= 2.0;
            e += 1;
        } else if f < 1.0 {
            f *= 2.0;
            e -= 1;
        }
        if e >= 16 {
            return Err(overflow());
        }
        if e < -25 {
            f = 0.0;
            e = 0;
        } else if e < -14 {
            f *= 2f64.powi(14 + e);
            e = 0;
        } else {
            e += 15;
            f -= 1.0;
        }
        f *= 1024.0;
        let mut bits = f as u16;
        let rest = f - f64::from(bits);
        if rest > 0.5 || (rest == 0.5 && bits % 2 == 1) {
            bits += 1;
            if bits == 1024 {
                bits = 0;
                e += 1;
                if e == 31 {
                    return Err(overflow());
                }
            }
        }
        (e, bits)
    };
    Ok((sign << 15) | ((e as u16) << 10) | bits)
}

/// Values of one item of a general `struct` format, as `struct.unpack`
/// returns them (a tuple), or `None` if the format is not understood or its
/// size is not `bytes.len()`. Supports a byte-order prefix (`@ = < > !`),
/// repeat counts, padding `x`, `s`/`p` strings and every format character of
/// [`Native`] (`n N P` only natively). CPython's `memoryview ==` uses this
/// for formats other than one native character. Cost: O(len(fmt) + bytes).
///
/// ```
/// use bufproto::format::{struct_unpack, Value};
/// assert_eq!(struct_unpack(">h", &[1, 0]), Some(vec![Value::Int(256)]));
/// assert_eq!(struct_unpack("<2B", &[1, 2]), Some(vec![Value::Int(1), Value::Int(2)]));
/// assert_eq!(struct_unpack("@bi", &[1, 0, 0, 0, 2, 0, 0, 0]).map(|v| v.len()), Some(2));
/// assert_eq!(struct_unpack("Z", &[0]), None);
/// ```
pub fn struct_unpack(fmt: &str, bytes: &[u8]) -> Option<Vec<Value>> {
    let (big, fields, size) = parse_struct(fmt).ok()?;
    if size != bytes.len() {
        return None;
    }
    let mut out = Vec::new();
    for f in fields {
        let s = bytes.get(f.offset..f.offset.checked_add(f.count.checked_mul(f.size)?)?)?;
        match f.kind {
            'x' => {}
            's' => out.push(Value::Bytes(s.to_vec())),
            'p' => {
                let l = usize::from(*s.first().unwrap_or(&0)).min(f.count.saturating_sub(1));
                out.push(Value::Bytes(s.get(1..1 + l).unwrap_or(&[]).to_vec()));
            }
            k => {
                for item in s.chunks(f.size) {
                    let mut le = item.to_vec();
                    if big {
                        le.reverse();
                    }
                    let nat = Native(k as u8);
                    if nat.size() != le.len() {
                        return None;
                    }
                    out.push(nat.unpack(&le).ok()?);
                }
            }
        }
    }
    Some(out)
}

/// `struct.calcsize(fmt)` for the formats [`struct_unpack`] understands,
/// `None` for others, including those `struct` refuses: a character it does
/// not know (`bad char in struct format`; only ASCII whitespace is skipped),
/// a repeat count without a format character, and a total size above
/// `isize::MAX` (`total struct size too long`, also for repeat counts that
/// do not fit `isize`). `struct_size` says which. Cost: O(len(fmt)).
///
/// ```
/// use bufproto::format::calcsize;
/// assert_eq!(calcsize("<i"), Some(4));
/// assert_eq!(calcsize("@bi"), Some(8));
/// assert_eq!(calcsize("=bi"), Some(5));
/// assert_eq!(calcsize("3s"), Some(3));
/// assert_eq!(calcsize("T{i}"), None);
/// assert_eq!(calcsize("9223372036854775807x"), Some(isize::MAX as usize));
/// assert_eq!(calcsize("9223372036854775808c"), None);
/// ```
pub fn calcsize(fmt: &str) -> Option<usize> {
    struct_size(fmt).ok()
}

/// `struct.calcsize(fmt)` with the reason `struct` gives when it refuses
/// `fmt` (the message of its `struct.error`, checked against CPython's
/// `prepare_s`). Cost: O(len(fmt)).
///
/// # Errors
///
/// `"bad char in struct format"`, `"repeat count given without format
/// specifier"` or `"total struct size too long"`. (CPython refuses a
/// non-ASCII `str` format before parsing it, with `UnicodeEncodeError`;
/// here it is a bad char.)
///
/// ```
/// use bufproto::format::struct_size;
/// assert_eq!(struct_size("2h"), Ok(4));
/// assert_eq!(struct_size("18446744073709551615x"), Err("total struct size too long"));
/// assert_eq!(struct_size("\u{2003}i"), Err("bad char in struct format"));
/// assert_eq!(struct_size("3"), Err("repeat count given without format specifier"));
/// ```
#[doc(hidden)]
pub fn struct_size(fmt: &str) -> std::result::Result<usize, &'static str> {
    parse_struct(fmt).map(|(_, _, size)| size)
}

struct Field {
    kind: char,
    count: usize,
    size: usize,
    offset: usize,
}

const TOO_LONG: &str = "total struct size too long";
const BAD_CHAR: &str = "bad char in struct format";

/// Parses a `struct` format: (big-endian?, fields, total size), with
/// `prepare_s`'s checks: every count and offset stays within `isize::MAX`.
fn parse_struct(fmt: &str) -> std::result::Result<(bool, Vec<Field>, usize), &'static str> {
    let mut chars = fmt.chars().peekable();
    let (native, big) = match chars.peek() {
        Some('=') | Some('<') => (false, false),
        Some('>') | Some('!') => (false, true),
        _ => (true, false),
    };
    if matches!(chars.peek(), Some('@' | '=' | '<' | '>' | '!')) {
        chars.next();
    }
    // `isize::MAX` as a `usize`: the bound of every size below.
    let max = isize::MAX.unsigned_abs();
    let mut pos = 0usize;
    let mut fields = Vec::new();
    while let Some(c) = chars.next() {
        // `Py_ISSPACE`: ASCII whitespace only (U+2003 is a bad char).
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') {
            continue;
        }
        let mut count: Option<usize> = None;
        let mut c = c;
        while let Some(d) = c.to_digit(10) {
            let n = count
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|n| n.checked_add(d as usize))
                .filter(|n| *n <= max)
                .ok_or(TOO_LONG)?;
            count = Some(n);
            c = chars
                .next()
                .ok_or("repeat count given without format specifier")?;
        }
        let n = count.unwrap_or(1);
        let (size, kind) = match c {
            'x' | 's' | 'p' | 'c' | 'b' | 'B' | '?' => (1, c),
            'h' | 'H' | 'e' => (2, c),
            'i' | 'I' | 'f' => (4, c),
            // standard sizes of l/L are 4, the same as i/I
            'l' if !native => (4, 'i'),
            'L' if !native => (4, 'I'),
            'q' | 'Q' | 'd' => (8, c),
            'l' | 'L' | 'n' | 'N' | 'P' if native => (Native(c as u8).size(), c),
            _ => return Err(BAD_CHAR),
        };
        if native && !matches!(kind, 's' | 'p' | 'x') {
            pos = pos
                .checked_next_multiple_of(size)
                .filter(|p| *p <= max)
                .ok_or(TOO_LONG)?;
        }
        fields.push(Field {
            kind,
            count: n,
            size,
            offset: pos,
        });
        pos = n
            .checked_mul(size)
            .and_then(|b| pos.checked_add(b))
            .filter(|p| *p <= max)
            .ok_or(TOO_LONG)?;
    }
    Ok((big, fields, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(r: Result<()>) -> String {
        r.unwrap_err().to_string()
    }

    /// `get_native_fmtchar`'s cases in CPython's `Objects/memoryobject.c`,
    /// written out independently of the crate's list.
    const CPYTHON_NATIVE: &[u8] = b"cbB?hHiIlLqQnNfdeP";

    #[test]
    fn parse_accepts_exactly_the_native_characters() {
        for c in 0..=255u8 {
            let s = [c];
            let Ok(f) = std::str::from_utf8(&s) else {
                continue;
            };
            assert_eq!(
                Native::parse(f).is_some(),
                CPYTHON_NATIVE.contains(&c),
                "{f}"
            );
            let at = format!("@{f}");
            assert_eq!(static_native(f), Native::parse(f).map(|_| f), "{f}");
            assert_eq!(
                static_native(&at),
                Native::parse(f).map(|_| at.as_str()),
                "{at}"
            );
        }
    }

    #[test]
    fn every_native_format_roundtrips() {
        for &c in CPYTHON_NATIVE {
            let n = Native(c);
            let mut buf = vec![0u8; n.size()];
            let v = match c {
                b'c' => Value::Bytes(vec![7]),
                b'?' => Value::Bool(true),
                b'f' | b'd' | b'e' => Value::Float(1.5),
                _ => Value::Int(100),
            };
            n.pack(&v, &mut buf).unwrap();
            assert_eq!(n.unpack(&buf).unwrap(), v, "{}", n.char());
        }
    }

    #[test]
    fn cpython_pack_errors() {
        let mut b = [0u8; 8];
        let p = |f: &str, v: Value, b: &mut [u8]| {
            let n = Native::parse(f).unwrap();
            n.pack(&v, &mut b[..n.size()])
        };
        assert_eq!(
            err(p("b", Value::Int(128), &mut b)),
            "ValueError: memoryview: invalid value for format 'b'"
        );
        assert_eq!(
            err(p("b", Value::Float(1.0), &mut b)),
            "TypeError: memoryview: invalid type for format 'b'"
        );
        assert_eq!(
            err(p("i", Value::Bytes(vec![1]), &mut b)),
            "TypeError: memoryview: invalid type for format 'i'"
        );
        assert_eq!(
            err(p("Q", Value::Int(-1), &mut b)),
            "ValueError: memoryview: invalid value for format 'Q'"
        );
        assert_eq!(
            err(p("Q", Value::Int(1 << 64), &mut b)),
            "ValueError: memoryview: invalid value for format 'Q'"
        );
        assert_eq!(
            err(p("f", Value::Bytes(b"a".to_vec()), &mut b)),
            "TypeError: memoryview: invalid type for format 'f'"
        );
        assert_eq!(
            err(p("@P", Value::Float(1.5), &mut b)),
            "TypeError: memoryview: invalid type for format 'P'"
        );
        p("P", Value::Int(-1), &mut b).unwrap();
        assert_eq!(u64::from_ne_bytes(b), u64::MAX);
        p("b", Value::Bool(true), &mut b).unwrap();
        p("?", Value::Bytes(vec![]), &mut b).unwrap();
        assert_eq!(b[0], 0);
        p("f", Value::Float(1e300), &mut b).unwrap();
        assert_eq!(f32::from_ne_bytes([b[0], b[1], b[2], b[3]]), f32::INFINITY);
    }

    #[test]
    fn half_floats_like_cpython() {
        assert_eq!(f64_to_half(65504.0), Ok(0x7bff));
        assert_eq!(f64_to_half(-2.0), Ok(0xc000));
        assert_eq!(f64_to_half(-0.0), Ok(0x8000));
        assert_eq!(f64_to_half(5.960464477539063e-08), Ok(1));
        assert_eq!(f64_to_half(2.9e-08), Ok(0)); // below half the smallest: 0
        assert_eq!(f64_to_half(3.0e-08), Ok(1));
        assert_eq!(f64_to_half(f64::INFINITY), Ok(0x7c00));
        assert_eq!(f64_to_half(f64::NAN).map(|h| h & 0x7e00), Ok(0x7e00));
        assert_eq!(
            f64_to_half(1e300).unwrap_err().kind(),
            ErrorKind::OverflowError
        );
        // ties to even: 1 + 2**-11 lies halfway between 1 and 1 + 2**-10
        assert_eq!(f64_to_half(1.0 + 2f64.powi(-11)), Ok(0x3c00));
        assert_eq!(f64_to_half(1.0 + 3.0 * 2f64.powi(-11)), Ok(0x3c02));
        for h in 0..=0xffffu16 {
            let d = half_to_f64(h);
            if !d.is_nan() {
                assert_eq!(f64_to_half(d), Ok(h), "{h:#x}");
            }
        }
        assert_eq!(half_to_f64(0x6261), 816.5);
    }

    #[test]
    fn reprs() {
        assert_eq!(float_repr(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(1e15), "1000000000000000.0");
        assert_eq!(float_repr(3.835461081268274e175), "3.835461081268274e+175");
        assert_eq!(float_repr(1.5), "1.5");
        assert_eq!(float_repr(-2.5e-5), "-2.5e-05");
        assert_eq!(float_repr(f64::NEG_INFINITY), "-inf");
        assert_eq!(float_repr(196.0 * 2f64.powi(-24)), "1.1682510375976562e-05");
        assert_eq!(float_repr(2f64.powi(-140)), "7.174648137343064e-43");
    }

    #[test]
    fn unsupported_formats() {
        assert_eq!(
            item_format("2i").unwrap_err().message(),
            "memoryview: unsupported format 2i"
        );
        assert_eq!(
            item_format("").unwrap_err().message(),
            "memoryview: unsupported format "
        );
        assert_eq!(
            struct_unpack("<i", &[1, 0, 0, 0]),
            Some(vec![Value::Int(1)])
        );
        assert_eq!(struct_unpack("<i", &[1, 0, 0]), None);
        assert_eq!(
            struct_unpack("3s", b"abc"),
            Some(vec![Value::Bytes(b"abc".to_vec())])
        );
    }
}
