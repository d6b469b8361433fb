//! The item fast paths against the general path: `m[i]`, `m[i] = v` and
//! `typed::<T>().get(i)` over `bytes`, `bytearray` and foreign memory, for
//! every native format, alignment and stride (each also against
//! `Native::unpack`/`pack`), and `bytearray` ordering against an empty
//! buffer. Written by the review of issue 15's change.

mod foreign_common;

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::AtomicU8;

use bufproto::foreign::Foreign;
use bufproto::format::Native;
use bufproto::layout::Layout;
use bufproto::{ByteArray, Bytes, Exporter, Flags, MemoryView, Value};
use foreign_common::Mem;

/// An empty exporter whose (empty) layout starts past its memory, which
/// `Layout::fits` accepts (no item lies outside it): CPython's
/// `bytearray < x` compares against the empty bytes it exports
/// (`bytearray_richcompare` compares `PyBuffer` lengths and contents), so
/// there is an ordering, as there was before `cmp_range`.
#[test]
fn bytearray_orders_against_an_empty_buffer_past_its_memory() {
    let mem = Arc::new(Mem((0..4).map(AtomicU8::new).collect()));
    let layout = Layout::new(100, 1, "B", vec![0], vec![1]).unwrap();
    let f = Foreign::new(mem, layout, true, "thing").unwrap();
    assert_eq!(
        ByteArray::from(&b"a"[..]).compare(&f),
        Some(Ordering::Greater)
    );
    assert_eq!(ByteArray::new().compare(&f), Some(Ordering::Equal));
}

/// Byte `k` of the test data.
fn datum(k: usize) -> u8 {
    (k as u8).wrapping_mul(37) ^ 0x5a
}

const FORMATS: &str = "bBhHiIlLqQnNfdeP?c";

/// Every view `m[shift:shift+48].cast(c)[a::step]` of `base` (a `B`
/// view), for every native format, with items at every alignment.
fn derived(base: &bufproto::MemoryView) -> Vec<(String, bufproto::MemoryView)> {
    let mut out = Vec::new();
    for c in FORMATS.chars() {
        for shift in 0..8isize {
            let m = base
                .slice(Some(shift), Some(shift + 48), None)
                .unwrap()
                .cast(&c.to_string())
                .unwrap();
            for (a, step) in [
                (None, None),
                (Some(1), Some(3)),
                (None, Some(-1)),
                (Some(-2), Some(-5)),
            ] {
                let s = m.slice(a, None, step).unwrap();
                out.push((format!("{c} shift {shift} [{a:?}::{step:?}]"), s));
            }
        }
    }
    out
}

/// `m[i]` through the fast path (over `bytes` and over `bytearray` memory,
/// whose items straddle words at some shifts) is what the general path
/// reads from foreign memory and what `Native::unpack` makes of the item's
/// bytes, for every format, alignment, stride and index, one past either
/// end included (same error).
#[test]
fn fast_gets_agree_with_the_general_path_and_unpack() {
    let data: Vec<u8> = (0..64).map(datum).collect();
    let b = Bytes::from(&data[..]);
    let mut ba = ByteArray::from(&[&[9u8; 3][..], &data].concat()[..]);
    ba.del_slice(Some(0), Some(3), None).unwrap(); // memory starts at byte 3
    let mem = Arc::new(Mem(data.iter().map(|&x| AtomicU8::new(x)).collect()));
    let f = Foreign::new(mem, Layout::bytes(64), true, "thing").unwrap();
    let bases = [
        MemoryView::new(&b).unwrap(),
        MemoryView::new(&ba).unwrap(),
        MemoryView::new(&f).unwrap(),
    ];
    let all: Vec<_> = bases.iter().map(derived).collect();
    for (((what, bv), (_, av)), (_, fv)) in all[0].iter().zip(&all[1]).zip(&all[2]) {
        let nat = Native::parse(bv.format().unwrap()).unwrap();
        let items = bv.tobytes().unwrap();
        let n = bv.len().unwrap() as isize;
        for i in -n - 1..=n {
            let got = [bv.get(i), av.get(i), fv.get(i)].map(|r| match r {
                Ok(v) => format!("{v}"),
                Err(e) => e.to_string(),
            });
            let want = if (-n..n).contains(&i) {
                let j = (if i < 0 { i + n } else { i }) as usize * nat.size();
                format!(
                    "{}",
                    nat.unpack(&items.as_slice()[j..j + nat.size()]).unwrap()
                )
            } else {
                "IndexError: index out of bounds on dimension 1".to_string()
            };
            assert_eq!(got, [want.clone(), want.clone(), want], "{what} [{i}]");
        }
    }
}

/// Values at both ends of every integer range and one past, and the other
/// kinds a store meets.
fn values() -> Vec<Value> {
    let ints = [
        0i128,
        1,
        -1,
        0x7f,
        0x80,
        -0x80,
        -0x81,
        0xff,
        0x100,
        0x7fff,
        0x8000,
        -0x8000,
        -0x8001,
        0xffff,
        0x1_0000,
        0x7fff_ffff,
        0x8000_0000,
        -0x8000_0000,
        -0x8000_0001,
        0xffff_ffff,
        0x1_0000_0000,
        i128::from(i64::MAX),
        i128::from(i64::MIN),
        i128::from(i64::MIN) - 1,
        i128::from(u64::MAX),
        i128::from(u64::MAX) + 1,
    ];
    let mut v: Vec<Value> = ints.into_iter().map(Value::Int).collect();
    v.extend([
        Value::Bool(true),
        Value::Bool(false),
        Value::Float(-1.5),
        Value::Bytes(vec![7]),
        Value::Bytes(vec![]),
    ]);
    v
}

/// `m[i] = v` through a `bytearray` view and a writable foreign view, at
/// every alignment and stride, stores exactly what `Native::pack` makes of
/// `v` at the item's offset and nothing else, or fails with `pack`'s error
/// (CPython's) and changes nothing; an index one past either end is
/// CPython's `IndexError`.
#[test]
fn fast_sets_agree_with_pack_at_every_alignment_and_stride() {
    let data: Vec<u8> = (0..64).map(datum).collect();
    let mut ba = ByteArray::from(&[&[9u8; 3][..], &data].concat()[..]);
    ba.del_slice(Some(0), Some(3), None).unwrap();
    let mem = Arc::new(Mem(data.iter().map(|&x| AtomicU8::new(x)).collect()));
    let seen = Arc::clone(&mem);
    let f = Foreign::new(mem, Layout::bytes(64), false, "thing").unwrap();
    let snapshot = |which: usize| -> Vec<u8> {
        if which == 0 {
            ba.to_vec()
        } else {
            seen.0
                .iter()
                .map(|b| b.load(std::sync::atomic::Ordering::Relaxed))
                .collect()
        }
    };
    let bases = [MemoryView::new(&ba).unwrap(), MemoryView::new(&f).unwrap()];
    let addr = |m: &MemoryView| m.get_buffer(Flags::FULL_RO).unwrap().buf_addr();
    for (which, base) in bases.iter().enumerate() {
        let origin = addr(base);
        for (what, s) in derived(base) {
            let nat = Native::parse(s.format().unwrap()).unwrap();
            let n = s.len().unwrap() as isize;
            let buf = s.get_buffer(Flags::FULL_RO).unwrap();
            let (first, stride) = (buf.buf_addr() - origin, buf.strides().unwrap()[0]);
            drop(buf);
            for i in [-n - 1, -n, -1, 0, n / 2, n - 1, n] {
                for v in values() {
                    let before = snapshot(which);
                    let r = s.set(i, v.clone());
                    let after = snapshot(which);
                    let ctx = format!("{which} {what} [{i}] = {v}");
                    if !(-n..n).contains(&i) {
                        let e = r.unwrap_err().to_string();
                        assert_eq!(e, "IndexError: index out of bounds on dimension 1", "{ctx}");
                        assert_eq!(after, before, "{ctx}");
                        continue;
                    }
                    let k = if i < 0 { i + n } else { i };
                    let off = (first as isize + k * stride) as usize;
                    let mut item = vec![0u8; nat.size()];
                    match (nat.pack(&v, &mut item), r) {
                        (Ok(()), Ok(())) => {
                            let mut want = before.clone();
                            want[off..off + nat.size()].copy_from_slice(&item);
                            assert_eq!(after, want, "{ctx}");
                        }
                        (Err(p), Err(e)) => {
                            assert_eq!(e.to_string(), p.to_string(), "{ctx}");
                            assert_eq!(after, before, "{ctx}");
                        }
                        (p, e) => panic!("{ctx}: pack {p:?}, set {e:?}"),
                    }
                }
            }
        }
    }
}

/// `typed::<T>().get(i)` is `m[i]` for every view `derived` makes over
/// `bytes` (contiguous: the in-place path; strided), `bytearray` (words)
/// and foreign memory, whose format `T` takes; `None` from `len` on.
#[test]
fn typed_gets_agree_with_items() {
    fn check<T: bufproto::Item + Copy>(m: &MemoryView, what: &str, v: fn(T) -> Value) -> bool {
        let Ok(t) = m.typed::<T>() else {
            return false;
        };
        let n = m.len().unwrap();
        for i in 0..n {
            let (got, want) = (v(t.get(i).unwrap()), m.get(i as isize).unwrap());
            assert_eq!(format!("{got}"), format!("{want}"), "{what} [{i}]");
        }
        assert!(t.get(n).is_none() && t.get(usize::MAX).is_none(), "{what}");
        true
    }
    fn int(i: i128) -> Value {
        Value::Int(i)
    }
    let data: Vec<u8> = (0..64).map(datum).collect();
    let b = Bytes::from(&data[..]);
    let mut ba = ByteArray::from(&[&[9u8; 3][..], &data].concat()[..]);
    ba.del_slice(Some(0), Some(3), None).unwrap();
    let mem = Arc::new(Mem(data.iter().map(|&x| AtomicU8::new(x)).collect()));
    let f = Foreign::new(mem, Layout::bytes(64), true, "thing").unwrap();
    let mut typed = 0;
    for base in [
        MemoryView::new(&b).unwrap(),
        MemoryView::new(&ba).unwrap(),
        MemoryView::new(&f).unwrap(),
    ] {
        for (what, m) in derived(&base) {
            let hits = [
                check::<u8>(&m, &what, |x| int(i128::from(x))),
                check::<i8>(&m, &what, |x| int(i128::from(x))),
                check::<u16>(&m, &what, |x| int(i128::from(x))),
                check::<i16>(&m, &what, |x| int(i128::from(x))),
                check::<u32>(&m, &what, |x| int(i128::from(x))),
                check::<i32>(&m, &what, |x| int(i128::from(x))),
                check::<u64>(&m, &what, |x| int(i128::from(x))),
                check::<i64>(&m, &what, |x| int(i128::from(x))),
                check::<f32>(&m, &what, |x| Value::Float(f64::from(x))),
                check::<f64>(&m, &what, Value::Float),
            ];
            typed += hits.iter().filter(|&&h| h).count();
        }
    }
    assert!(typed > 300, "{typed}");
}
