//! The fast path of item access: a 1-D view with a native format, decided
//! once when the view is made, so that `m[i]` and `m[i] = v` are an index
//! check, a multiply-add and one load or store of the item's bytes.

use super::Live;
use crate::format::{Native, Value, half_to_f64};
use crate::layout::Layout;
use crate::storage::{Storage, Words};

/// Where the items of a 1-D view with a native format lie: `len` items of
/// `nat`, the first at byte `first` of the storage, each next one `stride`
/// bytes further. `None` for every other view (N-d, 0-d, a non-native
/// format, suboffsets, a first item before the storage), which takes the general path
/// and its errors.
#[derive(Clone, Copy, Debug)]
pub(super) struct Flat {
    pub(super) nat: Native,
    kind: Kind,
    pub(super) len: usize,
    pub(super) first: usize,
    pub(super) stride: isize,
}

impl Flat {
    pub(super) fn of(layout: &Layout, native: Option<Native>) -> Option<Flat> {
        let nat = native?;
        // Suboffsets: the general path follows the pointers.
        if layout.suboffsets().is_some() {
            return None;
        }
        let kind = Kind::of(nat)?;
        let ([len], [stride]) = (layout.shape(), layout.strides()) else {
            return None;
        };
        // The item size is the format's (a layout of another size, from a
        // foreign exporter, takes the general path).
        let size = kind.size();
        if layout.itemsize() != size {
            return None;
        }
        Flat::checked(Flat {
            nat,
            kind,
            len: *len,
            first: usize::try_from(layout.offset()).ok()?,
            stride: *stride,
        })
    }

    /// What [`Flat::of`] finds for `len` unsigned bytes (`nat`, format
    /// `B`) from byte `first` with stride 1, the layout of a view of a
    /// `bytes` or `bytearray`, without reading a layout: `None` unless the
    /// offset of every item, the last one `first + len - 1`, is an `isize`.
    #[inline(always)]
    pub(super) fn bytes(nat: Native, len: usize, first: usize) -> Option<Flat> {
        let last = match len.checked_sub(1) {
            None => first,
            Some(n) => first.checked_add(n)?,
        };
        isize::try_from(last).ok()?;
        Some(Flat {
            nat,
            kind: Kind::U8,
            len,
            first,
            stride: 1,
        })
    }

    /// `flat`, if every item's offset `first + i * stride` (`i < len`) is
    /// a `usize` that `isize` arithmetic reaches without overflow, and so
    /// [`offset`](Flat::offset) may compute it with wrapping operations.
    fn checked(flat: Flat) -> Option<Flat> {
        let Some(n) = flat.len.checked_sub(1) else {
            return Some(flat); // no item: no offset to prove
        };
        let last = isize::try_from(n).ok()?.checked_mul(flat.stride)?;
        isize::try_from(flat.first).ok()?.checked_add(last)?;
        flat.first.checked_add_signed(last)?;
        Some(flat)
    }

    /// The item size in bytes.
    #[inline(always)]
    pub(super) fn size(&self) -> usize {
        self.kind.size()
    }

    /// The fast layout of a slice of this view (`layout`, 1-D, same
    /// format): only where its items are changes.
    pub(super) fn resliced(&self, layout: &Layout) -> Option<Flat> {
        let ([len], [stride]) = (layout.shape(), layout.strides()) else {
            return None;
        };
        Flat::checked(Flat {
            len: *len,
            first: usize::try_from(layout.offset()).ok()?,
            stride: *stride,
            ..*self
        })
    }

    /// The byte offset of item `index` (negative counts from the end), or
    /// `None` if out of range. No overflow check is needed: `len` fits an
    /// `isize` and [`checked`](Flat::checked) proved every item's offset
    /// exact, so the wrapping operations give the true offset.
    #[inline(always)]
    pub(super) fn offset(&self, index: isize) -> Option<usize> {
        let i = if index < 0 {
            index.wrapping_add_unsigned(self.len)
        } else {
            index
        };
        // A negative `i` is out of range too: as a `usize` it is > `isize::MAX`.
        if i.cast_unsigned() >= self.len {
            return None;
        }
        Some(self.first.wrapping_add_signed(i.wrapping_mul(self.stride)))
    }
}

/// How an item of a [`Flat`] view is loaded and what Python value it is:
/// one `match` on it reads the item (a `c` item, a one-byte `bytes`, takes
/// the general path: its `Vec` is no fast path).
#[derive(Clone, Copy, Debug)]
enum Kind {
    U8,
    I8,
    Bool,
    U16,
    I16,
    F16,
    U32,
    I32,
    F32,
    U64,
    I64,
    F64,
}

impl Kind {
    fn of(nat: Native) -> Option<Kind> {
        // `l n L N P` are 8 bytes on 64-bit targets, 4 elsewhere.
        let wide = || nat.size() == 8;
        Some(match nat.char() {
            'B' => Kind::U8,
            'b' => Kind::I8,
            '?' => Kind::Bool,
            'H' => Kind::U16,
            'h' => Kind::I16,
            'e' => Kind::F16,
            'I' => Kind::U32,
            'i' => Kind::I32,
            'f' => Kind::F32,
            'Q' => Kind::U64,
            'q' => Kind::I64,
            'd' => Kind::F64,
            'l' | 'n' if wide() => Kind::I64,
            'l' | 'n' => Kind::I32,
            'L' | 'N' | 'P' if wide() => Kind::U64,
            'L' | 'N' | 'P' => Kind::U32,
            _ => return None, // 'c'
        })
    }

    /// The item's size in bytes.
    #[inline(always)]
    fn size(self) -> usize {
        match self {
            Kind::U8 | Kind::I8 | Kind::Bool => 1,
            Kind::U16 | Kind::I16 | Kind::F16 => 2,
            Kind::U32 | Kind::I32 | Kind::F32 => 4,
            Kind::U64 | Kind::I64 | Kind::F64 => 8,
        }
    }

    /// The ints an integer item holds, `lo..=hi` (`None`: not an integer
    /// item). For `P`, which also takes negative ints, only its unsigned
    /// range: the fast path of `m[i] = v` takes these, the general path
    /// the rest.
    #[inline(always)]
    fn int_range(self) -> Option<(i128, i128)> {
        Some(match self {
            Kind::U8 => (0, 0xff),
            Kind::I8 => (-0x80, 0x7f),
            Kind::U16 => (0, 0xffff),
            Kind::I16 => (-0x8000, 0x7fff),
            Kind::U32 => (0, 0xffff_ffff),
            Kind::I32 => (-0x8000_0000, 0x7fff_ffff),
            Kind::U64 => (0, i128::from(u64::MAX)),
            Kind::I64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
            Kind::Bool | Kind::F16 | Kind::F32 | Kind::F64 => return None,
        })
    }

    /// The item at `off` of `src` as a Python value, or `None` if out of
    /// bounds: one load of the item's size.
    #[inline(always)]
    fn decode<S: ItemSource + ?Sized>(self, src: &S, off: usize) -> Option<Value> {
        let int = |i: i128| Some(Value::Int(i));
        match self {
            Kind::U8 => int(i128::from(src.byte(off)?)),
            Kind::I8 => int(i128::from(src.byte(off)? as i8)),
            Kind::Bool => Some(Value::Bool(src.byte(off)? != 0)),
            Kind::U16 => int(i128::from(u16::from_ne_bytes(src.item(off)?))),
            Kind::I16 => int(i128::from(i16::from_ne_bytes(src.item(off)?))),
            Kind::F16 => Some(Value::Float(half_to_f64(u16::from_ne_bytes(
                src.item(off)?,
            )))),
            Kind::U32 => int(i128::from(u32::from_ne_bytes(src.item(off)?))),
            Kind::I32 => int(i128::from(i32::from_ne_bytes(src.item(off)?))),
            Kind::F32 => Some(Value::Float(f64::from(f32::from_ne_bytes(src.item(off)?)))),
            Kind::U64 => int(i128::from(u64::from_ne_bytes(src.item(off)?))),
            Kind::I64 => int(i128::from(i64::from_ne_bytes(src.item(off)?))),
            Kind::F64 => Some(Value::Float(f64::from_ne_bytes(src.item(off)?))),
        }
    }
}

/// Memory that [`Kind::decode`] reads an item from: the plain bytes of a
/// `bytes`, the words of a `bytearray`, or any [`Storage`] (foreign
/// memory, out of line).
trait ItemSource {
    /// The byte at `off`.
    fn byte(&self, off: usize) -> Option<u8>;
    /// The `N` bytes at `off`.
    fn item<const N: usize>(&self, off: usize) -> Option<[u8; N]>;
}

impl ItemSource for [u8] {
    #[inline(always)]
    fn byte(&self, off: usize) -> Option<u8> {
        self.get(off).copied()
    }
    #[inline(always)]
    fn item<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        self.get(off..)?.first_chunk().copied()
    }
}

impl ItemSource for Storage {
    #[inline(always)]
    fn byte(&self, off: usize) -> Option<u8> {
        self.load_byte(off)
    }
    #[inline(always)]
    fn item<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        self.load_item(off)
    }
}

impl ItemSource for Words {
    #[inline(always)]
    fn byte(&self, off: usize) -> Option<u8> {
        self.load(off)
    }
    #[inline(always)]
    fn item<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        self.load_item(off)
    }
}

/// The item at `off` as an unsigned integer of its size (native-endian),
/// zero-extended to a `u64`, read with one load of its size.
#[inline(always)]
pub(super) fn load_bits(storage: &Storage, size: usize, off: usize) -> Option<u64> {
    match size {
        1 => storage.load_byte(off).map(u64::from),
        2 => storage
            .load_item::<2>(off)
            .map(|b| u64::from(u16::from_ne_bytes(b))),
        4 => storage
            .load_item::<4>(off)
            .map(|b| u64::from(u32::from_ne_bytes(b))),
        8 => storage.load_item::<8>(off).map(u64::from_ne_bytes),
        _ => None,
    }
}

/// Stores `u`, cut to an unsigned integer of `size` bytes, at `off` in
/// native byte order; `false` if out of bounds or not writable.
#[inline(always)]
pub(super) fn store_bits(storage: &Storage, size: usize, off: usize, u: u64) -> bool {
    match size {
        1 => storage.store_item::<1>(off, [u as u8]),
        2 => storage.store_item::<2>(off, (u as u16).to_ne_bytes()),
        4 => storage.store_item::<4>(off, (u as u32).to_ne_bytes()),
        8 => storage.store_item::<8>(off, u.to_ne_bytes()),
        _ => false,
    }
}

impl Live {
    /// `m[index]` for a view with a [`Flat`] layout over `bytes` or
    /// `bytearray` memory; `None` when the index is out of range, the
    /// storage is shorter than the layout says, or the memory is foreign
    /// (the general path then reads it or reports the error). Returns the
    /// bare `Value`, so that the caller's `Ok(v)` is built once, in place.
    #[inline(always)]
    pub(super) fn flat_get(&self, index: isize) -> Option<Value> {
        let f = self.flat.as_ref()?;
        let off = f.offset(index)?;
        match self.mem.storage() {
            Storage::Frozen(a) => f.kind.decode(&**a, off),
            Storage::Shared(w) => f.kind.decode(&**w, off),
            // Out of line (`flat_get_foreign`): kept off this path.
            Storage::Foreign(_) => None,
        }
    }

    /// What [`flat_get`](Live::flat_get) leaves to the general path:
    /// item `index` of foreign memory, read with the storage's item
    /// loads (in place when its owner says it is frozen, byte by byte
    /// otherwise). `None` for other memory or as `flat_get`.
    pub(super) fn flat_get_foreign(&self, index: isize) -> Option<Value> {
        let f = self.flat.as_ref()?;
        let off = f.offset(index)?;
        match self.mem.storage() {
            s @ Storage::Foreign(_) => f.kind.decode(s, off),
            _ => None,
        }
    }
}

impl Live {
    /// `m[index] = v` for a writable view with a [`Flat`] layout: `true`
    /// once stored. `false` (nothing stored) when read-only, out of range,
    /// or for a value the fast check does not take: the general path then
    /// reports CPython's error in CPython's order, or stores it.
    #[inline(always)]
    pub(super) fn flat_set(&self, index: isize, v: &Value) -> bool {
        if self.readonly {
            return false;
        }
        let Some(f) = self.flat.as_ref() else {
            return false;
        };
        let Some(off) = f.offset(index) else {
            return false;
        };
        // An int in the item type's range is its own bits: no call into
        // the format's conversions.
        let bits = match (f.kind.int_range(), v) {
            (Some((lo, hi)), Value::Int(i)) if lo <= *i && *i <= hi => *i as u64,
            (_, Value::Int(_)) => return false,
            _ => match f.nat.bits_of(v) {
                Ok(u) => u,
                Err(_) => return false,
            },
        };
        store_bits(self.mem.storage(), f.size(), off, bits)
    }
}

#[cfg(test)]
mod tests {
    use crate::format::{Native, Value};
    use crate::{ByteArray, Bytes, MemoryView};

    /// The fast path reads and writes what `Native::unpack`/`pack` say,
    /// for every native format, over frozen and shared memory, forwards,
    /// backwards and stepped, at every index in range and one past.
    #[test]
    fn fast_items_agree_with_unpack() {
        let data: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        for c in "cbB?hHiIlLqQnNfdeP".chars() {
            let f = c.to_string();
            let nat = Native::parse(&f).unwrap();
            let size = nat.size();
            let ba = ByteArray::from(&data[..]);
            let b = Bytes::from(&data[..]);
            for m in [MemoryView::new(&ba).unwrap(), MemoryView::new(&b).unwrap()] {
                let m = m.cast(&f).unwrap();
                for (step, view) in [
                    (1, m.slice(None, None, None).unwrap()),
                    (-1, m.slice(None, None, Some(-1)).unwrap()),
                    (2, m.slice(Some(1), None, Some(2)).unwrap()),
                ] {
                    let n = view.len().unwrap() as isize;
                    for i in -n..n {
                        let pos = if i < 0 { i + n } else { i } as usize;
                        let k = match step {
                            1 => pos,
                            -1 => (n as usize - 1) - pos,
                            _ => 1 + 2 * pos,
                        };
                        let want = nat.unpack(&data[k * size..(k + 1) * size]).unwrap();
                        let got = view.get(i).unwrap();
                        // NaN != NaN: compare the reprs
                        assert_eq!(got.to_string(), want.to_string(), "{f} {step} {i}");
                    }
                    for i in [n, -n - 1, isize::MAX, isize::MIN] {
                        assert_eq!(
                            view.get(i).unwrap_err().message(),
                            "index out of bounds on dimension 1"
                        );
                    }
                }
            }
            // writes land on the item's bytes, in both directions
            let m = MemoryView::new(&ba_of(&data)).unwrap();
            let v = match c {
                'c' => Value::Bytes(vec![7]),
                '?' => Value::Bool(true),
                'f' | 'd' | 'e' => Value::Float(-1.5),
                _ => Value::Int(5),
            };
            let t = m.cast(&f).unwrap();
            let rev = t.slice(None, None, Some(-1)).unwrap();
            rev.set(0, v.clone()).unwrap();
            let n = t.len().unwrap() as isize;
            assert_eq!(t.get(n - 1).unwrap(), v, "{f}");
            let mut want = vec![0u8; size];
            nat.pack(&v, &mut want).unwrap();
            let bytes = t.tobytes().unwrap().to_vec();
            assert_eq!(&bytes[bytes.len() - size..], &want[..], "{f}");
        }
    }

    /// `Flat::bytes` is what `Flat::of` finds for a byte layout.
    #[test]
    fn bytes_is_of_a_byte_layout() {
        let nat = Native::parse("B").unwrap();
        let max = isize::MAX.unsigned_abs();
        for (first, len) in [(0, 0), (0, 5), (3, 1), (7, 1 << 40), (max, 0), (max, 1)] {
            let l = crate::layout::Layout::bytes_from(first as isize, len);
            let (of, bytes) = (
                super::Flat::of(&l, Some(nat)),
                super::Flat::bytes(nat, len, first),
            );
            assert!(bytes.is_some(), "{first} {len}");
            assert_eq!(format!("{of:?}"), format!("{bytes:?}"));
        }
        // the last item's offset would pass `isize::MAX`
        assert!(super::Flat::bytes(nat, 2, max).is_none());
        assert!(super::Flat::bytes(nat, max, 2).is_none());
    }

    fn ba_of(data: &[u8]) -> ByteArray {
        ByteArray::from(data)
    }
}
