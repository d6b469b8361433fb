//! The one shared-memory mechanism of the crate, and the only place where
//! aliasing is handled.
//!
//! # Design
//!
//! ```text
//! enum Storage {
//!     Frozen(Arc<[u8]>),        // bytes: never written after creation
//!     Shared(Arc<[AtomicU8]>),  // bytearray: written while views alias it
//!     Foreign(Arc<dyn ForeignMemory>), // memory owned elsewhere (a Python buffer)
//! }
//! ```
//!
//! * `Foreign` memory is handled exactly like `Shared`: it is a slice of
//!   atomic bytes that someone else owns (see [`foreign`](crate::foreign));
//!   its export count is the `Arc`'s, as for the others. Read-only foreign
//!   memory refuses every store, as `Frozen` does.
//!
//! * [`Bytes`](crate::Bytes) keeps its data `Frozen`: reads are plain loads,
//!   copies are `memcpy`, equality is `memcmp`.
//! * [`ByteArray`](crate::ByteArray) owns a `Shared` allocation whose length is
//!   its *capacity* (CPython's `ob_alloc`); the logical start and length live
//!   in the `ByteArray`.
//! * Every export (a [`Buffer`](crate::Buffer), which a
//!   [`MemoryView`](crate::MemoryView) holds through its managed buffer) keeps
//!   a clone of the `Arc`. "No exports" is therefore exactly "strong count is
//!   1" (`Arc::get_mut` succeeds), and that is what the resize check asks. No
//!   separate counter can drift out of step with reality: dropping a view
//!   *is* releasing the export.
//! * Writes through a view, or to a `ByteArray` while views exist, are
//!   `Relaxed` atomic byte stores (a plain `mov` on x86-64 and a plain `strb`
//!   on AArch64). Shared mutation happens only through atomics, so Rust's
//!   aliasing rules hold without `unsafe`, without locks, and every type is
//!   `Send + Sync`.
//!
//! # Cost
//!
//! Atomic bytes cannot be handed to `memcpy`: copying out of `Shared` memory
//! is a byte loop (done here through fixed 64-byte chunks so the compiler can
//! unroll it) that does not vectorise. Copies out of `Frozen` memory are
//! `memcpy`. Concurrent writers from several threads give no torn bytes but no
//! ordering either, as with CPython's buffers written from C without the GIL.
//!
//! Every index check for reading or writing a byte is in this module (or in
//! [`layout`](crate::layout) for the offset arithmetic of N-d views).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::foreign::ForeignMemory;

/// Bytes shared between an exporter and its exports. See the module docs.
#[derive(Clone, Debug)]
pub(crate) enum Storage {
    /// Immutable bytes (`bytes`).
    Frozen(Arc<[u8]>),
    /// Mutable bytes shared with views (`bytearray`), written atomically.
    Shared(Arc<[AtomicU8]>),
    /// Atomic bytes owned elsewhere (e.g. a Python buffer), used like `Shared`.
    Foreign(Arc<dyn ForeignMemory>),
}

const CHUNK: usize = 64;

impl Storage {
    /// A shared allocation of `n` zero bytes.
    pub(crate) fn shared_zeroed(n: usize) -> Storage {
        Storage::Shared((0..n).map(|_| AtomicU8::new(0)).collect())
    }

    /// The atomic bytes of `Shared` or `Foreign` memory (empty for `Frozen`).
    fn atomics(&self) -> &[AtomicU8] {
        match self {
            Storage::Frozen(_) => &[],
            Storage::Shared(a) => a,
            Storage::Foreign(f) => f.bytes(),
        }
    }

    /// The atomic bytes, if stores are allowed (not `Frozen`, not read-only
    /// foreign memory).
    fn writable(&self) -> Option<&[AtomicU8]> {
        match self {
            Storage::Frozen(_) => None,
            Storage::Shared(a) => Some(a),
            Storage::Foreign(f) => (!f.readonly()).then(|| f.bytes()),
        }
    }

    /// The allocation's length in bytes.
    pub(crate) fn len(&self) -> usize {
        match self {
            Storage::Frozen(a) => a.len(),
            Storage::Shared(a) => a.len(),
            Storage::Foreign(f) => f.bytes().len(),
        }
    }

    /// Whether no export holds a clone (strong count is 1, no weak refs).
    pub(crate) fn is_unique(&mut self) -> bool {
        match self {
            Storage::Frozen(a) => Arc::get_mut(a).is_some(),
            Storage::Shared(a) => Arc::get_mut(a).is_some(),
            Storage::Foreign(f) => Arc::get_mut(f).is_some(),
        }
    }

    /// Number of clones besides this one (the export count).
    pub(crate) fn other_holders(&self) -> usize {
        match self {
            Storage::Frozen(a) => Arc::strong_count(a) - 1,
            Storage::Shared(a) => Arc::strong_count(a) - 1,
            Storage::Foreign(f) => Arc::strong_count(f) - 1,
        }
    }

    /// The address of the allocation's first byte, as a number. Only ever
    /// compared or printed, never turned back into a pointer.
    pub(crate) fn base_addr(&self) -> usize {
        match self {
            Storage::Frozen(a) => a.as_ptr() as usize,
            Storage::Shared(a) => a.as_ptr() as usize,
            Storage::Foreign(f) => f.bytes().as_ptr() as usize,
        }
    }

    /// A raw pointer to the allocation's first byte, for FFI. Writes through
    /// it are allowed only for `Shared` and writable `Foreign` memory (atomic
    /// bytes, so interior mutability covers them), and must be byte writes.
    pub(crate) fn base_ptr(&self) -> *mut u8 {
        match self {
            Storage::Frozen(a) => a.as_ptr().cast_mut(),
            Storage::Shared(a) => a.as_ptr().cast::<u8>().cast_mut(),
            Storage::Foreign(f) => f.bytes().as_ptr().cast::<u8>().cast_mut(),
        }
    }

    /// The byte at `i`, or `None` past the end.
    pub(crate) fn load(&self, i: usize) -> Option<u8> {
        match self {
            Storage::Frozen(a) => a.get(i).copied(),
            Storage::Shared(a) => a.get(i).map(|b| b.load(Ordering::Relaxed)),
            Storage::Foreign(f) => f.bytes().get(i).map(|b| b.load(Ordering::Relaxed)),
        }
    }

    /// Stores `v` at `i`. Returns `false` (and stores nothing) past the end
    /// or on frozen memory.
    pub(crate) fn store(&self, i: usize, v: u8) -> bool {
        match self {
            Storage::Frozen(_) => false,
            Storage::Shared(_) | Storage::Foreign(_) => {
                match self.writable().and_then(|a| a.get(i)) {
                    Some(b) => {
                        b.store(v, Ordering::Relaxed);
                        true
                    }
                    None => false,
                }
            }
        }
    }

    /// Appends bytes `start..start+n` to `out`. Returns `false` (appending
    /// nothing) if the range is out of bounds.
    pub(crate) fn copy_out(&self, start: usize, n: usize, out: &mut Vec<u8>) -> bool {
        let Some(end) = start.checked_add(n) else {
            return false;
        };
        match self {
            Storage::Frozen(a) => match a.get(start..end) {
                Some(s) => {
                    out.extend_from_slice(s);
                    true
                }
                None => false,
            },
            Storage::Shared(_) | Storage::Foreign(_) => match self.atomics().get(start..end) {
                Some(s) => {
                    out.reserve(n);
                    let mut chunks = s.chunks_exact(CHUNK);
                    for c in &mut chunks {
                        let mut buf = [0u8; CHUNK];
                        for (d, b) in buf.iter_mut().zip(c) {
                            *d = b.load(Ordering::Relaxed);
                        }
                        out.extend_from_slice(&buf);
                    }
                    out.extend(chunks.remainder().iter().map(|b| b.load(Ordering::Relaxed)));
                    true
                }
                None => false,
            },
        }
    }

    /// Writes `src` at `start..start+src.len()`. Returns `false` (writing
    /// nothing) if out of bounds or frozen.
    pub(crate) fn copy_in(&self, start: usize, src: &[u8]) -> bool {
        let Some(end) = start.checked_add(src.len()) else {
            return false;
        };
        match self {
            Storage::Frozen(_) => false,
            Storage::Shared(_) | Storage::Foreign(_) => {
                match self.writable().and_then(|a| a.get(start..end)) {
                    Some(d) => {
                        for (b, v) in d.iter().zip(src) {
                            b.store(*v, Ordering::Relaxed);
                        }
                        true
                    }
                    None => false,
                }
            }
        }
    }

    /// Moves `n` bytes from `src` to `dst` inside the allocation, like
    /// `memmove`. Returns `false` (moving nothing) if out of bounds.
    pub(crate) fn move_within(&self, src: usize, dst: usize, n: usize) -> bool {
        let (Some(se), Some(de)) = (src.checked_add(n), dst.checked_add(n)) else {
            return false;
        };
        if se > self.len() || de > self.len() {
            return false;
        }
        match self {
            Storage::Frozen(_) => false,
            Storage::Shared(_) | Storage::Foreign(_) => {
                let Some(a) = self.writable() else {
                    return false;
                };
                let copy = |i: usize| {
                    let v = a[src + i].load(Ordering::Relaxed);
                    a[dst + i].store(v, Ordering::Relaxed);
                };
                if dst <= src {
                    (0..n).for_each(copy);
                } else {
                    (0..n).rev().for_each(copy);
                }
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_roundtrip_and_bounds() {
        let s = Storage::shared_zeroed(130);
        assert!(s.copy_in(1, &[1, 2, 3]));
        assert!(!s.copy_in(129, &[1, 2]));
        assert!(!s.copy_in(usize::MAX, &[1]));
        let mut out = Vec::new();
        assert!(s.copy_out(0, 130, &mut out));
        assert_eq!(&out[..5], &[0, 1, 2, 3, 0]);
        assert!(!s.copy_out(1, 130, &mut out));
        assert!(s.move_within(1, 2, 3));
        assert_eq!(s.load(4), Some(3));
        assert_eq!(s.load(130), None);
        assert!(!s.store(130, 1));
    }

    #[test]
    fn frozen_is_not_writable() {
        let s = Storage::Frozen(Arc::from(&b"ab"[..]));
        assert!(!s.store(0, 1));
        assert!(!s.copy_in(0, b"x"));
        assert_eq!(s.load(1), Some(b'b'));
    }

    #[test]
    fn unique_tracks_clones() {
        let mut s = Storage::shared_zeroed(1);
        assert!(s.is_unique());
        let c = s.clone();
        assert!(!s.is_unique());
        assert_eq!(s.other_holders(), 1);
        drop(c);
        assert!(s.is_unique());
    }
}
