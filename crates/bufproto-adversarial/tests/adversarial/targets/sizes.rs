//! Sizes from input: every allocation whose size comes from the caller is
//! fallible (CPython: `MemoryError`, or `OverflowError` past
//! `PY_SSIZE_T_MAX`), never a panic or an abort.

use bufproto::{ByteArray, Bytes, MemoryView, NdArray};
use proptest::prelude::*;

use crate::harness::{self, fail, same, Check};

/// At least 2**44 bytes: more than any test machine can give.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        2 => 0usize..64,
        2 => prop::sample::select(vec![1 << 44, 1 << 45, 1 << 62, isize::MAX as usize - 1, isize::MAX as usize, isize::MAX as usize + 1, usize::MAX]),
        1 => (1usize << 44)..=usize::MAX,
    ]
}

fn check(n: usize) -> Check {
    let small = n < 64;
    let b = Bytes::zeroed(n);
    let ba = ByteArray::zeroed(n);
    if small {
        same(
            "Bytes::zeroed",
            b.map(|b| b.to_vec()).ok(),
            Some(vec![0; n]),
        )?;
        same(
            "ByteArray::zeroed",
            ba.map(|b| b.to_vec()).ok(),
            Some(vec![0; n]),
        )?;
    } else if b.is_ok() || ba.is_ok() {
        return fail(format!("zeroed({n}) succeeded"));
    }
    // A huge C-order array over no memory: refused, not allocated.
    let nd = NdArray::c_order(vec![0; 4], "B", vec![n]);
    same(
        &format!("NdArray::c_order over 4 bytes, shape [{n}]"),
        nd.is_ok(),
        n <= 4,
    )?;
    // A cast to a huge shape over 4 bytes: refused.
    let small_ba = ByteArray::zeroed(4).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let m = MemoryView::new(&small_ba).map_err(|e| TestCaseError::fail(e.to_string()))?;
    same(
        &format!("cast_shape('B', [{n}]) of 4 bytes"),
        m.cast_shape("B", &[n]).is_ok(),
        n == 4,
    )?;
    same(
        &format!("cast_shape('B', [{n}, {n}]) of 4 bytes"),
        m.cast_shape("B", &[n, n]).is_ok(),
        n == 2,
    )?;
    Ok(())
}

#[test]
fn huge_sizes() {
    harness::run("huge_sizes", 256, size(), check);
}
