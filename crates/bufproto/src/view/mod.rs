//! `memoryview`: a window onto any exporter's memory.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::bytearray::ByteArray;
use crate::bytes::Bytes;
use crate::error::{Error, ErrorKind, Result};
use crate::format;
use crate::hex;
use crate::indirect;
use crate::layout::{self, Layout};
use crate::protocol::{
    AS_MEMORYVIEW, Buffer, ExportToken, Exporter, Flags, Hold, ObjRef, Parts, check_request,
    new_id, read_layout,
};
use crate::storage::Storage;

/// Python's `memoryview`: a view of an exporter's memory, without copying.
///
/// ```text
///  ByteArray (the exporter)        MemoryView m = memoryview(ba)[5:1:-2]
///  ┌─────────────────────────┐     ┌───────────────────────────────┐
///  │ storage: Arc ───────────┼──┐  │ storage: Arc (its own clone) ─┼─┐
///  │ start, len              │  │  │ obj: the bytearray            │ │
///  └─────────────────────────┘  │  │ layout: offset 5, shape [2],  │ │
///                               │  │         strides [-2]          │ │
///                               ▼  └───────────────────────────────┘ │
///  Arc<Words>        [ a  b  c  d  e  f  g  . . (capacity) ]  ◄───────┘
///                         ▲     ▲ ◄── m[1] = d, m[0] = f
/// ```
///
/// `MemoryView::new` takes what the exporter's [`Buffer`] for
/// `PyBUF_FULL_RO` describes (a `Bytes`, `ByteArray` or view is read
/// directly, without the `Buffer`): a clone of the memory's `Arc`, which is
/// the export, the layout and the exporter's identity. The view owns them.
/// CPython keeps them in a *managed buffer* (`_PyManagedBufferObject`)
/// shared by every view derived from the first (slices,
/// [`toreadonly`](MemoryView::toreadonly), `memoryview(m)`); here each
/// derived view clones the handle instead, one count increment and no
/// allocation. Python sees the same thing: the exporter cannot resize
/// until the last of those views is released or dropped, and `m.obj` is
/// the original exporter.
///
/// A `bytearray`'s memory is atomic 64-bit words (`Words`, in the
/// `storage` module). Writes (through [`set`](MemoryView::set),
/// [`set_slice`](MemoryView::set_slice) or the exporter) are atomic: whole
/// words are plain stores, a single byte or any part of a word a
/// compare-and-swap, so every view and the exporter see them, no
/// neighbour's byte is lost, all types stay `Send + Sync`, and no `unsafe`
/// is needed. Copies out of it ([`tobytes`](MemoryView::tobytes)) read
/// eight bytes per load; over `bytes` they are `memcpy`.
///
/// After [`release`](MemoryView::release) every operation fails with
/// `ValueError: operation forbidden on released memoryview object`.
///
/// ```
/// use bufproto::{ByteArray, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let ba = ByteArray::from(&b"abcdefg"[..]);
/// let m = MemoryView::new(&ba)?.slice(Some(5), Some(1), Some(-2))?;
/// assert_eq!(m.tolist()?.to_string(), "[102, 100]");
/// m.set(1, b'D')?;
/// assert_eq!(ba.to_vec(), b"abcDefg");
/// assert!(m.obj()?.is(&ba));
/// # Ok(()) }
/// ```
pub struct MemoryView {
    live: Option<Live>,
    /// The view's identity (for `is` and its `Debug`), taken on first use:
    /// most views never need one, and an atomic counter costs every slice.
    /// 0 until taken (identities start at 1): 8 bytes, where a `OnceLock`
    /// would take 16.
    id: AtomicU64,
    /// CPython caches a view's hash (and keeps answering after release).
    hash: std::sync::OnceLock<u64>,
    /// Its strong count minus one is the number of buffers this view
    /// exported (and views of those buffers hold); it holds what the view
    /// holds (see [`ExportToken`]). Made on
    /// the first export, so that views that never export (nearly all) cost
    /// no allocation for it.
    exports: std::sync::OnceLock<Arc<ExportToken>>,
}

mod cast;
mod compare;
mod flat;
mod items;
mod iter;
mod key;
mod list;
mod typed;

pub use iter::{Cursor, Iter};
pub use key::{Key, Selection};
pub use list::{ItemSlice, Items, Nested};
pub use typed::{Item, Typed};

struct Live {
    /// The memory, the exporter reported as `m.obj`, and any export held.
    mem: Mem,
    /// Where the view's items are: offset, format, shape and strides.
    layout: Layout,
    readonly: bool,
    /// The item format, parsed once (`None`: not a native format, so item
    /// access takes the slow path that reports CPython's error).
    native: Option<format::Native>,
    /// Where a 1-D view's items are, for `m[i]` (`None` for the others).
    flat: Option<flat::Flat>,
}

/// A view's hold on its exporter's memory, owned by the view: CPython
/// shares one managed buffer among a view and the views made from it; here
/// each view has its own copy of the handle, whose `Arc` clone is the
/// export (the exporter's export count is that `Arc`'s count), so a
/// derived view costs one count increment and no allocation.
#[derive(Clone)]
struct Mem {
    storage: Storage,
    /// `m.obj`: the original exporter, even for a view of a view.
    obj: ObjRef,
    /// A hold on another view's export, shared with the views cut from
    /// this one and kept alive while any of them lives (see
    /// [`Parts::held`]); `None` for nearly every view.
    held: Option<Arc<Hold>>,
}

impl Mem {
    /// The memory the view reads and writes.
    #[inline(always)]
    fn storage(&self) -> &Storage {
        &self.storage
    }

    /// `m.obj`.
    #[inline(always)]
    fn obj(&self) -> ObjRef {
        self.obj
    }
}

impl Live {
    /// Where the view's items are: offset, format, shape and strides.
    #[inline(always)]
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

impl MemoryView {
    /// A view of `layout` over `mem`, whose format was parsed already (a
    /// slice keeps its view's format).
    #[inline]
    fn from_parsed(
        mem: Mem,
        layout: Layout,
        readonly: bool,
        native: Option<format::Native>,
    ) -> MemoryView {
        let flat = flat::Flat::of(&layout, native);
        MemoryView::assembled(mem, layout, readonly, native, flat)
    }

    #[inline(always)]
    fn assembled(
        mem: Mem,
        layout: Layout,
        readonly: bool,
        native: Option<format::Native>,
        flat: Option<flat::Flat>,
    ) -> MemoryView {
        MemoryView {
            live: Some(Live {
                mem,
                layout,
                readonly,
                native,
                flat,
            }),
            id: AtomicU64::new(0),
            hash: std::sync::OnceLock::new(),
            exports: std::sync::OnceLock::new(),
        }
    }

    fn id(&self) -> u64 {
        let id = self.id.load(Ordering::Relaxed);
        if id != 0 {
            return id;
        }
        // Two threads racing here both ask for one; the first to store it
        // wins, and the other answers with the winner's.
        let new = new_id();
        match self
            .id
            .compare_exchange(0, new, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => new,
            Err(won) => won,
        }
    }

    fn live(&self) -> Result<&Live> {
        self.live.as_ref().ok_or_else(Error::released)
    }

    /// `memoryview(obj)`. Cost: O(1), no copy, no allocation (for a
    /// `Bytes`, a `ByteArray` and a view of a view of up to two dimensions;
    /// a view of more copies its shape and strides, two allocations;
    /// another exporter's [`get_buffer`](Exporter::get_buffer) costs what
    /// it costs, and a view's buffer that one hands on one small
    /// allocation more, the hold on that view's export the new view and
    /// its slices share): one count increment of the memory's `Arc`,
    /// dropped with the view. `tests/allocations.rs` counts these.
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
        // The crate's own types are read directly: what their `get_buffer`
        // would export, without a `Buffer` in between.
        if let Some(any) = obj.as_any() {
            if let Some(b) = any.downcast_ref::<Bytes>() {
                let (storage, start, len) = b.frozen_parts();
                return MemoryView::of_bytes(storage, b.obj_ref(), start, len, true);
            }
            if let Some(ba) = any.downcast_ref::<ByteArray>() {
                let (storage, start, len) = ba.shared_parts();
                return MemoryView::of_bytes(storage, ba.obj_ref(), start, len, false);
            }
            if let Some(m) = any.downcast_ref::<MemoryView>() {
                return m.duplicate();
            }
        }
        let buf = obj.get_buffer(Flags::FULL_RO)?;
        // Everything is decided from the buffer in place; its parts then
        // move once, into the view. A memoryview's export was checked when
        // that view was made.
        let layout = buf.layout();
        if !buf.checked() && !layout.fits(buf.storage().len()) {
            return Err(Error::buffer_error("exporter returned an invalid buffer"));
        }
        let native = format::Native::parse(layout.format());
        let flat = flat::Flat::of(layout, native);
        let Parts {
            obj,
            storage,
            layout,
            readonly,
            held,
        } = buf.into_parts();
        let mem = Mem { storage, obj, held };
        Ok(MemoryView::assembled(mem, layout, readonly, native, flat))
    }

    /// A view of `len` unsigned bytes from byte `start` of `storage`, as
    /// `PyBuffer_FillInfo` describes a `bytes` or `bytearray` (which keep
    /// `start + len` within their memory).
    #[inline(always)]
    fn of_bytes(
        storage: Storage,
        obj: ObjRef,
        start: usize,
        len: usize,
        readonly: bool,
    ) -> Result<MemoryView> {
        // As `Buffer::described` checks (a `Py_buffer`'s `len` is a
        // `Py_ssize_t`); no allocation ever holds more.
        let (Ok(offset), Ok(_)) = (isize::try_from(start), isize::try_from(len)) else {
            return Err(Error::size_overflow());
        };
        let native = format::Native::parse("B");
        // `Flat::of` of the layout, without reading it: the layout is then
        // written once, in place.
        let flat = native.and_then(|nat| flat::Flat::bytes(nat, len, start));
        let layout = Layout::bytes_from(offset, len);
        let mem = Mem {
            storage,
            obj,
            held: None,
        };
        Ok(MemoryView::assembled(mem, layout, readonly, native, flat))
    }

    /// `memoryview(m)`: CPython's `mbuf_add_view(m->mbuf, &m->view)`, a new
    /// view of the same items sharing `m`'s hold on the memory (no export
    /// of `m`: releasing `m` does not wait for it).
    fn duplicate(&self) -> Result<MemoryView> {
        let l = self.live()?;
        Ok(MemoryView::assembled(
            l.mem.clone(),
            l.layout.clone(),
            l.readonly,
            l.native,
            l.flat,
        ))
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
    /// assert_eq!(first, i64::from(b'a'));
    /// ba.append(100)?; // the view is gone, resizing works
    /// # Ok(()) }
    /// ```
    pub fn with<E: Exporter + ?Sized, R>(obj: &E, f: impl FnOnce(&MemoryView) -> R) -> Result<R> {
        let mut m = MemoryView::new(obj)?;
        let r = f(&m);
        m.release()?;
        Ok(r)
    }

    /// `m.release()`: drops this view's hold on the memory; the exporter's
    /// export ends when the last view holding it (its slices, casts, views
    /// of it) is released or dropped, as when CPython's last view lets go
    /// of their managed buffer. Releasing twice is fine. Cost: O(1).
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
        let n = self.exports.get().map_or(0, |e| Arc::strong_count(e) - 1);
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

    /// `m[start:stop:step]`: a new view of the same memory, holding it as
    /// this view does. Cost: O(1), no byte copied, no allocation (one count
    /// increment) for a view of up to two dimensions; one of more copies
    /// its shape and strides, two allocations.
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
        let layout = l.layout().slice(start, stop, step)?;
        // A slice of a 1-D view with a fast layout has one too.
        let flat = l.flat.and_then(|f| f.resliced(&layout));
        Ok(MemoryView::assembled(
            l.mem.clone(),
            layout,
            l.readonly,
            l.native,
            flat,
        ))
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
        self.set_slice_from(start, stop, step, &Bytes::from(src))
    }

    /// `m[start:stop:step] = src` for any exporter `src` (CPython's
    /// `copy_single`): the source must have the same format (ignoring a
    /// leading `@`), item size and shape as the slice. Cost: copies the
    /// slice's `nbytes` once into a buffer, then stores them.
    ///
    /// # Errors
    ///
    /// In CPython's order: `ValueError` when released;
    /// `NotImplementedError: memoryview: unsupported format <i`; `TypeError:
    /// cannot modify read-only memory`; `TypeError: invalid indexing of 0-dim
    /// memory`; `NotImplementedError: memoryview slice assignments are
    /// currently restricted to ndim = 1`; errors of `src.get_buffer`;
    /// `ValueError: slice step cannot be zero`; `ValueError: memoryview
    /// assignment: lvalue and rvalue have different structures`.
    ///
    /// ```
    /// use bufproto::{Array, ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::zeroed(4)?;
    /// let m = MemoryView::new(&ba)?.cast("h")?;
    /// let src = Array::from_values("h", [1, -1])?;
    /// m.set_slice_from(None, None, None, &src)?;
    /// assert_eq!(ba.to_vec(), [1, 0, 255, 255]);
    /// # Ok(()) }
    /// ```
    pub fn set_slice_from<E: Exporter + ?Sized>(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
        src: &E,
    ) -> Result<()> {
        let l = self.live()?;
        format::adjust_fmt(l.layout().format())?;
        if l.readonly {
            return Err(Error::read_only());
        }
        match l.layout().ndim() {
            0 => return Err(Error::type_error("invalid indexing of 0-dim memory")),
            1 => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::NotImplementedError,
                    "memoryview slice assignments are currently restricted to ndim = 1",
                ));
            }
        }
        let sbuf = src.get_buffer(Flags::FULL_RO)?;
        let dest = l.layout().slice(start, stop, step)?;
        let strip = |f: &str| f.strip_prefix('@').unwrap_or(f).to_string();
        let same_format = strip(dest.format()) == strip(sbuf.layout().format())
            && dest.itemsize() == sbuf.layout().itemsize();
        if !same_format || !layout::equiv_shape(dest.shape(), sbuf.layout().shape()) {
            return Err(Error::value_error(
                "memoryview assignment: lvalue and rvalue have different structures",
            ));
        }
        let data = read_layout(sbuf.storage(), sbuf.layout())?;
        let item = dest.itemsize();
        let offsets = indirect::item_offsets(l.mem.storage(), &dest, false)?;
        for (o, chunk) in offsets.into_iter().zip(data.chunks(item)) {
            if !l.mem.storage().copy_in(o, chunk) {
                return Err(Error::read_only());
            }
        }
        Ok(())
    }

    /// `m.tobytes()`: the items in C order as new `bytes`. Cost: copies
    /// `nbytes` (a `memcpy` over `bytes`, word loads over `bytearray`);
    /// for a C-contiguous view one allocation, the result's, written in
    /// place (from 64 KiB the allocator is first asked for the same size,
    /// which is freed at once: the check that makes a failure a
    /// `MemoryError`).
    ///
    /// # Errors
    ///
    /// `ValueError` when released; `MemoryError` (empty message, as
    /// CPython's) when the copy cannot be allocated: zero strides let a
    /// one-byte buffer describe 2**62 bytes.
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
        // The storage's copy engine: contiguous memory is written straight
        // into the result's allocation.
        Ok(Bytes::from_arc(indirect::gather_arc(
            l.mem.storage(),
            l.layout(),
            false,
        )?))
    }

    /// `m.tobytes(order)` with `order` `"C"`, `"F"` or `"A"` (`None` is
    /// `"C"`), CPython's `PyBuffer_ToContiguous`: `"F"` walks the items in
    /// Fortran order; `"A"` copies the memory as it lies when the view is C-
    /// or Fortran-contiguous and uses C order otherwise. Cost: copies
    /// `nbytes`.
    ///
    /// # Errors
    ///
    /// `ValueError` when released; `ValueError: order must be 'C', 'F' or
    /// 'A'`; `MemoryError` as [`tobytes`](MemoryView::tobytes).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcdef"[..]))?.cast_shape("B", &[2, 3])?;
    /// assert_eq!(m.tobytes_order(Some("F"))?, Bytes::from(&b"adbecf"[..]));
    /// assert_eq!(m.tobytes_order(Some("A"))?, Bytes::from(&b"abcdef"[..]));
    /// assert_eq!(m.tobytes_order(Some("X")).unwrap_err().message(), "order must be 'C', 'F' or 'A'");
    /// # Ok(()) }
    /// ```
    pub fn tobytes_order(&self, order: Option<&str>) -> Result<Bytes> {
        let l = self.live()?;
        let fortran = fortran_order(l, order)?;
        Ok(Bytes::from_arc(indirect::gather_arc(
            l.mem.storage(),
            l.layout(),
            fortran,
        )?))
    }

    /// The view's bytes in place, with no copy, when that is sound and
    /// they lie in C order: C-contiguous memory that nobody writes (a
    /// `Bytes`, or foreign memory its owner reports
    /// [`frozen`](crate::ForeignMemory::frozen)). `None` for a released
    /// view, for writable memory (a `&[u8]` must not change under its
    /// holder; use [`tobytes_into`](MemoryView::tobytes_into)) and for a
    /// layout that is not C-contiguous. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcd"[..]))?;
    /// assert_eq!(m.slice(Some(1), None, None)?.frozen_bytes(), Some(&b"bcd"[..]));
    /// assert_eq!(m.slice(None, None, Some(2))?.frozen_bytes(), None);
    /// assert_eq!(MemoryView::new(&ByteArray::from(&b"ab"[..]))?.frozen_bytes(), None);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// None: `None` means "copy instead".
    pub fn frozen_bytes(&self) -> Option<&[u8]> {
        let l = self.live().ok()?;
        let layout = l.layout();
        if !layout.c_contiguous() {
            return None;
        }
        let mem = l.mem.storage().as_plain()?;
        let n = layout.nbytes()?;
        let start = if n == 0 {
            0
        } else {
            usize::try_from(layout.offset()).ok()?
        };
        mem.get(start..start.checked_add(n)?)
    }

    /// [`tobytes_order`](MemoryView::tobytes_order) into a caller's buffer
    /// of exactly [`nbytes`](MemoryView::nbytes) bytes, for a caller that
    /// owns the destination (the Python bridge writes straight into a new
    /// `bytes` object). Cost: copies `nbytes` once, with no allocation when
    /// the view's memory is already in the order asked for (contiguous);
    /// otherwise one temporary of `nbytes` (and, with suboffsets, a list of
    /// item offsets).
    ///
    /// # Errors
    ///
    /// `ValueError` when released; `ValueError: order must be 'C', 'F' or
    /// 'A'`; `ValueError: memoryview: destination has 2 bytes, not 3` when
    /// `dst` is not `nbytes` long (`dst` is then unchanged); `MemoryError`
    /// when a temporary cannot be allocated.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&ByteArray::from(&b"abcdef"[..]))?.cast_shape("B", &[2, 3])?;
    /// let mut out = [0u8; 6];
    /// m.tobytes_into(Some("F"), &mut out)?;
    /// assert_eq!(&out, b"adbecf");
    /// let err = m.tobytes_into(None, &mut out[..2]).unwrap_err();
    /// assert_eq!(err.to_string(), "ValueError: memoryview: destination has 2 bytes, not 6");
    /// # Ok(()) }
    /// ```
    pub fn tobytes_into(&self, order: Option<&str>, dst: &mut [u8]) -> Result<()> {
        let l = self.live()?;
        let fortran = fortran_order(l, order)?;
        let n = l.layout().nbytes().ok_or_else(Error::no_memory)?;
        if dst.len() != n {
            return Err(Error::value_error(format!(
                "memoryview: destination has {} bytes, not {n}",
                dst.len()
            )));
        }
        indirect::gather_into(l.mem.storage(), l.layout(), fortran, dst)
    }
}

/// Whether `tobytes(order)` walks the items in Fortran order (see
/// [`MemoryView::tobytes_order`]).
fn fortran_order(l: &Live, order: Option<&str>) -> Result<bool> {
    Ok(match order.unwrap_or("C") {
        "C" => false,
        "F" => true,
        "A" => {
            let (sh, st, it) = (
                l.layout().shape(),
                l.layout().strides(),
                l.layout().itemsize(),
            );
            // `PyBuffer_IsContiguous`: never for suboffsets.
            l.layout().suboffsets().is_none()
                && !layout::is_c_contiguous(sh, st, it)
                && layout::is_f_contiguous(sh, st, it)
        }
        _ => return Err(Error::value_error("order must be 'C', 'F' or 'A'")),
    })
}

impl MemoryView {
    /// `m.hex()`. Cost: O(nbytes).
    ///
    /// # Errors
    ///
    /// `ValueError` when released; `MemoryError` as
    /// [`tobytes`](MemoryView::tobytes).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::from(&b"\xca\xfe"[..]))?.hex()?, "cafe");
    /// # Ok(()) }
    /// ```
    pub fn hex(&self) -> Result<String> {
        hex::to_hex(&self.tobytes()?, None, 1)
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
        hex::to_hex(&self.tobytes()?, Some(sep), bytes_per_sep)
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
            .layout()
            .nbytes()
            .ok_or_else(Error::size_overflow)
    }

    /// `m.itemsize`: bytes per item (1 for `B`, 4 for `i`). Cost: O(1).
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
        Ok(self.live()?.layout().itemsize())
    }

    /// `m.format`: the `struct` format of an item, as the exporter or `cast` gave it (`"B"`, `"@i"`, `"<i"`). Cost: O(1).
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
        Ok(self.live()?.layout().format())
    }

    /// `m.ndim`: number of dimensions (0 to 64). Cost: O(1).
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
        Ok(self.live()?.layout().ndim())
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
        Ok(self.live()?.layout().shape())
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
        Ok(self.live()?.layout().strides())
    }

    /// `m.suboffsets`: empty (Python shows `()`) for a direct view; for a
    /// PIL-style (indirect) one, one value per dimension, `>= 0` where a
    /// pointer stored in the memory is followed (see
    /// [`Layout::suboffsets`]; [`NdArray::pil`](crate::NdArray::pil) makes
    /// such an exporter). Slices keep them. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView, NdArray};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(MemoryView::new(&Bytes::zeroed(3)?)?.suboffsets()?.is_empty());
    /// let pil = NdArray::pil(b"abcdef".to_vec(), "B", vec![2, 3], None, 0, false)?;
    /// let m = MemoryView::new(&pil)?;
    /// assert_eq!((m.strides()?, m.suboffsets()?), (&[8, 1][..], &[0, -1][..]));
    /// assert_eq!(m.slice(None, None, Some(-1))?.tobytes()?.as_slice(), b"defabc");
    /// # Ok(()) }
    /// ```
    pub fn suboffsets(&self) -> Result<&[isize]> {
        Ok(self.live()?.layout().suboffsets().unwrap_or(&[]))
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
        Ok(self.live()?.mem.obj())
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
        Ok(self.live()?.layout().c_contiguous())
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
        Ok(self.live()?.layout().f_contiguous())
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
        Ok(self.live()?.layout().contiguous())
    }

    /// `m.toreadonly()`: a read-only view of the same memory. Cost: O(1),
    /// no allocation (one count increment) for a view of up to two
    /// dimensions; one of more copies its shape and strides, two
    /// allocations.
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
        // The same items: the view's fast layout holds as it is.
        Ok(MemoryView::assembled(
            l.mem.clone(),
            l.layout.clone(),
            true,
            l.native,
            l.flat,
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
        let contiguity = (
            l.layout().c_contiguous(),
            l.layout().f_contiguous(),
            l.layout().suboffsets().is_some(),
        );
        check_request(flags, contiguity, l.readonly, &AS_MEMORYVIEW)?;
        Buffer::from_view(
            self.obj_ref(),
            l.mem.storage.clone(),
            l.layout().clone(),
            l.readonly,
            flags,
            self.exports
                .get_or_init(|| {
                    Arc::new(ExportToken {
                        _held: l.mem.held.clone(),
                    })
                })
                .clone(),
        )
    }

    fn obj_ref(&self) -> ObjRef {
        ObjRef::with_id("memoryview", self.id(), true)
    }

    /// `Some(self)`: [`MemoryView::equals`] reads another view directly.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

impl fmt::Debug for MemoryView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.live.is_some() {
            write!(f, "<memory #{}>", self.id())
        } else {
            write!(f, "<released memory #{}>", self.id())
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

    /// `memoryview(m)` reports the first exporter as its `obj` and holds
    /// no export of `m` once it is built (as CPython's, which shares `m`'s
    /// managed buffer); an exporter that relabels a view's buffer with
    /// `with_obj` is not a memoryview, so a view of it holds that buffer's
    /// export of the wrapped view while it lives (and so do its slices and
    /// the buffers it exports), as CPython's managed buffer of its own does.
    #[test]
    fn a_view_of_a_view_reports_the_original_exporter() {
        struct Wrap(MemoryView, ObjRef);
        impl Exporter for Wrap {
            fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
                Ok(self.0.get_buffer(flags)?.with_obj(self.1))
            }
            fn obj_ref(&self) -> ObjRef {
                self.1
            }
        }
        let ba = ByteArray::from(&b"abc"[..]);
        let mut m = MemoryView::new(&ba).unwrap();
        let m2 = MemoryView::new(&m).unwrap();
        assert!(m2.obj().unwrap().is(&ba));
        assert!(MemoryView::new(&m2).unwrap().obj().unwrap().is(&ba));
        let mut w = Wrap(MemoryView::new(&m).unwrap(), ObjRef::new("Wrap"));
        let mw = MemoryView::new(&w).unwrap();
        assert_eq!(mw.obj().unwrap().type_name(), "Wrap");
        // a view of `mw` reports what `mw` reports
        assert_eq!(
            MemoryView::new(&mw).unwrap().obj().unwrap().type_name(),
            "Wrap"
        );
        mw.set(0, b'z').unwrap();
        assert_eq!(ba.to_vec(), b"zbc");
        let held = "memoryview has 1 exported buffer";
        assert_eq!(w.0.release().unwrap_err().message(), held);
        drop(mw);
        w.0.release().unwrap();
        // whatever is made from such a view holds the export alone, after
        // the view is gone: a slice, a view of it, a buffer it exported
        for kind in 0..3 {
            let mut w = Wrap(MemoryView::new(&m).unwrap(), ObjRef::new("Wrap"));
            let mw = MemoryView::new(&w).unwrap();
            let (made, buf) = match kind {
                0 => (Some(mw.slice(Some(1), None, None).unwrap()), None),
                1 => (Some(MemoryView::new(&mw).unwrap()), None),
                _ => (None, Some(mw.get_buffer(Flags::SIMPLE).unwrap())),
            };
            drop(mw);
            assert_eq!(w.0.release().unwrap_err().message(), held, "{kind}");
            assert_eq!(ba.exports(), 4, "{kind}"); // m, m2, w.0 and `made` or `buf`
            drop((made, buf));
            w.0.release().unwrap();
        }
        m.release().unwrap(); // m2 does not hold an export of m
        assert_eq!(m2.tobytes().unwrap().as_slice(), b"zbc");
    }

    /// `MemoryView::new` reads a `Bytes` or a `ByteArray` directly; the
    /// view is the one their `get_buffer(FULL_RO)` describes (asked for
    /// through an exporter that only forwards it): same `obj`, flags,
    /// layout, first byte and bytes, and one export of the memory each,
    /// for memory that starts past the allocation's first byte too.
    #[test]
    fn direct_views_are_the_exported_ones() {
        struct Forward<'a>(&'a dyn Exporter);
        impl Exporter for Forward<'_> {
            fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
                self.0.get_buffer(flags)
            }
            fn obj_ref(&self) -> ObjRef {
                self.0.obj_ref()
            }
        }
        let data: Vec<u8> = (0..40u8).collect();
        let mut shifted = ByteArray::from(&data[..]);
        shifted.del_slice(Some(0), Some(3), None).unwrap();
        let b = Bytes::from(&data[..]);
        let tail = b.slice(Some(5), None, None).unwrap();
        // `Bytes` has no export count to show
        let exporters: [(&dyn Exporter, Option<&ByteArray>); 3] =
            [(&b, None), (&tail, None), (&shifted, Some(&shifted))];
        let at = |m: &MemoryView| m.get_buffer(Flags::SIMPLE).unwrap().buf_addr();
        for (x, ba) in exporters {
            let exports = || ba.map_or(usize::MAX, ByteArray::exports);
            let direct = MemoryView::new(x).unwrap();
            let one = exports();
            let general = MemoryView::new(&Forward(x)).unwrap();
            assert_eq!(
                (one, exports()),
                ba.map_or((usize::MAX, usize::MAX), |_| (1, 2))
            );
            let l = (direct.live().unwrap(), general.live().unwrap());
            assert_eq!(l.0.layout, l.1.layout);
            assert_eq!(l.0.mem.obj, l.1.mem.obj);
            assert!(l.0.mem.obj.is(x));
            assert_eq!(l.0.readonly, l.1.readonly);
            assert_eq!(l.0.native, l.1.native);
            assert_eq!(at(&direct), at(&general));
            assert_eq!(direct.tobytes().unwrap(), general.tobytes().unwrap());
            assert_eq!(direct.get(-1).unwrap(), general.get(-1).unwrap());
            drop((direct, general));
            assert!(ba.is_none() || exports() == 0);
        }
        assert_eq!(
            MemoryView::new(&tail)
                .unwrap()
                .tobytes()
                .unwrap()
                .as_slice(),
            &data[5..]
        );
        assert!(MemoryView::new(&shifted).unwrap().readonly().ok() == Some(false));
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
        assert_eq!(
            rev.get_buffer(Flags::STRIDED).unwrap().to_vec().unwrap(),
            b"cba"
        );
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
        assert!(ba.append(1).is_err()); // rev still holds the memory
        drop(rev);
        ba.append(1).unwrap();
    }

    fn msg<T: fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn cpython_messages_of_nd_views() {
        let b = Bytes::from(&b"abcdefgh"[..]);
        let m = MemoryView::new(&b).unwrap();
        let g = m.cast_shape("B", &[2, 4]).unwrap();
        let z = m.cast_shape("q", &[]).unwrap();
        let cases: Vec<(String, &str)> = vec![
            (
                msg(m.slice(None, None, Some(2)).unwrap().cast("B")),
                "TypeError: memoryview: casts are restricted to C-contiguous views",
            ),
            (
                msg(g.cast_shape("B", &[8, 1])),
                "TypeError: memoryview: cast must be 1D -> ND or ND -> 1D",
            ),
            (
                msg(m.cast_shape("B", &[1; 65])),
                "ValueError: memoryview: number of dimensions must not exceed 64",
            ),
            (
                msg(m.slice(Some(0), Some(7), None).unwrap().cast("i")),
                "TypeError: memoryview: length is not a multiple of itemsize",
            ),
            (
                msg(m
                    .slice(Some(0), Some(0), None)
                    .unwrap()
                    .cast_shape("B", &[1])),
                "TypeError: memoryview: cannot cast view with zeros in shape or strides",
            ),
            (
                msg(m.cast("i").unwrap().cast("q")),
                "TypeError: memoryview: cannot cast between two non-byte formats",
            ),
            (
                msg(m.cast("e2")),
                "ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'",
            ),
            (
                msg(g.get(0)),
                "NotImplementedError: multi-dimensional sub-views are not implemented",
            ),
            (
                msg(g.get_at(&[0, 0, 0])),
                "TypeError: cannot index 2-dimension view with 3-element tuple",
            ),
            (
                msg(g.get_at(&[-3, 0])),
                "IndexError: index out of bounds on dimension 1",
            ),
            (msg(z.get(0)), "TypeError: invalid indexing of 0-dim memory"),
            (
                msg(z.get_at(&[0])),
                "TypeError: invalid indexing of 0-dim memory",
            ),
            (
                msg(z.slice(None, None, None)),
                "TypeError: invalid indexing of 0-dim memory",
            ),
            (
                msg(z.index(1, None, None)),
                "TypeError: invalid lookup on 0-dim memory",
            ),
            (
                msg(z.count(1)),
                "TypeError: invalid indexing of 0-dim memory",
            ),
            (msg(z.len()), "TypeError: 0-dim memory has no length"),
            (
                msg(m.tobytes_order(Some("K"))),
                "ValueError: order must be 'C', 'F' or 'A'",
            ),
            (
                msg(m.cast("i").unwrap().hash()),
                "ValueError: memoryview: hashing is restricted to formats 'B', 'b' or 'c'",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        assert_eq!(
            z.get_at(&[]).unwrap(),
            crate::Value::Int(0x6867666564636261)
        );
        assert_eq!(z.tolist().unwrap().to_string(), "7523094288207667809");
    }

    #[test]
    fn cpython_messages_of_writes() {
        let ba = ByteArray::from(&b"abcdefgh"[..]);
        let m = MemoryView::new(&ba).unwrap();
        let g = m.cast_shape("B", &[2, 4]).unwrap();
        assert_eq!(
            msg(g.set(0, 1)),
            "NotImplementedError: sub-views are not implemented"
        );
        assert_eq!(
            msg(g.set_at(&[0], 1)),
            "NotImplementedError: sub-views are not implemented"
        );
        assert_eq!(
            msg(g.set_slice(None, None, None, b"abcdefgh")),
            "NotImplementedError: memoryview slice assignments are currently restricted to ndim = 1"
        );
        assert_eq!(
            msg(m
                .cast("i")
                .unwrap()
                .set_slice(None, None, None, b"abcdefgh")),
            "ValueError: memoryview assignment: lvalue and rvalue have different structures"
        );
        assert_eq!(
            msg(m.cast("c").unwrap().set(0, 1)),
            "TypeError: memoryview: invalid type for format 'c'"
        );
        assert_eq!(
            msg(m
                .slice(None, Some(4), None)
                .unwrap()
                .cast_shape("i", &[])
                .unwrap()
                .set_at(&[0], 1)),
            "TypeError: invalid indexing of 0-dim memory"
        );
        m.slice(None, Some(4), None)
            .unwrap()
            .cast_shape("i", &[])
            .unwrap()
            .set_at(&[], -1)
            .unwrap();
        assert_eq!(&ba.to_vec()[..4], &[255; 4]);
        let raw = crate::NdArray::new(vec![0; 8], "<i", vec![2], None, 0, true).unwrap();
        let r = MemoryView::new(&raw).unwrap();
        assert_eq!(
            msg(r.get(0)),
            "NotImplementedError: memoryview: unsupported format <i"
        );
        assert_eq!(
            msg(r.set(0, 1)),
            "NotImplementedError: memoryview: unsupported format <i"
        );
        assert_eq!(
            msg(r.tolist()),
            "NotImplementedError: memoryview: unsupported format <i"
        );
        assert!(r.equals(&r)); // compared through struct unpacking
        assert_eq!(r.tobytes().unwrap().len(), 8);
    }
}
