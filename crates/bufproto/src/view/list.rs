//! What `m.tolist()` returns, and the one loop per format that builds it:
//! each row of items (the last dimension) is read in a single pass into a
//! vector of its native Rust type, allocated once at its exact size.

use std::fmt;

use crate::error::{Error, Result, try_vec};
use crate::format::{Native, Value, float_repr, half_to_f64};
use crate::hex;
use crate::storage::Storage;

/// What `m.tolist()` returns: a (nested) list of values, or a single value
/// for a 0-dimensional view. `Display` is Python's `repr`; `==` is Python's
/// list equality (an [`Items`] row equals a `List` of the same values).
///
/// `tolist` builds one [`Items`] per row of the last dimension (for a 1-D
/// view, the whole result) and a `List` of rows for each dimension above.
///
/// ```
/// use bufproto::{Bytes, MemoryView, Nested};
/// use bufproto::format::Value;
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::from(&b"abcd"[..]))?.cast_shape("B", &[2, 2])?;
/// let l = m.tolist()?;
/// assert_eq!(l.to_string(), "[[97, 98], [99, 100]]");
/// assert_eq!(l.flatten(), vec![Value::Int(97), Value::Int(98), Value::Int(99), Value::Int(100)]);
/// assert_eq!(MemoryView::new(&Bytes::from(&b"a"[..]))?.cast_shape("B", &[])?.tolist()?,
///            Nested::Item(Value::Int(97)));
/// let hand_made = Nested::List(vec![Nested::Item(Value::Int(97)), Nested::Item(Value::Int(98))]);
/// assert_eq!(MemoryView::new(&Bytes::from(&b"ab"[..]))?.tolist()?, hand_made);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub enum Nested {
    /// One value (the whole result for a 0-d view).
    Item(Value),
    /// A list of sub-lists (N-d), or of items when built by hand.
    List(Vec<Nested>),
    /// A list of items: one row of the view, as `tolist` builds it.
    Items(Items),
}

impl Nested {
    /// Every value in C order. Cost: O(items).
    ///
    /// ```
    /// use bufproto::{Nested, format::Value};
    /// let l = Nested::List(vec![Nested::Item(Value::Int(1))]);
    /// assert_eq!(l.flatten(), vec![Value::Int(1)]);
    /// ```
    pub fn flatten(&self) -> Vec<Value> {
        let mut out = Vec::new();
        self.flatten_into(&mut out);
        out
    }

    fn flatten_into(&self, out: &mut Vec<Value>) {
        match self {
            Nested::Item(v) => out.push(v.clone()),
            Nested::List(l) => l.iter().for_each(|x| x.flatten_into(out)),
            Nested::Items(r) => out.extend(r.iter()),
        }
    }

    fn eq_flat<T>(&self, other: &[T]) -> bool
    where
        Value: PartialEq<T>,
    {
        match self {
            Nested::List(items) => {
                items.len() == other.len()
                    && items
                        .iter()
                        .zip(other)
                        .all(|(a, b)| matches!(a, Nested::Item(v) if v == b))
            }
            Nested::Items(r) => r.len() == other.len() && r.iter().zip(other).all(|(a, b)| a == *b),
            Nested::Item(_) => false,
        }
    }
}

impl PartialEq for Nested {
    fn eq(&self, other: &Nested) -> bool {
        use Nested::*;
        match (self, other) {
            (Item(a), Item(b)) => a == b,
            (List(a), List(b)) => a == b,
            (Items(a), Items(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x == y)
            }
            (List(a), Items(r)) | (Items(r), List(a)) => {
                a.len() == r.len()
                    && a.iter()
                        .zip(r.iter())
                        .all(|(x, y)| matches!(x, Item(v) if *v == y))
            }
            _ => false,
        }
    }
}

/// A one-dimensional `tolist()` compared with a Rust array or vector of
/// plain values: `view.tolist()? == [104, 101]`. An N-d list (or a 0-d item)
/// never equals a flat array; compare its `to_string()`, Python's `repr`.
///
/// ```
/// use bufproto::{Bytes, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::from(&b"he"[..]))?;
/// assert_eq!(m.tolist()?, [104, 101]);
/// assert_eq!(m.tolist()?, vec![104, 101]);
/// assert_eq!(m.cast_shape("B", &[1, 2])?.tolist()?.to_string(), "[[104, 101]]");
/// # Ok(()) }
/// ```
impl<T, const N: usize> PartialEq<[T; N]> for Nested
where
    Value: PartialEq<T>,
{
    fn eq(&self, other: &[T; N]) -> bool {
        self.eq_flat(other)
    }
}

impl<T> PartialEq<Vec<T>> for Nested
where
    Value: PartialEq<T>,
{
    fn eq(&self, other: &Vec<T>) -> bool {
        self.eq_flat(other)
    }
}

impl fmt::Display for Nested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Nested::Item(v) => write!(f, "{v}"),
            Nested::List(l) => {
                f.write_str("[")?;
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Nested::Items(r) => write!(f, "{r}"),
        }
    }
}

/// One row of `tolist()`: the items of a 1-D run of the view, kept in their
/// native Rust type (`i32` for `'i'`, `f32` for `'f'`, ...) rather than as
/// [`Value`]s, so a row of a million `'i'` items is 4 MB, not 32. Each item
/// reads as the `Value` CPython's `tolist` would give. Cost of every
/// accessor: O(1) per item.
///
/// ```
/// use bufproto::{Bytes, MemoryView, Nested};
/// use bufproto::format::Value;
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::from(&[1u8, 0, 0, 0, 255, 255, 255, 255][..]))?;
/// let Nested::Items(row) = m.cast("i")?.tolist()? else { unreachable!() };
/// assert_eq!((row.len(), row.get(1)), (2, Some(Value::Int(-1))));
/// assert_eq!(row.iter().collect::<Vec<_>>(), [Value::Int(1), Value::Int(-1)]);
/// assert_eq!(row.to_string(), "[1, -1]");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Items(Row);

#[derive(Clone, Debug)]
enum Row {
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    U16(Vec<u16>),
    I32(Vec<i32>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    /// Format `c`: each item a one-byte `bytes`.
    Char(Vec<u8>),
}

macro_rules! each_row {
    ($row:expr, $v:ident => $body:expr) => {
        match $row {
            Row::I8($v) => $body,
            Row::U8($v) => $body,
            Row::I16($v) => $body,
            Row::U16($v) => $body,
            Row::I32($v) => $body,
            Row::U32($v) => $body,
            Row::I64($v) => $body,
            Row::U64($v) => $body,
            Row::F32($v) => $body,
            Row::F64($v) => $body,
            Row::Bool($v) => $body,
            Row::Char($v) => $body,
        }
    };
}

/// The items of an [`Items`] row as a slice of their native type, for a
/// consumer that converts a whole row in one pass (the Python bridge
/// builds its list from it) rather than one [`Value`] per item. Integers
/// and floats as stored (`'f'` is `f32`, `'e'` already widened to `f64`),
/// `'?'` as `bool`, `'c'` as the bytes of its one-byte items.
///
/// ```
/// use bufproto::{Bytes, ItemSlice, MemoryView, Nested};
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::from(&[1u8, 0, 0, 0, 255, 255, 255, 255][..]))?;
/// let Nested::Items(row) = m.cast("i")?.tolist()? else { unreachable!() };
/// assert!(matches!(row.as_slice(), ItemSlice::I32(&[1, -1])));
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ItemSlice<'a> {
    /// Format `b`.
    I8(&'a [i8]),
    /// Format `B`.
    U8(&'a [u8]),
    /// Format `h`.
    I16(&'a [i16]),
    /// Format `H`.
    U16(&'a [u16]),
    /// Format `i` (and `l` where it is 32 bits).
    I32(&'a [i32]),
    /// Format `I` (and `L` where it is 32 bits).
    U32(&'a [u32]),
    /// Formats `q`, `n` (and `l` where it is 64 bits).
    I64(&'a [i64]),
    /// Formats `Q`, `N`, `P` (and `L` where it is 64 bits).
    U64(&'a [u64]),
    /// Format `f`.
    F32(&'a [f32]),
    /// Formats `d` and `e`.
    F64(&'a [f64]),
    /// Format `?`.
    Bool(&'a [bool]),
    /// Format `c`: each byte one item (a one-byte `bytes` in Python).
    Char(&'a [u8]),
}

impl Items {
    /// The row as a slice of its native items (see [`ItemSlice`]). Cost:
    /// O(1), no copy.
    ///
    /// ```
    /// use bufproto::{Bytes, ItemSlice, MemoryView, Nested};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let Nested::Items(row) = MemoryView::new(&Bytes::from(&b"ab"[..]))?.cast("c")?.tolist()? else { unreachable!() };
    /// assert_eq!(row.as_slice(), ItemSlice::Char(b"ab"));
    /// # Ok(()) }
    /// ```
    pub fn as_slice(&self) -> ItemSlice<'_> {
        match &self.0 {
            Row::I8(v) => ItemSlice::I8(v),
            Row::U8(v) => ItemSlice::U8(v),
            Row::I16(v) => ItemSlice::I16(v),
            Row::U16(v) => ItemSlice::U16(v),
            Row::I32(v) => ItemSlice::I32(v),
            Row::U32(v) => ItemSlice::U32(v),
            Row::I64(v) => ItemSlice::I64(v),
            Row::U64(v) => ItemSlice::U64(v),
            Row::F32(v) => ItemSlice::F32(v),
            Row::F64(v) => ItemSlice::F64(v),
            Row::Bool(v) => ItemSlice::Bool(v),
            Row::Char(v) => ItemSlice::Char(v),
        }
    }

    /// The number of items. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView, Nested};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let Nested::Items(row) = MemoryView::new(&Bytes::zeroed(3)?)?.tolist()? else { unreachable!() };
    /// assert_eq!(row.len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> usize {
        each_row!(&self.0, v => v.len())
    }

    /// Whether there are no items. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView, Nested};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let Nested::Items(row) = MemoryView::new(&Bytes::default())?.tolist()? else { unreachable!() };
    /// assert!(row.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `i` as a Python value, or `None` past the end. Cost: O(1) (a
    /// `c` item's `Value::Bytes` is a one-byte `Vec`).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView, Nested, format::Value};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let Nested::Items(row) = MemoryView::new(&Bytes::from(&b"ab"[..]))?.cast("c")?.tolist()? else { unreachable!() };
    /// assert_eq!(row.get(0), Some(Value::Bytes(b"a".to_vec())));
    /// assert_eq!(row.get(2), None);
    /// # Ok(()) }
    /// ```
    pub fn get(&self, i: usize) -> Option<Value> {
        Some(match &self.0 {
            Row::I8(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::U8(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::I16(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::U16(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::I32(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::U32(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::I64(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::U64(v) => Value::Int(i128::from(*v.get(i)?)),
            Row::F32(v) => Value::Float(f64::from(*v.get(i)?)),
            Row::F64(v) => Value::Float(*v.get(i)?),
            Row::Bool(v) => Value::Bool(*v.get(i)?),
            Row::Char(v) => Value::Bytes(vec![*v.get(i)?]),
        })
    }

    /// The items as Python values, in order. Cost: O(1) per item.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView, Nested};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let Nested::Items(row) = MemoryView::new(&Bytes::from(&b"ab"[..]))?.tolist()? else { unreachable!() };
    /// assert_eq!(row.iter().map(|v| v.to_string()).collect::<Vec<_>>(), ["97", "98"]);
    /// # Ok(()) }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Value> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl fmt::Display for Items {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for i in 0..self.len() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match &self.0 {
                Row::F32(v) => f.write_str(&float_repr(f64::from(v[i])))?,
                Row::F64(v) => f.write_str(&float_repr(v[i]))?,
                Row::Char(v) => f.write_str(&hex::repr(&v[i..=i], false))?,
                _ => match self.get(i) {
                    Some(x) => write!(f, "{x}")?,
                    None => return Err(fmt::Error),
                },
            }
        }
        f.write_str("]")
    }
}

/// Reads `len` items of `N` bytes, the first at byte `first` and each next
/// one `stride` bytes further, converting each with `conv`: one pass, into
/// a vector allocated once at its exact size (`MemoryError` if it cannot
/// be). Contiguous frozen memory is converted in place (a loop the compiler
/// vectorises); contiguous shared memory is staged through a stack buffer
/// in 4 KiB chunks; strided items are loaded one by one.
fn row_of<const N: usize, T>(
    storage: &Storage,
    first: usize,
    len: usize,
    stride: isize,
    conv: impl Fn([u8; N]) -> T,
) -> Result<Vec<T>> {
    let mut out = try_vec(len)?;
    if len == 0 {
        return Ok(out);
    }
    let whole = |c: &[u8]| -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        a
    };
    if usize::try_from(stride).ok() == Some(N) {
        let nbytes = len.checked_mul(N).ok_or_else(Error::size_overflow)?;
        let end = first.checked_add(nbytes).ok_or_else(Error::size_overflow)?;
        if let Some(mem) = storage.as_plain() {
            let body = mem.get(first..end).ok_or_else(Error::size_overflow)?;
            out.extend(body.chunks_exact(N).map(|c| conv(whole(c))));
            return Ok(out);
        }
        const CHUNK: usize = 4096;
        let mut buf = [0u8; CHUNK];
        let per = CHUNK / N * N;
        let mut at = first;
        while at < end {
            let m = (end - at).min(per);
            let dst = buf.get_mut(..m).ok_or_else(Error::size_overflow)?;
            if !storage.read_into(at, dst) {
                return Err(Error::size_overflow());
            }
            out.extend(dst.chunks_exact(N).map(|c| conv(whole(c))));
            at += m;
        }
        return Ok(out);
    }
    let mut off = first;
    for k in 0..len {
        let item = storage
            .load_item::<N>(off)
            .ok_or_else(Error::size_overflow)?;
        out.push(conv(item));
        if k + 1 < len {
            off = off
                .checked_add_signed(stride)
                .ok_or_else(Error::size_overflow)?;
        }
    }
    Ok(out)
}

/// One row of `tolist()`: `len` items of format `nat` from byte `first`,
/// `stride` bytes apart. Cost: one pass over the items, one allocation.
///
/// # Errors
///
/// `MemoryError` when the row cannot be allocated; `OverflowError` if an
/// item lies outside the storage (never for a view that fits its memory).
pub(super) fn row(
    storage: &Storage,
    nat: Native,
    first: usize,
    len: usize,
    stride: isize,
) -> Result<Items> {
    let r = |f: fn(&Storage, usize, usize, isize) -> Result<Row>| f(storage, first, len, stride);
    let size = nat.size();
    let signed = matches!(nat.char(), 'b' | 'h' | 'i' | 'l' | 'q' | 'n');
    let row = match (nat.char(), size, signed) {
        ('c', ..) => r(|s, a, n, st| row_of(s, a, n, st, |[b]: [u8; 1]| b).map(Row::Char))?,
        ('?', ..) => r(|s, a, n, st| row_of(s, a, n, st, |[b]: [u8; 1]| b != 0).map(Row::Bool))?,
        ('f', ..) => r(|s, a, n, st| row_of(s, a, n, st, f32::from_ne_bytes).map(Row::F32))?,
        ('d', ..) => r(|s, a, n, st| row_of(s, a, n, st, f64::from_ne_bytes).map(Row::F64))?,
        ('e', ..) => r(|s, a, n, st| {
            row_of(s, a, n, st, |b| half_to_f64(u16::from_ne_bytes(b))).map(Row::F64)
        })?,
        (_, 1, true) => r(|s, a, n, st| row_of(s, a, n, st, i8::from_ne_bytes).map(Row::I8))?,
        (_, 1, false) => r(|s, a, n, st| row_of(s, a, n, st, u8::from_ne_bytes).map(Row::U8))?,
        (_, 2, true) => r(|s, a, n, st| row_of(s, a, n, st, i16::from_ne_bytes).map(Row::I16))?,
        (_, 2, false) => r(|s, a, n, st| row_of(s, a, n, st, u16::from_ne_bytes).map(Row::U16))?,
        (_, 4, true) => r(|s, a, n, st| row_of(s, a, n, st, i32::from_ne_bytes).map(Row::I32))?,
        (_, 4, false) => r(|s, a, n, st| row_of(s, a, n, st, u32::from_ne_bytes).map(Row::U32))?,
        (_, 8, true) => r(|s, a, n, st| row_of(s, a, n, st, i64::from_ne_bytes).map(Row::I64))?,
        (_, 8, false) => r(|s, a, n, st| row_of(s, a, n, st, u64::from_ne_bytes).map(Row::U64))?,
        _ => return Err(Error::size_overflow()),
    };
    Ok(Items(row))
}

#[cfg(test)]
mod tests {
    use super::Nested;
    use crate::{ByteArray, Bytes, MemoryView};

    /// Every format's rows, over frozen and shared memory, contiguous and
    /// strided, 1-D and 2-D, hold what `get`/`get_at` read item by item,
    /// and print as the list of those items prints.
    #[test]
    fn rows_agree_with_item_reads() {
        let data: Vec<u8> = (0..96u8).map(|i| i.wrapping_mul(73) ^ 0x3c).collect();
        let ba = ByteArray::from(&data[..]);
        let b = Bytes::from(&data[..]);
        for c in "cbB?hHiIlLqQnNfdeP".chars() {
            let f = c.to_string();
            for m in [MemoryView::new(&ba).unwrap(), MemoryView::new(&b).unwrap()] {
                let t = m.cast(&f).unwrap();
                for v in [
                    t.slice(None, None, None).unwrap(),
                    t.slice(None, None, Some(-2)).unwrap(),
                    t.slice(Some(3), Some(3), None).unwrap(),
                ] {
                    let n = v.len().unwrap() as isize;
                    let by_hand =
                        Nested::List((0..n).map(|i| Nested::Item(v.get(i).unwrap())).collect());
                    let got = v.tolist().unwrap();
                    assert!(matches!(got, Nested::Items(_)), "{f}");
                    assert_eq!(got.to_string(), by_hand.to_string(), "{f}");
                    if !matches!(c, 'f' | 'd' | 'e') {
                        // (NaN != NaN)
                        assert_eq!(got, by_hand, "{f}");
                        assert_eq!(by_hand, got, "{f}");
                    }
                    assert_eq!(got.flatten().len(), n as usize);
                }
                let rows = 96 / Native_size(c) / 4;
                let g = m.cast_shape(&f, &[rows, 4]).unwrap();
                let want: Vec<Nested> = (0..rows as isize)
                    .map(|r| {
                        Nested::List(
                            (0..4)
                                .map(|k| Nested::Item(g.get_at(&[r, k]).unwrap()))
                                .collect(),
                        )
                    })
                    .collect();
                assert_eq!(
                    g.tolist().unwrap().to_string(),
                    Nested::List(want).to_string()
                );
            }
        }
    }

    /// Over `bytearray` memory, rows of every format starting at every
    /// offset in a word (items inside a word and straddling a boundary),
    /// contiguous and stepped, hold what `get` reads and print as the same
    /// rows over `bytes` do.
    #[test]
    fn rows_at_every_alignment_over_bytearray() {
        let data: Vec<u8> = (0..160u32).map(|i| (i * 89 % 251) as u8).collect();
        let ba = ByteArray::from(&data[..]);
        let b = Bytes::from(&data[..]);
        for c in "cbB?hHiIlLqQnNfdeP".chars() {
            let f = c.to_string();
            let size = Native_size(c);
            for off in 0..8usize {
                let k = (data.len() - off) / size;
                let (lo, hi) = (Some(off as isize), Some((off + k * size) as isize));
                let over = |m: MemoryView| m.slice(lo, hi, None).unwrap().cast(&f).unwrap();
                let x = over(MemoryView::new(&ba).unwrap());
                let y = over(MemoryView::new(&b).unwrap());
                for step in [None, Some(-3), Some(2)] {
                    let v = x.slice(None, None, step).unwrap();
                    let w = y.slice(None, None, step).unwrap();
                    let n = v.len().unwrap() as isize;
                    let by_hand =
                        Nested::List((0..n).map(|i| Nested::Item(v.get(i).unwrap())).collect());
                    let got = v.tolist().unwrap();
                    assert!(matches!(got, Nested::Items(_)), "{f}");
                    assert_eq!(got.to_string(), by_hand.to_string(), "{f} {off}");
                    assert_eq!(
                        got.to_string(),
                        w.tolist().unwrap().to_string(),
                        "{f} {off}"
                    );
                }
            }
        }
    }

    #[allow(non_snake_case)]
    fn Native_size(c: char) -> usize {
        crate::format::Native::parse(&c.to_string()).unwrap().size()
    }
}
