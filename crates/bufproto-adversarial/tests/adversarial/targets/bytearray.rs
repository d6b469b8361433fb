//! `ByteArray` mutation sequences under live views, against a plain
//! `Vec<u8>` plus an export count (the rules of Objects/bytearrayobject.c:
//! `_canresize`, `PyByteArray_Resize`'s same-size shortcut, each method's
//! order of checks). A failed call must change nothing.

use bufproto::{Buffer, ByteArray, Exporter, Flags, MemoryView};
use proptest::prelude::*;

use super::{extreme_isize, outcome};
use crate::harness::{self, same, Check};
use crate::models::{slice_adjust, slice_positions, slice_unpack};

type Bounds = (Option<isize>, Option<isize>, Option<isize>);

#[derive(Clone, Debug)]
pub enum Op {
    Append(i64),
    Extend(Vec<u8>),
    Insert(isize, i64),
    Pop(Option<isize>),
    Remove(i64),
    Clear,
    Set(isize, i64),
    SetSlice(Bounds, Vec<u8>),
    DelSlice(Bounds),
    DelItem(isize),
    Reverse,
    TakeView,
    TakeBuffer,
    Release(usize),
    ViewWrite(usize, usize, u8),
}

fn byte_value() -> impl Strategy<Value = i64> {
    prop_oneof![4 => 0i64..256, 1 => prop::sample::select(vec![-1i64, 256, i64::MIN, i64::MAX]), 1 => any::<i64>()]
}

fn index() -> impl Strategy<Value = isize> {
    prop_oneof![3 => -6isize..6, 1 => extreme_isize()]
}

fn bounds() -> impl Strategy<Value = Bounds> {
    (
        prop::option::of(index()),
        prop::option::of(index()),
        prop::option::weighted(0.5, prop_oneof![-3isize..4, extreme_isize()]),
    )
}

fn op() -> impl Strategy<Value = Op> {
    let bytes = prop::collection::vec(any::<u8>(), 0..4);
    prop_oneof![
        1 => byte_value().prop_map(Op::Append),
        1 => bytes.clone().prop_map(Op::Extend),
        1 => (index(), byte_value()).prop_map(|(i, v)| Op::Insert(i, v)),
        1 => prop::option::of(index()).prop_map(Op::Pop),
        1 => byte_value().prop_map(Op::Remove),
        1 => Just(Op::Clear),
        1 => (index(), byte_value()).prop_map(|(i, v)| Op::Set(i, v)),
        1 => (bounds(), bytes).prop_map(|(b, v)| Op::SetSlice(b, v)),
        1 => bounds().prop_map(Op::DelSlice),
        1 => index().prop_map(Op::DelItem),
        1 => Just(Op::Reverse),
        2 => Just(Op::TakeView),
        1 => Just(Op::TakeBuffer),
        3 => any::<usize>().prop_map(Op::Release),
        1 => (any::<usize>(), any::<usize>(), any::<u8>()).prop_map(|(k, i, v)| Op::ViewWrite(k, i, v)),
    ]
}

enum Export {
    View(MemoryView),
    Buf(Buffer),
}

const RESIZE: &str = "BufferError: Existing exports of data: object cannot be re-sized";
const RANGE: &str = "ValueError: byte must be in range(0, 256)";

/// The model's answer to `op`: the new contents, or the error (contents unchanged).
fn model(m: &[u8], exports: usize, op: &Op) -> Result<Vec<u8>, String> {
    let n = m.len();
    let resize_ok = |new_len: usize| {
        if new_len != n && exports > 0 {
            Err(RESIZE.to_string())
        } else {
            Ok(())
        }
    };
    let byte = |v: i64| u8::try_from(v).map_err(|_| RANGE.to_string());
    let mut out = m.to_vec();
    match op {
        Op::Append(v) => {
            let b = byte(*v)?;
            resize_ok(n + 1)?;
            out.push(b);
        }
        Op::Extend(d) => {
            resize_ok(n + d.len())?;
            out.extend_from_slice(d);
        }
        Op::Insert(i, v) => {
            let b = byte(*v)?;
            resize_ok(n + 1)?;
            let mut w = *i;
            if w < 0 {
                w = (w + n as isize).max(0);
            }
            out.insert((w as usize).min(n), b);
        }
        Op::Pop(i) => {
            if n == 0 {
                return Err("IndexError: pop from empty bytearray".into());
            }
            let mut w = i.unwrap_or(-1);
            if w < 0 {
                w += n as isize;
            }
            if w < 0 || w >= n as isize {
                return Err("IndexError: pop index out of range".into());
            }
            resize_ok(n - 1)?;
            out.remove(w as usize);
        }
        Op::Remove(v) => {
            let b = byte(*v)?;
            let Some(p) = m.iter().position(|&x| x == b) else {
                return Err("ValueError: value not found in bytearray".into());
            };
            resize_ok(n - 1)?;
            out.remove(p);
        }
        Op::Clear => {
            resize_ok(0)?;
            out.clear();
        }
        Op::Set(i, v) => {
            let b = byte(*v)?;
            let w = if *i < 0 { *i + n as isize } else { *i };
            if w < 0 || w >= n as isize {
                return Err("IndexError: bytearray index out of range".into());
            }
            out[w as usize] = b;
        }
        Op::DelItem(i) => {
            let w = if *i < 0 { *i + n as isize } else { *i };
            if w < 0 || w >= n as isize {
                return Err("IndexError: bytearray index out of range".into());
            }
            resize_ok(n - 1)?;
            out.remove(w as usize);
        }
        Op::SetSlice((a, b, s), vals) => return assign(m, exports, (*a, *b, *s), Some(vals)),
        Op::DelSlice((a, b, s)) => return assign(m, exports, (*a, *b, *s), None),
        Op::Reverse => out.reverse(),
        Op::TakeView | Op::TakeBuffer | Op::Release(_) | Op::ViewWrite(..) => {}
    }
    Ok(out)
}

/// `bytearray_ass_subscript` with a slice.
fn assign(
    m: &[u8],
    exports: usize,
    (a, b, s): Bounds,
    vals: Option<&Vec<u8>>,
) -> Result<Vec<u8>, String> {
    let n = m.len();
    let (start, stop, step) = slice_unpack(a, b, s)?;
    let (start, mut stop, slicelen) = slice_adjust(n as isize, start, stop, step);
    let needed = vals.map_or(0, |v| v.len());
    if (step < 0 && start < stop) || (step > 0 && start > stop) {
        stop = start;
    }
    let mut out = m.to_vec();
    if step == 1 {
        let (lo, hi) = (start as usize, stop as usize);
        if needed != hi - lo && exports > 0 {
            return Err(RESIZE.into());
        }
        out.splice(lo..hi, vals.cloned().unwrap_or_default());
        return Ok(out);
    }
    let pos = slice_positions(n, a, b, s)?;
    debug_assert_eq!(pos.len(), slicelen as usize);
    if needed == 0 {
        if exports > 0 {
            return Err(RESIZE.into());
        }
        let mut keep = vec![true; n];
        for p in pos {
            keep[p] = false;
        }
        return Ok(m
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(x, _)| *x)
            .collect());
    }
    if needed != pos.len() {
        return Err(format!(
            "ValueError: attempt to assign bytes of size {needed} to extended slice of size {}",
            pos.len()
        ));
    }
    for (p, &v) in pos.into_iter().zip(vals.into_iter().flatten()) {
        out[p] = v;
    }
    Ok(out)
}

fn check(start: Vec<u8>, ops: Vec<Op>) -> Check {
    let mut ba = ByteArray::from(&start[..]);
    let mut m = start;
    let mut live: Vec<Export> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        let what = format!("op {k} {op:?} on {m:?} with {} exports", live.len());
        let expect = model(&m, live.len(), op);
        let got: Result<(), String> = match op {
            Op::Append(v) => outcome(ba.append(*v)),
            Op::Extend(d) => outcome(ba.extend(d)),
            Op::Insert(i, v) => outcome(ba.insert(*i, *v)),
            Op::Pop(i) => outcome(ba.pop(*i).map(|_| ())),
            Op::Remove(v) => outcome(ba.remove(*v)),
            Op::Clear => outcome(ba.clear()),
            Op::Set(i, v) => outcome(ba.set(*i, *v)),
            Op::SetSlice((a, b, s), v) => outcome(ba.set_slice(*a, *b, *s, v)),
            Op::DelSlice((a, b, s)) => outcome(ba.del_slice(*a, *b, *s)),
            Op::DelItem(i) => outcome(ba.del_item(*i)),
            Op::Reverse => {
                ba.reverse();
                Ok(())
            }
            Op::TakeView => outcome(MemoryView::new(&ba).map(|v| live.push(Export::View(v)))),
            Op::TakeBuffer => outcome(
                ba.get_buffer(Flags::SIMPLE)
                    .map(|b| live.push(Export::Buf(b))),
            ),
            Op::Release(i) => {
                if !live.is_empty() {
                    let e = live.remove(i % live.len());
                    if let Export::View(mut v) = e {
                        v.release()
                            .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    }
                }
                Ok(())
            }
            Op::ViewWrite(i, j, v) => {
                if !live.is_empty() && !m.is_empty() {
                    let at = j % m.len();
                    let r = match &live[i % live.len()] {
                        Export::View(view) => outcome(view.set(at as isize, i128::from(*v))),
                        Export::Buf(b) => outcome(b.set(at, *v)),
                    };
                    same("write through an export", r, Ok(()))?;
                    m[at] = *v;
                }
                Ok(())
            }
        }
        .map_err(|e: String| e);
        match expect {
            Ok(new) => {
                same(&what, got, Ok(()))?;
                if !matches!(op, Op::ViewWrite(..)) {
                    m = new;
                }
            }
            Err(e) => same(&what, got, Err(e))?,
        }
        same(&format!("contents after {what}"), ba.to_vec(), m.clone())?;
        same(&format!("len after {what}"), ba.len(), m.len())?;
        same(&format!("exports after {what}"), ba.exports(), live.len())?;
        for e in &live {
            if let Export::View(v) = e {
                same(
                    "a live view's bytes",
                    v.tobytes().map(|b| b.to_vec()).ok(),
                    Some(m.clone()),
                )?;
            }
        }
    }
    Ok(())
}

#[test]
fn bytearray_mutations() {
    harness::run(
        "bytearray_mutations",
        1000,
        (
            prop::collection::vec(any::<u8>(), 0..6),
            prop::collection::vec(op(), 1..24),
        ),
        |(s, ops)| check(s, ops),
    );
}
