//! `NdArray`: an exporter that presents any valid N-d layout over a byte
//! buffer, as NumPy arrays (and CPython's test helper
//! `_testbuffer.ndarray`) do: shape, strides of any sign, an offset, Fortran
//! order. It exists so that non-contiguous views can be built and tested.

use std::sync::Arc;

use crate::error::{Error, Result, try_vec};
use crate::format::{self, Native};
use crate::indirect::PTR;
use crate::layout::{Layout, MAX_NDIM, c_strides, f_strides, is_c_contiguous, is_f_contiguous};
use crate::protocol::{AS_NDARRAY, Buffer, Exporter, Flags, ObjRef, check_request};
use crate::storage::{Storage, try_arc};

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

/// The identity of a new array: a writable one refuses to be hashed.
fn id_for(writable: bool) -> ObjRef {
    if writable {
        ObjRef::refusing_writable_hash("ndarray")
    } else {
        ObjRef::new("ndarray")
    }
}

/// A direct layout made PIL-style, as `_testbuffer`'s `init_suboffsets`.
struct Pil {
    /// The indirect layout (offset into the pointer table).
    layout: Layout,
    /// Bytes of the pointer table before the data.
    table: usize,
    /// Pointer `k` holds `base + start + k * step`. `start` may be
    /// negative for an array without items (shape `[2, 0]` with a negative
    /// `strides[0]`): its pointers, never followed, point outside.
    start: isize,
    step: usize,
}

/// `init_suboffsets` of `_testbuffer` on a validated, non-0-d `direct`
/// layout over the data, which will follow a table of `shape[0]` pointers.
fn pil_layout(direct: &Layout) -> Result<Pil> {
    let overflow = Error::size_overflow;
    let (shape, strides) = (direct.shape(), direct.strides());
    let (&n0, &s0) = shape.first().zip(strides.first()).ok_or_else(overflow)?;
    // `shape[0]` pointers, the table aligned to 8 bytes.
    let table = n0
        .checked_mul(PTR)
        .and_then(|b| b.checked_add(7))
        .map(|b| b / 8 * 8)
        .ok_or_else(overflow)?;
    // imin: the lowest item's offset relative to `offset`; suboffset0: what
    // brings a sub-array's lowest byte back to its first item.
    let (mut imin, mut suboffset0) = (0isize, 0isize);
    for (k, (&n, &st)) in shape.iter().zip(strides).enumerate() {
        if n == 0 {
            break;
        }
        if st <= 0 {
            let x = isize::try_from(n - 1)
                .ok()
                .and_then(|m| m.checked_mul(st))
                .ok_or_else(overflow)?;
            imin = imin.checked_add(x).ok_or_else(overflow)?;
            if k >= 1 {
                suboffset0 = suboffset0.checked_sub(x).ok_or_else(overflow)?;
            }
        }
    }
    let start = isize::try_from(table)
        .ok()
        .and_then(|t| t.checked_add(direct.offset()))
        .and_then(|t| t.checked_add(imin))
        .ok_or_else(overflow)?;
    let ptr = isize::try_from(PTR).map_err(|_| overflow())?;
    let (stride0, buf) = if s0 >= 0 {
        (ptr, 0)
    } else {
        // Striding backwards: the view starts at the last pointer.
        let last = isize::try_from(n0.saturating_sub(1)).map_err(|_| overflow())?;
        (-ptr, last.checked_mul(ptr).ok_or_else(overflow)?)
    };
    let mut new_strides = strides.to_vec();
    let mut suboffsets = vec![-1; shape.len()];
    // Both have `shape.len() >= 1` entries (`shape.first()` above).
    if let (Some(st), Some(so)) = (new_strides.first_mut(), suboffsets.first_mut()) {
        (*st, *so) = (stride0, suboffset0);
    }
    let layout = Layout::new(
        buf,
        direct.itemsize(),
        direct.format(),
        shape.to_vec(),
        new_strides,
    )?
    .with_suboffsets(suboffsets)?;
    Ok(Pil {
        layout,
        table,
        start,
        step: s0.unsigned_abs(),
    })
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
        let layout = NdArray::validate(data.len(), format, shape, strides, offset)?;
        let storage = if writable {
            Storage::shared_from(&data)?
        } else {
            Storage::frozen_from(data)?
        };
        Ok(NdArray {
            storage,
            layout,
            readonly: !writable,
            id: id_for(writable),
        })
    }

    /// The checks of [`NdArray::new`] for `len` bytes of data: the layout.
    fn validate(
        len: usize,
        format: &str,
        shape: Vec<usize>,
        strides: Option<Vec<isize>>,
        offset: usize,
    ) -> Result<Layout> {
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
        if !layout.fits(len) {
            return Err(verr("invalid combination of buffer, shape and strides"));
        }
        // `len` of the exported buffer must be a `Py_ssize_t` (CPython's
        // `_testbuffer` multiplies without a check and exports a negative
        // length for [2**62, 2]): refuse what a consumer could not describe.
        if layout.nbytes().is_none_or(|n| isize::try_from(n).is_err()) {
            return Err(verr("ndarray: product(shape) * itemsize > SSIZE_MAX"));
        }
        Ok(layout)
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

    /// `_testbuffer.ndarray(..., flags=ND_PIL)`: the array of
    /// [`NdArray::new`], made PIL-style (indirect) exactly as `_testbuffer`
    /// does it (`init_suboffsets`). One allocation holds a table of
    /// `shape[0]` pointers (native-endian addresses, the table rounded up to
    /// a multiple of 8 bytes), then `data`; pointer `n` holds the address of
    /// the lowest byte of sub-array `n`, `suboffsets` is `[s0, -1, -1, ...]`
    /// where `s0` brings that address back to the sub-array's first item,
    /// and `strides[0]` becomes the pointer size (negated, with the view
    /// starting at the last pointer, when it was negative). Views read
    /// through the pointers (see [`Layout::suboffsets`]); the exporter
    /// refuses requests without [`Flags::INDIRECT`] (`ndarray cannot be
    /// represented without suboffsets`). Cost: as [`NdArray::new`], plus
    /// the table.
    ///
    /// # Errors
    ///
    /// `TypeError: ndim = 0 cannot be used in conjunction with ND_PIL`;
    /// those of [`NdArray::new`]; `MemoryError` when the allocation fails.
    ///
    /// ```
    /// use bufproto::{MemoryView, NdArray};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// // _testbuffer.ndarray(list(range(12)), shape=[3, 4], strides=[-4, -1],
    /// //                     offset=11, format='B', flags=ND_PIL)
    /// let a = NdArray::pil((0..12).collect(), "B", vec![3, 4], Some(vec![-4, -1]), 11, false)?;
    /// assert_eq!((a.layout().strides(), a.layout().suboffsets()), (&[-8, -1][..], Some(&[3, -1][..])));
    /// let m = MemoryView::new(&a)?;
    /// assert_eq!(m.tolist()?.to_string(), "[[11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]");
    /// assert_eq!(m.get_at(&[1, 0])?, 7);
    /// # Ok(()) }
    /// ```
    pub fn pil(
        data: Vec<u8>,
        format: &str,
        shape: Vec<usize>,
        strides: Option<Vec<isize>>,
        offset: usize,
        writable: bool,
    ) -> Result<NdArray> {
        if shape.is_empty() {
            return Err(Error::type_error(
                "ndim = 0 cannot be used in conjunction with ND_PIL",
            ));
        }
        let direct = NdArray::validate(data.len(), format, shape, strides, offset)?;
        let Pil {
            layout,
            table,
            start,
            step,
        } = pil_layout(&direct)?;
        let n = layout
            .shape()
            .first()
            .copied()
            .ok_or_else(Error::size_overflow)?;
        let overflow = Error::size_overflow;
        let total = table.checked_add(data.len()).ok_or_else(overflow)?;
        let mut bytes = try_vec(total)?;
        bytes.resize(table, 0);
        bytes.extend_from_slice(&data);
        drop(data);
        // Pointer k: base + start + k * step (`init_suboffsets`).
        let cell = |base: usize, k: usize| -> Result<[u8; PTR]> {
            let at = k
                .checked_mul(step)
                .and_then(|d| isize::try_from(d).ok())
                .and_then(|d| d.checked_add(start))
                .ok_or_else(overflow)?;
            // As C computes it; the crate checks a pointer when it follows one.
            Ok(base.wrapping_add_signed(at).to_ne_bytes())
        };
        let storage = if writable {
            let s = Storage::shared_from(&bytes)?;
            let base = s.base_addr();
            for k in 0..n {
                if !s.copy_in(k * PTR, &cell(base, k)?) {
                    return Err(overflow());
                }
            }
            s
        } else {
            let mut arc = try_arc(&bytes)?;
            let base = arc.as_ptr() as usize;
            // Just made, so not shared: written in place, then frozen.
            let mem = Arc::get_mut(&mut arc).ok_or_else(overflow)?;
            for k in 0..n {
                let at = k * PTR;
                mem.get_mut(at..at + PTR)
                    .ok_or_else(overflow)?
                    .copy_from_slice(&cell(base, k)?);
            }
            Storage::Frozen(arc)
        };
        Ok(NdArray {
            storage,
            layout,
            readonly: !writable,
            id: id_for(writable),
        })
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
        let direct = l.suboffsets().is_none();
        let contiguity = (
            direct && is_c_contiguous(l.shape(), l.strides(), l.itemsize()),
            direct && is_f_contiguous(l.shape(), l.strides(), l.itemsize()),
            !direct,
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
