//! Issue 13, "The crate panics or aborts": every reproducer, pinned with the
//! exception class and message CPython gives (checked against CPython 3.11's
//! `struct`, `_testbuffer`, `bytes` and `bytearray`; the messages are the
//! same in 3.14's source).
//!
//! None of these tests may allocate much: every huge request must be
//! refused before memory is touched. Sizes of 2**40 and more are beyond this
//! machine's memory and swap, so the allocator refuses them; smaller sizes
//! would really be allocated and are not used here.

use std::sync::Arc;
use std::sync::atomic::AtomicU8;

use bufproto::foreign::{Foreign, ForeignMemory};
use bufproto::format::{calcsize, struct_size};
use bufproto::layout::Layout;
use bufproto::{ByteArray, Bytes, Error, ErrorKind, Exporter, Flags, MemoryView, NdArray, Value};

/// The kind and message of an error, for one-line comparisons.
fn ke<T: std::fmt::Debug>(r: Result<T, Error>) -> (ErrorKind, String) {
    let e = r.unwrap_err();
    (e.kind(), e.message().to_string())
}

/// CPython's `PyErr_NoMemory()`: a bare `MemoryError`.
fn no_memory() -> (ErrorKind, String) {
    (ErrorKind::MemoryError, String::new())
}

const TOO_LONG: &str = "total struct size too long";

#[test]
fn struct_sizes_stop_at_isize_max() {
    // struct.calcsize("9223372036854775807x") == 2**63 - 1 ...
    assert_eq!(calcsize("9223372036854775807x"), Some(isize::MAX as usize));
    assert_eq!(calcsize("9223372036854775807c"), Some(isize::MAX as usize));
    assert_eq!(calcsize("9223372036854775807s"), Some(isize::MAX as usize));
    // ... and one more is struct.error: total struct size too long, whether
    // the count, the product or the alignment overflows.
    for f in [
        "9223372036854775808c",
        "18446744073709551615x",
        "99999999999999999999999c",
        "4611686018427387904i",
        "c9223372036854775807x",
        "9223372036854775807xi",
        "9223372036854775807x0i",
    ] {
        assert_eq!(struct_size(f), Err(TOO_LONG), "{f}");
        assert_eq!(calcsize(f), None, "{f}");
    }
    assert_eq!(
        struct_size("3"),
        Err("repeat count given without format specifier")
    );
}

#[test]
fn only_ascii_whitespace_is_skipped() {
    // CPython skips Py_ISSPACE characters only; U+2003 (EM SPACE) is not one
    // (CPython refuses a non-ASCII str before parsing: UnicodeEncodeError).
    assert_eq!(struct_size("\u{2003}i"), Err("bad char in struct format"));
    assert_eq!(struct_size("i\u{a0}"), Err("bad char in struct format"));
    assert_eq!(struct_size("\u{663}i"), Err("bad char in struct format")); // Arabic-Indic 3
    assert_eq!(struct_size(" \t\n\r\x0b\x0ci "), Ok(4));
    assert_eq!(calcsize("\u{2003}i"), None);
}

#[test]
fn ndarray_refuses_struct_sizes_beyond_isize() {
    let r = NdArray::new(
        vec![],
        "18446744073709551615x",
        vec![1],
        Some(vec![isize::MIN]),
        0,
        false,
    );
    assert_eq!(
        ke(r),
        (
            ErrorKind::ValueError,
            "ndarray: total struct size too long".into()
        )
    );
    let r = NdArray::new(vec![], "\u{2003}B", vec![0], None, 0, false);
    assert_eq!(
        ke(r),
        (ErrorKind::ValueError, "ndarray: unknown format".into())
    );
    // The largest struct size is accepted, and isize::MIN % itemsize is
    // computed without overflow.
    let r = NdArray::new(
        vec![],
        "9223372036854775807x",
        vec![0],
        Some(vec![isize::MIN]),
        0,
        false,
    );
    assert_eq!(
        ke(r),
        (
            ErrorKind::ValueError,
            "strides must be a multiple of itemsize".into()
        )
    );
}

#[test]
fn ndarray_refuses_dimensions_beyond_isize() {
    // _testbuffer.ndarray([1], shape=[2**63]): OverflowError.
    for shape in [vec![1usize << 63], vec![usize::MAX], vec![1, usize::MAX]] {
        let strides = Some(vec![0; shape.len()]);
        let r = NdArray::new(vec![0], "B", shape, strides, 0, false);
        assert_eq!(
            ke(r),
            (
                ErrorKind::OverflowError,
                "Python int too large to convert to C ssize_t".into()
            )
        );
    }
    let r = NdArray::new(vec![0], "B", vec![1 << 63], None, 0, false);
    assert_eq!(ke(r).0, ErrorKind::OverflowError);
    // isize::MAX itself is a valid dimension.
    let a = NdArray::new(
        vec![0],
        "B",
        vec![isize::MAX as usize],
        Some(vec![0]),
        0,
        false,
    );
    assert_eq!(a.unwrap().layout().nbytes(), Some(isize::MAX as usize));
}

#[test]
fn ndarray_refuses_byte_sizes_beyond_isize() {
    let msg = (
        ErrorKind::ValueError,
        "ndarray: product(shape) * itemsize > SSIZE_MAX".to_string(),
    );
    let nd = |shape: Vec<usize>, format: &str| {
        let z = Some(vec![0; shape.len()]);
        NdArray::new(vec![0; 8], format, shape, z, 0, false)
    };
    assert_eq!(ke(nd(vec![1 << 62, 2], "B")), msg);
    assert_eq!(ke(nd(vec![1 << 62, 2, 2], "B")), msg);
    assert_eq!(ke(nd(vec![1 << 62], "i")), msg); // 2**64 bytes
    assert_eq!(ke(nd(vec![1 << 61], "i")), msg); // 2**63 bytes
    assert!(nd(vec![(1 << 61) - 1], "i").is_ok());
    // A zero anywhere makes the product zero, however large the rest.
    let empty = nd(vec![1 << 62, 4, 0], "B").unwrap();
    assert_eq!(empty.layout().nitems(), Some(0));
    assert_eq!(MemoryView::new(&empty).unwrap().nbytes().unwrap(), 0);
    // A layout that does not fit its buffer says so first, as
    // _testbuffer's verify_structure does.
    let r = NdArray::new(vec![], "B", vec![1 << 62, 2], Some(vec![0, 0]), 0, false);
    assert_eq!(ke(r).1, "invalid combination of buffer, shape and strides");
}

#[test]
fn item_offsets_of_a_huge_layout_is_a_memory_error() {
    let l = Layout::new(0, 1, "B", vec![usize::MAX], vec![0]).unwrap();
    assert_eq!(ke(l.item_offsets()), no_memory());
    assert_eq!(ke(l.item_offsets_fortran()), no_memory());
    let l = Layout::new(0, 1, "B", vec![1 << 40], vec![0]).unwrap();
    assert_eq!(ke(l.item_offsets()), no_memory());
}

/// Every operation of issue 13 on a view of `n` items of one byte, all at
/// byte 0 (stride 0), whose value is 7.
fn huge_view_fails_cleanly(m: &MemoryView, n: usize) {
    assert_eq!(ke(m.tolist()), no_memory());
    assert_eq!(ke(m.tobytes()), no_memory());
    assert_eq!(ke(m.tobytes_order(Some("F"))), no_memory());
    assert_eq!(ke(m.tobytes_order(Some("A"))), no_memory());
    assert_eq!(ke(m.hex()), no_memory());
    assert_eq!(ke(m.hex_with(":", 2)), no_memory());
    let buf = m.get_buffer(Flags::STRIDED_RO).unwrap();
    assert_eq!(ke(buf.to_vec()), no_memory());
    drop(buf);
    // CPython compares all n items (for ever); a dimension both sides
    // broadcast is compared once, so the answer comes without allocating.
    assert!(m.equals(m));
    assert_eq!(m.count(7).unwrap(), n);
    assert_eq!(m.count(8).unwrap(), 0);
    assert_eq!(m.count(Value::Float(7.0)).unwrap(), n);
}

#[test]
fn huge_broadcast_views_of_an_ndarray() {
    for n in [1usize << 62, 1 << 40, isize::MAX as usize] {
        for writable in [false, true] {
            let a = NdArray::new(vec![7], "B", vec![n], Some(vec![0]), 0, writable).unwrap();
            let m = MemoryView::new(&a).unwrap();
            huge_view_fails_cleanly(&m, n);
            let h = m.toreadonly().unwrap().hash();
            if writable {
                assert_eq!(ke(h).1, "cannot hash writable ndarray object");
            } else {
                // hash(m) is hash(m.tobytes()): CPython's MemoryError.
                assert_eq!(ke(h), no_memory());
            }
        }
    }
}

#[test]
fn huge_broadcast_views_compare_by_value() {
    let view = |data: Vec<u8>, shape: Vec<usize>, strides: Vec<isize>| {
        let a = NdArray::new(data, "B", shape, Some(strides), 0, false).unwrap();
        MemoryView::new(&a).unwrap()
    };
    let a2 = view(vec![7], vec![1 << 61, 2], vec![0, 0]);
    let b2 = view(vec![7, 7], vec![1 << 61, 2], vec![0, 1]);
    let c2 = view(vec![7, 8], vec![1 << 61, 2], vec![0, 1]);
    assert!(a2.equals(&b2) && b2.equals(&a2));
    assert!(!a2.equals(&c2) && !c2.equals(&a2));
    // Floats compare by value through the same walk: NaN != NaN.
    let nan = NdArray::new(
        f64::NAN.to_ne_bytes().to_vec(),
        "d",
        vec![1 << 59],
        Some(vec![0]),
        0,
        false,
    )
    .unwrap();
    let m = MemoryView::new(&nan).unwrap();
    assert!(!m.equals(&m));
    let one = NdArray::new(
        1f64.to_ne_bytes().to_vec(),
        "d",
        vec![1 << 59],
        Some(vec![0]),
        0,
        false,
    )
    .unwrap();
    let m = MemoryView::new(&one).unwrap();
    assert!(m.equals(&m));
    assert_eq!(m.count(1).unwrap(), 1 << 59);
}

#[derive(Debug)]
struct Mem(Vec<AtomicU8>);
impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}

#[test]
fn huge_broadcast_views_of_foreign_memory() {
    for n in [1usize << 62, 1 << 40] {
        for readonly in [true, false] {
            let mem = Arc::new(Mem(vec![AtomicU8::new(7)]));
            let l = Layout::new(0, 1, "B", vec![n], vec![0]).unwrap();
            let f = Foreign::new(mem, l, readonly, "thing").unwrap();
            let m = MemoryView::new(&f).unwrap();
            huge_view_fails_cleanly(&m, n);
            if readonly {
                assert_eq!(ke(m.hash()), no_memory());
            }
        }
    }
    // A layout no Python exporter could describe (nbytes beyond isize)
    // fails the same way.
    let mem = Arc::new(Mem(vec![AtomicU8::new(7)]));
    let l = Layout::new(0, 1, "B", vec![isize::MAX as usize, 2], vec![0, 0]).unwrap();
    let f = Foreign::new(mem, l, true, "thing").unwrap();
    let m = MemoryView::new(&f).unwrap();
    assert_eq!(ke(m.tobytes()), no_memory());
    assert_eq!(ke(m.tolist()), no_memory());
    assert!(m.equals(&m));
}

#[test]
fn tolist_of_no_items_in_a_huge_first_dimension() {
    // CPython builds a list of 2**62 empty lists: MemoryError.
    let a = NdArray::new(vec![], "B", vec![1 << 62, 0], None, 0, false).unwrap();
    let m = MemoryView::new(&a).unwrap();
    assert_eq!(ke(m.tolist()), no_memory());
    assert_eq!(m.tobytes().unwrap().len(), 0);
    assert!(m.equals(&m));
    // An empty first dimension is an empty list, whatever follows.
    let a = NdArray::new(vec![], "B", vec![0, 1 << 62], None, 0, false).unwrap();
    assert_eq!(
        MemoryView::new(&a).unwrap().tolist().unwrap().to_string(),
        "[]"
    );
}

#[test]
fn huge_bytes_and_bytearrays_are_memory_errors() {
    // bytearray(2**63 - 2), bytearray(2**63 - 1), bytes(2**45): MemoryError.
    assert_eq!(ke(ByteArray::zeroed(isize::MAX as usize - 1)), no_memory());
    assert_eq!(ke(ByteArray::zeroed(isize::MAX as usize)), no_memory());
    assert_eq!(ke(ByteArray::zeroed(1 << 45)), no_memory());
    assert_eq!(ke(Bytes::zeroed(1 << 45)), no_memory());
    assert_eq!(ke(Bytes::zeroed(1 << 62)), no_memory());
    // bytes(2**63 - 1): the object header does not fit.
    assert_eq!(
        ke(Bytes::zeroed(isize::MAX as usize)),
        (ErrorKind::OverflowError, "byte string is too large".into())
    );
    // bytes(2**63) does not even convert.
    assert_eq!(
        ke(Bytes::zeroed(1 << 63)),
        (
            ErrorKind::OverflowError,
            "cannot fit 'int' into an index-sized integer".into()
        )
    );
    // Iterators that announce more items than memory holds.
    let many = || std::iter::repeat_n(0i64, 1 << 45);
    assert_eq!(ke(Bytes::from_ints(many())), no_memory());
    assert_eq!(ke(ByteArray::from_ints(many())), no_memory());
}

#[test]
fn memory_error_displays_like_python() {
    let e = Bytes::zeroed(1 << 45).unwrap_err();
    assert_eq!(e.to_string(), "MemoryError");
    assert_eq!(ErrorKind::MemoryError.name(), "MemoryError");
}
