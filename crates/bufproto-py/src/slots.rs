//! The buffer slots of every class of the module, written once.
//!
//! A class says which crate exporter answers for it ([`ExportsBuffer`]);
//! [`getbuffer`] and [`releasebuffer`] are then its `__getbuffer__` and
//! `__releasebuffer__`. PyO3 0.30 takes protocol methods only from the
//! class's one `#[pymethods]` block and refuses macros inside it, so each
//! class still names the two slots, each a one-line call of these.

use std::ffi::c_int;

use bufproto::Exporter;
use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::export::{fill_view, refuse_view, release_view};

// ANCHOR: busy
/// `BufferError` message for a request that arrives while a method holds
/// the object mutably borrowed. The methods here borrow only for pure Rust
/// work, after converting their arguments, so Python code cannot meet it;
/// a Rust caller that holds `borrow_mut()` while it runs Python code can.
/// `BufferError` is what every consumer of `PyObject_GetBuffer` is ready
/// for; a panic (`PanicException`, a `BaseException`) is not.
pub const BUSY: &str = "bufproto_py: object is being modified, cannot export a buffer now";

/// A `#[pyclass]` whose memory is a crate exporter: `ByteArray`, `Bytes`,
/// `Array`, `NdArray` and `memoryview` of this module.
pub trait ExportsBuffer: pyo3::PyClass {
    /// The exporter whose `get_buffer` answers Python's requests.
    fn exporter(&self) -> &dyn Exporter;
}

/// `__getbuffer__` of every class: a shared borrow for the time of the
/// export (a frozen class has no borrow flag, so it never fails), or
/// `BufferError` if a method holds `&mut`. Cost: as [`fill_view`].
///
/// # Errors
///
/// [`BUSY`], or the errors of [`fill_view`].
///
/// # Safety
///
/// As [`fill_view`]: `view` is NULL or CPython's `Py_buffer` for this
/// call, released once with [`releasebuffer`].
pub unsafe fn getbuffer<T: ExportsBuffer>(
    slf: &Bound<'_, T>,
    view: *mut ffi::Py_buffer,
    flags: c_int,
) -> PyResult<()> {
    match slf.try_borrow() {
        // SAFETY: the caller's contract, passed on.
        Ok(me) => unsafe { fill_view(me.exporter(), slf.clone().into_any(), view, flags) },
        // SAFETY: the caller's contract: `view` is NULL or writable.
        Err(_) => unsafe { refuse_view(view, PyBufferError::new_err(BUSY)) },
    }
}
// ANCHOR_END: busy

/// `__releasebuffer__` of every class. A class's slot takes the object as
/// `Bound`, not `&self`: PyO3 would borrow for `&self`, and a borrow fails
/// while a method holds `&mut self`. A release must never fail, and the
/// view alone says what to drop. Cost: O(ndim).
///
/// # Safety
///
/// `view` was filled by [`getbuffer`] and not released since.
pub unsafe fn releasebuffer(view: *mut ffi::Py_buffer) {
    // SAFETY: the caller's contract, which is `release_view`'s.
    unsafe { release_view(view) }
}
