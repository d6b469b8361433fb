//! `NdArray`: an exporter that presents any valid N-d layout over a byte
//! buffer, as NumPy arrays (and CPython's test helper
//! `_testbuffer.ndarray`) do: shape, strides of any sign, an offset, Fortran
//! order. It exists so that non-contiguous views can be built and tested.

use crate::error::{Error, Result};
use crate::format::{self, Native};
use crate::layout::{Layout, MAX_NDIM, c_strides, f_strides, is_c_contiguous, is_f_contiguous};
use crate::protocol::{AS_NDARRAY, Buffer, Exporter, Flags, ObjRef, check_request};
use crate::storage::Storage;

/// An N-dimensional array over `data`, with any valid shape, strides and
/// offset (in bytes), like a NumPy array or `_testbuffer.ndarray`.
///
/// The layout is validated on construction: every reachable item lies inside
/// `data`. Buffer requests are honoured as `_testbuffer.ndarray` honours
/// them: a [`Flags::C_CONTIGUOUS`] request on a non-C-contiguous layout is
/// `BufferError: ndarray is not C-contiguous`, and so on.
///
/// ```
/// use bufproto::{MemoryView, NdArray};
/// # fn main() -> Result<(), bufproto::Error> {
/// // 2 x 3 in Fortran order: item (i, j) is at byte i + 2*j
/// let a = NdArray::new(b"adbecf".to_vec(), "B", vec![2, 3], Some(vec![1, 2]), 0, false)?;
/// let m = MemoryView::new(&a)?;
/// assert_eq!(m.tolist()?.to_string(), "[[97, 98, 99], [100, 101, 102]]");
/// assert!(m.f_contiguous()? && !m.c_contiguous()?);
/// assert_eq!(m.tobytes()?.as_slice(), b"abcdef");
/// assert_eq!(m.tobytes_order(Some("A"))?.as_slice(), b"adbecf");
/// // reversed rows: negative stride, offset at the last row
/// let r = NdArray::new(b"abcdef".to_vec(), "B", vec![2, 3], Some(vec![-3, 1]), 3, false)?;
/// assert_eq!(MemoryView::new(&r)?.tobytes()?.as_slice(), b"defabc");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct NdArray {
    storage: Storage,
    layout: Layout,
    readonly: bool,
    id: ObjRef,
}

fn verr(m: &'static str) -> Error {
    Error::value_error(m)
}

/// The item size of `format` (`struct.calcsize`), with `ndarray: ...`
/// messages where CPython raises `struct.error`.
fn itemsize_of(format: &str) -> Result<usize> {
    let size = match Native::parse(format) {
        Some(n) => n.size(),
        None => format::struct_size(format).map_err(|e| {
            if e == "total struct size too long" {
                verr("ndarray: total struct size too long")
            } else {
                verr("ndarray: unknown format")
            }
        })?,
    };
    if size == 0 {
        return Err(verr("ndarray: unknown format"));
    }
    Ok(size)
}

impl NdArray {
    /// An array over `data` with item `format`, `shape`, `strides` (`None`:
    /// C order) and `offset` of the first item, writable if `writable`.
    /// Cost: O(ndim) plus moving `data` into shared storage.
    ///
    /// # Errors
    ///
    /// `ValueError` with `_testbuffer.ndarray`'s messages (checked against
    /// CPython): `len(shape) != len(strides)`, `offset must be a multiple of
    /// itemsize`, `strides must be a multiple of itemsize`, `invalid
    /// combination of buffer, shape and strides` (an item out of bounds);
    /// `OverflowError: Python int too large to convert to C ssize_t` for a
    /// dimension above `isize::MAX`, as CPython's; and this crate's own:
    /// `ndarray: unknown format` and `ndarray: total struct size too long`
    /// (CPython raises `struct.error` there), `ndarray: number of
    /// dimensions must not exceed 64`, and `ndarray: product(shape) *
    /// itemsize > SSIZE_MAX` for a layout whose byte size does not fit
    /// `isize` (CPython's `_testbuffer` does not check, and exports a
    /// negative `len`); `MemoryError` if `writable` and the copy into shared
    /// storage cannot be allocated.
    ///
    /// ```
    /// use bufproto::NdArray;
    /// let e = NdArray::new(vec![0; 4], "B", vec![5], None, 0, false).unwrap_err();
    /// assert_eq!(e.to_string(), "ValueError: invalid combination of buffer, shape and strides");
    /// ```
    pub fn new(
        data: Vec<u8>,
        format: &str,
        shape: Vec<usize>,
        strides: Option<Vec<isize>>,
        offset: usize,
        writable: bool,
    ) -> Result<NdArray> {
        let itemsize = itemsize_of(format)?;
        if shape.len() > MAX_NDIM {
            return Err(verr("ndarray: number of dimensions must not exceed 64"));
        }
        // `_testbuffer` reads the shape as `Py_ssize_t`s: 2**63 is refused.
        if shape.iter().any(|&d| isize::try_from(d).is_err()) {
            return Err(Error::size_overflow());
        }
        let strides = match strides {
            Some(s) => s,
            None => c_strides(&shape, itemsize).ok_or_else(Error::size_overflow)?,
        };
        if strides.len() != shape.len() {
            return Err(verr("len(shape) != len(strides)"));
        }
        if !offset.is_multiple_of(itemsize) {
            return Err(verr("offset must be a multiple of itemsize"));
        }
        // itemsize <= isize::MAX (`struct_size` caps it), so neither the
        // conversion nor the remainder (`isize::MIN % -1`) can fail.
        let isz = isize::try_from(itemsize).map_err(|_| Error::size_overflow())?;
        if strides.iter().any(|s| s.checked_rem(isz) != Some(0)) {
            return Err(verr("strides must be a multiple of itemsize"));
        }
        let off = isize::try_from(offset).map_err(|_| Error::size_overflow())?;
        let layout = Layout::new(off, itemsize, format, shape, strides)?;
        if !layout.fits(data.len()) {
            return Err(verr("invalid combination of buffer, shape and strides"));
        }
        // `len` of the exported buffer must be a `Py_ssize_t` (CPython's
        // `_testbuffer` multiplies without a check and exports a negative
        // length for [2**62, 2]): refuse what a consumer could not describe.
        if layout.nbytes().is_none_or(|n| isize::try_from(n).is_err()) {
            return Err(verr("ndarray: product(shape) * itemsize > SSIZE_MAX"));
        }
        let storage = if writable {
            Storage::shared_from(&data)?
        } else {
            Storage::frozen_from(data)?
        };
        Ok(NdArray {
            storage,
            layout,
            readonly: !writable,
            id: if writable {
                ObjRef::refusing_hash("ndarray", "cannot hash writable ndarray object")
            } else {
                ObjRef::new("ndarray")
            },
        })
    }

    /// A C-order array of `shape` over `data` (`data.len()` must be the
    /// product of the shape times the item size). Cost: as [`NdArray::new`].
    ///
    /// # Errors
    ///
    /// As [`NdArray::new`].
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let a = bufproto::NdArray::c_order(vec![0; 12], "i", vec![3])?;
    /// assert_eq!(a.layout().strides(), &[4]);
    /// # Ok(()) }
    /// ```
    pub fn c_order(data: Vec<u8>, format: &str, shape: Vec<usize>) -> Result<NdArray> {
        NdArray::new(data, format, shape, None, 0, false)
    }

    /// A Fortran-order (column-major) array of `shape` over `data`. Cost:
    /// as [`NdArray::new`].
    ///
    /// # Errors
    ///
    /// As [`NdArray::new`].
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let a = bufproto::NdArray::fortran(vec![0; 6], "B", vec![2, 3])?;
    /// assert_eq!(a.layout().strides(), &[1, 2]);
    /// # Ok(()) }
    /// ```
    pub fn fortran(data: Vec<u8>, format: &str, shape: Vec<usize>) -> Result<NdArray> {
        let size = itemsize_of(format)?;
        let st = f_strides(&shape, size).ok_or_else(Error::size_overflow)?;
        NdArray::new(data, format, shape, Some(st), 0, false)
    }

    /// The layout presented to consumers. Cost: O(1).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::NdArray::c_order(vec![0; 2], "B", vec![2])?.layout().ndim(), 1);
    /// # Ok(()) }
    /// ```
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
}

impl Exporter for NdArray {
    /// `ndarray_getbuf` of `_testbuffer`: checks the request against the
    /// layout. Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `BufferError`: `ndarray is not writable`, `ndarray is not
    /// C-contiguous`, `ndarray is not Fortran contiguous`, `ndarray is not
    /// contiguous`, `ndarray: cannot cast to unsigned bytes if the format
    /// flag is present`.
    fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
        let l = &self.layout;
        // `_testbuffer` asks `PyBuffer_IsContiguous`, not a view's flags.
        let contiguity = (
            is_c_contiguous(l.shape(), l.strides(), l.itemsize()),
            is_f_contiguous(l.shape(), l.strides(), l.itemsize()),
        );
        check_request(flags, contiguity, self.readonly, &AS_NDARRAY)?;
        Buffer::fill_info(
            self.id,
            self.storage.clone(),
            self.layout.clone(),
            self.readonly,
            flags,
        )
    }

    fn obj_ref(&self) -> ObjRef {
        self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryView;

    #[test]
    fn validation_and_requests() {
        let e = |r: Result<NdArray>| r.unwrap_err().message().to_string();
        assert_eq!(
            e(NdArray::new(vec![0; 8], "i", vec![2], None, 2, false)),
            "offset must be a multiple of itemsize"
        );
        assert_eq!(
            e(NdArray::new(
                vec![0; 8],
                "i",
                vec![2],
                Some(vec![2]),
                0,
                false
            )),
            "strides must be a multiple of itemsize"
        );
        assert_eq!(
            e(NdArray::new(
                vec![0; 8],
                "B",
                vec![2],
                Some(vec![-1]),
                0,
                false
            )),
            "invalid combination of buffer, shape and strides"
        );
        assert_eq!(
            e(NdArray::new(
                vec![0; 8],
                "B",
                vec![2],
                Some(vec![1, 1]),
                0,
                false
            )),
            "len(shape) != len(strides)"
        );
        let r = NdArray::new(b"abcd".to_vec(), "B", vec![4], Some(vec![-1]), 3, true).unwrap();
        let m = MemoryView::new(&r).unwrap();
        assert_eq!(m.tobytes().unwrap().as_slice(), b"dcba");
        assert_eq!(
            r.get_buffer(Flags::SIMPLE).unwrap_err().message(),
            "ndarray is not C-contiguous"
        );
        assert_eq!(
            r.get_buffer(Flags::C_CONTIGUOUS).unwrap_err().message(),
            "ndarray is not C-contiguous"
        );
        assert!(r.get_buffer(Flags::STRIDED).is_ok());
        m.set(0, b'z').unwrap();
        assert_eq!(m.tobytes().unwrap().as_slice(), b"zcba");
        assert!(m.cast("B").is_err());
        let z = NdArray::new(vec![], "B", vec![0, 3], None, 0, false).unwrap();
        let zm = MemoryView::new(&z).unwrap();
        assert!(zm.c_contiguous().unwrap() && zm.f_contiguous().unwrap());
        assert_eq!(zm.tolist().unwrap().to_string(), "[]");
    }
}
