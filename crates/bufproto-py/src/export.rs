//! Rust memory to Python: `bf_getbuffer` and `bf_releasebuffer` for any
//! [`bufproto::Exporter`].
//!
//! [`fill_view`] asks the exporter for a [`bufproto::Buffer`] with the
//! consumer's flags, so every refusal (a writable request on `Bytes`, `ND`
//! without `STRIDES` on a strided `NdArray`) is the crate's, with CPython's
//! message; then it copies the answer into the `Py_buffer` and parks the
//! `Buffer` in `view->internal`. That parked `Buffer` *is* the export: while
//! it lives, the Rust object counts one export and cannot resize.
//! [`release_view`] drops it; it needs nothing but the view, so a release
//! can never be refused (see the pyclasses' `__releasebuffer__`).

use std::ffi::{CString, c_int, c_void};
use std::ptr;

use bufproto::{Buffer, Exporter, Flags};
use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::to_pyerr;

// ANCHOR: export
/// Everything a `Py_buffer` of ours points into, owned in one box that
/// `view->internal` holds until `__releasebuffer__`.
struct Export {
    /// The crate's export: keeps the memory alive and counts as an export.
    buf: Buffer,
    /// `view->format`, NUL-terminated, if `PyBUF_FORMAT` was requested.
    format: Option<CString>,
    /// `view->shape` and `view->strides` as `Py_ssize_t`; `None` when the
    /// field must be NULL (not requested, or `ndim == 0`).
    shape: Option<Vec<ffi::Py_ssize_t>>,
    strides: Option<Vec<ffi::Py_ssize_t>>,
    /// `view->suboffsets`: `None` (NULL) unless the layout is indirect
    /// (PIL-style), which the crate exports only to `PyBUF_INDIRECT`
    /// requests.
    suboffsets: Option<Vec<ffi::Py_ssize_t>>,
    /// `view->len`, `view->itemsize`, `view->ndim`, checked to fit.
    len: ffi::Py_ssize_t,
    itemsize: ffi::Py_ssize_t,
    ndim: c_int,
}

/// The error for a layout a `Py_buffer` cannot describe.
fn too_large() -> PyErr {
    PyBufferError::new_err("bufproto_py: buffer size exceeds PY_SSIZE_T_MAX")
}

/// A shape's item count times `itemsize`, if it fits in `Py_ssize_t`.
/// Cost: O(ndim).
fn checked_len(shape: &[ffi::Py_ssize_t], itemsize: ffi::Py_ssize_t) -> Option<ffi::Py_ssize_t> {
    shape
        .iter()
        .try_fold(itemsize, |acc, &n| acc.checked_mul(n))
}

/// The crate's answer to `flags`, converted to `Py_buffer` field types with
/// every conversion checked. A NULL `shape` with ndim 0 is what makes a
/// buffer 0-dimensional: CPython's consumers (`memoryview`, `_testbuffer`)
/// read `shape[0..ndim]` and write strides from it whenever `shape` is
/// non-NULL, so a dangling pointer of an empty `Vec` is not allowed.
fn describe(exporter: &(impl Exporter + ?Sized), flags: c_int) -> PyResult<Export> {
    // `flags` comes from C as a signed int; its bits are the request.
    let buf = exporter
        .get_buffer(Flags::from_bits(u32::from_ne_bytes(flags.to_ne_bytes())))
        .map_err(to_pyerr)?;
    let format = match buf.format() {
        Some(f) => Some(CString::new(f).map_err(|_| PyBufferError::new_err("bad format"))?),
        None => None,
    };
    let itemsize = isize::try_from(buf.itemsize()).map_err(|_| too_large())?;
    let (shape, ndim, len) = match buf.shape() {
        Some(s) => {
            let s: Vec<ffi::Py_ssize_t> = s
                .iter()
                .map(|&n| isize::try_from(n))
                .collect::<Result<_, _>>()
                .map_err(|_| too_large())?;
            let len = checked_len(&s, itemsize).ok_or_else(too_large)?;
            let ndim = c_int::try_from(s.len()).map_err(|_| too_large())?;
            (Some(s).filter(|s| !s.is_empty()), ndim, len)
        }
        // Without PyBUF_ND the consumer sees `len` plain bytes: ndim 1, no
        // shape. The crate grants that only for a C-contiguous layout,
        // which lies inside its data, so `len()` is its real size.
        None => (
            None,
            1,
            isize::try_from(buf.len()).map_err(|_| too_large())?,
        ),
    };
    let strides = buf
        .strides()
        .filter(|s| !s.is_empty())
        .map(<[isize]>::to_vec);
    let suboffsets = buf
        .suboffsets()
        .filter(|s| !s.is_empty())
        .map(<[isize]>::to_vec);
    // What `fill_view`'s SAFETY argument and every C consumer rely on,
    // checked here rather than trusted: a non-NULL `strides`/`suboffsets`
    // comes with a `shape` and has its `ndim` items, and `suboffsets` comes
    // with `strides`.
    let fits = |f: &Option<Vec<isize>>| {
        f.as_ref()
            .is_none_or(|f| shape.as_ref().is_some_and(|s| s.len() == f.len()))
    };
    if !fits(&strides) || !fits(&suboffsets) || (suboffsets.is_some() && strides.is_none()) {
        return Err(PyBufferError::new_err(
            "bufproto_py: the exporter's strides or suboffsets do not match its shape",
        ));
    }
    Ok(Export {
        buf,
        format,
        shape,
        strides,
        suboffsets,
        len,
        itemsize,
        ndim,
    })
}

/// `bf_getbuffer`: fills `view` from `exporter.get_buffer(flags)`; `owner`
/// becomes `view->obj` (a new reference). On error `view->obj` is NULL, as
/// the protocol asks (PyO3's trampoline does not do it). Cost: O(ndim)
/// plus the exporter's `get_buffer`.
///
/// # Errors
///
/// The exporter's refusal (CPython's exception and message), or
/// `BufferError` when a size does not fit `Py_ssize_t`.
///
/// # Safety
///
/// `view` must be NULL or the `Py_buffer` that CPython passed to
/// `__getbuffer__`: valid for writes, and released with [`release_view`].
pub unsafe fn fill_view(
    exporter: &(impl Exporter + ?Sized),
    owner: Bound<'_, PyAny>,
    view: *mut ffi::Py_buffer,
    flags: c_int,
) -> PyResult<()> {
    if view.is_null() {
        return Err(PyBufferError::new_err("View is null"));
    }
    let export = match describe(exporter, flags) {
        Ok(e) => Box::new(e),
        // SAFETY: `view` is non-null and writable (the caller's contract).
        Err(e) => return unsafe { refuse_view(view, e) },
    };
    let e = &*export;
    let as_ptr = |v: &Option<Vec<isize>>| {
        v.as_ref()
            .map_or(ptr::null_mut(), |v| v.as_ptr().cast_mut())
    };
    // SAFETY: `view` is non-null and CPython hands us a writable Py_buffer
    // (the caller's contract). Every pointer stored in it points into
    // `export`, which `view->internal` owns until `release_view`: the
    // Vec/CString heap blocks do not move when the Box is turned into a raw
    // pointer, and each non-NULL `shape`/`strides`/`suboffsets` holds `ndim`
    // items (`describe` checks the last two against `shape`).
    // `buf_ptr()` stays valid while `e.buf` lives, and writes through it are
    // allowed only when `readonly` is 0, on atomic bytes.
    unsafe {
        (*view).buf = e.buf.buf_ptr().cast::<c_void>();
        (*view).len = e.len;
        (*view).itemsize = e.itemsize;
        (*view).readonly = c_int::from(e.buf.readonly());
        (*view).ndim = e.ndim;
        (*view).format = e
            .format
            .as_ref()
            .map_or(ptr::null_mut(), |f| f.as_ptr().cast_mut());
        (*view).shape = as_ptr(&e.shape);
        (*view).strides = as_ptr(&e.strides);
        (*view).suboffsets = as_ptr(&e.suboffsets);
        (*view).internal = Box::into_raw(export).cast::<c_void>();
        (*view).obj = owner.into_ptr();
    }
    Ok(())
}

/// `bf_releasebuffer`: drops the crate's export parked by [`fill_view`].
/// It touches nothing but `view`: no borrow of the exporting object, which
/// may be mutably borrowed by a method running Python code right now.
///
/// # Safety
///
/// `view` must have been filled by [`fill_view`] and not released since.
pub unsafe fn release_view(view: *mut ffi::Py_buffer) {
    if view.is_null() {
        return;
    }
    // SAFETY: `internal` was set by `fill_view` from `Box::into_raw` of an
    // `Export`, and CPython calls bf_releasebuffer once per successful
    // bf_getbuffer, so the box is reclaimed exactly once.
    unsafe {
        let internal = (*view).internal.cast::<Export>();
        if !internal.is_null() {
            (*view).internal = ptr::null_mut();
            drop(Box::from_raw(internal));
        }
    }
}
// ANCHOR_END: export

/// A refused request: `view->obj` set to NULL, as the protocol asks and
/// `memoryview` does, then `err`. Cost: O(1).
///
/// # Errors
///
/// Always `err`.
///
/// # Safety
///
/// `view` must be NULL or valid for writes.
pub unsafe fn refuse_view(view: *mut ffi::Py_buffer, err: PyErr) -> PyResult<()> {
    if !view.is_null() {
        // SAFETY: non-NULL and writable (the caller's contract).
        unsafe { (*view).obj = ptr::null_mut() };
    }
    Err(err)
}
