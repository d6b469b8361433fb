//! `bufproto_py.memoryview`: the crate's [`bufproto::MemoryView`] as a
//! Python type with the whole API of the builtin `memoryview`, so that
//! CPython's own test suites (`test_memoryview`, `test_buffer`) can run
//! against it (`tests/cpython_suites.rs`).
//!
//! Every answer about the memory (items, slices, casts, comparisons,
//! hashing's rules, exports, every error message about the memory) comes
//! from the crate. This module does what only Python can: it converts
//! arguments (which may run `__index__`, `__float__`, `__bool__`, and so
//! release the view: gh-92888), dispatches a subscript key as CPython's
//! `memory_subscript` does, and imports other Python buffers through the
//! protocol ([`foreign_and_memory`]).
//!
//! Arguments are converted *before* the object is borrowed: a method never
//! holds a borrow while Python code runs, so a `release()` from an
//! `__index__` works and the next crate call reports the released view.
//!
//! The crate gives the dispatch of a key (`MemoryView::get_key`,
//! `set_key`: `m[...]`, `m[()]`, tuples of slices), iteration
//! (`MemoryView::iter`, `reversed`, `contains`) and the checks of a write
//! (`check_writable`). Built here: Python's `hash` of the bytes (the
//! crate's hash is its own, not `PYTHONHASHSEED`'s siphash), and `==`,
//! `count`, `index`, `in` for objects that are not the crate's values.

use std::sync::Arc;

use bufproto::{Cursor, Key, MemoryView, Selection, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PySlice, PyString, PyTuple};
use pyo3::{PyTraverseError, gc::PyVisit};

use crate::convert::{self, Target, slice_parts};
use crate::{PyMemory, foreign_and_memory, has_buffer, nested_to_py, to_pyerr, value_to_py};

/// `memory_subscript`'s error for an index that is not an integer
/// (`PyNumber_AsSsize_t` is only reached for keys with `__index__`, whose
/// conversion may still fail).
const INVALID_KEY: &str = "memoryview: invalid slice key";

/// Whether `obj` has `__index__` (`PyIndex_Check`).
fn has_index(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: PyIndex_Check reads the type slots of a live object.
    unsafe { ffi::PyIndex_Check(obj.as_ptr()) == 1 }
}

/// An index as `memory_subscript` converts it:
/// `PyNumber_AsSsize_t(key, PyExc_IndexError)`.
fn index_of(key: &Bound<'_, PyAny>) -> PyResult<isize> {
    convert::index_arg(key, INVALID_KEY)
}

/// The value of an exact `int` as a `Py_ssize_t`, or `None` (for any other
/// object, or an int out of range: the general path then gives CPython's
/// error). No Python code runs and no exception is left set.
fn exact_index(obj: &Bound<'_, PyAny>) -> Option<isize> {
    // SAFETY: the checks read the type of a live object; PyLong_AsSsize_t
    // of an exact int runs no Python code, and a failure's exception
    // (OverflowError) is cleared at once.
    unsafe {
        if ffi::PyLong_CheckExact(obj.as_ptr()) == 0 {
            return None;
        }
        let i = ffi::PyLong_AsSsize_t(obj.as_ptr());
        if i == -1 && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some(i)
    }
}

/// Whether converting the bounds of slice `s` runs no Python code: each of
/// `start`, `stop`, `step` is `None` or an exact `int` (`PySlice_Unpack`
/// calls `__index__` only on other objects).
fn plain_slice(s: &Bound<'_, PySlice>) -> bool {
    let plain = |p: *mut ffi::PyObject| {
        // SAFETY: `p` is a field of a live slice object (never NULL: the
        // slice constructor stores `None` for a missing bound).
        unsafe { p == ffi::Py_None() || ffi::PyLong_CheckExact(p) != 0 }
    };
    let ptr = s.as_ptr().cast::<ffi::PySliceObject>();
    // SAFETY: `s` is an exact or derived `slice` (PySlice checked its
    // type), whose C layout is `PySliceObject`; the fields are read only.
    unsafe { plain((*ptr).start) && plain((*ptr).stop) && plain((*ptr).step) }
}

/// The crate's [`Key`] for a Python key that is not a slice, as
/// `memory_subscript` and `memory_ass_sub` tell keys apart. Integers are
/// converted only where CPython converts them: not on a 0-d view (only
/// `()` and `...` are its keys), not for an int assigned into an N-d view,
/// not in a tuple shorter than `ndim` (CPython refuses those keys before
/// looking at them), so an `__index__` runs exactly when it runs there.
/// What the key then means, and every error, is the crate's.
fn key_of(key: &Bound<'_, PyAny>, ndim: usize, assign: bool) -> PyResult<Key> {
    let py = key.py();
    let tuple = key.cast::<PyTuple>().ok();
    if ndim == 0 {
        return Ok(match tuple {
            Some(t) if t.is_empty() => Key::Indices(Vec::new()),
            _ if key.is(py.Ellipsis().bind(py)) => Key::Ellipsis,
            _ => Key::Other,
        });
    }
    if has_index(key) {
        if assign && ndim > 1 {
            return Ok(Key::Index(0));
        }
        return Ok(Key::Index(index_of(key)?));
    }
    if key.is(py.Ellipsis().bind(py)) {
        return Ok(Key::Ellipsis);
    }
    let Some(t) = tuple else {
        return Ok(Key::Other);
    };
    if t.iter().all(|x| has_index(&x)) {
        if t.len() < ndim {
            return Ok(Key::Indices(vec![0; t.len()]));
        }
        let idx: PyResult<Vec<isize>> = t.iter().map(|x| index_of(&x)).collect();
        return Ok(Key::Indices(idx?));
    }
    if !t.is_empty() && t.iter().all(|x| x.is_instance_of::<PySlice>()) {
        return Ok(Key::Slices);
    }
    Ok(Key::Other)
}

/// `type(obj).__name__`, for messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// An `int` argument as the argument clinic converts it
/// (`PyLong_AsInt(PyNumber_Index(x))`).
fn c_int_arg(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    let too_large =
        || pyo3::exceptions::PyOverflowError::new_err("Python int too large to convert to C int");
    match convert::ssize_arg(obj) {
        Ok(v) => i32::try_from(v).map_err(|_| too_large()),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(obj.py()) => {
            Err(too_large())
        }
        Err(e) => Err(e),
    }
}

/// Up to `N` arguments by position or by name, the first `required` of
/// them required, with the argument clinic's errors in its order (too
/// many, missing, given twice, unknown name); `None` for one not given.
fn arguments<'py, const N: usize>(
    fname: &str,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, pyo3::types::PyDict>>,
    names: [&str; N],
    required: usize,
) -> PyResult<[Option<Bound<'py, PyAny>>; N]> {
    let total = args.len() + kwargs.map_or(0, |d| d.len());
    if total > N {
        let s = if N == 1 { "" } else { "s" };
        return Err(PyTypeError::new_err(format!(
            "{fname}() takes at most {N} argument{s} ({total} given)"
        )));
    }
    let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
    for (slot, a) in out.iter_mut().zip(args.iter()) {
        *slot = Some(a);
    }
    let mut unknown = None;
    for (k, v) in kwargs.into_iter().flat_map(|d| d.iter()) {
        let key = k.extract::<String>()?;
        let Some(i) = names.iter().position(|n| *n == key) else {
            unknown.get_or_insert(key);
            continue;
        };
        match out.get_mut(i) {
            Some(slot @ None) => *slot = Some(v),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "argument for {fname}() given by name ('{key}') and position ({})",
                    i + 1
                )));
            }
        }
    }
    for (i, (slot, name)) in out.iter().zip(names).enumerate().take(required) {
        if slot.is_none() {
            return Err(PyTypeError::new_err(format!(
                "{fname}() missing required argument '{name}' (pos {})",
                i + 1
            )));
        }
    }
    if let Some(key) = unknown {
        return Err(PyTypeError::new_err(format!(
            "{fname}() got an unexpected keyword argument '{key}'"
        )));
    }
    Ok(out)
}

/// A `start`/`stop` argument of `index` (`slice_index` in the argument
/// clinic): an int or `__index__`, clamped to `Py_ssize_t`.
fn slice_index_arg(obj: &Bound<'_, PyAny>) -> PyResult<isize> {
    if !has_index(obj) {
        return Err(PyTypeError::new_err(
            "slice indices must be integers or have an __index__ method",
        ));
    }
    // SAFETY: `obj` is alive; a NULL exception type asks for clamping.
    let i = unsafe { ffi::PyNumber_AsSsize_t(obj.as_ptr(), std::ptr::null_mut()) };
    match PyErr::take(obj.py()) {
        Some(e) if i == -1 => Err(e),
        _ => Ok(i),
    }
}

/// `bufproto_py.memoryview(object)`: a `bufproto::MemoryView` over any
/// Python buffer, with the builtin `memoryview`'s Python API.
///
/// ```text
/// >>> import bufproto_py
/// >>> m = bufproto_py.memoryview(bytearray(b"abc"))
/// >>> m[::-1].tobytes()
/// b'cba'
/// ```
///
/// Views made from one another (slices, casts, `toreadonly`, a
/// `memoryview(m)`) share the held Python buffer (each crate view holds
/// it), so the Python exporter sees one export until the last of them is
/// released.
#[pyclass(name = "memoryview", module = "bufproto_py", weakref)]
pub struct PyMemoryView {
    /// The crate's view; a released one after `release()`.
    view: MemoryView,
    /// `m.obj`: the buffer's `view->obj` (`None` if the exporter left it
    /// NULL); dropped on release (the crate then refuses `m.obj`).
    obj: Option<Py<PyAny>>,
    /// The held Python buffer (shared by derived views), kept here to show
    /// the garbage collector the reference it holds.
    memory: Option<Arc<PyMemory>>,
    /// Python's `hash(m.tobytes())`, cached as CPython caches it (and
    /// still answered after release).
    hash: Option<isize>,
}

impl crate::ExportsBuffer for PyMemoryView {
    fn exporter(&self) -> &dyn bufproto::Exporter {
        &self.view
    }
}

/// A released crate view: what a released Python object holds.
fn released_view() -> PyResult<MemoryView> {
    let mut m = MemoryView::new(&bufproto::Bytes::default()).map_err(to_pyerr)?;
    m.release().map_err(to_pyerr)?;
    Ok(m)
}

impl PyMemoryView {
    /// A view derived from `self` (same `obj`, same held buffer).
    fn derived(&self, py: Python<'_>, view: MemoryView) -> PyMemoryView {
        PyMemoryView {
            view,
            obj: self.obj.as_ref().map(|o| o.clone_ref(py)),
            memory: self.memory.clone(),
            hash: None,
        }
    }

    /// `m == other` as `memory_richcompare`; `None` is `NotImplemented`
    /// (an object without a buffer, or one that refuses it).
    fn equal(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Option<bool>> {
        {
            let me = slf.try_borrow()?;
            if me.view.is_released() {
                return Ok(Some(slf.is(other)));
            }
            if let Ok(o) = other.cast::<PyMemoryView>() {
                let o = o.try_borrow()?;
                if o.view.is_released() {
                    return Ok(Some(false));
                }
                return Ok(Some(me.view.equals(&o.view)));
            }
        }
        if !has_buffer(other) {
            return Ok(None);
        }
        // The import runs `other`'s bf_getbuffer (Python code, maybe):
        // no borrow is held meanwhile.
        let Ok((foreign, _memory)) = foreign_and_memory(other) else {
            return Ok(None);
        };
        Ok(Some(slf.try_borrow()?.view.equals(&foreign)))
    }

    /// `m[key]` for a converted key: the crate's `get_key`, as an item, a
    /// new view sharing `m`'s buffer, or `m` itself.
    fn select(slf: &Bound<'_, Self>, key: &Key) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let item = slf.try_borrow()?.view.get_key(key).map_err(to_pyerr)?;
        Ok(match item {
            Selection::Value(v) => value_to_py(py, &v)?.unbind(),
            Selection::View(v) => {
                let derived = slf.try_borrow()?.derived(py, v);
                Py::new(py, derived)?.into_any()
            }
            Selection::Same => slf.clone().into_any().unbind(),
        })
    }

    /// `m[a:b:c]`: the new view holds the memory *before* the
    /// slice's bounds are converted (CPython's order): an `__index__` that
    /// releases `m` leaves the slice valid.
    fn get_slice(slf: &Bound<'_, Self>, s: &Bound<'_, PySlice>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if plain_slice(s) {
            // No Python code can run while the bounds are converted, so
            // nothing can release `m` meanwhile: one view, made at once.
            let (a, b, c) = slice_parts(s)?;
            let me = slf.try_borrow()?;
            let view = me.view.slice(a, b, c).map_err(to_pyerr)?;
            let sliced = me.derived(py, view);
            drop(me);
            return Ok(Py::new(py, sliced)?.into_any());
        }
        let base = {
            let me = slf.try_borrow()?;
            me.derived(py, MemoryView::new(&me.view).map_err(to_pyerr)?)
        };
        let (a, b, c) = slice_parts(s)?;
        let view = base.view.slice(a, b, c).map_err(to_pyerr)?;
        let sliced = base.derived(py, view);
        Ok(Py::new(py, sliced)?.into_any())
    }

    /// `m[a:b:c] = value` on a 1-d view: `value` must export a buffer
    /// (taken before the slice is converted, as CPython does).
    fn set_slice(
        slf: &Bound<'_, Self>,
        s: &Bound<'_, PySlice>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if let Ok(src) = value.cast::<PyMemoryView>() {
            let (a, b, c) = slice_parts(s)?;
            let src = src.try_borrow()?;
            return slf
                .try_borrow()?
                .view
                .set_slice_from(a, b, c, &src.view)
                .map_err(to_pyerr);
        }
        let (foreign, _memory) = foreign_and_memory(value)?;
        let (a, b, c) = slice_parts(s)?;
        slf.try_borrow()?
            .view
            .set_slice_from(a, b, c, &foreign)
            .map_err(to_pyerr)
    }

    /// The shape of `cast(format, shape)`, with `copy_shape`'s order of
    /// errors: a non-int element is `TypeError`; the crate checks the rest.
    fn cast_with_shape(
        &self,
        py: Python<'_>,
        format: &str,
        shape: &Bound<'_, PyAny>,
    ) -> PyResult<PyMemoryView> {
        let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = shape.cast::<PyList>() {
            l.iter().collect()
        } else if let Ok(t) = shape.cast::<PyTuple>() {
            t.iter().collect()
        } else {
            // CPython checks the shape's type after contiguity and zeros in
            // the shape: asking the crate for 65 dimensions gives exactly
            // those errors first, then its "must not exceed 64".
            return Err(match self.view.cast_shape(format, &[1; 65]) {
                Err(e) if e.kind() != bufproto::ErrorKind::ValueError => to_pyerr(e),
                Err(e) if e.message().contains("released") => to_pyerr(e),
                _ => PyTypeError::new_err("shape must be a list or a tuple"),
            });
        };
        // An element the crate must refuse, as the crate's usize: 0 for
        // non-positive ones (its "> 0" error), usize::MAX past isize::MAX
        // (its OverflowError, which C's PyLong_AsSsize_t gives both ways).
        let mut dims = Vec::new();
        let mut first_bad: Option<(usize, bool)> = None;
        for (k, x) in items.iter().enumerate() {
            let (d, non_int) = if !x.is_instance_of::<PyInt>() {
                (0, true)
            } else {
                match x.extract::<i128>() {
                    Ok(v) if v < isize::MIN as i128 || v > isize::MAX as i128 => {
                        (usize::MAX, false)
                    }
                    Ok(v) => (usize::try_from(v).unwrap_or(0), false),
                    Err(_) => (usize::MAX, false),
                }
            };
            if first_bad.is_none() && (non_int || d == 0 || d == usize::MAX) {
                first_bad = Some((k, non_int));
            }
            dims.push(d);
        }
        match self.view.cast_shape(format, &dims) {
            Ok(v) => Ok(self.derived(py, v)),
            Err(e)
                if first_bad.is_some_and(|(_, non_int)| non_int)
                    && e.message()
                        .contains("elements of shape must be integers > 0") =>
            {
                Err(PyTypeError::new_err(
                    "memoryview.cast(): elements of shape must be integers",
                ))
            }
            Err(e) => Err(to_pyerr(e)),
        }
    }

    /// `m.count(value)`/`m.index(value)` compare with Python's `==`: only
    /// a value that converts to one of the crate's item types exactly
    /// (int, float, bool, bytes) can be asked of the crate.
    fn exact_value(value: &Bound<'_, PyAny>) -> Option<Value> {
        if let Ok(b) = value.cast::<PyBool>() {
            return Some(Value::Bool(b.is_true()));
        }
        if let Ok(f) = value.cast::<PyFloat>()
            && f.is_exact_instance_of::<PyFloat>()
        {
            return Some(Value::Float(f.value()));
        }
        if let Ok(b) = value.cast::<PyBytes>()
            && b.is_exact_instance_of::<PyBytes>()
        {
            return Some(Value::Bytes(b.as_bytes().to_vec()));
        }
        if value.is_exact_instance_of::<PyInt>() {
            return value.extract::<i128>().ok().map(Value::Int);
        }
        None
    }
}

#[pymethods]
impl PyMemoryView {
    /// `memoryview(object)`, with the argument clinic's messages.
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn new(
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<Self> {
        let [object] = arguments("memoryview", args, kwargs, ["object"], 1)?;
        let py = args.py();
        let Some(object) = object else {
            // `arguments` checked it; kept as an error, not a panic
            return Err(PyTypeError::new_err(
                "memoryview() missing required argument 'object' (pos 1)",
            ));
        };
        let object = &object;
        if let Ok(other) = object.cast::<PyMemoryView>() {
            // `memoryview(m)`: a new view holding m's memory (CPython's
            // `mbuf_add_view`), no export of m.
            let o = other.try_borrow()?;
            let view = MemoryView::new(&o.view).map_err(to_pyerr)?;
            return Ok(o.derived(py, view));
        }
        if !has_buffer(object) {
            let t = object.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "memoryview: a bytes-like object is required, not '{t}'"
            )));
        }
        let (foreign, memory) = foreign_and_memory(object)?;
        let view = MemoryView::new(&foreign).map_err(to_pyerr)?;
        // `m.obj` is the buffer's `view->obj`: an exporter may set it to
        // another object (test_buffer's redirecting exporters) or leave it
        // NULL (`None`); a builtin memoryview sets itself.
        let obj = memory.owner().map(|o| o.clone_ref(py));
        Ok(PyMemoryView {
            view,
            obj,
            memory: Some(memory),
            hash: None,
        })
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(o) = &self.obj {
            visit.call(o)?;
        }
        if let Some(owner) = self.memory.as_ref().and_then(|m| m.owner()) {
            visit.call(owner)?;
        }
        Ok(())
    }

    /// The collector breaks a cycle through this view: it is released.
    fn __clear__(&mut self) {
        if let Ok(r) = released_view() {
            self.view = r;
        }
        self.obj = None;
        self.memory = None;
    }

    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: std::ffi::c_int,
    ) -> PyResult<()> {
        // SAFETY: CPython's own arguments to bf_getbuffer (see `slots`).
        unsafe { crate::slots::getbuffer(&slf, view, flags) }
    }

    unsafe fn __releasebuffer__(_slf: Bound<'_, Self>, view: *mut ffi::Py_buffer) {
        // SAFETY: `view` was filled by `__getbuffer__` (see `slots`).
        unsafe { crate::slots::releasebuffer(view) }
    }

    /// `m.release()`: the crate refuses while buffers exported from `m`
    /// live (`BufferError: memoryview has 1 exported buffer`). The crate
    /// view is taken out of the object first and released after the borrow
    /// ends: the last release of a Python buffer runs the exporter's
    /// `bf_releasebuffer`, which may be Python code.
    fn release(slf: &Bound<'_, Self>) -> PyResult<()> {
        let released = released_view()?;
        let (mut view, obj, memory) = {
            let mut me = slf.try_borrow_mut()?;
            (
                std::mem::replace(&mut me.view, released),
                me.obj.take(),
                me.memory.take(),
            )
        };
        if let Err(e) = view.release() {
            let mut me = slf.try_borrow_mut()?;
            (me.view, me.obj, me.memory) = (view, obj, memory);
            return Err(to_pyerr(e));
        }
        drop((view, obj, memory));
        Ok(())
    }

    fn __enter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        slf.try_borrow()?.view.ndim().map_err(to_pyerr)?;
        Ok(slf.clone())
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(slf: &Bound<'_, Self>, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        PyMemoryView::release(slf)
    }

    #[getter]
    fn obj(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.view.obj().map_err(to_pyerr)?;
        Ok(self
            .obj
            .as_ref()
            .map_or_else(|| py.None(), |o| o.clone_ref(py)))
    }

    #[getter]
    fn nbytes(&self) -> PyResult<usize> {
        self.view.nbytes().map_err(to_pyerr)
    }

    #[getter]
    fn readonly(&self) -> PyResult<bool> {
        self.view.readonly().map_err(to_pyerr)
    }

    #[getter]
    fn itemsize(&self) -> PyResult<usize> {
        self.view.itemsize().map_err(to_pyerr)
    }

    #[getter]
    fn format(&self) -> PyResult<String> {
        Ok(self.view.format().map_err(to_pyerr)?.to_string())
    }

    #[getter]
    fn ndim(&self) -> PyResult<usize> {
        self.view.ndim().map_err(to_pyerr)
    }

    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.view.shape().map_err(to_pyerr)?)
    }

    #[getter]
    fn strides<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.view.strides().map_err(to_pyerr)?)
    }

    #[getter]
    fn suboffsets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.view.suboffsets().map_err(to_pyerr)?)
    }

    #[getter]
    fn c_contiguous(&self) -> PyResult<bool> {
        self.view.c_contiguous().map_err(to_pyerr)
    }

    #[getter]
    fn f_contiguous(&self) -> PyResult<bool> {
        self.view.f_contiguous().map_err(to_pyerr)
    }

    #[getter]
    fn contiguous(&self) -> PyResult<bool> {
        self.view.contiguous().map_err(to_pyerr)
    }

    fn __len__(&self) -> PyResult<usize> {
        self.view.len().map_err(to_pyerr)
    }

    /// `m[key]`: a slice key of a view with dimensions makes the new view
    /// first (see `get_slice`); any other key is the crate's `get_key`.
    fn __getitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Some(i) = exact_index(key) {
            // An exact int: what `key_of` would make of it (on a 0-d view
            // the crate refuses `Index` as it refuses `Other`). The crate's
            // `get` first (its inlined 1-D fast path); only a view it
            // refuses asks `get_key`, for the key's own errors. The borrow
            // ends before the item is made (an allocation may run a
            // finalizer, which may release `m`).
            let got = slf.try_borrow()?.view.get(i);
            if let Ok(v) = got {
                return Ok(value_to_py(py, &v)?.unbind());
            }
            return PyMemoryView::select(slf, &Key::Index(i));
        }
        let ndim = slf.try_borrow()?.view.ndim().map_err(to_pyerr)?;
        if ndim > 0
            && let Ok(s) = key.cast::<PySlice>()
        {
            return PyMemoryView::get_slice(slf, s);
        }
        PyMemoryView::select(slf, &key_of(key, ndim, false)?)
    }

    /// `m[key] = value` in `memory_ass_sub`'s order: the checks of a write
    /// (released, format, read-only), the key (converted), every error
    /// about the key and its bounds, and only then the value (Python code,
    /// run with no borrow held); the crate's store checks everything again.
    /// A slice of a 1-D view takes the value's buffer (see `set_slice`).
    fn __setitem__(
        slf: &Bound<'_, Self>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ndim = {
            let me = slf.try_borrow()?;
            me.view.check_writable().map_err(to_pyerr)?;
            me.view.ndim().map_err(to_pyerr)?
        };
        let key = match key.cast::<PySlice>() {
            Ok(s) if ndim == 1 => return PyMemoryView::set_slice(slf, s, value),
            // refused by the crate (0-d, or N-d); the bounds never matter
            Ok(_) if ndim > 1 => Key::Slice(None, None, None),
            _ => key_of(key, ndim, true)?,
        };
        let format = {
            let me = slf.try_borrow()?;
            me.view.check_set_key(&key).map_err(to_pyerr)?;
            me.view.format().map_err(to_pyerr)?.to_string()
        };
        let v = convert::value_arg(value, Target::View(&format))?;
        slf.try_borrow()?.view.set_key(&key, v).map_err(to_pyerr)
    }

    fn __delitem__(&self, _key: &Bound<'_, PyAny>) -> PyResult<()> {
        self.view.del_key(&Key::Other).map_err(to_pyerr)
    }

    /// `x in m`: the crate's `contains` for a value it can compare (see
    /// `exact_value`); for any other object the crate's iteration and
    /// Python's `==` on each item.
    fn __contains__(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Some(v) = PyMemoryView::exact_value(value) {
            return slf.try_borrow()?.view.contains(v).map_err(to_pyerr);
        }
        let cursor = slf
            .try_borrow()?
            .view
            .contains_iter()
            .map_err(to_pyerr)?
            .into_cursor();
        let it = MemoryIterator {
            seq: Some(slf.clone().unbind()),
            cursor,
        };
        for item in it.items(slf.py()) {
            if item?.bind(slf.py()).eq(value)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `iter(m)`: 3.14's `memory_iter` errors (the crate's, from `get`),
    /// and the format checked once, on an empty slice.
    fn __iter__(slf: &Bound<'_, Self>) -> PyResult<MemoryIterator> {
        MemoryIterator::new(slf, false)
    }

    /// `reversed(m)`: CPython walks `len(m)-1 .. 0` through `m[i]`.
    fn __reversed__(slf: &Bound<'_, Self>) -> PyResult<MemoryIterator> {
        MemoryIterator::new(slf, true)
    }

    fn __richcmp__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        op: CompareOp,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let eq = match op {
            CompareOp::Eq | CompareOp::Ne => PyMemoryView::equal(slf, other)?,
            _ => None,
        };
        Ok(match eq {
            None => py.NotImplemented(),
            Some(e) => PyBool::new(py, e == matches!(op, CompareOp::Eq))
                .to_owned()
                .into_any()
                .unbind(),
        })
    }

    /// `hash(m)`: the crate's rules (read-only, byte format, hashable
    /// exporter), then Python's `hash(obj)` (its own error wins, as in
    /// `memory_hash`) and Python's hash of the bytes.
    fn __hash__(slf: &Bound<'_, Self>) -> PyResult<isize> {
        let py = slf.py();
        let (obj, bytes) = {
            let me = slf.try_borrow()?;
            if let Some(h) = me.hash {
                return Ok(h);
            }
            me.view.hash().map_err(to_pyerr)?;
            let obj = me.obj.as_ref().map(|o| o.clone_ref(py));
            (obj, me.view.tobytes().map_err(to_pyerr)?)
        };
        if let Some(o) = obj {
            o.bind(py).hash()?;
        }
        let h = PyBytes::new(py, bytes.as_slice()).hash()?;
        slf.try_borrow_mut()?.hash = Some(h);
        Ok(h)
    }

    #[pyo3(signature = (format, shape = None))]
    fn cast(
        &self,
        py: Python<'_>,
        format: &Bound<'_, PyAny>,
        shape: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyMemoryView> {
        let format = format.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "cast() argument 'format' must be str, not {}",
                type_name(format)
            ))
        })?;
        let format = format.to_str()?;
        match shape {
            None => {
                let v = self.view.cast(format).map_err(to_pyerr)?;
                Ok(self.derived(py, v))
            }
            Some(s) => self.cast_with_shape(py, format, s),
        }
    }

    #[pyo3(signature = (order = None))]
    fn tobytes<'py>(
        &self,
        py: Python<'py>,
        order: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let order = match order {
            Some(o) if !o.is_none() => Some(o.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "tobytes() argument 'order' must be str or None, not {}",
                    type_name(o)
                ))
            })?),
            _ => None,
        };
        let order = order.as_ref().map(|o| o.to_str()).transpose()?;
        // One copy, straight into the new `bytes`, when nothing can fail
        // but the copy itself: a live view, a valid order, a size `bytes`
        // can have. Anything else takes the crate's `tobytes_order`, for
        // its errors in CPython's order.
        if matches!(order, None | Some("C" | "A"))
            && let Some(mem) = self.view.frozen_bytes()
        {
            // Immutable memory already in C order (a `bytes`): one memcpy,
            // into a `bytes` not zeroed first.
            return Ok(PyBytes::new(py, mem));
        }
        if matches!(order, None | Some("C" | "F" | "A"))
            && let Ok(n) = self.view.nbytes()
            && isize::try_from(n).is_ok()
        {
            return PyBytes::new_with(py, n, |dst| {
                self.view.tobytes_into(order, dst).map_err(to_pyerr)
            });
        }
        let b = self.view.tobytes_order(order).map_err(to_pyerr)?;
        Ok(PyBytes::new(py, b.as_slice()))
    }

    fn tolist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        nested_to_py(py, &self.view.tolist().map_err(to_pyerr)?)
    }

    /// `m.hex(sep, bytes_per_sep=1)`: `sep` may be `str` or `bytes`; an
    /// explicit `None` is refused as CPython refuses it (`len(None)`), so
    /// "not given" is told apart through `*args`/`**kwargs`.
    #[pyo3(signature = (*args, **kwargs))]
    fn hex(
        &self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<String> {
        let [sep, per] = arguments("hex", args, kwargs, ["sep", "bytes_per_sep"], 0)?;
        let per = match per {
            None => 1,
            Some(p) => c_int_arg(&p)?,
        };
        let Some(sep) = sep else {
            return self.view.hex().map_err(to_pyerr);
        };
        let sep: String = if let Ok(s) = sep.cast::<PyString>() {
            s.to_str()?.to_string()
        } else if let Ok(b) = sep.cast::<PyBytes>() {
            b.as_bytes().iter().map(|&c| char::from(c)).collect()
        } else {
            // `_Py_strhex_impl`: released first, then `len(sep)`, its
            // length, and only then the type.
            self.view.nbytes().map_err(to_pyerr)?;
            if sep.len()? != 1 {
                return self.view.hex_with("  ", per).map_err(to_pyerr);
            }
            return Err(PyTypeError::new_err("sep must be str or bytes."));
        };
        self.view.hex_with(&sep, per).map_err(to_pyerr)
    }

    fn toreadonly(&self, py: Python<'_>) -> PyResult<PyMemoryView> {
        let v = self.view.toreadonly().map_err(to_pyerr)?;
        Ok(self.derived(py, v))
    }

    /// `m.count(value)` (3.14): the crate's count for an int, float, bool
    /// or bytes; for other objects, Python's `==` on each item.
    fn count(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Some(v) = PyMemoryView::exact_value(value) {
            return slf.try_borrow()?.view.count(v).map_err(to_pyerr);
        }
        let mut n = 0;
        for item in MemoryIterator::new(slf, false)?.items(slf.py()) {
            if item?.bind(slf.py()).eq(value)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// `m.index(value, start=0, stop=sys.maxsize)` (3.14).
    #[pyo3(signature = (value, start = None, stop = None))]
    fn index(
        slf: &Bound<'_, Self>,
        value: &Bound<'_, PyAny>,
        start: Option<&Bound<'_, PyAny>>,
        stop: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        let start = start.map(slice_index_arg).transpose()?;
        let stop = stop.map(slice_index_arg).transpose()?;
        if let Some(v) = PyMemoryView::exact_value(value) {
            return slf
                .try_borrow()?
                .view
                .index(v, start, stop)
                .map_err(to_pyerr);
        }
        // Any other object: the crate's checks (released, 0-d, N-d) on an
        // empty range, then Python's `==` item by item.
        let n = {
            let me = slf.try_borrow()?;
            match me.view.index(Value::Bool(false), Some(0), Some(0)) {
                Err(e)
                    if e.kind() != bufproto::ErrorKind::ValueError
                        || e.message().contains("released") =>
                {
                    return Err(to_pyerr(e));
                }
                _ => {}
            }
            me.view.len().map_err(to_pyerr)?
        };
        let lo = start.unwrap_or(0);
        let lo = usize::try_from(if lo < 0 {
            lo.saturating_add_unsigned(n)
        } else {
            lo
        })
        .unwrap_or(0);
        let hi = stop.unwrap_or(isize::MAX);
        let hi = usize::try_from(if hi < 0 {
            hi.saturating_add_unsigned(n)
        } else {
            hi
        })
        .unwrap_or(0)
        .min(n);
        for i in lo..hi {
            let v = slf
                .try_borrow()?
                .view
                .get(isize::try_from(i).unwrap_or(isize::MAX))
                .map_err(to_pyerr)?;
            if value_to_py(slf.py(), &v)?.eq(value)? {
                return Ok(i);
            }
        }
        Err(PyValueError::new_err("memoryview.index(x): x not found"))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let released = slf.try_borrow()?.view.is_released();
        let what = if released {
            "released memory"
        } else {
            "memory"
        };
        Ok(format!("<{what} at {:p}>", slf.as_ptr()))
    }

    /// Not picklable nor copyable, as the builtin: protocols 0 and 1 fail
    /// in `copyreg` ("'memoryview' object"), 2 and up in `object`'s
    /// default state for a variable-size C type ("memoryview objects").
    fn __reduce_ex__(&self, protocol: &Bound<'_, PyAny>) -> PyResult<()> {
        let p = convert::ssize_arg(protocol)?;
        Err(PyTypeError::new_err(if p >= 2 {
            "cannot pickle memoryview objects"
        } else {
            "cannot pickle 'memoryview' object"
        }))
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err("cannot pickle 'memoryview' object"))
    }
}

/// `iter(m)` / `reversed(m)` of a [`PyMemoryView`]: the crate's
/// [`Cursor`], handed the view at each step (no borrow is kept between
/// steps), so a release between steps is `ValueError`, as in CPython.
#[pyclass(name = "memory_iterator", module = "bufproto_py")]
pub struct MemoryIterator {
    /// `None` once exhausted: the iterator lets go of its view.
    seq: Option<Py<PyMemoryView>>,
    cursor: Cursor,
}

impl MemoryIterator {
    /// The crate's `iter` (3.14's `memory_iter` checks) or `reversed`
    /// (the sequence protocol: `len(m)` now, `m[i]`'s errors at each step).
    fn new(seq: &Bound<'_, PyMemoryView>, reverse: bool) -> PyResult<MemoryIterator> {
        let cursor = {
            let me = seq.try_borrow()?;
            let items = if reverse {
                me.view.reversed()
            } else {
                me.view.iter()
            };
            items.map_err(to_pyerr)?.into_cursor()
        };
        Ok(MemoryIterator {
            seq: Some(seq.clone().unbind()),
            cursor,
        })
    }

    /// The next item, or `None` at the end (the iterator then lets go).
    fn step(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let Some(seq) = &self.seq else {
            return Ok(None);
        };
        let next = self.cursor.next_of(&seq.bind(py).try_borrow()?.view);
        match next {
            None => {
                self.seq = None;
                Ok(None)
            }
            Some(v) => Ok(Some(value_to_py(py, &v.map_err(to_pyerr)?)?.unbind())),
        }
    }

    /// The items as a Rust iterator (for `count`).
    fn items(mut self, py: Python<'_>) -> impl Iterator<Item = PyResult<Py<PyAny>>> + '_ {
        std::iter::from_fn(move || self.step(py).transpose())
    }
}

#[pymethods]
impl MemoryIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.step(py)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(s) = &self.seq {
            visit.call(s)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.seq = None;
    }
}
