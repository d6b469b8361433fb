//! Typed item access: `len(m)`, `m[i]`, `m[i, j]`, assignment, `tolist`,
//! `count`, `index`, each through the view's [`format`](crate::format).

use super::flat;
use super::list::{self, Nested};
use super::{Live, MemoryView};
use crate::error::{Error, ErrorKind, Result, try_vec};
use crate::format::{self, Native, Value};
use crate::indirect;
use crate::layout::normalize_index;

/// The largest native item: 8 bytes on every target today (`q`, `d`, and
/// `l`/`n`/`P` on 64-bit), so an item's bytes always fit on the stack.
const ITEM_MAX: usize = 16;

fn sub_views() -> Error {
    Error::new(
        ErrorKind::NotImplementedError,
        "sub-views are not implemented",
    )
}

fn multi_sub_views() -> Error {
    Error::new(
        ErrorKind::NotImplementedError,
        "multi-dimensional sub-views are not implemented",
    )
}

fn zero_dim_index() -> Error {
    Error::type_error("invalid indexing of 0-dim memory")
}

impl Live {
    /// The item format, parsed when the view was made; parsing again (only
    /// to build CPython's error) when it is not native. `count` and
    /// `tolist` call this once per item.
    fn native(&self) -> Result<Native> {
        match self.native {
            Some(n) => Ok(n),
            None => format::item_format(self.layout().format()),
        }
    }

    fn read(&self, off: usize) -> Result<Value> {
        self.read_as(self.native()?, off)
    }

    /// One item, read into a stack buffer (no allocation for native sizes).
    #[inline]
    fn read_as(&self, nat: Native, off: usize) -> Result<Value> {
        let size = self.layout().itemsize();
        if size == 1 {
            let b = self
                .mem
                .storage()
                .load(off)
                .ok_or_else(Error::size_overflow)?;
            return nat.unpack(&[b]);
        }
        if let Some(mem) = self.mem.storage().as_plain() {
            // `bytes` memory: unpack in place, no copy.
            let item = off
                .checked_add(size)
                .and_then(|end| mem.get(off..end))
                .ok_or_else(Error::size_overflow)?;
            return nat.unpack(item);
        }
        let mut scratch = [0u8; ITEM_MAX];
        let buf = scratch.get_mut(..size).ok_or_else(Error::size_overflow)?;
        if !self.mem.storage().read_into(off, buf) {
            return Err(Error::size_overflow());
        }
        nat.unpack(buf)
    }

    fn write(&self, off: usize, v: &Value) -> Result<()> {
        self.write_as(self.native()?, off, v)
    }

    #[inline]
    fn write_as(&self, nat: Native, off: usize, v: &Value) -> Result<()> {
        let size = self.layout().itemsize();
        let mut scratch = [0u8; ITEM_MAX];
        let buf = scratch.get_mut(..size).ok_or_else(Error::size_overflow)?;
        nat.pack(v, buf)?;
        if self.mem.storage().copy_in(off, buf) {
            Ok(())
        } else {
            Err(Error::read_only())
        }
    }

    /// `tolist` of the sub-array of `shape`/`strides` whose first item is
    /// at byte `offset`: one [`list::row`] per row of the last dimension,
    /// a `List` per dimension above it. `shape[0]` slots are allocated
    /// first even when the rows are empty: the list of 2**62 empty lists
    /// of shape `[2**62, 0]` is CPython's `MemoryError` too, and must fail
    /// before it is allocated.
    fn rows(&self, shape: &[usize], strides: &[isize], offset: isize) -> Result<Nested> {
        let (Some((&n, inner)), Some((&stride, inner_strides))) =
            (shape.split_first(), strides.split_first())
        else {
            return Err(Error::size_overflow());
        };
        if inner.is_empty() {
            let nat = match self.native {
                Some(nat) => nat,
                // An empty row reads no item, so no format error (CPython).
                None if n == 0 => return Ok(Nested::List(Vec::new())),
                None => self.native()?,
            };
            let first = if n == 0 {
                0
            } else {
                usize::try_from(offset).map_err(|_| Error::size_overflow())?
            };
            return Ok(Nested::Items(list::row(
                self.mem.storage(),
                nat,
                first,
                n,
                stride,
            )?));
        }
        let mut v = try_vec(n)?;
        // Rows without items read nothing: their offsets may be anything
        // (shape [3, 0] with a stride of -2**62 is a valid empty view).
        let no_items = inner.contains(&0);
        let mut off = offset;
        for k in 0..n {
            v.push(self.rows(inner, inner_strides, off)?);
            if k + 1 < n {
                off = match off.checked_add(stride) {
                    Some(o) => o,
                    None if no_items => off,
                    None => return Err(Error::size_overflow()),
                };
            }
        }
        Ok(Nested::List(v))
    }

    /// `ptr_from_tuple`: the byte offset of a full index.
    fn offset_at(&self, index: &[isize]) -> Result<usize> {
        let nd = self.layout().ndim();
        if index.len() > nd {
            return Err(Error::type_error(format!(
                "cannot index {nd}-dimension view with {}-element tuple",
                index.len()
            )));
        }
        if let [i] = index {
            // 1-D (the common case): no list of positions.
            let len = self.layout().shape().first().copied().unwrap_or(0);
            let p = normalize_index(*i, len)
                .ok_or_else(|| Error::index_error("index out of bounds on dimension 1"))?;
            return indirect::byte_offset(self.mem.storage(), self.layout(), &[p]);
        }
        let mut pos = Vec::with_capacity(nd);
        for (d, (&i, &n)) in index.iter().zip(self.layout().shape()).enumerate() {
            let p = normalize_index(i, n).ok_or_else(|| {
                Error::index_error(format!("index out of bounds on dimension {}", d + 1))
            })?;
            pos.push(p);
        }
        indirect::byte_offset(self.mem.storage(), self.layout(), &pos)
    }
}

impl Live {
    /// `tolist` of a view with suboffsets: the pointers are followed once
    /// per item ([`indirect::item_offsets`]); each innermost row is built as
    /// `rows` builds a direct one (one pass in the native type) when its
    /// last dimension has no suboffset, item by item otherwise.
    fn tolist_indirect(&self) -> Result<Nested> {
        let layout = self.layout();
        let storage = self.mem.storage();
        let offsets = indirect::item_offsets(storage, layout, false)?;
        let (Some((&n, outer)), Some(&stride)) =
            (layout.shape().split_last(), layout.strides().last())
        else {
            let off = *offsets.first().ok_or_else(Error::size_overflow)?;
            return Ok(Nested::Item(self.read(off)?));
        };
        let last_direct = layout
            .suboffsets()
            .and_then(<[isize]>::last)
            .is_none_or(|&s| s < 0);
        let row = |k: usize| -> Result<Nested> {
            let nat = match self.native {
                Some(nat) => nat,
                // An empty row reads no item, so no format error (CPython).
                None if n == 0 => return Ok(Nested::List(Vec::new())),
                None => self.native()?,
            };
            if n == 0 {
                return Ok(Nested::Items(list::row(storage, nat, 0, 0, stride)?));
            }
            let start = k.checked_mul(n).ok_or_else(Error::size_overflow)?;
            let offs = start
                .checked_add(n)
                .and_then(|end| offsets.get(start..end))
                .ok_or_else(Error::size_overflow)?;
            if last_direct {
                let first = *offs.first().ok_or_else(Error::size_overflow)?;
                return Ok(Nested::Items(list::row(storage, nat, first, n, stride)?));
            }
            let mut v = try_vec(n)?;
            for &o in offs {
                v.push(Nested::Item(self.read_as(nat, o)?));
            }
            Ok(Nested::List(v))
        };
        fn build(
            outer: &[usize],
            next: &mut usize,
            row: &dyn Fn(usize) -> Result<Nested>,
        ) -> Result<Nested> {
            let Some((&m, inner)) = outer.split_first() else {
                *next += 1;
                return row(*next - 1);
            };
            // `m` slots even when the items are none at all: the list of
            // 2**62 empty lists of shape [2**62, 0] is CPython's
            // `MemoryError` too, and must fail before it is allocated.
            let mut v = try_vec(m)?;
            for _ in 0..m {
                v.push(build(inner, next, row)?);
            }
            Ok(Nested::List(v))
        }
        build(outer, &mut 0, &row)
    }
}

impl MemoryView {
    /// `len(m)`: items in the first dimension. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `ValueError: operation forbidden on released memoryview object`
    /// (every method fails the same way after release); `TypeError: 0-dim
    /// memory has no length` (3.11 answered 1; see
    /// [`VERSION_DIFFERENCES`](crate::VERSION_DIFFERENCES)).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::zeroed(4)?)?;
    /// assert_eq!(m.len()?, 4);
    /// assert_eq!(m.cast("i")?.len()?, 1);
    /// assert_eq!(m.cast_shape("i", &[])?.len().unwrap_err().message(), "0-dim memory has no length");
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> Result<usize> {
        let l = self.live()?;
        l.layout()
            .shape()
            .first()
            .copied()
            .ok_or_else(|| Error::type_error("0-dim memory has no length"))
    }

    /// Whether `len() == 0`. Cost: O(1).
    ///
    /// # Errors
    ///
    /// As [`len`](MemoryView::len).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(MemoryView::new(&Bytes::default())?.is_empty()?);
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// `m[index]` on a 1-D view: the item as a Python value of the view's
    /// format. Cost: O(1), no allocation (but a `c` item's [`Value::Bytes`]
    /// is a one-byte `Vec`).
    ///
    /// # Errors
    ///
    /// In CPython's order: `TypeError: invalid indexing of 0-dim memory`;
    /// `NotImplementedError: memoryview: unsupported format <i`;
    /// `NotImplementedError: multi-dimensional sub-views are not implemented`;
    /// `IndexError: index out of bounds on dimension 1`.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// use bufproto::format::Value;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"ab"[..]))?;
    /// assert_eq!(m.get(-1)?, Value::Int(98));
    /// assert_eq!(m.cast("c")?.get(0)?, Value::Bytes(b"a".to_vec()));
    /// assert_eq!(m.get(2).unwrap_err().message(), "index out of bounds on dimension 1");
    /// # Ok(()) }
    /// ```
    #[inline(always)]
    pub fn get(&self, index: isize) -> Result<Value> {
        // 1-D, native format, index in range: nothing else to check. A
        // few instructions, inlined into the caller; the rest is out of line.
        if let Some(v) = self.live.as_ref().and_then(|l| l.flat_get(index)) {
            return Ok(v);
        }
        self.get_general(index)
    }

    /// `get` for every view and index the fast path does not take: in
    /// CPython's order, the errors, then the item.
    #[inline(never)]
    fn get_general(&self, index: isize) -> Result<Value> {
        let l = self.live()?;
        // Foreign memory (a Python exporter's) with a fast layout: the
        // fast path, out of line.
        if let Some(v) = l.flat_get_foreign(index) {
            return Ok(v);
        }
        if l.layout().ndim() == 0 {
            return Err(zero_dim_index());
        }
        format::adjust_fmt(l.layout().format())?;
        if l.layout().ndim() > 1 {
            return Err(multi_sub_views());
        }
        let off = l.offset_at(&[index])?;
        l.read(off)
    }

    /// `m[index] = value` on a 1-D view, seen by all views and the
    /// exporter. On `bytearray` memory (atomic 64-bit words) an aligned
    /// 8-byte item is one atomic word store and any other item a
    /// compare-and-swap on each of the one or two words it touches; on
    /// foreign memory it is one relaxed atomic store per byte. Cost:
    /// O(itemsize), no allocation.
    ///
    /// # Errors
    ///
    /// In CPython's order: `NotImplementedError: memoryview: unsupported
    /// format <i`; `TypeError: cannot modify read-only memory`; `TypeError:
    /// invalid indexing of 0-dim memory`; `NotImplementedError: sub-views
    /// are not implemented` (N-d); `IndexError: index out of bounds on
    /// dimension 1`; the format's `TypeError`/`ValueError` (see
    /// [`Native::pack`]).
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::zeroed(4)?;
    /// let m = MemoryView::new(&ba)?;
    /// m.set(1, 255)?;
    /// assert_eq!(ba.to_vec(), [0, 255, 0, 0]);
    /// assert_eq!(m.set(0, 256).unwrap_err().to_string(),
    ///            "ValueError: memoryview: invalid value for format 'B'");
    /// m.cast("i")?.set(0, -2)?;
    /// assert_eq!(ba.to_vec(), [254, 255, 255, 255]);
    /// # Ok(()) }
    /// ```
    #[inline(always)]
    pub fn set(&self, index: isize, value: impl Into<Value>) -> Result<()> {
        let value = value.into();
        if self
            .live
            .as_ref()
            .is_some_and(|l| l.flat_set(index, &value))
        {
            return Ok(());
        }
        self.set_general(index, &value)
    }

    /// `set` for every view and index the fast path does not take.
    #[inline(never)]
    fn set_general(&self, index: isize, value: &Value) -> Result<()> {
        let l = self.live()?;
        format::adjust_fmt(l.layout().format())?;
        if l.readonly {
            return Err(Error::read_only());
        }
        match l.layout().ndim() {
            0 => return Err(zero_dim_index()),
            1 => {}
            _ => return Err(sub_views()),
        }
        let off = l.offset_at(&[index])?;
        l.write(off, value)
    }

    /// `m[i, j, ...]`: the item at a full index (`m[()]` for a 0-d view).
    /// Cost: O(ndim).
    ///
    /// # Errors
    ///
    /// `TypeError: invalid indexing of 0-dim memory` (a non-empty index on
    /// a 0-d view); `NotImplementedError: memoryview: unsupported format
    /// <i`; `NotImplementedError: sub-views are not implemented` (fewer
    /// indices than dimensions); `TypeError: cannot index 2-dimension view
    /// with 3-element tuple`; `IndexError: index out of bounds on dimension
    /// 2`.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// use bufproto::format::Value;
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcdef"[..]))?.cast_shape("B", &[2, 3])?;
    /// assert_eq!(m.get_at(&[1, -1])?, Value::Int(102));
    /// assert_eq!(m.get_at(&[0, 3]).unwrap_err().to_string(),
    ///            "IndexError: index out of bounds on dimension 2");
    /// assert_eq!(m.get_at(&[0]).unwrap_err().to_string(),
    ///            "NotImplementedError: sub-views are not implemented");
    /// # Ok(()) }
    /// ```
    pub fn get_at(&self, index: &[isize]) -> Result<Value> {
        let l = self.live()?;
        if l.layout().ndim() == 0 && !index.is_empty() {
            return Err(zero_dim_index());
        }
        format::adjust_fmt(l.layout().format())?;
        if index.len() < l.layout().ndim() {
            return Err(sub_views());
        }
        let off = l.offset_at(index)?;
        l.read(off)
    }

    /// `m[i, j, ...] = value` (`m[()] = value` for a 0-d view). Cost:
    /// O(ndim + itemsize).
    ///
    /// # Errors
    ///
    /// `NotImplementedError: memoryview: unsupported format <i`; `TypeError:
    /// cannot modify read-only memory`; then as [`get_at`](MemoryView::get_at)
    /// and [`Native::pack`].
    ///
    /// ```
    /// use bufproto::{ByteArray, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let ba = ByteArray::zeroed(4)?;
    /// let m = MemoryView::new(&ba)?.cast_shape("B", &[2, 2])?;
    /// m.set_at(&[1, 0], 7)?;
    /// assert_eq!(ba.to_vec(), [0, 0, 7, 0]);
    /// # Ok(()) }
    /// ```
    pub fn set_at(&self, index: &[isize], value: impl Into<Value>) -> Result<()> {
        let l = self.live()?;
        format::adjust_fmt(l.layout().format())?;
        if l.readonly {
            return Err(Error::read_only());
        }
        if l.layout().ndim() == 0 && !index.is_empty() {
            return Err(zero_dim_index());
        }
        if index.len() < l.layout().ndim() {
            return Err(sub_views());
        }
        let off = l.offset_at(index)?;
        l.write(off, &value.into())
    }

    /// `m.tolist()`: nested lists of values (one level per dimension), or a
    /// single value for a 0-d view. Each row of the last dimension is a
    /// [`Nested::Items`] of the format's native Rust type, read in one pass
    /// (no per-item format dispatch) into one allocation of its exact size;
    /// each dimension above is a [`Nested::List`]. Cost: O(nitems); for a
    /// 1-D view, one allocation (`tests/allocations.rs` counts it).
    ///
    /// # Errors
    ///
    /// `NotImplementedError: memoryview: unsupported format <i`;
    /// `NotImplementedError: memoryview: format u not supported` (only if
    /// there is an item to read, as in CPython); `MemoryError` when the
    /// lists cannot be allocated (a broadcast view of 2**62 items, or
    /// shape `[2**62, 0]`: 2**62 empty lists).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"\x00\x00\xc0\x7f\x00\x00\x80\x3f"[..]))?;
    /// assert_eq!(m.cast("f")?.tolist()?.to_string(), "[nan, 1.0]");
    /// # Ok(()) }
    /// ```
    pub fn tolist(&self) -> Result<Nested> {
        let l = self.live()?;
        format::adjust_fmt(l.layout().format())?;
        if l.layout().suboffsets().is_some() {
            return l.tolist_indirect();
        }
        if l.layout().ndim() == 0 {
            let off = usize::try_from(l.layout().offset()).map_err(|_| Error::size_overflow())?;
            return Ok(Nested::Item(l.read(off)?));
        }
        l.rows(
            l.layout().shape(),
            l.layout().strides(),
            l.layout().offset(),
        )
    }

    /// `m.count(value)` (new in 3.14): items equal (Python `==`) to `value`.
    /// Cost: O(len).
    ///
    /// # Errors
    ///
    /// `TypeError: invalid indexing of 0-dim memory`; `NotImplementedError:
    /// multi-dimensional sub-views are not implemented`;
    /// `NotImplementedError: memoryview: unsupported format <i`.
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abca"[..]))?;
    /// assert_eq!((m.count(97)?, m.count(300)?, m.count(97.0)?), (2, 0, 2));
    /// assert_eq!(m.cast("c")?.count(&b"a"[..])?, 2);
    /// # Ok(()) }
    /// ```
    pub fn count(&self, value: impl Into<Value>) -> Result<usize> {
        let l = self.live()?;
        match l.layout().ndim() {
            0 => return Err(zero_dim_index()),
            1 => {}
            _ => return Err(multi_sub_views()),
        }
        format::adjust_fmt(l.layout().format())?;
        let value = value.into();
        // A 1-D walk by the stride: no list of offsets. With stride 0 every
        // item is the first one, so one read answers for all of them
        // (CPython reads all 2**62 of a broadcast view, for ever).
        let (&len, &stride) = match (l.layout().shape(), l.layout().strides()) {
            ([len], [stride]) => (len, stride),
            _ => return Err(multi_sub_views()),
        };
        if len == 0 {
            return Ok(0);
        }
        if l.layout().suboffsets().is_some() {
            let offsets = indirect::item_offsets(l.mem.storage(), l.layout(), false)?;
            return offsets
                .into_iter()
                .try_fold(0, |n, o| Ok(n + usize::from(l.read(o)? == value)));
        }
        let mut off = usize::try_from(l.layout().offset()).map_err(|_| Error::size_overflow())?;
        if stride == 0 {
            return Ok(if l.read(off)? == value { len } else { 0 });
        }
        let itemsize = l.layout().itemsize();
        if let Some(nat) = l.native.filter(|n| n.size() == itemsize) {
            // The format was parsed when the view was made: each item is
            // one load and a comparison of its bits' value (no `Value` of
            // a `c` item is built; it equals only a one-byte `bytes`).
            let storage = l.mem.storage();
            let one_byte = match (&value, nat.char()) {
                (Value::Bytes(b), 'c') => b.first().copied().filter(|_| b.len() == 1),
                _ => None,
            };
            if nat.char() == 'c' && one_byte.is_none() {
                return Ok(0);
            }
            let hit = |u: u64| match one_byte {
                Some(b) => u == u64::from(b),
                None => nat.value_of_bits(u) == value,
            };
            let mut n = 0;
            for k in 0..len {
                let u = flat::load_bits(storage, itemsize, off).ok_or_else(Error::size_overflow)?;
                n += usize::from(hit(u));
                if k + 1 < len {
                    off = off
                        .checked_add_signed(stride)
                        .ok_or_else(Error::size_overflow)?;
                }
            }
            return Ok(n);
        }
        let mut n = 0;
        for k in 0..len {
            if l.read(off)? == value {
                n += 1;
            }
            if k + 1 < len {
                off = off
                    .checked_add_signed(stride)
                    .ok_or_else(Error::size_overflow)?;
            }
        }
        Ok(n)
    }

    /// `m.index(value, start, stop)` (new in 3.14): first position of an
    /// item equal to `value` in `m[start:stop]`; negative bounds count from
    /// the end and everything clamps (`None` = 0 / `len`). Cost: O(len).
    ///
    /// # Errors
    ///
    /// `TypeError: invalid lookup on 0-dim memory`; `NotImplementedError:
    /// multi-dimensional lookup is not implemented`; `ValueError:
    /// memoryview.index(x): x not found`; format errors as
    /// [`get`](MemoryView::get) (only when the range is not empty).
    ///
    /// ```
    /// use bufproto::{Bytes, MemoryView};
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let m = MemoryView::new(&Bytes::from(&b"abcb"[..]))?;
    /// assert_eq!(m.index(98, None, None)?, 1);
    /// assert_eq!(m.index(98, Some(-2), None)?, 3);
    /// assert_eq!(m.index(98, Some(2), Some(3)).unwrap_err().message(),
    ///            "memoryview.index(x): x not found");
    /// # Ok(()) }
    /// ```
    pub fn index(
        &self,
        value: impl Into<Value>,
        start: Option<isize>,
        stop: Option<isize>,
    ) -> Result<usize> {
        let l = self.live()?;
        match l.layout().ndim() {
            0 => return Err(Error::type_error("invalid lookup on 0-dim memory")),
            1 => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::NotImplementedError,
                    "multi-dimensional lookup is not implemented",
                ));
            }
        }
        let value = value.into();
        let n = l.layout().shape().first().copied().unwrap_or(0);
        let n = isize::try_from(n).map_err(|_| Error::size_overflow())?;
        let mut start = start.unwrap_or(0);
        let mut stop = stop.unwrap_or(isize::MAX);
        if start < 0 {
            start = start.saturating_add(n).max(0);
        }
        if stop < 0 {
            stop = stop.saturating_add(n).max(0);
        }
        stop = stop.min(n);
        let mut i = start;
        while i < stop {
            if self.get(i)? == value {
                return Ok(i as usize);
            }
            i += 1;
        }
        Err(Error::value_error("memoryview.index(x): x not found"))
    }
}
