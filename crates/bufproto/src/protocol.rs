//! The buffer protocol: what `bf_getbuffer` / `bf_releasebuffer` are to C.
//!
//! An [`Exporter`] hands out a [`Buffer`] (the `Py_buffer` analogue) for a
//! request described by [`Flags`] (`PyBUF_*`, same numeric values). Dropping
//! the `Buffer` (or calling [`Buffer::release`]) is `PyBuffer_Release`: while
//! a `Buffer` of a [`ByteArray`](crate::ByteArray) is alive, the bytearray
//! cannot change size.
//!
//! Consumers other than [`MemoryView`](crate::MemoryView) can use the
//! protocol directly, for any exporter:
//!
//! ```
//! use bufproto::{ByteArray, Bytes, Exporter, Flags};
//! # fn main() -> Result<(), bufproto::Error> {
//! /// Sum of the bytes of any exporter (like `sum(memoryview(obj))`).
//! fn byte_sum(obj: &(impl Exporter + ?Sized)) -> Result<u64, bufproto::Error> {
//!     let buf = obj.get_buffer(Flags::SIMPLE)?;
//!     Ok(buf.to_vec()?.iter().map(|&b| u64::from(b)).sum())
//! } // `buf` dropped here: the export is released
//!
//! assert_eq!(byte_sum(&Bytes::from(&[1u8, 2, 3][..]))?, 6);
//! let mut ba = ByteArray::from(&[10u8, 20][..]);
//! assert_eq!(byte_sum(&ba)?, 30);
//! ba.append(1)?; // no export left, so resizing works
//! # Ok(()) }
//! ```

use std::fmt;
use std::ops::BitOr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::indirect;
use crate::layout::Layout;
use crate::storage::Storage;

/// Request flags of [`Exporter::get_buffer`], CPython's `PyBUF_*` with the
/// same numeric values. Combine with `|`.
///
/// ```
/// use bufproto::Flags;
/// assert_eq!(Flags::STRIDED.bits(), 0x19);
/// assert_eq!(Flags::WRITABLE | Flags::ND, Flags::CONTIG);
/// assert!(Flags::FULL_RO.contains(Flags::FORMAT));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flags(u32);

impl Flags {
    /// `PyBUF_SIMPLE` (0): bytes only, read-only is fine.
    pub const SIMPLE: Flags = Flags(0);
    /// `PyBUF_WRITABLE` (0x1): the consumer will write.
    pub const WRITABLE: Flags = Flags(0x1);
    /// `PyBUF_FORMAT` (0x4): fill `format`.
    pub const FORMAT: Flags = Flags(0x4);
    /// `PyBUF_ND` (0x8): fill `shape`.
    pub const ND: Flags = Flags(0x8);
    /// `PyBUF_STRIDES` (0x18): fill `shape` and `strides`.
    pub const STRIDES: Flags = Flags(0x10 | 0x8);
    /// `PyBUF_C_CONTIGUOUS` (0x38).
    pub const C_CONTIGUOUS: Flags = Flags(0x20 | 0x18);
    /// `PyBUF_F_CONTIGUOUS` (0x58).
    pub const F_CONTIGUOUS: Flags = Flags(0x40 | 0x18);
    /// `PyBUF_ANY_CONTIGUOUS` (0x98).
    pub const ANY_CONTIGUOUS: Flags = Flags(0x80 | 0x18);
    /// `PyBUF_INDIRECT` (0x118): suboffsets allowed.
    pub const INDIRECT: Flags = Flags(0x100 | 0x18);
    /// `PyBUF_CONTIG` (0x9) = `ND | WRITABLE`.
    pub const CONTIG: Flags = Flags(0x8 | 0x1);
    /// `PyBUF_CONTIG_RO` (0x8) = `ND`.
    pub const CONTIG_RO: Flags = Flags(0x8);
    /// `PyBUF_STRIDED` (0x19) = `STRIDES | WRITABLE`.
    pub const STRIDED: Flags = Flags(0x18 | 0x1);
    /// `PyBUF_STRIDED_RO` (0x18) = `STRIDES`.
    pub const STRIDED_RO: Flags = Flags(0x18);
    /// `PyBUF_RECORDS` (0x1d) = `STRIDES | WRITABLE | FORMAT`.
    pub const RECORDS: Flags = Flags(0x18 | 0x1 | 0x4);
    /// `PyBUF_RECORDS_RO` (0x1c) = `STRIDES | FORMAT`.
    pub const RECORDS_RO: Flags = Flags(0x18 | 0x4);
    /// `PyBUF_FULL` (0x11d) = `INDIRECT | WRITABLE | FORMAT`.
    pub const FULL: Flags = Flags(0x118 | 0x1 | 0x4);
    /// `PyBUF_FULL_RO` (0x11c) = `INDIRECT | FORMAT`; what `memoryview(obj)` asks for.
    pub const FULL_RO: Flags = Flags(0x118 | 0x4);

    /// The raw bits. Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::Flags::FULL_RO.bits(), 0x11c);
    /// ```
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Flags from raw bits (any bits are kept, as C would). Cost: O(1).
    ///
    /// ```
    /// use bufproto::Flags;
    /// assert_eq!(Flags::from_bits(0x1c), Flags::RECORDS_RO);
    /// ```
    pub const fn from_bits(bits: u32) -> Flags {
        Flags(bits)
    }

    /// Whether every bit of `other` is set, the way CPython's `REQ_*`
    /// macros test compound flags. Cost: O(1).
    ///
    /// ```
    /// use bufproto::Flags;
    /// assert!(Flags::STRIDES.contains(Flags::ND));
    /// assert!(!Flags::ND.contains(Flags::STRIDES));
    /// ```
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flags({:#x})", self.0)
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn new_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Identifies an exporting object, like a Python reference used with `is`:
/// its type name and its identity.
///
/// A clone of a [`Bytes`](crate::Bytes) is the *same* object (as another
/// reference to one Python object is); slicing or copying makes a new one.
///
/// ```
/// use bufproto::{Bytes, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let b = Bytes::from(&b"abc"[..]);
/// let m = MemoryView::new(&b)?;
/// let obj = m.obj()?;
/// assert_eq!(obj.type_name(), "bytes");
/// assert!(obj.is(&b));
/// assert!(!obj.is(&Bytes::from(&b"abc"[..])));
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjRef {
    type_name: &'static str,
    id: u64,
    hash: HashRule,
}

/// How `hash(obj)` behaves for an exporting object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum HashRule {
    /// Hashable (`bytes`, most objects).
    Yes,
    /// `TypeError: unhashable type: 'NAME'` (`bytearray`, `array.array`).
    Unhashable,
    /// `ValueError: cannot hash writable NAME object` (a writable
    /// `_testbuffer.ndarray`). No message is kept, so that an `ObjRef`
    /// stays small: every view and buffer carries one.
    RefuseWritable,
}

impl ObjRef {
    /// A new, unique identity for an object of Python type `type_name`; for
    /// your own exporters. Cost: O(1).
    ///
    /// ```
    /// let a = bufproto::ObjRef::new("mytype");
    /// assert_ne!(a, bufproto::ObjRef::new("mytype"));
    /// ```
    pub fn new(type_name: &'static str) -> ObjRef {
        ObjRef {
            type_name,
            id: new_id(),
            hash: HashRule::Yes,
        }
    }

    /// A new identity for an object whose type is not hashable (like
    /// `bytearray`): hashing a read-only view of it fails with `TypeError:
    /// unhashable type: 'NAME'`. Cost: O(1).
    ///
    /// ```
    /// let a = bufproto::ObjRef::unhashable("mylist");
    /// assert!(!a.hashable() && bufproto::ObjRef::new("x").hashable());
    /// ```
    pub fn unhashable(type_name: &'static str) -> ObjRef {
        ObjRef {
            hash: HashRule::Unhashable,
            ..ObjRef::new(type_name)
        }
    }

    /// Whether `hash(obj)` works for the object (`bytes` yes, `bytearray`
    /// no). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, Exporter};
    /// assert!(Bytes::default().obj_ref().hashable());
    /// assert!(!ByteArray::new().obj_ref().hashable());
    /// ```
    pub fn hashable(&self) -> bool {
        self.hash == HashRule::Yes
    }

    /// `hash(obj)`'s error, if it has one.
    pub(crate) fn hash_error(&self) -> Option<Error> {
        match self.hash {
            HashRule::Yes => None,
            HashRule::Unhashable => Some(Error::type_error(format!(
                "unhashable type: '{}'",
                self.type_name
            ))),
            HashRule::RefuseWritable => Some(Error::value_error(format!(
                "cannot hash writable {} object",
                self.type_name
            ))),
        }
    }

    /// A new identity whose hash fails with `ValueError: cannot hash
    /// writable NAME object`.
    pub(crate) fn refusing_writable_hash(type_name: &'static str) -> ObjRef {
        ObjRef {
            hash: HashRule::RefuseWritable,
            ..ObjRef::new(type_name)
        }
    }

    pub(crate) fn with_id(type_name: &'static str, id: u64, hashable: bool) -> ObjRef {
        ObjRef {
            type_name,
            id,
            hash: if hashable {
                HashRule::Yes
            } else {
                HashRule::Unhashable
            },
        }
    }

    /// The Python type name: `"bytes"`, `"bytearray"` or `"memoryview"`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Exporter};
    /// assert_eq!(ByteArray::new().obj_ref().type_name(), "bytearray");
    /// ```
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Python's `is`: whether `other` is this very object. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{ByteArray, Exporter};
    /// let a = ByteArray::new();
    /// assert!(a.obj_ref().is(&a));
    /// assert!(!a.obj_ref().is(&a.clone())); // a copy, like bytearray(a)
    /// ```
    pub fn is(&self, other: &(impl Exporter + ?Sized)) -> bool {
        *self == other.obj_ref()
    }
}

/// An object that exports its memory through the buffer protocol.
///
/// Implemented by [`Bytes`](crate::Bytes), [`ByteArray`](crate::ByteArray)
/// and [`MemoryView`](crate::MemoryView). Your own type can export by
/// delegating to a field and relabelling the result with
/// [`Buffer::with_obj`].
///
/// ```
/// use bufproto::{Buffer, Bytes, Exporter, Flags, MemoryView, ObjRef};
/// # fn main() -> Result<(), bufproto::Error> {
/// struct Packet { id: ObjRef, payload: Bytes }
/// impl Exporter for Packet {
///     fn get_buffer(&self, flags: Flags) -> Result<Buffer, bufproto::Error> {
///         Ok(self.payload.get_buffer(flags)?.with_obj(self.id))
///     }
///     fn obj_ref(&self) -> ObjRef { self.id }
/// }
/// let p = Packet { id: ObjRef::new("Packet"), payload: Bytes::from(&b"hi"[..]) };
/// let m = MemoryView::new(&p)?;
/// assert_eq!(m.obj()?.type_name(), "Packet");
/// assert_eq!(m.tobytes()?, Bytes::from(&b"hi"[..]));
/// # Ok(()) }
/// ```
pub trait Exporter {
    /// `bf_getbuffer`: a [`Buffer`] for the request `flags`.
    ///
    /// # Errors
    ///
    /// `BufferError` with CPython's message when the request cannot be
    /// satisfied (e.g. `Object is not writable.` for [`Flags::WRITABLE`] on
    /// `bytes`); `ValueError` for a released memoryview.
    fn get_buffer(&self, flags: Flags) -> Result<Buffer>;

    /// The identity of this object (what `view.obj` reports).
    fn obj_ref(&self) -> ObjRef;

    /// This exporter as [`Any`](std::any::Any), for a consumer that reads
    /// a type it knows directly instead of asking for a buffer (an export
    /// costs a copy of the layout): [`MemoryView::equals`] compares two
    /// views this way, and [`MemoryView::new`] reads a `Bytes`, a
    /// `ByteArray` or a view without a [`Buffer`] in between. Default:
    /// `None` (the buffer is asked for); an implementer never needs it.
    /// Cost: O(1).
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, Exporter, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"hi"[..]))?;
    /// assert!(m.as_any().is_some_and(|a| a.is::<MemoryView>()));
    /// assert!(Bytes::from(&b"hi"[..]).as_any().is_some_and(|a| a.is::<Bytes>()));
    /// assert!(ByteArray::new().as_any().is_some_and(|a| a.is::<ByteArray>()));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    ///
    /// [`MemoryView::equals`]: crate::MemoryView::equals
    /// [`MemoryView::new`]: crate::MemoryView::new
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// Whose words a refused request uses: CPython's `memory_getbuf` speaks of
/// "memoryview: underlying buffer", `_testbuffer`'s `ndarray_getbuf` of
/// "ndarray".
pub(crate) struct Refuser {
    /// What "is not writable", "is not C-contiguous", ...
    pub(crate) subject: &'static str,
    /// The prefix of the format-flag message.
    pub(crate) prefix: &'static str,
    /// The refusal of a request without `PyBUF_INDIRECT` on an indirect
    /// layout.
    pub(crate) needs_suboffsets: &'static str,
}

/// A memoryview (and anything that answers like one).
pub(crate) const AS_MEMORYVIEW: Refuser = Refuser {
    subject: "memoryview: underlying buffer",
    prefix: "memoryview",
    needs_suboffsets: "memoryview: underlying buffer requires suboffsets",
};

/// `_testbuffer.ndarray`.
pub(crate) const AS_NDARRAY: Refuser = Refuser {
    subject: "ndarray",
    prefix: "ndarray",
    needs_suboffsets: "ndarray cannot be represented without suboffsets",
};

/// The checks an exporter of a strided layout makes on a request, in
/// CPython's order and words: writability, the contiguity flags,
/// suboffsets that a consumer without `INDIRECT` could not follow, strides
/// that a consumer without `STRIDES` could not follow, and a format without
/// a shape. `(c, f)` is the layout's C and Fortran contiguity, by the
/// exporter's own rule (a memoryview's flags and `PyBuffer_IsContiguous`
/// differ for empty 1-D views); `indirect`, whether it has suboffsets.
/// Cost: O(1).
pub(crate) fn check_request(
    flags: Flags,
    (c, f, indirect): (bool, bool, bool),
    readonly: bool,
    who: &Refuser,
) -> Result<()> {
    let refuse = |what: &str| {
        Err(Error::buffer_error(format!(
            "{} is not {what}",
            who.subject
        )))
    };
    if flags.contains(Flags::WRITABLE) && readonly {
        return refuse("writable");
    }
    if flags.contains(Flags::C_CONTIGUOUS) && !c {
        return refuse("C-contiguous");
    }
    if flags.contains(Flags::F_CONTIGUOUS) && !f {
        return refuse("Fortran contiguous");
    }
    if flags.contains(Flags::ANY_CONTIGUOUS) && !(c || f) {
        return refuse("contiguous");
    }
    if !flags.contains(Flags::INDIRECT) && indirect {
        return Err(Error::buffer_error(who.needs_suboffsets));
    }
    if !flags.contains(Flags::STRIDES) && !c {
        return refuse("C-contiguous");
    }
    if !flags.contains(Flags::ND) && flags.contains(Flags::FORMAT) {
        return Err(Error::buffer_error(format!(
            "{}: cannot cast to unsigned bytes if the format flag is present",
            who.prefix
        )));
    }
    Ok(())
}

/// The `Py_buffer` analogue: an export of an object's memory.
///
/// Holding it keeps the export alive (a `bytearray` cannot resize);
/// dropping it, or [`Buffer::release`], releases it.
///
/// ```
/// use bufproto::{ByteArray, Exporter, Flags};
/// # fn main() -> Result<(), bufproto::Error> {
/// let mut ba = ByteArray::from(&b"ab"[..]);
/// let buf = ba.get_buffer(Flags::RECORDS)?;
/// assert_eq!((buf.len(), buf.readonly(), buf.format(), buf.ndim()), (2, false, Some("B"), 1));
/// assert_eq!((buf.shape(), buf.strides()), (Some(&[2][..]), Some(&[1][..])));
/// buf.set(0, b'x')?;
/// assert_eq!(ba.exports(), 1);
/// assert_eq!(ba.append(b'c'.into()).unwrap_err().kind(), bufproto::ErrorKind::BufferError);
/// buf.release();
/// ba.append(b'c'.into())?;
/// assert_eq!(ba.to_vec(), b"xbc");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Buffer {
    obj: ObjRef,
    storage: Storage,
    layout: Layout,
    readonly: bool,
    /// `view.len`: `nbytes` of `layout`, checked to fit `isize` when the
    /// buffer was made (a `Py_buffer`'s `len` is a `Py_ssize_t`).
    len: usize,
    format: bool,
    shape: bool,
    strides: bool,
    /// Set when a memoryview exported this buffer: the token whose count
    /// is the view's number of exports, which a view made from this
    /// buffer keeps (without the protocol knowing the view type).
    from_view: Option<ViewExport>,
}

/// A memoryview's export counter: its strong count minus one is the
/// number of the view's exports (the buffers it lent, each alive or held
/// by one [`Hold`]). It keeps what the view itself holds (see
/// [`Parts::held`]), so that an export the view held lasts while anything
/// made from the view's buffers lives, as in CPython, where such a buffer
/// keeps the view, and so its managed buffer, alive.
#[derive(Debug)]
pub(crate) struct ExportToken {
    pub(crate) _held: Option<Arc<Hold>>,
}

/// One hold on a view's export (a clone of its counter), shared by the
/// view made from that buffer and by every view cut from it, as one
/// CPython managed buffer holds one export however many views share it.
#[derive(Debug)]
pub(crate) struct Hold {
    _token: Arc<ExportToken>,
}

/// What a buffer exported by a memoryview remembers of it.
#[derive(Debug)]
struct ViewExport {
    /// A clone of the view's export counter (its strong count minus one
    /// is the view's number of exports).
    token: Arc<ExportToken>,
}

/// A buffer taken apart by a new memoryview, which owns these parts:
/// nothing is shared with the exporter but the memory's `Arc`.
pub(crate) struct Parts {
    /// What `m.obj` reports: the buffer's `obj`.
    pub(crate) obj: ObjRef,
    /// The memory: a clone of the exporter's `Arc`, which is the export.
    pub(crate) storage: Storage,
    /// Where the items are.
    pub(crate) layout: Layout,
    /// Whether writes are refused.
    pub(crate) readonly: bool,
    /// An export of another memoryview that the new view keeps alive (one
    /// [`Hold`] on its export counter, which the views cut from the new
    /// view share): that of a view whose buffer another exporter handed on
    /// (relabelled with [`Buffer::with_obj`] or not). That exporter is not
    /// a memoryview, so the export counts once against the view while any
    /// of them lives, as CPython's managed buffer of its own would.
    pub(crate) held: Option<Arc<Hold>>,
}

impl Buffer {
    /// `PyBuffer_FillInfo`-like: a buffer of `layout`, checking only `WRITABLE`.
    #[inline]
    pub(crate) fn fill_info(
        obj: ObjRef,
        storage: Storage,
        layout: Layout,
        readonly: bool,
        flags: Flags,
    ) -> Result<Buffer> {
        if flags.contains(Flags::WRITABLE) && readonly {
            return Err(Error::buffer_error("Object is not writable."));
        }
        Buffer::described(obj, storage, layout, readonly, flags, None)
    }

    /// A buffer that fills in what `flags` asked for. The one check: its
    /// size in bytes must fit `isize`, so that [`Buffer::len`] is exact (a
    /// `Py_buffer` cannot describe more, and no real exporter offers it).
    #[inline]
    fn described(
        obj: ObjRef,
        storage: Storage,
        layout: Layout,
        readonly: bool,
        flags: Flags,
        view_export: Option<ViewExport>,
    ) -> Result<Buffer> {
        let len = layout
            .nbytes()
            .filter(|&n| isize::try_from(n).is_ok())
            .ok_or_else(Error::size_overflow)?;
        Ok(Buffer {
            obj,
            storage,
            layout,
            readonly,
            len,
            format: flags.contains(Flags::FORMAT),
            shape: flags.contains(Flags::ND),
            strides: flags.contains(Flags::STRIDES),
            from_view: view_export,
        })
    }

    /// The same export described by another layout of the same memory (an
    /// `array.array` relabels its bytearray's bytes as typed items).
    pub(crate) fn relaid(self, layout: Layout) -> Result<Buffer> {
        let len = layout
            .nbytes()
            .filter(|&n| isize::try_from(n).is_ok())
            .ok_or_else(Error::size_overflow)?;
        Ok(Buffer {
            layout,
            len,
            ..self
        })
    }

    /// A memoryview's export of `layout` over `storage`: `obj` is the view;
    /// `token` is cloned from the view's export counter (which holds what
    /// the view holds, see [`ExportToken`]).
    pub(crate) fn from_view(
        obj: ObjRef,
        storage: Storage,
        layout: Layout,
        readonly: bool,
        flags: Flags,
        token: Arc<ExportToken>,
    ) -> Result<Buffer> {
        let from_view = ViewExport { token };
        Buffer::described(obj, storage, layout, readonly, flags, Some(from_view))
    }

    /// Whether a memoryview exported the buffer: its layout was checked
    /// against its memory when that view was made.
    #[inline(always)]
    pub(crate) fn checked(&self) -> bool {
        self.from_view.is_some()
    }

    /// The buffer taken apart for a new memoryview: the buffer is the
    /// export, and `m.obj` its `obj`. A memoryview's export reaches here
    /// only through another exporter (one that relabels it with
    /// [`Buffer::with_obj`], or hands it on as it is, as
    /// `_testbuffer.ndarray(m, flags=ND_REDIRECT)` does): the new view
    /// holds that export of the view, as CPython's managed buffer does.
    /// (`memoryview(m)` of a view itself shares its hold on the memory
    /// instead, without a buffer: `MemoryView::new` reads it directly.)
    /// Cost: O(1), moves only.
    #[inline(always)]
    pub(crate) fn into_parts(self) -> Parts {
        // One allocation, on this path only (a view's buffer handed on).
        let held = self.from_view.map(|v| Arc::new(Hold { _token: v.token }));
        let obj = self.obj;
        Parts {
            obj,
            storage: self.storage,
            layout: self.layout,
            readonly: self.readonly,
            held,
        }
    }

    /// The memory the buffer exports.
    pub(crate) fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The full layout, whatever the request's flags filled in.
    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The same export, reported as coming from `obj` (for exporters that
    /// delegate to a field). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags, ObjRef};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let me = ObjRef::new("wrapper");
    /// let buf = Bytes::from(&b"x"[..]).get_buffer(Flags::SIMPLE)?.with_obj(me);
    /// assert_eq!(buf.obj(), me);
    /// # Ok(()) }
    /// ```
    pub fn with_obj(mut self, obj: ObjRef) -> Buffer {
        // The export now belongs to `obj`, which is not a memoryview:
        // `memoryview(obj)` reports `obj` and holds this export (CPython's
        // view gets a managed buffer of its own over it). The view's export
        // count still holds until the buffer, or that view, is dropped.
        self.obj = obj;
        self
    }

    /// `view.obj`: the exporting object. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"x"[..]);
    /// assert!(b.get_buffer(Flags::SIMPLE)?.obj().is(&b));
    /// # Ok(()) }
    /// ```
    pub fn obj(&self) -> ObjRef {
        self.obj
    }

    /// `view.len`: size in bytes (items × itemsize), at most `isize::MAX`
    /// (an exporter refuses a layout whose size would not fit, so no buffer
    /// has an inexact `len`). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::zeroed(4)?.get_buffer(Flags::SIMPLE)?.len(), 4);
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether `len() == 0`. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(Bytes::zeroed(0)?.get_buffer(Flags::SIMPLE)?.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `view.readonly`. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(Bytes::zeroed(1)?.get_buffer(Flags::SIMPLE)?.readonly());
    /// # Ok(()) }
    /// ```
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// `view.itemsize` (1 for bytes). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::zeroed(1)?.get_buffer(Flags::SIMPLE)?.itemsize(), 1);
    /// # Ok(()) }
    /// ```
    pub fn itemsize(&self) -> usize {
        self.layout.itemsize()
    }

    /// `view.format`: `None` unless [`Flags::FORMAT`] was requested (which
    /// C reads as `"B"`). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::zeroed(1)?;
    /// assert_eq!(b.get_buffer(Flags::SIMPLE)?.format(), None);
    /// assert_eq!(b.get_buffer(Flags::FORMAT)?.format(), Some("B"));
    /// # Ok(()) }
    /// ```
    pub fn format(&self) -> Option<&str> {
        self.format.then(|| self.layout.format())
    }

    /// `view.ndim`: the layout's number of dimensions if [`Flags::ND`] was
    /// requested; otherwise 1, as `memory_getbuf` reports it (the consumer
    /// sees [`len`](Buffer::len) plain bytes). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Exporter, Flags, MemoryView, NdArray};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let grid = NdArray::c_order(vec![0; 6], "B", vec![2, 3])?;
    /// assert_eq!(grid.get_buffer(Flags::ND)?.ndim(), 2);
    /// assert_eq!(grid.get_buffer(Flags::SIMPLE)?.ndim(), 1);
    /// # Ok(()) }
    /// ```
    pub fn ndim(&self) -> usize {
        if self.shape { self.layout.ndim() } else { 1 }
    }

    /// `view.shape`: `None` unless [`Flags::ND`] was requested. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::zeroed(3)?.get_buffer(Flags::ND)?.shape(), Some(&[3][..]));
    /// # Ok(()) }
    /// ```
    pub fn shape(&self) -> Option<&[usize]> {
        self.shape.then(|| self.layout.shape())
    }

    /// `view.strides`: `None` unless [`Flags::STRIDES`] was requested. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::zeroed(3)?.get_buffer(Flags::STRIDES)?.strides(), Some(&[1][..]));
    /// # Ok(()) }
    /// ```
    pub fn strides(&self) -> Option<&[isize]> {
        self.strides.then(|| self.layout.strides())
    }

    /// `view.suboffsets`: `None` (C's NULL) unless the layout is indirect
    /// (PIL-style, see [`Layout::suboffsets`]); an exporter refuses such a
    /// layout to a request without [`Flags::INDIRECT`], so a buffer that has
    /// them was asked for them. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags, NdArray};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::zeroed(3)?.get_buffer(Flags::FULL_RO)?.suboffsets(), None);
    /// let pil = NdArray::pil(vec![0; 6], "B", vec![2, 3], None, 0, false)?;
    /// assert_eq!(pil.get_buffer(Flags::FULL_RO)?.suboffsets(), Some(&[0, -1][..]));
    /// assert_eq!(pil.get_buffer(Flags::RECORDS_RO).unwrap_err().to_string(),
    ///            "BufferError: ndarray cannot be represented without suboffsets");
    /// # Ok(()) }
    /// ```
    pub fn suboffsets(&self) -> Option<&[isize]> {
        self.layout.suboffsets()
    }

    /// The bytes in logical (C) order, like `PyBuffer_ToContiguous`. Cost:
    /// copies `len()` bytes (`memcpy` for `bytes`, word loads for
    /// `bytearray`; the storage's one copy engine, see the `storage`
    /// module).
    ///
    /// # Errors
    ///
    /// `MemoryError` when the copy cannot be allocated: a buffer with zero
    /// strides (NumPy's broadcasting) may describe far more bytes than its
    /// memory holds.
    ///
    /// ```
    /// use bufproto::{Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::from(&b"ab"[..]).get_buffer(Flags::SIMPLE)?.to_vec()?, b"ab");
    /// # Ok(()) }
    /// ```
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        read_layout(&self.storage, &self.layout)
    }

    /// Byte offset in the storage of the byte `get`/`set` address: without
    /// [`Flags::ND`] the buffer is `len` plain bytes (the exporter made sure
    /// they are C-contiguous), so `index` counts bytes; otherwise it is the
    /// first byte of item `index` of a 1-D layout.
    fn byte_at(&self, index: usize) -> Option<usize> {
        if self.shape {
            return indirect::byte_offset(&self.storage, &self.layout, &[index]).ok();
        }
        if index >= self.len {
            return None;
        }
        usize::try_from(self.layout.offset())
            .ok()?
            .checked_add(index)
    }

    /// The byte at `index`: of the `len` plain bytes of a request without
    /// [`Flags::ND`] (such as [`Flags::SIMPLE`]); otherwise the first byte
    /// of item `index` of a 1-D buffer. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `IndexError: index out of bounds on dimension 1`.
    ///
    /// ```
    /// use bufproto::{Array, Bytes, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Bytes::from(&b"ab"[..]).get_buffer(Flags::SIMPLE)?.get(1)?, b'b');
    /// let a = Array::from_values("H", [0x0102, 0x0304])?;
    /// assert_eq!(a.get_buffer(Flags::SIMPLE)?.get(1)?, 0x01); // byte 1
    /// assert_eq!(a.get_buffer(Flags::ND)?.get(1)?, 0x04); // item 1
    /// # Ok(()) }
    /// ```
    pub fn get(&self, index: usize) -> Result<u8> {
        self.byte_at(index)
            .and_then(|o| self.storage.load(o))
            .ok_or_else(|| Error::index_error("index out of bounds on dimension 1"))
    }

    /// Writes the byte at `index` (counted as [`get`](Buffer::get) counts);
    /// every view and the exporter see it. Cost: O(1), one atomic
    /// compare-and-swap of the byte's 8-byte word for `bytearray` memory.
    ///
    /// # Errors
    ///
    /// `TypeError: cannot modify read-only memory`; `IndexError: index out
    /// of bounds on dimension 1`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::zeroed(2)?;
    /// ba.get_buffer(Flags::WRITABLE)?.set(1, 7)?;
    /// assert_eq!(ba.to_vec(), [0, 7]);
    /// # Ok(()) }
    /// ```
    pub fn set(&self, index: usize, value: u8) -> Result<()> {
        if self.readonly {
            return Err(Error::read_only());
        }
        match self.byte_at(index) {
            Some(o) if self.storage.store(o, value) => Ok(()),
            _ => Err(Error::index_error("index out of bounds on dimension 1")),
        }
    }

    /// `PyBuffer_Release`: ends the export (the same as dropping it).
    ///
    /// ```
    /// use bufproto::{ByteArray, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::new();
    /// let buf = ba.get_buffer(Flags::SIMPLE)?;
    /// assert_eq!(ba.exports(), 1);
    /// buf.release();
    /// assert_eq!(ba.exports(), 0);
    /// # Ok(()) }
    /// ```
    pub fn release(self) {}

    /// `view.buf`: the address of the buffer's first byte, as a number.
    ///
    /// It is here to *show* sharing: two buffers over the same memory report
    /// addresses that differ by exactly their distance apart, and a copy
    /// reports an address somewhere else. The crate never turns it back into
    /// a pointer (that would need `unsafe`). Cost: O(1).
    ///
    /// ```
    /// use bufproto::{ByteArray, Exporter, Flags, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::from(&b"hello"[..]);
    /// let whole = MemoryView::new(&ba)?;
    /// let tail = whole.slice(Some(1), None, None)?;
    /// let at = |m: &MemoryView| m.get_buffer(Flags::SIMPLE).map(|b| b.buf_addr());
    /// assert_eq!(at(&tail)?, at(&whole)? + 1);
    /// # Ok(()) }
    /// ```
    pub fn buf_addr(&self) -> usize {
        self.storage
            .base_addr()
            .wrapping_add_signed(self.layout.offset())
    }

    /// `view.buf` as a raw pointer, for handing the buffer to C (a
    /// `Py_buffer` filled by an extension module). Creating it is safe;
    /// using it is the FFI code's business, under these rules:
    ///
    /// * it is valid while this `Buffer` is alive (the export keeps the
    ///   allocation, and a `bytearray` cannot resize meanwhile);
    /// * items lie at `buf_ptr() + sum(index[k] * strides[k])`, which may be
    ///   *before* `buf_ptr()` when a stride is negative;
    /// * if [`readonly`](Buffer::readonly), never write through it (the
    ///   memory may be a `bytes` object's immutable allocation);
    /// * otherwise the memory is atomics (64-bit words for a `bytearray`,
    ///   bytes for foreign memory) that Rust may read and write
    ///   concurrently; the bytes lie in order, as C expects. Writes through
    ///   the pointer should not race with Rust threads (C code holding the
    ///   GIL while Rust code also holds it, or runs on the same thread, is
    ///   fine).
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// use bufproto::{ByteArray, Exporter, Flags};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::from(&b"hello"[..]);
    /// let buf = ba.get_buffer(Flags::WRITABLE)?;
    /// assert_eq!(buf.buf_ptr() as usize, buf.buf_addr());
    /// # Ok(()) }
    /// ```
    pub fn buf_ptr(&self) -> *mut u8 {
        self.storage
            .base_ptr()
            .wrapping_offset(self.layout.offset())
    }
}

/// Reads the items of `layout` from `storage` in C order
/// ([`indirect::gather`]: the storage's copy engine, or the pointers of
/// an indirect layout followed).
pub(crate) fn read_layout(storage: &Storage, layout: &Layout) -> Result<Vec<u8>> {
    indirect::gather(storage, layout, false)
}
