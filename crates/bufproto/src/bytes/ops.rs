//! `bytes` as a sequence: `+`, `*`, `in`, `count`, `find`, `index`,
//! `join` and ordering, with CPython's errors (`Objects/bytesobject.c`,
//! `Objects/stringlib`).

use std::cmp::Ordering;

use super::Bytes;
use crate::error::{Error, Result, ensure_arc_fits, try_vec};
use crate::protocol::{Exporter, Flags};

/// What `in`, `count`, `find` and `index` look for in `bytes` or
/// `bytearray`: one byte given as an int (`97 in b`) or a subsequence
/// (`b"ab" in b`; any bytes-like object's bytes, as
/// `get_buffer(Flags::SIMPLE)` gives them).
///
/// ```
/// use bufproto::{Bytes, Needle};
/// # fn main() -> Result<(), bufproto::Error> {
/// let b = Bytes::from(&b"abc"[..]);
/// assert!(b.contains(Needle::Byte(98))? && b.contains(&b"bc"[..])?);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needle<'a> {
    /// An int: must be a byte value, `0..256`.
    Byte(i64),
    /// A subsequence (the empty one is found everywhere).
    Bytes(&'a [u8]),
}

impl<'a> From<&'a [u8]> for Needle<'a> {
    fn from(b: &'a [u8]) -> Needle<'a> {
        Needle::Bytes(b)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Needle<'a> {
    fn from(b: &'a [u8; N]) -> Needle<'a> {
        Needle::Bytes(b)
    }
}

impl From<u8> for Needle<'_> {
    fn from(b: u8) -> Needle<'static> {
        Needle::Byte(i64::from(b))
    }
}

/// The needle's bytes, or CPython's `ValueError` for an int that is not a
/// byte value.
fn needle_bytes<'a>(needle: Needle<'a>, one: &'a mut [u8; 1]) -> Result<&'a [u8]> {
    match needle {
        Needle::Bytes(b) => Ok(b),
        Needle::Byte(v) => {
            one[0] =
                u8::try_from(v).map_err(|_| Error::value_error("byte must be in range(0, 256)"))?;
            Ok(&one[..])
        }
    }
}

/// `ADJUST_INDICES`: `start` and `end` as slice bounds (negative counts
/// from the end, clamped to `0..=len`); `start` may exceed `end`.
fn adjust(len: usize, start: Option<isize>, end: Option<isize>) -> (usize, usize) {
    let clamp = |i: isize| {
        if i < 0 {
            len.saturating_sub(i.unsigned_abs())
        } else {
            i.unsigned_abs().min(len)
        }
    };
    let start = start.map_or(0, |s| if s < 0 { clamp(s) } else { s.unsigned_abs() });
    (start, end.map_or(len, clamp))
}

/// The first position of `sub` in `hay[start..end]` (absolute), as
/// `find_internal`: an empty `sub` is found at `start` unless `start` is
/// past `end`. Cost: O(len · len(sub)) at worst (CPython's two-way search
/// is linear; the answers are the same).
pub(crate) fn find_in(hay: &[u8], sub: &[u8], start: usize, end: usize) -> Option<usize> {
    let window = hay.get(start..end.max(start))?;
    if start > end || window.len() < sub.len() {
        return None;
    }
    match sub {
        [] => Some(start),
        [b] => window.iter().position(|x| x == b).map(|p| p + start),
        _ => window
            .windows(sub.len())
            .position(|w| w == sub)
            .map(|p| p + start),
    }
}

/// `stringlib_count`: non-overlapping occurrences of `sub` in
/// `hay[start..end]`; an empty `sub` counts `end - start + 1`.
pub(crate) fn count_in(hay: &[u8], sub: &[u8], start: usize, end: usize) -> usize {
    if start > end || start > hay.len() {
        return 0;
    }
    if sub.is_empty() {
        return end - start + 1;
    }
    let mut n = 0;
    let mut at = start;
    while let Some(p) = find_in(hay, sub, at, end) {
        n += 1;
        at = p + sub.len();
    }
    n
}

/// `bytes.count`, `bytearray.count`. Cost: as [`find_in`].
pub(crate) fn count(
    hay: &[u8],
    needle: Needle<'_>,
    start: Option<isize>,
    end: Option<isize>,
) -> Result<usize> {
    let mut one = [0];
    let sub = needle_bytes(needle, &mut one)?;
    let (s, e) = adjust(hay.len(), start, end);
    Ok(count_in(hay, sub, s, e))
}

/// `bytes.find`, `bytearray.find` (`None` is Python's `-1`).
pub(crate) fn find(
    hay: &[u8],
    needle: Needle<'_>,
    start: Option<isize>,
    end: Option<isize>,
) -> Result<Option<usize>> {
    let mut one = [0];
    let sub = needle_bytes(needle, &mut one)?;
    let (s, e) = adjust(hay.len(), start, end);
    Ok(find_in(hay, sub, s, e))
}

/// `bytes.index`, `bytearray.index`: `find` or `ValueError`.
pub(crate) fn index(
    hay: &[u8],
    needle: Needle<'_>,
    start: Option<isize>,
    end: Option<isize>,
) -> Result<usize> {
    find(hay, needle, start, end)?.ok_or_else(|| Error::value_error("subsection not found"))
}

/// The bytes of `other` for `a + other`: a C-contiguous buffer
/// (`PyBUF_SIMPLE`), or CPython's `TypeError: can't concat X to Y`.
pub(crate) fn concat_operand<E: Exporter + ?Sized>(other: &E, to: &str) -> Result<Vec<u8>> {
    let refused = || {
        Error::type_error(format!(
            "can't concat {} to {to}",
            other.obj_ref().type_name()
        ))
    };
    let buf = other.get_buffer(Flags::SIMPLE).map_err(|_| refused())?;
    buf.to_vec()
}

/// `a` repeated `n` times into one fallible allocation (`n <= 0`: empty),
/// or `too_long` when the size leaves `isize`.
pub(crate) fn repeated(a: &[u8], n: isize, too_long: fn() -> Error) -> Result<Vec<u8>> {
    let n = usize::try_from(n).unwrap_or(0);
    let size = a
        .len()
        .checked_mul(n)
        .filter(|s| isize::try_from(*s).is_ok())
        .ok_or_else(too_long)?;
    let mut v = try_vec(size)?;
    // `size` bounds the loop only when `a` has bytes: `b'' * 2**62` is
    // empty at once, not 2**62 empty copies.
    if !a.is_empty() {
        for _ in 0..n {
            v.extend_from_slice(a);
        }
    }
    Ok(v)
}

/// A `Vec` as `Bytes`, its `Arc` checked to fit first: a second
/// allocation and a copy (`Arc<[u8]>::from(Vec)` cannot reuse the `Vec`).
fn bytes_of(v: Vec<u8>) -> Result<Bytes> {
    ensure_arc_fits::<u8>(v.len())?;
    Ok(Bytes::from(v))
}

impl Bytes {
    /// `b + other` (`bytes_concat`): a new `bytes` of both contents; any
    /// bytes-like `other` (a C-contiguous buffer). Cost: O(len + len(other)):
    /// the copy out of `other`, the result built in a `Vec`, then copied
    /// once more into its `Arc`.
    ///
    /// # Errors
    ///
    /// `TypeError: can't concat memoryview to bytes` when `other` refuses
    /// a simple buffer (a non-contiguous view); `MemoryError`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"ab"[..]);
    /// assert_eq!(b.concat(&ByteArray::from(&b"c"[..]))?.as_slice(), b"abc");
    /// let strided = MemoryView::new(&Bytes::from(&b"abcd"[..]))?.slice(None, None, Some(2))?;
    /// assert_eq!(b.concat(&strided).unwrap_err().to_string(),
    ///            "TypeError: can't concat memoryview to bytes");
    /// # Ok(()) }
    /// ```
    pub fn concat<E: Exporter + ?Sized>(&self, other: &E) -> Result<Bytes> {
        let tail = concat_operand(other, "bytes")?;
        let size = self
            .len()
            .checked_add(tail.len())
            .filter(|s| isize::try_from(*s).is_ok())
            .ok_or_else(Error::no_memory)?;
        let mut v = try_vec(size)?;
        v.extend_from_slice(self.as_slice());
        v.extend_from_slice(&tail);
        bytes_of(v)
    }

    /// `b * n` (`bytes_repeat`): `n <= 0` gives `b""`. Cost: O(len · n):
    /// the result built in a `Vec`, then copied once more into its `Arc`.
    ///
    /// # Errors
    ///
    /// `OverflowError: repeated bytes are too long` when the size leaves
    /// `isize`; `MemoryError` when it cannot be allocated.
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"ab"[..]);
    /// assert_eq!((b.repeat(3)?.as_slice(), b.repeat(-1)?.len()), (&b"ababab"[..], 0));
    /// assert_eq!(b.repeat(1 << 62).unwrap_err().to_string(),
    ///            "OverflowError: repeated bytes are too long");
    /// # Ok(()) }
    /// ```
    pub fn repeat(&self, n: isize) -> Result<Bytes> {
        let too_long = || Error::overflow_error("repeated bytes are too long");
        bytes_of(repeated(self.as_slice(), n, too_long)?)
    }

    /// `needle in b` (`_Py_bytes_contains`). Cost: O(len · len(needle)) at
    /// worst, no allocation.
    ///
    /// # Errors
    ///
    /// `ValueError: byte must be in range(0, 256)` for a
    /// [`Needle::Byte`] outside it.
    ///
    /// ```
    /// use bufproto::{Bytes, Needle};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"abc"[..]);
    /// assert!(b.contains(&b""[..])? && !b.contains(&b"ac"[..])?);
    /// assert_eq!(b.contains(Needle::Byte(300)).unwrap_err().to_string(),
    ///            "ValueError: byte must be in range(0, 256)");
    /// # Ok(()) }
    /// ```
    pub fn contains<'a>(&self, needle: impl Into<Needle<'a>>) -> Result<bool> {
        Ok(find(self.as_slice(), needle.into(), None, None)?.is_some())
    }

    /// `b.count(needle, start, end)`: non-overlapping occurrences in
    /// `b[start:end]` (the bounds as slice bounds; `None`: not given). An
    /// empty needle counts the positions, `len + 1`. Cost: as
    /// [`contains`](Bytes::contains).
    ///
    /// # Errors
    ///
    /// As [`contains`](Bytes::contains).
    ///
    /// ```
    /// use bufproto::{Bytes, Needle};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"aaab"[..]);
    /// assert_eq!(b.count(&b"aa"[..], None, None)?, 1);
    /// assert_eq!(b.count(&b""[..], None, None)?, 5);
    /// assert_eq!(b.count(Needle::Byte(97), Some(1), Some(-1))?, 2);
    /// # Ok(()) }
    /// ```
    pub fn count<'a>(
        &self,
        needle: impl Into<Needle<'a>>,
        start: Option<isize>,
        end: Option<isize>,
    ) -> Result<usize> {
        count(self.as_slice(), needle.into(), start, end)
    }

    /// `b.find(needle, start, end)`: the first position in `b[start:end]`,
    /// or `None` (Python's `-1`). Cost: as [`contains`](Bytes::contains).
    ///
    /// # Errors
    ///
    /// As [`contains`](Bytes::contains).
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"abc"[..]);
    /// assert_eq!((b.find(&b""[..], Some(3), None)?, b.find(&b""[..], Some(4), None)?), (Some(3), None));
    /// # Ok(()) }
    /// ```
    pub fn find<'a>(
        &self,
        needle: impl Into<Needle<'a>>,
        start: Option<isize>,
        end: Option<isize>,
    ) -> Result<Option<usize>> {
        find(self.as_slice(), needle.into(), start, end)
    }

    /// `b.index(needle, start, end)`: as [`find`](Bytes::find), but absent
    /// is an error. Cost: as [`contains`](Bytes::contains).
    ///
    /// # Errors
    ///
    /// `ValueError: subsection not found`; as [`contains`](Bytes::contains).
    ///
    /// ```
    /// use bufproto::{Bytes, Needle};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"abc"[..]);
    /// assert_eq!(b.index(Needle::Byte(99), Some(-1), None)?, 2);
    /// assert_eq!(b.index(&b"d"[..], None, None).unwrap_err().to_string(),
    ///            "ValueError: subsection not found");
    /// # Ok(()) }
    /// ```
    pub fn index<'a>(
        &self,
        needle: impl Into<Needle<'a>>,
        start: Option<isize>,
        end: Option<isize>,
    ) -> Result<usize> {
        index(self.as_slice(), needle.into(), start, end)
    }

    /// `b.join(items)` (`bytes_join`): the items' bytes with `b` between
    /// them; each item any bytes-like object (a C-contiguous buffer).
    /// Cost: O(total size): one copy out of each item, the result built in
    /// a `Vec`, then copied into its `Arc`.
    ///
    /// # Errors
    ///
    /// `TypeError: sequence item 1: expected a bytes-like object,
    /// memoryview found` for an item that refuses a simple buffer;
    /// `OverflowError: join() result is too long`; `MemoryError`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, Exporter, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let (a, b) = (Bytes::from(&b"a"[..]), ByteArray::from(&b"b"[..]));
    /// let items: [&dyn Exporter; 2] = [&a, &b];
    /// assert_eq!(Bytes::from(&b", "[..]).join(&items)?.as_slice(), b"a, b");
    /// let strided = MemoryView::new(&Bytes::from(&b"abcd"[..]))?.slice(None, None, Some(2))?;
    /// let items: [&dyn Exporter; 2] = [&a, &strided];
    /// assert_eq!(Bytes::default().join(&items).unwrap_err().to_string(),
    ///            "TypeError: sequence item 1: expected a bytes-like object, memoryview found");
    /// # Ok(()) }
    /// ```
    pub fn join(&self, items: &[&dyn Exporter]) -> Result<Bytes> {
        let mut parts = try_vec(items.len())?;
        let mut size = 0usize;
        for (i, item) in items.iter().enumerate() {
            let part = item
                .get_buffer(Flags::SIMPLE)
                .map_err(|_| {
                    Error::type_error(format!(
                        "sequence item {i}: expected a bytes-like object, {} found",
                        item.obj_ref().type_name()
                    ))
                })?
                .to_vec()?;
            let sep = if i == 0 { 0 } else { self.len() };
            size = size
                .checked_add(part.len())
                .and_then(|s| s.checked_add(sep))
                .filter(|s| isize::try_from(*s).is_ok())
                .ok_or_else(|| Error::overflow_error("join() result is too long"))?;
            parts.push(part);
        }
        let mut v = try_vec(size)?;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                v.extend_from_slice(self.as_slice());
            }
            v.extend_from_slice(part);
        }
        bytes_of(v)
    }
}

/// `<`, `<=`, `>`, `>=` of two `bytes`: lexicographic by byte value, a
/// prefix first (`memcmp`, then the lengths). Cost: O(min(len)).
///
/// ```
/// use bufproto::Bytes;
/// assert!(Bytes::from(&b"ab"[..]) < Bytes::from(&b"b"[..]));
/// assert!(Bytes::from(&b"a"[..]) < Bytes::from(&b"ab"[..]));
/// ```
impl PartialOrd for Bytes {
    fn partial_cmp(&self, other: &Bytes) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// As [`PartialOrd`]: byte strings are totally ordered.
///
/// ```
/// use bufproto::Bytes;
/// let mut v = vec![Bytes::from(&b"b"[..]), Bytes::from(&b"a"[..])];
/// v.sort();
/// assert_eq!(v[0].as_slice(), b"a");
/// ```
impl Ord for Bytes {
    fn cmp(&self, other: &Bytes) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}
