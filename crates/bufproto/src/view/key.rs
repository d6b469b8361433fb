//! Python's subscript keys: `m[key]`, `m[key] = value` and `del m[key]`
//! with the dispatch and the errors of CPython's `memory_subscript` and
//! `memory_ass_sub`, on top of [`MemoryView::get`], [`MemoryView::slice`],
//! [`MemoryView::get_at`] and their setters.

use super::MemoryView;
use crate::error::{Error, ErrorKind, Result};
use crate::format::{self, Value};

/// A subscript key as CPython's `memory_subscript` tells keys apart, with
/// its integers already converted (`PyNumber_AsSsize_t`). Building one is
/// the caller's part; which key means what on which view, and every error,
/// is [`MemoryView::get_key`]'s and [`MemoryView::set_key`]'s.
///
/// ```
/// use bufproto::{Bytes, Key, MemoryView, Selection, Value};
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
/// assert!(matches!(m.get_key(&Key::Index(-1))?, Selection::Value(Value::Int(99))));
/// let Selection::View(s) = m.get_key(&Key::Slice(Some(1), None, None))? else { unreachable!() };
/// assert_eq!(s.tobytes()?.as_slice(), b"bc");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    /// `m[i]`: an `int` (or an object with `__index__`).
    Index(isize),
    /// `m[start:stop:step]`, each part `None` when not given.
    Slice(Option<isize>, Option<isize>, Option<isize>),
    /// `m[i, j, ...]`: a tuple of ints; `m[()]` is the empty one.
    Indices(Vec<isize>),
    /// `m[a:b, c:d]`: a non-empty tuple of slices (never supported, so
    /// their bounds are not needed).
    Slices,
    /// `m[...]`.
    Ellipsis,
    /// Any other key: a `float`, `None`, a tuple mixing ints and slices.
    Other,
}

/// What `m[key]` gives: an item, a new view (a slice), or the view itself
/// (`m[...]` of a 0-d view is `m`, the same object).
///
/// ```
/// use bufproto::{Bytes, Key, MemoryView, Selection};
/// # fn main() -> Result<(), bufproto::Error> {
/// let z = MemoryView::new(&Bytes::from(&b"a"[..]))?.cast_shape("B", &[])?;
/// assert!(matches!(z.get_key(&Key::Ellipsis)?, Selection::Same));
/// # Ok(()) }
/// ```
#[derive(Debug)]
// A view owns its layout and its hold on the memory (no allocation, which
// boxing the variant would bring back to every `m[a:b]`).
#[allow(clippy::large_enum_variant)]
pub enum Selection {
    /// An item of the view's format.
    Value(Value),
    /// A new view sharing the memory (`m[a:b]`).
    View(MemoryView),
    /// The view itself.
    Same,
}

fn zero_dim() -> Error {
    Error::type_error("invalid indexing of 0-dim memory")
}

fn invalid_key() -> Error {
    Error::type_error("memoryview: invalid slice key")
}

fn not_implemented(what: &'static str) -> Error {
    Error::new(ErrorKind::NotImplementedError, what)
}

const SUB_VIEWS: &str = "sub-views are not implemented";
const SLICE_ASSIGN: &str = "memoryview slice assignments are currently restricted to ndim = 1";

/// Whether `key` is one of the two keys of a 0-d view (`m[()]`, `m[...]`).
fn zero_dim_key(key: &Key) -> bool {
    match key {
        Key::Ellipsis => true,
        Key::Indices(v) => v.is_empty(),
        _ => false,
    }
}

impl MemoryView {
    /// `m[key]`, as `memory_subscript`: a 0-d view takes only `()` (its
    /// item) and `...` (itself); an index is [`get`](MemoryView::get), a
    /// slice [`slice`](MemoryView::slice), a tuple of ints
    /// [`get_at`](MemoryView::get_at). Cost: that of the call it makes:
    /// O(1) and no allocation for an index or a slice (a slice of a view
    /// of more than two dimensions copies its shape and strides), O(ndim) and one
    /// small `Vec` of positions for a tuple.
    ///
    /// # Errors
    ///
    /// `ValueError` when released; on a 0-d view, `TypeError: invalid
    /// indexing of 0-dim memory` for any other key; `NotImplementedError:
    /// multi-dimensional slicing is not implemented` for a tuple of slices;
    /// `TypeError: memoryview: invalid slice key` for [`Key::Other`] (and
    /// `...` of a view with dimensions); then the errors of the call made.
    ///
    /// ```
    /// use bufproto::{Bytes, Key, MemoryView, Selection, Value};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcdef"[..]))?.cast_shape("B", &[2, 3])?;
    /// assert!(matches!(m.get_key(&Key::Indices(vec![1, 0]))?, Selection::Value(Value::Int(100))));
    /// assert_eq!(m.get_key(&Key::Index(0)).unwrap_err().message(),
    ///            "multi-dimensional sub-views are not implemented");
    /// assert_eq!(m.get_key(&Key::Slices).unwrap_err().message(),
    ///            "multi-dimensional slicing is not implemented");
    /// let z = m.cast_shape("B", &[6])?.slice(None, Some(1), None)?.cast_shape("B", &[])?;
    /// assert!(matches!(z.get_key(&Key::Indices(vec![]))?, Selection::Value(Value::Int(97))));
    /// assert_eq!(z.get_key(&Key::Index(0)).unwrap_err().message(), "invalid indexing of 0-dim memory");
    /// # Ok(()) }
    /// ```
    pub fn get_key(&self, key: &Key) -> Result<Selection> {
        if self.ndim()? == 0 {
            return match key {
                Key::Ellipsis => Ok(Selection::Same),
                Key::Indices(v) if v.is_empty() => self.get_at(&[]).map(Selection::Value),
                _ => Err(zero_dim()),
            };
        }
        match key {
            Key::Index(i) => self.get(*i).map(Selection::Value),
            Key::Slice(a, b, c) => self.slice(*a, *b, *c).map(Selection::View),
            Key::Indices(v) => self.get_at(v).map(Selection::Value),
            Key::Slices => Err(not_implemented(
                "multi-dimensional slicing is not implemented",
            )),
            Key::Ellipsis | Key::Other => Err(invalid_key()),
        }
    }

    /// The checks of every write, before the key (`memory_ass_sub`'s
    /// first lines): the view is live, its format one the view can store
    /// (`adjust_fmt`), and it is writable. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError` when released; `NotImplementedError: memoryview:
    /// unsupported format <i`; `TypeError: cannot modify read-only memory`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// MemoryView::new(&ByteArray::zeroed(1)?)?.check_writable()?;
    /// let ro = MemoryView::new(&Bytes::zeroed(1)?)?;
    /// assert_eq!(ro.check_writable().unwrap_err().to_string(),
    ///            "TypeError: cannot modify read-only memory");
    /// # Ok(()) }
    /// ```
    pub fn check_writable(&self) -> Result<()> {
        format::adjust_fmt(self.format()?)?;
        if self.readonly()? {
            return Err(Error::read_only());
        }
        Ok(())
    }

    /// Every error `m[key] = value` raises before it looks at `value`, in
    /// `memory_ass_sub`'s order: [`check_writable`](MemoryView::check_writable),
    /// the key's dispatch, and for an index or a tuple of ints the bounds.
    /// A caller that must convert the value (running code that may fail)
    /// calls this first and [`set_key`](MemoryView::set_key) after, as
    /// CPython converts the value last. For a slice of a 1-D view only its
    /// kind is looked at (CPython takes the value's buffer before it reads
    /// the slice). Cost: O(ndim): one item is read to check the bounds (no
    /// allocation for an index; a tuple's positions are one small `Vec`).
    ///
    /// # Errors
    ///
    /// Those of [`set_key`](MemoryView::set_key) that come before the value.
    ///
    /// ```
    /// use bufproto::{ByteArray, Key, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&ByteArray::zeroed(2)?)?;
    /// m.check_set_key(&Key::Index(1))?;
    /// assert_eq!(m.check_set_key(&Key::Index(2)).unwrap_err().message(),
    ///            "index out of bounds on dimension 1");
    /// # Ok(()) }
    /// ```
    pub fn check_set_key(&self, key: &Key) -> Result<()> {
        self.check_writable()?;
        let ndim = self.ndim()?;
        if ndim == 0 {
            return if zero_dim_key(key) {
                Ok(())
            } else {
                Err(zero_dim())
            };
        }
        match key {
            Key::Index(_) if ndim > 1 => Err(not_implemented(SUB_VIEWS)),
            Key::Index(i) => self.get(*i).map(drop),
            Key::Slice(..) if ndim == 1 => Ok(()),
            Key::Indices(v) if v.len() < ndim => Err(not_implemented(SUB_VIEWS)),
            Key::Indices(v) => self.get_at(v).map(drop),
            Key::Slice(..) | Key::Slices => Err(not_implemented(SLICE_ASSIGN)),
            Key::Ellipsis | Key::Other => Err(invalid_key()),
        }
    }

    /// `m[key] = value`, as `memory_ass_sub`: `m[()]`/`m[...]` of a 0-d
    /// view, an index of a 1-D view, a full tuple of ints, or a slice of a
    /// 1-D view (then `value` must be bytes-like: a [`Value::Bytes`] of
    /// the slice's length; any exporter goes through
    /// [`set_slice_from`](MemoryView::set_slice_from)). Cost: O(ndim +
    /// itemsize); no allocation for an index, one small `Vec` of positions
    /// for a tuple; a slice copies its bytes.
    ///
    /// # Errors
    ///
    /// Those of [`check_set_key`](MemoryView::check_set_key), in its order
    /// (`NotImplementedError: sub-views are not implemented`,
    /// `NotImplementedError: memoryview slice assignments are currently
    /// restricted to ndim = 1`, `TypeError: memoryview: invalid slice key`,
    /// ...); then `TypeError: a bytes-like object is required, not 'int'`
    /// for a slice given a number; the format's errors of
    /// [`set`](MemoryView::set) and those of [`set_slice`](MemoryView::set_slice).
    ///
    /// ```
    /// use bufproto::{ByteArray, Key, MemoryView, Value};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::zeroed(4)?;
    /// let m = MemoryView::new(&ba)?;
    /// m.set_key(&Key::Index(0), 7)?;
    /// m.set_key(&Key::Slice(Some(2), None, None), Value::Bytes(b"xy".to_vec()))?;
    /// assert_eq!(ba.to_vec(), [7, 0, b'x', b'y']);
    /// assert_eq!(m.set_key(&Key::Slice(None, None, None), 1).unwrap_err().to_string(),
    ///            "TypeError: a bytes-like object is required, not 'int'");
    /// assert_eq!(m.cast_shape("B", &[2, 2])?.set_key(&Key::Index(0), 1).unwrap_err().message(),
    ///            "sub-views are not implemented");
    /// # Ok(()) }
    /// ```
    pub fn set_key(&self, key: &Key, value: impl Into<Value>) -> Result<()> {
        self.check_set_key(key)?;
        let value = value.into();
        if self.ndim()? == 0 {
            return self.set_at(&[], value);
        }
        match key {
            Key::Index(i) => self.set(*i, value),
            Key::Indices(v) => self.set_at(v, value),
            Key::Slice(a, b, c) => match value {
                Value::Bytes(src) => self.set_slice(*a, *b, *c, &src),
                other => Err(Error::type_error(format!(
                    "a bytes-like object is required, not '{}'",
                    match other {
                        Value::Int(_) => "int",
                        Value::Float(_) => "float",
                        _ => "bool",
                    }
                ))),
            },
            // refused by `check_set_key`; kept an error, never a panic
            Key::Slices | Key::Ellipsis | Key::Other => Err(invalid_key()),
        }
    }

    /// `del m[key]`: a view's memory cannot be deleted; the error comes
    /// after the checks of a write, as in `memory_ass_sub`. Cost: O(1).
    ///
    /// # Errors
    ///
    /// Always: those of [`check_writable`](MemoryView::check_writable),
    /// then `TypeError: cannot delete memory`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Key, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&ByteArray::zeroed(1)?)?;
    /// assert_eq!(m.del_key(&Key::Index(0)).unwrap_err().to_string(),
    ///            "TypeError: cannot delete memory");
    /// # Ok(()) }
    /// ```
    pub fn del_key(&self, _key: &Key) -> Result<()> {
        self.check_writable()?;
        Err(Error::type_error("cannot delete memory"))
    }
}
