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
//! is a byte loop (one relaxed load per byte) that does not vectorise. Copies out of `Frozen` memory are
//! `memcpy`. Concurrent writers from several threads give no torn bytes but no
//! ordering either, as with CPython's buffers written from C without the GIL.
//!
//! Every index check for reading or writing a byte is in this module (or in
//! [`layout`](crate::layout) for the offset arithmetic of N-d views).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::error::{Error, Result, ensure_arc_fits, try_vec};

/// Bytes owned elsewhere, lent to the crate as atomic bytes.
///
/// The implementer promises what any `&[AtomicU8]` promises: the memory
/// stays valid and at the same address while the value lives, and every
/// other writer writes bytes (a C `memcpy` into it while Rust reads it is a
/// data race in Rust's model, as it is between two C threads). Dropping the
/// value gives the memory back to its owner (for a Python buffer:
/// `PyBuffer_Release`). The crate drops it when the last view is gone.
pub trait ForeignMemory: Send + Sync + fmt::Debug {
    /// The memory, as atomic bytes.
    fn bytes(&self) -> &[AtomicU8];

    /// Whether the owner forbids writes (a `bytes` object, a read-only
    /// `mmap`); then the crate never stores into it. Default: `false`.
    fn readonly(&self) -> bool {
        false
    }
}

/// `v` as an `Arc<[u8]>`, or `MemoryError` when that copy cannot be
/// allocated (see [`ensure_arc_fits`]).
pub(crate) fn try_arc(v: &[u8]) -> Result<Arc<[u8]>> {
    ensure_arc_fits::<u8>(v.len())?;
    Ok(Arc::from(v))
}

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

impl Storage {
    /// An empty shared allocation (no bytes, nothing to fail).
    pub(crate) fn shared_empty() -> Storage {
        Storage::Shared(Arc::from(Vec::new()))
    }

    /// A shared allocation of `n` zero bytes, or `MemoryError`.
    pub(crate) fn shared_zeroed(n: usize) -> Result<Storage> {
        ensure_arc_fits::<AtomicU8>(n)?;
        // An exact-size iterator: collected with a single allocation.
        Ok(Storage::Shared((0..n).map(|_| AtomicU8::new(0)).collect()))
    }

    /// A shared allocation holding a copy of `data`, or `MemoryError`.
    pub(crate) fn shared_from(data: &[u8]) -> Result<Storage> {
        ensure_arc_fits::<AtomicU8>(data.len())?;
        Ok(Storage::Shared(
            data.iter().map(|&b| AtomicU8::new(b)).collect(),
        ))
    }

    /// Frozen storage holding `data`, or `MemoryError` (the `Arc` is a new
    /// allocation and a copy).
    pub(crate) fn frozen_from(data: Vec<u8>) -> Result<Storage> {
        ensure_arc_fits::<u8>(data.len())?;
        Ok(Storage::Frozen(Arc::from(data)))
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
        // Callers reserve the whole result first; this only guards the
        // ones that do not, so that growing never aborts.
        if out.try_reserve(n).is_err() {
            return false;
        }
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
                    // One exact-size `extend`: a single capacity check, then
                    // a load/store loop. Measured faster than staging
                    // 64-byte chunks in a stack array (chapter 15).
                    out.extend(s.iter().map(|b| b.load(Ordering::Relaxed)));
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

/// Writes for an owner that holds the only clone (a `ByteArray` with no
/// exports): through `Arc::get_mut` and `AtomicU8::get_mut` the bytes are
/// plain `u8`s, so loops over them vectorise. With other holders they fall
/// back to atomic stores.
impl Storage {
    /// Copies `src` to `start..`, like [`copy_in`](Storage::copy_in).
    pub(crate) fn copy_in_mut(&mut self, start: usize, src: &[u8]) -> bool {
        if let Storage::Shared(a) = self
            && let Some(m) = Arc::get_mut(a)
        {
            let Some(end) = start.checked_add(src.len()) else {
                return false;
            };
            return match m.get_mut(start..end) {
                Some(d) => {
                    for (b, v) in d.iter_mut().zip(src) {
                        *b.get_mut() = *v;
                    }
                    true
                }
                None => false,
            };
        }
        self.copy_in(start, src)
    }

    /// Zeroes bytes `start..start+n`.
    pub(crate) fn zero_mut(&mut self, start: usize, n: usize) -> bool {
        if let Storage::Shared(a) = self
            && let Some(m) = Arc::get_mut(a)
        {
            let Some(end) = start.checked_add(n) else {
                return false;
            };
            return match m.get_mut(start..end) {
                Some(d) => {
                    d.iter_mut().for_each(|b| *b.get_mut() = 0);
                    true
                }
                None => false,
            };
        }
        match self
            .writable()
            .and_then(|a| a.get(start..start.checked_add(n)?))
        {
            Some(d) => {
                d.iter().for_each(|b| b.store(0, Ordering::Relaxed));
                true
            }
            None => false,
        }
    }

    /// A new shared allocation of `new_len` bytes: bytes `start..start+keep`
    /// of this one, then zeros (`keep <= new_len`).
    ///
    /// # Errors
    ///
    /// `OverflowError` if out of bounds (never for a caller's own
    /// bookkeeping), `MemoryError` if the allocation fails.
    pub(crate) fn regrown(&mut self, start: usize, keep: usize, new_len: usize) -> Result<Storage> {
        let end = start.checked_add(keep).ok_or_else(Error::size_overflow)?;
        if keep > new_len || end > self.len() {
            return Err(Error::size_overflow());
        }
        ensure_arc_fits::<AtomicU8>(new_len)?;
        if let Storage::Shared(a) = self
            && let Some(m) = Arc::get_mut(a)
        {
            let old = &mut m[start..end];
            let fresh: Arc<[AtomicU8]> = if new_len <= 4 << 20 {
                // Plain loads vectorise; the `Vec` is copied once more
                // into the `Arc`, which is cheap while it fits in cache.
                let mut v: Vec<AtomicU8> = try_vec(new_len)?;
                v.extend(old.iter_mut().map(|b| AtomicU8::new(*b.get_mut())));
                v.resize_with(new_len, || AtomicU8::new(0));
                v.into()
            } else {
                // Large: one pass straight into the new allocation.
                old.iter_mut()
                    .map(|b| AtomicU8::new(*b.get_mut()))
                    .chain((keep..new_len).map(|_| AtomicU8::new(0)))
                    .collect()
            };
            return Ok(Storage::Shared(fresh));
        }
        let mut kept = try_vec(keep)?;
        if !self.copy_out(start, keep, &mut kept) {
            return Err(Error::size_overflow());
        }
        let fresh = Storage::shared_zeroed(new_len)?;
        if fresh.copy_in(0, &kept) {
            Ok(fresh)
        } else {
            Err(Error::size_overflow())
        }
    }
}

/// Appends the first byte of every `step`-byte chunk of `body`. The compiler
/// vectorises `chunks_exact` only when the chunk size is a constant, so the
/// small steps each get their own copy of the loop.
fn every_step(body: &[u8], step: usize) -> Vec<u8> {
    // `collect` into a new `Vec`, in a function of its own: that form
    // vectorises for a constant step. (`extend` into a caller's `Vec`
    // vectorised or not depending on how it was inlined: measured 5x apart.)
    #[inline(never)]
    fn fixed<const S: usize>(body: &[u8]) -> Vec<u8> {
        body.chunks_exact(S).map(|c| c[0]).collect()
    }
    match step {
        2 => fixed::<2>(body),
        3 => fixed::<3>(body),
        4 => fixed::<4>(body),
        8 => fixed::<8>(body),
        _ => body.chunks_exact(step).map(|c| c[0]).collect(),
    }
}

/// Fast paths added for speed (see the book's chapter 15). Each handles the
/// storages it knows and sends any other through the primitives above, so
/// a new kind of storage works with them unchanged.
impl Storage {
    /// The whole allocation as plain bytes, if it is frozen (read in place).
    pub(crate) fn as_frozen(&self) -> Option<&[u8]> {
        if let Storage::Frozen(a) = self {
            return Some(a);
        }
        None
    }

    /// Copies bytes `start..start+dst.len()` into `dst` without allocating.
    /// Returns `false` (leaving `dst` unspecified) if out of bounds.
    pub(crate) fn read_into(&self, start: usize, dst: &mut [u8]) -> bool {
        let Some(end) = start.checked_add(dst.len()) else {
            return false;
        };
        if let Storage::Frozen(a) = self {
            return match a.get(start..end) {
                Some(s) => {
                    dst.copy_from_slice(s);
                    true
                }
                None => false,
            };
        }
        match self.atomics().get(start..end) {
            Some(s) => {
                for (d, b) in dst.iter_mut().zip(s) {
                    *d = b.load(Ordering::Relaxed);
                }
                true
            }
            None => false,
        }
    }

    /// Bytes `start..start+n` as a new `Arc<[u8]>`, written straight into
    /// the new allocation (one `memcpy` from frozen memory). `None` if out of
    /// bounds or if the allocation would fail (the caller's slow path then
    /// reports the `MemoryError`).
    pub(crate) fn arc_of(&self, start: usize, n: usize) -> Option<Arc<[u8]>> {
        let end = start.checked_add(n)?;
        ensure_arc_fits::<u8>(n).ok()?;
        if let Storage::Frozen(a) = self {
            return a.get(start..end).map(Arc::from);
        }
        // An exact-size iterator: collected with a single allocation.
        self.atomics()
            .get(start..end)
            .map(|s| s.iter().map(|b| b.load(Ordering::Relaxed)).collect())
    }

    /// Every `step`-th byte (`step > 0`), `n` of them from `first`, as a new
    /// `Arc<[u8]>` built by one `chunks_exact` pass. `None` if out of bounds
    /// or for storages without this fast path.
    pub(crate) fn stepped_arc(&self, first: usize, n: usize, step: usize) -> Option<Arc<[u8]>> {
        if n == 0 || step == 0 {
            return None;
        }
        let last = step.checked_mul(n - 1)?.checked_add(first)?;
        if last >= self.len() {
            return None;
        }
        // n <= len / step + 1: bounded by memory that exists, but a new
        // allocation all the same (a `Vec`, then the `Arc`).
        ensure_arc_fits::<u8>(n).ok()?;
        if let Storage::Frozen(a) = self {
            // Collecting into a `Vec` vectorises; collecting straight into
            // an `Arc<[u8]>` does not (measured 5-10x slower), so build the
            // `Vec` and pay one `memcpy` into the `Arc`.
            let whole = a.get(first..step.checked_mul(n)?.checked_add(first)?);
            let (body, tail) = match whole {
                Some(whole) => (whole, None),
                None => (&a[first..last], Some(a[last])),
            };
            let mut v = every_step(body, step);
            v.extend(tail);
            return Some(Arc::from(v));
        }
        if let Storage::Shared(a) = self {
            let body = a[first..last]
                .chunks_exact(step)
                .map(|c| c[0].load(Ordering::Relaxed));
            return Some(
                body.chain(std::iter::once(a[last].load(Ordering::Relaxed)))
                    .collect(),
            );
        }
        None
    }

    /// Runs `f` on bytes `start..start+n`: in place for frozen memory, on a
    /// copy otherwise. `None` if out of bounds or if the copy cannot be
    /// allocated.
    pub(crate) fn with_bytes<R>(
        &self,
        start: usize,
        n: usize,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<R> {
        if let Storage::Frozen(a) = self {
            return a.get(start..start.checked_add(n)?).map(f);
        }
        let mut v = try_vec(n).ok()?;
        self.copy_out(start, n, &mut v).then(|| f(&v))
    }

    /// Whether bytes `a..a+n` here equal bytes `b..b+n` of `other`, without
    /// copying either whole range (`memcmp` for frozen memory, 256-byte
    /// chunks otherwise). `None` if a range is out of bounds.
    pub(crate) fn eq_range(&self, a: usize, other: &Storage, b: usize, n: usize) -> Option<bool> {
        if let (Storage::Frozen(x), Storage::Frozen(y)) = (self, other) {
            return Some(x.get(a..a.checked_add(n)?)? == y.get(b..b.checked_add(n)?)?);
        }
        let (mut p, mut q) = ([0u8; 256], [0u8; 256]);
        let mut k = 0;
        while k < n {
            let m = (n - k).min(p.len());
            if !self.read_into(a.checked_add(k)?, &mut p[..m])
                || !other.read_into(b.checked_add(k)?, &mut q[..m])
            {
                return None;
            }
            if p[..m] != q[..m] {
                // The rest must still be in bounds, as a full copy would check.
                let end_a = a.checked_add(n)?;
                let end_b = b.checked_add(n)?;
                return (end_a <= self.len() && end_b <= other.len()).then_some(false);
            }
            k += m;
        }
        Some(true)
    }

    /// Appends `n` items of `item` bytes, the first at byte `first` and each
    /// next one `stride` bytes further (any sign): a strided 1-D copy, with
    /// no list of offsets. A positive stride walks fixed-size chunks
    /// (`chunks_exact`), which the compiler turns into a tight loop. Returns
    /// `false` (appending nothing) if an item is out of bounds.
    pub(crate) fn copy_strided(
        &self,
        first: usize,
        n: usize,
        stride: isize,
        item: usize,
        out: &mut Vec<u8>,
    ) -> bool {
        if n == 0 {
            return true;
        }
        // Lowest and highest byte touched, checked once.
        let Some(delta) = isize::try_from(n - 1)
            .ok()
            .and_then(|span| span.checked_mul(stride))
        else {
            return false;
        };
        let Some(last) = first.checked_add_signed(delta) else {
            return false;
        };
        let Some(end) = first.max(last).checked_add(item) else {
            return false;
        };
        if end > self.len() || item == 0 {
            return false;
        }
        let Some(total) = n.checked_mul(item) else {
            return false;
        };
        if out.try_reserve(total).is_err() {
            return false;
        }
        let step = stride.unsigned_abs();
        if stride > 0 && step >= item {
            // [first, first + n*step) may run past the end by step - item
            // bytes: walk the n-1 whole chunks before `last`, then the last
            // item (its end is `end`, in bounds).
            if let Storage::Frozen(a) = self {
                let body = &a[first..last];
                if item == 1 {
                    out.extend(body.chunks_exact(step).map(|c| c[0]));
                } else {
                    for c in body.chunks_exact(step) {
                        out.extend_from_slice(&c[..item]);
                    }
                }
                out.extend_from_slice(&a[last..end]);
                return true;
            }
            if let Storage::Shared(a) = self {
                let body = &a[first..last];
                if item == 1 {
                    out.extend(
                        body.chunks_exact(step)
                            .map(|c| c[0].load(Ordering::Relaxed)),
                    );
                } else {
                    for c in body.chunks_exact(step) {
                        out.extend(c[..item].iter().map(|b| b.load(Ordering::Relaxed)));
                    }
                }
                out.extend(a[last..end].iter().map(|b| b.load(Ordering::Relaxed)));
                return true;
            }
        }
        let mut off = first;
        for k in 0..n {
            if !self.copy_out(off, item, out) {
                return false;
            }
            if k + 1 < n {
                off = off.wrapping_add_signed(stride);
            }
        }
        true
    }
}

/// Whole-item loads and stores for the view's 1-D fast paths (issue 15).
/// Written on the primitives above only (frozen memory read in place,
/// anything else through [`read_into`](Storage::read_into) and
/// [`copy_in`](Storage::copy_in)), so that a new representation of shared
/// memory can give them a faster body (a word load and a shift) without a
/// change outside this module.
impl Storage {
    /// The `N` bytes at `off`, or `None` if out of bounds.
    #[inline(always)]
    pub(crate) fn load_item<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        if let Storage::Frozen(a) = self {
            return a.get(off..off.checked_add(N)?)?.try_into().ok();
        }
        let mut item = [0u8; N];
        self.read_into(off, &mut item).then_some(item)
    }

    /// The byte at `off`, or `None` if out of bounds ([`load`](Storage::load)
    /// with frozen memory read inline).
    #[inline(always)]
    pub(crate) fn load_byte(&self, off: usize) -> Option<u8> {
        if let Storage::Frozen(a) = self {
            return a.get(off).copied();
        }
        self.load(off)
    }

    /// Stores the `N` bytes of `item` at `off`; `false` (storing nothing)
    /// if out of bounds or not writable.
    #[inline(always)]
    pub(crate) fn store_item<const N: usize>(&self, off: usize, item: [u8; N]) -> bool {
        if N == 1 {
            return item.first().is_some_and(|&b| self.store(off, b));
        }
        self.copy_in(off, &item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_roundtrip_and_bounds() {
        let s = Storage::shared_zeroed(130).unwrap();
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

    fn both(data: &[u8]) -> [Storage; 2] {
        let shared = Storage::shared_zeroed(data.len()).unwrap();
        assert!(shared.copy_in(0, data));
        [Storage::Frozen(Arc::from(data)), shared]
    }

    #[test]
    fn fast_paths_agree_with_copy_out() {
        let data: Vec<u8> = (0..=255).collect();
        for s in both(&data) {
            let mut dst = [0u8; 3];
            assert!(s.read_into(10, &mut dst));
            assert_eq!(dst, [10, 11, 12]);
            assert!(!s.read_into(254, &mut dst));
            assert!(!s.read_into(usize::MAX, &mut dst));
            assert_eq!(s.with_bytes(1, 2, <[u8]>::to_vec), Some(vec![1, 2]));
            assert_eq!(s.with_bytes(255, 2, <[u8]>::len), None);
            for (first, n, stride, item) in [
                (0, 128, 2, 1),
                (1, 85, 3, 1),
                (0, 64, 4, 2),
                (255, 256, -1, 1),
                (250, 10, -25, 3),
                (0, 256, 1, 1),
                (7, 1, 100, 4),
                (0, 0, 5, 1),
            ] {
                let mut want = Vec::new();
                for k in 0..n {
                    let off = (first as isize + k as isize * stride) as usize;
                    assert!(s.copy_out(off, item, &mut want));
                }
                let mut got = Vec::new();
                assert!(s.copy_strided(first, n, stride, item, &mut got));
                assert_eq!(got, want, "{first} {n} {stride} {item}");
            }
            assert_eq!(s.arc_of(2, 3).as_deref(), Some(&[2u8, 3, 4][..]));
            assert_eq!(s.arc_of(255, 2), None);
            assert_eq!(
                s.stepped_arc(1, 3, 100).as_deref(),
                Some(&[1u8, 101, 201][..])
            );
            assert_eq!(s.stepped_arc(1, 4, 100), None);
            assert_eq!(s.stepped_arc(0, 0, 1), None);
            let mut none = Vec::new();
            assert!(!s.copy_strided(0, 129, 2, 1, &mut none));
            assert!(!s.copy_strided(0, 2, -1, 1, &mut none));
            assert!(!s.copy_strided(0, 2, isize::MAX, 2, &mut none));
            assert!(!s.copy_strided(255, 1, 1, 2, &mut none));
            assert!(none.is_empty());
            for t in both(&data) {
                assert_eq!(s.eq_range(0, &t, 0, 256), Some(true));
                assert_eq!(s.eq_range(0, &t, 1, 255), Some(false));
                assert_eq!(s.eq_range(0, &t, 1, 256), None);
                assert_eq!(s.eq_range(3, &t, 3, 0), Some(true));
            }
        }
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
        let mut s = Storage::shared_zeroed(1).unwrap();
        assert!(s.is_unique());
        let c = s.clone();
        assert!(!s.is_unique());
        assert_eq!(s.other_holders(), 1);
        drop(c);
        assert!(s.is_unique());
    }
}
