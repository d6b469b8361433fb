//! `m == other` (CPython's `memory_richcompare`) and `hash(m)`
//! (`memory_hash`).
//!
//! **Traits.** Equality is Python's: by value through the formats, `NaN`
//! unequal to itself, so [`MemoryView`] implements `PartialEq` (with itself
//! and with [`Bytes`]) but not `Eq`; [`MemoryView::equals`] takes any
//! exporter. Hashing can fail (writable views, non-byte formats), so it is a
//! fallible method, [`MemoryView::hash`], not `std::hash::Hash`. Its value
//! is [`Bytes::hash_value`] of the view's bytes, and `Bytes` implements
//! `Borrow<[u8]>`, so a `HashMap<Bytes, _>` is looked up with a view's bytes:
//!
//! ```
//! use std::collections::HashMap;
//! use bufproto::{Bytes, MemoryView};
//! # fn main() -> Result<(), bufproto::Error> {
//! let mut map = HashMap::new();
//! map.insert(Bytes::from(&b"key"[..]), 1);
//! let m = MemoryView::new(&Bytes::from(&b"a key"[..]))?.slice(Some(2), None, None)?;
//! assert_eq!(m.hash()?, Bytes::from(&b"key"[..]).hash_value()); // hash(m) == hash(b'key')
//! assert_eq!(map.get(&m.tobytes()?[..]), Some(&1));
//! # Ok(()) }
//! ```

use super::MemoryView;
use crate::bytes::Bytes;
use crate::error::{Error, Result, try_vec};
use crate::format::{self, Native};
use crate::indirect;
use crate::layout::{Layout, MAX_NDIM, equiv_shape};
use crate::protocol::{Exporter, Flags, read_layout};
use crate::storage::Storage;

/// A zeroed buffer for one item, `None` if it cannot be allocated.
fn item_buffer(n: usize) -> Option<Vec<u8>> {
    let mut v = try_vec(n).ok()?;
    v.resize(n, 0);
    Some(v)
}

/// Whether `f` holds for every pair of items of two layouts of equivalent
/// shape, walked together in C order. Each item is read into one reused
/// buffer, so no list of items is made: a broadcast view of 2**62 items
/// costs no memory. A dimension where both strides are 0 repeats the same
/// pairs, so it is walked once. `false` if an item is out of bounds.
fn all_pairs(
    (vs, vl): (&Storage, &Layout),
    (ws, wl): (&Storage, &Layout),
    mut f: impl FnMut(&[u8], &[u8]) -> bool,
) -> bool {
    let shape = vl.shape();
    if shape.contains(&0) {
        return true;
    }
    let nd = shape.len();
    let mut lens = [0usize; MAX_NDIM];
    for (k, len) in lens.iter_mut().enumerate().take(nd) {
        let both_zero = vl.strides().get(k) == Some(&0) && wl.strides().get(k) == Some(&0);
        *len = if both_zero { 1 } else { shape[k] };
    }
    let (Some(mut p), Some(mut q)) = (item_buffer(vl.itemsize()), item_buffer(wl.itemsize()))
    else {
        return false;
    };
    let mut idx = [0usize; MAX_NDIM];
    loop {
        let (Ok(a), Ok(b)) = (
            indirect::byte_offset(vs, vl, &idx[..nd]),
            indirect::byte_offset(ws, wl, &idx[..nd]),
        ) else {
            return false;
        };
        if !vs.read_into(a, &mut p) || !ws.read_into(b, &mut q) || !f(&p, &q) {
            return false;
        }
        // Odometer, last dimension fastest.
        let mut k = nd;
        loop {
            let Some(d) = k.checked_sub(1) else {
                return true;
            };
            k = d;
            idx[d] += 1;
            if idx[d] < lens[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Start and length in bytes of a C-contiguous layout's memory.
fn contiguous_range(l: &Layout) -> Option<(usize, usize)> {
    if !l.c_contiguous() {
        return None;
    }
    let n = l.nbytes()?;
    let start = if n == 0 {
        0
    } else {
        usize::try_from(l.offset()).ok()?
    };
    Some((start, n))
}

fn compare(vs: &Storage, vl: &Layout, ws: &Storage, wl: &Layout) -> bool {
    if !equiv_shape(vl.shape(), wl.shape()) {
        return false;
    }
    let (vf, wf) = (Native::parse(vl.format()), Native::parse(wl.format()));
    let fast = matches!((vf, wf), (Some(a), Some(b)) if a == b);
    // Off the fast path CPython builds both `struct` unpackers before it
    // looks at any item: a format `struct` rejects makes the views unequal,
    // even when there are no items to compare (so even `m == m`).
    if !fast && (format::calcsize(vl.format()).is_none() || format::calcsize(wl.format()).is_none())
    {
        return false;
    }
    match (vf, wf) {
        (Some(a), Some(b)) if a == b => match a.char() {
            // Floats compare by value (NaN != NaN, -0.0 == 0.0).
            'f' | 'd' | 'e' => all_pairs(
                (vs, vl),
                (ws, wl),
                |p, q| matches!((a.unpack(p), b.unpack(q)), (Ok(u), Ok(v)) if u == v),
            ),
            // Integers, 'c' and '?' compare their bytes (C compares `_Bool`
            // bytes too, so b'\x01' and b'\x02' as '?' differ): one slice
            // comparison of the C-order bytes.
            _ => match (contiguous_range(vl), contiguous_range(wl)) {
                // Both C-contiguous: compare the memory in place.
                (Some((a, n)), Some((b, m))) if n == m => vs.eq_range(a, ws, b, n).unwrap_or(false),
                _ => all_pairs((vs, vl), (ws, wl), |p, q| p == q),
            },
        },
        _ => {
            // The struct module path: unpack both with their full formats.
            all_pairs((vs, vl), (ws, wl), |p, q| {
                match (
                    format::struct_unpack(vl.format(), p),
                    format::struct_unpack(wl.format(), q),
                ) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                }
            })
        }
    }
}

impl MemoryView {
    /// `m == other` for any exporter, as CPython's `memory_richcompare`:
    /// shapes must be equivalent, then items compare by value through their
    /// formats (mixed formats too, e.g. `'i'` 0 equals `'f'` -0.0; `'c'`
    /// items are `bytes`, never equal to ints); `NaN` is unequal to itself,
    /// so a live view of NaNs is not equal to itself. A released view equals
    /// only itself. An object that refuses a buffer is unequal. Formats
    /// other than one native character compare through `struct` unpacking
    /// ([`format::struct_unpack`]); formats it cannot read compare unequal,
    /// even for views without items and a view with itself (CPython needs
    /// the `struct` unpacker first).
    /// Another `MemoryView` is read directly, as by `==` (no export).
    /// Cost: one slice comparison for identical integer/byte formats,
    /// otherwise O(items), with no allocation beyond one item per side; a
    /// dimension both views broadcast (stride 0) is compared once, so
    /// `m == m` of a 2**62-item broadcast view answers at once.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"ab"[..]))?;
    /// assert!(m.equals(&ByteArray::from(&b"ab"[..])));
    /// assert!(m.cast("b")?.equals(&m));
    /// assert!(!m.cast("c")?.equals(&m)); // b'a' != 97
    /// let nan = MemoryView::new(&Bytes::from(&b"\x00\x00\xc0\x7f"[..]))?.cast("f")?;
    /// assert!(!nan.equals(&nan));
    /// # Ok(()) }
    /// ```
    pub fn equals<E: Exporter + ?Sized>(&self, other: &E) -> bool {
        // Another view: its layout read directly, no export (`==`).
        if let Some(v) = other.as_any().and_then(|a| a.downcast_ref::<MemoryView>()) {
            return self == v;
        }
        let Ok(l) = self.live() else {
            return self.obj_ref() == other.obj_ref();
        };
        match other.get_buffer(Flags::FULL_RO) {
            Ok(b) => compare(l.mem.storage(), l.layout(), b.storage(), b.layout()),
            Err(_) => self.obj_ref() == other.obj_ref(),
        }
    }

    /// `hash(m)`: for read-only views of format `B`, `b` or `c` only; equal
    /// to [`Bytes::hash_value`] of `m.tobytes()` (CPython: `hash(m) ==
    /// hash(m.tobytes())`). Like CPython, the first hash is cached and
    /// returned even after [`release`](MemoryView::release). Cost: O(nbytes)
    /// the first time, O(1) after.
    ///
    /// # Errors
    ///
    /// In CPython's order: `ValueError: operation forbidden on released
    /// memoryview object` (if never hashed); `ValueError: cannot hash
    /// writable memoryview object`; `ValueError: memoryview: hashing is
    /// restricted to formats 'B', 'b' or 'c'`; `TypeError: unhashable type:
    /// 'bytearray'` (or the exporter's own error) when the exporter is not
    /// hashable; `MemoryError` when the bytes must be copied and cannot be
    /// (a broadcast view), as CPython's `hash(m.tobytes())`.
    ///
    /// ```
    /// use bufproto::{ByteArray, Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let b = Bytes::from(&b"abc"[..]);
    /// let mut m = MemoryView::new(&b)?;
    /// assert_eq!(m.hash()?, b.hash_value());
    /// m.release()?;
    /// assert_eq!(m.hash()?, b.hash_value()); // cached
    /// let w = MemoryView::new(&ByteArray::from(&b"abc"[..]))?;
    /// assert_eq!(w.hash().unwrap_err().to_string(), "ValueError: cannot hash writable memoryview object");
    /// assert_eq!(w.toreadonly()?.hash().unwrap_err().to_string(), "TypeError: unhashable type: 'bytearray'");
    /// # Ok(()) }
    /// ```
    pub fn hash(&self) -> Result<u64> {
        if let Some(h) = self.hash.get() {
            return Ok(*h);
        }
        let l = self.live()?;
        if !l.readonly {
            return Err(Error::value_error("cannot hash writable memoryview object"));
        }
        if !Native::parse(l.layout().format()).is_some_and(Native::is_byte) {
            return Err(Error::value_error(
                "memoryview: hashing is restricted to formats 'B', 'b' or 'c'",
            ));
        }
        if let Some(e) = l.mem.obj().hash_error() {
            return Err(e);
        }
        let h = match contiguous_range(l.layout()) {
            // Contiguous: hash the memory in place (frozen) or one copy.
            Some((start, n)) => l
                .mem
                .storage()
                .with_bytes(start, n, Bytes::hash_of)
                .ok_or_else(Error::no_memory)?,
            None => Bytes::hash_of(&read_layout(l.mem.storage(), l.layout())?),
        };
        Ok(*self.hash.get_or_init(|| h))
    }
}

impl PartialEq for MemoryView {
    /// [`MemoryView::equals`], reading the other view's layout directly
    /// rather than asking it for a buffer (which would make an export).
    fn eq(&self, other: &MemoryView) -> bool {
        match (self.live(), other.live()) {
            (Ok(l), Ok(r)) => compare(l.mem.storage(), l.layout(), r.mem.storage(), r.layout()),
            _ => self.obj_ref() == other.obj_ref(),
        }
    }
}

impl PartialEq<Bytes> for MemoryView {
    /// [`MemoryView::equals`] with a `bytes` object.
    fn eq(&self, other: &Bytes) -> bool {
        self.equals(other)
    }
}

impl PartialEq<MemoryView> for Bytes {
    /// `b == m` is `m == b` (Python reflects the comparison).
    fn eq(&self, other: &MemoryView) -> bool {
        other.equals(self)
    }
}
