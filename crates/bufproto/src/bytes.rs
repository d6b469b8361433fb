//! `bytes`: immutable bytes, cheap to clone and to slice.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use crate::error::{Error, Result, ensure_arc_fits, try_collect};
use crate::hex;
use crate::layout::{Layout, adjust_slice, normalize_index};
use crate::protocol::{Buffer, Exporter, Flags, ObjRef, new_id};
use crate::storage::{Storage, try_arc};

pub(crate) mod ops;
pub use ops::Needle;

/// Python's `bytes`: an immutable byte string.
///
/// A `Bytes` is an `Arc<[u8]>` plus a range, so `clone` and contiguous
/// slicing are O(1) and copy no data:
///
/// ```text
///  Bytes { range: 2..5 } ──┐
///                          ▼
///  Arc<[u8]>  [ h e l l o w o r l d ]
///              ▲
///  Bytes { range: 0..10 } (the original)
/// ```
///
/// **Difference from CPython:** `b[1:4]` copies in Python; here
/// [`Bytes::slice`] with step 1 shares the memory, which is safe because
/// nobody can write to it. A slice keeps the whole allocation alive; call
/// [`Bytes::copy`] to detach a small slice from a large buffer.
///
/// ```
/// use bufproto::Bytes;
/// # fn main() -> Result<(), bufproto::Error> {
/// let b = Bytes::from(&b"hello world"[..]);
/// let w = b.slice(Some(6), None, None)?;
/// assert_eq!(w, Bytes::from(&b"world"[..]));
/// assert_eq!(format!("{:?}", Bytes::from(&b"abc\x00"[..])), r"b'abc\x00'");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Bytes {
    data: Arc<[u8]>,
    start: usize,
    len: usize,
    id: u64,
}

impl Bytes {
    pub(crate) fn from_arc(data: Arc<[u8]>) -> Bytes {
        let len = data.len();
        Bytes {
            data,
            start: 0,
            len,
            id: new_id(),
        }
    }

    /// A `Bytes` holding a copy of `v`, or `MemoryError` (the fallible
    /// `From<&[u8]>` the crate's own copies use).
    pub(crate) fn try_from_slice(v: &[u8]) -> Result<Bytes> {
        Ok(Bytes::from_arc(try_arc(v)?))
    }

    /// `bytes(n)`: `n` zero bytes. Cost: allocates and zeroes `n` bytes.
    ///
    /// # Errors
    ///
    /// `OverflowError: cannot fit 'int' into an index-sized integer` when
    /// `n > isize::MAX`; `OverflowError: byte string is too large` when
    /// CPython's object header would not fit either (`n > isize::MAX -
    /// 33` on 64-bit); `MemoryError` (empty message, as CPython's) when the
    /// allocation fails.
    ///
    /// ```
    /// use bufproto::{Bytes, ErrorKind};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::zeroed(3)?.as_slice(), &[0, 0, 0]);
    /// assert_eq!(Bytes::zeroed(1 << 45).unwrap_err().kind(), ErrorKind::MemoryError);
    /// # Ok(()) }
    /// ```
    pub fn zeroed(n: usize) -> Result<Bytes> {
        check_size(n)?;
        // PyBytes_FromStringAndSize: PyBytesObject_SIZE is the object
        // header (three words and a hash word) plus the trailing NUL: 33
        // bytes on 64-bit, 17 on wasm32.
        let header = 4 * std::mem::size_of::<usize>() + 1;
        if n > isize::MAX.unsigned_abs() - header {
            return Err(Error::overflow_error("byte string is too large"));
        }
        ensure_arc_fits::<u8>(n)?;
        // `repeat_n` has an exact length: one allocation, straight into
        // the `Arc` (no `Vec` to copy, no infallible `vec![0; n]`).
        Ok(Bytes::from_arc(std::iter::repeat_n(0u8, n).collect()))
    }

    /// `bytes(iterable_of_ints)`. Cost: O(n), one allocation.
    ///
    /// # Errors
    ///
    /// `ValueError: bytes must be in range(0, 256)` for any value outside
    /// `0..=255` (note: `bytearray` says "byte must be ..."); `MemoryError`
    /// when the items do not fit in memory.
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::from_ints([104, 105])?, Bytes::from(&b"hi"[..]));
    /// assert_eq!(Bytes::from_ints([256]).unwrap_err().to_string(),
    ///            "ValueError: bytes must be in range(0, 256)");
    /// # Ok(()) }
    /// ```
    pub fn from_ints<I: IntoIterator<Item = i64>>(values: I) -> Result<Bytes> {
        let v = values.into_iter().map(|x| {
            u8::try_from(x).map_err(|_| Error::value_error("bytes must be in range(0, 256)"))
        });
        Bytes::try_from_slice(&try_collect(v)?)
    }

    /// `bytes.fromhex(s)` with CPython 3.14's rules: ASCII whitespace may
    /// separate byte pairs (not split one). Cost: O(len(s)).
    ///
    /// # Errors
    ///
    /// `ValueError: non-hexadecimal number found in fromhex() arg at position N`
    /// (N counts characters; a non-ASCII character anywhere is reported
    /// first), and `ValueError: fromhex() arg must contain an even number of
    /// hexadecimal digits` (3.11 reported a position past the end instead;
    /// see [`VERSION_DIFFERENCES`](crate::VERSION_DIFFERENCES)); `MemoryError`
    /// if the result cannot be allocated.
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::fromhex("de ad be ef")?.as_slice(), &[0xde, 0xad, 0xbe, 0xef]);
    /// assert_eq!(Bytes::fromhex("a b").unwrap_err().to_string(),
    ///            "ValueError: non-hexadecimal number found in fromhex() arg at position 1");
    /// assert_eq!(Bytes::fromhex("abc").unwrap_err().message(),
    ///            "fromhex() arg must contain an even number of hexadecimal digits");
    /// # Ok(()) }
    /// ```
    pub fn fromhex(s: &str) -> Result<Bytes> {
        Bytes::try_from_slice(&hex::from_hex(s)?)
    }

    /// `hash(b)`: a hash of the contents, equal to
    /// [`MemoryView::hash`](crate::MemoryView::hash) of a view with the same
    /// bytes. It is SipHash-1-3 with fixed keys (std's `DefaultHasher`), so
    /// it is stable within one build but, unlike CPython's, is not
    /// randomised per process. Cost: O(len).
    ///
    /// ```
    /// use bufproto::Bytes;
    /// assert_eq!(Bytes::from(&b"ab"[..]).hash_value(), Bytes::from(vec![b'a', b'b']).hash_value());
    /// ```
    pub fn hash_value(&self) -> u64 {
        Bytes::hash_of(self.as_slice())
    }

    pub(crate) fn hash_of(data: &[u8]) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one(data)
    }

    /// `len(b)`. Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::Bytes::from(&b"ab"[..]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// `len(b) == 0`. Cost: O(1).
    ///
    /// ```
    /// assert!(bufproto::Bytes::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `b[index]` with negative indices counting from the end. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `IndexError: index out of range`.
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"abc"[..]);
    /// assert_eq!(b.get(-1)?, b'c');
    /// assert_eq!(b.get(3).unwrap_err().to_string(), "IndexError: index out of range");
    /// # Ok(()) }
    /// ```
    pub fn get(&self, index: isize) -> Result<u8> {
        normalize_index(index, self.len)
            .map(|i| self.as_slice()[i])
            .ok_or_else(|| Error::index_error("index out of range"))
    }

    /// `b[start:stop:step]` with Python's slice rules (`None` parts, negative
    /// and out-of-range indices clamp). Cost: O(1) and no copy when the
    /// effective step is 1 (shares the allocation, unlike CPython); otherwise
    /// copies the selected bytes.
    ///
    /// # Errors
    ///
    /// `ValueError: slice step cannot be zero`.
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"abcdef"[..]);
    /// assert_eq!(b.slice(Some(1), Some(-1), None)?.as_slice(), b"bcde");
    /// assert_eq!(b.slice(None, None, Some(-2))?.as_slice(), b"fdb");
    /// # Ok(()) }
    /// ```
    pub fn slice(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
    ) -> Result<Bytes> {
        let s = adjust_slice(self.len, start, stop, step)?;
        if s.step == 1 || s.len <= 1 {
            let first = if s.len == 0 { 0 } else { s.start as usize };
            return Ok(Bytes {
                data: self.data.clone(),
                start: self.start + first,
                len: s.len,
                id: new_id(),
            });
        }
        // s.start is in 0..len when the slice selects more than one byte.
        let first = usize::try_from(s.start).map_err(|_| Error::size_overflow())?;
        let (storage, start, _) = self.frozen_parts();
        Bytes::try_from_slice(&storage.gather_1d(start + first, s.len, s.step, 1)?)
    }

    /// The bytes as a slice. Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::Bytes::from(&b"ab"[..]).as_slice(), b"ab");
    /// ```
    pub fn as_slice(&self) -> &[u8] {
        &self.data[self.start..self.start + self.len]
    }

    /// A `Vec` copy. Cost: copies `len` bytes (`memcpy`).
    ///
    /// ```
    /// assert_eq!(bufproto::Bytes::from(&b"ab"[..]).to_vec(), b"ab".to_vec());
    /// ```
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }

    /// A new object with its own allocation of exactly `len` bytes (what
    /// `bytes(b[1:4])` gives in CPython). Cost: copies `len` bytes.
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let small = Bytes::zeroed(1 << 20)?.slice(None, Some(4), None)?.copy();
    /// assert_eq!(small.len(), 4);
    /// # Ok(()) }
    /// ```
    pub fn copy(&self) -> Bytes {
        Bytes::from(self.as_slice())
    }

    /// `b.hex()`: two lowercase hex digits per byte. Cost: O(n).
    ///
    /// ```
    /// assert_eq!(bufproto::Bytes::from(&b"\x01\xff"[..]).hex(), "01ff");
    /// ```
    pub fn hex(&self) -> String {
        hex::to_hex_plain(self.as_slice())
    }

    /// `b.hex(sep, bytes_per_sep)`: groups of `|bytes_per_sep|` bytes,
    /// counted from the right when positive, from the left when negative; 0
    /// means no separator. Cost: O(n).
    ///
    /// # Errors
    ///
    /// `ValueError: sep must be length 1.`, `ValueError: sep must be ASCII.`
    ///
    /// ```
    /// use bufproto::Bytes;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"abcde"[..]);
    /// assert_eq!(b.hex_with(":", 2)?, "61:6263:6465");
    /// assert_eq!(b.hex_with(":", -2)?, "6162:6364:65");
    /// assert_eq!(b.hex_with("::", 1).unwrap_err().message(), "sep must be length 1.");
    /// # Ok(()) }
    /// ```
    pub fn hex_with(&self, sep: &str, bytes_per_sep: i32) -> Result<String> {
        hex::to_hex(self.as_slice(), Some(sep), bytes_per_sep)
    }

    pub(crate) fn frozen_parts(&self) -> (Storage, usize, usize) {
        (Storage::Frozen(self.data.clone()), self.start, self.len)
    }
}

pub(crate) fn check_size(n: usize) -> Result<()> {
    if isize::try_from(n).is_err() {
        return Err(Error::overflow_error(
            "cannot fit 'int' into an index-sized integer",
        ));
    }
    Ok(())
}

impl Default for Bytes {
    fn default() -> Bytes {
        Bytes::from_arc(Arc::from(&[][..]))
    }
}

impl From<&[u8]> for Bytes {
    fn from(v: &[u8]) -> Bytes {
        Bytes::from_arc(Arc::from(v))
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        Bytes::from_arc(Arc::from(v))
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Bytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Bytes {}

impl PartialEq<[u8]> for Bytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

/// Hashes exactly as `[u8]` does, so `HashMap<Bytes, _>` can be looked up
/// with a `&[u8]` (see `Borrow<[u8]>`).
impl Hash for Bytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl Borrow<[u8]> for Bytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl fmt::Debug for Bytes {
    /// Python's `repr`: `b'abc\x00'`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::repr(self.as_slice(), false))
    }
}

impl Exporter for Bytes {
    /// `bytes_buffer_getbuffer`: `PyBuffer_FillInfo(..., readonly=1, flags)`.
    /// Cost: O(1), no copy.
    ///
    /// # Errors
    ///
    /// `BufferError: Object is not writable.` for [`Flags::WRITABLE`].
    #[inline]
    fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
        let (storage, start, len) = self.frozen_parts();
        let layout = Layout::bytes_at(start, len).ok_or_else(Error::size_overflow)?;
        Buffer::fill_info(self.obj_ref(), storage, layout, true, flags)
    }

    fn obj_ref(&self) -> ObjRef {
        ObjRef::with_id("bytes", self.id, true)
    }

    /// `Some(self)`: [`MemoryView::new`](crate::MemoryView::new) reads a
    /// `bytes` directly, without a [`Buffer`] in between.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn errors() {
        let b = Bytes::from(&b"abc"[..]);
        let e = b.get(-4).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::IndexError, "index out of range")
        );
        let e = b.slice(None, None, Some(0)).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::ValueError, "slice step cannot be zero")
        );
        let e = Bytes::from_ints([-1]).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::ValueError, "bytes must be in range(0, 256)")
        );
        let e = b.get_buffer(Flags::WRITABLE).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::BufferError, "Object is not writable.")
        );
        let e = Bytes::zeroed(usize::MAX).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OverflowError);
    }

    #[test]
    fn slices_share() {
        let b = Bytes::from(&b"abcdef"[..]);
        let s = b.slice(Some(1), Some(4), None).unwrap();
        assert!(Arc::ptr_eq(&s.data, &b.data));
        assert_eq!(s.slice(Some(-1), None, None).unwrap().as_slice(), b"d");
        assert_eq!(
            b.slice(Some(5), Some(0), Some(-2)).unwrap().as_slice(),
            b"fdb"
        );
        assert_eq!(b.slice(Some(4), Some(1), None).unwrap().len(), 0);
        assert_eq!(
            format!("{:?}", b.slice(Some(4), Some(1), None).unwrap()),
            "b''"
        );
    }
}
