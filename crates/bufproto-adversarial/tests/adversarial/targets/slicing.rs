//! Slicing with extreme `isize` bounds on `Bytes`, `ByteArray`,
//! `MemoryView` (of bytes and of an `Array` of 8-byte items), against the
//! `PySlice_Unpack` + `PySlice_AdjustIndices` model.

use bufproto::format::Value;
use bufproto::{Array, ByteArray, Bytes, MemoryView};
use proptest::prelude::*;

use super::{extreme_isize, outcome};
use crate::harness::{self, same, Check};
use crate::models::slice_positions;

type Bounds = (Option<isize>, Option<isize>, Option<isize>);

fn bounds() -> impl Strategy<Value = Bounds> {
    (
        prop::option::weighted(0.8, extreme_isize()),
        prop::option::weighted(0.8, extreme_isize()),
        prop::option::weighted(0.8, extreme_isize()),
    )
}

fn pick(data: &[u8], pos: &[usize]) -> Vec<u8> {
    pos.iter().map(|&p| data[p]).collect()
}

fn tc(e: bufproto::Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn check(data: Vec<u8>, cut: usize, a: Bounds, b: Bounds, src_extra: u8) -> Check {
    let (s1, e1, t1) = a;
    let (s2, e2, t2) = b;
    let model1 = slice_positions(data.len(), s1, e1, t1);
    let expect1 = model1.clone().map(|p| pick(&data, &p));

    // Bytes, and a slice of a slice (the second sees a hidden start offset).
    let bytes = Bytes::from(&data[..]);
    let got = outcome(bytes.slice(s1, e1, t1).map(|b| b.to_vec()));
    same(
        &format!("Bytes[{s1:?}:{e1:?}:{t1:?}] of {} bytes", data.len()),
        got.clone(),
        expect1.clone(),
    )?;
    if let Ok(first) = bytes.slice(s1, e1, t1) {
        let inner = got.clone().unwrap_or_default();
        let expect2 = slice_positions(inner.len(), s2, e2, t2).map(|p| pick(&inner, &p));
        same(
            "Bytes slice of a slice",
            outcome(first.slice(s2, e2, t2).map(|b| b.to_vec())),
            expect2,
        )?;
    }

    // ByteArray, after deleting a prefix (a hidden start offset in the crate).
    let mut ba = ByteArray::from(&data[..]);
    let cut = cut.min(data.len());
    ba.del_slice(None, Some(cut as isize), None).map_err(tc)?;
    let rest = &data[cut..];
    let expect = slice_positions(rest.len(), s1, e1, t1).map(|p| pick(rest, &p));
    same(
        "ByteArray slice after del",
        outcome(ba.slice(s1, e1, t1).map(|b| b.to_vec())),
        expect,
    )?;

    // MemoryView of bytes: items, shape, and a slice of the slice.
    let m = MemoryView::new(&bytes).map_err(tc)?;
    let got = outcome(
        m.slice(s1, e1, t1)
            .and_then(|v| Ok((v.tobytes()?.to_vec(), v.len()?))),
    );
    same(
        "MemoryView slice",
        got,
        expect1.clone().map(|v| {
            let n = v.len();
            (v, n)
        }),
    )?;
    if let (Ok(v), Ok(inner)) = (m.slice(s1, e1, t1), expect1.clone()) {
        let expect2 = slice_positions(inner.len(), s2, e2, t2).map(|p| pick(&inner, &p));
        same(
            "MemoryView slice of a slice",
            outcome(
                v.slice(s2, e2, t2)
                    .and_then(|w| w.tobytes())
                    .map(|b| b.to_vec()),
            ),
            expect2,
        )?;
    }

    // MemoryView slice assignment into a bytearray: the model writes the
    // selected positions, or refuses a source of the wrong length.
    let target = ByteArray::from(&data[..]);
    let mv = MemoryView::new(&target).map_err(tc)?;
    if let Ok(pos) = &model1 {
        let n = pos.len() + usize::from(src_extra % 3 == 2);
        let n = if src_extra % 3 == 1 { 0 } else { n };
        let src: Vec<u8> = (0..n)
            .map(|i| (i as u8).wrapping_mul(7).wrapping_add(src_extra))
            .collect();
        let got = outcome(mv.set_slice(s1, e1, t1, &src));
        let mut expect_data = data.clone();
        let expect = if n == pos.len() {
            for (&p, &v) in pos.iter().zip(&src) {
                expect_data[p] = v;
            }
            Ok(())
        } else {
            Err(
                "ValueError: memoryview assignment: lvalue and rvalue have different structures"
                    .to_string(),
            )
        };
        same(&format!("MemoryView set_slice with {n} bytes"), got, expect)?;
        same("contents after set_slice", target.to_vec(), expect_data)?;
    } else {
        same(
            "set_slice with step 0",
            outcome(mv.set_slice(s1, e1, t1, &[])),
            model1.clone().map(|_| ()),
        )?;
    }

    // MemoryView of an array('q'): strides of 8, where stride * step overflows.
    let values: Vec<i64> = data.iter().map(|&b| i64::from(b) - 100).collect();
    let arr = Array::from_values("q", values.iter().copied()).map_err(tc)?;
    let am = MemoryView::new(&arr).map_err(tc)?;
    let expect: Result<Vec<Value>, String> = model1.map(|p| {
        p.iter()
            .map(|&i| Value::Int(i128::from(values[i])))
            .collect()
    });
    let got = outcome(
        am.slice(s1, e1, t1)
            .and_then(|v| v.tolist())
            .map(|l| l.flatten()),
    );
    same("memoryview(array('q')) slice tolist", got, expect)
}

#[test]
fn slicing() {
    harness::run(
        "slicing",
        2000,
        (
            prop::collection::vec(any::<u8>(), 0..12),
            0usize..4,
            bounds(),
            bounds(),
            any::<u8>(),
        ),
        |(d, cut, a, b, x)| check(d, cut, a, b, x),
    );
}
