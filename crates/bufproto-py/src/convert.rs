//! Python arguments to Rust values, with CPython's exceptions and messages.
//!
//! Every conversion here may run Python code (`__index__`, `__iter__`,
//! `__float__`, a generator), and that code may release or request a
//! buffer of the very object being called. So the classes convert all their
//! arguments *first*, and only then borrow the Rust object, for pure Rust
//! work: a borrow is never held while Python code runs.

use bufproto::Value;
use pyo3::exceptions::{PyMemoryError, PyOverflowError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PySlice, PyString, PyTuple};

/// `type(obj).__name__`, for messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// Whether `obj` has `__index__` (`PyIndex_Check`).
fn has_index(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: PyIndex_Check reads the type slots of a live object.
    unsafe { ffi::PyIndex_Check(obj.as_ptr()) == 1 }
}

/// Whether `obj` is a number (`PyNumber_Check`: `__index__`, `__int__`,
/// `__float__` or a complex).
fn is_number(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: PyNumber_Check reads the type slots of a live object.
    unsafe { ffi::PyNumber_Check(obj.as_ptr()) == 1 }
}

/// A sequence index as CPython's `*_subscript` functions convert it:
/// `PyNumber_AsSsize_t(key, PyExc_IndexError)`, so an int too large is
/// `IndexError: cannot fit 'int' into an index-sized integer`; a non-index
/// is `TypeError: {what}` with the type's name appended when `what` ends in
/// "not" (bytes, bytearray) or alone (array).
pub(crate) fn index_arg(key: &Bound<'_, PyAny>, what: &str) -> PyResult<isize> {
    if !has_index(key) {
        let msg = if what.ends_with("not") {
            format!("{what} {}", type_name(key))
        } else {
            what.to_string()
        };
        return Err(PyTypeError::new_err(msg));
    }
    // SAFETY: `key` is alive; the exception type is a static CPython object.
    let i = unsafe { ffi::PyNumber_AsSsize_t(key.as_ptr(), ffi::PyExc_IndexError) };
    match PyErr::take(key.py()) {
        Some(e) if i == -1 => Err(e),
        _ => Ok(i),
    }
}

/// `(start, stop, step)` of a slice as `PySlice_Unpack` gives them:
/// `None` filled in, huge bounds clamped to `Py_ssize_t`, a zero step
/// refused (`ValueError: slice step cannot be zero`).
pub(crate) fn slice_arg(s: &Bound<'_, PySlice>) -> PyResult<(isize, isize, isize)> {
    let (mut start, mut stop, mut step) = (0, 0, 0);
    // SAFETY: `s` is a live slice; the three out-pointers are locals.
    let rc = unsafe { ffi::PySlice_Unpack(s.as_ptr(), &mut start, &mut stop, &mut step) };
    if rc < 0 {
        return Err(PyErr::fetch(s.py()));
    }
    Ok((start, stop, step))
}

/// The slice parts as the crate takes them.
pub(crate) type SliceParts = (Option<isize>, Option<isize>, Option<isize>);

/// [`slice_arg`] in the crate's form.
pub(crate) fn slice_parts(s: &Bound<'_, PySlice>) -> PyResult<SliceParts> {
    let (a, b, c) = slice_arg(s)?;
    Ok((Some(a), Some(b), Some(c)))
}

/// A byte value as `bytearray` converts it (`_getbytevalue`): any
/// `__index__` (its exceptions propagate), else `TypeError: '{type}' object
/// cannot be interpreted as an integer`. Ints outside `i64` become
/// `i64::MIN`/`MAX`, which the crate refuses with the same
/// `ValueError: byte must be in range(0, 256)` CPython gives.
pub(crate) fn byte_arg(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    Ok(saturate_i64(index_value(obj)?))
}

/// `operator.index(obj)` as an `i128`, saturated (no C type is wider than
/// 64 bits, so every int past `i128` fails as `i128::MAX` does).
fn index_value(obj: &Bound<'_, PyAny>) -> PyResult<i128> {
    let i = operator_index(obj)?.cast_into::<PyInt>()?;
    match i.extract::<i128>() {
        Ok(v) => Ok(v),
        Err(_) => Ok(if i.lt(0)? { i128::MIN } else { i128::MAX }),
    }
}

/// `PyNumber_Index(obj)`: its exact exceptions (a `TypeError` naming the
/// type, or whatever `__index__` raised).
fn operator_index<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `obj` is alive; PyNumber_Index returns a new reference or
    // NULL with an exception set.
    unsafe {
        let p = ffi::PyNumber_Index(obj.as_ptr());
        Bound::from_owned_ptr_or_err(obj.py(), p)
    }
}

fn saturate_i64(i: i128) -> i64 {
    i64::try_from(i).unwrap_or(if i < 0 { i64::MIN } else { i64::MAX })
}

/// The content of `bytearray(obj)` (a buffer, an int, an iterable of ints),
/// with `bytearray`'s own errors.
pub(crate) fn bytearray_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let b = obj
        .py()
        .get_type::<pyo3::types::PyByteArray>()
        .call1((obj,))?;
    Ok(b.cast_into::<pyo3::types::PyByteArray>()?.to_vec())
}

/// The content of `bytes(obj)`, with `bytes`' own errors.
pub(crate) fn bytes_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let b = obj.py().get_type::<PyBytes>().call1((obj,))?;
    Ok(b.cast_into::<PyBytes>()?.as_bytes().to_vec())
}

/// The bytes `ba[a:b] = values` assigns: `bytearray_ass_subscript` refuses
/// numbers and strings first, then takes `bytearray(values)`.
pub(crate) fn assigned_bytes(values: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if is_number(values) || values.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "can assign only bytes, buffers, or iterables of ints in range(0, 256)",
        ));
    }
    bytearray_of(values)
}

/// The bytes `ba.extend(obj)` appends (`bytearray_extend`): a buffer's
/// bytes, or the items of an iterable, each a byte value; a non-iterable is
/// `TypeError: can't extend bytearray with {type}`.
pub(crate) fn extended_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if crate::has_buffer(obj) {
        // the buffer's bytes, as bytearray_setslice takes them (not `__bytes__`)
        return bytearray_of(obj);
    }
    let iter = obj.try_iter().map_err(|e| {
        if e.is_instance_of::<PyTypeError>(obj.py()) {
            PyTypeError::new_err(format!("can't extend bytearray with {}", type_name(obj)))
        } else {
            e
        }
    })?;
    let mut out = Vec::new();
    for item in iter {
        let v = byte_arg(&item?)?;
        let b =
            u8::try_from(v).map_err(|_| PyValueError::new_err("byte must be in range(0, 256)"))?;
        out.try_reserve(1).map_err(|_| PyMemoryError::new_err(()))?;
        out.push(b);
    }
    Ok(out)
}

/// Where a Python value is to be stored: decides the `TypeError` for an
/// object that is neither int, float, bool nor bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target<'a> {
    /// An `array.array` of this typecode.
    Array(char),
    /// A memoryview item of this struct format.
    View(&'a str),
}

impl Target<'_> {
    fn wants_float(self) -> bool {
        let f = match self {
            Target::Array(c) => c,
            Target::View(f) => f
                .trim_start_matches(['@', '=', '<', '>', '!'])
                .chars()
                .next()
                .unwrap_or('B'),
        };
        matches!(f, 'f' | 'd' | 'e')
    }

    /// An int for a float target, converted by Python's `float(int)`:
    /// exact to the nearest double, however large the int (saturating it to
    /// `i128` first would store 2**127 for 2**200). Past the largest double,
    /// an array raises `float`'s own `OverflowError`, and a memoryview turns
    /// it into `ValueError`, as `pack_single`'s `fix_error_int` does.
    fn float_of_int(self, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
        match (obj.extract::<f64>(), self) {
            (Ok(f), _) => Ok(Value::Float(f)),
            (Err(e), Target::View(f)) if e.is_instance_of::<PyOverflowError>(obj.py()) => Err(
                PyValueError::new_err(format!("memoryview: invalid value for format '{f}'")),
            ),
            (Err(e), _) => Err(e),
        }
    }

    fn refuse(self, obj: &Bound<'_, PyAny>) -> PyErr {
        let t = type_name(obj);
        PyTypeError::new_err(match self {
            Target::View(f) => format!("memoryview: invalid type for format '{f}'"),
            Target::Array(_) if self.wants_float() => format!("must be real number, not {t}"),
            Target::Array(_) => format!("'{t}' object cannot be interpreted as an integer"),
        })
    }
}

/// A Python value as a crate [`Value`] for `target`, converted as CPython
/// converts it: `bool` and `bytes` as themselves, a `float` as a float, any
/// int for a float target as `float(int)`, any other `__index__` through it
/// (its exceptions propagate; ints past `i128` saturate, and the crate then
/// gives the overflow error CPython gives for any int past 64 bits),
/// `__float__` for a float target; for a
/// memoryview of format `?`, any object's truth value.
pub(crate) fn value_arg(obj: &Bound<'_, PyAny>, target: Target<'_>) -> PyResult<Value> {
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Target::View(f) = target
        && f.trim_start_matches(['@', '=', '<', '>', '!']) == "?"
    {
        return Ok(Value::Bool(obj.is_truthy()?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Bytes(b.as_bytes().to_vec()));
    }
    if target.wants_float() && obj.is_instance_of::<PyInt>() {
        return target.float_of_int(obj);
    }
    if has_index(obj) {
        return Ok(Value::Int(index_value(obj)?));
    }
    if target.wants_float() && obj.hasattr("__float__")? {
        return Ok(Value::Float(obj.extract::<f64>()?));
    }
    Err(target.refuse(obj))
}

/// A `shape` or `strides` argument as `_testbuffer.ndarray` takes it: a
/// list or tuple (`TypeError: {name} must be a list or a tuple`) of ints
/// (`ValueError: elements of {name} must be integers`), each fitting
/// `Py_ssize_t` (`OverflowError`, CPython's message).
pub(crate) fn ssize_list(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<isize>> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = obj.cast::<PyList>() {
        l.iter().collect()
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        t.iter().collect()
    } else {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a list or a tuple"
        )));
    };
    items
        .iter()
        .map(|x| {
            if !x.is_instance_of::<PyInt>() {
                return Err(PyValueError::new_err(format!(
                    "elements of {name} must be integers"
                )));
            }
            ssize_arg(x)
        })
        .collect()
}

/// `shape` as `_testbuffer.ndarray` takes it: [`ssize_list`], then every
/// element `>= 0` (`ValueError: elements of shape must be integers >= 0`).
pub(crate) fn shape_arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    ssize_list(obj, "shape")?
        .into_iter()
        .map(|n| {
            usize::try_from(n)
                .map_err(|_| PyValueError::new_err("elements of shape must be integers >= 0"))
        })
        .collect()
}

/// An index-sized argument of a method such as `pop(index)`, as the
/// argument clinic converts it: `PyLong_AsSsize_t(PyNumber_Index(obj))`,
/// so too large an int is `OverflowError: Python int too large to convert
/// to C ssize_t`.
pub(crate) fn ssize_arg(obj: &Bound<'_, PyAny>) -> PyResult<isize> {
    let i = operator_index(obj)?;
    // SAFETY: `i` is a live int (PyNumber_Index returned it).
    let v = unsafe { ffi::PyLong_AsSsize_t(i.as_ptr()) };
    match PyErr::take(obj.py()) {
        Some(e) if v == -1 => Err(e),
        _ => Ok(v),
    }
}
