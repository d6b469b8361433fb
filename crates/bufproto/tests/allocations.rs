//! The cost lines of the docs, checked by counting heap allocations.
//!
//! A counting `#[global_allocator]` forwards to the system allocator and
//! counts, per thread, every `alloc`/`alloc_zeroed`/`realloc`, so the tests
//! of this file may run in parallel: each measures only its own thread.
//! Every measured call is run at two sizes (1 KiB and 1 MiB of data), so a
//! cost that grew with the size would show, not only one that allocates.

// The one `unsafe` here is the `GlobalAlloc` contract, which a counting
// allocator cannot avoid; it only forwards to `System`. The library itself
// stays `#![forbid(unsafe_code)]`.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use bufproto::{Array, ByteArray, Bytes, MemoryView};

struct Counting;

thread_local! {
    // `const` and `Cell`s: no destructor and no lazy initialisation, so
    // using them inside the allocator cannot itself allocate.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

fn count_one(size: usize) {
    // `try_with`: during thread teardown the slots may be gone; not counted.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get().saturating_add(size)));
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; counting touches no allocated memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one(layout.size());
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one(new_size);
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

/// The number of allocations `f` makes on this thread and their total size
/// in bytes (its result is dropped after counting; frees do not matter).
fn measured<R>(f: impl FnOnce() -> R) -> (usize, usize) {
    let before = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    let r = black_box(f());
    let after = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    drop(r);
    (after.0 - before.0, after.1 - before.1)
}

/// The number of allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    measured(f).0
}

/// What the crate's fallible `Arc` allocation costs for `n` bytes: stable
/// Rust has no fallible `Arc<[u8]>` constructor, so from 64 KiB (with the
/// `Arc`'s two counters) the crate first asks the allocator for the same
/// size with `try_reserve` and frees it at once (`error::ensure_arc_fits`),
/// which turns an allocation failure into `MemoryError` instead of an
/// abort. Reaching one allocation at every size would need a fallible
/// `Arc` slice constructor (`Arc::try_new_uninit_slice`, unstable) or an
/// `unsafe` `assume_init` after `Arc::new_uninit_slice`.
fn arc_allocations(n: usize) -> usize {
    if n + 2 * std::mem::size_of::<usize>() >= 1 << 16 {
        2
    } else {
        1
    }
}

const SIZES: [usize; 2] = [1 << 10, 1 << 20];

fn bytearray_of(n: usize) -> ByteArray {
    ByteArray::from(&(0..n).map(|i| i as u8).collect::<Vec<u8>>()[..])
}

/// A `B` view and an `i` view (a cast) of an `n`-byte bytearray, and of an
/// `n`-byte bytes.
fn views(n: usize) -> Vec<(String, MemoryView)> {
    let ba = bytearray_of(n);
    let b = Bytes::from(&ba.to_vec()[..]);
    let mut out = Vec::new();
    for (what, m) in [
        ("bytearray", MemoryView::new(&ba).unwrap()),
        ("bytes", MemoryView::new(&b).unwrap()),
    ] {
        out.push((
            format!("{what} B, {n} bytes"),
            m.cast("i").unwrap().cast("B").unwrap(),
        ));
        out.push((format!("{what} i, {n} bytes"), m.cast("i").unwrap()));
    }
    out
}

#[test]
fn slice_get_and_set_do_not_allocate() {
    for n in SIZES {
        for (what, m) in views(n) {
            let len = m.len().unwrap() as isize;
            // A slice clones its view's handle on the memory (a count
            // increment), and its layout keeps up to two dimensions inline.
            assert_eq!(
                allocations(|| m.slice(Some(1), None, Some(3)).unwrap()),
                0,
                "slice, {what}"
            );
            assert_eq!(
                allocations(|| m.slice(None, None, Some(-1)).unwrap()),
                0,
                "reversed slice, {what}"
            );
            assert_eq!(allocations(|| m.get(len / 2).unwrap()), 0, "get, {what}");
            assert_eq!(allocations(|| m.get(-1).unwrap()), 0, "get(-1), {what}");
            if what.starts_with("bytearray") {
                assert_eq!(allocations(|| m.set(len / 2, 7).unwrap()), 0, "set, {what}");
                assert_eq!(m.get(len / 2).unwrap(), 7);
            } else {
                // the refusal of a read-only view carries a static message
                assert_eq!(
                    allocations(|| m.set(0, 7).unwrap_err()),
                    0,
                    "refused set, {what}"
                );
            }
            // a `c` item is a `Value::Bytes`, whose `Vec` is the one allocation
            let c = m.cast("c").unwrap();
            assert_eq!(
                allocations(|| c.get(0).unwrap()),
                1,
                "get of a c item, {what}"
            );
            // a slice of a slice, with its items, still allocates nothing
            let s = m.slice(Some(2), Some(len - 2), Some(2)).unwrap();
            assert_eq!(
                allocations(|| s.get(1).unwrap()),
                0,
                "get on a slice, {what}"
            );
        }
    }
}

/// One allocation, the result's `Arc<[u8]>` filled in place, below 64 KiB;
/// from 64 KiB one more, the fallibility probe of [`arc_allocations`]
/// (freed before the real allocation, so the peak is one copy). Both are
/// independent of the view's format.
#[test]
fn contiguous_tobytes_allocates_once_plus_the_probe() {
    for n in SIZES {
        for (what, m) in views(n) {
            let once = arc_allocations(n);
            assert_eq!(
                allocations(|| m.tobytes().unwrap()),
                once,
                "tobytes, {what}"
            );
            let tail = m.slice(Some(1), None, None).unwrap();
            let nbytes = tail.nbytes().unwrap();
            let tail_once = arc_allocations(nbytes);
            assert_eq!(
                allocations(|| tail.tobytes().unwrap()),
                tail_once,
                "m[1:], {what}"
            );
        }
    }
    assert_eq!(
        (arc_allocations(SIZES[0]), arc_allocations(SIZES[1])),
        (1, 2)
    );
}

#[test]
fn array_get_and_set_do_not_allocate() {
    for n in SIZES {
        for code in ["B", "i", "q", "d"] {
            let a = Array::from_values(code, (0..n as i64 / 8).map(|i| i % 100)).unwrap();
            let last = a.len() as isize - 1;
            assert_eq!(
                allocations(|| a.get(last).unwrap()),
                0,
                "Array::get, '{code}', {n}"
            );
            assert_eq!(
                allocations(|| a.get(0).unwrap()),
                0,
                "Array::get(0), '{code}', {n}"
            );
            assert_eq!(
                allocations(|| a.set(last, 9).unwrap()),
                0,
                "Array::set, '{code}', {n}"
            );
            assert_eq!(a.get(last).unwrap(), 9);
            // while a view exports the array too (the set is no resize)
            let m = MemoryView::new(&a).unwrap();
            assert_eq!(
                allocations(|| a.set(0, 1).unwrap()),
                0,
                "exported set, '{code}', {n}"
            );
            assert_eq!(m.get(0).unwrap(), 1);
        }
    }
}

/// Creating a view allocates nothing: the view owns its handle on the
/// exporter's memory (a clone of its `Arc`, a count increment) and its
/// layout (up to two dimensions inline); so do the views made from it,
/// including a view of a view (which, as CPython's, is no export of it).
#[test]
fn a_view_costs_no_allocation() {
    for n in SIZES {
        let ba = bytearray_of(n);
        assert_eq!(
            allocations(|| MemoryView::new(&ba).unwrap()),
            0,
            "memoryview(ba), {n}"
        );
        let b = Bytes::from(&ba.to_vec()[..]);
        assert_eq!(
            allocations(|| MemoryView::new(&b).unwrap()),
            0,
            "memoryview(b), {n}"
        );
        for (what, m) in [
            ("ba", MemoryView::new(&ba).unwrap()),
            ("b", MemoryView::new(&b).unwrap()),
        ] {
            assert_eq!(
                allocations(|| m.slice(Some(1), Some(-1), None).unwrap()),
                0,
                "m[1:-1] of {what}, {n}"
            );
            assert_eq!(
                allocations(|| m.toreadonly().unwrap()),
                0,
                "m.toreadonly() of {what}, {n}"
            );
            assert_eq!(
                allocations(|| m.cast("i").unwrap()),
                0,
                "m.cast('i') of {what}, {n}"
            );
            assert_eq!(
                allocations(|| m.cast_shape("B", &[2, n / 2]).unwrap()),
                0,
                "m.cast('B', (2, n // 2)) of {what}, {n}"
            );
            assert_eq!(
                allocations(|| MemoryView::new(&m).unwrap()),
                0,
                "memoryview(m) of {what}, {n}"
            );
        }
    }
}

/// `ByteArray::slice`'s documented cost: only the selected bytes are
/// copied (by the storage's copy engine), so `ba[0:1]` of 1 MiB allocates a
/// few bytes. Three allocations at every size: the copy, the new
/// bytearray's `Arc` and its words (a `Vec` that can grow in place).
#[test]
fn bytearray_slice_costs_what_its_doc_says() {
    for n in SIZES {
        let ba = bytearray_of(n);
        let (count, bytes) = measured(|| ba.slice(Some(0), Some(1), None).unwrap());
        assert_eq!(count, 3, "ba[0:1] of {n} bytes");
        assert!(bytes < 256, "ba[0:1] of {n} bytes allocates {bytes} bytes");
        // half the bytes selected: the selection twice (the words round
        // up to whole words, plus the `Arc`'s header)
        let (count, bytes) = measured(|| ba.slice(None, None, Some(-2)).unwrap());
        assert_eq!(count, 3, "ba[::-2] of {n} bytes");
        assert!(
            bytes >= n && bytes < n + 256,
            "ba[::-2] of {n} bytes allocates {bytes} bytes"
        );
    }
}

/// `tobytes_into` of a contiguous view is one copy into the caller's
/// buffer: no allocation at any size, in either order a 1-D view is in;
/// the bytes are `tobytes`'s.
#[test]
fn contiguous_tobytes_into_does_not_allocate() {
    for n in SIZES {
        for (what, m) in views(n) {
            let mut dst = vec![0u8; m.nbytes().unwrap()];
            for order in [None, Some("C"), Some("F"), Some("A")] {
                dst.fill(0);
                assert_eq!(
                    allocations(|| m.tobytes_into(order, &mut dst).unwrap()),
                    0,
                    "tobytes_into({order:?}), {what}"
                );
                assert_eq!(&dst[..], &m.tobytes().unwrap()[..], "{what}");
            }
            // `frozen_bytes`: in place over `bytes`, `None` over `bytearray`.
            let frozen = allocations(|| m.frozen_bytes().map(<[u8]>::len));
            assert_eq!(frozen, 0, "frozen_bytes, {what}");
            match m.frozen_bytes() {
                Some(mem) => assert_eq!(mem, &m.tobytes().unwrap()[..], "{what}"),
                None => assert!(what.starts_with("bytearray"), "{what}"),
            }
            let tail = m.slice(Some(1), None, None).unwrap();
            let mut part = vec![0u8; tail.nbytes().unwrap()];
            assert_eq!(
                allocations(|| tail.tobytes_into(None, &mut part).unwrap()),
                0,
                "tail, {what}"
            );
            assert_eq!(&part[..], &tail.tobytes().unwrap()[..], "tail, {what}");
        }
    }
}

/// `==` of two views reads both layouts in place: no export, no copy for
/// contiguous views of the same format.
#[test]
fn equality_of_contiguous_views_does_not_allocate() {
    for n in SIZES {
        for (what, m) in views(n) {
            let other = MemoryView::new(&m).unwrap();
            assert_eq!(allocations(|| m == other), 0, "m == memoryview(m), {what}");
            assert!(m == other);
            // `equals` with another view reads it as `==` does: no export.
            assert_eq!(allocations(|| m.equals(&other)), 0, "equals, {what}");
            assert!(m.equals(&other));
        }
    }
}

/// The typed path allocates nothing to make its handle or read and write
/// items; `tolist` of a 1-D view is one allocation, its row of native
/// items, at every size (and `Typed::to_vec` one, the vector).
#[test]
fn typed_access_and_tolist_allocate_once_at_most() {
    for n in SIZES {
        for (what, m) in views(n) {
            let len = m.len().unwrap();
            if m.format().unwrap() == "i" {
                assert_eq!(
                    allocations(|| m.typed::<i32>().unwrap().get(len / 2)),
                    0,
                    "typed i32 get, {what}"
                );
                let t = m.typed::<i32>().unwrap();
                assert_eq!(allocations(|| t.to_vec().unwrap()), 1, "to_vec, {what}");
                let mut sum = 0i64;
                assert_eq!(
                    allocations(|| t
                        .for_each_chunk(|c| sum += c.iter().map(|&x| i64::from(x)).sum::<i64>())),
                    0,
                    "for_each_chunk, {what}"
                );
            } else {
                let t = m.typed::<u8>().unwrap();
                assert_eq!(allocations(|| t.get(len - 1)), 0, "typed u8 get, {what}");
                if what.starts_with("bytearray") {
                    assert_eq!(allocations(|| t.set(0, 3).unwrap()), 0, "typed set, {what}");
                }
            }
            assert_eq!(allocations(|| m.tolist().unwrap()), 1, "tolist, {what}");
            let rev = m.slice(None, None, Some(-1)).unwrap();
            assert_eq!(
                allocations(|| rev.tolist().unwrap()),
                1,
                "tolist of m[::-1], {what}"
            );
        }
    }
}

/// A view of up to two dimensions keeps its layout inline, so the views
/// made from it (`memoryview(m)`, `toreadonly`, a slice) allocate nothing;
/// one of more dimensions copies its layout's shape and strides, two
/// allocations whatever the data's size (as the docs of `MemoryView::new`,
/// `toreadonly` and `slice` say).
#[test]
fn views_of_views_allocate_only_for_more_than_two_dimensions() {
    for n in SIZES {
        let b = Bytes::from(&bytearray_of(n).to_vec()[..]);
        let m = MemoryView::new(&b).unwrap();
        for (shape, want) in [(vec![2, n / 2], 0), (vec![2, 2, n / 4], 2)] {
            let v = m.cast_shape("B", &shape).unwrap();
            let d = shape.len();
            assert_eq!(
                allocations(|| MemoryView::new(&v).unwrap()),
                want,
                "memoryview(m), {d}-D, {n}"
            );
            assert_eq!(
                allocations(|| v.toreadonly().unwrap()),
                want,
                "m.toreadonly(), {d}-D, {n}"
            );
            assert_eq!(
                allocations(|| v.slice(Some(1), None, None).unwrap()),
                want,
                "m[1:], {d}-D, {n}"
            );
        }
    }
}
