//! Typed access for Rust callers who know the format: a view seen as `u8`
//! or `i32` items, read and written without [`Value`](crate::Value)s.

use std::marker::PhantomData;

use super::MemoryView;
use crate::error::{Error, Result, try_vec};
use crate::format::Native;
use std::sync::atomic::AtomicU64;

use crate::storage::{Storage, item_in};

mod private {
    /// The conversions of an item type (sealed: implemented for the Rust
    /// types of the native integer and float formats only).
    pub trait Sealed: Copy + Default + 'static {
        /// The item's bytes.
        type Raw: Copy + Default + AsRef<[u8]> + AsMut<[u8]>;
        /// The Rust name, for messages.
        const NAME: &'static str;
        /// The format CPython's `cast` takes for this type.
        const FORMAT: char;
        /// Whether a view of native format `c` (of `size` bytes) holds items of this type.
        fn accepts(c: char, size: usize) -> bool;
        fn from_raw(r: Self::Raw) -> Self;
        fn to_raw(self) -> Self::Raw;
    }
}

/// A Rust type that [`MemoryView::typed`] can view items as: `u8 i8 u16
/// i16 u32 i32 u64 i64 f32 f64`, each for the native formats of its size
/// and kind (`i64` for `q`, and for `l` and `n` where they are 8 bytes;
/// `u64` for `Q` and for `L`, `N`, `P` where they are 8 bytes). Sealed.
///
/// ```
/// use bufproto::{Bytes, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let m = MemoryView::new(&Bytes::zeroed(8)?)?;
/// assert_eq!(m.cast("q")?.typed::<i64>()?.len(), 1);
/// assert_eq!(m.cast("l")?.typed::<i64>()?.len(), 8 / std::mem::size_of::<std::ffi::c_long>());
/// # Ok(()) }
/// ```
pub trait Item: private::Sealed {}

macro_rules! item {
    ($t:ty, $n:literal, $fmt:literal, $($c:literal)|*) => {
        impl private::Sealed for $t {
            type Raw = [u8; $n];
            const NAME: &'static str = stringify!($t);
            const FORMAT: char = $fmt;
            fn accepts(c: char, size: usize) -> bool {
                size == $n && matches!(c, $($c)|*)
            }
            #[inline(always)]
            fn from_raw(r: [u8; $n]) -> $t {
                <$t>::from_ne_bytes(r)
            }
            #[inline(always)]
            fn to_raw(self) -> [u8; $n] {
                self.to_ne_bytes()
            }
        }
        impl Item for $t {}
    };
}
item!(u8, 1, 'B', 'B');
item!(i8, 1, 'b', 'b');
item!(u16, 2, 'H', 'H');
item!(i16, 2, 'h', 'h');
item!(u32, 4, 'I', 'I' | 'L' | 'N' | 'P');
item!(i32, 4, 'i', 'i' | 'l' | 'n');
item!(u64, 8, 'Q', 'Q' | 'L' | 'N' | 'P');
item!(i64, 8, 'q', 'q' | 'l' | 'n');
item!(f32, 4, 'f', 'f');
item!(f64, 8, 'd', 'd');

/// A 1-D view seen as items of type `T` (see [`MemoryView::typed`]): no
/// format dispatch, no [`Value`](crate::Value), no released check per call
/// (the handle borrows the view, which cannot be released meanwhile).
///
/// ```
/// use bufproto::{ByteArray, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let ba = ByteArray::zeroed(8)?;
/// let m = MemoryView::new(&ba)?.cast("i")?;
/// let t = m.typed::<i32>()?;
/// t.set(1, -2)?;
/// assert_eq!((t.len(), t.get(1), t.get(2)), (2, Some(-2), None));
/// let mut sum = 0i64;
/// t.for_each_chunk(|items| sum += items.iter().map(|&x| i64::from(x)).sum::<i64>())?;
/// assert_eq!(sum, -2);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Typed<'a, T: Item> {
    storage: &'a Storage,
    /// The items' bytes when they are contiguous frozen memory (`bytes`):
    /// read in place.
    contiguous: Option<&'a [u8]>,
    /// The words of `bytearray` memory: an item is one or two word loads.
    words: Option<&'a [AtomicU64]>,
    first: usize,
    len: usize,
    stride: isize,
    readonly: bool,
    item: PhantomData<T>,
}

/// The layout and the type, not the memory (a `bytearray` of 64 MiB would
/// print every word).
impl<T: Item> std::fmt::Debug for Typed<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Typed")
            .field("item", &T::NAME)
            .field("first", &self.first)
            .field("len", &self.len)
            .field("stride", &self.stride)
            .field("readonly", &self.readonly)
            .finish_non_exhaustive()
    }
}

impl MemoryView {
    /// The view as items of the Rust type `T`, for callers who know the
    /// format: `m.typed::<u8>()?`, `m.cast("i")?.typed::<i32>()?`. Cost:
    /// O(1), no allocation.
    ///
    /// # Errors
    ///
    /// `ValueError: operation forbidden on released memoryview object`;
    /// `TypeError: memoryview: typed access is restricted to 1-D views`;
    /// `TypeError: memoryview: cannot view format 'B' as i32 (cast to 'i'
    /// first)` when the view's format (after an optional `@`) is not one
    /// of `T`'s native formats (see [`Item`]).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&[1u8, 0, 0, 0][..]))?;
    /// assert_eq!(m.typed::<u8>()?.get(0), Some(1));
    /// assert_eq!(m.cast("i")?.typed::<i32>()?.get(0), Some(1));
    /// assert_eq!(m.typed::<i32>().unwrap_err().to_string(),
    ///            "TypeError: memoryview: cannot view format 'B' as i32 (cast to 'i' first)");
    /// # Ok(()) }
    /// ```
    pub fn typed<T: Item>(&self) -> Result<Typed<'_, T>> {
        let l = self.live()?;
        if l.layout().ndim() != 1 {
            return Err(Error::type_error(
                "memoryview: typed access is restricted to 1-D views",
            ));
        }
        let refuse = || {
            Error::type_error(format!(
                "memoryview: cannot view format '{}' as {} (cast to '{}' first)",
                l.layout().format(),
                T::NAME,
                T::FORMAT
            ))
        };
        let nat = l.native.ok_or_else(refuse)?;
        if !T::accepts(nat.char(), Native::size(nat)) {
            return Err(refuse());
        }
        let f = l.flat.ok_or_else(refuse)?;
        let storage = l.mem.storage();
        let contiguous = match (storage.as_plain(), usize::try_from(f.stride).ok()) {
            (Some(mem), Some(s)) if s == f.size() => f
                .len
                .checked_mul(f.size())
                .and_then(|n| mem.get(f.first..f.first.checked_add(n)?)),
            _ => None,
        };
        Ok(Typed {
            storage,
            contiguous,
            words: storage.as_words().map(|w| w.written_words()),
            first: f.first,
            len: f.len,
            stride: f.stride,
            readonly: l.readonly,
            item: PhantomData,
        })
    }
}

/// Loads `raw.len()` bytes at `off` into `raw` with the storage's
/// whole-item load of that size (for `bytearray` memory one word load and a
/// shift); `false` if out of bounds. The size is a constant once inlined.
#[inline(always)]
fn load_raw(s: &Storage, off: usize, raw: &mut [u8]) -> bool {
    match raw.len() {
        1 => put(s.load_item::<1>(off), raw),
        2 => put(s.load_item::<2>(off), raw),
        4 => put(s.load_item::<4>(off), raw),
        8 => put(s.load_item::<8>(off), raw),
        _ => s.read_into(off, raw),
    }
}

/// [`load_raw`] from `bytearray` words (one or two word loads; the view
/// lies inside the memory, so `off` is in bounds).
#[inline(always)]
fn load_words(w: &[AtomicU64], off: usize, raw: &mut [u8]) -> bool {
    match raw.len() {
        1 => put(Some(item_in::<1>(w, off)), raw),
        2 => put(Some(item_in::<2>(w, off)), raw),
        4 => put(Some(item_in::<4>(w, off)), raw),
        8 => put(Some(item_in::<8>(w, off)), raw),
        _ => false,
    }
}

/// Copies a loaded item into `raw`; `false` if there is none or the sizes
/// differ.
#[inline(always)]
fn put<const N: usize>(item: Option<[u8; N]>, raw: &mut [u8]) -> bool {
    match item {
        Some(a) if raw.len() == N => {
            raw.copy_from_slice(&a);
            true
        }
        _ => false,
    }
}

/// Stores `raw` at `off` with the storage's whole-item store of that size;
/// `false` if out of bounds or not writable.
#[inline(always)]
fn store_raw(s: &Storage, off: usize, raw: &[u8]) -> bool {
    match raw.len() {
        1 => raw.try_into().is_ok_and(|a| s.store_item::<1>(off, a)),
        2 => raw.try_into().is_ok_and(|a| s.store_item::<2>(off, a)),
        4 => raw.try_into().is_ok_and(|a| s.store_item::<4>(off, a)),
        8 => raw.try_into().is_ok_and(|a| s.store_item::<8>(off, a)),
        _ => s.copy_in(off, raw),
    }
}

/// Items staged per refill of [`Typed::iter`] over memory read in bulk.
const RUN: usize = 32;

/// [`Typed::iter`]: items read in place (`bytes`, or strided), or, for
/// contiguous `bytearray` memory, `RUN` at a time with the storage's bulk
/// word loads.
struct Iter<'t, 'a, T: Item> {
    typed: &'t Typed<'a, T>,
    bulk: bool,
    /// The next item to read from the storage.
    next: usize,
    /// Items read ahead, `run[at..end]` not yet returned.
    run: [T; RUN],
    at: usize,
    end: usize,
}

impl<T: Item> Iter<'_, '_, T> {
    /// Reads the next run; `false` at the end or if it cannot be read.
    fn refill(&mut self) -> bool {
        let t = self.typed;
        let m = (t.len - self.next.min(t.len)).min(RUN);
        let n = T::Raw::default().as_ref().len();
        let mut bytes = [0u8; RUN * 8];
        let (Some(off), Some(dst)) = (t.offset(self.next), bytes.get_mut(..m * n)) else {
            return false;
        };
        if !t.storage.read_into(off, dst) {
            return false;
        }
        decode(dst, &mut self.run);
        (self.at, self.end) = (0, m);
        self.next += m;
        true
    }
}

impl<T: Item> Iterator for Iter<'_, '_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        if !self.bulk {
            let x = self.typed.get(self.next)?;
            self.next += 1;
            return Some(x);
        }
        if self.at == self.end && !self.refill() {
            return None;
        }
        let x = self.run.get(self.at).copied();
        self.at += 1;
        x
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.typed.len.saturating_sub(self.next) + (self.end - self.at);
        (0, Some(left))
    }
}

/// The items whose bytes are `bytes`, into `out` (as many as both hold).
#[inline(always)]
fn decode<T: Item>(bytes: &[u8], out: &mut [T]) {
    let n = T::Raw::default().as_ref().len();
    for (c, o) in bytes.chunks_exact(n).zip(out.iter_mut()) {
        let mut raw = T::Raw::default();
        raw.as_mut().copy_from_slice(c);
        *o = T::from_raw(raw);
    }
}

/// Items staged per call of [`Typed::for_each_chunk`].
const CHUNK: usize = 512;

impl<T: Item> Typed<'_, T> {
    /// The number of items. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(MemoryView::new(&Bytes::zeroed(3)?)?.typed::<u8>()?.len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no items. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(MemoryView::new(&Bytes::default())?.typed::<u8>()?.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    fn offset(&self, i: usize) -> Option<usize> {
        if i >= self.len {
            return None;
        }
        // The view lies inside its memory (checked when it was made), so
        // `first + i * stride` is an offset into it for every `i < len`
        // and the wrapping operations never wrap; were it not so, the
        // offset would only be a wrong index, refused by the storage.
        let delta = (i as isize).wrapping_mul(self.stride);
        Some(self.first.wrapping_add_signed(delta))
    }

    /// Item `i` (from 0; no negative indices), or `None` past the end, as
    /// `slice::get`. Cost: O(1), one load of the item's size.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let t = MemoryView::new(&Bytes::from(&b"ab"[..]))?;
    /// let t = t.typed::<u8>()?;
    /// assert_eq!((t.get(1), t.get(2)), (Some(b'b'), None));
    /// # Ok(()) }
    /// ```
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<T> {
        let mut raw = T::Raw::default();
        let n = raw.as_ref().len();
        if let Some(mem) = self.contiguous {
            if i >= self.len {
                return None;
            }
            // `mem` holds `len * n` bytes, so `i * n + n` does not wrap.
            let at = i.wrapping_mul(n);
            raw.as_mut()
                .copy_from_slice(mem.get(at..at.wrapping_add(n))?);
            return Some(T::from_raw(raw));
        }
        let Some(w) = self.words else {
            return self.get_foreign(i);
        };
        let off = self.offset(i)?;
        load_words(w, off, raw.as_mut()).then(|| T::from_raw(raw))
    }

    /// [`get`](Typed::get) from memory that is neither contiguous `bytes`
    /// nor `bytearray` (a Python exporter's, or a strided view of `bytes`):
    /// out of line, so that the two inlined paths stay small.
    #[inline(never)]
    fn get_foreign(&self, i: usize) -> Option<T> {
        let mut raw = T::Raw::default();
        let off = self.offset(i)?;
        load_raw(self.storage, off, raw.as_mut()).then(|| T::from_raw(raw))
    }

    /// Writes `value` as item `i`; every view and the exporter see it.
    /// Cost: O(1), one store of the item's size.
    ///
    /// # Errors
    ///
    /// `TypeError: cannot modify read-only memory`; `IndexError: index out
    /// of bounds on dimension 1`.
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::zeroed(2)?;
    /// let m = MemoryView::new(&ba)?;
    /// m.typed::<u8>()?.set(1, 9)?;
    /// assert_eq!(ba.to_vec(), [0, 9]);
    /// assert_eq!(m.typed::<u8>()?.set(2, 9).unwrap_err().message(),
    ///            "index out of bounds on dimension 1");
    /// # Ok(()) }
    /// ```
    #[inline]
    pub fn set(&self, i: usize, value: T) -> Result<()> {
        if self.readonly {
            return Err(Error::read_only());
        }
        let off = self
            .offset(i)
            .ok_or_else(|| Error::index_error("index out of bounds on dimension 1"))?;
        if store_raw(self.storage, off, value.to_raw().as_ref()) {
            Ok(())
        } else {
            Err(Error::read_only())
        }
    }

    /// Every item in order, one at a time (see
    /// [`for_each_chunk`](Typed::for_each_chunk) for loops that should
    /// vectorise). Cost: O(1) per item.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abc"[..]))?.slice(None, None, Some(-1))?;
    /// assert_eq!(m.typed::<u8>()?.iter().collect::<Vec<_>>(), b"cba");
    /// # Ok(()) }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        let n = T::Raw::default().as_ref().len();
        Iter {
            typed: self,
            bulk: self.contiguous.is_none() && usize::try_from(self.stride).ok() == Some(n),
            next: 0,
            run: [T::default(); RUN],
            at: 0,
            end: 0,
        }
    }

    /// Calls `f` on the items in order, a chunk of up to 512 at a time, as
    /// plain slices: the caller's loop over each chunk is a loop over a
    /// `&[T]`, which the compiler can vectorise. Items of `bytes` memory
    /// are converted straight from it; others are first copied out with
    /// the storage's bulk loads (contiguous) or item by item (strided) into a stack buffer. Cost: O(len), no allocation.
    ///
    /// # Errors
    ///
    /// `OverflowError` if an item lies outside the memory (never for a
    /// view that fits its memory).
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::from(vec![1u8; 2000]);
    /// let mut total = 0u64;
    /// MemoryView::new(&ba)?.typed::<u8>()?.for_each_chunk(|c| {
    ///     total += c.iter().map(|&b| u64::from(b)).sum::<u64>();
    /// })?;
    /// assert_eq!(total, 2000);
    /// # Ok(()) }
    /// ```
    pub fn for_each_chunk(&self, mut f: impl FnMut(&[T])) -> Result<()> {
        let mut items = [T::default(); CHUNK];
        let n = T::Raw::default().as_ref().len();
        if let Some(mem) = self.contiguous {
            for bytes in mem.chunks(CHUNK * n) {
                let m = bytes.len() / n;
                let out = items.get_mut(..m).ok_or_else(Error::size_overflow)?;
                decode(bytes, out);
                f(out);
            }
            return Ok(());
        }
        let contiguous = usize::try_from(self.stride).ok() == Some(n);
        let mut bytes = [0u8; CHUNK * 8];
        let mut done = 0;
        while done < self.len {
            let m = (self.len - done).min(CHUNK);
            let out = items.get_mut(..m).ok_or_else(Error::size_overflow)?;
            if contiguous {
                let off = self.offset(done).ok_or_else(Error::size_overflow)?;
                let dst = bytes.get_mut(..m * n).ok_or_else(Error::size_overflow)?;
                if !self.storage.read_into(off, dst) {
                    return Err(Error::size_overflow());
                }
                decode(dst, out);
            } else {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = self.get(done + k).ok_or_else(Error::size_overflow)?;
                }
            }
            f(out);
            done += m;
        }
        Ok(())
    }

    /// The items as a new `Vec<T>` (what `tolist()` is for Python, without
    /// the `Value`s). Cost: O(len), one allocation of exactly `len` items.
    ///
    /// # Errors
    ///
    /// `MemoryError` when the vector cannot be allocated (a broadcast view
    /// may have 2**62 items).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&[2u8, 0, 3, 0][..]))?.cast("h")?;
    /// assert_eq!(m.typed::<i16>()?.to_vec()?, [2, 3]);
    /// # Ok(()) }
    /// ```
    pub fn to_vec(&self) -> Result<Vec<T>> {
        let mut v = try_vec(self.len)?;
        self.for_each_chunk(|c| v.extend_from_slice(c))?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use crate::{ByteArray, Bytes, MemoryView};

    /// Over `bytearray` memory, every item size at every offset in a word
    /// (items inside a word and straddling a boundary): `get`, `iter`,
    /// `for_each_chunk`, contiguous and stepped, read what the bytes say,
    /// and `set` writes exactly the item's bytes.
    #[test]
    fn typed_items_at_every_alignment_over_bytearray() {
        macro_rules! check {
            ($t:ty, $f:literal) => {{
                const N: usize = std::mem::size_of::<$t>();
                let data: Vec<u8> = (0..200u32).map(|i| (i * 37 % 253) as u8).collect();
                for off in 0..8usize {
                    let ba = ByteArray::from(&data[..]);
                    let k = (data.len() - off) / N;
                    let m = MemoryView::new(&ba).unwrap();
                    let s = m.slice(Some(off as isize), Some((off + k * N) as isize), None);
                    let v = s.unwrap().cast($f).unwrap();
                    let at = |b: &[u8], j: usize| {
                        <$t>::from_ne_bytes(b[off + j * N..off + (j + 1) * N].try_into().unwrap())
                    };
                    let want: Vec<$t> = (0..k).map(|j| at(&data, j)).collect();
                    let t = v.typed::<$t>().unwrap();
                    let got: Vec<$t> = (0..k).map(|j| t.get(j).unwrap()).collect();
                    assert_eq!(got, want, "{} {off}", $f);
                    assert_eq!(t.iter().collect::<Vec<_>>(), want, "{} {off}", $f);
                    assert_eq!(t.to_vec().unwrap(), want, "{} {off}", $f);
                    assert_eq!(t.get(k), None);
                    let back = v.slice(None, None, Some(-3)).unwrap();
                    let tb = back.typed::<$t>().unwrap();
                    let want_back: Vec<$t> = want.iter().rev().step_by(3).copied().collect();
                    assert_eq!(tb.iter().collect::<Vec<_>>(), want_back);
                    assert_eq!(tb.to_vec().unwrap(), want_back);
                    let mut model = data.clone();
                    for j in 0..k {
                        let x = at(&data, (j + 1) % k);
                        t.set(j, x).unwrap();
                        model[off + j * N..off + (j + 1) * N].copy_from_slice(&x.to_ne_bytes());
                        assert_eq!(t.get(j), Some(x));
                    }
                    assert_eq!(ba.to_vec(), model, "{} {off}", $f);
                    assert!(t.set(k, want[0]).is_err());
                }
            }};
        }
        check!(u8, "B");
        check!(i8, "b");
        check!(u16, "H");
        check!(i16, "h");
        check!(u32, "I");
        check!(i32, "i");
        check!(u64, "Q");
        check!(i64, "q");
        check!(f32, "f");
        check!(f64, "d");
    }

    /// Typed reads equal `get` for every accepted format, over both
    /// memories, forwards, backwards and stepped; chunks see every item.
    #[test]
    fn typed_reads_agree_with_get() {
        let data: Vec<u8> = (0..4096u32).map(|i| (i * 131 % 251) as u8).collect();
        let ba = ByteArray::from(&data[..]);
        let b = Bytes::from(&data[..]);
        for m in [MemoryView::new(&ba).unwrap(), MemoryView::new(&b).unwrap()] {
            let i = m.cast("i").unwrap();
            for v in [
                i.slice(None, None, None).unwrap(),
                i.slice(None, None, Some(-3)).unwrap(),
            ] {
                let t = v.typed::<i32>().unwrap();
                let n = v.len().unwrap();
                let by_get: Vec<i32> = (0..n as isize)
                    .map(|k| v.get(k).unwrap().to_string().parse().unwrap())
                    .collect();
                assert_eq!(t.iter().collect::<Vec<_>>(), by_get);
                assert_eq!(t.to_vec().unwrap(), by_get);
                assert_eq!(t.get(n), None);
            }
            let u = m.typed::<u8>().unwrap();
            assert_eq!(u.to_vec().unwrap(), data);
            let d = m.cast("d").unwrap();
            assert_eq!(d.typed::<f64>().unwrap().len(), 512);
        }
        let grid = MemoryView::new(&b)
            .unwrap()
            .cast_shape("B", &[64, 64])
            .unwrap();
        assert_eq!(
            grid.typed::<u8>().unwrap_err().to_string(),
            "TypeError: memoryview: typed access is restricted to 1-D views"
        );
        let m = MemoryView::new(&b).unwrap();
        let signed = m.cast("b").unwrap();
        assert_eq!(
            signed.typed::<u8>().unwrap_err().to_string(),
            "TypeError: memoryview: cannot view format 'b' as u8 (cast to 'B' first)"
        );
        assert_eq!(
            m.typed::<u8>().unwrap().set(0, 1).unwrap_err().to_string(),
            "TypeError: cannot modify read-only memory"
        );
        let mut r = MemoryView::new(&b).unwrap();
        r.release().unwrap();
        assert_eq!(
            r.typed::<u8>().unwrap_err().message(),
            "operation forbidden on released memoryview object"
        );
    }
}
