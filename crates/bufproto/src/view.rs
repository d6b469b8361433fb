//! `memoryview`: a window onto any exporter's memory.

use std::fmt;
use std::sync::Arc;

use crate::bytes::Bytes;
use crate::error::{Error, Result};
use crate::hex;
use crate::layout::{Layout, normalize_index};
use crate::protocol::{Buffer, Exporter, Flags, ObjRef, new_id, read_layout};

/// Python's `memoryview`: a view of an exporter's memory, without copying.
///
/// ```text
///  ByteArray (the exporter)        MemoryView m = memoryview(ba)[5:1:-2]
///  ┌─────────────────────────┐     ┌──────────────────────────────┐
///  │ storage: Arc ───────────┼──┐  │ managed buffer: Arc<Buffer> ──┼─┐
///  │ start, len              │  │  │ layout: offset 5, shape [2],  │ │
///  └─────────────────────────┘  │  │         strides [-2]          │ │
///                               ▼  └──────────────────────────────┘ │
///  Arc<[AtomicU8]>   [ a  b  c  d  e  f  g  . . (capacity) ]         │
///                         ▲     ▲ ◄── m[1] = d, m[0] = f             │
///                         └─────┴─────── Buffer (export) ◄───────────┘
/// ```
///
/// `MemoryView::new` asks the exporter for a [`Buffer`] (`PyBUF_FULL_RO`)
/// and wraps it in a *managed buffer* shared by every view derived from this
/// one (slices, [`toreadonly`](MemoryView::toreadonly), `MemoryView::new` of
/// a view), exactly as CPython's `_PyManagedBufferObject`: the exporter sees
/// one export until the last of those views is released or dropped.
///
/// Writes (through [`set`](MemoryView::set), [`set_slice`](MemoryView::set_slice)
/// or the exporter) are relaxed atomic byte stores into the exporter's
/// `Shared` storage, so every view and the exporter see them, all types stay
/// `Send + Sync`, and no `unsafe` is needed. The cost: copying out of a
/// `bytearray` ([`tobytes`](MemoryView::tobytes)) is a byte loop that does not
/// vectorise; over `bytes` it is `memcpy`.
///
/// After [`release`](MemoryView::release) every operation fails with
/// `ValueError: operation forbidden on released memoryview object`.
///
/// ```
/// use bufproto::{ByteArray, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let ba = ByteArray::from(&b"abcdefg"[..]);
/// let m = MemoryView::new(&ba)?.slice(Some(5), Some(1), Some(-2))?;
/// assert_eq!(m.tolist()?, vec![b'f', b'd']);
/// m.set(1, b'D'.into())?;
/// assert_eq!(ba.to_vec(), b"abcDefg");
/// assert!(m.obj()?.is(&ba));
/// # Ok(()) }
/// ```
pub struct MemoryView {
    live: Option<Live>,
    id: u64,
    /// Its strong count minus one is the number of buffers this view exported.
    exports: Arc<()>,
}

struct Live {
    mbuf: Arc<Buffer>,
    layout: Layout,
    readonly: bool,
}

impl MemoryView {
    fn from_parts(mbuf: Arc<Buffer>, layout: Layout, readonly: bool) -> MemoryView {
        MemoryView {
            live: Some(Live {
                mbuf,
                layout,
                readonly,
            }),
            id: new_id(),
            exports: Arc::new(()),
        }
    }

    fn live(&self) -> Result<&Live> {
        self.live.as_ref().ok_or_else(Error::released)
    }

    /// `memoryview(obj)`. Cost: O(1), no copy.
    ///
    /// # Errors
    ///
    /// Whatever the exporter's `get_buffer(Flags::FULL_RO)` returns; for a
    /// released view, `ValueError: operation forbidden on released
    /// memoryview object`.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
    /// let m2 = MemoryView::new(&m)?; // a view of a view
    /// assert_eq!(m2.obj()?.type_name(), "bytes"); // reports the original
    /// # Ok(()) }
    /// ```
    pub fn new<E: Exporter + ?Sized>(obj: &E) -> Result<MemoryView> {
        if let Some(v) = obj.as_memoryview() {
            let l = v.live()?;
            return Ok(MemoryView::from_parts(
                l.mbuf.clone(),
                l.layout.clone(),
                l.readonly,
            ));
        }
        let buf = obj.get_buffer(Flags::FULL_RO)?;
        if !buf.layout.fits(buf.storage.len()) {
            return Err(Error::buffer_error("exporter returned an invalid buffer"));
        }
        let layout = buf.layout.clone();
        let readonly = buf.readonly;
        Ok(MemoryView::from_parts(Arc::new(buf), layout, readonly))
    }

    /// Python's `with memoryview(obj) as m: ...`: runs `f` on a new view and
    /// releases it on exit. Cost: as [`MemoryView::new`] plus `f`.
    ///
    /// # Errors
    ///
    /// Errors of [`MemoryView::new`]; on exit, `BufferError: memoryview has
    /// 1 exported buffer` if `f` let a [`Buffer`] of the view escape.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut ba = ByteArray::from(&b"abc"[..]);
    /// let first = MemoryView::with(&ba, |m| m.get(0))??;
    /// assert_eq!(first, b'a');
    /// ba.append(100)?; // the view is gone, resizing works
    /// # Ok(()) }
    /// ```
    pub fn with<E: Exporter + ?Sized, R>(obj: &E, f: impl FnOnce(&MemoryView) -> R) -> Result<R> {
        let mut m = MemoryView::new(obj)?;
        let r = f(&m);
        m.release()?;
        Ok(r)
    }

    /// `m.release()`: drops this view's share of the managed buffer; the
    /// exporter's export ends when the last sharing view is released.
    /// Releasing twice is fine. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `BufferError: memoryview has N exported buffer(s)` while buffers
    /// obtained from this view through [`Exporter::get_buffer`] are alive.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
    /// m.release()?;
    /// m.release()?;
    /// assert_eq!(m.len().unwrap_err().to_string(),
    ///            "ValueError: operation forbidden on released memoryview object");
    /// # Ok(()) }
    /// ```
    pub fn release(&mut self) -> Result<()> {
        let n = Arc::strong_count(&self.exports) - 1;
        if n > 0 && self.live.is_some() {
            let s = if n == 1 { "" } else { "s" };
            return Err(Error::buffer_error(format!(
                "memoryview has {n} exported buffer{s}"
            )));
        }
        self.live = None;
        Ok(())
    }

    /// Whether [`release`](MemoryView::release) was called (CPython shows it
    /// in the repr: `<released memory at 0x...>`). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut m = MemoryView::new(&Bytes::default())?;
    /// m.release()?;
    /// assert!(m.is_released());
    /// # Ok(()) }
    /// ```
    pub fn is_released(&self) -> bool {
        self.live.is_none()
    }

    /// `len(m)`: items in the first dimension. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError: operation forbidden on released memoryview object`
    /// (every method below fails the same way after release).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::zeroed(4)?)?.len()?, 4);
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> Result<usize> {
        let l = self.live()?;
        Ok(l.layout.shape().first().copied().unwrap_or(1))
    }

    /// Whether `len() == 0`. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(MemoryView::new(&Bytes::default())?.is_empty()?);
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    fn offset_of(&self, l: &Live, index: isize) -> Result<usize> {
        if l.layout.ndim() == 0 {
            return Err(Error::type_error("invalid indexing of 0-dim memory"));
        }
        if l.layout.ndim() > 1 {
            return Err(Error::new(
                crate::ErrorKind::NotImplementedError,
                "multi-dimensional sub-views are not implemented",
            ));
        }
        normalize_index(index, l.layout.shape()[0])
            .and_then(|i| l.layout.byte_offset(&[i]))
            .ok_or_else(|| Error::index_error("index out of bounds on dimension 1"))
    }

    /// `m[index]`. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `IndexError: index out of bounds on dimension 1`; `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"ab"[..]))?;
    /// assert_eq!(m.get(-1)?, b'b');
    /// assert_eq!(m.get(2).unwrap_err().message(), "index out of bounds on dimension 1");
    /// # Ok(()) }
    /// ```
    pub fn get(&self, index: isize) -> Result<u8> {
        let l = self.live()?;
        let o = self.offset_of(l, index)?;
        l.mbuf
            .storage
            .load(o)
            .ok_or_else(|| Error::index_error("index out of bounds on dimension 1"))
    }

    /// `m[index] = value`: one relaxed atomic store, seen by all views and
    /// the exporter. Cost: O(1).
    ///
    /// # Errors
    ///
    /// In CPython's order: `TypeError: cannot modify read-only memory`;
    /// `IndexError: index out of bounds on dimension 1`; `ValueError:
    /// memoryview: invalid value for format 'B'`.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::zeroed(2)?;
    /// let m = MemoryView::new(&ba)?;
    /// m.set(1, 255)?;
    /// assert_eq!(ba.to_vec(), [0, 255]);
    /// assert_eq!(m.set(0, 256).unwrap_err().to_string(),
    ///            "ValueError: memoryview: invalid value for format 'B'");
    /// # Ok(()) }
    /// ```
    pub fn set(&self, index: isize, value: i64) -> Result<()> {
        let l = self.live()?;
        if l.readonly {
            return Err(Error::read_only());
        }
        let o = self.offset_of(l, index)?;
        let v = u8::try_from(value)
            .map_err(|_| Error::value_error("memoryview: invalid value for format 'B'"))?;
        if l.mbuf.storage.store(o, v) {
            Ok(())
        } else {
            Err(Error::read_only())
        }
    }

    /// `m[start:stop:step]`: a new view of the same memory (same managed
    /// buffer). Cost: O(1), no byte copied.
    ///
    /// # Errors
    ///
    /// `ValueError: slice step cannot be zero`; `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcdef"[..]))?;
    /// let s = m.slice(None, None, Some(-2))?;
    /// assert_eq!((s.tobytes()?.to_vec(), s.strides()?.to_vec()), (b"fdb".to_vec(), vec![-2]));
    /// # Ok(()) }
    /// ```
    pub fn slice(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
    ) -> Result<MemoryView> {
        let l = self.live()?;
        let layout = l.layout.slice(start, stop, step)?;
        Ok(MemoryView::from_parts(l.mbuf.clone(), layout, l.readonly))
    }

    /// `m[start:stop:step] = src`. Cost: copies `src.len()` bytes.
    ///
    /// # Errors
    ///
    /// `TypeError: cannot modify read-only memory`; `ValueError: slice step
    /// cannot be zero`; `ValueError: memoryview assignment: lvalue and rvalue
    /// have different structures` when the lengths differ.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::from(&b"abcd"[..]);
    /// let m = MemoryView::new(&ba)?;
    /// m.set_slice(None, None, Some(2), b"XY")?;
    /// assert_eq!(ba.to_vec(), b"XbYd");
    /// assert_eq!(m.set_slice(Some(0), Some(1), None, b"ab").unwrap_err().message(),
    ///            "memoryview assignment: lvalue and rvalue have different structures");
    /// # Ok(()) }
    /// ```
    pub fn set_slice(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
        src: &[u8],
    ) -> Result<()> {
        let l = self.live()?;
        if l.readonly {
            return Err(Error::read_only());
        }
        let dest = l.layout.slice(start, stop, step)?;
        if dest.ndim() != 1 || dest.shape()[0] != src.len() {
            return Err(Error::value_error(
                "memoryview assignment: lvalue and rvalue have different structures",
            ));
        }
        for (o, &v) in dest.item_offsets()?.into_iter().zip(src) {
            if !l.mbuf.storage.store(o, v) {
                return Err(Error::read_only());
            }
        }
        Ok(())
    }

    /// `m.tobytes()`: the items in C order as new `bytes`. Cost: copies
    /// `nbytes` (a `memcpy` over `bytes`, a byte loop over `bytearray`).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
    /// assert_eq!(m.slice(None, None, Some(-1))?.tobytes()?, Bytes::from(&b"cba"[..]));
    /// # Ok(()) }
    /// ```
    pub fn tobytes(&self) -> Result<Bytes> {
        let l = self.live()?;
        Ok(Bytes::from(read_layout(&l.mbuf.storage, &l.layout)?))
    }

    /// `m.tolist()` for a 1-D byte view. Cost: copies `nbytes`.
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::from(&b"\x01\x02"[..]))?.tolist()?, vec![1, 2]);
    /// # Ok(()) }
    /// ```
    pub fn tolist(&self) -> Result<Vec<u8>> {
        let l = self.live()?;
        read_layout(&l.mbuf.storage, &l.layout)
    }

    /// `m.hex()`. Cost: O(nbytes).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::from(&b"\xca\xfe"[..]))?.hex()?, "cafe");
    /// # Ok(()) }
    /// ```
    pub fn hex(&self) -> Result<String> {
        hex::to_hex(&self.tolist()?, None, 1)
    }

    /// `m.hex(sep, bytes_per_sep)`, as [`Bytes::hex_with`]. Cost: O(nbytes).
    ///
    /// # Errors
    ///
    /// `ValueError` when released (checked first); `ValueError: sep must be
    /// length 1.`; `ValueError: sep must be ASCII.`
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
    /// assert_eq!(m.slice(None, None, Some(-1))?.hex_with(":", 2)?, "63:6261");
    /// # Ok(()) }
    /// ```
    pub fn hex_with(&self, sep: &str, bytes_per_sep: i32) -> Result<String> {
        hex::to_hex(&self.tolist()?, Some(sep), bytes_per_sep)
    }

    /// `m.nbytes`: `len × itemsize` over all dimensions. Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::zeroed(5)?)?;
    /// assert_eq!(m.slice(None, None, Some(2))?.nbytes()?, 3);
    /// # Ok(()) }
    /// ```
    pub fn nbytes(&self) -> Result<usize> {
        self.live()?
            .layout
            .nbytes()
            .ok_or_else(Error::size_overflow)
    }

    /// `m.itemsize` (1). Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::default())?.itemsize()?, 1);
    /// # Ok(()) }
    /// ```
    pub fn itemsize(&self) -> Result<usize> {
        Ok(self.live()?.layout.itemsize())
    }

    /// `m.format` (`"B"`). Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::default())?.format()?, "B");
    /// # Ok(()) }
    /// ```
    pub fn format(&self) -> Result<&str> {
        Ok(self.live()?.layout.format())
    }

    /// `m.ndim` (1). Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::default())?.ndim()?, 1);
    /// # Ok(()) }
    /// ```
    pub fn ndim(&self) -> Result<usize> {
        Ok(self.live()?.layout.ndim())
    }

    /// `m.shape`. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::zeroed(3)?)?.shape()?, &[3]);
    /// # Ok(()) }
    /// ```
    pub fn shape(&self) -> Result<&[usize]> {
        Ok(self.live()?.layout.shape())
    }

    /// `m.strides` in bytes, any sign. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::zeroed(3)?)?;
    /// assert_eq!(m.slice(None, None, Some(-1))?.strides()?, &[-1]);
    /// # Ok(()) }
    /// ```
    pub fn strides(&self) -> Result<&[isize]> {
        Ok(self.live()?.layout.strides())
    }

    /// `m.suboffsets`: always empty (Python shows `()`). Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(MemoryView::new(&Bytes::zeroed(3)?)?.suboffsets()?.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn suboffsets(&self) -> Result<&[isize]> {
        self.live()?;
        Ok(&[])
    }

    /// `m.readonly`: true over `bytes` or after [`toreadonly`](MemoryView::toreadonly).
    /// Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&ByteArray::new())?;
    /// assert!(!m.readonly()?);
    /// assert!(m.toreadonly()?.readonly()?);
    /// # Ok(()) }
    /// ```
    pub fn readonly(&self) -> Result<bool> {
        Ok(self.live()?.readonly)
    }

    /// `m.obj`: the original exporter, even for a view of a view. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::new();
    /// let m = MemoryView::new(&MemoryView::new(&ba)?)?;
    /// assert!(m.obj()?.is(&ba));
    /// # Ok(()) }
    /// ```
    pub fn obj(&self) -> Result<ObjRef> {
        Ok(self.live()?.mbuf.obj)
    }

    /// `m.c_contiguous` (CPython's flag computation; see
    /// [`Layout::c_contiguous`]). Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::zeroed(4)?)?;
    /// assert!(m.c_contiguous()?);
    /// assert!(!m.slice(None, None, Some(2))?.c_contiguous()?);
    /// # Ok(()) }
    /// ```
    pub fn c_contiguous(&self) -> Result<bool> {
        Ok(self.live()?.layout.c_contiguous())
    }

    /// `m.f_contiguous`. Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(MemoryView::new(&Bytes::zeroed(4)?)?.f_contiguous()?);
    /// # Ok(()) }
    /// ```
    pub fn f_contiguous(&self) -> Result<bool> {
        Ok(self.live()?.layout.f_contiguous())
    }

    /// `m.contiguous`. Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::zeroed(4)?)?;
    /// assert!(!m.slice(None, None, Some(-1))?.contiguous()?);
    /// # Ok(()) }
    /// ```
    pub fn contiguous(&self) -> Result<bool> {
        Ok(self.live()?.layout.contiguous())
    }

    /// `m.count(value)` (new in 3.14): items equal to `value`; values outside
    /// `0..=255` are simply never found. Cost: O(len).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abca"[..]))?;
    /// assert_eq!((m.count(97)?, m.count(300)?), (2, 0));
    /// # Ok(()) }
    /// ```
    pub fn count(&self, value: i64) -> Result<usize> {
        let items = self.tolist()?;
        Ok(items.iter().filter(|&&b| i64::from(b) == value).count())
    }

    /// `m.index(value, start, stop)` (new in 3.14): first position of
    /// `value` in `m[start:stop]`; negative bounds count from the end and
    /// everything clamps (`None` = 0 / `len`). Cost: O(len).
    ///
    /// # Errors
    ///
    /// `ValueError: memoryview.index(x): x not found`; `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcb"[..]))?;
    /// assert_eq!(m.index(98, None, None)?, 1);
    /// assert_eq!(m.index(98, Some(-2), None)?, 3);
    /// assert_eq!(m.index(98, Some(2), Some(3)).unwrap_err().message(),
    ///            "memoryview.index(x): x not found");
    /// # Ok(()) }
    /// ```
    pub fn index(&self, value: i64, start: Option<isize>, stop: Option<isize>) -> Result<usize> {
        let l = self.live()?;
        if l.layout.ndim() == 0 {
            return Err(Error::type_error("invalid lookup on 0-dim memory"));
        }
        let n = isize::try_from(l.layout.shape()[0]).map_err(|_| Error::size_overflow())?;
        let mut start = start.unwrap_or(0);
        let mut stop = stop.unwrap_or(isize::MAX);
        if start < 0 {
            start = start.saturating_add(n).max(0);
        }
        if stop < 0 {
            stop = stop.saturating_add(n).max(0);
        }
        stop = stop.min(n);
        let items = self.tolist()?;
        let mut i = start;
        while i < stop {
            if i64::from(items[i as usize]) == value {
                return Ok(i as usize);
            }
            i += 1;
        }
        Err(Error::value_error("memoryview.index(x): x not found"))
    }

    /// `m.toreadonly()`: a read-only view sharing the managed buffer. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let r = MemoryView::new(&ByteArray::zeroed(1)?)?.toreadonly()?;
    /// assert_eq!(r.set(0, 1).unwrap_err().to_string(), "TypeError: cannot modify read-only memory");
    /// # Ok(()) }
    /// ```
    pub fn toreadonly(&self) -> Result<MemoryView> {
        let l = self.live()?;
        Ok(MemoryView::from_parts(
            l.mbuf.clone(),
            l.layout.clone(),
            true,
        ))
    }
}

impl Exporter for MemoryView {
    /// `memory_getbuf`: exports this view's items; `release` fails while such
    /// a buffer is alive. Cost: O(1).
    ///
    /// # Errors
    ///
    /// CPython's `BufferError`s: `memoryview: underlying buffer is not
    /// writable`, `... is not C-contiguous`, `... is not Fortran contiguous`,
    /// `... is not contiguous`, `memoryview: cannot cast to unsigned bytes if
    /// the format flag is present`; `ValueError` when released.
    fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
        let l = self.live()?;
        let be = Error::buffer_error;
        if flags.contains(Flags::WRITABLE) && l.readonly {
            return Err(be("memoryview: underlying buffer is not writable"));
        }
        let (c, f) = (l.layout.c_contiguous(), l.layout.f_contiguous());
        if flags.contains(Flags::C_CONTIGUOUS) && !c {
            return Err(be("memoryview: underlying buffer is not C-contiguous"));
        }
        if flags.contains(Flags::F_CONTIGUOUS) && !f {
            return Err(be(
                "memoryview: underlying buffer is not Fortran contiguous",
            ));
        }
        if flags.contains(Flags::ANY_CONTIGUOUS) && !(c || f) {
            return Err(be("memoryview: underlying buffer is not contiguous"));
        }
        if !flags.contains(Flags::STRIDES) && !c {
            return Err(be("memoryview: underlying buffer is not C-contiguous"));
        }
        if !flags.contains(Flags::ND) && flags.contains(Flags::FORMAT) {
            return Err(be(
                "memoryview: cannot cast to unsigned bytes if the format flag is present",
            ));
        }
        Ok(Buffer::from_view(
            self.obj_ref(),
            l.mbuf.storage.clone(),
            l.layout.clone(),
            l.readonly,
            flags,
            self.exports.clone(),
        ))
    }

    fn obj_ref(&self) -> ObjRef {
        ObjRef::with_id("memoryview", self.id)
    }

    fn as_memoryview(&self) -> Option<&MemoryView> {
        Some(self)
    }
}

impl fmt::Debug for MemoryView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.live.is_some() {
            write!(f, "<memory #{}>", self.id)
        } else {
            write!(f, "<released memory #{}>", self.id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ByteArray, ErrorKind};

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn send_sync() {
        assert_send_sync::<MemoryView>();
        assert_send_sync::<ByteArray>();
        assert_send_sync::<Bytes>();
        assert_send_sync::<Buffer>();
    }

    #[test]
    fn released_everywhere() {
        let ba = ByteArray::from(&b"ab"[..]);
        let mut m = MemoryView::new(&ba).unwrap();
        m.release().unwrap();
        let rel = (
            ErrorKind::ValueError,
            "operation forbidden on released memoryview object".to_string(),
        );
        let e = |r: Result<()>| {
            let e = r.unwrap_err();
            (e.kind(), e.message().to_string())
        };
        assert_eq!(e(m.len().map(drop)), rel);
        assert_eq!(e(m.get(0).map(drop)), rel);
        assert_eq!(e(m.set(0, 1)), rel);
        assert_eq!(e(m.slice(None, None, Some(0)).map(drop)), rel);
        assert_eq!(e(m.hex_with("::", 1).map(drop)), rel);
        assert_eq!(e(m.obj().map(drop)), rel);
        assert_eq!(e(m.count(1).map(drop)), rel);
        assert_eq!(e(m.toreadonly().map(drop)), rel);
        assert_eq!(e(MemoryView::new(&m).map(drop)), rel);
        assert_eq!(e(m.get_buffer(Flags::SIMPLE).map(drop)), rel);
        assert_eq!(ba.exports(), 0);
    }

    #[test]
    fn exports_of_views() {
        let mut ba = ByteArray::from(&b"abc"[..]);
        let mut m = MemoryView::new(&ba).unwrap();
        let buf = m.get_buffer(Flags::SIMPLE).unwrap();
        let e = m.release().unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::BufferError, "memoryview has 1 exported buffer")
        );
        let buf2 = m.get_buffer(Flags::SIMPLE).unwrap();
        assert_eq!(
            m.release().unwrap_err().message(),
            "memoryview has 2 exported buffers"
        );
        drop((buf, buf2));
        let rev = m.slice(None, None, Some(-1)).unwrap();
        assert_eq!(
            rev.get_buffer(Flags::SIMPLE).unwrap_err().message(),
            "memoryview: underlying buffer is not C-contiguous"
        );
        assert_eq!(rev.get_buffer(Flags::STRIDED).unwrap().to_vec(), b"cba");
        assert_eq!(
            rev.toreadonly()
                .unwrap()
                .get_buffer(Flags::WRITABLE)
                .unwrap_err()
                .message(),
            "memoryview: underlying buffer is not writable"
        );
        assert_eq!(
            m.get_buffer(Flags::FORMAT).unwrap_err().message(),
            "memoryview: cannot cast to unsigned bytes if the format flag is present"
        );
        m.release().unwrap();
        assert!(ba.append(1).is_err()); // rev still shares the managed buffer
        drop(rev);
        ba.append(1).unwrap();
    }
}
