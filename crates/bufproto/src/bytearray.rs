//! `bytearray`: mutable, growable bytes that count their exports.

use std::fmt;

use crate::bytes::{Bytes, check_size};
use crate::error::{Error, Result, try_collect, try_vec};
use crate::hex;
use crate::layout::{Layout, adjust_slice, normalize_index};
use crate::protocol::{Buffer, Exporter, Flags, ObjRef, new_id};
use crate::storage::Storage;

mod ops;

/// Python's `bytearray`: mutable and growable, shareable with views.
///
/// The bytes live in a `Shared` allocation (see the `storage` module) whose
/// length is CPython's `ob_alloc`; the array keeps a logical start (CPython's
/// `ob_start`, advanced by `del b[:k]`) and length:
///
/// ```text
///            start            start+len        alloc
///  [ ....... | a b c d e ....... | (spare) ...... ]
///            ^ what len() and indices see
/// ```
///
/// Every live export ([`Buffer`], [`MemoryView`](crate::MemoryView)) holds a
/// clone of the allocation's `Arc`. Any operation that changes the *size*
/// while one exists fails with `BufferError: Existing exports of data: object
/// cannot be re-sized` and changes nothing; item writes still work and are
/// seen by every view.
///
/// ```
/// use bufproto::{ByteArray, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let mut ba = ByteArray::from(&b"abc"[..]);
/// let mut m = MemoryView::new(&ba)?;
/// assert_eq!(ba.append(100).unwrap_err().to_string(),
///            "BufferError: Existing exports of data: object cannot be re-sized");
/// ba.set(0, 120)?;               // item writes are fine
/// assert_eq!(m.get(0)?, i64::from(b'x'));   // and the view sees them
/// m.release()?;
/// ba.append(100)?;
/// assert_eq!(format!("{ba:?}"), "bytearray(b'xbcd')");
/// # Ok(()) }
/// ```
pub struct ByteArray {
    storage: Storage,
    start: usize,
    len: usize,
    id: u64,
}

/// What a resize puts in the bytes past the old length.
#[derive(Clone, Copy)]
enum Fill<'a> {
    /// Zeros (CPython's `PyByteArray_Resize` leaves them undefined; here
    /// they are never stale).
    Zero,
    /// Nothing (they only become writable): the caller writes every one
    /// of them next.
    Skip,
    /// These bytes (exactly `size - len` of them).
    With(&'a [u8]),
}

fn byte_value(v: i64) -> Result<u8> {
    u8::try_from(v).map_err(|_| Error::value_error("byte must be in range(0, 256)"))
}

impl ByteArray {
    /// `bytearray()`: empty, no allocation (capacity 0). Cost: O(1).
    ///
    /// ```
    /// let b = bufproto::ByteArray::new();
    /// assert_eq!((b.len(), b.capacity()), (0, 0));
    /// ```
    pub fn new() -> ByteArray {
        ByteArray {
            storage: Storage::shared_empty(),
            start: 0,
            len: 0,
            id: new_id(),
        }
    }

    /// `bytearray(n)`: `n` zero bytes (capacity `n + 1`, or 0 when `n == 0`,
    /// as CPython). Cost: allocates and zeroes.
    ///
    /// # Errors
    ///
    /// `OverflowError: cannot fit 'int' into an index-sized integer` when
    /// `n > isize::MAX`; `MemoryError` (empty message, as CPython's
    /// `bytearray(2**62)`) when the allocation fails.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = bufproto::ByteArray::zeroed(3)?;
    /// assert_eq!((b.to_vec(), b.capacity()), (vec![0, 0, 0], 4));
    /// # Ok(()) }
    /// ```
    pub fn zeroed(n: usize) -> Result<ByteArray> {
        check_size(n)?;
        let mut b = ByteArray::new();
        b.resize(n)?;
        Ok(b)
    }

    /// `bytearray([ints])` (a list or tuple: one exact allocation). Cost: O(n).
    ///
    /// # Errors
    ///
    /// `ValueError: byte must be in range(0, 256)`; `MemoryError` when the
    /// items do not fit in memory.
    ///
    /// ```
    /// use bufproto::ByteArray;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(ByteArray::from_ints([1, 2])?.to_vec(), [1, 2]);
    /// assert_eq!(ByteArray::from_ints([-1]).unwrap_err().message(), "byte must be in range(0, 256)");
    /// # Ok(()) }
    /// ```
    pub fn from_ints<I: IntoIterator<Item = i64>>(values: I) -> Result<ByteArray> {
        let v = values.into_iter().map(byte_value);
        let mut b = ByteArray::new();
        b.extend(&try_collect(v)?)?;
        Ok(b)
    }

    /// `bytearray.fromhex(s)`; same rules as [`Bytes::fromhex`].
    ///
    /// # Errors
    ///
    /// As [`Bytes::fromhex`].
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::ByteArray::fromhex("0aff")?.to_vec(), [10, 255]);
    /// # Ok(()) }
    /// ```
    pub fn fromhex(s: &str) -> Result<ByteArray> {
        let mut b = ByteArray::new();
        b.extend(&hex::from_hex(s)?)?;
        Ok(b)
    }

    /// `len(b)`. Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::ByteArray::from(&b"ab"[..]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// `len(b) == 0`. Cost: O(1).
    ///
    /// ```
    /// assert!(bufproto::ByteArray::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// CPython's `ob_alloc`: bytes allocated, including the trailing NUL
    /// CPython keeps and any bytes before the logical start. On 64-bit
    /// CPython, `sys.getsizeof(b) == 56 + b.capacity()`. Cost: O(1).
    ///
    /// ```
    /// use bufproto::ByteArray;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = ByteArray::new();
    /// let mut caps = vec![];
    /// for i in 0..12 { b.append(i)?; caps.push(b.capacity()); }
    /// // amortised growth, as CPython 3.11 and 3.14 print:
    /// assert_eq!(caps, [2, 5, 5, 5, 8, 8, 8, 12, 12, 12, 12, 19]);
    /// # Ok(()) }
    /// ```
    pub fn capacity(&self) -> usize {
        self.storage.len()
    }

    /// Number of live exports: the buffers and memoryviews holding the
    /// memory (each view counts, a slice too: CPython counts a view and
    /// its slices once, as one managed buffer; either way a resize waits
    /// for zero). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = ByteArray::new();
    /// let m = MemoryView::new(&b)?;
    /// let m2 = m.slice(None, None, None)?; // holds the memory too
    /// assert_eq!(b.exports(), 2);
    /// drop(m);
    /// assert_eq!(b.exports(), 1);
    /// drop(m2);
    /// assert_eq!(b.exports(), 0);
    /// # Ok(()) }
    /// ```
    pub fn exports(&self) -> usize {
        self.storage.other_holders()
    }

    /// `b[index]`. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `IndexError: bytearray index out of range`.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = bufproto::ByteArray::from(&b"ab"[..]);
    /// assert_eq!(b.get(-1)?, b'b');
    /// assert_eq!(b.get(2).unwrap_err().message(), "bytearray index out of range");
    /// # Ok(()) }
    /// ```
    pub fn get(&self, index: isize) -> Result<u8> {
        normalize_index(index, self.len)
            .and_then(|i| self.storage.load(self.start + i))
            .ok_or_else(|| Error::index_error("bytearray index out of range"))
    }

    /// `b[index] = value`; allowed while exported. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError: byte must be in range(0, 256)` (checked first, as
    /// CPython does), then `IndexError: bytearray index out of range`.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = bufproto::ByteArray::from(&b"ab"[..]);
    /// b.set(-1, 0x7a)?;
    /// assert_eq!(b.to_vec(), b"az");
    /// assert_eq!(b.set(0, 256).unwrap_err().message(), "byte must be in range(0, 256)");
    /// # Ok(()) }
    /// ```
    pub fn set(&self, index: isize, value: i64) -> Result<()> {
        let v = byte_value(value)?;
        match normalize_index(index, self.len) {
            Some(i) if self.storage.store(self.start + i, v) => Ok(()),
            _ => Err(Error::index_error("bytearray index out of range")),
        }
    }

    /// `b[start:stop:step]`: a new `bytearray` (a copy, as in CPython).
    /// Cost: copies the selected bytes twice (out of the shared storage by
    /// the storage's copy engine, then into the new bytearray); three
    /// allocations (the copy, the new bytearray's `Arc` and its words).
    ///
    /// # Errors
    ///
    /// `ValueError: slice step cannot be zero`.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = bufproto::ByteArray::from(&b"abcd"[..]);
    /// assert_eq!(b.slice(None, None, Some(-2))?.to_vec(), b"db");
    /// # Ok(()) }
    /// ```
    pub fn slice(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
    ) -> Result<ByteArray> {
        let s = adjust_slice(self.len, start, stop, step)?;
        let mut b = ByteArray::new();
        if s.len == 0 {
            return Ok(b);
        }
        // s.start is in 0..len when the slice selects anything.
        let first = usize::try_from(s.start).map_err(|_| Error::size_overflow())?;
        let v = self
            .storage
            .gather_1d(self.start + first, s.len, s.step, 1)?;
        b.extend(&v)?;
        Ok(b)
    }

    /// `b[start:stop:step] = values`. With step 1 the slice may change size
    /// (`b[3:1] = x` inserts at 3); with any other step the sizes must match,
    /// except that assigning empty bytes to an extended slice deletes it
    /// (a CPython quirk kept here). Cost: O(len).
    ///
    /// # Errors
    ///
    /// `ValueError: slice step cannot be zero`; `ValueError: attempt to
    /// assign bytes of size 3 to extended slice of size 2`; `BufferError:
    /// Existing exports of data: object cannot be re-sized` if the size would
    /// change while exported.
    ///
    /// ```
    /// use bufproto::ByteArray;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = ByteArray::from(&b"abcd"[..]);
    /// b.set_slice(Some(1), Some(3), None, b"xyz")?;
    /// assert_eq!(b.to_vec(), b"axyzd");
    /// let e = b.set_slice(None, None, Some(2), b"12").unwrap_err();
    /// assert_eq!(e.message(), "attempt to assign bytes of size 2 to extended slice of size 3");
    /// # Ok(()) }
    /// ```
    pub fn set_slice(
        &mut self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
        values: &[u8],
    ) -> Result<()> {
        self.assign_slice(start, stop, step, Some(values))
    }

    /// `del b[start:stop:step]`. Cost: O(len).
    ///
    /// # Errors
    ///
    /// `ValueError: slice step cannot be zero`; `BufferError: Existing
    /// exports of data: object cannot be re-sized` (for an extended slice
    /// even when it is empty, as CPython).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::from(&b"abcdef"[..]);
    /// b.del_slice(None, None, Some(2))?;
    /// assert_eq!(b.to_vec(), b"bdf");
    /// # Ok(()) }
    /// ```
    pub fn del_slice(
        &mut self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
    ) -> Result<()> {
        self.assign_slice(start, stop, step, None)
    }

    /// `del b[index]`. Cost: O(len).
    ///
    /// # Errors
    ///
    /// `IndexError: bytearray index out of range`; `BufferError` while exported.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::from(&b"abc"[..]);
    /// b.del_item(-2)?;
    /// assert_eq!(b.to_vec(), b"ac");
    /// # Ok(()) }
    /// ```
    pub fn del_item(&mut self, index: isize) -> Result<()> {
        let i = normalize_index(index, self.len)
            .ok_or_else(|| Error::index_error("bytearray index out of range"))?;
        self.setslice_linear(i, i + 1, &[])
    }

    fn assign_slice(
        &mut self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
        values: Option<&[u8]>,
    ) -> Result<()> {
        let s = adjust_slice(self.len, start, stop, step)?;
        let (lo, mut hi) = (s.start, s.stop);
        if (s.step < 0 && lo < hi) || (s.step > 0 && lo > hi) {
            hi = lo;
        }
        let needed = values.map_or(0, <[u8]>::len);
        if s.step == 1 {
            // lo and hi are in 0..=len here.
            return self.setslice_linear(lo as usize, hi as usize, values.unwrap_or(&[]));
        }
        let idx = |k: usize| (s.start + k as isize * s.step) as usize;
        if needed == 0 {
            if !self.storage.is_unique() {
                return Err(Error::cannot_resize());
            }
            if s.len == 0 {
                return Ok(());
            }
            // Two copies the size of the array, made before anything
            // changes, so that a MemoryError leaves it as it was.
            let mut del = try_vec(self.len)?;
            del.resize(self.len, false);
            for k in 0..s.len {
                del[idx(k)] = true;
            }
            let data = self.copy()?;
            let mut kept = try_vec(data.len().saturating_sub(s.len))?;
            kept.extend(data.iter().zip(del).filter_map(|(&b, d)| (!d).then_some(b)));
            self.storage.copy_in(self.start, &kept);
            return self.resize(kept.len());
        }
        let values = values.unwrap_or(&[]);
        if needed != s.len {
            return Err(Error::value_error(format!(
                "attempt to assign bytes of size {needed} to extended slice of size {}",
                s.len
            )));
        }
        for (k, &v) in values.iter().enumerate() {
            self.storage.store_mut(self.start + idx(k), v);
        }
        Ok(())
    }

    /// CPython's `bytearray_setslice_linear`.
    fn setslice_linear(&mut self, lo: usize, hi: usize, bytes: &[u8]) -> Result<()> {
        let avail = hi - lo;
        let n = self.len;
        if bytes.len() < avail {
            if !self.storage.is_unique() {
                return Err(Error::cannot_resize());
            }
            let shrink = avail - bytes.len();
            if lo == 0 {
                // Shrink by advancing the logical start, as CPython does.
                self.start += shrink;
            } else {
                self.storage
                    .move_within(self.start + hi, self.start + lo + bytes.len(), n - hi);
            }
            let (old_start, old_len) = (self.start, self.len);
            if let Err(e) = self.resize(n - shrink) {
                self.start = old_start - if lo == 0 { shrink } else { 0 };
                self.len = old_len;
                return Err(e);
            }
        } else if bytes.len() > avail {
            let growth = bytes.len() - avail;
            let new_len = n.checked_add(growth).ok_or_else(Error::size_overflow)?;
            if lo == n {
                // Appending (`extend`, `+=`): the bytes go straight into
                // the grown memory.
                return self.resize_to(new_len, Fill::With(bytes));
            }
            // Every new byte is written below (moved tail, then `bytes`).
            self.resize_to(new_len, Fill::Skip)?;
            self.storage
                .move_within(self.start + hi, self.start + lo + bytes.len(), n - hi);
        }
        self.storage.copy_in_mut(self.start + lo, bytes);
        Ok(())
    }

    /// CPython's `PyByteArray_Resize`, growth formula included; new bytes
    /// are zero.
    fn resize(&mut self, size: usize) -> Result<()> {
        self.resize_to(size, Fill::Zero)
    }

    /// [`resize`](ByteArray::resize), with the bytes past the old length
    /// filled as `fill` says.
    fn resize_to(&mut self, size: usize, fill: Fill<'_>) -> Result<()> {
        if size == self.len {
            return Ok(());
        }
        if !self.storage.is_unique() {
            return Err(Error::cannot_resize());
        }
        check_size(size)?;
        let alloc = self.storage.len();
        let needed = size
            .checked_add(self.start)
            .and_then(|v| v.checked_add(1))
            .ok_or_else(Error::size_overflow)?;
        let new_alloc = if needed <= alloc {
            if size < alloc / 2 {
                size + 1
            } else {
                // Minor change; keep the allocation. Bytes past the old
                // length are zeroed so growth never shows stale data.
                if size > self.len {
                    let at = self.start + self.len;
                    match fill {
                        Fill::Zero => self.storage.zero_mut(at, size - self.len),
                        Fill::Skip => self.storage.materialize(at + size - self.len),
                        Fill::With(b) => self.storage.copy_in_mut(at, b),
                    };
                }
                self.len = size;
                return Ok(());
            }
        } else if (size as u128) * 8 <= (alloc as u128) * 9 {
            size.checked_add((size >> 3) + if size < 9 { 3 } else { 6 })
                .ok_or_else(Error::size_overflow)?
        } else {
            size + 1
        };
        // CPython: an allocation above PY_SSIZE_T_MAX is PyErr_NoMemory.
        if isize::try_from(new_alloc).is_err() {
            return Err(Error::no_memory());
        }
        // In place: a `realloc` of the words, which the allocator often
        // does without copying (CPython's `PyByteArray_Resize` is a
        // `PyMem_Realloc` too).
        let tail = match fill {
            Fill::With(b) if size > self.len => b,
            _ => &[],
        };
        self.storage
            .regrow(self.start, size.min(self.len), new_alloc, tail)?;
        // The whole logical length in written words, so that stores
        // through exports reach it (a no-op after an append).
        self.storage.materialize(size);
        self.start = 0;
        self.len = size;
        Ok(())
    }

    /// `b.append(value)`. Cost: amortised O(1) (CPython's over-allocation).
    ///
    /// # Errors
    ///
    /// `ValueError: byte must be in range(0, 256)`; `BufferError: Existing
    /// exports of data: object cannot be re-sized`; `MemoryError` if the
    /// growth cannot be allocated (the array is left as it was).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::new();
    /// b.append(7)?;
    /// assert_eq!(b.to_vec(), [7]);
    /// # Ok(()) }
    /// ```
    pub fn append(&mut self, value: i64) -> Result<()> {
        let (v, n) = self.grow_by_one(value)?;
        self.storage.store_mut(self.start + n, v);
        Ok(())
    }

    /// The common start of `append` and `insert`: checks the value, then
    /// grows by one byte (CPython's order). Returns the byte and the old
    /// length.
    fn grow_by_one(&mut self, value: i64) -> Result<(u8, usize)> {
        let v = byte_value(value)?;
        let n = self.len;
        if n >= isize::MAX as usize {
            return Err(Error::overflow_error(
                "cannot add more objects to bytearray",
            ));
        }
        self.resize(n + 1)?;
        Ok((v, n))
    }

    /// `b.extend(data)`: one resize to the new size. Cost: O(n) amortised.
    ///
    /// # Errors
    ///
    /// `BufferError: Existing exports of data: object cannot be re-sized`
    /// (unless `data` is empty); `MemoryError` if the growth cannot be
    /// allocated (the array is left as it was).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::new();
    /// b.extend(b"abcde")?;
    /// assert_eq!((b.len(), b.capacity()), (5, 6));
    /// # Ok(()) }
    /// ```
    pub fn extend(&mut self, data: &[u8]) -> Result<()> {
        let n = self.len;
        self.setslice_linear(n, n, data)
    }

    /// `b.insert(index, value)`; the index is clamped like `list.insert`.
    /// Cost: O(len).
    ///
    /// # Errors
    ///
    /// `ValueError: byte must be in range(0, 256)`; `BufferError` while exported.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::from(&b"bc"[..]);
    /// b.insert(-100, b'a'.into())?;
    /// b.insert(100, b'd'.into())?;
    /// assert_eq!(b.to_vec(), b"abcd");
    /// # Ok(()) }
    /// ```
    pub fn insert(&mut self, index: isize, value: i64) -> Result<()> {
        let (v, n) = self.grow_by_one(value)?;
        let w = if index < 0 {
            n.saturating_sub(index.unsigned_abs())
        } else {
            (index as usize).min(n)
        };
        self.storage
            .move_within(self.start + w, self.start + w + 1, n - w);
        self.storage.store_mut(self.start + w, v);
        Ok(())
    }

    /// `b.pop()` / `b.pop(index)` (`None` means -1). Cost: O(len - index).
    ///
    /// # Errors
    ///
    /// `IndexError: pop from empty bytearray`; `IndexError: pop index out of
    /// range`; `BufferError` while exported.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::from(&b"abc"[..]);
    /// assert_eq!(b.pop(None)?, b'c');
    /// assert_eq!(b.pop(Some(0))?, b'a');
    /// assert_eq!(b.pop(Some(5)).unwrap_err().message(), "pop index out of range");
    /// # Ok(()) }
    /// ```
    pub fn pop(&mut self, index: Option<isize>) -> Result<u8> {
        let n = self.len;
        if n == 0 {
            return Err(Error::index_error("pop from empty bytearray"));
        }
        let i = normalize_index(index.unwrap_or(-1), n)
            .ok_or_else(|| Error::index_error("pop index out of range"))?;
        if !self.storage.is_unique() {
            return Err(Error::cannot_resize());
        }
        let v = self.storage.load(self.start + i).unwrap_or(0);
        self.storage
            .move_within(self.start + i + 1, self.start + i, n - i - 1);
        self.resize(n - 1)?;
        Ok(v)
    }

    /// `b.remove(value)`: deletes the first occurrence. Cost: O(len).
    ///
    /// # Errors
    ///
    /// `ValueError: byte must be in range(0, 256)`; `ValueError: value not
    /// found in bytearray`; `BufferError` while exported.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::from(&b"abab"[..]);
    /// b.remove(b'b'.into())?;
    /// assert_eq!(b.to_vec(), b"aab");
    /// assert_eq!(b.remove(0).unwrap_err().message(), "value not found in bytearray");
    /// # Ok(()) }
    /// ```
    pub fn remove(&mut self, value: i64) -> Result<()> {
        let v = byte_value(value)?;
        let n = self.len;
        let i = self
            .copy()?
            .iter()
            .position(|&b| b == v)
            .ok_or_else(|| Error::value_error("value not found in bytearray"))?;
        if !self.storage.is_unique() {
            return Err(Error::cannot_resize());
        }
        self.storage
            .move_within(self.start + i + 1, self.start + i, n - i - 1);
        self.resize(n - 1)
    }

    /// `b.clear()`. Cost: O(1) (a new 1-byte allocation, as CPython).
    ///
    /// # Errors
    ///
    /// `BufferError` while exported (unless already empty).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut b = bufproto::ByteArray::from(&b"abc"[..]);
    /// b.clear()?;
    /// assert_eq!((b.len(), b.capacity()), (0, 1));
    /// # Ok(()) }
    /// ```
    pub fn clear(&mut self) -> Result<()> {
        self.resize(0)
    }

    /// `b.reverse()`, in place; allowed while exported. Cost: O(len).
    ///
    /// ```
    /// let b = bufproto::ByteArray::from(&b"abc"[..]);
    /// b.reverse();
    /// assert_eq!(b.to_vec(), b"cba");
    /// ```
    pub fn reverse(&self) {
        let mut v = self.to_vec();
        v.reverse();
        self.storage.copy_in(self.start, &v);
    }

    /// A `Vec` copy. Cost: copies `len` bytes (word loads, see the
    /// `storage` module).
    ///
    /// ```
    /// assert_eq!(bufproto::ByteArray::from(&b"ab"[..]).to_vec(), b"ab");
    /// ```
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len);
        self.storage.copy_out(self.start, self.len, &mut v);
        v
    }

    /// A `Vec` copy, or `MemoryError`: the copy the fallible methods make.
    fn copy(&self) -> Result<Vec<u8>> {
        let mut v = try_vec(self.len)?;
        self.storage.copy_out(self.start, self.len, &mut v);
        Ok(v)
    }

    /// `bytes(b)`. Cost: copies `len` bytes, once.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes};
    /// assert_eq!(ByteArray::from(&b"ab"[..]).to_bytes(), Bytes::from(&b"ab"[..]));
    /// ```
    pub fn to_bytes(&self) -> Bytes {
        // Straight into the new `Bytes`' allocation (word loads), unless
        // that allocation is refused; then the `Vec` path.
        match self.storage.arc_of(self.start, self.len) {
            Some(a) => Bytes::from_arc(a),
            None => Bytes::from(self.to_vec()),
        }
    }

    /// `b.hex()`. Cost: O(len).
    ///
    /// ```
    /// assert_eq!(bufproto::ByteArray::from(&b"\xab"[..]).hex(), "ab");
    /// ```
    pub fn hex(&self) -> String {
        hex::to_hex_plain(&self.to_vec())
    }

    /// `b.hex(sep, bytes_per_sep)`; see [`Bytes::hex_with`]. Cost: O(len).
    ///
    /// # Errors
    ///
    /// `ValueError: sep must be length 1.`, `ValueError: sep must be ASCII.`
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::ByteArray::from(&b"abc"[..]).hex_with("-", 1)?, "61-62-63");
    /// # Ok(()) }
    /// ```
    pub fn hex_with(&self, sep: &str, bytes_per_sep: i32) -> Result<String> {
        hex::to_hex(&self.copy()?, Some(sep), bytes_per_sep)
    }
}

impl Default for ByteArray {
    fn default() -> ByteArray {
        ByteArray::new()
    }
}

impl Clone for ByteArray {
    /// `bytearray(b)`: a new object with its own allocation (`len + 1`).
    fn clone(&self) -> ByteArray {
        ByteArray::from(&self.to_vec()[..])
    }
}

impl From<&[u8]> for ByteArray {
    fn from(v: &[u8]) -> ByteArray {
        let mut b = ByteArray::new();
        if !v.is_empty() {
            // Fails only with `MemoryError` (the new array is not exported
            // and a slice is never longer than isize::MAX); `From` cannot
            // report it, so the array stays empty then. The crate's own
            // constructors (`from_ints`, `fromhex`) report it.
            let _ = b.extend(v);
        }
        b
    }
}

impl From<Vec<u8>> for ByteArray {
    fn from(v: Vec<u8>) -> ByteArray {
        ByteArray::from(&v[..])
    }
}

impl From<&Bytes> for ByteArray {
    fn from(v: &Bytes) -> ByteArray {
        ByteArray::from(v.as_slice())
    }
}

impl PartialEq for ByteArray {
    /// Compares the bytes in place (word by word), without copying.
    fn eq(&self, other: &ByteArray) -> bool {
        self.len == other.len
            && self
                .storage
                .eq_range(self.start, &other.storage, other.start, self.len)
                == Some(true)
    }
}

impl Eq for ByteArray {}

impl fmt::Debug for ByteArray {
    /// Python's `repr`: `bytearray(b'...')`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bytearray({})", hex::repr(&self.to_vec(), true))
    }
}

impl ByteArray {
    /// What an export holds: a clone of the memory's `Arc` (the export
    /// itself: it blocks resizing while alive), and where the bytes are.
    #[inline]
    pub(crate) fn shared_parts(&self) -> (Storage, usize, usize) {
        (self.storage.clone(), self.start, self.len)
    }
}

impl Exporter for ByteArray {
    /// `bytearray_getbuffer`: `PyBuffer_FillInfo(..., readonly=0, flags)`;
    /// the export holds the allocation until dropped. Cost: O(1).
    fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
        let layout = Layout::bytes_at(self.start, self.len).ok_or_else(Error::size_overflow)?;
        Buffer::fill_info(self.obj_ref(), self.storage.clone(), layout, false, flags)
    }

    fn obj_ref(&self) -> ObjRef {
        ObjRef::with_id("bytearray", self.id, false)
    }

    /// `Some(self)`: [`MemoryView::new`](crate::MemoryView::new) reads a
    /// `bytearray` directly, without a [`Buffer`] in between.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn err(r: Result<impl fmt::Debug>) -> (ErrorKind, String) {
        let e = r.unwrap_err();
        (e.kind(), e.message().to_string())
    }

    #[test]
    fn error_paths() {
        let mut b = ByteArray::from(&b"ab"[..]);
        let bre = (
            ErrorKind::BufferError,
            "Existing exports of data: object cannot be re-sized".to_string(),
        );
        assert_eq!(
            err(b.get(2)),
            (ErrorKind::IndexError, "bytearray index out of range".into())
        );
        assert_eq!(
            err(b.set(9, 300)),
            (
                ErrorKind::ValueError,
                "byte must be in range(0, 256)".into()
            )
        );
        assert_eq!(
            err(b.set(9, 3)),
            (ErrorKind::IndexError, "bytearray index out of range".into())
        );
        assert_eq!(
            err(b.append(-1)),
            (
                ErrorKind::ValueError,
                "byte must be in range(0, 256)".into()
            )
        );
        assert_eq!(
            err(b.set_slice(None, None, Some(2), b"xyz")),
            (
                ErrorKind::ValueError,
                "attempt to assign bytes of size 3 to extended slice of size 1".into()
            )
        );
        assert_eq!(
            err(b.del_slice(None, None, Some(0))),
            (ErrorKind::ValueError, "slice step cannot be zero".into())
        );
        assert_eq!(
            err(b.remove(9)),
            (ErrorKind::ValueError, "value not found in bytearray".into())
        );
        assert_eq!(
            err(b.pop(Some(-3))),
            (ErrorKind::IndexError, "pop index out of range".into())
        );
        assert_eq!(
            err(ByteArray::new().pop(None)),
            (ErrorKind::IndexError, "pop from empty bytearray".into())
        );
        let buf = b.get_buffer(Flags::SIMPLE).unwrap();
        assert_eq!(err(b.append(1)), bre);
        assert_eq!(err(b.extend(b"x")), bre);
        assert_eq!(err(b.insert(0, 1)), bre);
        assert_eq!(err(b.pop(None)), bre);
        assert_eq!(err(b.remove(b'a'.into())), bre);
        assert_eq!(err(b.clear()), bre);
        assert_eq!(err(b.del_item(0)), bre);
        assert_eq!(err(b.del_slice(Some(5), Some(2), Some(2))), bre);
        assert_eq!(err(b.set_slice(Some(0), Some(1), None, b"")), bre);
        b.set_slice(Some(0), Some(1), None, b"x").unwrap();
        b.extend(b"").unwrap();
        b.reverse();
        assert_eq!(b.to_vec(), b"bx");
        assert_eq!(b.capacity(), 3);
        drop(buf);
        b.append(1).unwrap();
        assert_eq!(b.to_vec(), b"bx\x01");
    }

    #[test]
    fn capacity_matches_cpython() {
        let caps = |f: &dyn Fn(&mut ByteArray)| {
            let mut b = ByteArray::zeroed(100).unwrap();
            f(&mut b);
            b.capacity()
        };
        assert_eq!(caps(&|b| b.del_slice(None, Some(10), None).unwrap()), 101);
        assert_eq!(
            caps(&|b| {
                b.del_slice(None, Some(10), None).unwrap();
                b.append(1).unwrap()
            }),
            108
        );
        assert_eq!(caps(&|b| b.del_slice(None, Some(60), None).unwrap()), 41);
        assert_eq!(caps(&|b| b.clear().unwrap()), 1);
        assert_eq!(caps(&|b| b.del_slice(None, None, Some(2)).unwrap()), 101);
        let mut b = ByteArray::new();
        let mut v = vec![];
        for _ in 0..12 {
            b.extend(b"abcde").unwrap();
            v.push(b.capacity());
        }
        assert_eq!(v, [6, 11, 16, 21, 26, 31, 36, 51, 51, 51, 67, 67]);
        let mut b = ByteArray::zeroed(100).unwrap();
        let caps: Vec<usize> = (0..60)
            .map(|_| {
                b.pop(None).unwrap();
                b.capacity()
            })
            .collect();
        assert_eq!(caps[49], 101);
        assert_eq!(caps[50], 50);
        let mut b = ByteArray::zeroed(10).unwrap();
        b.insert(0, 1).unwrap();
        assert_eq!(b.capacity(), 18);
    }

    /// The over-allocation is not zero-filled when it is made; every byte
    /// the bytearray shows must still be writable through an export.
    #[test]
    fn every_byte_of_a_grown_bytearray_is_writable_through_an_export() {
        let mut b = ByteArray::new();
        let mut model = Vec::new();
        for k in 0..60u8 {
            b.extend(&[k; 7]).unwrap();
            model.extend([k; 7]);
            b.insert(3, 1).unwrap();
            model.insert(3, 1);
            b.append(2).unwrap();
            model.push(2);
            if k % 7 == 0 {
                b.del_slice(None, Some(5), None).unwrap();
                model.drain(..5);
            }
        }
        b.resize(b.len() + 100).unwrap();
        model.resize(model.len() + 100, 0);
        assert_eq!(b.to_vec(), model);
        let buf = b.get_buffer(Flags::WRITABLE).unwrap();
        for i in 0..b.len() {
            buf.set(i, (i % 251) as u8).unwrap();
        }
        let want: Vec<u8> = (0..b.len()).map(|i| (i % 251) as u8).collect();
        assert_eq!(b.to_vec(), want);
    }

    #[test]
    fn slice_assignment_semantics() {
        let mut b = ByteArray::from(&b"abcd"[..]);
        b.set_slice(Some(3), Some(1), None, b"xyz").unwrap();
        assert_eq!(b.to_vec(), b"abcxyzd");
        let mut b = ByteArray::from(&b"abcd"[..]);
        b.set_slice(None, None, Some(2), b"").unwrap();
        assert_eq!(b.to_vec(), b"bd");
        let mut b = ByteArray::from(&b"abcd"[..]);
        b.set_slice(None, None, Some(-2), b"XY").unwrap();
        assert_eq!(b.to_vec(), b"aYcX");
        assert_eq!(
            format!("{:?}", ByteArray::from(&b"'"[..])),
            "bytearray(b\"\\'\")"
        );
    }
}
