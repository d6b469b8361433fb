//! Python memory to Rust: any object with the buffer protocol becomes a
//! [`bufproto::Foreign`] exporter over the same bytes, with the same shape,
//! strides, format and read-only flag, without copying.

use std::sync::Arc;
use std::sync::atomic::AtomicU8;

use bufproto::layout::Layout;
use bufproto::{Foreign, ForeignMemory};
use pyo3::buffer::PyUntypedBuffer;
use pyo3::exceptions::PyBufferError;
use pyo3::prelude::*;

use crate::to_pyerr;

// ANCHOR: import
/// A Python buffer held open (`PyObject_GetBuffer(obj, PyBUF_FULL_RO)`)
/// for as long as Rust uses it: the exporter cannot resize meanwhile.
/// Dropping it calls `PyBuffer_Release` (PyO3 takes the GIL to do it).
#[derive(Debug)]
pub struct PyMemory {
    buf: PyUntypedBuffer,
    /// Byte distance from the lowest address any item touches to `buf.buf`.
    below: usize,
    /// Bytes from that lowest address to the end of the highest item.
    span: usize,
}

impl ForeignMemory for PyMemory {
    fn bytes(&self) -> &[AtomicU8] {
        if self.span == 0 {
            return &[];
        }
        let lowest = self.buf.buf_ptr().cast::<u8>().wrapping_sub(self.below);
        // SAFETY: `lowest .. lowest + span` is exactly the memory that the
        // buffer's items cover (computed from its shape and strides in
        // `PyMemory::new`), which the exporter guarantees valid while the
        // Py_buffer is held, and it is held as long as `self`. AtomicU8 has
        // the size and alignment of u8. The exporter's own writes happen in
        // Python (holding the GIL); ours are byte stores, and we never
        // store into a read-only buffer (`readonly()` below).
        unsafe { std::slice::from_raw_parts(lowest.cast::<AtomicU8>(), self.span) }
    }

    fn readonly(&self) -> bool {
        self.buf.readonly()
    }
}

impl PyMemory {
    /// Holds `obj`'s buffer. Indirect (PIL-style) buffers are refused.
    pub fn new(obj: &Bound<'_, PyAny>) -> PyResult<PyMemory> {
        let buf = PyUntypedBuffer::get(obj)?;
        if buf.suboffsets().is_some() {
            return Err(PyBufferError::new_err(
                "bufproto: suboffsets are not supported",
            ));
        }
        let (mut lo, mut hi) = (0isize, buf.item_size() as isize);
        if buf.shape().contains(&0) {
            hi = 0;
        }
        for (&n, &s) in buf.shape().iter().zip(buf.strides()) {
            if n > 0 && hi > 0 {
                let reach = (n as isize - 1) * s;
                if reach < 0 { lo += reach } else { hi += reach }
            }
        }
        Ok(PyMemory {
            below: lo.unsigned_abs(),
            span: (hi - lo).max(0) as usize,
            buf,
        })
    }

    /// The layout of the held buffer, relative to the lowest byte.
    fn layout(&self) -> PyResult<Layout> {
        Layout::new(
            self.below as isize,
            self.buf.item_size(),
            self.buf.format().to_string_lossy(),
            self.buf.shape().to_vec(),
            self.buf.strides().to_vec(),
        )
        .map_err(to_pyerr)
    }
}

/// A `bufproto` exporter over `obj`'s memory: `MemoryView::new(&foreign)`
/// then reads and writes the Python object's bytes in place.
pub fn foreign_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Foreign> {
    let memory = PyMemory::new(obj)?;
    let layout = memory.layout()?;
    let type_name = static_type_name(obj);
    Foreign::new(Arc::new(memory), layout, false, type_name).map_err(to_pyerr)
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
