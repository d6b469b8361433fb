//! Iteration over a view: `iter(m)`, `reversed(m)` and `x in m`, with
//! CPython 3.14's checks and errors (`memory_iter`, the sequence protocol
//! behind `reversed`, `_PySequence_IterSearch` behind `in`).

use super::MemoryView;
use crate::error::{Error, ErrorKind, Result};
use crate::format::{self, Value};

/// Where an iteration over a view stands, apart from the view: the next
/// position and the length fixed when the iteration began. A caller that
/// cannot keep a `&MemoryView` between steps (a Python iterator object,
/// which lets go of its view between `__next__` calls) keeps a `Cursor`
/// and hands it the view at each step; [`Iter`] is the same with the view
/// borrowed. Cost: two words, no allocation.
///
/// ```
/// use bufproto::{Bytes, MemoryView, Value};
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::from(&b"ab"[..]))?;
/// let mut cursor = m.iter()?.into_cursor();
/// assert_eq!(cursor.next_of(&m).transpose()?, Some(Value::Int(97)));
/// assert_eq!(cursor.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Cursor {
    /// Items taken so far.
    taken: usize,
    /// The length when the iteration began.
    len: usize,
    /// `reversed(m)`: from the last item to the first.
    reverse: bool,
}

impl Cursor {
    /// The next item of `view`, or `None` at the end. Each step reads the
    /// view again, so a view released meanwhile answers `ValueError`, as
    /// CPython's iterator does. Cost: one [`MemoryView::get`].
    ///
    /// # Errors
    ///
    /// `ValueError: operation forbidden on released memoryview object`;
    /// the item errors of [`MemoryView::get`] (`NotImplementedError:
    /// memoryview: format w not supported`, or for a reversed N-d view
    /// `NotImplementedError: multi-dimensional sub-views are not
    /// implemented`).
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut m = MemoryView::new(&ByteArray::from(&b"ab"[..]))?;
    /// let mut cursor = m.iter()?.into_cursor();
    /// m.release()?;
    /// assert_eq!(cursor.next_of(&m).unwrap().unwrap_err().message(),
    ///            "operation forbidden on released memoryview object");
    /// # Ok(()) }
    /// ```
    pub fn next_of(&mut self, view: &MemoryView) -> Option<Result<Value>> {
        if self.taken >= self.len {
            return None;
        }
        let pos = if self.reverse {
            self.len - 1 - self.taken
        } else {
            self.taken
        };
        self.taken += 1;
        Some(
            isize::try_from(pos)
                .map_err(|_| Error::size_overflow())
                .and_then(|i| view.get(i)),
        )
    }

    /// Items still to come. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
    /// assert_eq!(m.reversed()?.into_cursor().len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> usize {
        self.len - self.taken.min(self.len)
    }

    /// Whether the iteration is over. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::default())?;
    /// assert!(m.iter()?.into_cursor().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `iter(m)` or `reversed(m)`: the items of a view as [`Value`]s, each a
/// `Result` (a step can fail: see [`Cursor::next_of`]). Made by
/// [`MemoryView::iter`] and [`MemoryView::reversed`]. Cost: one
/// [`MemoryView::get`] per item, no allocation (but a `c` item's
/// [`Value::Bytes`] is a one-byte `Vec`).
///
/// ```
/// use bufproto::{Bytes, MemoryView, Value};
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::from(&b"ab"[..]))?;
/// let items: Vec<Value> = m.iter()?.collect::<Result<_, _>>()?;
/// assert_eq!(items, [Value::Int(97), Value::Int(98)]);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Iter<'a> {
    view: &'a MemoryView,
    cursor: Cursor,
}

impl Iter<'_> {
    /// The position of this iteration without the borrow of the view.
    /// Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"ab"[..]))?;
    /// let mut it = m.iter()?;
    /// it.next();
    /// assert_eq!(it.into_cursor().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn into_cursor(self) -> Cursor {
        self.cursor
    }
}

impl Iterator for Iter<'_> {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Result<Value>> {
        self.cursor.next_of(self.view)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.cursor.len(), Some(self.cursor.len()))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl MemoryView {
    /// `iter(m)` (3.14's `memory_iter`): the items of a 1-D view, front to
    /// back. The view is checked once here; each step then reads one item.
    /// Cost: O(1) to start, one [`get`](MemoryView::get) per item.
    ///
    /// # Errors
    ///
    /// `ValueError` when released; `TypeError: invalid indexing of 0-dim
    /// memory`; `NotImplementedError: multi-dimensional sub-views are not
    /// implemented`; `NotImplementedError: memoryview: unsupported format
    /// <i`. A one-character format that is not native (`w`) is accepted
    /// here and refused by each step, as in CPython.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcdef"[..]))?;
    /// assert_eq!(m.iter()?.count(), 6);
    /// assert_eq!(m.cast_shape("B", &[2, 3])?.iter().unwrap_err().to_string(),
    ///            "NotImplementedError: multi-dimensional sub-views are not implemented");
    /// assert_eq!(m.slice(None, Some(4), None)?.cast_shape("i", &[])?.iter().unwrap_err().to_string(),
    ///            "TypeError: invalid indexing of 0-dim memory");
    /// # Ok(()) }
    /// ```
    pub fn iter(&self) -> Result<Iter<'_>> {
        match self.ndim()? {
            0 => return Err(Error::type_error("invalid indexing of 0-dim memory")),
            1 => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::NotImplementedError,
                    "multi-dimensional sub-views are not implemented",
                ));
            }
        }
        format::adjust_fmt(self.format()?)?;
        self.walk(false)
    }

    /// `reversed(m)`: the sequence protocol, as CPython runs it for a
    /// view (which has no `__reversed__`): the length now, then `m[i]` from
    /// the last position to the first, with `m[i]`'s errors at each step.
    /// Cost: O(1) to start, one [`get`](MemoryView::get) per item.
    ///
    /// # Errors
    ///
    /// As [`len`](MemoryView::len): `ValueError` when released, `TypeError:
    /// 0-dim memory has no length`. An N-d view starts, and its first step
    /// fails with `NotImplementedError: multi-dimensional sub-views are not
    /// implemented`.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView, Value};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
    /// assert_eq!(m.reversed()?.next().transpose()?, Some(Value::Int(99)));
    /// let nd = m.cast_shape("B", &[1, 3])?;
    /// assert_eq!(nd.reversed()?.next().unwrap().unwrap_err().message(),
    ///            "multi-dimensional sub-views are not implemented");
    /// # Ok(()) }
    /// ```
    pub fn reversed(&self) -> Result<Iter<'_>> {
        self.walk(true)
    }

    fn walk(&self, reverse: bool) -> Result<Iter<'_>> {
        Ok(Iter {
            view: self,
            cursor: Cursor {
                taken: 0,
                len: self.len()?,
                reverse,
            },
        })
    }

    /// The iteration behind `x in m`: that of [`iter`](MemoryView::iter),
    /// whose `TypeError` for a 0-d view 3.14's `in` reports as `TypeError:
    /// argument of type 'memoryview' is not a container or iterable`. For
    /// a caller that compares the items itself (with an equality of its
    /// own); [`contains`](MemoryView::contains) compares [`Value`]s. Cost:
    /// as [`iter`](MemoryView::iter).
    ///
    /// # Errors
    ///
    /// As [`iter`](MemoryView::iter), with the `TypeError` above.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcd"[..]))?;
    /// assert_eq!(m.contains_iter()?.len(), 4);
    /// assert_eq!(m.cast_shape("i", &[])?.contains_iter().unwrap_err().message(),
    ///            "argument of type 'memoryview' is not a container or iterable");
    /// # Ok(()) }
    /// ```
    pub fn contains_iter(&self) -> Result<Iter<'_>> {
        self.iter().map_err(|e| {
            if e.kind() == ErrorKind::TypeError {
                Error::type_error("argument of type 'memoryview' is not a container or iterable")
            } else {
                e
            }
        })
    }

    /// `value in m`: whether an item equals `value` (Python's `==`, as
    /// [`Value`]'s `PartialEq`), by iteration, stopping at the first.
    /// Cost: O(position of the first match), no allocation (as
    /// [`Iter`]).
    ///
    /// # Errors
    ///
    /// Those of [`contains_iter`](MemoryView::contains_iter), then those
    /// of each step ([`Cursor::next_of`]).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?;
    /// assert!(m.contains(98)? && m.contains(98.0)? && !m.contains(300)?);
    /// assert_eq!(m.cast_shape("B", &[1, 3])?.contains(1).unwrap_err().message(),
    ///            "multi-dimensional sub-views are not implemented");
    /// # Ok(()) }
    /// ```
    pub fn contains(&self, value: impl Into<Value>) -> Result<bool> {
        let items = self.contains_iter()?;
        let value = value.into();
        for item in items {
            if item? == value {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
