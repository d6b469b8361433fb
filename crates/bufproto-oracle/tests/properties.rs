//! Round-trip properties of `bufproto` alone (no interpreter): over random
//! strided `NdArray` layouts and formats,
//!
//! * `cast` to bytes and back is the identity (C-contiguous views);
//! * `tobytes(order)` agrees with an element-by-element walk through
//!   `get_at` in that order;
//! * `tolist` agrees with item access;
//! * `==` is reflexive except for NaN, and agrees with `tobytes` for
//!   identical integer formats.

use bufproto::format::Native;
use bufproto::{MemoryView, NdArray, Value};
use proptest::prelude::*;

const FORMATS: &[&str] = &[
    "B", "b", "c", "?", "h", "H", "i", "I", "l", "L", "q", "Q", "n", "N", "P", "f", "d", "e",
];

fn layout() -> impl Strategy<Value = (String, Vec<usize>, Vec<isize>, usize, Vec<u8>)> {
    (
        prop::sample::select(FORMATS),
        prop::collection::vec((0usize..4, -3isize..4), 0..4),
        0usize..3,
        any::<u64>(),
    )
        .prop_map(|(fmt, dims, pre, seed)| {
            let size = Native::parse(fmt).map_or(1, Native::size);
            let (shape, strides, lo, hi) = bufproto_oracle::strided_layout(&dims, size);
            let offset = (-lo) as usize + pre * size;
            let len = offset + hi as usize + size + pre * size;
            let mut x = seed | 1;
            let data = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            (fmt.to_string(), shape, strides, offset, data)
        })
}

/// Every full index of `shape` in C (last fastest) or Fortran order.
fn indices(shape: &[usize], fortran: bool) -> Vec<Vec<isize>> {
    let mut out = vec![vec![]];
    let dims: Vec<usize> = if fortran {
        (0..shape.len()).rev().collect()
    } else {
        (0..shape.len()).collect()
    };
    for d in dims {
        let mut next = vec![];
        for prefix in &out {
            for i in 0..shape[d] {
                let mut p = prefix.clone();
                if fortran {
                    p.insert(0, i as isize);
                } else {
                    p.push(i as isize);
                }
                next.push(p);
            }
        }
        out = next;
    }
    out
}

fn unpack_all(fmt: &str, bytes: &[u8]) -> Vec<String> {
    let n = Native::parse(fmt).expect("native");
    bytes
        .chunks(n.size())
        .map(|c| n.unpack(c).expect("unpack").to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn walks_agree((fmt, shape, strides, offset, data) in layout()) {
        let a = NdArray::new(data, &fmt, shape.clone(), Some(strides), offset, true).expect("valid layout");
        let m = MemoryView::new(&a).expect("view");
        for (order, fortran) in [("C", false), ("F", true)] {
            let walk: Vec<String> = indices(&shape, fortran)
                .iter()
                .map(|i| m.get_at(i).expect("get_at").to_string())
                .collect();
            let bytes = m.tobytes_order(Some(order)).expect("tobytes");
            prop_assert_eq!(unpack_all(&fmt, &bytes), walk.clone());
            if !fortran {
                let flat: Vec<String> = m.tolist().expect("tolist").flatten().iter().map(Value::to_string).collect();
                prop_assert_eq!(flat, walk);
            }
        }
        // tobytes('A') is C or F order, and hex agrees with tobytes
        let any = m.tobytes_order(Some("A")).expect("A");
        prop_assert!(any == m.tobytes().expect("C") || any == m.tobytes_order(Some("F")).expect("F"));
        prop_assert_eq!(m.hex().expect("hex").len(), 2 * m.nbytes().expect("nbytes"));
    }

    #[test]
    fn cast_roundtrip((fmt, shape, strides, offset, data) in layout()) {
        let a = NdArray::new(data, &fmt, shape.clone(), Some(strides), offset, false).expect("valid layout");
        let m = MemoryView::new(&a).expect("view");
        let zero = shape.contains(&0);
        match m.cast("B") {
            Ok(b) => {
                prop_assert!(m.c_contiguous().expect("flag"));
                prop_assert_eq!(b.tobytes().expect("bytes"), m.tobytes().expect("bytes"));
                if !zero || shape.len() == 1 {
                    let back = if shape.len() == 1 { b.cast(&fmt) } else { b.cast_shape(&fmt, &shape) };
                    let back = back.expect("cast back");
                    prop_assert_eq!(back.shape().expect("shape"), &shape[..]);
                    prop_assert_eq!(back.format().expect("fmt"), fmt.as_str());
                    prop_assert_eq!(back.tobytes().expect("b"), m.tobytes().expect("b"));
                    let nan = matches!(fmt.as_str(), "f" | "d" | "e");
                    if !nan {
                        prop_assert!(back == m);
                    }
                }
            }
            Err(e) => {
                prop_assert!(!m.c_contiguous().expect("flag") || zero, "{}", e);
            }
        }
    }

    #[test]
    fn equality_is_byte_equality_for_integer_formats((fmt, shape, strides, offset, data) in layout()) {
        let a = NdArray::new(data, &fmt, shape, Some(strides), offset, false).expect("valid layout");
        let m = MemoryView::new(&a).expect("view");
        let copy = NdArray::new(
            m.tobytes().expect("b").to_vec(),
            &fmt,
            m.shape().expect("s").to_vec(),
            None,
            0,
            false,
        ).expect("copy");
        let equal = m.equals(&copy);
        if !matches!(fmt.as_str(), "f" | "d" | "e") {
            prop_assert!(equal);
        }
        prop_assert!(m.equals(&m) || matches!(fmt.as_str(), "f" | "d" | "e"));
    }
}
