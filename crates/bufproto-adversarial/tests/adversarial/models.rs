//! Reference models, written from CPython's C source, independent of the
//! crate's own helpers. They decide what is right.

/// `PySlice_Unpack` (Objects/sliceobject.c) for arguments already in
/// `Py_ssize_t` range: `None` defaults, the zero-step error, and the clamp of
/// `PY_SSIZE_T_MIN` to `-PY_SSIZE_T_MAX` that guards `step = -step`.
pub fn slice_unpack(
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
) -> Result<(isize, isize, isize), String> {
    let step = match step {
        None => 1,
        Some(0) => return Err("ValueError: slice step cannot be zero".into()),
        Some(s) if s < -isize::MAX => -isize::MAX,
        Some(s) => s,
    };
    let start = start.unwrap_or(if step < 0 { isize::MAX } else { 0 });
    let stop = stop.unwrap_or(if step < 0 { isize::MIN } else { isize::MAX });
    Ok((start, stop, step))
}

/// `PySlice_AdjustIndices`: clamps `start`/`stop` to `length` and returns
/// `(start, stop, slicelength)`. The C code's `*start += length` cannot
/// overflow because `*start < 0` and `length >= 0`; the final divisions are
/// done in i128 to stay obviously exact.
pub fn slice_adjust(
    length: isize,
    start: isize,
    stop: isize,
    step: isize,
) -> (isize, isize, isize) {
    let clamp = |mut x: isize| {
        if x < 0 {
            x += length;
            if x < 0 {
                x = if step < 0 { -1 } else { 0 };
            }
        } else if x >= length {
            x = if step < 0 { length - 1 } else { length };
        }
        x
    };
    let (start, stop) = (clamp(start), clamp(stop));
    let (a, b, s) = (
        i128::from(start as i64),
        i128::from(stop as i64),
        i128::from(step as i64),
    );
    let n = if step < 0 {
        if b < a {
            (a - b - 1) / (-s) + 1
        } else {
            0
        }
    } else if a < b {
        (b - a - 1) / s + 1
    } else {
        0
    };
    (start, stop, n as isize)
}

/// `PySlice_GetIndicesEx` = unpack + adjust, then the selected positions.
pub fn slice_positions(
    length: usize,
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
) -> Result<Vec<usize>, String> {
    let (a, b, s) = slice_unpack(start, stop, step)?;
    let (a, _, n) = slice_adjust(length as isize, a, b, s);
    Ok((0..n as i128)
        .map(|k| (a as i128 + k * s as i128) as usize)
        .collect())
}

/// One entry of `struct`'s format tables (Modules/_struct.c): size and
/// alignment, native (`@`, aligned, platform sizes for x86-64/aarch64 Linux)
/// or standard (`= < > !`, no alignment).
pub fn struct_entry(c: u8, native: bool) -> Option<(usize, usize)> {
    let size = match c {
        b'x' | b'c' | b'b' | b'B' | b'?' | b's' | b'p' => 1,
        b'h' | b'H' | b'e' => 2,
        b'i' | b'I' | b'f' => 4,
        b'l' | b'L' => {
            if native {
                8
            } else {
                4
            }
        }
        b'q' | b'Q' | b'd' => 8,
        b'n' | b'N' | b'P' if native => 8,
        _ => return None,
    };
    let align = if native { size } else { 0 };
    Some((size, align))
}

/// `struct.calcsize(fmt)` following `prepare_s`: an optional byte-order
/// character first, ASCII whitespace skipped between items, repeat counts
/// with the overflow check against `PY_SSIZE_T_MAX`, alignment in native
/// mode, "total struct size too long" on overflow; `None` for every error
/// (also non-ASCII formats, which `PyUnicode_AsASCIIString` refuses, and
/// embedded NULs).
pub fn calcsize(fmt: &str) -> Option<usize> {
    if !fmt.is_ascii() || fmt.contains('\0') {
        return None;
    }
    let mut s = fmt.as_bytes();
    let mut native = true;
    if let Some((&c, rest)) = s.split_first() {
        if matches!(c, b'@' | b'=' | b'<' | b'>' | b'!') {
            native = c == b'@';
            s = rest;
        }
    }
    let max = isize::MAX as u128;
    let mut size: u128 = 0;
    let mut i = 0;
    while i < s.len() {
        let mut c = s[i];
        i += 1;
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c') {
            continue;
        }
        let mut num: u128 = 1;
        if c.is_ascii_digit() {
            num = u128::from(c - b'0');
            loop {
                let Some(&d) = s.get(i) else {
                    return None; // repeat count given without format specifier
                };
                i += 1;
                if !d.is_ascii_digit() {
                    c = d;
                    break;
                }
                num = num * 10 + u128::from(d - b'0');
                if num > max {
                    return None;
                }
            }
        }
        let (isz, align) = struct_entry(c, native)?;
        let (isz, align) = (isz as u128, align as u128);
        if align > 0 && size > 0 {
            size += (align - 1) - (size - 1) % align;
            if size > max {
                return None;
            }
        }
        let add = if matches!(c, b's' | b'p') {
            num
        } else {
            num * isz
        };
        if size + add > max {
            return None;
        }
        size += add;
    }
    Some(size as usize)
}

/// The native single-character formats (`get_native_fmtchar` in
/// Objects/memoryobject.c) with their sizes on 64-bit Linux.
pub const NATIVE: &[(char, usize)] = &[
    ('c', 1),
    ('b', 1),
    ('B', 1),
    ('?', 1),
    ('h', 2),
    ('H', 2),
    ('i', 4),
    ('I', 4),
    ('l', 8),
    ('L', 8),
    ('q', 8),
    ('Q', 8),
    ('n', 8),
    ('N', 8),
    ('f', 4),
    ('d', 8),
    ('e', 2),
    ('P', 8),
];

/// `get_native_fmtchar`: the character and size of `fmt` if it is one native
/// format character after an optional `@`. The C code reads a C string, so
/// the caller must cut at an embedded NUL first (see [`c_string`]).
pub fn native_fmtchar(fmt: &str) -> Option<(char, usize)> {
    let f = fmt.strip_prefix('@').unwrap_or(fmt);
    let mut it = f.chars();
    let c = it.next()?;
    if it.next().is_some() {
        return None;
    }
    NATIVE.iter().copied().find(|&(n, _)| n == c)
}

/// What C code sees of a Python `str` passed as `char *`: up to the first NUL.
pub fn c_string(s: &str) -> &str {
    s.split('\0').next().unwrap_or("")
}

/// The integer range of a native integer format, as `pack_single`'s
/// conversions (`PyLong_AsLong` & co., then a range check) accept it; `P`
/// goes through `PyLong_AsVoidPtr`, which accepts both signed and unsigned
/// 64-bit values.
pub fn int_range(c: char) -> Option<(i128, i128)> {
    let (bits, signed) = match c {
        'b' => (8, true),
        'B' => (8, false),
        'h' => (16, true),
        'H' => (16, false),
        'i' => (32, true),
        'I' => (32, false),
        'l' | 'q' | 'n' => (64, true),
        'L' | 'Q' | 'N' => (64, false),
        'P' => return Some((-(1i128 << 63), (1i128 << 64) - 1)),
        _ => return None,
    };
    Some(if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    })
}

/// A value as the model sees it: what `unpack_single` returns.
#[derive(Clone, Debug)]
pub enum Item {
    /// int
    Int(i128),
    /// float
    Float(f64),
    /// bool
    Bool(bool),
    /// bytes of length 1
    Byte(u8),
}

impl PartialEq for Item {
    /// Python `==` between the unpacked values (ints, floats and bools
    /// compare by value; bytes only with bytes).
    fn eq(&self, other: &Item) -> bool {
        let num = |x: &Item| match x {
            Item::Int(i) => Some(*i as f64),
            Item::Float(f) => Some(*f),
            Item::Bool(b) => Some(f64::from(u8::from(*b))),
            Item::Byte(_) => None,
        };
        match (self, other) {
            (Item::Byte(a), Item::Byte(b)) => a == b,
            (Item::Int(a), Item::Int(b)) => a == b,
            (Item::Int(a), Item::Bool(b)) | (Item::Bool(b), Item::Int(a)) => *a == i128::from(*b),
            (Item::Bool(a), Item::Bool(b)) => a == b,
            (Item::Byte(_), _) | (_, Item::Byte(_)) => false,
            (a, b) => {
                // One side is a float: compare exactly (ints here are < 2**64,
                // and a float equal to one is an integer below 2**64).
                let (x, y) = (num(a), num(b));
                match (a, b) {
                    (Item::Float(f), Item::Int(i)) | (Item::Int(i), Item::Float(f)) => {
                        f.is_finite() && f.fract() == 0.0 && f.abs() < 1.8e19 && *f as i128 == *i
                    }
                    _ => x == y,
                }
            }
        }
    }
}

/// `unpack_single` for native little-endian memory (x86-64 / aarch64).
pub fn unpack(c: char, b: &[u8]) -> Item {
    let mut le = [0u8; 8];
    le[..b.len()].copy_from_slice(b);
    let u = u64::from_le_bytes(le);
    let bits = b.len() as u32 * 8;
    let signed = || i128::from(((u << (64 - bits)) as i64) >> (64 - bits));
    match c {
        'c' => Item::Byte(b[0]),
        '?' => Item::Bool(b[0] != 0),
        'b' | 'h' | 'i' | 'l' | 'q' | 'n' => Item::Int(signed()),
        'f' => Item::Float(f64::from(f32::from_bits(u as u32))),
        'd' => Item::Float(f64::from_bits(u)),
        'e' => Item::Float(half(u as u16)),
        _ => Item::Int(i128::from(u)),
    }
}

/// IEEE binary16 to f64, from the definition (not `PyFloat_Unpack2`'s code).
pub fn half(h: u16) -> f64 {
    let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
    let e = i32::from((h >> 10) & 0x1f);
    let m = f64::from(h & 0x3ff);
    sign * match e {
        0 => m * 2f64.powi(-24),
        31 if m == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + m / 1024.0) * 2f64.powi(e - 15),
    }
}

/// `_testbuffer.c`'s `verify_structure` (plus `init_structure`'s offset
/// check) in exact i128 arithmetic: the decision `NdArray::new` must make
/// for a sane layout.
pub fn verify_structure(
    memlen: usize,
    itemsize: usize,
    shape: &[usize],
    strides: &[isize],
    offset: usize,
) -> Result<(), &'static str> {
    if shape.len() != strides.len() {
        return Err("len(shape) != len(strides)");
    }
    if offset as i128 % itemsize as i128 != 0 {
        return Err("offset must be a multiple of itemsize");
    }
    if strides.iter().any(|&s| s as i128 % itemsize as i128 != 0) {
        return Err("strides must be a multiple of itemsize");
    }
    in_bounds(memlen, itemsize, shape, strides, offset)
}

/// The bounds part of `verify_structure`: every item inside `memlen` bytes
/// (what any exporter, `_testbuffer`'s or a foreign one, must check).
pub fn in_bounds(
    memlen: usize,
    itemsize: usize,
    shape: &[usize],
    strides: &[isize],
    offset: usize,
) -> Result<(), &'static str> {
    let (memlen, itemsize, offset) = (memlen as i128, itemsize as i128, offset as i128);
    const BAD: &str = "invalid combination of buffer, shape and strides";
    if shape.is_empty() {
        return if offset + itemsize > memlen {
            Err(BAD)
        } else {
            Ok(())
        };
    }
    if shape.contains(&0) {
        return Ok(());
    }
    let (mut imin, mut imax) = (0i128, 0i128);
    // Saturating: a sum past i128 is far outside any memory either way.
    for (&n, &s) in shape.iter().zip(strides) {
        let d = (n as i128 - 1).saturating_mul(s as i128);
        if s <= 0 {
            imin = imin.saturating_add(d);
        } else {
            imax = imax.saturating_add(d);
        }
    }
    if imin.saturating_add(offset) < 0 || imax.saturating_add(offset + itemsize) > memlen {
        return Err(BAD);
    }
    Ok(())
}

/// Every item's byte offset in C (row-major) or Fortran order.
pub fn item_offsets(
    shape: &[usize],
    strides: &[isize],
    offset: usize,
    fortran: bool,
) -> Vec<usize> {
    // Callers pass small views; an empty one may still have huge dims.
    if shape.contains(&0) {
        return Vec::new();
    }
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..n {
        let o = offset as i128
            + idx
                .iter()
                .zip(strides)
                .map(|(&i, &s)| i as i128 * s as i128)
                .sum::<i128>();
        out.push(o as usize);
        // Odometer: the last index moves fastest in C order, the first in F.
        let dims: Vec<usize> = if fortran {
            (0..shape.len()).collect()
        } else {
            (0..shape.len()).rev().collect()
        };
        for d in dims {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

/// `bytes.hex()` / `_Py_strhex_impl` with a separator: `sep` every
/// `|per|` bytes counted from the right (`per > 0`) or the left (`per < 0`).
pub fn hex(data: &[u8], sep: Option<char>, per: i32) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let pairs: Vec<String> = data
        .iter()
        .map(|&b| {
            format!(
                "{}{}",
                D[usize::from(b >> 4)] as char,
                D[usize::from(b & 15)] as char
            )
        })
        .collect();
    let Some(sep) = sep.filter(|_| per != 0 && !data.is_empty()) else {
        return pairs.concat();
    };
    let k = per.unsigned_abs() as usize;
    let mut out = String::new();
    let n = pairs.len();
    for (i, p) in pairs.iter().enumerate() {
        if i > 0 {
            // A boundary before position i: from the left every k bytes, or
            // from the right so that the last group is full.
            let boundary = if per < 0 {
                i.is_multiple_of(k)
            } else {
                (n - i).is_multiple_of(k)
            };
            if boundary {
                out.push(sep);
            }
        }
        out.push_str(p);
    }
    out
}

/// `_PyBytes_FromHex` (Objects/bytesobject.c, 3.14): pairs of hex digits,
/// ASCII whitespace skipped before each pair; the error names the position
/// of the first bad character, except that a lone digit at the very end is
/// "fromhex() arg must contain an even number of hexadecimal digits" (new in
/// 3.12; checked in Pyodide's 3.14.2).
pub fn fromhex(s: &str) -> Result<Vec<u8>, String> {
    let chars: Vec<char> = s.chars().collect();
    let digit = |c: char| c.to_digit(16).filter(|_| c.is_ascii());
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c');
    let err = |pos: usize| {
        Err(format!(
            "ValueError: non-hexadecimal number found in fromhex() arg at position {pos}"
        ))
    };
    // A non-ASCII string fails before any parsing, at its first non-ASCII
    // character (the `!PyUnicode_IS_ASCII` branch).
    if let Some(p) = chars.iter().position(|c| !c.is_ascii()) {
        return err(p);
    }
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && space(chars[i]) {
            i += 1;
        }
        if i >= chars.len() {
            return Ok(out);
        }
        let Some(hi) = digit(chars[i]) else {
            return err(i);
        };
        let Some(&next) = chars.get(i + 1) else {
            return Err(
                "ValueError: fromhex() arg must contain an even number of hexadecimal digits"
                    .into(),
            );
        };
        let Some(lo) = digit(next) else {
            return err(i + 1);
        };
        out.push((hi * 16 + lo) as u8);
        i += 2;
    }
}

/// `PyBuffer_IsContiguous(view, 'C')` (`_IsCContiguous`): empty views are
/// contiguous; dimensions of length 1 may have any stride.
pub fn c_contiguous(shape: &[usize], strides: &[isize], itemsize: usize) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut sd = itemsize as i128;
    for (&n, &s) in shape.iter().zip(strides).rev() {
        if n > 1 && s as i128 != sd {
            return false;
        }
        sd = sd.saturating_mul(n as i128);
    }
    true
}

/// `_IsFortranContiguous`.
pub fn f_contiguous(shape: &[usize], strides: &[isize], itemsize: usize) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut sd = itemsize as i128;
    for (&n, &s) in shape.iter().zip(strides) {
        if n > 1 && s as i128 != sd {
            return false;
        }
        sd = sd.saturating_mul(n as i128);
    }
    true
}

/// `ndarray_getbuf` (Modules/_testbuffer.c): whether a request with these
/// flag bits is refused, and with what message.
pub fn ndarray_getbuf(flags: u32, c: bool, f: bool, readonly: bool) -> Result<(), String> {
    let req = |m: u32| flags & m == m;
    let refuse = |what: &str| Err(format!("BufferError: ndarray is not {what}"));
    if req(0x1) && readonly {
        return refuse("writable");
    }
    if req(0x38) && !c {
        return refuse("C-contiguous");
    }
    if req(0x58) && !f {
        return refuse("Fortran contiguous");
    }
    if req(0x98) && !(c || f) {
        return refuse("contiguous");
    }
    if !req(0x18) && !c {
        return refuse("C-contiguous");
    }
    if !req(0x8) && req(0x4) {
        return Err(
            "BufferError: ndarray: cannot cast to unsigned bytes if the format flag is present"
                .into(),
        );
    }
    Ok(())
}
