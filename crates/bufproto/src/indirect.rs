//! Following PIL-style suboffsets: the one place where an address read out
//! of the exporter's memory is turned into a position in it.
//!
//! A layout with [`suboffsets`](crate::layout::Layout::suboffsets) finds an
//! item as CPython's `ptr_from_tuple` and `ADJUST_PTR` do:
//!
//! ```text
//! addr = buf
//! for d in 0..ndim:
//!     addr += index[d] * strides[d]
//!     if suboffsets[d] >= 0:
//!         addr = *(char **)addr + suboffsets[d]     // follow the pointer
//! ```
//!
//! In safe Rust a pointer is a **checked address**: the `usize` stored
//! (native-endian) at `addr`, minus the address of the memory's first byte,
//! is an offset into the same memory. Every step is checked: the pointer
//! cell must lie in the memory, the pointer must point into it, and the item
//! finally reached must fit in it. A pointer that leaves the memory is
//! `BufferError: suboffsets: pointer outside the exporter's memory`, this
//! crate's own message: CPython follows any pointer and crashes (or reads
//! whatever is there). Pointers are read at every access, as CPython reads
//! them, so an exporter that rewrites its pointer table is seen at once.
//!
//! A direct layout (no suboffsets) is passed on to
//! [`Layout::byte_offset`](crate::layout::Layout::byte_offset) and
//! [`Layout::item_offsets`](crate::layout::Layout::item_offsets) unchanged.

use crate::error::{Error, Result, try_vec};
use crate::layout::Layout;
use crate::storage::{Storage, try_arc};
use std::sync::Arc;

/// Bytes of one pointer in the exporter's memory (`sizeof(char *)`).
pub(crate) const PTR: usize = std::mem::size_of::<usize>();

/// The error for a pointer (or an item it leads to) outside the memory.
pub(crate) fn bad_pointer() -> Error {
    Error::buffer_error("suboffsets: pointer outside the exporter's memory")
}

/// The pointer stored at offset `at`, as an offset into the same memory,
/// plus `sub`. Cost: one pointer-sized read.
fn follow(storage: &Storage, at: isize, sub: isize) -> Result<isize> {
    let at = usize::try_from(at).map_err(|_| bad_pointer())?;
    let mut cell = [0u8; PTR];
    if !storage.read_into(at, &mut cell) {
        return Err(bad_pointer());
    }
    let target = usize::from_ne_bytes(cell)
        .checked_sub(storage.base_addr())
        .filter(|&o| o < storage.len())
        .and_then(|o| isize::try_from(o).ok())
        .ok_or_else(bad_pointer)?;
    target.checked_add(sub).ok_or_else(bad_pointer)
}

/// Byte offset of the item at `index` (one in-range index per dimension)
/// of `layout` over `storage`, following pointers where the layout has
/// suboffsets. Cost: O(ndim), one read per pointer followed.
///
/// # Errors
///
/// For an indirect layout, `BufferError: suboffsets: pointer outside the
/// exporter's memory` when a pointer or the item leaves the memory;
/// `OverflowError` when the index is out of range or the arithmetic
/// overflows (as for a direct layout).
pub(crate) fn byte_offset(storage: &Storage, layout: &Layout, index: &[usize]) -> Result<usize> {
    let Some(sub) = layout.suboffsets() else {
        return layout.byte_offset(index).ok_or_else(Error::size_overflow);
    };
    if index.len() != layout.ndim() {
        return Err(Error::size_overflow());
    }
    let mut addr = layout.offset();
    let dims = layout.shape().iter().zip(layout.strides()).zip(sub);
    for (&i, ((&n, &stride), &s)) in index.iter().zip(dims) {
        if i >= n {
            return Err(Error::size_overflow());
        }
        let step = isize::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(stride))
            .ok_or_else(Error::size_overflow)?;
        addr = addr.checked_add(step).ok_or_else(bad_pointer)?;
        if s >= 0 {
            addr = follow(storage, addr, s)?;
        }
    }
    let off = usize::try_from(addr).map_err(|_| bad_pointer())?;
    match off.checked_add(layout.itemsize()) {
        Some(end) if end <= storage.len() => Ok(off),
        _ => Err(bad_pointer()),
    }
}

/// Byte offsets of every item of `layout` over `storage`, in C order or
/// (`fortran`) Fortran order. Cost: O(nitems × ndim) for an indirect
/// layout, O(nitems) for a direct one.
///
/// # Errors
///
/// `MemoryError` when the list cannot be allocated; the errors of
/// [`byte_offset`].
pub(crate) fn item_offsets(
    storage: &Storage,
    layout: &Layout,
    fortran: bool,
) -> Result<Vec<usize>> {
    if layout.suboffsets().is_none() {
        return if fortran {
            layout.item_offsets_fortran()
        } else {
            layout.item_offsets()
        };
    }
    layout.offsets_by(fortran, |idx| byte_offset(storage, layout, idx))
}

/// The items of an indirect `layout` copied out in C or Fortran order
/// (`PyBuffer_ToContiguous` over suboffsets). Cost: O(nitems × ndim).
///
/// # Errors
///
/// `MemoryError` when the copy cannot be allocated; the errors of
/// [`byte_offset`].
pub(crate) fn read(storage: &Storage, layout: &Layout, fortran: bool) -> Result<Vec<u8>> {
    let n = layout.nbytes().ok_or_else(Error::no_memory)?;
    let mut out = try_vec(n)?;
    let item = layout.itemsize();
    for off in item_offsets(storage, layout, fortran)? {
        if !storage.copy_out(off, item, &mut out) {
            return Err(bad_pointer());
        }
    }
    Ok(out)
}

/// The items of `layout` over `storage` in C or (`fortran`) Fortran order,
/// for every layout: pointers followed ([`read`]) for an indirect one, the
/// storage's copy engine ([`Storage::gather`]) for a direct one. Cost:
/// copies `nbytes`.
///
/// # Errors
///
/// `MemoryError` when the copy cannot be allocated; the errors of
/// [`read`] or [`Storage::gather`].
pub(crate) fn gather(storage: &Storage, layout: &Layout, fortran: bool) -> Result<Vec<u8>> {
    if layout.suboffsets().is_some() {
        return read(storage, layout, fortran);
    }
    storage.gather(layout, fortran)
}

/// [`gather`] as a new `Arc<[u8]>` (one allocation for memory already in
/// order, see [`Storage::gather_arc`]).
///
/// # Errors
///
/// As [`gather`].
pub(crate) fn gather_arc(storage: &Storage, layout: &Layout, fortran: bool) -> Result<Arc<[u8]>> {
    if layout.suboffsets().is_some() {
        return try_arc(&read(storage, layout, fortran)?);
    }
    storage.gather_arc(layout, fortran)
}

/// [`gather`] into `dst`, which the caller made exactly `nbytes` long (no
/// allocation for memory already in order, see [`Storage::gather_into`]).
///
/// # Errors
///
/// `OverflowError` if `dst` has the wrong length; as [`gather`].
pub(crate) fn gather_into(
    storage: &Storage,
    layout: &Layout,
    fortran: bool,
    dst: &mut [u8],
) -> Result<()> {
    if layout.suboffsets().is_some() {
        let v = read(storage, layout, fortran)?;
        let d = dst.get_mut(..v.len()).ok_or_else(Error::size_overflow)?;
        d.copy_from_slice(&v);
        return Ok(());
    }
    storage.gather_into(layout, fortran, dst)
}
