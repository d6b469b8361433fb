//! Python memory to Rust: any object with the buffer protocol becomes a
//! [`bufproto::Foreign`] exporter over the same bytes, with the same shape,
//! strides, format and read-only flag, without copying.

use std::ffi::CStr;
use std::sync::Arc;
use std::sync::atomic::AtomicU8;

use bufproto::layout::{Layout, c_strides};
use bufproto::{Foreign, ForeignMemory};
use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::to_pyerr;

// ANCHOR: import
/// A Python buffer held open (`PyObject_GetBuffer(obj, PyBUF_FULL_RO)`, the
/// request `memoryview` makes) for as long as Rust uses it: the exporter
/// cannot resize meanwhile. Dropping it calls `PyBuffer_Release`.
pub struct PyMemory {
    /// The `Py_buffer`, boxed because it may point into itself
    /// (`PyBuffer_FillInfo` sets `shape = &view->len`). Its `obj` is moved
    /// out into `owner` while held, and put back for the release.
    view: Box<ffi::Py_buffer>,
    /// `view->obj`'s reference, where the garbage collector can see it.
    owner: Option<Py<PyAny>>,
    /// The layout, with `shape`/`strides` filled in as `memoryview` fills
    /// them when the exporter leaves them NULL.
    shape: Vec<usize>,
    strides: Vec<isize>,
    /// `view->suboffsets`, if not NULL (an indirect, PIL-style buffer).
    suboffsets: Option<Vec<isize>>,
    format: String,
    /// Byte distance from the lowest address any item touches to `buf`.
    below: usize,
    /// Bytes from that lowest address to the end of the highest item.
    span: usize,
    /// Whether the buffer is an exact `bytes` object's own (see
    /// `ForeignMemory::frozen` below).
    frozen: bool,
}

// SAFETY: the raw pointers in `view` are the exporter's, valid until the
// release; the release takes the GIL (see Drop), as PyO3's own
// `PyUntypedBuffer` does, and the bytes are read as atomics, or as plain
// `u8`s only when nothing writes them (`frozen`: an exact `bytes`).
unsafe impl Send for PyMemory {}
// SAFETY: as for Send: shared access is to atomic bytes, to the immutable
// bytes of `frozen`, and to plain fields.
unsafe impl Sync for PyMemory {}

impl std::fmt::Debug for PyMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyMemory")
            .field("buf", &self.view.buf)
            .field("format", &self.format)
            .field("shape", &self.shape)
            .field("strides", &self.strides)
            .field("below", &self.below)
            .field("span", &self.span)
            .finish_non_exhaustive()
    }
}

impl ForeignMemory for PyMemory {
    fn bytes(&self) -> &[AtomicU8] {
        if self.span == 0 {
            return &[];
        }
        let lowest = self.view.buf.cast::<u8>().wrapping_sub(self.below);
        // SAFETY: `lowest .. lowest + span` is exactly the memory that the
        // buffer's items cover (computed, checked, from its shape and
        // strides in `PyMemory::new`), which the exporter guarantees valid
        // while the Py_buffer is held, and it is held as long as `self`.
        // AtomicU8 has the size and alignment of u8. The exporter's own
        // writes happen in Python (holding the GIL); ours are byte stores,
        // and we never store into a read-only buffer (`readonly()` below).
        unsafe { std::slice::from_raw_parts(lowest.cast::<AtomicU8>(), self.span) }
    }

    fn readonly(&self) -> bool {
        self.view.readonly != 0
    }

    fn frozen(&self) -> Option<&[u8]> {
        if !self.frozen || self.view.readonly == 0 {
            return None;
        }
        let atomic = self.bytes();
        // SAFETY: the same memory as `bytes()` (same address, same
        // length), which is valid while the Py_buffer is held. It is read
        // as plain `u8`s only for an exact `bytes` object (`frozen`, set in
        // `PyMemory::new` from `PyBytes_CheckExact` on the object whose
        // `bf_getbuffer` filled the view, i.e. bytes' own, which exports
        // `ob_sval` read-only): a `bytes` object's contents never change
        // once it is shared, and we hold a reference (`owner`) and the
        // export for as long as the slice lives. CPython itself writes into
        // a bytes object only while it is the sole reference (building it,
        // `_PyBytes_Resize`), never while exported; the crate never stores
        // into memory whose owner reports it frozen. Only C code breaking
        // the C API's rule ("do not modify a bytes object after it is
        // shared", e.g. `ctypes.memmove` into `id(b)`) would race with
        // these reads, as it races with any reader of that `bytes`.
        Some(unsafe { std::slice::from_raw_parts(atomic.as_ptr().cast::<u8>(), atomic.len()) })
    }
}

impl Drop for PyMemory {
    fn drop(&mut self) {
        let owner = self.owner.take();
        Python::attach(|_py| {
            self.view.obj = owner.map_or(std::ptr::null_mut(), Py::into_ptr);
            // SAFETY: `view` was filled by a successful PyObject_GetBuffer
            // and is released once, here, with its `obj` restored; we hold
            // the GIL.
            unsafe { ffi::PyBuffer_Release(&mut *self.view) };
        });
    }
}

fn refuse(m: &str) -> PyErr {
    PyBufferError::new_err(format!("bufproto: {m}"))
}

/// `(below, span)` of items of `shape`/`strides`, all arithmetic checked.
fn extent(shape: &[usize], strides: &[isize], itemsize: usize) -> Option<(usize, usize)> {
    if shape.contains(&0) {
        return Some((0, 0));
    }
    let (mut lo, mut hi) = (0isize, isize::try_from(itemsize).ok()?);
    for (&n, &s) in shape.iter().zip(strides) {
        let reach = isize::try_from(n - 1).ok()?.checked_mul(s)?;
        if reach < 0 {
            lo = lo.checked_add(reach)?;
        } else {
            hi = hi.checked_add(reach)?;
        }
    }
    Some((
        lo.unsigned_abs(),
        usize::try_from(hi.checked_sub(lo)?).ok()?,
    ))
}

// ANCHOR: indirect
/// The most pointers [`indirect_extent`] follows to bound one buffer.
const MAX_POINTERS: usize = 1 << 20;

/// Whether the memory of `obj`'s indirect buffer is known to be one
/// allocation, so that the hull of the bytes its pointers reach is memory
/// that may be lent to Rust as one slice. The buffer protocol cannot say
/// where an exporter's allocations begin and end, and the pointers of a
/// PIL-style array may point into several (PIL's own images keep one block
/// per row). Known here: a `_testbuffer.ndarray` that owns its memory
/// (made from a list: `ndarray.offset >= 0`), whose `init_suboffsets` put
/// the pointer table and the items in one block; and the views and
/// re-exporters of one (builtin or `bufproto_py` memoryviews,
/// `_testbuffer.ndarray` consumers, whose `offset` is -1), through their
/// `obj`.
fn one_allocation(obj: &Bound<'_, PyAny>, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let py = obj.py();
    let base = |o: PyResult<Bound<'_, PyAny>>| match o {
        Ok(o) if !o.is_none() => one_allocation(&o, depth + 1),
        _ => false,
    };
    if let Ok(m) = obj.cast::<crate::memoryview::PyMemoryView>() {
        return base(m.getattr("obj"));
    }
    if obj
        .get_type()
        .is(py.get_type::<pyo3::types::PyMemoryView>())
    {
        return base(obj.getattr("obj"));
    }
    // `_testbuffer` is loaded if `obj` is one of its arrays: not imported,
    // but read from the interpreter's module dict (`import sys` would call
    // `builtins.__import__`, Python code, while the buffer is held).
    // SAFETY: `PyImport_GetModuleDict` returns a borrowed reference to
    // `sys.modules` (alive as long as the interpreter) or NULL; the `Bound`
    // takes a new reference of its own.
    let modules = unsafe { Bound::from_borrowed_ptr_or_opt(py, ffi::PyImport_GetModuleDict()) };
    let Some(modules) = modules else {
        return false;
    };
    let ndarray = modules
        .get_item("_testbuffer")
        .and_then(|t| t.getattr("ndarray"));
    match ndarray {
        // `sys.modules` is Python's to change: only the C type counts (a
        // static type; a class written in Python, which could export any
        // buffer through `__buffer__` and report any `offset`, is a heap
        // type).
        Ok(t) if !static_type(&t) => false,
        // An array made from a list owns its block and reports its offset
        // in it (`>= 0`); a consumer of another exporter (`ndarray(ex)`)
        // reports -1 and is that exporter's memory.
        Ok(t) if obj.get_type().is(&t) => {
            let owns = obj
                .getattr("offset")
                .and_then(|o| o.extract::<isize>())
                .is_ok_and(|o| o >= 0);
            owns || base(obj.getattr("obj"))
        }
        _ => false,
    }
}

/// Whether `t` is a type not made at run time (no `Py_TPFLAGS_HEAPTYPE`):
/// a C extension's static type, which Python code cannot define.
fn static_type(t: &Bound<'_, PyAny>) -> bool {
    t.cast::<pyo3::types::PyType>().is_ok_and(|t| {
        // SAFETY: `t` is a live type object; the call reads its flags.
        let flags = unsafe { ffi::PyType_GetFlags(t.as_type_ptr()) };
        flags & ffi::Py_TPFLAGS_HEAPTYPE == 0
    })
}

/// `(below, span)` of an indirect buffer: the hull of every byte its items
/// and pointer cells occupy, found by following every pointer once
/// (`None` past [`MAX_POINTERS`], on overflow, or for an empty hull that
/// is not empty). `buf` is `view->buf`; call only for memory that
/// [`one_allocation`] accepted.
fn indirect_extent(
    buf: *const u8,
    shape: &[usize],
    strides: &[isize],
    suboffsets: &[isize],
    itemsize: usize,
) -> Option<(usize, usize)> {
    if shape.contains(&0) {
        return Some((0, 0));
    }
    let start = buf as usize;
    let mut w = Walk {
        buf,
        shape,
        strides,
        suboffsets,
        itemsize,
        lo: start,
        hi: start,
        budget: MAX_POINTERS,
    };
    w.go(start, 0)?;
    Some((start.checked_sub(w.lo)?, w.hi.checked_sub(w.lo)?))
}

/// The walk of [`indirect_extent`]: addresses as numbers, `lo..hi` the
/// hull so far.
struct Walk<'a> {
    buf: *const u8,
    shape: &'a [usize],
    strides: &'a [isize],
    suboffsets: &'a [isize],
    itemsize: usize,
    lo: usize,
    hi: usize,
    budget: usize,
}

impl Walk<'_> {
    fn cover(&mut self, at: usize, n: usize) -> Option<()> {
        let end = at.checked_add(n)?;
        (self.lo, self.hi) = (self.lo.min(at), self.hi.max(end));
        Some(())
    }

    /// Covers everything reachable from address `addr` at dimension `d`.
    fn go(&mut self, addr: usize, d: usize) -> Option<()> {
        let subs = self.suboffsets.get(d..)?;
        if subs.iter().all(|&s| s < 0) {
            // No pointer below here: a strided block (one item at d == ndim).
            let (below, span) =
                extent(self.shape.get(d..)?, self.strides.get(d..)?, self.itemsize)?;
            return self.cover(addr.checked_sub(below)?, span);
        }
        let (&n, &stride, &sub) = (self.shape.get(d)?, self.strides.get(d)?, subs.first()?);
        for i in 0..n {
            let a = addr.checked_add_signed(isize::try_from(i).ok()?.checked_mul(stride)?)?;
            if sub < 0 {
                self.go(a, d + 1)?;
                continue;
            }
            self.budget = self.budget.checked_sub(1)?;
            self.cover(a, std::mem::size_of::<usize>())?;
            // `buf`'s provenance: the memory is one allocation.
            let cell = self
                .buf
                .wrapping_offset((a as isize).wrapping_sub(self.buf as isize));
            // SAFETY: `a` is the address of a pointer cell of the buffer
            // (`buf` plus index times strides, up to a dimension with a
            // suboffset, after following earlier pointers): the exporter
            // guarantees such cells readable while the buffer is held.
            // `read_unaligned`: no alignment is promised.
            let p = unsafe { cell.cast::<usize>().read_unaligned() };
            self.go(p.checked_add_signed(sub)?, d + 1)?;
        }
        Some(())
    }
}
// ANCHOR_END: indirect

impl PyMemory {
    /// Holds `obj`'s buffer. Indirect (PIL-style) buffers are accepted
    /// when their memory can be bounded (a `_testbuffer.ndarray` owning
    /// its one block, or a view of one): their extent is the hull of
    /// everything their pointers reach; the crate checks every pointer
    /// again when it follows it. A NULL `shape` (0-d, or 1-d of `len / itemsize` items), NULL
    /// `strides` (C order) or NULL `format` (`"B"`) are read as
    /// `memoryview` reads them (`init_shape_strides`). Cost: O(ndim) plus
    /// the exporter's `bf_getbuffer`.
    ///
    /// # Errors
    ///
    /// The exporter's error; `BufferError` for an indirect buffer whose
    /// memory cannot be bounded, and for fields
    /// no consumer could use (a negative `ndim` or dimension, no shape for
    /// `ndim > 1`, an extent that overflows).
    pub fn new(obj: &Bound<'_, PyAny>) -> PyResult<PyMemory> {
        // SAFETY: Py_buffer is plain data; all-zero is a valid value.
        let mut view: Box<ffi::Py_buffer> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: `view` is writable and does not move (boxed); `obj` lives.
        let rc = unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, ffi::PyBUF_FULL_RO) };
        if rc != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        // SAFETY: a successful GetBuffer gave `view->obj` a new reference
        // (or NULL); it moves into `owner`, and back in Drop.
        let owner = unsafe { Bound::from_owned_ptr_or_opt(obj.py(), view.obj) }.map(Bound::unbind);
        view.obj = std::ptr::null_mut();
        let mut mem = PyMemory {
            view,
            owner,
            shape: Vec::new(),
            strides: Vec::new(),
            suboffsets: None,
            format: String::new(),
            below: 0,
            span: 0,
            // SAFETY: `obj` is a live object; the check reads its type.
            frozen: unsafe { ffi::PyBytes_CheckExact(obj.as_ptr()) } != 0,
        };
        // From here on, an error drops `mem`, which releases the buffer.
        mem.describe(obj)?;
        Ok(mem)
    }

    /// Fills the layout fields from the held `Py_buffer` of `obj`.
    fn describe(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = &*self.view;
        let ndim = usize::try_from(v.ndim).map_err(|_| refuse("negative ndim"))?;
        let itemsize = usize::try_from(v.itemsize)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| refuse("itemsize must be positive"))?;
        let len = usize::try_from(v.len).map_err(|_| refuse("negative len"))?;
        let shape: Vec<usize> = if !v.shape.is_null() {
            // SAFETY: a non-NULL shape holds `ndim` items until the release.
            let s = unsafe { std::slice::from_raw_parts(v.shape, ndim) };
            s.iter()
                .map(|&n| usize::try_from(n))
                .collect::<Result<_, _>>()
                .map_err(|_| refuse("negative dimension"))?
        } else {
            match ndim {
                0 => Vec::new(),
                1 => vec![len / itemsize],
                _ => return Err(refuse("shape is NULL but ndim > 1")),
            }
        };
        let strides = if !v.strides.is_null() {
            // SAFETY: non-NULL strides hold `ndim` items until the release.
            unsafe { std::slice::from_raw_parts(v.strides, ndim) }.to_vec()
        } else {
            c_strides(&shape, itemsize).ok_or_else(|| refuse("strides overflow"))?
        };
        let format = if v.format.is_null() {
            "B".to_string()
        } else {
            // SAFETY: a non-NULL format is a NUL-terminated string that
            // lives until the release.
            unsafe { CStr::from_ptr(v.format) }
                .to_string_lossy()
                .into_owned()
        };
        let suboffsets = if v.suboffsets.is_null() {
            None
        } else {
            // SAFETY: non-NULL suboffsets hold `ndim` items until the release.
            Some(unsafe { std::slice::from_raw_parts(v.suboffsets, ndim) }.to_vec())
        };
        let (below, span) = match &suboffsets {
            Some(sub) if sub.iter().any(|&s| s >= 0) => {
                if !one_allocation(obj, 0) {
                    let t = obj.get_type().name()?;
                    return Err(refuse(&format!(
                        "cannot bound the memory of an indirect buffer from '{t}'"
                    )));
                }
                let buf = v.buf.cast::<u8>().cast_const();
                indirect_extent(buf, &shape, &strides, sub, itemsize)
                    .ok_or_else(|| refuse("cannot bound the memory of an indirect buffer"))?
            }
            // Suboffsets all negative: no pointer, a strided buffer.
            _ => extent(&shape, &strides, itemsize)
                .ok_or_else(|| refuse("buffer extent overflows"))?,
        };
        (self.shape, self.strides, self.format) = (shape, strides, format);
        self.suboffsets = suboffsets;
        (self.below, self.span) = (below, span);
        Ok(())
    }

    /// The object the buffer came from (`view->obj`): the reference this
    /// holds, for a garbage collector's `tp_traverse`. Cost: O(1).
    pub fn owner(&self) -> Option<&Py<PyAny>> {
        self.owner.as_ref()
    }

    /// The layout of the held buffer, relative to the lowest byte.
    fn layout(&self) -> PyResult<Layout> {
        let l = Layout::new(
            isize::try_from(self.below).map_err(|_| refuse("buffer extent overflows"))?,
            self.view.itemsize.unsigned_abs(),
            self.format.clone(),
            self.shape.clone(),
            self.strides.clone(),
        )
        .map_err(to_pyerr)?;
        match &self.suboffsets {
            Some(sub) => l.with_suboffsets(sub.clone()).map_err(to_pyerr),
            None => Ok(l),
        }
    }
}

/// A `bufproto` exporter over `obj`'s memory: `MemoryView::new(&foreign)`
/// then reads and writes the Python object's bytes in place.
///
/// # Errors
///
/// As [`PyMemory::new`], and the crate's refusal of the layout.
pub fn foreign_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Foreign> {
    foreign_and_memory(obj).map(|(f, _)| f)
}

/// [`foreign_from_py`], also returning the held buffer (to traverse it).
///
/// # Errors
///
/// As [`foreign_from_py`].
pub fn foreign_and_memory(obj: &Bound<'_, PyAny>) -> PyResult<(Foreign, Arc<PyMemory>)> {
    let memory = Arc::new(PyMemory::new(obj)?);
    let layout = memory.layout()?;
    let type_name = static_type_name(obj);
    let foreign = Foreign::new(memory.clone(), layout, false, type_name).map_err(to_pyerr)?;
    Ok((foreign, memory))
}
// ANCHOR_END: import

/// `type(obj).__name__` for the usual exporters (`ObjRef` wants a
/// `&'static str`); `"object"` for others.
fn static_type_name(obj: &Bound<'_, PyAny>) -> &'static str {
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    const KNOWN: [&str; 9] = [
        "bytes",
        "bytearray",
        "memoryview",
        "array",
        "mmap",
        "ndarray",
        "ByteArray",
        "Bytes",
        "Array",
    ];
    KNOWN.into_iter().find(|k| *k == name).unwrap_or("object")
}
