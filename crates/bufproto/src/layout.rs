//! Shapes, strides and slices: pure functions, values in and values out.
//!
//! A view's *layout* says where each item lives in the exporter's memory:
//!
//! ```text
//! byte offset of item (i0, i1, ...) = offset + i0*strides[0] + i1*strides[1] + ...
//! ```
//!
//! Strides are `isize` and may be negative (`m[::-1]` has stride -1). The
//! format is stored as a string beside its item size (`"B"`, 1; `"<i"`, 4):
//! the layout does not interpret it (see [`format`](crate::format)). A
//! 0-dimensional layout (shape `[]`) has exactly one item, at `offset`.
//! An indirect (PIL-style) layout also has
//! [`suboffsets`](Layout::suboffsets): there the formula stops at each
//! pointer stored in the memory, which only the memory can follow.
//!
//! All arithmetic here is checked: a computation that would overflow returns
//! `None` or an error instead of wrapping or panicking.
//!
//! The free functions that reproduce CPython internals for the book's
//! chapters and for the Python bridge (`adjust_slice` and its
//! `SliceIndices`, `normalize_index`, `equiv_shape`, `c_strides`,
//! `f_strides`, `is_c_contiguous`, `is_f_contiguous`) stay public, so the
//! book's examples can call them, but are hidden from these docs: they are
//! not the crate's API ([`Layout`] is) and may change with the chapters.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::error::{Error, Result, try_vec};
use crate::format::static_native;

/// `PyBUF_MAX_NDIM`: the most dimensions a view may have.
pub const MAX_NDIM: usize = 64;

/// Strides of a C-contiguous (row-major) array, `None` on overflow, as
/// CPython's `init_strides_from_shape` computes them: a zero in the shape
/// makes every stride before it 0. Cost: O(ndim).
///
/// ```
/// use bufproto::layout::c_strides;
/// assert_eq!(c_strides(&[2, 3, 4], 1), Some(vec![12, 4, 1]));
/// assert_eq!(c_strides(&[1 << 62, 2], 1), Some(vec![2, 1]));
/// assert_eq!(c_strides(&[2, 1 << 62, 2], 1), None); // 2**63 overflows
/// assert_eq!(c_strides(&[2, 0], 1), Some(vec![0, 1]));
/// ```
#[doc(hidden)]
pub fn c_strides(shape: &[usize], itemsize: usize) -> Option<Vec<isize>> {
    let mut st = vec![0isize; shape.len()];
    let mut sd = isize::try_from(itemsize).ok()?;
    for i in (0..shape.len()).rev() {
        st[i] = sd;
        // The product past the outermost dimension is no stride: not
        // computed, so [2**62, 4, 0] (no items) gets its strides.
        if i > 0 {
            sd = sd.checked_mul(isize::try_from(shape[i]).ok()?)?;
        }
    }
    Some(st)
}

/// Strides of a Fortran-contiguous (column-major) array, `None` on
/// overflow. Cost: O(ndim).
///
/// ```
/// use bufproto::layout::f_strides;
/// assert_eq!(f_strides(&[2, 3, 4], 1), Some(vec![1, 2, 6]));
/// assert_eq!(f_strides(&[2, 1 << 62], 1), Some(vec![1, 2]));
/// ```
#[doc(hidden)]
pub fn f_strides(shape: &[usize], itemsize: usize) -> Option<Vec<isize>> {
    let mut st = vec![0isize; shape.len()];
    let mut sd = isize::try_from(itemsize).ok()?;
    let last = shape.len().saturating_sub(1);
    for i in 0..shape.len() {
        st[i] = sd;
        // As in `c_strides`: no product past the outermost dimension.
        if i < last {
            sd = sd.checked_mul(isize::try_from(shape[i]).ok()?)?;
        }
    }
    Some(st)
}

/// A normalised slice, as `PySlice_Unpack` + `PySlice_AdjustIndices` leave it.
///
/// `start` may be `-1` and `stop` may be `-1` for negative steps (one before
/// the first item); `len` is the number of selected items.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SliceIndices {
    /// Index of the first selected item (meaningful only when `len > 0`).
    pub start: isize,
    /// Index one step past the last selected item.
    pub stop: isize,
    /// The step, never zero.
    pub step: isize,
    /// Number of selected items (`slicelength`).
    pub len: usize,
}

/// Normalises `seq[start:stop:step]` for a sequence of `len` items, exactly
/// like CPython's `PySlice_Unpack` followed by `PySlice_AdjustIndices`:
/// missing parts get their defaults, negative indices count from the end, and
/// out-of-range indices are clamped (never an error). Cost: O(1).
///
/// # Errors
///
/// `ValueError: slice step cannot be zero` when `step == Some(0)`.
///
/// ```
/// use bufproto::layout::{adjust_slice, SliceIndices};
/// # fn main() -> Result<(), bufproto::Error> {
/// // "abcdef"[::-2] selects f, d, b
/// assert_eq!(adjust_slice(6, None, None, Some(-2))?,
///            SliceIndices { start: 5, stop: -1, step: -2, len: 3 });
/// // clamping: "abc"[-10:10] is the whole thing
/// assert_eq!(adjust_slice(3, Some(-10), Some(10), None)?.len, 3);
/// assert_eq!(adjust_slice(3, None, None, Some(0)).unwrap_err().to_string(),
///            "ValueError: slice step cannot be zero");
/// # Ok(()) }
/// ```
#[doc(hidden)]
pub fn adjust_slice(
    len: usize,
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
) -> Result<SliceIndices> {
    let len = isize::try_from(len).map_err(|_| Error::size_overflow())?;
    let mut step = step.unwrap_or(1);
    if step == 0 {
        return Err(Error::value_error("slice step cannot be zero"));
    }
    // PySlice_Unpack: keep -step from overflowing.
    if step < -isize::MAX {
        step = -isize::MAX;
    }
    let start = start.unwrap_or(if step < 0 { isize::MAX } else { 0 });
    let stop = stop.unwrap_or(if step < 0 { isize::MIN } else { isize::MAX });
    let adjust = |i: isize| -> isize {
        if i < 0 {
            // i + len cannot overflow: i < 0 <= len.
            let j = i + len;
            if j < 0 {
                if step < 0 { -1 } else { 0 }
            } else {
                j
            }
        } else if i >= len {
            if step < 0 { len - 1 } else { len }
        } else {
            i
        }
    };
    let start = adjust(start);
    let stop = adjust(stop);
    // Both are in -1..=len, so the differences below cannot overflow.
    let n = if step == 1 {
        // The common `m[a:b]`, without a division.
        (stop - start).max(0)
    } else if step < 0 {
        if stop < start {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    Ok(SliceIndices {
        start,
        stop,
        step,
        len: n as usize,
    })
}

/// Turns a possibly negative Python index into a position in `0..len`, or
/// `None` if it is out of range. Cost: O(1).
///
/// ```
/// use bufproto::layout::normalize_index;
/// assert_eq!(normalize_index(-1, 3), Some(2));
/// assert_eq!(normalize_index(3, 3), None);
/// assert_eq!(normalize_index(isize::MIN, 3), None);
/// ```
#[doc(hidden)]
pub fn normalize_index(index: isize, len: usize) -> Option<usize> {
    if index < 0 {
        let back = index.unsigned_abs();
        len.checked_sub(back)
    } else {
        let i = index as usize;
        (i < len).then_some(i)
    }
}

/// CPython's `equiv_shape`: same number of dimensions and equal shapes up
/// to the first zero (shapes `[1, 0, 5]` and `[1, 0, 7]` are equivalent).
/// Cost: O(ndim).
///
/// ```
/// use bufproto::layout::equiv_shape;
/// assert!(equiv_shape(&[1, 0, 5], &[1, 0, 7]));
/// assert!(!equiv_shape(&[2], &[2, 1]));
/// ```
#[doc(hidden)]
pub fn equiv_shape(a: &[usize], b: &[usize]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return false;
        }
        if *x == 0 {
            break;
        }
    }
    true
}

/// Whether items laid out with `shape`/`strides` are C-contiguous (row
/// major), as CPython's `PyBuffer_IsContiguous(view, 'C')` decides: an empty
/// buffer is contiguous, and dimensions of length 1 may have any stride.
/// Cost: O(ndim).
///
/// ```
/// use bufproto::layout::is_c_contiguous;
/// assert!(is_c_contiguous(&[2, 3], &[3, 1], 1));
/// assert!(!is_c_contiguous(&[2, 3], &[1, 2], 1));
/// assert!(is_c_contiguous(&[0], &[2], 1)); // empty
/// ```
#[doc(hidden)]
pub fn is_c_contiguous(shape: &[usize], strides: &[isize], itemsize: usize) -> bool {
    contiguous_in(shape, strides, itemsize, shape.len(), true)
}

/// Whether items are Fortran-contiguous (column major), as
/// `PyBuffer_IsContiguous(view, 'F')` decides. Cost: O(ndim).
///
/// ```
/// use bufproto::layout::is_f_contiguous;
/// assert!(is_f_contiguous(&[2, 3], &[1, 2], 1));
/// assert!(!is_f_contiguous(&[2, 3], &[3, 1], 1));
/// ```
#[doc(hidden)]
pub fn is_f_contiguous(shape: &[usize], strides: &[isize], itemsize: usize) -> bool {
    contiguous_in(shape, strides, itemsize, shape.len(), false)
}

fn contiguous_in(
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    ndim: usize,
    c: bool,
) -> bool {
    if strides.len() != ndim {
        return false;
    }
    if shape.contains(&0) {
        return true;
    }
    let Ok(mut sd) = isize::try_from(itemsize) else {
        return false;
    };
    // No allocation (a boxed iterator here cost `tobytes(order='A')` one).
    for i in (0..ndim).map(|k| if c { ndim - 1 - k } else { k }) {
        let dim = shape[i];
        if dim > 1 && strides[i] != sd {
            return false;
        }
        let Ok(d) = isize::try_from(dim) else {
            return false;
        };
        let Some(next) = sd.checked_mul(d) else {
            return false;
        };
        sd = next;
    }
    true
}

/// Where a view's items live: offset of the first item, item size and
/// format, shape and strides (in bytes). Cost of every accessor: O(1).
///
/// ```
/// use bufproto::layout::Layout;
/// # fn main() -> Result<(), bufproto::Error> {
/// let l = Layout::bytes(5);
/// assert_eq!((l.ndim(), l.shape(), l.strides()), (1, &[5][..], &[1][..]));
/// let rev = l.slice(None, None, Some(-2))?; // items 4, 2, 0
/// assert_eq!(rev.offset(), 4);
/// assert_eq!(rev.strides(), &[-2]);
/// assert_eq!(rev.item_offsets()?, vec![4, 2, 0]);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    offset: isize,
    itemsize: usize,
    format: Format,
    shape: Dims<usize>,
    strides: Dims<isize>,
    /// PIL-style suboffsets, one per dimension (`None`: a direct layout,
    /// `view->suboffsets == NULL`). Followed by [`indirect`](crate::indirect).
    suboffsets: Option<Arc<[isize]>>,
}

/// How many dimensions a layout keeps inline, without a heap allocation:
/// creating, slicing and cloning a 1-D or 2-D layout allocates nothing.
const INLINE_DIMS: usize = 2;

/// Shape or strides: up to [`INLINE_DIMS`] values inline, more on the heap.
/// Unused inline slots stay at their default, so derived equality holds.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Dims<T> {
    Inline(u8, [T; INLINE_DIMS]),
    Heap(Box<[T]>),
}

impl<T: Copy + Default> Dims<T> {
    fn one(v: T) -> Dims<T> {
        let mut a = [T::default(); INLINE_DIMS];
        a[0] = v;
        Dims::Inline(1, a)
    }
}

impl<T: Copy> Dims<T> {
    /// A copy with the first value replaced by `v` (a slice's new extent
    /// or stride), without going through the slice views of `Deref`; a
    /// `Dims` without values stays empty.
    #[inline]
    fn with_first(&self, v: T) -> Dims<T> {
        match self {
            Dims::Inline(n, a) => {
                let mut a = *a;
                if *n > 0 {
                    a[0] = v;
                }
                Dims::Inline(*n, a)
            }
            Dims::Heap(b) => {
                let mut b = b.clone();
                if let Some(x) = b.first_mut() {
                    *x = v;
                }
                Dims::Heap(b)
            }
        }
    }
}

impl<T: Copy + Default> Dims<T> {
    fn from_slice(v: &[T]) -> Dims<T> {
        if v.len() <= INLINE_DIMS {
            let mut a = [T::default(); INLINE_DIMS];
            a[..v.len()].copy_from_slice(v);
            Dims::Inline(v.len() as u8, a)
        } else {
            Dims::Heap(v.into())
        }
    }
}

impl<T: Copy + Default> From<Vec<T>> for Dims<T> {
    fn from(v: Vec<T>) -> Dims<T> {
        if v.len() <= INLINE_DIMS {
            let mut a = [T::default(); INLINE_DIMS];
            a[..v.len()].copy_from_slice(&v);
            Dims::Inline(v.len() as u8, a)
        } else {
            Dims::Heap(v.into_boxed_slice())
        }
    }
}

impl<T> Deref for Dims<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Dims::Inline(n, a) => &a[..usize::from(*n)],
            Dims::Heap(b) => b,
        }
    }
}

impl<T> DerefMut for Dims<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Dims::Inline(n, a) => &mut a[..usize::from(*n)],
            Dims::Heap(b) => b,
        }
    }
}

/// A format string that clones without allocating: the native formats
/// (`"B"`, `"@i"`, ...) are `'static`, anything else is shared.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Format {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Format {
    fn new(f: String) -> Format {
        match static_native(&f) {
            Some(s) => Format::Static(s),
            None => Format::Shared(Arc::from(f)),
        }
    }

    fn of(f: &str) -> Format {
        match static_native(f) {
            Some(s) => Format::Static(s),
            None => Format::Shared(Arc::from(f)),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Format::Static(s) => s,
            Format::Shared(s) => s,
        }
    }
}

impl Layout {
    /// A 1-D layout of `n` unsigned bytes (format `"B"`) starting at offset 0.
    ///
    /// ```
    /// let l = bufproto::layout::Layout::bytes(3);
    /// assert_eq!((l.format(), l.itemsize(), l.nbytes()), ("B", 1, Some(3)));
    /// ```
    pub fn bytes(n: usize) -> Layout {
        Layout {
            offset: 0,
            itemsize: 1,
            format: Format::Static("B"),
            shape: Dims::one(n),
            strides: Dims::one(1),
            suboffsets: None,
        }
    }

    /// A layout from its parts: offset of the first item, item size and
    /// `struct` format, shape and strides in bytes (any sign). Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `ValueError: memoryview: number of dimensions must not exceed 64`;
    /// `ValueError: shape and strides must have the same length`;
    /// `ValueError: itemsize must be positive`.
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let l = Layout::new(0, 2, "h", vec![2, 3], vec![2, 4])?; // Fortran order
    /// assert!(l.f_contiguous() && !l.c_contiguous());
    /// # Ok(()) }
    /// ```
    pub fn new(
        offset: isize,
        itemsize: usize,
        format: impl Into<String>,
        shape: Vec<usize>,
        strides: Vec<isize>,
    ) -> Result<Layout> {
        if shape.len() > MAX_NDIM {
            return Err(Error::value_error(
                "memoryview: number of dimensions must not exceed 64",
            ));
        }
        if shape.len() != strides.len() {
            return Err(Error::value_error(
                "shape and strides must have the same length",
            ));
        }
        if itemsize == 0 {
            return Err(Error::value_error("itemsize must be positive"));
        }
        Ok(Layout {
            offset,
            itemsize,
            format: Format::new(format.into()),
            shape: shape.into(),
            strides: strides.into(),
            suboffsets: None,
        })
    }

    /// A C-contiguous layout of `shape` starting at `offset`, as
    /// `init_strides_from_shape` builds it. Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// As [`Layout::new`]; `OverflowError` if a stride overflows.
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Layout::c_order(0, 4, "i", vec![2, 3])?.strides(), &[12, 4]);
    /// # Ok(()) }
    /// ```
    pub fn c_order(
        offset: isize,
        itemsize: usize,
        format: impl Into<String>,
        shape: Vec<usize>,
    ) -> Result<Layout> {
        let strides = c_strides(&shape, itemsize).ok_or_else(Error::size_overflow)?;
        Layout::new(offset, itemsize, format, shape, strides)
    }

    /// [`Layout::bytes`]`(n)` starting at byte `offset`, built in one go
    /// (what a view of a `bytes` or `bytearray` starts from).
    #[inline(always)]
    pub(crate) fn bytes_from(offset: isize, n: usize) -> Layout {
        Layout {
            offset,
            itemsize: 1,
            format: Format::Static("B"),
            shape: Dims::one(n),
            strides: Dims::one(1),
            suboffsets: None,
        }
    }

    /// [`Layout::bytes`]`(n)` starting at byte `start`, without the clone
    /// that `shifted` makes. `None` if `start` does not fit `isize`.
    #[inline]
    pub(crate) fn bytes_at(start: usize, n: usize) -> Option<Layout> {
        let mut l = Layout::bytes(n);
        l.offset = isize::try_from(start).ok()?;
        Some(l)
    }

    /// [`Layout::c_order`] from borrowed parts: no allocation for a 1-D or
    /// 2-D shape and a native format (what `cast` builds).
    pub(crate) fn c_order_of(
        offset: isize,
        itemsize: usize,
        format: &str,
        shape: &[usize],
    ) -> Result<Layout> {
        if shape.len() > INLINE_DIMS {
            return Layout::c_order(offset, itemsize, format, shape.to_vec());
        }
        if itemsize == 0 {
            return Err(Error::value_error("itemsize must be positive"));
        }
        let mut strides = [0isize; INLINE_DIMS];
        let mut sd = isize::try_from(itemsize).map_err(|_| Error::size_overflow())?;
        for i in (0..shape.len()).rev() {
            strides[i] = sd;
            let d = isize::try_from(shape[i]).map_err(|_| Error::size_overflow())?;
            // As `c_strides`: no product past the outermost dimension.
            if i > 0 {
                sd = sd.checked_mul(d).ok_or_else(Error::size_overflow)?;
            }
        }
        Ok(Layout {
            offset,
            itemsize,
            format: Format::of(format),
            shape: Dims::from_slice(shape),
            strides: Dims::from_slice(&strides[..shape.len()]),
            suboffsets: None,
        })
    }

    /// The same layout moved by `by` bytes (e.g. to a bytearray's logical
    /// start). Returns `None` on overflow.
    ///
    /// ```
    /// let l = bufproto::layout::Layout::bytes(3).shifted(10).unwrap();
    /// assert_eq!(l.offset(), 10);
    /// ```
    pub fn shifted(&self, by: usize) -> Option<Layout> {
        let by = isize::try_from(by).ok()?;
        let mut l = self.clone();
        l.offset = l.offset.checked_add(by)?;
        Some(l)
    }

    /// Byte offset of the first item (`view.buf` minus the allocation start).
    /// It may point one past either end when the view is empty.
    pub fn offset(&self) -> isize {
        self.offset
    }
    /// Size of one item in bytes.
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }
    /// The `struct`-module format of one item (`"B"`).
    pub fn format(&self) -> &str {
        self.format.as_str()
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// Items per dimension.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// Bytes to step per dimension (any sign).
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// `view->suboffsets`: `None` for a direct layout; for a PIL-style
    /// (indirect) one, one value per dimension, where `suboffsets[d] >= 0`
    /// means the address reached at dimension `d` holds a pointer to
    /// follow, then add `suboffsets[d]` (CPython's `ADJUST_PTR`). Cost: O(1).
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Layout::bytes(2).suboffsets(), None);
    /// let pil = Layout::new(0, 1, "B", vec![2, 3], vec![8, 1])?.with_suboffsets(vec![0, -1])?;
    /// assert_eq!(pil.suboffsets(), Some(&[0, -1][..]));
    /// assert!(!pil.c_contiguous()); // never contiguous, as PyBuffer_IsContiguous
    /// # Ok(()) }
    /// ```
    pub fn suboffsets(&self) -> Option<&[isize]> {
        self.suboffsets.as_deref()
    }

    /// The same layout with `suboffsets` (one per dimension), which makes
    /// it indirect: its items are reached through pointers stored in the
    /// memory (see [`Layout::suboffsets`]). Cost: O(ndim), one allocation.
    ///
    /// # Errors
    ///
    /// `ValueError: shape and suboffsets must have the same length`.
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// let e = Layout::bytes(2).with_suboffsets(vec![0, 0]).unwrap_err();
    /// assert_eq!(e.to_string(), "ValueError: shape and suboffsets must have the same length");
    /// ```
    pub fn with_suboffsets(mut self, suboffsets: Vec<isize>) -> Result<Layout> {
        if suboffsets.len() != self.ndim() {
            return Err(Error::value_error(
                "shape and suboffsets must have the same length",
            ));
        }
        self.suboffsets = Some(Arc::from(suboffsets));
        Ok(self)
    }

    /// Number of items (product of the shape), `None` on overflow. Cost: O(ndim).
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Layout::bytes(4).nitems(), Some(4));
    /// assert_eq!(Layout::new(0, 1, "B", vec![1 << 62, 4, 0], vec![0, 0, 0])?.nitems(), Some(0));
    /// assert_eq!(Layout::new(0, 1, "B", vec![1 << 62, 4], vec![0, 0])?.nitems(), None);
    /// # Ok(()) }
    /// ```
    #[inline]
    pub fn nitems(&self) -> Option<usize> {
        // A zero anywhere makes the product zero, however large the rest
        // ([2**62, 4, 0] has no items, although 2**62 * 4 overflows).
        if let Dims::Inline(1, [n, _]) = self.shape {
            return Some(n);
        }
        if self.shape.contains(&0) {
            return Some(0);
        }
        self.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
    }

    /// `nitems * itemsize` (`memoryview.nbytes`), `None` on overflow.
    #[inline]
    pub fn nbytes(&self) -> Option<usize> {
        self.nitems()?.checked_mul(self.itemsize)
    }

    /// `memoryview.c_contiguous`, as CPython's `init_flags` computes it. For
    /// one dimension that is `shape[0] == 1 || strides[0] == itemsize`, so an
    /// *empty* slice with step 2 is not contiguous although
    /// `is_c_contiguous` says an empty buffer is. Cost: O(ndim).
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let l = Layout::bytes(4).slice(None, None, Some(2))?.slice(Some(2), Some(2), None)?;
    /// assert_eq!(l.shape(), &[0]);
    /// assert!(!l.c_contiguous()); // as memoryview(b'abcd')[::2][2:2].c_contiguous
    /// # Ok(()) }
    /// ```
    pub fn c_contiguous(&self) -> bool {
        if self.suboffsets.is_some() {
            return false;
        }
        match self.ndim() {
            0 => true,
            1 => self.ndim1_contiguous(),
            _ => is_c_contiguous(&self.shape, &self.strides, self.itemsize),
        }
    }

    /// `memoryview.f_contiguous` (see [`Layout::c_contiguous`]).
    pub fn f_contiguous(&self) -> bool {
        if self.suboffsets.is_some() {
            return false;
        }
        match self.ndim() {
            0 => true,
            1 => self.ndim1_contiguous(),
            _ => is_f_contiguous(&self.shape, &self.strides, self.itemsize),
        }
    }

    /// `memoryview.contiguous`: C- or Fortran-contiguous.
    pub fn contiguous(&self) -> bool {
        self.c_contiguous() || self.f_contiguous()
    }

    fn ndim1_contiguous(&self) -> bool {
        self.shape[0] == 1 || isize::try_from(self.itemsize).ok() == Some(self.strides[0])
    }

    /// Slices dimension 0 like `m[start:stop:step]`: O(1), no byte moves.
    ///
    /// # Errors
    ///
    /// `ValueError: slice step cannot be zero`; `OverflowError` if the
    /// offset of the first selected item, or the new stride when at least
    /// two items are selected, leaves `isize` (never for a layout that fits
    /// its buffer); `TypeError: invalid indexing of 0-dim memory` for a 0-d
    /// layout. A slice selecting at most one item never fails on its
    /// stride: `m[::isize::MAX]` of an 8-byte format is `m[:1]`, with the
    /// wrapped stride CPython reports.
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let l = Layout::bytes(10).slice(Some(2), Some(8), Some(3))?;
    /// assert_eq!((l.offset(), l.shape(), l.strides()), (2, &[2][..], &[3][..]));
    /// // memoryview(array('l', [5]))[::sys.maxsize]: one item, stride wrapped
    /// let one = Layout::new(0, 8, "l", vec![1], vec![8])?.slice(None, None, Some(isize::MAX))?;
    /// assert_eq!((one.shape(), one.strides()), (&[1][..], &[-8][..]));
    /// # Ok(()) }
    /// ```
    #[inline(always)]
    pub fn slice(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: Option<isize>,
    ) -> Result<Layout> {
        if self.ndim() == 0 {
            return Err(Error::type_error("invalid indexing of 0-dim memory"));
        }
        let s = adjust_slice(self.shape[0], start, stop, step)?;
        let stride = self.strides[0];
        // CPython's `init_slice` computes `buf += strides[0] * start` and
        // `strides[0] *= step` in unchecked C arithmetic. Only addresses of
        // items the result selects matter: the first item's offset when
        // there is one, the new stride when a second item follows.
        let inner_empty = self.shape.get(1..).is_some_and(|d| d.contains(&0));
        let no_items = s.len == 0 || inner_empty;
        let offset = s
            .start
            .checked_mul(stride)
            .and_then(|d| self.offset.checked_add(d));
        let offset = match offset {
            Some(o) => o,
            // Nothing is read at the offset of an empty view.
            None if no_items => self.offset,
            None => return Err(Error::size_overflow()),
        };
        let new_stride = match stride.checked_mul(s.step) {
            Some(st) => st,
            // Never followed (at most one item): keep C's wrapped product,
            // which is what `m.strides` shows in CPython.
            None if no_items || s.len == 1 => stride.wrapping_mul(s.step),
            None => return Err(Error::size_overflow()),
        };
        // Built field by field (no clone of the whole layout to patch).
        Ok(Layout {
            offset,
            itemsize: self.itemsize,
            format: self.format.clone(),
            shape: self.shape.with_first(s.len),
            strides: self.strides.with_first(new_stride),
            suboffsets: self.suboffsets.clone(),
        })
    }

    /// Byte offset of the item at `index` (one index per dimension, each
    /// already in range), `None` if the index has the wrong length, is out of
    /// range, or the arithmetic overflows or goes below zero, and for an
    /// indirect layout (with [`suboffsets`](Layout::suboffsets), whose items
    /// only the memory can locate). Cost: O(ndim).
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let l = Layout::bytes(4).slice(None, None, Some(-1))?;
    /// assert_eq!(l.byte_offset(&[0]), Some(3));
    /// assert_eq!(l.byte_offset(&[4]), None);
    /// # Ok(()) }
    /// ```
    pub fn byte_offset(&self, index: &[usize]) -> Option<usize> {
        // An indirect layout's items are found by following pointers in
        // the memory, which a pure layout cannot read.
        if index.len() != self.ndim() || self.suboffsets.is_some() {
            return None;
        }
        let mut off = self.offset;
        for ((&i, &n), &s) in index.iter().zip(self.shape.iter()).zip(self.strides.iter()) {
            if i >= n {
                return None;
            }
            off = off.checked_add(isize::try_from(i).ok()?.checked_mul(s)?)?;
        }
        usize::try_from(off).ok()
    }

    /// Byte offsets of every item in C (row-major) order. Cost: O(nitems).
    ///
    /// # Errors
    ///
    /// `MemoryError` if the list of offsets cannot be allocated (a zero
    /// stride lets a tiny buffer hold a view of `usize::MAX` items);
    /// `OverflowError` if an offset cannot be represented (never for a layout
    /// that fits its buffer).
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// use bufproto::ErrorKind;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(Layout::bytes(3).item_offsets()?, vec![0, 1, 2]);
    /// let huge = Layout::new(0, 1, "B", vec![usize::MAX], vec![0])?;
    /// assert_eq!(huge.item_offsets().unwrap_err().kind(), ErrorKind::MemoryError);
    /// # Ok(()) }
    /// ```
    pub fn item_offsets(&self) -> Result<Vec<usize>> {
        self.item_offsets_in(false)
    }

    /// Byte offsets of every item in Fortran (column-major) order, as
    /// `tobytes('F')` walks them. Cost: O(nitems).
    ///
    /// # Errors
    ///
    /// As [`Layout::item_offsets`].
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let l = Layout::c_order(0, 1, "B", vec![2, 3])?;
    /// assert_eq!(l.item_offsets_fortran()?, vec![0, 3, 1, 4, 2, 5]);
    /// # Ok(()) }
    /// ```
    pub fn item_offsets_fortran(&self) -> Result<Vec<usize>> {
        self.item_offsets_in(true)
    }

    fn item_offsets_in(&self, fortran: bool) -> Result<Vec<usize>> {
        self.offsets_by(fortran, |idx| {
            self.byte_offset(idx).ok_or_else(Error::size_overflow)
        })
    }

    /// `offset(idx)` for the index `idx` of every item, in C order (the
    /// last dimension fastest) or, if `fortran`, the first fastest. Cost:
    /// O(nitems × (ndim + the cost of `offset`)).
    ///
    /// # Errors
    ///
    /// `MemoryError` when the list cannot be allocated; the first error of
    /// `offset`.
    pub(crate) fn offsets_by(
        &self,
        fortran: bool,
        mut offset: impl FnMut(&[usize]) -> Result<usize>,
    ) -> Result<Vec<usize>> {
        let n = self.nitems().ok_or_else(Error::no_memory)?;
        // One offset per item: as many as the caller's input says, so the
        // allocation is fallible (2**62 offsets of a broadcast view).
        let mut out = try_vec(n)?;
        if n == 0 {
            return Ok(out);
        }
        let mut idx = vec![0usize; self.ndim()];
        loop {
            out.push(offset(&idx)?);
            if !self.next_index(&mut idx, fortran, 0) {
                return Ok(out);
            }
        }
    }

    /// Steps the index `idx` (one entry per dimension, each below its
    /// extent) to the next item, the last (C) or first (`fortran`)
    /// dimension fastest, like an odometer; `false`, with `idx` back at all
    /// zeros, when it was the last item. The `skip` fastest dimensions are
    /// left as they are (`skip == 1`: the next row of the fastest
    /// dimension, for a copy that walks each row in one go). Cost: O(ndim).
    pub(crate) fn next_index(&self, idx: &mut [usize], fortran: bool, skip: usize) -> bool {
        let nd = idx.len().min(self.shape.len());
        for k in skip..nd {
            let d = if fortran { k } else { nd - 1 - k };
            if let (Some(i), Some(&extent)) = (idx.get_mut(d), self.shape.get(d)) {
                *i += 1;
                if *i < extent {
                    return true;
                }
                *i = 0;
            }
        }
        false
    }

    /// Whether every item lies inside an allocation of `len` bytes. Cost:
    /// O(ndim).
    ///
    /// For an indirect layout ([`Layout::suboffsets`]) only the part read
    /// before the first pointer can be checked here: the pointer-sized
    /// cells of dimensions `0..=k`, `k` the first dimension with a
    /// suboffset `>= 0`. Whatever a pointer reaches is checked when it is
    /// followed (see the `indirect` module).
    ///
    /// ```
    /// use bufproto::layout::Layout;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(Layout::bytes(3).fits(3));
    /// assert!(!Layout::bytes(3).fits(2));
    /// let pil = Layout::new(0, 1, "B", vec![2, 3], vec![8, 1])?.with_suboffsets(vec![0, -1])?;
    /// assert!(pil.fits(16) && !pil.fits(15)); // two 8-byte pointers
    /// # Ok(()) }
    /// ```
    pub fn fits(&self, len: usize) -> bool {
        // One direct dimension (every `bytes` and `bytearray` export): the
        // same test as below, without walking slices.
        if let (Dims::Inline(1, [n, _]), Dims::Inline(1, [s, _]), None) =
            (&self.shape, &self.strides, &self.suboffsets)
        {
            return *n == 0 || span_fits(self.offset, &[*n], &[*s], self.itemsize, len);
        }
        if self.nitems() == Some(0) {
            return true;
        }
        let direct = match self.suboffsets() {
            Some(sub) => sub.iter().position(|&s| s >= 0),
            None => None,
        };
        match direct {
            // `k + 1 <= ndim`: the slices are in range.
            Some(k) => span_fits(
                self.offset,
                &self.shape[..=k],
                &self.strides[..=k],
                std::mem::size_of::<usize>(),
                len,
            ),
            None => span_fits(self.offset, &self.shape, &self.strides, self.itemsize, len),
        }
    }
}

/// Whether items of `itemsize` bytes at `offset + sum(i[d] * strides[d])`
/// all lie in `0..len` (the shape has no zero). Cost: O(ndim).
#[inline]
fn span_fits(
    offset: isize,
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    len: usize,
) -> bool {
    let (mut lo, mut hi) = (offset, offset);
    for (&n, &s) in shape.iter().zip(strides.iter()) {
        let Some(last) = n.checked_sub(1) else {
            return true;
        };
        let Some(span) = isize::try_from(last).ok().and_then(|m| m.checked_mul(s)) else {
            return false;
        };
        if span < 0 {
            lo = match lo.checked_add(span) {
                Some(v) => v,
                None => return false,
            };
        } else {
            hi = match hi.checked_add(span) {
                Some(v) => v,
                None => return false,
            };
        }
    }
    let Ok(item) = isize::try_from(itemsize) else {
        return false;
    };
    match (
        usize::try_from(lo),
        hi.checked_add(item).map(usize::try_from),
    ) {
        (Ok(_), Some(Ok(end))) => end <= len,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(len: usize, a: Option<isize>, b: Option<isize>, c: Option<isize>) -> Vec<usize> {
        let s = adjust_slice(len, a, b, c).unwrap();
        (0..s.len)
            .map(|k| (s.start + k as isize * s.step) as usize)
            .collect()
    }

    #[test]
    fn slices_like_python() {
        assert_eq!(py(5, None, None, None), vec![0, 1, 2, 3, 4]);
        assert_eq!(py(5, None, None, Some(-1)), vec![4, 3, 2, 1, 0]);
        assert_eq!(py(5, Some(-2), None, None), vec![3, 4]);
        assert_eq!(py(5, Some(3), Some(1), None), Vec::<usize>::new());
        assert_eq!(py(5, Some(10), Some(-10), Some(-2)), vec![4, 2, 0]);
        assert_eq!(
            py(5, Some(isize::MIN), Some(isize::MAX), Some(isize::MIN)),
            Vec::<usize>::new()
        );
        assert_eq!(py(5, None, None, Some(isize::MIN)), vec![4]);
        assert_eq!(py(0, None, None, Some(-1)), Vec::<usize>::new());
        let e = adjust_slice(5, None, None, Some(0)).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ValueError);
        assert_eq!(e.message(), "slice step cannot be zero");
    }

    #[test]
    fn index_normalisation() {
        assert_eq!(normalize_index(0, 0), None);
        assert_eq!(normalize_index(-3, 3), Some(0));
        assert_eq!(normalize_index(-4, 3), None);
        assert_eq!(
            normalize_index(isize::MAX, usize::MAX),
            Some(isize::MAX as usize)
        );
    }

    #[test]
    fn contiguity() {
        let l = Layout::bytes(3);
        assert!(l.c_contiguous() && l.f_contiguous() && l.contiguous());
        let r = l.slice(None, None, Some(-1)).unwrap();
        assert!(!r.c_contiguous());
        let one = r.slice(Some(1), Some(2), None).unwrap();
        assert!(one.c_contiguous());
        assert!(is_c_contiguous(&[], &[], 1));
        assert!(is_c_contiguous(&[1, 3], &[100, 1], 1));
        assert!(!is_c_contiguous(&[2], &[], 1));
        assert!(Layout::bytes(0).fits(0));
        assert!(r.fits(3) && !r.fits(2));
        assert_eq!(
            Layout::bytes(0).item_offsets().unwrap(),
            Vec::<usize>::new()
        );
        assert_eq!(
            Layout::bytes(2)
                .slice(None, None, Some(isize::MAX))
                .unwrap()
                .shape(),
            &[1]
        );
    }
}
