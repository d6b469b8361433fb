//! The one shared-memory mechanism of the crate, and the only place where
//! aliasing is handled.
//!
//! # Design
//!
//! ```text
//! enum Storage {
//!     Frozen(Arc<[u8]>),               // bytes: never written after creation
//!     Shared(Arc<Words>),              // bytearray: atomic 64-bit words
//!     Foreign(Arc<dyn ForeignMemory>), // memory owned elsewhere (a Python buffer)
//! }
//! ```
//!
//! * [`Bytes`](crate::Bytes) keeps its data `Frozen`: reads are plain loads,
//!   copies are `memcpy`, equality is `memcmp`.
//! * [`ByteArray`](crate::ByteArray) owns a `Shared` allocation whose length is
//!   its *capacity* (CPython's `ob_alloc`); the logical start and length live
//!   in the `ByteArray`. The bytes are kept in `AtomicU64` words (see
//!   [`words`]): byte `i` is byte `i % 8` of word `i / 8` in native order, so
//!   the memory an FFI export hands to C is ordinary bytes.
//! * `Foreign` memory is a slice of atomic bytes (`&[AtomicU8]`) that
//!   someone else owns; its export count is the `Arc`'s, as for the others.
//!   Read-only foreign memory refuses every store, as `Frozen` does.
//! * Every export (a [`Buffer`](crate::Buffer), or a
//!   [`MemoryView`](crate::MemoryView) and each view made from it) keeps
//!   a clone of the `Arc`. "No exports" is therefore exactly "strong count is
//!   1" (`Arc::get_mut` succeeds), and that is what the resize check asks. No
//!   separate counter can drift out of step with reality: dropping a view
//!   *is* releasing the export. It is also the one time a `bytearray` may
//!   grow, and then it grows in place (`realloc` of its `Vec` of words).
//! * Shared mutation happens only through atomics, so Rust's aliasing rules
//!   hold without `unsafe`, without locks, and every type is `Send + Sync`.
//!
//! # Cost
//!
//! Reads of `Shared` memory are relaxed word loads: eight bytes per load,
//! near `memcpy` speed for bulk copies (LLVM never vectorises atomic loads,
//! so one byte per load would be eight times slower). A store of whole
//! aligned words is a plain word store; a store of part of a word (a single
//! byte, an item that does not fill its word) is a compare-and-swap loop on
//! that word, so that a neighbouring byte written by another thread is
//! never lost. That makes `m[i] = v` on a `bytearray` a `lock cmpxchg`
//! (x86-64) rather than a plain `mov`: the price of fast bulk reads without
//! `unsafe`. An owner with no exports writes plain `u64`s.
//!
//! Copies out of `Frozen` memory are `memcpy`. Concurrent writers from
//! several threads give no torn bytes but no ordering either, as with
//! CPython's buffers written from C without the GIL.
//!
//! Every reader that copies a layout's bytes goes through one function,
//! [`Storage::gather`] (contiguous: one bulk copy; 1-D strided:
//! [`Storage::copy_strided`]; N-d: one strided walk per row). Every index
//! check for reading or writing a byte is in this module (or in
//! [`layout`](crate::layout) for the offset arithmetic of N-d views).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering, fence};

use crate::error::{Error, Result, ensure_arc_fits, try_vec};
use crate::layout::Layout;

mod words;

pub(crate) use words::{Words, item_in};

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

    /// The same memory as plain bytes, if the owner guarantees that no one
    /// writes it while the value lives (a Python `bytes` object, which is
    /// immutable once shared). Then the crate reads it as it reads its own
    /// `bytes` (`memcpy`, `memcmp`, in-place unpacking) and never stores
    /// into it. The slice must be [`bytes`](ForeignMemory::bytes) itself
    /// (same address, same length); one of another length is ignored.
    /// Default: `None` (atomic reads, one byte at a time). Cost: O(1).
    ///
    /// ```
    /// use std::sync::atomic::AtomicU8;
    /// use bufproto::ForeignMemory;
    /// #[derive(Debug)]
    /// struct Lent(Vec<AtomicU8>);
    /// impl ForeignMemory for Lent {
    ///     fn bytes(&self) -> &[AtomicU8] { &self.0 }
    /// }
    /// assert!(Lent(Vec::new()).frozen().is_none());
    /// ```
    ///
    /// # Errors
    ///
    /// None: `None` means "read as atomics".
    fn frozen(&self) -> Option<&[u8]> {
        None
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
    /// Mutable bytes shared with views (`bytearray`), in atomic words.
    Shared(Arc<Words>),
    /// Atomic bytes owned elsewhere (e.g. a Python buffer), used like `Shared`.
    Foreign(Arc<dyn ForeignMemory>),
}

impl Storage {
    /// An empty shared allocation (no bytes, nothing to fail).
    pub(crate) fn shared_empty() -> Storage {
        Storage::Shared(Arc::new(Words::default()))
    }

    /// A shared allocation of `n` zero bytes, or `MemoryError`.
    #[cfg(test)]
    pub(crate) fn shared_zeroed(n: usize) -> Result<Storage> {
        Ok(Storage::Shared(Arc::new(Words::zeroed(n)?)))
    }

    /// A shared allocation holding a copy of `data`, or `MemoryError`.
    pub(crate) fn shared_from(data: &[u8]) -> Result<Storage> {
        Ok(Storage::Shared(Arc::new(Words::from_bytes(data)?)))
    }

    /// Frozen storage holding `data`, or `MemoryError` (the `Arc` is a new
    /// allocation and a copy).
    pub(crate) fn frozen_from(data: Vec<u8>) -> Result<Storage> {
        ensure_arc_fits::<u8>(data.len())?;
        Ok(Storage::Frozen(Arc::from(data)))
    }

    /// The atomic bytes of foreign memory, if stores are allowed (never
    /// for memory its owner calls [`frozen`](ForeignMemory::frozen)).
    fn foreign_writable(&self) -> Option<&[AtomicU8]> {
        match self {
            Storage::Foreign(f) if !f.readonly() && f.frozen().is_none() => Some(f.bytes()),
            _ => None,
        }
    }

    /// The whole allocation as plain bytes, read in place: `Frozen`
    /// memory, and foreign memory whose owner promises no writes
    /// ([`ForeignMemory::frozen`], checked to be the same length). The one
    /// test of every plain-slice fast path.
    #[inline]
    pub(crate) fn as_plain(&self) -> Option<&[u8]> {
        match self {
            Storage::Frozen(a) => Some(a),
            Storage::Shared(_) => None,
            Storage::Foreign(f) => f.frozen().filter(|s| s.len() == f.bytes().len()),
        }
    }

    /// The allocation's length in bytes.
    pub(crate) fn len(&self) -> usize {
        match self {
            Storage::Frozen(a) => a.len(),
            Storage::Shared(w) => w.len(),
            Storage::Foreign(f) => f.bytes().len(),
        }
    }

    /// Whether no export holds a clone (strong count is 1, no weak refs).
    ///
    /// Two loads of the counts, not `Arc::get_mut`'s compare-and-swap (a
    /// `lock cmpxchg`, which `bytearray +=` paid on every call): with
    /// `&mut self` no clone can be made meanwhile, so a count of one stays
    /// one. The writes that follow still go through `Arc::get_mut`.
    ///
    /// That reasoning needs an `Arc` nobody holds a `Weak` of: a `Weak`
    /// upgraded on another thread between the two loads would be missed.
    /// The crate never makes a `Weak` of its own `Frozen` and `Shared`
    /// memory, but a [`ForeignMemory`] owner may keep one (`Foreign::new`'s
    /// docs suggest it), so `Foreign` asks `Arc::get_mut`, which locks the
    /// weak count while it looks.
    pub(crate) fn is_unique(&mut self) -> bool {
        fn only<T: ?Sized>(a: &Arc<T>) -> bool {
            let one = Arc::strong_count(a) == 1 && Arc::weak_count(a) == 0;
            // As `Arc`'s own drop does: synchronise with the `Release`
            // decrements of the clones dropped by other threads, so their
            // writes happen before whatever this holder does next.
            fence(Ordering::Acquire);
            one
        }
        match self {
            Storage::Frozen(a) => only(a),
            Storage::Shared(a) => only(a),
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
            Storage::Shared(w) => w.as_ptr() as usize,
            Storage::Foreign(f) => f.bytes().as_ptr() as usize,
        }
    }

    /// A raw pointer to the allocation's first byte, for FFI. Writes through
    /// it are allowed only for `Shared` and writable `Foreign` memory (atomic
    /// words or bytes, so interior mutability covers them).
    pub(crate) fn base_ptr(&self) -> *mut u8 {
        match self {
            Storage::Frozen(a) => a.as_ptr().cast_mut(),
            Storage::Shared(w) => w.as_ptr().cast_mut(),
            Storage::Foreign(f) => f.bytes().as_ptr().cast::<u8>().cast_mut(),
        }
    }

    /// The byte at `i`, or `None` past the end.
    #[inline]
    pub(crate) fn load(&self, i: usize) -> Option<u8> {
        if let Some(a) = self.as_plain() {
            return a.get(i).copied();
        }
        match self {
            Storage::Frozen(a) => a.get(i).copied(),
            Storage::Shared(w) => w.load(i),
            Storage::Foreign(f) => f.bytes().get(i).map(|b| b.load(Ordering::Relaxed)),
        }
    }

    /// Stores `v` at `i` (for `Shared` memory a compare-and-swap of its
    /// word). Returns `false` (and stores nothing) past the end or on
    /// frozen memory.
    #[inline]
    pub(crate) fn store(&self, i: usize, v: u8) -> bool {
        match self {
            Storage::Frozen(_) => false,
            Storage::Shared(w) => w.store(i, v),
            Storage::Foreign(_) => match self.foreign_writable().and_then(|a| a.get(i)) {
                Some(b) => {
                    b.store(v, Ordering::Relaxed);
                    true
                }
                None => false,
            },
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
        if let Some(a) = self.as_plain() {
            return match a.get(start..end) {
                Some(s) => {
                    out.extend_from_slice(s);
                    true
                }
                None => false,
            };
        }
        match self {
            Storage::Frozen(a) => match a.get(start..end) {
                Some(s) => {
                    out.extend_from_slice(s);
                    true
                }
                None => false,
            },
            Storage::Shared(w) => w.copy_out(start, n, out),
            Storage::Foreign(f) => match f.bytes().get(start..end) {
                Some(s) => {
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
            Storage::Shared(w) => w.copy_in(start, src),
            Storage::Foreign(_) => match self.foreign_writable().and_then(|a| a.get(start..end)) {
                Some(d) => {
                    for (b, v) in d.iter().zip(src) {
                        b.store(*v, Ordering::Relaxed);
                    }
                    true
                }
                None => false,
            },
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
            Storage::Shared(w) => w.move_within(src, dst, n),
            Storage::Foreign(_) => {
                let Some(a) = self.foreign_writable() else {
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
/// exports): through `Arc::get_mut` and `AtomicU64::get_mut` the words are
/// plain `u64`s, so no compare-and-swap is needed. With other holders they
/// fall back to atomic stores.
impl Storage {
    /// Copies `src` to `start..`, like [`copy_in`](Storage::copy_in).
    /// Without exports, no compare-and-swap (and no `Arc::get_mut`, whose
    /// `lock cmpxchg` cost more than a 1 KiB copy).
    pub(crate) fn copy_in_mut(&mut self, start: usize, src: &[u8]) -> bool {
        if self.is_unique()
            && let Storage::Shared(w) = self
        {
            // Long runs: plain `u64` stores, which vectorise, are worth
            // `Arc::get_mut`'s compare-and-swap; so are bytes past the
            // written words, which only `&mut Words` can push.
            let past = start.saturating_add(src.len()) > w.written();
            if src.len() >= BIG_WRITE || past {
                return Arc::get_mut(w).is_some_and(|w| w.copy_in_mut(start, src));
            }
            return w.copy_in_owned(start, src);
        }
        self.copy_in(start, src)
    }

    /// Makes bytes `..upto` of `Shared` memory written words (zeros where
    /// nothing was written), so that stores through exports reach them;
    /// see [`Words`]. Returns `false` if that fails (never: the room is
    /// reserved).
    pub(crate) fn materialize(&mut self, upto: usize) -> bool {
        match self {
            Storage::Shared(a) if a.written() < upto.min(a.len()) => {
                Arc::get_mut(a).is_some_and(|w| w.materialize(upto))
            }
            _ => true,
        }
    }

    /// Stores `v` at `i`, like [`store`](Storage::store).
    pub(crate) fn store_mut(&mut self, i: usize, v: u8) -> bool {
        self.copy_in_mut(i, &[v])
    }

    /// Zeroes bytes `start..start+n`.
    pub(crate) fn zero_mut(&mut self, start: usize, n: usize) -> bool {
        if let Storage::Shared(a) = self {
            return match Arc::get_mut(a) {
                Some(w) => w.zero_mut(start, n),
                None => a.zero(start, n),
            };
        }
        match self
            .foreign_writable()
            .and_then(|a| a.get(start..start.checked_add(n)?))
        {
            Some(d) => {
                d.iter().for_each(|b| b.store(0, Ordering::Relaxed));
                true
            }
            None => false,
        }
    }

    /// Makes this a shared allocation of `new_len` bytes: bytes
    /// `start..start+keep` of this one, then `tail`, then zeros (`keep +
    /// tail.len() <= new_len`). The only holder of a `Shared` allocation
    /// grows it in place (a `realloc`, see [`Words::regrow`]); any other
    /// storage is copied into a new one.
    ///
    /// # Errors
    ///
    /// `OverflowError` if out of bounds (never for a caller's own
    /// bookkeeping), `MemoryError` if the allocation fails; either way
    /// nothing changed.
    pub(crate) fn regrow(
        &mut self,
        start: usize,
        keep: usize,
        new_len: usize,
        tail: &[u8],
    ) -> Result<()> {
        if let Storage::Shared(a) = self
            && let Some(w) = Arc::get_mut(a)
        {
            return w.regrow(start, keep, new_len, tail);
        }
        let end = start.checked_add(keep).ok_or_else(Error::size_overflow)?;
        if end > self.len() {
            return Err(Error::size_overflow());
        }
        let mut kept = try_vec(keep)?;
        if !self.copy_out(start, keep, &mut kept) {
            return Err(Error::size_overflow());
        }
        let mut fresh = Words::from_bytes(&kept)?;
        fresh.regrow(0, keep, new_len, tail)?;
        *self = Storage::Shared(Arc::new(fresh));
        Ok(())
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

/// Appends the first `item` bytes of every `step`-byte chunk of `body`
/// (`item <= step`) to `out`, whose room the caller reserved.
fn pick(body: &[u8], step: usize, item: usize, out: &mut Vec<u8>) {
    #[inline(never)]
    fn fixed<const S: usize>(body: &[u8], out: &mut Vec<u8>) {
        out.extend(body.chunks_exact(S).map(|c| c[0]));
    }
    match (item, step) {
        (1, 2) => fixed::<2>(body, out),
        (1, 4) => fixed::<4>(body, out),
        (1, 8) => fixed::<8>(body, out),
        (1, _) => out.extend(body.chunks_exact(step).map(|c| c[0])),
        _ => {
            for c in body.chunks_exact(step) {
                out.extend_from_slice(c.get(..item).unwrap_or(&[]));
            }
        }
    }
}

/// From this many bytes an owner's write takes `Arc::get_mut` for plain
/// (vectorised) stores rather than atomic word stores.
const BIG_WRITE: usize = 256;

/// Bytes of `Shared` memory read per block by a dense strided copy.
const BLOCK: usize = 4096;

/// The largest stride copied through blocks (below it, reading every byte
/// eight to a load beats one load per item).
const DENSE: usize = 64;

/// Fast paths added for speed (see the book's chapter 15). Each handles the
/// storages it knows and sends any other through the primitives above, so
/// a new kind of storage works with them unchanged.
impl Storage {
    /// Copies bytes `start..start+dst.len()` into `dst` without allocating.
    /// Returns `false` (leaving `dst` unspecified) if out of bounds.
    #[inline]
    pub(crate) fn read_into(&self, start: usize, dst: &mut [u8]) -> bool {
        let Some(end) = start.checked_add(dst.len()) else {
            return false;
        };
        if let Some(a) = self.as_plain() {
            return match a.get(start..end) {
                Some(s) => {
                    dst.copy_from_slice(s);
                    true
                }
                None => false,
            };
        }
        match self {
            Storage::Frozen(a) => match a.get(start..end) {
                Some(s) => {
                    dst.copy_from_slice(s);
                    true
                }
                None => false,
            },
            Storage::Shared(w) => w.read_into(start, dst),
            Storage::Foreign(f) => match f.bytes().get(start..end) {
                Some(s) => {
                    for (d, b) in dst.iter_mut().zip(s) {
                        *d = b.load(Ordering::Relaxed);
                    }
                    true
                }
                None => false,
            },
        }
    }

    /// Bytes `start..start+n` as a new `Arc<[u8]>`, written straight into
    /// the new allocation (one `memcpy` from frozen memory; a zeroed `Arc`
    /// filled by word loads from shared memory). `None` if out of bounds or
    /// if the allocation would fail (the caller's slow path then reports the
    /// `MemoryError`).
    pub(crate) fn arc_of(&self, start: usize, n: usize) -> Option<Arc<[u8]>> {
        let end = start.checked_add(n)?;
        if end > self.len() {
            return None;
        }
        ensure_arc_fits::<u8>(n).ok()?;
        if let Some(a) = self.as_plain() {
            return a.get(start..end).map(Arc::from);
        }
        match self {
            Storage::Frozen(a) => a.get(start..end).map(Arc::from),
            Storage::Shared(w) => {
                // An exact-size iterator: one allocation, then filled in
                // place (collecting the words' bytes straight into the
                // `Arc` is an element-at-a-time loop, measured 20x slower).
                let mut a: Arc<[u8]> = std::iter::repeat_n(0, n).collect();
                let dst = Arc::get_mut(&mut a)?;
                w.read_into(start, dst).then_some(a)
            }
            Storage::Foreign(f) => f
                .bytes()
                .get(start..end)
                .map(|s| s.iter().map(|b| b.load(Ordering::Relaxed)).collect()),
        }
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
        if let Some(a) = self.as_plain() {
            return a.get(start..start.checked_add(n)?).map(f);
        }
        let mut v = try_vec(n).ok()?;
        self.copy_out(start, n, &mut v).then(|| f(&v))
    }

    /// Whether bytes `a..a+n` here equal bytes `b..b+n` of `other`, without
    /// copying either whole range (`memcmp` for frozen memory, word
    /// comparisons for shared memory, 256-byte chunks otherwise). `None` if
    /// a range is out of bounds.
    pub(crate) fn eq_range(&self, a: usize, other: &Storage, b: usize, n: usize) -> Option<bool> {
        let (end_a, end_b) = (a.checked_add(n)?, b.checked_add(n)?);
        if end_a > self.len() || end_b > other.len() {
            return None;
        }
        if let (Some(x), Some(y)) = (self.as_plain(), other.as_plain()) {
            return Some(x.get(a..end_a)? == y.get(b..end_b)?);
        }
        match (self, other) {
            (Storage::Shared(x), Storage::Shared(y)) => return x.eq_range(a, y, b, n),
            (Storage::Shared(x), o) if o.as_plain().is_some() => {
                return x.eq_bytes(a, o.as_plain()?.get(b..end_b)?);
            }
            (o, Storage::Shared(y)) if o.as_plain().is_some() => {
                return y.eq_bytes(b, o.as_plain()?.get(a..end_a)?);
            }
            _ => {}
        }
        let (mut p, mut q) = ([0u8; 256], [0u8; 256]);
        let mut k = 0;
        while k < n {
            let m = (n - k).min(p.len());
            if !self.read_into(a + k, &mut p[..m]) || !other.read_into(b + k, &mut q[..m]) {
                return None;
            }
            if p[..m] != q[..m] {
                return Some(false);
            }
            k += m;
        }
        Some(true)
    }

    /// Bytes `a..a+la` here against bytes `b..b+lb` of `other`, by byte
    /// value, a prefix first (`memcmp`, then the lengths: `bytes_richcompare`).
    /// No allocation: `memcmp` for plain memory, 512-byte chunks on the
    /// stack otherwise. `None` if a range is out of bounds.
    pub(crate) fn cmp_range(
        &self,
        (a, la): (usize, usize),
        other: &Storage,
        (b, lb): (usize, usize),
    ) -> Option<std::cmp::Ordering> {
        let (end_a, end_b) = (a.checked_add(la)?, b.checked_add(lb)?);
        if let (Some(x), Some(y)) = (self.as_plain(), other.as_plain()) {
            return Some(x.get(a..end_a)?.cmp(y.get(b..end_b)?));
        }
        if end_a > self.len() || end_b > other.len() {
            return None;
        }
        let n = la.min(lb);
        let (mut p, mut q) = ([0u8; 512], [0u8; 512]);
        let mut k = 0;
        while k < n {
            let m = (n - k).min(p.len());
            let (pm, qm) = (&mut p[..m], &mut q[..m]);
            if !self.read_into(a + k, pm) || !other.read_into(b + k, qm) {
                return None;
            }
            match pm.cmp(&qm) {
                std::cmp::Ordering::Equal => k += m,
                unequal => return Some(unequal),
            }
        }
        Some(la.cmp(&lb))
    }

    /// Appends `n` items of `item` bytes, the first at byte `first` and each
    /// next one `stride` bytes further (any sign): a strided 1-D copy, with
    /// no list of offsets. A positive stride walks fixed-size chunks
    /// (`chunks_exact`), which the compiler turns into a tight loop; over
    /// `Shared` memory a dense stride (up to 64 bytes) first copies blocks
    /// of 4 KiB to the stack with word loads. Returns `false` (appending
    /// nothing) if an item is out of bounds.
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
        if step == item && stride > 0 {
            // Contiguous: one bulk copy.
            return self.copy_out(first, total, out);
        }
        if stride > 0 && step >= item {
            // [first, first + n*step) may run past the end by step - item
            // bytes: walk the n-1 whole chunks before `last`, then the last
            // item (its end is `end`, in bounds).
            if let Some(a) = self.as_plain() {
                pick(&a[first..last], step, item, out);
                out.extend_from_slice(&a[last..end]);
                return true;
            }
            if let Storage::Shared(w) = self
                && step <= DENSE
            {
                let per = BLOCK / step;
                let mut buf = [0u8; BLOCK];
                let mut k = 0;
                while k < n - 1 {
                    let m = (n - 1 - k).min(per);
                    let chunk = &mut buf[..m * step];
                    if !w.read_into(first + k * step, chunk) {
                        return false;
                    }
                    pick(chunk, step, item, out);
                    k += m;
                }
                return w.copy_out(last, item, out);
            }
        }
        if let Some(a) = self.as_plain()
            && stride < 0
            && item == 1
        {
            out.extend(a[last..=first].iter().rev().step_by(step).copied());
            return true;
        }
        let mut off = first;
        let mut one = [0u8; 16];
        for k in 0..n {
            let ok = match one.get_mut(..item) {
                // small items: read on the stack, no `Vec` resize per item
                Some(d) => {
                    let read = self.read_into(off, d);
                    out.extend_from_slice(d);
                    read
                }
                None => self.copy_out(off, item, out),
            };
            if !ok {
                return false;
            }
            if k + 1 < n {
                off = off.wrapping_add_signed(stride);
            }
        }
        true
    }

    /// The copy engine's 1-D case: `n` items of `item` bytes from byte
    /// `first`, `stride` apart, as a new `Vec` (for frozen memory and a
    /// positive stride of single bytes, the vectorised `chunks_exact` loop
    /// builds the result itself).
    ///
    /// # Errors
    ///
    /// `MemoryError` if the result cannot be allocated; `OverflowError` if
    /// an item is out of bounds (never for a layout that fits its memory).
    pub(crate) fn gather_1d(
        &self,
        first: usize,
        n: usize,
        stride: isize,
        item: usize,
    ) -> Result<Vec<u8>> {
        let total = n.checked_mul(item).ok_or_else(Error::no_memory)?;
        if let Some(a) = self.as_plain()
            && item == 1
            && stride > 1
            && n > 1
        {
            let step = stride.unsigned_abs();
            let last = step
                .checked_mul(n - 1)
                .and_then(|d| d.checked_add(first))
                .filter(|&l| l < a.len())
                .ok_or_else(Error::size_overflow)?;
            // n <= len / step + 1: bounded by memory that exists, and
            // asked of the allocator first, as for an `Arc`.
            ensure_arc_fits::<u8>(total)?;
            let whole = step
                .checked_mul(n)
                .and_then(|e| e.checked_add(first))
                .and_then(|e| a.get(first..e));
            return Ok(match whole {
                Some(whole) => every_step(whole, step),
                None => {
                    let mut v = every_step(a.get(first..last).unwrap_or(&[]), step);
                    v.extend(a.get(last).copied());
                    v
                }
            });
        }
        let mut out = try_vec(total)?;
        if self.copy_strided(first, n, stride, item, &mut out) {
            Ok(out)
        } else {
            Err(Error::size_overflow())
        }
    }

    /// The copy engine: the items of `layout`, in C order (in Fortran order
    /// if `fortran`), as a new `Vec`. Every reader that copies a layout's
    /// bytes comes here; the one fast-path test is the memory's order.
    /// Memory already in the order asked for is one bulk copy
    /// ([`copy_out`](Storage::copy_out)); a 1-D layout one strided walk
    /// ([`gather_1d`](Storage::gather_1d)); an N-d layout one strided walk
    /// per row of its fastest dimension. No list of offsets is made.
    ///
    /// # Errors
    ///
    /// `MemoryError` when the copy cannot be allocated (zero strides let a
    /// one-byte buffer describe 2**62 bytes); `OverflowError` if an item is
    /// out of bounds (never for a layout that fits its memory).
    pub(crate) fn gather(&self, layout: &Layout, fortran: bool) -> Result<Vec<u8>> {
        let n = layout.nbytes().ok_or_else(Error::no_memory)?;
        let item = layout.itemsize();
        let start = || usize::try_from(layout.offset()).map_err(|_| Error::size_overflow());
        if n == 0 || in_order(layout, fortran) {
            let mut out = try_vec(n)?;
            if n > 0 && !self.copy_out(start()?, n, &mut out) {
                return Err(Error::size_overflow());
            }
            return Ok(out);
        }
        let (shape, strides) = (layout.shape(), layout.strides());
        if let ([len], [stride]) = (shape, strides) {
            return self.gather_1d(start()?, *len, *stride, item);
        }
        // N-d (n > 0, so no dimension is 0): rows of the fastest dimension.
        let nd = shape.len();
        let fast = if fortran { 0 } else { nd.saturating_sub(1) };
        let (Some(&row_len), Some(&row_stride)) = (shape.get(fast), strides.get(fast)) else {
            return Err(Error::size_overflow());
        };
        let mut out = try_vec(n)?;
        let mut idx = [0usize; crate::layout::MAX_NDIM];
        let idx = idx.get_mut(..nd).ok_or_else(Error::size_overflow)?;
        loop {
            let row = layout.byte_offset(idx).ok_or_else(Error::size_overflow)?;
            if !self.copy_strided(row, row_len, row_stride, item, &mut out) {
                return Err(Error::size_overflow());
            }
            // The next row: the layout's odometer over the other dimensions.
            if !layout.next_index(idx, fortran, 1) {
                return Ok(out);
            }
        }
    }

    /// [`gather`](Storage::gather) into a caller's buffer of exactly the
    /// layout's `nbytes`: memory already in order is one copy straight
    /// into `dst`, with no allocation; anything else is gathered into a
    /// `Vec` first and copied once more.
    ///
    /// # Errors
    ///
    /// `OverflowError` if `dst` is not `nbytes` long or an item is out of
    /// bounds; otherwise as [`gather`](Storage::gather).
    pub(crate) fn gather_into(&self, layout: &Layout, fortran: bool, dst: &mut [u8]) -> Result<()> {
        let n = layout.nbytes().ok_or_else(Error::no_memory)?;
        if dst.len() != n {
            return Err(Error::size_overflow());
        }
        if n == 0 {
            return Ok(());
        }
        if in_order(layout, fortran) {
            let start = usize::try_from(layout.offset()).map_err(|_| Error::size_overflow())?;
            return match self.read_into(start, dst) {
                true => Ok(()),
                false => Err(Error::size_overflow()),
            };
        }
        let v = self.gather(layout, fortran)?;
        if v.len() != dst.len() {
            return Err(Error::size_overflow());
        }
        dst.copy_from_slice(&v);
        Ok(())
    }

    /// [`gather`](Storage::gather) as a new `Arc<[u8]>`: memory already in
    /// order is written straight into the `Arc` (one allocation); anything
    /// else is gathered into a `Vec` first and copied once more.
    ///
    /// # Errors
    ///
    /// As [`gather`](Storage::gather).
    pub(crate) fn gather_arc(&self, layout: &Layout, fortran: bool) -> Result<Arc<[u8]>> {
        if let (Ok(start), Some(n)) = (usize::try_from(layout.offset()), layout.nbytes())
            && n > 0
            && in_order(layout, fortran)
            && let Some(a) = self.arc_of(start, n)
        {
            return Ok(a);
        }
        try_arc(&self.gather(layout, fortran)?)
    }
}

/// Whether the memory of `layout` holds its items in the order asked for.
fn in_order(layout: &Layout, fortran: bool) -> bool {
    if fortran {
        layout.f_contiguous()
    } else {
        layout.c_contiguous()
    }
}

/// Whole-item loads and stores for the view's 1-D fast paths (issue 15):
/// plain memory ([`as_plain`](Storage::as_plain)) read in place, shared
/// memory through its words (an item inside one word is one word load and
/// a shift, a store one compare-and-swap on it), other memory through
/// [`read_into`](Storage::read_into) and [`copy_in`](Storage::copy_in).
impl Storage {
    /// The words of `bytearray` memory, for a caller that reads many items
    /// of the same storage (one match on the storage, not one per item).
    #[inline]
    pub(crate) fn as_words(&self) -> Option<&Words> {
        match self {
            Storage::Shared(w) => Some(w),
            _ => None,
        }
    }

    /// The `N` bytes at `off`, or `None` if out of bounds. One match on
    /// the storage, inlined: `bytes` memory is a slice read, `bytearray`
    /// memory a word load; foreign memory is out of line.
    #[inline(always)]
    pub(crate) fn load_item<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        match self {
            Storage::Frozen(a) => a.get(off..off.checked_add(N)?)?.try_into().ok(),
            Storage::Shared(w) => w.load_item::<N>(off),
            Storage::Foreign(_) => self.load_foreign_item(off),
        }
    }

    /// [`load_item`](Storage::load_item) of foreign memory: in place when
    /// its owner says it is frozen, byte by byte otherwise.
    #[inline(never)]
    fn load_foreign_item<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        let mut item = [0u8; N];
        self.read_into(off, &mut item).then_some(item)
    }

    /// The byte at `off`, or `None` if out of bounds (as
    /// [`load_item`](Storage::load_item), one match inlined).
    #[inline(always)]
    pub(crate) fn load_byte(&self, off: usize) -> Option<u8> {
        match self {
            Storage::Frozen(a) => a.get(off).copied(),
            Storage::Shared(w) => w.load(off),
            Storage::Foreign(_) => self.load_foreign_byte(off),
        }
    }

    /// [`load_byte`](Storage::load_byte) of foreign memory.
    #[inline(never)]
    fn load_foreign_byte(&self, off: usize) -> Option<u8> {
        self.load(off)
    }

    /// Stores the `N` bytes of `item` at `off`; `false` (storing nothing)
    /// if out of bounds or not writable.
    #[inline(always)]
    pub(crate) fn store_item<const N: usize>(&self, off: usize, item: [u8; N]) -> bool {
        match self {
            Storage::Frozen(_) => false,
            Storage::Shared(w) => w.store_item::<N>(off, item),
            Storage::Foreign(_) if N == 1 => item.first().is_some_and(|&b| self.store(off, b)),
            Storage::Foreign(_) => self.copy_in(off, &item),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cmp_range` orders as `[u8]::cmp` does, for every pair of memory
    /// kinds, offsets, lengths across the 512-byte chunks, and the first
    /// difference before, at and after a chunk's end.
    #[test]
    fn cmp_range_orders_as_slices_do() {
        let base: Vec<u8> = (0..1200u32).map(|i| (i * 7 % 251) as u8).collect();
        for at in [None, Some(0), Some(511), Some(512), Some(1000)] {
            let mut other = base.clone();
            if let Some(k) = at {
                other[k + 3] ^= 0x80;
            }
            let kinds = |d: &[u8]| {
                [
                    Storage::Frozen(Arc::from(d)),
                    Storage::shared_from(d).unwrap(),
                ]
            };
            for x in kinds(&base) {
                for y in kinds(&other) {
                    for (a, la, b, lb) in [
                        (3, 1100, 3, 1100),
                        (3, 1100, 3, 600),
                        (0, 0, 3, 5),
                        (3, 515, 3, 1196),
                        (2, 1000, 3, 1000),
                    ] {
                        let want = base[a..a + la].cmp(&other[b..b + lb]);
                        assert_eq!(x.cmp_range((a, la), &y, (b, lb)), Some(want));
                    }
                    assert_eq!(x.cmp_range((0, 1201), &y, (0, 1)), None);
                }
            }
        }
    }

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

    /// Foreign memory whose owner promises no writes: the plain slice is a
    /// copy here (safe Rust cannot alias it with the atomics), so a read
    /// that took the atomic path would see `atomic`'s different bytes.
    #[derive(Debug)]
    struct Still {
        atomic: Vec<AtomicU8>,
        plain: Vec<u8>,
    }

    impl ForeignMemory for Still {
        fn bytes(&self) -> &[AtomicU8] {
            &self.atomic
        }
        fn frozen(&self) -> Option<&[u8]> {
            Some(&self.plain)
        }
    }

    fn still(data: &[u8], atomic: u8) -> Storage {
        let atomic = data.iter().map(|_| AtomicU8::new(atomic)).collect();
        Storage::Foreign(Arc::new(Still {
            atomic,
            plain: data.to_vec(),
        }))
    }

    fn both(data: &[u8]) -> [Storage; 3] {
        let shared = Storage::shared_zeroed(data.len()).unwrap();
        assert!(shared.copy_in(0, data));
        [Storage::Frozen(Arc::from(data)), shared, still(data, 0xEE)]
    }

    /// Frozen foreign memory is read through its plain slice and never
    /// written; one whose slice has another length is read as atomics.
    #[test]
    fn frozen_foreign_memory_reads_plain_and_refuses_stores() {
        let s = still(b"abc", b'z');
        assert_eq!(s.as_plain(), Some(&b"abc"[..]));
        assert_eq!(s.load(1), Some(b'b'));
        assert!(!s.store(0, 1));
        assert!(!s.copy_in(0, b"x"));
        assert!(!s.move_within(0, 1, 1));
        assert_eq!(s.load(0), Some(b'a'));
        let odd = Storage::Foreign(Arc::new(Still {
            atomic: vec![AtomicU8::new(7)],
            plain: vec![1, 2],
        }));
        assert_eq!(odd.as_plain(), None);
        assert_eq!(odd.load(0), Some(7));
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
            assert_eq!(s.gather_1d(1, 3, 100, 1).unwrap(), [1u8, 101, 201]);
            assert_eq!(s.gather_1d(0, 128, 2, 1).unwrap().len(), 128);
            assert!(s.gather_1d(1, 4, 100, 1).is_err());
            assert_eq!(s.gather_1d(0, 0, 1, 1).unwrap(), []);
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

    /// The copy engine against the definition: the items at the layout's
    /// offsets, in C or Fortran order, for every storage and many shapes.
    #[test]
    fn gather_is_every_item_in_order() {
        let data: Vec<u8> = (0..=255).collect();
        let layouts = [
            Layout::new(0, 1, "B", vec![256], vec![1]).unwrap(),
            Layout::new(255, 1, "B", vec![256], vec![-1]).unwrap(),
            Layout::new(3, 1, "B", vec![50], vec![5]).unwrap(),
            Layout::new(1, 2, "H", vec![40], vec![6]).unwrap(),
            Layout::new(0, 1, "B", vec![4, 8], vec![8, 1]).unwrap(),
            Layout::new(0, 1, "B", vec![4, 8], vec![1, 4]).unwrap(),
            Layout::new(200, 4, "i", vec![3, 5], vec![-40, 4]).unwrap(),
            Layout::new(9, 1, "B", vec![3, 4, 5], vec![60, -3, 10]).unwrap(),
            Layout::new(9, 3, "3s", vec![2, 3, 1], vec![30, 9, 0]).unwrap(),
            Layout::new(0, 1, "B", vec![2, 0, 3], vec![3, 3, 1]).unwrap(),
            Layout::new(5, 1, "B", vec![], vec![]).unwrap(),
        ];
        for s in both(&data) {
            for l in &layouts {
                assert!(l.fits(data.len()), "{l:?}");
                for fortran in [false, true] {
                    let offsets = if fortran {
                        l.item_offsets_fortran().unwrap()
                    } else {
                        l.item_offsets().unwrap()
                    };
                    let mut want = Vec::new();
                    for o in offsets {
                        assert!(s.copy_out(o, l.itemsize(), &mut want));
                    }
                    let what = format!("{l:?} fortran={fortran}");
                    assert_eq!(s.gather(l, fortran).unwrap(), want, "{what}");
                    assert_eq!(&s.gather_arc(l, fortran).unwrap()[..], &want[..], "{what}");
                }
            }
            let huge = Layout::new(0, 1, "B", vec![usize::MAX >> 2], vec![0]).unwrap();
            assert_eq!(
                s.gather(&huge, false).unwrap_err().kind(),
                crate::ErrorKind::MemoryError
            );
        }
    }

    /// Strided copies that cross the 4 KiB blocks of the shared path.
    #[test]
    fn strided_copies_across_blocks() {
        let data: Vec<u8> = (0..20_000).map(|i| (i * 7 % 251) as u8).collect();
        for s in both(&data) {
            for (first, stride, item) in [
                (0, 2, 1),
                (1, 3, 1),
                (5, 4, 2),
                (3, 8, 8),
                (2, 7, 3),
                (0, 64, 5),
                (1, 65, 1),
                (11, 1, 1),
            ] {
                let n = (data.len() - first - item) / stride + 1;
                let mut want = Vec::new();
                for k in 0..n {
                    want.extend_from_slice(&data[first + k * stride..][..item]);
                }
                let mut got = Vec::new();
                assert!(s.copy_strided(first, n, stride as isize, item, &mut got));
                assert_eq!(got, want, "{first} {stride} {item}");
                assert!(!s.copy_strided(first, n + 1, stride as isize, item, &mut got));
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
