//! The cost lines of `view/iter.rs`, `view/key.rs` and the searches of
//! `bytes/ops.rs`, checked by counting heap allocations (as
//! `tests/allocations.rs` does, with its own counter: one test binary
//! each), at two sizes, so that a cost growing with the size would show.

// The one `unsafe` here is the `GlobalAlloc` contract, which a counting
// allocator cannot avoid; it only forwards to `System`.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use bufproto::{ByteArray, Bytes, Key, MemoryView, Needle, Selection};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; counting touches no allocated memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: `ptr` and `layout` come from this allocator, i.e. `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, i.e. `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The number of allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    let r = black_box(f());
    let after = ALLOCATIONS.with(Cell::get);
    drop(r);
    after - before
}

const SIZES: [usize; 2] = [1 << 10, 1 << 20];

#[test]
fn iteration_and_contains_allocate_nothing() -> Result<(), bufproto::Error> {
    for n in SIZES {
        for m in [
            MemoryView::new(&Bytes::zeroed(n)?)?,
            MemoryView::new(&ByteArray::zeroed(n)?)?.cast("i")?,
        ] {
            assert_eq!(
                allocations(|| m.iter().map(|it| it.count())),
                0,
                "iter, {n}"
            );
            assert_eq!(
                allocations(|| m.reversed().map(|it| it.count())),
                0,
                "reversed, {n}"
            );
            // 7 is in no item: every item is read
            assert_eq!(allocations(|| m.contains(7)), 0, "contains, {n}");
            let mut cursor = m.iter()?.into_cursor();
            assert_eq!(allocations(|| cursor.next_of(&m)), 0, "cursor, {n}");
        }
    }
    Ok(())
}

#[test]
fn keys_allocate_nothing_but_a_tuples_positions() -> Result<(), bufproto::Error> {
    for n in SIZES {
        let m = MemoryView::new(&ByteArray::zeroed(n)?)?;
        let (index, slice) = (Key::Index(-1), Key::Slice(Some(1), None, Some(2)));
        assert_eq!(allocations(|| m.get_key(&index)), 0, "m[-1], {n}");
        assert_eq!(
            allocations(|| m.check_set_key(&index)),
            0,
            "check m[-1], {n}"
        );
        assert_eq!(allocations(|| m.set_key(&index, 7)), 0, "m[-1] = 7, {n}");
        assert_eq!(allocations(|| m.check_writable()), 0, "check_writable, {n}");
        let v = m.get_key(&slice)?;
        assert!(matches!(v, Selection::View(_)));
        assert_eq!(allocations(|| m.get_key(&slice)), 0, "m[1::2], {n}");
        let two = m.cast_shape("B", &[2, n / 2])?;
        let full = Key::Indices(vec![1, 0]);
        // `get_at`'s positions: at most one small `Vec`, whatever the size
        assert!(allocations(|| two.get_key(&full)) <= 1, "m[1, 0], {n}");
    }
    Ok(())
}

#[test]
fn searches_of_bytes_allocate_nothing() -> Result<(), bufproto::Error> {
    for n in SIZES {
        let b = Bytes::zeroed(n)?;
        assert_eq!(allocations(|| b.contains(&b"\x01\x02"[..])), 0, "in, {n}");
        assert_eq!(
            allocations(|| b.count(Needle::Byte(0), None, None)),
            0,
            "count, {n}"
        );
        assert_eq!(
            allocations(|| b.find(&b"\x00\x01"[..], Some(1), None)),
            0,
            "find, {n}"
        );
    }
    Ok(())
}

/// `bytearray` ordering compares the bytes where they lie: against another
/// `bytearray`, a `bytes` and a contiguous view, at both sizes, with the
/// difference in the last byte (so that every chunk is compared).
#[test]
fn bytearray_ordering_allocates_nothing() -> Result<(), bufproto::Error> {
    use std::cmp::Ordering;
    for n in SIZES {
        let a = ByteArray::zeroed(n)?;
        let mut data = vec![0u8; n];
        if let Some(last) = data.last_mut() {
            *last = 1;
        }
        let (ba, b) = (ByteArray::from(&data[..]), Bytes::from(&data[..]));
        let m = MemoryView::new(&b)?;
        assert_eq!(allocations(|| a < ba), 0, "bytearray < bytearray, {n}");
        assert!(a < ba);
        assert_eq!(allocations(|| a.compare(&b)), 0, "compare bytes, {n}");
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        // A view's first export makes its export counter, once.
        assert_eq!(ba.compare(&m), Some(Ordering::Equal));
        assert_eq!(allocations(|| ba.compare(&m)), 0, "compare view, {n}");
        assert_eq!(ba.compare(&m), Some(Ordering::Equal));
        assert_eq!(ba.partial_cmp(&a), Some(Ordering::Greater));
    }
    Ok(())
}
