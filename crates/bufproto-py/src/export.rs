//! Rust memory to Python: `bf_getbuffer` and `bf_releasebuffer` for any
//! [`bufproto::Exporter`].
//!
//! [`fill_view`] asks the exporter for a [`bufproto::Buffer`] with the
//! consumer's flags, so every refusal (a writable request on `Bytes`, `ND`
//! without `STRIDES` on a strided `NdArray`) is the crate's, with CPython's
//! message; then it copies the answer into the `Py_buffer` and parks the
//! `Buffer` in `view->internal`. That parked `Buffer` *is* the export: while
//! it lives, the Rust object counts one export and cannot resize.
//! [`release_view`] drops it.

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
    /// `view->shape` and `view->strides` as `Py_ssize_t`.
    shape: Vec<ffi::Py_ssize_t>,
    strides: Vec<ffi::Py_ssize_t>,
}

/// `bf_getbuffer`: fills `view` from `exporter.get_buffer(flags)`; `owner`
/// becomes `view->obj` (a new reference).
///
/// # Safety
///
/// `view` must be the `Py_buffer` that CPython passed to `__getbuffer__`:
/// valid for writes, and released with [`release_view`].
pub unsafe fn fill_view(
    exporter: &(impl Exporter + ?Sized),
    owner: Bound<'_, PyAny>,
    view: *mut ffi::Py_buffer,
    flags: c_int,
) -> PyResult<()> {
    if view.is_null() {
        return Err(PyBufferError::new_err("View is null"));
    }
    // The crate checks the request (WRITABLE, ND, STRIDES, contiguity) and
    // records which of format/shape/strides were asked for.
    let buf = exporter
        .get_buffer(Flags::from_bits(flags as u32))
        .map_err(to_pyerr)?;
    let format = match buf.format() {
        Some(f) => Some(CString::new(f).map_err(|_| PyBufferError::new_err("bad format"))?),
        None => None,
    };
    let shape: Vec<ffi::Py_ssize_t> = buf
        .shape()
        .unwrap_or(&[])
        .iter()
        .map(|&n| n as ffi::Py_ssize_t)
        .collect();
    let strides = buf.strides().unwrap_or(&[]).to_vec();
    // Without PyBUF_ND the consumer sees `len` plain bytes: ndim 1, no shape.
    let ndim = if buf.shape().is_some() { buf.ndim() } else { 1 };
    let export = Box::new(Export {
        format,
        shape,
        strides,
        buf,
    });
    let e = &*export;
    // SAFETY: `view` is non-null and CPython hands us a writable Py_buffer
    // (the caller's contract). Every pointer stored in it points into
    // `export`, which `view->internal` owns until `release_view`: the
    // Vec/CString heap blocks do not move when the Box is turned into a raw
    // pointer. `buf_ptr()` stays valid while `e.buf` lives, and writes
    // through it are allowed only when `readonly` is 0, on atomic bytes.
    unsafe {
        (*view).buf = e.buf.buf_ptr().cast::<c_void>();
        (*view).len = e.buf.len() as ffi::Py_ssize_t;
        (*view).itemsize = e.buf.itemsize() as ffi::Py_ssize_t;
        (*view).readonly = c_int::from(e.buf.readonly());
        (*view).ndim = ndim as c_int;
        (*view).format = e
            .format
            .as_ref()
            .map_or(ptr::null_mut(), |f| f.as_ptr().cast_mut());
        (*view).shape = if e.buf.shape().is_some() {
            e.shape.as_ptr().cast_mut()
        } else {
            ptr::null_mut()
        };
        (*view).strides = if e.buf.strides().is_some() {
            e.strides.as_ptr().cast_mut()
        } else {
            ptr::null_mut()
        };
        (*view).suboffsets = ptr::null_mut();
        (*view).internal = Box::into_raw(export).cast::<c_void>();
        // Last, so that no error path leaves a reference behind.
        (*view).obj = owner.into_ptr();
    }
    Ok(())
}

/// `bf_releasebuffer`: drops the crate's export parked by [`fill_view`].
///
/// # Safety
///
/// `view` must have been filled by [`fill_view`] and not released since.
pub unsafe fn release_view(view: *mut ffi::Py_buffer) {
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
