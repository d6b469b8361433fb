//! `bytearray` memory: bytes kept in atomic 64-bit words.
//!
//! Byte `i` is byte `i % 8` of word `i / 8`, in `to_ne_bytes` order, so the
//! memory at [`Words::as_ptr`] holds ordinary bytes in order (what C sees
//! through an export). Every access is atomic:
//!
//! * reading any range is a run of word loads (a byte is a word load and a
//!   shift), so bulk reads move eight bytes per load;
//! * a store of whole, aligned words is a plain atomic word store;
//! * a store of part of a word (one byte, an unaligned item, the ends of a
//!   range) is a compare-and-swap loop that replaces only those bytes, so a
//!   neighbour written by another thread at the same time is never lost;
//! * an owner holding the only reference (`&mut`) writes plain `u64`s.
//!
//! The allocation is a `Vec`, so a `bytearray` without exports grows with
//! `realloc` (often in place) instead of a copy.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::error::{Error, Result};

/// Bytes per word.
const W: usize = 8;

/// Bytes `lo..hi` of word `word` (`lo < hi <= 8`).
#[derive(Clone, Copy, Debug)]
struct Part {
    word: usize,
    lo: usize,
    hi: usize,
}

/// Bytes `start..end` (`start <= end`) cut at word boundaries: a partial
/// first word, the whole words, a partial last word.
fn split(start: usize, end: usize) -> (Option<Part>, Range<usize>, Option<Part>) {
    let (a, b) = (start.div_ceil(W), end / W);
    if a > b {
        // Inside one word, neither end on a boundary.
        let part = (end > start).then_some(Part {
            word: start / W,
            lo: start % W,
            hi: end % W,
        });
        return (part, 0..0, None);
    }
    let head = (!start.is_multiple_of(W)).then_some(Part {
        word: start / W,
        lo: start % W,
        hi: W,
    });
    let tail = (!end.is_multiple_of(W)).then_some(Part {
        word: b,
        lo: 0,
        hi: end % W,
    });
    (head, a..b, tail)
}

/// `w` with bytes `lo..hi` replaced by `src` (`src.len() == hi - lo`).
#[inline]
fn patched(w: u64, lo: usize, hi: usize, src: &[u8]) -> u64 {
    let mut b = w.to_ne_bytes();
    if let Some(d) = b.get_mut(lo..hi)
        && d.len() == src.len()
    {
        d.copy_from_slice(src);
    }
    u64::from_ne_bytes(b)
}

/// The bytes of `item` (`N <= 8`) at memory positions `0..N` of a word,
/// the other bytes zero. With `N` known, a register operation.
#[inline(always)]
fn low_bytes<const N: usize>(item: [u8; N]) -> u64 {
    let mut b = [0u8; W];
    for (d, s) in b.iter_mut().zip(item) {
        *d = s;
    }
    u64::from_ne_bytes(b)
}

/// `x` with the bits that `mask` selects taken from `bits`. A store of a
/// part of a word computes its new word with this, in registers: patching
/// a copy of the word's bytes in memory and loading it back would stall
/// the store-to-load forwarding right before the compare-and-swap.
#[inline(always)]
fn spliced(x: u64, bits: u64, mask: u64) -> u64 {
    (x & !mask) | (bits & mask)
}

/// Splices `bits` (under `mask`) into `w` atomically: a compare-and-swap
/// loop, so that a concurrent store to another byte of the word is kept.
#[inline(always)]
fn splice_into(w: &AtomicU64, bits: u64, mask: u64) {
    let _ = w.fetch_update(Relaxed, Relaxed, |x| Some(spliced(x, bits, mask)));
}

/// The `N` bytes (`N <= 8`; longer items are cut short, the rest zero) at
/// byte `off` of `words` ([`Words::written_words`]), bytes past them
/// reading as zero (as the unwritten words of a [`Words`] do): one word
/// load and a shift for an item inside one word, two loads for one that
/// spans a boundary. The caller checks `off` against the length in bytes.
#[inline(always)]
pub(crate) fn item_in<const N: usize>(words: &[AtomicU64], off: usize) -> [u8; N] {
    let word = |k: usize| words.get(k).map_or(0, |w| w.load(Relaxed));
    let (k, at) = (off / W, off % W);
    // The bytes at..at+N in memory order, as the low bytes of a u64.
    let v = if at + N <= W {
        shifted(word(k), at)
    } else {
        shifted(word(k), at) | unshifted(word(k + 1), W - at)
    };
    let mut item = [0u8; N];
    for (d, s) in item.iter_mut().zip(low_first(v)) {
        *d = s;
    }
    item
}

/// Word `w`'s bytes from memory position `at` on, moved to positions `0..`.
#[inline(always)]
fn shifted(w: u64, at: usize) -> u64 {
    let b = (8 * at) as u32;
    if cfg!(target_endian = "little") {
        w.checked_shr(b).unwrap_or(0)
    } else {
        w.checked_shl(b).unwrap_or(0)
    }
}

/// Word `w`'s bytes moved from memory positions `0..` to positions `at..`.
#[inline(always)]
fn unshifted(w: u64, at: usize) -> u64 {
    let b = (8 * at) as u32;
    if cfg!(target_endian = "little") {
        w.checked_shl(b).unwrap_or(0)
    } else {
        w.checked_shr(b).unwrap_or(0)
    }
}

/// The bytes of `v` in memory order.
#[inline(always)]
fn low_first(v: u64) -> [u8; W] {
    v.to_ne_bytes()
}

/// Shared mutable bytes in atomic words; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Words {
    /// The words written so far. The `Vec`'s capacity holds all
    /// `len.div_ceil(8)` of them; the ones not yet pushed (CPython's
    /// over-allocation, never written) read as zero, so growing never
    /// zero-fills memory that the next append overwrites.
    words: Vec<AtomicU64>,
    /// Length in bytes (the allocation's, CPython's `ob_alloc`). The bytes
    /// of the words past `len` are zero.
    len: usize,
}

impl Words {
    /// Room for `n` bytes that read as zero, none of them written yet, or
    /// `MemoryError`.
    pub(crate) fn with_capacity(n: usize) -> Result<Words> {
        let mut words = Vec::new();
        words
            .try_reserve_exact(n.div_ceil(W))
            .map_err(|_| Error::no_memory())?;
        Ok(Words { words, len: n })
    }

    /// `n` zero bytes, all written (so that shared stores reach them), or
    /// `MemoryError`.
    #[cfg(test)]
    pub(crate) fn zeroed(n: usize) -> Result<Words> {
        let mut w = Words::with_capacity(n)?;
        w.materialize(n);
        Ok(w)
    }

    /// Bytes held by the written words (at least every byte written).
    #[inline]
    pub(crate) fn written(&self) -> usize {
        self.words.len() * W
    }

    /// Pushes zero words until bytes `..upto` (at most `len`) are written.
    /// `false` if the room cannot be had (never: the capacity is reserved).
    pub(crate) fn materialize(&mut self, upto: usize) -> bool {
        let need = upto.min(self.len).div_ceil(W);
        if need <= self.words.len() {
            return true;
        }
        if self
            .words
            .try_reserve_exact(need - self.words.len())
            .is_err()
        {
            return false;
        }
        self.words.resize_with(need, || AtomicU64::new(0));
        true
    }

    /// A copy of `data`, or `MemoryError`.
    pub(crate) fn from_bytes(data: &[u8]) -> Result<Words> {
        let mut words = Vec::new();
        words
            .try_reserve_exact(data.len().div_ceil(W))
            .map_err(|_| Error::no_memory())?;
        let (chunks, rest) = data.as_chunks::<W>();
        words.extend(
            chunks
                .iter()
                .map(|c| AtomicU64::new(u64::from_ne_bytes(*c))),
        );
        if !rest.is_empty() {
            words.push(AtomicU64::new(patched(0, 0, rest.len(), rest)));
        }
        Ok(Words {
            words,
            len: data.len(),
        })
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The address of byte 0.
    pub(crate) fn as_ptr(&self) -> *const u8 {
        self.words.as_ptr().cast()
    }

    /// The end of `start..start+n`, if it lies inside the bytes.
    fn end_of(&self, start: usize, n: usize) -> Option<usize> {
        start.checked_add(n).filter(|&e| e <= self.len)
    }

    /// The byte at `i`: one word load and a shift.
    #[inline]
    pub(crate) fn load(&self, i: usize) -> Option<u8> {
        if i >= self.len {
            return None;
        }
        let w = self.words.get(i / W).map_or(0, |w| w.load(Relaxed));
        // A shift, in registers (indexing the word's bytes would go
        // through the stack). The byte moved to memory position 0 is the
        // low byte only on a little-endian target: `low_first` names it
        // on both.
        let [b, ..] = low_first(shifted(w, i % W));
        Some(b)
    }

    /// Stores `v` at `i` (a compare-and-swap of its word); `false` past the
    /// end.
    #[inline]
    pub(crate) fn store(&self, i: usize, v: u8) -> bool {
        if i >= self.len {
            return false;
        }
        let Some(w) = self.words.get(i / W) else {
            return false;
        };
        let at = i % W;
        splice_into(
            w,
            unshifted(low_bytes([v]), at),
            unshifted(low_bytes([0xff]), at),
        );
        true
    }

    /// The `N` bytes at `off` (`N <= 8`; longer items are read by
    /// [`read_into`](Words::read_into)): one word load and a shift when
    /// the item lies inside one word, two when it spans a boundary. `None`
    /// if out of bounds.
    #[inline(always)]
    pub(crate) fn load_item<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        let end = off.checked_add(N)?;
        if end > self.len {
            return None;
        }
        if N > W {
            let mut item = [0u8; N];
            return self.read_into(off, &mut item).then_some(item);
        }
        Some(item_in(&self.words, off))
    }

    /// The written words, for [`item_in`].
    #[inline]
    pub(crate) fn written_words(&self) -> &[AtomicU64] {
        &self.words
    }

    /// Stores `item` at `off` (`N <= 8`; longer items as
    /// [`copy_in`](Words::copy_in)): an aligned word is one atomic store,
    /// an item inside one word one compare-and-swap loop on it, an item
    /// spanning a boundary one on each of its two words (each atomic, the
    /// pair not: as `copy_in`). `false` (storing nothing) if out of bounds
    /// or past the written words.
    #[inline(always)]
    pub(crate) fn store_item<const N: usize>(&self, off: usize, item: [u8; N]) -> bool {
        let Some(end) = off.checked_add(N).filter(|&e| e <= self.len) else {
            return false;
        };
        if N > W || N == 0 {
            return self.copy_in(off, &item);
        }
        let (k, at) = (off / W, off % W);
        let Some(w) = self.words.get(k) else {
            return false;
        };
        if N == W && at == 0 {
            let mut b = [0u8; W];
            b.copy_from_slice(&item[..]);
            w.store(u64::from_ne_bytes(b), Relaxed);
            return true;
        }
        let (bits, mask) = (low_bytes(item), low_bytes([0xff; N]));
        if at + N <= W {
            splice_into(w, unshifted(bits, at), unshifted(mask, at));
            return true;
        }
        let Some(v) = self.words.get(k + 1).filter(|_| end <= self.written()) else {
            return false;
        };
        // Item bytes `0..W - at` end word `k`; the rest begin word `k + 1`.
        splice_into(w, unshifted(bits, at), unshifted(mask, at));
        splice_into(v, shifted(bits, W - at), shifted(mask, W - at));
        true
    }

    /// Copies bytes `start..start+dst.len()` into `dst`; `false` if out of
    /// bounds.
    pub(crate) fn read_into(&self, start: usize, dst: &mut [u8]) -> bool {
        let Some(end) = self.end_of(start, dst.len()) else {
            return false;
        };
        if end > self.written() {
            // Past the written words the bytes are zero.
            let k = self.written().saturating_sub(start).min(dst.len());
            let (a, b) = dst.split_at_mut(k);
            b.fill(0);
            return self.read_written(start, a);
        }
        self.read_written(start, dst)
    }

    /// [`read_into`](Words::read_into) of written words only.
    fn read_written(&self, start: usize, dst: &mut [u8]) -> bool {
        let end = start + dst.len();
        let (head, body, tail) = split(start, end);
        let mut at = 0;
        if let Some(p) = head {
            let Some(w) = self.words.get(p.word) else {
                return false;
            };
            let b = w.load(Relaxed).to_ne_bytes();
            let (Some(d), Some(s)) = (dst.get_mut(..p.hi - p.lo), b.get(p.lo..p.hi)) else {
                return false;
            };
            d.copy_from_slice(s);
            at = p.hi - p.lo;
        }
        let (Some(words), Some(rest)) = (self.words.get(body), dst.get_mut(at..)) else {
            return false;
        };
        let (mid, rest) = rest.split_at_mut(rest.len().min(words.len() * W));
        // Eight words per step (the compiler does not unroll a loop of
        // atomic loads itself), then the rest one at a time.
        let (blocks, last) = mid.as_chunks_mut::<{ 8 * W }>();
        let (wblocks, wlast) = words.as_chunks::<8>();
        for (b, ws) in blocks.iter_mut().zip(wblocks) {
            for (c, w) in b.as_chunks_mut::<W>().0.iter_mut().zip(ws) {
                *c = w.load(Relaxed).to_ne_bytes();
            }
        }
        for (c, w) in last.as_chunks_mut::<W>().0.iter_mut().zip(wlast) {
            *c = w.load(Relaxed).to_ne_bytes();
        }
        if let Some(p) = tail {
            let Some(w) = self.words.get(p.word) else {
                return false;
            };
            let b = w.load(Relaxed).to_ne_bytes();
            match b.get(..p.hi) {
                Some(s) if s.len() == rest.len() => rest.copy_from_slice(s),
                _ => return false,
            }
        }
        true
    }

    /// Appends bytes `start..start+n` to `out` (whose room the caller has
    /// reserved); `false` (appending nothing) if out of bounds.
    pub(crate) fn copy_out(&self, start: usize, n: usize, out: &mut Vec<u8>) -> bool {
        if self.end_of(start, n).is_none() || out.try_reserve(n).is_err() {
            return false;
        }
        let old = out.len();
        out.resize(old + n, 0);
        let ok = out.get_mut(old..).is_some_and(|d| self.read_into(start, d));
        if !ok {
            out.truncate(old);
        }
        ok
    }

    /// Writes `src` at `start..`: whole words are atomic stores, the
    /// partial words at either end compare-and-swap loops. `false` (writing
    /// nothing) if out of bounds.
    pub(crate) fn copy_in(&self, start: usize, src: &[u8]) -> bool {
        self.write(start, src, false)
    }

    /// [`copy_in`](Words::copy_in) for the only holder of the memory (no
    /// other thread can touch it): a partial word is a load and a store,
    /// no compare-and-swap. Were another thread to write meanwhile, one of
    /// its bytes could be lost; memory safety does not depend on it.
    pub(crate) fn copy_in_owned(&self, start: usize, src: &[u8]) -> bool {
        self.write(start, src, true)
    }

    fn write(&self, start: usize, src: &[u8], owned: bool) -> bool {
        if let ([v], false) = (src, owned) {
            return self.store(start, *v);
        }
        // Shared writes reach written words only (a `bytearray` writes its
        // whole logical length before it can be exported).
        let Some(end) = self
            .end_of(start, src.len())
            .filter(|&e| e <= self.written())
        else {
            return false;
        };
        let (head, body, tail) = split(start, end);
        let cas = |p: Part, s: &[u8]| {
            if let Some(w) = self.words.get(p.word) {
                if owned {
                    w.store(patched(w.load(Relaxed), p.lo, p.hi, s), Relaxed);
                } else {
                    let _ = w.fetch_update(Relaxed, Relaxed, |x| Some(patched(x, p.lo, p.hi, s)));
                }
            }
        };
        let mut rest = src;
        if let Some(p) = head {
            let (s, r) = rest.split_at(p.hi - p.lo);
            cas(p, s);
            rest = r;
        }
        let words = self.words.get(body).unwrap_or(&[]);
        let (mid, r) = rest.split_at(rest.len().min(words.len() * W));
        for (w, c) in words.iter().zip(mid.as_chunks::<W>().0) {
            w.store(u64::from_ne_bytes(*c), Relaxed);
        }
        if let Some(p) = tail {
            cas(p, r);
        }
        true
    }

    /// Sets bytes `start..start+n` to zero; `false` if out of bounds.
    pub(crate) fn zero(&self, start: usize, n: usize) -> bool {
        let Some(end) = self.end_of(start, n) else {
            return false;
        };
        // Unwritten bytes are zero already.
        let end = end.min(self.written());
        let start = start.min(end);
        let (head, body, tail) = split(start, end);
        for p in head.into_iter().chain(tail) {
            if let Some(w) = self.words.get(p.word) {
                let zeros = [0u8; W];
                let z = zeros.get(..p.hi - p.lo).unwrap_or(&[]);
                let _ = w.fetch_update(Relaxed, Relaxed, |x| Some(patched(x, p.lo, p.hi, z)));
            }
        }
        for w in self.words.get(body).unwrap_or(&[]) {
            w.store(0, Relaxed);
        }
        true
    }

    /// `memmove` of `n` bytes from `src` to `dst`, through a stack buffer
    /// of 512 bytes at a time, in the order that never reads a byte already
    /// overwritten. `false` (moving nothing) if out of bounds.
    pub(crate) fn move_within(&self, src: usize, dst: usize, n: usize) -> bool {
        if self.end_of(src, n).is_none() || self.end_of(dst, n).is_none() {
            return false;
        }
        let mut buf = [0u8; 512];
        let mut done = 0;
        while done < n {
            let m = (n - done).min(buf.len());
            // Forward when moving down, from the end when moving up.
            let k = if dst <= src { done } else { n - done - m };
            let chunk = &mut buf[..m];
            if !self.read_into(src + k, chunk) || !self.copy_in(dst + k, chunk) {
                return false;
            }
            done += m;
        }
        true
    }

    /// Whether bytes `a..a+n` here equal bytes `b..b+n` of `other`: word by
    /// word with eight words per step when both start at the same place in
    /// a word, otherwise through 512-byte stack buffers. `None` if out of
    /// bounds.
    pub(crate) fn eq_range(&self, a: usize, other: &Words, b: usize, n: usize) -> Option<bool> {
        self.end_of(a, n)?;
        other.end_of(b, n)?;
        if a % W == b % W && a + n <= self.written() && b + n <= other.written() {
            // Bytes up to the first word boundary, then whole words.
            let head = ((W - a % W) % W).min(n);
            let (mut p, mut q) = ([0u8; W], [0u8; W]);
            let (ph, qh) = (p.get_mut(..head)?, q.get_mut(..head)?);
            if !self.read_into(a, ph) || !other.read_into(b, qh) || ph != qh {
                return Some(false);
            }
            let whole = (n - head) / W;
            let (x0, y0) = ((a + head) / W, (b + head) / W);
            let xs = self.words.get(x0..x0 + whole)?;
            let ys = other.words.get(y0..y0 + whole)?;
            let (mut xc, mut yc) = (xs.chunks_exact(8), ys.chunks_exact(8));
            for (x, y) in (&mut xc).zip(&mut yc) {
                let mut acc = 0;
                for (u, v) in x.iter().zip(y) {
                    acc |= u.load(Relaxed) ^ v.load(Relaxed);
                }
                if acc != 0 {
                    return Some(false);
                }
            }
            let rest = xc.remainder().iter().zip(yc.remainder());
            if rest
                .into_iter()
                .any(|(u, v)| u.load(Relaxed) != v.load(Relaxed))
            {
                return Some(false);
            }
            let done = head + whole * W;
            return self.eq_chunked(a + done, |k, d| other.read_into(b + done + k, d), n - done);
        }
        self.eq_chunked(a, |k, d| other.read_into(b + k, d), n)
    }

    /// Whether bytes `a..a+n` equal `other` (a plain slice of `n` bytes).
    pub(crate) fn eq_bytes(&self, a: usize, other: &[u8]) -> Option<bool> {
        self.end_of(a, other.len())?;
        self.eq_chunked(
            a,
            |k, d| match other.get(k..k + d.len()) {
                Some(s) => {
                    d.copy_from_slice(s);
                    true
                }
                None => false,
            },
            other.len(),
        )
    }

    /// Compares bytes `a..a+n` with what `fill(k, buf)` writes for bytes
    /// `k..k+buf.len()` of the other side, 512 bytes at a time.
    fn eq_chunked(
        &self,
        a: usize,
        mut fill: impl FnMut(usize, &mut [u8]) -> bool,
        n: usize,
    ) -> Option<bool> {
        let (mut p, mut q) = ([0u8; 512], [0u8; 512]);
        let mut k = 0;
        while k < n {
            let m = (n - k).min(p.len());
            let (pm, qm) = (&mut p[..m], &mut q[..m]);
            if !self.read_into(a + k, pm) || !fill(k, qm) {
                return None;
            }
            if pm != qm {
                return Some(false);
            }
            k += m;
        }
        Some(true)
    }
}

/// Writes for the only holder (`&mut`): plain `u64`s, no compare-and-swap.
impl Words {
    /// Writes `src` at `start..`, as [`copy_in`](Words::copy_in); bytes
    /// past the written words are pushed as new words, built from `src`.
    pub(crate) fn copy_in_mut(&mut self, start: usize, src: &[u8]) -> bool {
        let Some(end) = self.end_of(start, src.len()) else {
            return false;
        };
        let written = self.written();
        if end <= written {
            return self.write_mut(start, src);
        }
        // The part inside the written words, then zero words up to the one
        // holding the next byte, then words made of the rest of `src`.
        let k = written.saturating_sub(start).min(src.len());
        let (inside, mut rest) = src.split_at(k);
        let at = start + k;
        if (!inside.is_empty() && !self.write_mut(start, inside)) || !self.materialize(at - at % W)
        {
            return false;
        }
        if self
            .words
            .try_reserve_exact(end.div_ceil(W) - self.words.len())
            .is_err()
        {
            return false;
        }
        let off = at % W;
        if off != 0 {
            let (first, r) = rest.split_at(rest.len().min(W - off));
            self.words
                .push(AtomicU64::new(patched(0, off, off + first.len(), first)));
            rest = r;
        }
        let (chunks, last) = rest.as_chunks::<W>();
        self.words.extend(
            chunks
                .iter()
                .map(|c| AtomicU64::new(u64::from_ne_bytes(*c))),
        );
        if !last.is_empty() {
            self.words
                .push(AtomicU64::new(patched(0, 0, last.len(), last)));
        }
        true
    }

    /// Writes `src` at `start..` inside the written words.
    fn write_mut(&mut self, start: usize, src: &[u8]) -> bool {
        let Some(end) = self
            .end_of(start, src.len())
            .filter(|&e| e <= self.written())
        else {
            return false;
        };
        let (head, body, tail) = split(start, end);
        let mut rest = src;
        if let Some(p) = head {
            let (s, r) = rest.split_at(p.hi - p.lo);
            if let Some(w) = self.words.get_mut(p.word) {
                let w = w.get_mut();
                *w = patched(*w, p.lo, p.hi, s);
            }
            rest = r;
        }
        let words = self.words.get_mut(body).unwrap_or(&mut []);
        let (mid, r) = rest.split_at(rest.len().min(words.len() * W));
        for (w, c) in words.iter_mut().zip(mid.as_chunks::<W>().0) {
            *w.get_mut() = u64::from_ne_bytes(*c);
        }
        if let Some(p) = tail
            && let Some(w) = self.words.get_mut(p.word)
        {
            let w = w.get_mut();
            *w = patched(*w, p.lo, p.hi, r);
        }
        true
    }

    /// Zeroes bytes `start..start+n`, as [`zero`](Words::zero).
    /// The bytes become written words (so that shared stores reach them).
    pub(crate) fn zero_mut(&mut self, start: usize, n: usize) -> bool {
        let Some(end) = self.end_of(start, n) else {
            return false;
        };
        let lim = end.min(self.written());
        if !self.zero_written(start.min(lim), lim) {
            return false;
        }
        self.materialize(end)
    }

    /// Zeroes bytes `start..end` of the written words.
    fn zero_written(&mut self, start: usize, end: usize) -> bool {
        let (head, body, tail) = split(start, end);
        for p in head.into_iter().chain(tail) {
            if let Some(w) = self.words.get_mut(p.word) {
                let zeros = [0u8; W];
                let w = w.get_mut();
                *w = patched(*w, p.lo, p.hi, zeros.get(..p.hi - p.lo).unwrap_or(&[]));
            }
        }
        for w in self.words.get_mut(body).unwrap_or(&mut []) {
            *w.get_mut() = 0;
        }
        true
    }

    /// Makes the bytes `start..start+keep` of this allocation bytes
    /// `0..keep` of one of `new_len` bytes, followed by `tail`, the rest
    /// zero. Growing is a `realloc` of the `Vec` (no copy when the
    /// allocator grows it in place, as it does for large blocks), and the
    /// new words are built from `tail` directly, without zeroing them
    /// first; shrinking to less than half, a new allocation of the smaller
    /// size and one copy, so that memory goes back.
    ///
    /// # Errors
    ///
    /// `MemoryError` if the allocation fails, with nothing changed;
    /// `OverflowError` if `start..start+keep` is out of bounds or `keep +
    /// tail.len()` is more than `new_len`.
    pub(crate) fn regrow(
        &mut self,
        start: usize,
        keep: usize,
        new_len: usize,
        tail: &[u8],
    ) -> Result<()> {
        let filled = keep.checked_add(tail.len());
        if filled.is_none_or(|f| f > new_len) || self.end_of(start, keep).is_none() {
            return Err(Error::size_overflow());
        }
        let need = new_len.div_ceil(W);
        if need < self.words.len() / 2 {
            let mut fresh = Words::with_capacity(new_len)?;
            fresh.copy_from(self, start, keep);
            fresh.copy_in_mut(keep, tail);
            *self = fresh;
            return Ok(());
        }
        if need > self.words.capacity() {
            self.words
                .try_reserve_exact(need - self.words.len())
                .map_err(|_| Error::no_memory())?;
        }
        // Nothing can fail from here on.
        if start > 0 {
            let this: &Words = self;
            this.move_within(start, 0, keep);
        }
        // Stale bytes of the written words from `keep` on become zero (and
        // the bytes past `new_len` in its last word stay so), the words past
        // `need` go, and `tail` is written after the kept bytes: into the
        // written words as far as they reach, then as new words.
        let lim = self.written().min(self.len);
        if keep < lim {
            self.zero_written(keep, lim);
        }
        self.words.truncate(need);
        self.len = new_len;
        self.copy_in_mut(keep, tail);
        Ok(())
    }

    /// Copies bytes `start..start+n` of `src` to `0..n` here (both in
    /// bounds, checked by the caller), 512 bytes at a time.
    fn copy_from(&mut self, src: &Words, start: usize, n: usize) {
        let mut buf = [0u8; 512];
        let mut k = 0;
        while k < n {
            let m = (n - k).min(buf.len());
            let chunk = &mut buf[..m];
            if !src.read_into(start + k, chunk) || !self.copy_in_mut(k, chunk) {
                return;
            }
            k += m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize) -> Words {
        Words::from_bytes(&(0..n).map(|i| i as u8).collect::<Vec<_>>()).unwrap()
    }

    fn bytes(w: &Words) -> Vec<u8> {
        let mut v = Vec::new();
        assert!(w.copy_out(0, w.len(), &mut v));
        v
    }

    #[test]
    fn split_covers_every_range() {
        for start in 0..20 {
            for end in start..30 {
                let (h, body, t) = split(start, end);
                let mut got = Vec::new();
                if let Some(p) = h {
                    got.extend(p.word * W + p.lo..p.word * W + p.hi);
                }
                got.extend(body.start * W..body.end * W);
                if let Some(p) = t {
                    got.extend(p.word * W + p.lo..p.word * W + p.hi);
                }
                assert_eq!(got, (start..end).collect::<Vec<_>>(), "{start}..{end}");
            }
        }
    }

    #[test]
    fn reads_and_writes_at_every_alignment() {
        for n in [0, 1, 7, 8, 9, 31, 64, 100] {
            let w = words(n);
            let want: Vec<u8> = (0..n).map(|i| i as u8).collect();
            assert_eq!(bytes(&w), want);
            for start in 0..=n {
                for len in 0..=(n - start).min(20) {
                    let mut d = vec![0u8; len];
                    assert!(w.read_into(start, &mut d));
                    assert_eq!(d, want[start..start + len]);
                }
            }
            // each byte, at every position in its word (in memory order,
            // whatever the target's byte order)
            for (i, &b) in want.iter().enumerate() {
                assert_eq!(w.load(i), Some(b), "{n} {i}");
            }
            assert_eq!(w.load(n), None);
            assert!(!w.store(n, 1));
            assert!(!w.read_into(n, &mut [0]));
            assert!(!w.copy_in(usize::MAX, &[1]));
        }
        let mut w = words(40);
        let mut model: Vec<u8> = (0..40).collect();
        for (start, len) in [(3, 2), (5, 11), (0, 8), (8, 16), (31, 9), (17, 1)] {
            let src: Vec<u8> = (0..len).map(|k| 200 + k as u8).collect();
            if start % 2 == 0 {
                assert!(w.copy_in(start, &src));
            } else {
                assert!(w.copy_in_mut(start, &src));
            }
            model[start..start + len].copy_from_slice(&src);
            assert_eq!(bytes(&w), model, "{start} {len}");
        }
        assert!(w.zero(6, 13) && w.zero_mut(35, 5));
        model[6..19].fill(0);
        model[35..40].fill(0);
        assert_eq!(bytes(&w), model);
    }

    #[test]
    fn move_within_is_memmove() {
        for (src, dst, n) in [
            (0, 1, 39),
            (1, 0, 39),
            (3, 20, 17),
            (0, 0, 40),
            (9, 2, 1000),
        ] {
            let w = words(2000);
            let mut model: Vec<u8> = (0..2000).map(|i| i as u8).collect();
            assert!(w.move_within(src, dst, n));
            model.copy_within(src..src + n, dst);
            assert_eq!(bytes(&w), model);
        }
        assert!(!words(10).move_within(5, 0, 6));
    }

    #[test]
    fn equality_at_every_alignment() {
        let a = words(300);
        let mut data: Vec<u8> = (0..300).map(|i| i as u8).collect();
        data.rotate_left(3);
        let b = Words::from_bytes(&data).unwrap();
        assert_eq!(a.eq_range(3, &b, 0, 297), Some(true));
        assert_eq!(a.eq_range(8, &a, 8, 292), Some(true));
        assert_eq!(a.eq_range(0, &a, 0, 300), Some(true));
        assert_eq!(a.eq_range(0, &a, 8, 292), Some(false));
        assert_eq!(a.eq_range(1, &a, 1, 300), None);
        assert!(a.store(250, 0));
        assert_eq!(a.eq_range(8, &b, 5, 292), Some(false));
        assert_eq!(a.eq_bytes(0, &data[..0]), Some(true));
        assert_eq!(b.eq_bytes(1, &data[1..]), Some(true));
        assert_eq!(b.eq_bytes(1, &data[2..]), Some(false));
    }

    #[test]
    fn regrow_keeps_moves_and_zeroes() {
        for (start, keep, new_len) in [
            (0, 5, 100),
            (3, 20, 21),
            (0, 13, 13),
            (0, 10, 17),
            (7, 1, 2),
            (0, 0, 0),
        ] {
            let mut w = words(40);
            assert!(w.store(39, 9));
            w.regrow(start, keep, new_len, &[]).unwrap();
            let mut model: Vec<u8> = (start..start + keep).map(|i| i as u8).collect();
            model.resize(new_len, 0);
            assert_eq!(bytes(&w), model, "{start} {keep} {new_len}");
            // the padding of the last word is zero: growing again shows it
            w.regrow(0, new_len, new_len + 9, &[]).unwrap();
            model.resize(new_len + 9, 0);
            assert_eq!(bytes(&w), model);
        }
        assert!(words(4).regrow(1, 4, 10, &[]).is_err());
        assert!(words(4).regrow(0, 4, 10, &[1; 7]).is_err());
        // with a tail: it lands after the kept bytes, in old and new words
        for (start, keep, new_len, t) in [
            (0, 40, 100, 30),
            (5, 30, 41, 11),
            (3, 2, 4, 1),
            (0, 3, 60, 50),
        ] {
            let mut w = words(40);
            let tail: Vec<u8> = (0..t).map(|k| 100 + k as u8).collect();
            w.regrow(start, keep, new_len, &tail).unwrap();
            let mut model: Vec<u8> = (start..start + keep).map(|i| i as u8).collect();
            model.extend(&tail);
            model.resize(new_len, 0);
            assert_eq!(bytes(&w), model, "{start} {keep} {new_len} {t}");
        }
    }

    #[test]
    fn unwritten_words_read_as_zero_and_owner_writes_reach_them() {
        let mut w = Words::with_capacity(100).unwrap();
        assert_eq!((w.written(), bytes(&w)), (0, vec![0; 100]));
        // shared stores reach written words only; the owner's push them
        assert!(!w.copy_in(10, &[1]) && !w.store(99, 1));
        assert!(w.copy_in_mut(13, &[1, 2, 3]));
        assert!(w.written() >= 16 && w.written() < 100);
        assert!(w.copy_in(10, &[9]));
        let mut model = vec![0; 100];
        model[10] = 9;
        model[13..16].copy_from_slice(&[1, 2, 3]);
        assert_eq!(bytes(&w), model);
        assert_eq!(w.load(50), Some(0));
        assert!(w.zero_mut(90, 10) && w.written() == 104);
        let same = Words::from_bytes(&model).unwrap();
        assert_eq!(w.eq_range(0, &same, 0, 100), Some(true));
        assert_eq!(same.eq_range(5, &w, 5, 95), Some(true));
        assert!(w.copy_in_mut(37, &[7; 20]));
        model[37..57].fill(7);
        assert_eq!(bytes(&w), model);
    }

    fn items_agree<const N: usize>() {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 24, 33] {
            let w = words(n);
            let mut model: Vec<u8> = (0..n).map(|i| i as u8).collect();
            for off in 0..n + 2 {
                let want = model
                    .get(off..off + N)
                    .map(|s| <[u8; N]>::try_from(s).unwrap());
                assert_eq!(w.load_item::<N>(off), want, "{N} {n} {off}");
                let item: [u8; N] = std::array::from_fn(|k| 100 + (off + k) as u8);
                assert_eq!(
                    w.store_item::<N>(off, item),
                    want.is_some(),
                    "{N} {n} {off}"
                );
                if want.is_some() {
                    model[off..off + N].copy_from_slice(&item);
                }
                assert_eq!(bytes(&w), model, "{N} {n} {off}");
            }
            assert_eq!(w.load_item::<N>(usize::MAX), None);
            assert!(!w.store_item::<N>(usize::MAX, [0; N]));
        }
        // unwritten words read as zero; shared stores do not reach them
        let w = Words::with_capacity(20).unwrap();
        for off in 0..=20 - N {
            assert_eq!(w.load_item::<N>(off), Some([0; N]));
            assert!(!w.store_item::<N>(off, [1; N]));
        }
        let mut w = Words::with_capacity(20).unwrap();
        assert!(w.copy_in_mut(0, &[5; 8]));
        let mut model = [0u8; 20];
        model[..8].fill(5);
        for off in 0..=20 - N {
            assert_eq!(w.load_item::<N>(off).unwrap(), model[off..off + N]);
        }
        if N <= 8 {
            assert!(w.store_item::<N>(8 - N, [6; N]));
            assert!(!w.store_item::<N>(8 - N / 2, [6; N]));
        }
    }

    /// Whole-item loads and stores of every size at every offset (inside a
    /// word, straddling a boundary, past the end) agree with a byte model.
    #[test]
    fn items_at_every_alignment() {
        items_agree::<1>();
        items_agree::<2>();
        items_agree::<4>();
        items_agree::<8>();
        items_agree::<16>();
    }

    /// One thread stores 4- and 8-byte items straddling word boundaries
    /// while another stores the single bytes between them: no byte of
    /// either is lost.
    #[test]
    fn straddling_items_and_neighbour_bytes_are_never_lost() {
        let w = Words::zeroed(64).unwrap();
        // items at 6..10, 22..26, 36..44 (straddling), bytes elsewhere
        let items = [(6, 4), (22, 4), (36, 8)];
        let inside = |i: usize| items.iter().any(|&(o, n)| (o..o + n).contains(&i));
        std::thread::scope(|s| {
            let w = &w;
            s.spawn(move || {
                for round in 1..=250u8 {
                    for &(o, n) in &items {
                        if n == 4 {
                            assert!(w.store_item::<4>(o, [round; 4]));
                        } else {
                            assert!(w.store_item::<8>(o, [round; 8]));
                        }
                        assert!(w.load_item::<4>(o).is_some());
                    }
                }
            });
            s.spawn(move || {
                for round in 1..=250u8 {
                    for i in (0..64).filter(|&i| !inside(i)) {
                        assert!(w.store_item::<1>(i, [round]));
                    }
                }
            });
        });
        assert_eq!(bytes(&w), vec![250; 64]);
    }

    /// Two threads write alternating bytes of the same words; with a plain
    /// read-modify-write of whole words one would undo the other's bytes.
    #[test]
    fn neighbouring_bytes_written_by_two_threads_are_never_lost() {
        let w = Words::zeroed(64).unwrap();
        std::thread::scope(|s| {
            for parity in 0..2 {
                let w = &w;
                s.spawn(move || {
                    for round in 1..=200u8 {
                        for i in (parity..64).step_by(2) {
                            assert!(w.store(i, round));
                        }
                    }
                });
            }
        });
        assert_eq!(bytes(&w), vec![200; 64]);
    }
}
