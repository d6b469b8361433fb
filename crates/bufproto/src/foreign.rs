//! Memory owned outside the crate (a Python object's buffer, a C array, a
//! memory map) exported through the crate's own protocol.
//!
//! A [`ForeignMemory`] is a slice of atomic bytes that something else owns
//! and keeps alive; wrapped in a [`Foreign`] exporter, it works with the
//! crate's whole API ([`MemoryView::new`](crate::MemoryView::new),
//! [`Exporter::get_buffer`], slicing, casting, `tolist`, equality). The
//! crate stays safe: building the `&[AtomicU8]` out of a raw pointer is the
//! owner's business (see `crates/bufproto-py`, which does it for a Python
//! `Py_buffer`, with the one `unsafe` block it needs).
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::AtomicU8;
//! use bufproto::foreign::{Foreign, ForeignMemory};
//! use bufproto::layout::Layout;
//! use bufproto::MemoryView;
//! # fn main() -> Result<(), bufproto::Error> {
//! #[derive(Debug)]
//! struct Owned(Box<[AtomicU8]>); // stands in for memory owned by C
//! impl ForeignMemory for Owned {
//!     fn bytes(&self) -> &[AtomicU8] { &self.0 }
//! }
//! let mem = Arc::new(Owned((0..6u8).map(AtomicU8::new).collect()));
//! // 2 x 3 bytes in C order, writable
//! let layout = Layout::new(0, 1, "B", vec![2, 3], vec![3, 1])?;
//! let f = Foreign::new(mem, layout, false, "carray")?;
//! let m = MemoryView::new(&f)?;
//! assert_eq!(m.tolist()?.to_string(), "[[0, 1, 2], [3, 4, 5]]");
//! assert_eq!(f.exports(), 1);
//! drop(m);
//! assert_eq!(f.exports(), 0);
//! # Ok(()) }
//! ```

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::protocol::{AS_MEMORYVIEW, Buffer, Exporter, Flags, ObjRef, check_request};
use crate::storage::Storage;
// Defined in `storage` (the memory it describes is one of the storage kinds,
// and storage sits below every exporter, so it cannot import from here);
// re-exported so that `bufproto::foreign::ForeignMemory` keeps naming it.
pub use crate::storage::ForeignMemory;

/// An exporter over [`ForeignMemory`], with any valid layout (shape,
/// strides of any sign, offset), like [`NdArray`](crate::NdArray) over
/// memory it does not own.
///
/// Its export count is the number of live [`Buffer`]s and
/// [`MemoryView`](crate::MemoryView)s (each view, a slice too) over the
/// memory, the `Arc`'s strong count, as for every exporter of the crate.
#[derive(Clone, Debug)]
pub struct Foreign {
    storage: Storage,
    layout: Layout,
    readonly: bool,
    id: ObjRef,
}

impl Foreign {
    /// An exporter presenting `layout` over `memory`, reported as an object
    /// of Python type `type_name`. It is read-only if `readonly` or if
    /// [`ForeignMemory::readonly`] says so; read-only ones are hashable
    /// (like `bytes`), writable ones not (like `bytearray`). Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `ValueError: invalid combination of buffer, shape and strides` when
    /// an item of `layout` lies outside `memory`.
    ///
    /// ```
    /// use std::sync::{Arc, atomic::AtomicU8};
    /// use bufproto::{foreign::{Foreign, ForeignMemory}, layout::Layout};
    /// #[derive(Debug)]
    /// struct Two([AtomicU8; 2]);
    /// impl ForeignMemory for Two { fn bytes(&self) -> &[AtomicU8] { &self.0 } }
    /// let mem = Arc::new(Two([AtomicU8::new(1), AtomicU8::new(2)]));
    /// let e = Foreign::new(mem, Layout::bytes(3), true, "x").unwrap_err();
    /// assert_eq!(e.to_string(), "ValueError: invalid combination of buffer, shape and strides");
    /// ```
    pub fn new(
        memory: Arc<dyn ForeignMemory>,
        layout: Layout,
        readonly: bool,
        type_name: &'static str,
    ) -> Result<Foreign> {
        if !layout.fits(memory.bytes().len()) {
            return Err(Error::value_error(
                "invalid combination of buffer, shape and strides",
            ));
        }
        let readonly = readonly || memory.readonly();
        Ok(Foreign {
            storage: Storage::Foreign(memory),
            layout,
            readonly,
            id: if readonly {
                ObjRef::new(type_name)
            } else {
                ObjRef::unhashable(type_name)
            },
        })
    }

    /// The layout presented to consumers. Cost: O(1).
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Whether writes are refused. Cost: O(1).
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// The number of live exports of the memory (buffers and views built
    /// from this exporter or its clones): the `Arc`'s strong count minus
    /// one, so give [`Foreign::new`] the only strong handle (keep a `Weak`
    /// if you need one). Cost: O(1).
    pub fn exports(&self) -> usize {
        self.storage.other_holders()
    }
}

impl Exporter for Foreign {
    /// Checks the request against the layout as `memory_getbuf` does for a
    /// view, with the same messages. Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `BufferError`: `memoryview: underlying buffer is not writable`,
    /// `... is not C-contiguous`, `... is not Fortran contiguous`, `... is
    /// not contiguous`, `memoryview: cannot cast to unsigned bytes if the
    /// format flag is present`.
    fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
        let l = &self.layout;
        let contiguity = (l.c_contiguous(), l.f_contiguous(), l.suboffsets().is_some());
        check_request(flags, contiguity, self.readonly, &AS_MEMORYVIEW)?;
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
    use crate::{ErrorKind, MemoryView};
    use std::sync::atomic::{AtomicU8, Ordering};

    #[derive(Debug)]
    struct Mem(Vec<AtomicU8>, bool);
    impl ForeignMemory for Mem {
        fn bytes(&self) -> &[AtomicU8] {
            &self.0
        }
        fn readonly(&self) -> bool {
            self.1
        }
    }

    fn mem(data: &[u8], ro: bool) -> Arc<Mem> {
        Arc::new(Mem(data.iter().map(|&b| AtomicU8::new(b)).collect(), ro))
    }

    #[test]
    fn writes_reach_the_owner_and_exports_count() {
        let m = mem(b"abcd", false);
        let owner = Arc::downgrade(&m);
        let f = Foreign::new(m, Layout::bytes(4), false, "thing").unwrap();
        let v = MemoryView::new(&f).unwrap();
        v.set(0, b'z').unwrap();
        let seen = |w: &std::sync::Weak<Mem>| w.upgrade().map(|m| m.0[0].load(Ordering::Relaxed));
        assert_eq!(seen(&owner), Some(b'z'));
        let r = v.slice(None, None, Some(-1)).unwrap();
        assert_eq!(r.tobytes().unwrap().as_slice(), b"dcbz");
        assert_eq!(f.exports(), 2); // the view and its slice each hold it
        drop(v);
        assert_eq!(f.exports(), 1);
        drop(r);
        assert_eq!(f.exports(), 0);
        let b = f.get_buffer(Flags::SIMPLE).unwrap();
        drop(f);
        assert_eq!(seen(&owner), Some(b'z')); // the buffer keeps the memory
        drop(b);
        assert_eq!(seen(&owner), None); // the last holder gave it back
    }

    /// Items of foreign memory (read by the general path) are the items
    /// of the same bytes in a `bytes` (read by the fast path), for every
    /// native format and every index, one past either end included.
    #[test]
    fn foreign_items_read_as_bytes_items_do() {
        let data: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        let f = Foreign::new(mem(&data, true), Layout::bytes(64), true, "thing").unwrap();
        let b = crate::Bytes::from(&data[..]);
        for c in "bBhHiIlLqQnNfdeP?c".chars() {
            let fm = MemoryView::new(&f).unwrap().cast(&c.to_string()).unwrap();
            let bm = MemoryView::new(&b).unwrap().cast(&c.to_string()).unwrap();
            let n = bm.len().unwrap() as isize;
            for i in -n..n {
                let (x, y) = (fm.get(i).unwrap(), bm.get(i).unwrap());
                assert_eq!(x.to_string(), y.to_string(), "{c} {i}");
            }
            for i in [n, -n - 1] {
                let (x, y) = (fm.get(i).unwrap_err(), bm.get(i).unwrap_err());
                assert_eq!(x.to_string(), y.to_string(), "{c} {i}");
            }
        }
    }

    #[test]
    fn read_only_memory_is_never_written() {
        let m = mem(b"ab", true);
        let f = Foreign::new(m.clone(), Layout::bytes(2), false, "bytes").unwrap();
        assert!(f.readonly());
        let e = f.get_buffer(Flags::WRITABLE).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BufferError);
        // even a store that bypassed the flag is refused by the storage
        assert!(!f.storage.store(0, 1) && !f.storage.copy_in(0, b"x"));
        assert!(!f.storage.move_within(0, 1, 1));
        assert_eq!(m.0[0].load(Ordering::Relaxed), b'a');
    }

    #[test]
    fn strided_layouts_and_requests() {
        // 2 x 2 in Fortran order over 4 bytes
        let l = Layout::new(0, 1, "B", vec![2, 2], vec![1, 2]).unwrap();
        let f = Foreign::new(mem(b"acbd", false), l, false, "nd").unwrap();
        assert_eq!(
            f.get_buffer(Flags::ND).unwrap_err().message(),
            "memoryview: underlying buffer is not C-contiguous"
        );
        assert!(f.get_buffer(Flags::F_CONTIGUOUS).is_ok());
        let v = MemoryView::new(&f).unwrap();
        assert_eq!(v.tobytes().unwrap().as_slice(), b"abcd");
        let b = f.get_buffer(Flags::STRIDED).unwrap();
        assert_eq!(b.buf_ptr() as usize, b.buf_addr());
    }
}
