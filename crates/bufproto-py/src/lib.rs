//! `bufproto_py`: the `bufproto` crate's exporters as CPython objects with
//! the buffer protocol, and Python buffers as `bufproto` views.
//!
//! * [`export`]: `__getbuffer__`/`__releasebuffer__` for any
//!   [`bufproto::Exporter`]. A Python `memoryview` of a
//!   `bufproto_py.ByteArray` holds one crate export ([`bufproto::Buffer`]),
//!   so resizing it from Rust or Python fails while the view lives, with
//!   CPython's `BufferError`.
//! * [`import`]: any Python object with the buffer protocol as a
//!   [`bufproto::Foreign`] exporter over the same memory.
//!
//! This is the only crate of the workspace with `unsafe` code: the two
//! buffer slots and building `&[AtomicU8]` over a Python buffer. Each block
//! says why it holds.

#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]

use std::ffi::c_int;

use bufproto::{Exporter, MemoryView, Nested, Value};
use pyo3::exceptions::{
    PyBufferError, PyIndexError, PyMemoryError, PyNotImplementedError, PyOverflowError,
    PyTypeError, PyValueError,
};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PySlice, PyTuple};

pub mod export;
pub mod import;

pub use export::{fill_view, release_view};
pub use import::{PyMemory, foreign_from_py};

/// A `bufproto::Error` as the Python exception it stands for.
pub fn to_pyerr(e: bufproto::Error) -> PyErr {
    use bufproto::ErrorKind as K;
    let m = e.message().to_string();
    match e.kind() {
        K::TypeError => PyTypeError::new_err(m),
        K::ValueError => PyValueError::new_err(m),
        K::IndexError => PyIndexError::new_err(m),
        K::BufferError => PyBufferError::new_err(m),
        K::NotImplementedError => PyNotImplementedError::new_err(m),
        K::OverflowError => PyOverflowError::new_err(m),
        K::MemoryError if m.is_empty() => PyMemoryError::new_err(()),
        K::MemoryError => PyMemoryError::new_err(m),
    }
}

/// `bytes(obj)`'s content: any buffer, an int (zeros), an iterable of ints.
fn bytes_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let py = obj.py();
    let b = py.get_type::<PyBytes>().call1((obj,))?;
    Ok(b.cast::<PyBytes>()?.as_bytes().to_vec())
}

fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        Value::Bytes(b) => PyBytes::new(py, b).into_any(),
    })
}

fn value_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(b) = obj.cast::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.extract::<i128>() {
        return Ok(Value::Int(i));
    }
    if let Ok(f) = obj.extract::<f64>() {
        return Ok(Value::Float(f));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Bytes(b.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "bufproto_py: cannot store a '{}'",
        obj.get_type().name()?
    )))
}

fn nested_to_py<'py>(py: Python<'py>, n: &Nested) -> PyResult<Bound<'py, PyAny>> {
    match n {
        Nested::Item(v) => value_to_py(py, v),
        Nested::List(items) => {
            let items: PyResult<Vec<_>> = items.iter().map(|i| nested_to_py(py, i)).collect();
            Ok(PyList::new(py, items?)?.into_any())
        }
    }
}

/// `(start, stop, step)` of a Python slice, as `Option`s.
type SliceParts = (Option<isize>, Option<isize>, Option<isize>);

fn slice_parts(s: &Bound<'_, PySlice>) -> PyResult<SliceParts> {
    Ok((
        s.getattr("start")?.extract()?,
        s.getattr("stop")?.extract()?,
        s.getattr("step")?.extract()?,
    ))
}

/// Content equality with any object exporting bytes (`bytes(other)`).
fn eq_bytes(mine: &[u8], other: &Bound<'_, PyAny>) -> bool {
    PyUntypedBufferCheck::check(other) && bytes_of(other).is_ok_and(|o| o == mine)
}

struct PyUntypedBufferCheck;
impl PyUntypedBufferCheck {
    fn check(obj: &Bound<'_, PyAny>) -> bool {
        // SAFETY: PyObject_CheckBuffer only reads the type's slots of a live
        // object (we hold a reference, and the GIL through `Bound`).
        unsafe { ffi::PyObject_CheckBuffer(obj.as_ptr()) == 1 }
    }
}

// ANCHOR: bytearray
/// `bufproto_py.ByteArray(data=b"")`: a `bufproto::ByteArray` owned by
/// Rust, exported to Python with the buffer protocol.
#[pyclass(name = "ByteArray", module = "bufproto_py", subclass)]
pub struct PyByteArray {
    /// The Rust object; Python sees its memory, not a copy.
    pub inner: bufproto::ByteArray,
}

#[pymethods]
impl PyByteArray {
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let bytes = data.map(bytes_of).transpose()?.unwrap_or_default();
        Ok(PyByteArray {
            inner: bufproto::ByteArray::from(&bytes[..]),
        })
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let me = slf.borrow();
        // SAFETY: `view` is CPython's Py_buffer for this call; CPython
        // calls `__releasebuffer__` (release_view) for it exactly once.
        unsafe { fill_view(&me.inner, slf.clone().into_any(), view, flags) }
    }

    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        // SAFETY: `view` was filled by `fill_view` in `__getbuffer__`.
        unsafe { release_view(view) }
    }

    /// How many buffers (Python memoryviews, Rust views) are exported now.
    #[getter]
    fn exports(&self) -> usize {
        self.inner.exports()
    }

    fn append(&mut self, value: i64) -> PyResult<()> {
        self.inner.append(value).map_err(to_pyerr)
    }
    // ANCHOR_END: bytearray

    fn extend(&mut self, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = bytes_of(data)?;
        self.inner.extend(&data).map_err(to_pyerr)
    }

    #[pyo3(signature = (index = None))]
    fn pop(&mut self, index: Option<isize>) -> PyResult<u8> {
        self.inner.pop(index).map_err(to_pyerr)
    }

    fn clear(&mut self) -> PyResult<()> {
        self.inner.clear().map_err(to_pyerr)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(s) = key.cast::<PySlice>() {
            let (a, b, c) = slice_parts(s)?;
            let inner = self.inner.slice(a, b, c).map_err(to_pyerr)?;
            return Ok(Py::new(py, PyByteArray { inner })?.into_any());
        }
        let i: isize = key.extract()?;
        Ok(self
            .inner
            .get(i)
            .map_err(to_pyerr)?
            .into_pyobject(py)?
            .into_any()
            .unbind())
    }

    fn __setitem__(&mut self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(s) = key.cast::<PySlice>() {
            let (a, b, c) = slice_parts(s)?;
            let data = bytes_of(value)?;
            return self.inner.set_slice(a, b, c, &data).map_err(to_pyerr);
        }
        self.inner
            .set(key.extract()?, value.extract()?)
            .map_err(to_pyerr)
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_vec())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        eq_bytes(&self.inner.to_vec(), other)
    }

    fn __repr__(&self) -> String {
        format!("bufproto_py.{:?}", self.inner).replace("bytearray(", "ByteArray(")
    }
}

/// `bufproto_py.Bytes(data=b"")`: a read-only `bufproto::Bytes`.
#[pyclass(name = "Bytes", module = "bufproto_py", subclass, frozen)]
pub struct PyBytesObj {
    /// The Rust object.
    pub inner: bufproto::Bytes,
}

#[pymethods]
impl PyBytesObj {
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let bytes = data.map(bytes_of).transpose()?.unwrap_or_default();
        Ok(PyBytesObj {
            inner: bufproto::Bytes::from(&bytes[..]),
        })
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let me = slf.get();
        // SAFETY: as for ByteArray: CPython's Py_buffer, released once.
        unsafe { fill_view(&me.inner, slf.clone().into_any(), view, flags) }
    }

    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        // SAFETY: filled by `fill_view`.
        unsafe { release_view(view) }
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(s) = key.cast::<PySlice>() {
            let (a, b, c) = slice_parts(s)?;
            let inner = self.inner.slice(a, b, c).map_err(to_pyerr)?;
            return Ok(Py::new(py, PyBytesObj { inner })?.into_any());
        }
        let i: isize = key.extract()?;
        Ok(self
            .inner
            .get(i)
            .map_err(to_pyerr)?
            .into_pyobject(py)?
            .into_any()
            .unbind())
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.as_slice())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        eq_bytes(self.inner.as_slice(), other)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        PyBytes::new(py, self.inner.as_slice()).hash()
    }

    fn __repr__(&self) -> String {
        format!("bufproto_py.Bytes({:?})", self.inner)
    }
}

/// `bufproto_py.Array(typecode, values=())`: a `bufproto::Array`
/// (`array.array`), exported with its format and item size.
#[pyclass(name = "Array", module = "bufproto_py", subclass)]
pub struct PyArray {
    /// The Rust object.
    pub inner: bufproto::Array,
}

#[pymethods]
impl PyArray {
    #[new]
    #[pyo3(signature = (typecode, values = None))]
    fn new(typecode: &str, values: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut inner = bufproto::Array::new(typecode).map_err(to_pyerr)?;
        if let Some(values) = values {
            let vs: PyResult<Vec<Value>> = values.try_iter()?.map(|v| value_from_py(&v?)).collect();
            inner.extend(vs?).map_err(to_pyerr)?;
        }
        Ok(PyArray { inner })
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let me = slf.borrow();
        // SAFETY: as for ByteArray: CPython's Py_buffer, released once.
        unsafe { fill_view(&me.inner, slf.clone().into_any(), view, flags) }
    }

    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        // SAFETY: filled by `fill_view`.
        unsafe { release_view(view) }
    }

    #[getter]
    fn exports(&self) -> usize {
        self.inner.exports()
    }

    #[getter]
    fn typecode(&self) -> String {
        self.inner.typecode().to_string()
    }

    fn append(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.append(value_from_py(value)?).map_err(to_pyerr)
    }

    fn tolist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let vs = self.inner.tolist().map_err(to_pyerr)?;
        let items: PyResult<Vec<_>> = vs.iter().map(|v| value_to_py(py, v)).collect();
        PyList::new(py, items?)
    }

    fn tobytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.tobytes().as_slice())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(s) = key.cast::<PySlice>() {
            // array slicing copies, as in CPython
            let list = self.tolist(py)?;
            let part = list.as_any().get_item(s)?;
            let tc = self.typecode();
            return Ok(Py::new(py, PyArray::new(&tc, Some(&part))?)?.into_any());
        }
        let v = self.inner.get(key.extract()?).map_err(to_pyerr)?;
        Ok(value_to_py(py, &v)?.unbind())
    }

    fn __setitem__(&self, index: isize, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .set(index, value_from_py(value)?)
            .map_err(to_pyerr)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<PyArray>() {
            Ok(o) => Ok(self.tolist(py)?.eq(o.borrow().tolist(py)?)?),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self) -> String {
        format!("bufproto_py.{:?}", self.inner).replace("array(", "Array(")
    }
}

/// `bufproto_py.NdArray(data, format, shape, strides=None, offset=0,
/// writable=False)`: a `bufproto::NdArray` (any N-d layout), exported with
/// its real shape and strides.
#[pyclass(name = "NdArray", module = "bufproto_py", subclass, frozen)]
pub struct PyNdArray {
    /// The Rust object.
    pub inner: bufproto::NdArray,
}

#[pymethods]
impl PyNdArray {
    #[new]
    #[pyo3(signature = (data, format, shape, strides = None, offset = 0, writable = false))]
    fn new(
        data: &Bound<'_, PyAny>,
        format: &str,
        shape: Vec<usize>,
        strides: Option<Vec<isize>>,
        offset: usize,
        writable: bool,
    ) -> PyResult<Self> {
        let inner =
            bufproto::NdArray::new(bytes_of(data)?, format, shape, strides, offset, writable)
                .map_err(to_pyerr)?;
        Ok(PyNdArray { inner })
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let me = slf.get();
        // SAFETY: as for ByteArray: CPython's Py_buffer, released once.
        unsafe { fill_view(&me.inner, slf.clone().into_any(), view, flags) }
    }

    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        // SAFETY: filled by `fill_view`.
        unsafe { release_view(view) }
    }
}

/// `bufproto_py.RustView(obj)`: a `bufproto::MemoryView` built in Rust over
/// any Python buffer (`bytearray`, `array.array`, `mmap`, a `memoryview`
/// slice), sharing its memory. While it is alive, `obj` cannot resize.
#[pyclass(name = "RustView", module = "bufproto_py")]
pub struct RustView {
    /// The exporter over the Python memory and the view of it; `None` once
    /// released.
    live: Option<(bufproto::Foreign, MemoryView)>,
}

impl RustView {
    fn view(&self) -> PyResult<&MemoryView> {
        self.live.as_ref().map(|(_, v)| v).ok_or_else(|| {
            PyValueError::new_err("operation forbidden on released memoryview object")
        })
    }
}

#[pymethods]
impl RustView {
    #[new]
    fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let foreign = foreign_from_py(obj)?;
        let view = MemoryView::new(&foreign).map_err(to_pyerr)?;
        Ok(RustView {
            live: Some((foreign, view)),
        })
    }

    /// Ends the Rust view and releases the Python buffer.
    fn release(&mut self) {
        self.live = None;
    }

    fn tolist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        nested_to_py(py, &self.view()?.tolist().map_err(to_pyerr)?)
    }

    fn tobytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(
            py,
            self.view()?.tobytes().map_err(to_pyerr)?.as_slice(),
        ))
    }

    /// `v[index] = value` for a tuple index (one int per dimension).
    fn set(&self, index: Vec<isize>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.view()?
            .set_at(&index, value_from_py(value)?)
            .map_err(to_pyerr)
    }

    fn get<'py>(&self, py: Python<'py>, index: Vec<isize>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.view()?.get_at(&index).map_err(to_pyerr)?)
    }

    #[getter]
    fn format(&self) -> PyResult<String> {
        Ok(self.view()?.format().map_err(to_pyerr)?.to_string())
    }

    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.view()?.shape().map_err(to_pyerr)?)
    }

    #[getter]
    fn strides<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.view()?.strides().map_err(to_pyerr)?)
    }

    #[getter]
    fn readonly(&self) -> PyResult<bool> {
        self.view()?.readonly().map_err(to_pyerr)
    }

    #[getter]
    fn obj_type(&self) -> PyResult<&'static str> {
        Ok(self.view()?.obj().map_err(to_pyerr)?.type_name())
    }

    /// The address of the first item (`view.buf`), to show no copy was made.
    #[getter]
    fn address(&self) -> PyResult<usize> {
        use bufproto::Flags;
        Ok(self
            .view()?
            .get_buffer(Flags::FULL_RO)
            .map_err(to_pyerr)?
            .buf_addr())
    }
}

/// The extension module.
#[pymodule]
pub fn bufproto_py(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyByteArray>()?;
    m.add_class::<PyBytesObj>()?;
    m.add_class::<PyArray>()?;
    m.add_class::<PyNdArray>()?;
    m.add_class::<RustView>()?;
    Ok(())
}
