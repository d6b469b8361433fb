//! `m.cast(format)` and `m.cast(format, shape)`: the same bytes seen with
//! another format and shape. Only C-contiguous views can be cast, and one of
//! the two formats must be a byte format (`B`, `b`, `c`).

use super::MemoryView;
use crate::error::{Error, Result};
use crate::format::Native;
use crate::layout::{Layout, MAX_NDIM};

impl MemoryView {
    /// `m.cast(format)`: a 1-D view of the same bytes with a native
    /// single-character `format` (`"@"` prefix allowed and kept). Cost:
    /// O(ndim), no byte copied, no allocation for a 1-D or 2-D result (the
    /// new view holds the memory as this one does: one count increment).
    ///
    /// # Errors
    ///
    /// In CPython's order: `ValueError` when released; `TypeError:
    /// memoryview: casts are restricted to C-contiguous views`; `TypeError:
    /// memoryview: cannot cast view with zeros in shape or strides` (N-d
    /// source); `ValueError: memoryview: destination format must be a native
    /// single character format prefixed with an optional '@'`; `TypeError:
    /// memoryview: cannot cast between two non-byte formats`; `TypeError:
    /// memoryview: length is not a multiple of itemsize`.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&[1u8, 0, 0, 0, 2, 0, 0, 0][..]))?;
    /// let ints = m.cast("i")?;
    /// assert_eq!((ints.format()?, ints.itemsize()?, ints.shape()?), ("i", 4, &[2][..]));
    /// assert_eq!(ints.tolist()?.to_string(), "[1, 2]");
    /// assert_eq!(ints.cast("h").unwrap_err().to_string(),
    ///            "TypeError: memoryview: cannot cast between two non-byte formats");
    /// assert_eq!(m.cast("<i").unwrap_err().kind(), bufproto::ErrorKind::ValueError);
    /// # Ok(()) }
    /// ```
    pub fn cast(&self, format: &str) -> Result<MemoryView> {
        self.cast_impl(format, None)
    }

    /// `m.cast(format, shape)`: a C-contiguous view with the given shape
    /// (`&[]` for a 0-d view). Casts go 1-D → N-d or N-d → 1-D. Cost:
    /// O(ndim), no byte copied.
    ///
    /// # Errors
    ///
    /// As [`cast`](MemoryView::cast), plus, in CPython's order: `TypeError:
    /// memoryview: cannot cast view with zeros in shape or strides` (any
    /// source); `ValueError: memoryview: number of dimensions must not
    /// exceed 64`; `TypeError: memoryview: cast must be 1D -> ND or ND ->
    /// 1D`; `ValueError: memoryview.cast(): elements of shape must be
    /// integers > 0`; `OverflowError: Python int too large to convert to C
    /// ssize_t` for an element above `isize::MAX` (checked element by
    /// element with the two before); `ValueError: memoryview.cast():
    /// product(shape) > SSIZE_MAX`; `TypeError: memoryview: product(shape) * itemsize !=
    /// buffer size`.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcdef"[..]))?;
    /// let grid = m.cast_shape("B", &[2, 3])?;
    /// assert_eq!((grid.shape()?, grid.strides()?), (&[2, 3][..], &[3, 1][..]));
    /// assert_eq!(m.cast_shape("B", &[4]).unwrap_err().message(),
    ///            "memoryview: product(shape) * itemsize != buffer size");
    /// assert_eq!(grid.cast_shape("B", &[3, 2]).unwrap_err().message(),
    ///            "memoryview: cast must be 1D -> ND or ND -> 1D");
    /// assert_eq!(m.cast_shape("B", &[0, 6]).unwrap_err().message(),
    ///            "memoryview.cast(): elements of shape must be integers > 0");
    /// assert_eq!(m.cast_shape("B", &[usize::MAX - 1]).unwrap_err().to_string(),
    ///            "OverflowError: Python int too large to convert to C ssize_t");
    /// assert_eq!(m.cast_shape("B", &[1 << 62, 4]).unwrap_err().to_string(),
    ///            "ValueError: memoryview.cast(): product(shape) > SSIZE_MAX");
    /// # Ok(()) }
    /// ```
    pub fn cast_shape(&self, format: &str, shape: &[usize]) -> Result<MemoryView> {
        self.cast_impl(format, Some(shape))
    }

    fn cast_impl(&self, format: &str, shape: Option<&[usize]>) -> Result<MemoryView> {
        let l = self.live()?;
        let src = l.layout();
        if !src.c_contiguous() {
            return Err(Error::type_error(
                "memoryview: casts are restricted to C-contiguous views",
            ));
        }
        if (shape.is_some() || src.ndim() != 1) && src.shape().contains(&0) {
            return Err(Error::type_error(
                "memoryview: cannot cast view with zeros in shape or strides",
            ));
        }
        if let Some(sh) = shape {
            if sh.len() > MAX_NDIM {
                return Err(Error::value_error(
                    "memoryview: number of dimensions must not exceed 64",
                ));
            }
            if src.ndim() != 1 && sh.len() != 1 {
                return Err(Error::type_error(
                    "memoryview: cast must be 1D -> ND or ND -> 1D",
                ));
            }
        }
        // CPython encodes the format as ASCII (a non-ASCII one fails, as
        // UnicodeEncodeError there, a ValueError here), then reads it in C as
        // a `char *`: an embedded NUL ends it (`m.cast('B\0x')` is a 'B'
        // cast in 3.11 and 3.14).
        let format = if format.is_ascii() {
            format.split('\0').next().unwrap_or_default()
        } else {
            format
        };
        let dest = Native::parse(format).ok_or_else(|| {
            Error::value_error(
                "memoryview: destination format must be a native single character format prefixed with an optional '@'",
            )
        })?;
        let src_is_byte = Native::parse(src.format()).is_some_and(Native::is_byte);
        if !src_is_byte && !dest.is_byte() {
            return Err(Error::type_error(
                "memoryview: cannot cast between two non-byte formats",
            ));
        }
        let len = src.nbytes().ok_or_else(Error::size_overflow)?;
        let itemsize = dest.size();
        if !len.is_multiple_of(itemsize) {
            return Err(Error::type_error(
                "memoryview: length is not a multiple of itemsize",
            ));
        }
        let one = [len / itemsize];
        let new_shape: &[usize] = match shape {
            None => &one,
            Some(sh) => {
                let mut total = itemsize;
                // CPython's `copy_shape`, element by element: the
                // conversion to `Py_ssize_t`, then the sign, then the product.
                for &x in sh {
                    if isize::try_from(x).is_err() {
                        return Err(Error::size_overflow());
                    }
                    if x == 0 {
                        return Err(Error::value_error(
                            "memoryview.cast(): elements of shape must be integers > 0",
                        ));
                    }
                    total = total
                        .checked_mul(x)
                        .filter(|&t| isize::try_from(t).is_ok())
                        .ok_or_else(|| {
                            Error::value_error("memoryview.cast(): product(shape) > SSIZE_MAX")
                        })?;
                }
                if total != len {
                    return Err(Error::type_error(
                        "memoryview: product(shape) * itemsize != buffer size",
                    ));
                }
                sh
            }
        };
        // `format` parsed as a native format, so it is `X` or `@X` already.
        let layout = Layout::c_order_of(src.offset(), itemsize, format, new_shape)?;
        Ok(MemoryView::from_parsed(
            l.mem.clone(),
            layout,
            l.readonly,
            Some(dest),
        ))
    }
}
