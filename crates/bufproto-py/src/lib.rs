//! `bufproto_py`: the `bufproto` crate's exporters as CPython objects with
//! the buffer protocol, and Python buffers as `bufproto` views.
//!
//! * [`export`]: `__getbuffer__`/`__releasebuffer__` for any
//!   [`bufproto::Exporter`]. A Python `memoryview` of a
//!   `bufproto_py.ByteArray` holds one crate export ([`bufproto::Buffer`]),
//!   so resizing it from Rust or Python fails while the view lives, with
//!   CPython's `BufferError`.
//! * [`slots`]: those two as every class's `__getbuffer__` and
//!   `__releasebuffer__`, once, over the class's [`ExportsBuffer`].
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
use pyo3::types::{PyByteArray as PyByteArrayType, PyBytes, PyList, PySlice, PyTuple};
use pyo3::{PyTraverseError, gc::PyVisit};

mod convert;
pub mod export;
pub mod import;
mod memoryview;
pub mod slots;

use convert::{Target, slice_parts};
pub use export::{fill_view, release_view};
pub use import::{PyMemory, foreign_and_memory, foreign_from_py};
pub use slots::{BUSY, ExportsBuffer};

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
        // `ErrorKind` is non-exhaustive: a kind added later is still raised,
        // as a RuntimeError naming it, until it gets its own arm here.
        _ => pyo3::exceptions::PyRuntimeError::new_err(e.to_string()),
    }
}

/// An item as a Python object. An int that fits `i64` is made with
/// `PyLong_FromLongLong`: PyO3's `i128` conversion goes through a byte
/// array, and made `tolist()` of a byte view 13x slower than the builtin's.
/// Cost: O(1) (O(len) for `bytes`).
pub(crate) fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Int(i) => match i64::try_from(*i) {
            Ok(small) => Ok(small.into_pyobject(py)?.into_any()),
            Err(_) => Ok(i.into_pyobject(py)?.into_any()),
        },
        Value::Float(f) => Ok(f.into_pyobject(py)?.into_any()),
        Value::Bool(b) => Ok(pyo3::types::PyBool::new(py, *b).to_owned().into_any()),
        Value::Bytes(b) => Ok(PyBytes::new(py, b).into_any()),
    }
}

/// `tolist()`'s nested lists, items made by [`value_to_py`].
pub(crate) fn nested_to_py<'py>(py: Python<'py>, n: &Nested) -> PyResult<Bound<'py, PyAny>> {
    match n {
        Nested::Item(v) => value_to_py(py, v),
        Nested::List(items) => {
            let items: PyResult<Vec<_>> = items.iter().map(|i| nested_to_py(py, i)).collect();
            Ok(PyList::new(py, items?)?.into_any())
        }
        Nested::Items(row) => Ok(items_to_py(py, row)?.into_any()),
    }
}

/// One typed row of `tolist()` as a Python list, in one pass per item
/// type: each item goes straight from its native value to its Python
/// object (`PyLong_FromLong`, `PyFloat_FromDouble`, ...) into a list made
/// at its final length, with no `Value` in between.
fn items_to_py<'py>(py: Python<'py>, row: &bufproto::Items) -> PyResult<Bound<'py, PyList>> {
    use bufproto::ItemSlice as S;
    fn list<'py, T: Copy + IntoPyObject<'py>>(
        py: Python<'py>,
        v: &[T],
    ) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, v.iter().copied())
    }
    match row.as_slice() {
        S::I8(v) => list(py, v),
        S::U8(v) => list(py, v),
        S::I16(v) => list(py, v),
        S::U16(v) => list(py, v),
        S::I32(v) => list(py, v),
        S::U32(v) => list(py, v),
        S::I64(v) => list(py, v),
        S::U64(v) => list(py, v),
        S::F32(v) => PyList::new(py, v.iter().map(|&x| f64::from(x))),
        S::F64(v) => list(py, v),
        S::Bool(v) => list(py, v),
        S::Char(v) => PyList::new(
            py,
            v.iter().map(|b| PyBytes::new(py, std::slice::from_ref(b))),
        ),
        // A row type this bridge does not know yet: item by item.
        _ => {
            let items: PyResult<Vec<_>> = row.iter().map(|v| value_to_py(py, &v)).collect();
            PyList::new(py, items?)
        }
    }
}

/// Content equality with any object exporting bytes (`bytes(other)`).
fn eq_bytes(mine: &[u8], other: &Bound<'_, PyAny>) -> bool {
    has_buffer(other) && convert::bytes_of(other).is_ok_and(|o| o == mine)
}

/// Whether `obj` has the buffer protocol (`PyObject_CheckBuffer`).
pub(crate) fn has_buffer(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: PyObject_CheckBuffer only reads the type's slots of a live
    // object (we hold a reference, and the GIL through `Bound`).
    unsafe { ffi::PyObject_CheckBuffer(obj.as_ptr()) == 1 }
}

// ANCHOR: bytearray
/// `bufproto_py.ByteArray(data=b"")`: a `bufproto::ByteArray` owned by
/// Rust, exported to Python with the buffer protocol.
#[pyclass(name = "ByteArray", module = "bufproto_py", subclass)]
pub struct PyByteArray {
    /// The Rust object; Python sees its memory, not a copy.
    pub inner: bufproto::ByteArray,
}

impl ExportsBuffer for PyByteArray {
    fn exporter(&self) -> &dyn Exporter {
        &self.inner
    }
}

#[pymethods]
impl PyByteArray {
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let bytes = data.map(convert::bytearray_of).transpose()?;
        Ok(PyByteArray {
            inner: bufproto::ByteArray::from(bytes.as_deref().unwrap_or_default()),
        })
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        // SAFETY: CPython's own arguments to bf_getbuffer (see `slots`).
        unsafe { slots::getbuffer(&slf, view, flags) }
    }

    unsafe fn __releasebuffer__(_slf: Bound<'_, Self>, view: *mut ffi::Py_buffer) {
        // SAFETY: `view` was filled by `__getbuffer__` (see `slots`).
        unsafe { slots::releasebuffer(view) }
    }

    /// How many buffers (Python memoryviews, Rust views) are exported now.
    #[getter]
    fn exports(&self) -> usize {
        self.inner.exports()
    }

    /// Converts `value` (which may run `__index__`) before borrowing.
    fn append(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = convert::byte_arg(value)?;
        slf.try_borrow_mut()?.inner.append(v).map_err(to_pyerr)
    }
    // ANCHOR_END: bytearray

    fn extend(slf: &Bound<'_, Self>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = convert::extended_bytes(data)?;
        slf.try_borrow_mut()?.inner.extend(&data).map_err(to_pyerr)
    }

    #[pyo3(signature = (index = None))]
    fn pop(slf: &Bound<'_, Self>, index: Option<&Bound<'_, PyAny>>) -> PyResult<u8> {
        let i = index.map(convert::ssize_arg).transpose()?;
        slf.try_borrow_mut()?.inner.pop(i).map_err(to_pyerr)
    }

    fn clear(&mut self) -> PyResult<()> {
        self.inner.clear().map_err(to_pyerr)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Ok(s) = key.cast::<PySlice>() {
            let (a, b, c) = slice_parts(s)?;
            let inner = slf.try_borrow()?.inner.slice(a, b, c).map_err(to_pyerr)?;
            return Ok(Py::new(py, PyByteArray { inner })?.into_any());
        }
        let i = convert::index_arg(key, BYTEARRAY_INDICES)?;
        let v = slf.try_borrow()?.inner.get(i).map_err(to_pyerr)?;
        Ok(v.into_pyobject(py)?.into_any().unbind())
    }

    /// `bytearray_ass_subscript`'s order: the index, then the value, then
    /// the bounds; all conversions before the borrow.
    fn __setitem__(
        slf: &Bound<'_, Self>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if let Ok(s) = key.cast::<PySlice>() {
            let (a, b, c) = slice_parts(s)?;
            let data = convert::assigned_bytes(value)?;
            let mut me = slf.try_borrow_mut()?;
            return me.inner.set_slice(a, b, c, &data).map_err(to_pyerr);
        }
        let i = convert::index_arg(key, BYTEARRAY_INDICES)?;
        let v = convert::byte_arg(value)?;
        slf.try_borrow()?.inner.set(i, v).map_err(to_pyerr)
    }

    fn __delitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(s) = key.cast::<PySlice>() {
            let (a, b, c) = slice_parts(s)?;
            return slf
                .try_borrow_mut()?
                .inner
                .del_slice(a, b, c)
                .map_err(to_pyerr);
        }
        let i = convert::index_arg(key, BYTEARRAY_INDICES)?;
        slf.try_borrow_mut()?.inner.del_item(i).map_err(to_pyerr)
    }

    fn __bytes__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyBytes>> {
        let v = slf.try_borrow()?.inner.to_vec();
        Ok(PyBytes::new(slf.py(), &v))
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let mine = slf.try_borrow()?.inner.to_vec();
        Ok(eq_bytes(&mine, other))
    }

    fn __repr__(&self) -> String {
        format!("bufproto_py.{:?}", self.inner).replace("bytearray(", "ByteArray(")
    }
}

/// CPython's `TypeError` for a bad `bytearray` index (the type name follows).
const BYTEARRAY_INDICES: &str = "bytearray indices must be integers or slices, not";

/// `bufproto_py.Bytes(data=b"")`: a read-only `bufproto::Bytes`.
#[pyclass(name = "Bytes", module = "bufproto_py", subclass, frozen)]
pub struct PyBytesObj {
    /// The Rust object.
    pub inner: bufproto::Bytes,
}

impl ExportsBuffer for PyBytesObj {
    fn exporter(&self) -> &dyn Exporter {
        &self.inner
    }
}

#[pymethods]
impl PyBytesObj {
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let bytes = data.map(convert::bytes_of).transpose()?;
        Ok(PyBytesObj {
            inner: bufproto::Bytes::from(bytes.as_deref().unwrap_or_default()),
        })
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        // SAFETY: CPython's own arguments to bf_getbuffer (see `slots`).
        unsafe { slots::getbuffer(&slf, view, flags) }
    }

    unsafe fn __releasebuffer__(_slf: Bound<'_, Self>, view: *mut ffi::Py_buffer) {
        // SAFETY: `view` was filled by `__getbuffer__` (see `slots`).
        unsafe { slots::releasebuffer(view) }
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
        let i = convert::index_arg(key, "byte indices must be integers or slices, not")?;
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

/// CPython's `TypeError` for a bad `array` index.
const ARRAY_INDICES: &str = "array indices must be integers";

impl PyArray {
    /// `array(typecode, initial)`: `bytes` and `bytearray` are
    /// `frombytes`, a `str` is refused (no `u`/`w` arrays here), anything
    /// else is iterated, each item converted as `append` converts it.
    fn build(typecode: &str, values: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut inner = bufproto::Array::new(typecode).map_err(to_pyerr)?;
        let tc = inner.typecode();
        match values {
            None => {}
            Some(v) if v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArrayType>() => {
                inner.frombytes(&convert::bytes_of(v)?).map_err(to_pyerr)?;
            }
            Some(v) if v.is_instance_of::<pyo3::types::PyString>() => {
                return Err(PyTypeError::new_err(format!(
                    "cannot use a str to initialize an array with typecode '{tc}'"
                )));
            }
            Some(v) => {
                let vs: PyResult<Vec<Value>> = v
                    .try_iter()?
                    .map(|x| convert::value_arg(&x?, Target::Array(tc)))
                    .collect();
                inner.extend(vs?).map_err(to_pyerr)?;
            }
        }
        Ok(PyArray { inner })
    }

    /// The items, copied out under a short borrow.
    fn values(slf: &Bound<'_, Self>) -> PyResult<Vec<Value>> {
        slf.try_borrow()?.inner.tolist().map_err(to_pyerr)
    }
}

impl ExportsBuffer for PyArray {
    fn exporter(&self) -> &dyn Exporter {
        &self.inner
    }
}

#[pymethods]
impl PyArray {
    #[new]
    #[pyo3(signature = (typecode, values = None))]
    fn new(typecode: &str, values: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        PyArray::build(typecode, values)
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        // SAFETY: CPython's own arguments to bf_getbuffer (see `slots`).
        unsafe { slots::getbuffer(&slf, view, flags) }
    }

    unsafe fn __releasebuffer__(_slf: Bound<'_, Self>, view: *mut ffi::Py_buffer) {
        // SAFETY: `view` was filled by `__getbuffer__` (see `slots`).
        unsafe { slots::releasebuffer(view) }
    }

    #[getter]
    fn exports(&self) -> usize {
        self.inner.exports()
    }

    #[getter]
    fn typecode(&self) -> String {
        self.inner.typecode().to_string()
    }

    fn append(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let tc = slf.try_borrow()?.inner.typecode();
        let v = convert::value_arg(value, Target::Array(tc))?;
        slf.try_borrow_mut()?.inner.append(v).map_err(to_pyerr)
    }

    fn tolist<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let py = slf.py();
        let items: PyResult<Vec<_>> = PyArray::values(slf)?
            .iter()
            .map(|v| value_to_py(py, v))
            .collect();
        PyList::new(py, items?)
    }

    fn tobytes<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyBytes>> {
        let b = slf.try_borrow()?.inner.tobytes();
        Ok(PyBytes::new(slf.py(), b.as_slice()))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Ok(s) = key.cast::<PySlice>() {
            // array slicing copies, as in CPython
            let part = PyArray::tolist(slf)?.as_any().get_item(s)?;
            let tc = slf.try_borrow()?.inner.typecode().to_string();
            return Ok(Py::new(py, PyArray::build(&tc, Some(&part))?)?.into_any());
        }
        let i = convert::index_arg(key, ARRAY_INDICES)?;
        let v = slf.try_borrow()?.inner.get(i).map_err(to_pyerr)?;
        Ok(value_to_py(py, &v)?.unbind())
    }

    /// `array_ass_subscr`'s order: the index, the bounds, then the value.
    fn __setitem__(
        slf: &Bound<'_, Self>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let i = convert::index_arg(key, ARRAY_INDICES)?;
        let (len, tc) = {
            let me = slf.try_borrow()?;
            (me.inner.len(), me.inner.typecode())
        };
        let inside = i.checked_add(if i < 0 { len.cast_signed() } else { 0 });
        if !inside.is_some_and(|j| (0..len.cast_signed()).contains(&j)) {
            return Err(PyIndexError::new_err("array assignment index out of range"));
        }
        let v = convert::value_arg(value, Target::Array(tc))?;
        slf.try_borrow()?.inner.set(i, v).map_err(to_pyerr)
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<PyArray>() {
            Ok(o) => PyArray::tolist(slf)?.eq(PyArray::tolist(o)?),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self) -> String {
        format!("bufproto_py.{:?}", self.inner).replace("array(", "Array(")
    }
}

/// `bufproto_py.NdArray(data, format, shape, strides=None, offset=0,
/// writable=False)`: a `bufproto::NdArray` (any N-d layout), exported with
/// its real shape and strides. `shape` and `strides` are taken as
/// `_testbuffer.ndarray` takes them (lists or tuples of `Py_ssize_t`).
#[pyclass(name = "NdArray", module = "bufproto_py", subclass, frozen)]
pub struct PyNdArray {
    /// The Rust object.
    pub inner: bufproto::NdArray,
}

impl ExportsBuffer for PyNdArray {
    fn exporter(&self) -> &dyn Exporter {
        &self.inner
    }
}

#[pymethods]
impl PyNdArray {
    #[new]
    #[pyo3(signature = (data, format, shape, strides = None, offset = None, writable = false))]
    fn new(
        data: &Bound<'_, PyAny>,
        format: &str,
        shape: &Bound<'_, PyAny>,
        strides: Option<&Bound<'_, PyAny>>,
        offset: Option<&Bound<'_, PyAny>>,
        writable: bool,
    ) -> PyResult<Self> {
        let data = convert::bytes_of(data)?;
        let shape = convert::shape_arg(shape)?;
        let strides = strides
            .map(|s| convert::ssize_list(s, "strides"))
            .transpose()?;
        let offset = usize::try_from(offset.map(convert::ssize_arg).transpose()?.unwrap_or(0))
            .map_err(|_| PyValueError::new_err("offset out of bounds"))?;
        let inner = bufproto::NdArray::new(data, format, shape, strides, offset, writable)
            .map_err(to_pyerr)?;
        Ok(PyNdArray { inner })
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        // SAFETY: CPython's own arguments to bf_getbuffer (see `slots`).
        unsafe { slots::getbuffer(&slf, view, flags) }
    }

    unsafe fn __releasebuffer__(_slf: Bound<'_, Self>, view: *mut ffi::Py_buffer) {
        // SAFETY: `view` was filled by `__getbuffer__` (see `slots`).
        unsafe { slots::releasebuffer(view) }
    }
}

/// What a live [`RustView`] holds.
struct Live {
    /// The held Python buffer, also inside `view`: kept here to show the
    /// garbage collector the reference it holds.
    memory: std::sync::Arc<PyMemory>,
    /// The Rust view; it keeps the foreign memory alive.
    view: MemoryView,
}

/// `bufproto_py.RustView(obj)`: a `bufproto::MemoryView` built in Rust over
/// any Python buffer (`bytearray`, `array.array`, `mmap`, a `memoryview`
/// slice, a `ctypes` object, a 0-d buffer), sharing its memory. While it is
/// alive, `obj` cannot resize. It takes part in garbage collection, as
/// `memoryview` does: a cycle through it is collected.
#[pyclass(name = "RustView", module = "bufproto_py")]
pub struct RustView {
    /// `None` once released (or cleared by the collector).
    live: Option<Live>,
}

impl RustView {
    fn view(&self) -> PyResult<&MemoryView> {
        self.live.as_ref().map(|l| &l.view).ok_or_else(|| {
            PyValueError::new_err("operation forbidden on released memoryview object")
        })
    }
}

#[pymethods]
impl RustView {
    #[new]
    fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (foreign, memory) = foreign_and_memory(obj)?;
        let view = MemoryView::new(&foreign).map_err(to_pyerr)?;
        Ok(RustView {
            live: Some(Live { memory, view }),
        })
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(live) = &self.live {
            visit.call(live.memory.owner())?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.live = None;
    }

    /// Ends the Rust view and releases the Python buffer. The release runs
    /// after the borrow ends: the exporter's release may run Python code.
    fn release(slf: &Bound<'_, Self>) -> PyResult<()> {
        let live = slf.try_borrow_mut()?.live.take();
        drop(live);
        Ok(())
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

    /// `v[index] = value` for a tuple index (one int per dimension); the
    /// value is converted (Python code) before the view is borrowed.
    fn set(slf: &Bound<'_, Self>, index: Vec<isize>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let format = slf.try_borrow()?.format()?;
        let v = convert::value_arg(value, Target::View(&format))?;
        slf.try_borrow()?
            .view()?
            .set_at(&index, v)
            .map_err(to_pyerr)
    }

    fn get<'py>(slf: &Bound<'py, Self>, index: Vec<isize>) -> PyResult<Bound<'py, PyAny>> {
        let v = slf.try_borrow()?.view()?.get_at(&index).map_err(to_pyerr)?;
        value_to_py(slf.py(), &v)
    }

    #[getter]
    fn format(&self) -> PyResult<String> {
        Ok(self.view()?.format().map_err(to_pyerr)?.to_string())
    }

    #[getter]
    fn ndim(&self) -> PyResult<usize> {
        self.view()?.ndim().map_err(to_pyerr)
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
    m.add_class::<memoryview::PyMemoryView>()?;
    Ok(())
}
