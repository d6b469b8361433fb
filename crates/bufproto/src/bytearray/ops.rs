//! `bytearray` as a sequence: `+`, `*`, their in-place forms `+=` and `*=`
//! (which resize, so an export refuses them), `in`, `count`, `find`,
//! `index` and ordering against any bytes-like object, with CPython's
//! errors (`Objects/bytearrayobject.c`).

use std::cmp::Ordering;

use super::ByteArray;
use crate::bytes::Needle;
use crate::bytes::ops::{self, concat_operand, repeated};
use crate::error::{Error, Result, try_vec};
use crate::protocol::{Exporter, Flags};

/// A `Vec` as a new `ByteArray`, the allocation reported.
fn bytearray_of(v: &[u8]) -> Result<ByteArray> {
    let mut b = ByteArray::new();
    b.extend(v)?;
    Ok(b)
}

impl ByteArray {
    /// `ba + other` (`bytearray_concat`): a new `bytearray`; any bytes-like
    /// `other`. Cost: O(len + len(other)).
    ///
    /// # Errors
    ///
    /// `TypeError: can't concat memoryview to bytearray` when `other`
    /// refuses a simple buffer; `MemoryError`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::from(&b"ab"[..]);
    /// assert_eq!(ba.concat(&Bytes::from(&b"c"[..]))?.to_vec(), b"abc");
    /// # Ok(()) }
    /// ```
    pub fn concat<E: Exporter + ?Sized>(&self, other: &E) -> Result<ByteArray> {
        let tail = concat_operand(other, "bytearray")?;
        // One result of exactly the joint size, as CPython's
        // `PyByteArray_FromStringAndSize(NULL, size)`: its allocation is
        // `size + 1`, not grown twice.
        let size = self
            .len()
            .checked_add(tail.len())
            .filter(|&s| isize::try_from(s).is_ok())
            .ok_or_else(Error::no_memory)?;
        let mut joined = try_vec(size)?;
        if !self.storage.copy_out(self.start, self.len, &mut joined) {
            return Err(Error::size_overflow());
        }
        joined.extend_from_slice(&tail);
        bytearray_of(&joined)
    }

    /// `ba * n` (`bytearray_repeat`): a new `bytearray`; `n <= 0` gives an
    /// empty one. Cost: O(len · n).
    ///
    /// # Errors
    ///
    /// `MemoryError` when the size leaves `isize` or cannot be allocated.
    ///
    /// ```
    /// use bufproto::{ByteArray, ErrorKind};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::from(&b"ab"[..]);
    /// assert_eq!(ba.repeat(2)?.to_vec(), b"abab");
    /// assert_eq!(ba.repeat(1 << 62).unwrap_err().kind(), ErrorKind::MemoryError);
    /// # Ok(()) }
    /// ```
    pub fn repeat(&self, n: isize) -> Result<ByteArray> {
        bytearray_of(&repeated(&self.copy()?, n, Error::no_memory)?)
    }

    /// `ba += other` (`bytearray_iconcat`): appends `other`'s bytes. A
    /// resize, so refused while exported, unless `other` is empty (the
    /// size does not change). On error the array is unchanged. Cost:
    /// O(len(other)) amortised.
    ///
    /// # Errors
    ///
    /// `TypeError: can't concat memoryview to bytearray`; `BufferError:
    /// Existing exports of data: object cannot be re-sized`; `MemoryError`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut ba = ByteArray::from(&b"ab"[..]);
    /// let m = MemoryView::new(&ba)?;
    /// ba.iconcat(&Bytes::default())?;
    /// assert_eq!(ba.iconcat(&Bytes::from(&b"c"[..])).unwrap_err().to_string(),
    ///            "BufferError: Existing exports of data: object cannot be re-sized");
    /// drop(m);
    /// ba.iconcat(&Bytes::from(&b"c"[..]))?;
    /// assert_eq!(ba.to_vec(), b"abc");
    /// # Ok(()) }
    /// ```
    pub fn iconcat<E: Exporter + ?Sized>(&mut self, other: &E) -> Result<()> {
        let tail = concat_operand(other, "bytearray")?;
        if self
            .len()
            .checked_add(tail.len())
            .is_none_or(|s| isize::try_from(s).is_err())
        {
            return Err(Error::no_memory());
        }
        self.extend(&tail)
    }

    /// `ba *= n` (`bytearray_irepeat`): the contents `n` times, in place
    /// (`n <= 0` empties it). A resize, so refused while exported unless
    /// the size stays the same (`n == 1`, or an empty array). On error the
    /// array is unchanged. Cost: O(len · n).
    ///
    /// # Errors
    ///
    /// `MemoryError` when the size leaves `isize` or cannot be allocated
    /// (checked first); `BufferError: Existing exports of data: object
    /// cannot be re-sized`.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut ba = ByteArray::from(&b"ab"[..]);
    /// ba.irepeat(2)?;
    /// let m = MemoryView::new(&ba)?;
    /// ba.irepeat(1)?;
    /// assert_eq!(ba.irepeat(0).unwrap_err().to_string(),
    ///            "BufferError: Existing exports of data: object cannot be re-sized");
    /// drop(m);
    /// assert_eq!(ba.to_vec(), b"abab");
    /// # Ok(()) }
    /// ```
    pub fn irepeat(&mut self, n: isize) -> Result<()> {
        let len = self.len();
        let count = usize::try_from(n).unwrap_or(0);
        if count > 0
            && len
                .checked_mul(count)
                .is_none_or(|s| isize::try_from(s).is_err())
        {
            return Err(Error::no_memory());
        }
        match count {
            // the size stays (0, or `len` once): no resize, allowed
            _ if len == 0 => Ok(()),
            0 => self.clear(),
            1 => Ok(()),
            _ => {
                // the resize is refused before anything is allocated
                if self.exports() > 0 {
                    return Err(Error::cannot_resize());
                }
                let tail = repeated(&self.copy()?, n - 1, Error::no_memory)?;
                self.extend(&tail)
            }
        }
    }

    /// `needle in ba`. Cost: O(len) to copy the contents, then as
    /// [`Bytes::contains`](crate::Bytes::contains).
    ///
    /// # Errors
    ///
    /// `ValueError: byte must be in range(0, 256)`; `MemoryError` if the
    /// copy cannot be allocated.
    ///
    /// ```
    /// use bufproto::ByteArray;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(ByteArray::from(&b"abc"[..]).contains(&b"bc"[..])?);
    /// # Ok(()) }
    /// ```
    pub fn contains<'a>(&self, needle: impl Into<Needle<'a>>) -> Result<bool> {
        Ok(ops::find(&self.copy()?, needle.into(), None, None)?.is_some())
    }

    /// `ba.count(needle, start, end)`, as
    /// [`Bytes::count`](crate::Bytes::count). Cost: O(len) to copy, then
    /// the search.
    ///
    /// # Errors
    ///
    /// As [`contains`](ByteArray::contains).
    ///
    /// ```
    /// use bufproto::ByteArray;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(ByteArray::from(&b"abab"[..]).count(&b"ab"[..], None, None)?, 2);
    /// # Ok(()) }
    /// ```
    pub fn count<'a>(
        &self,
        needle: impl Into<Needle<'a>>,
        start: Option<isize>,
        end: Option<isize>,
    ) -> Result<usize> {
        ops::count(&self.copy()?, needle.into(), start, end)
    }

    /// `ba.find(needle, start, end)`: `None` is Python's `-1`. Cost: as
    /// [`count`](ByteArray::count).
    ///
    /// # Errors
    ///
    /// As [`contains`](ByteArray::contains).
    ///
    /// ```
    /// use bufproto::ByteArray;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(ByteArray::from(&b"abc"[..]).find(&b"c"[..], None, None)?, Some(2));
    /// # Ok(()) }
    /// ```
    pub fn find<'a>(
        &self,
        needle: impl Into<Needle<'a>>,
        start: Option<isize>,
        end: Option<isize>,
    ) -> Result<Option<usize>> {
        ops::find(&self.copy()?, needle.into(), start, end)
    }

    /// `ba.index(needle, start, end)`. Cost: as [`count`](ByteArray::count).
    ///
    /// # Errors
    ///
    /// `ValueError: subsection not found`; as [`contains`](ByteArray::contains).
    ///
    /// ```
    /// use bufproto::ByteArray;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(ByteArray::from(&b"ab"[..]).index(&b"x"[..], None, None).unwrap_err().to_string(),
    ///            "ValueError: subsection not found");
    /// # Ok(()) }
    /// ```
    pub fn index<'a>(
        &self,
        needle: impl Into<Needle<'a>>,
        start: Option<isize>,
        end: Option<isize>,
    ) -> Result<usize> {
        ops::index(&self.copy()?, needle.into(), start, end)
    }

    /// `ba < other` and the other orderings (`bytearray_richcompare`):
    /// against any bytes-like object, by byte value, a prefix first.
    /// `None` when `other` refuses a simple buffer (a non-contiguous view):
    /// Python then finds no ordering, `TypeError: '<' not supported between
    /// instances of 'bytearray' and 'memoryview'`. Cost: O(min(len,
    /// len(other))), no allocation beyond `other`'s export.
    ///
    /// ```
    /// use std::cmp::Ordering;
    /// use bufproto::{ByteArray, Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::from(&b"a"[..]);
    /// assert_eq!(ba.compare(&Bytes::from(&b"b"[..])), Some(Ordering::Less));
    /// let strided = MemoryView::new(&Bytes::from(&b"abcd"[..]))?.slice(None, None, Some(2))?;
    /// assert_eq!(ba.compare(&strided), None);
    /// # Ok(()) }
    /// ```
    pub fn compare<E: Exporter + ?Sized>(&self, other: &E) -> Option<Ordering> {
        let buf = other.get_buffer(Flags::SIMPLE).ok()?;
        if buf.is_empty() {
            // No bytes: an empty layout's offset may lie anywhere, even
            // past the memory (no item is outside it).
            return Some(self.len.cmp(&0));
        }
        let at = usize::try_from(buf.layout().offset()).ok();
        match at {
            Some(at) if buf.layout().c_contiguous() => {
                self.storage
                    .cmp_range((self.start, self.len), buf.storage(), (at, buf.len()))
            }
            // An exporter that answered a simple request with another
            // layout: compare copies (fallible, as every copy is).
            _ => Some(self.copy().ok()?.cmp(&buf.to_vec().ok()?)),
        }
    }
}

/// `<`, `<=`, `>`, `>=` of two `bytearray`s: by byte value, a prefix
/// first (as [`ByteArray::compare`]). Cost: O(len), no allocation (the
/// bytes are compared in place, or 512 at a time through the stack).
///
/// ```
/// use bufproto::ByteArray;
/// assert!(ByteArray::from(&b"ab"[..]) < ByteArray::from(&b"b"[..]));
/// ```
impl PartialOrd for ByteArray {
    fn partial_cmp(&self, other: &ByteArray) -> Option<Ordering> {
        self.storage.cmp_range(
            (self.start, self.len),
            &other.storage,
            (other.start, other.len),
        )
    }
}
