//! `Array` operation sequences with live exports, against a `Vec` of
//! values and the setitem model of `items.rs` (Modules/arraymodule.c).

use bufproto::format::Value;
use bufproto::{Array, MemoryView};
use proptest::prelude::*;

use super::items::{array_model, value, value_eq, TYPECODES};
use super::layouts::to_value;
use super::{extreme_isize, outcome};
use crate::harness::{self, fail, same, Check};
use crate::models;

#[derive(Clone, Debug)]
pub enum Op {
    Append(Value),
    Pop(Option<isize>),
    Get(isize),
    Set(isize, Value),
    FromBytes(Vec<u8>),
    TakeView,
    Release(usize),
}

fn index() -> impl Strategy<Value = isize> {
    prop_oneof![3 => -5isize..5, 1 => extreme_isize()]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => value().prop_map(Op::Append),
        1 => prop::option::of(index()).prop_map(Op::Pop),
        1 => index().prop_map(Op::Get),
        1 => (index(), value()).prop_map(|(i, v)| Op::Set(i, v)),
        1 => prop::collection::vec(any::<u8>(), 0..17).prop_map(Op::FromBytes),
        1 => Just(Op::TakeView),
        1 => any::<usize>().prop_map(Op::Release),
    ]
}

const RESIZE: &str = "BufferError: cannot resize an array that is exporting buffers";

fn norm(i: isize, n: usize) -> Option<usize> {
    let j = if i < 0 { i.checked_add(n as isize)? } else { i };
    (0..n as isize).contains(&j).then_some(j as usize)
}

fn check(t: usize, ops: Vec<Op>) -> Check {
    let tc = TYPECODES[t];
    let size = Array::new(&tc.to_string())
        .map_err(|e| TestCaseError::fail(e.to_string()))?
        .itemsize();
    let mut a = Array::new(&tc.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut m: Vec<Value> = Vec::new();
    let mut views: Vec<MemoryView> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        let what = format!(
            "op {k} {op:?} on array('{tc}') of {} with {} views",
            m.len(),
            views.len()
        );
        let before = a.tobytes().to_vec();
        let (got, expect): (Result<Option<Value>, String>, Result<Option<Value>, String>) = match op
        {
            Op::Append(v) => {
                let e = array_model(tc, v).and_then(|x| {
                    if views.is_empty() {
                        Ok(x)
                    } else {
                        Err(RESIZE.into())
                    }
                });
                let e = e.map(|x| {
                    m.push(x);
                    None
                });
                (outcome(a.append(v.clone())).map(|_| None), e)
            }
            Op::Pop(i) => {
                let e = if m.is_empty() {
                    Err("IndexError: pop from empty array".into())
                } else if let Some(j) = norm(i.unwrap_or(-1), m.len()) {
                    if views.is_empty() {
                        Ok(Some(m.remove(j)))
                    } else {
                        Err(RESIZE.into())
                    }
                } else {
                    Err("IndexError: pop index out of range".into())
                };
                (outcome(a.pop(*i)).map(Some), e)
            }
            Op::Get(i) => {
                let e = norm(*i, m.len())
                    .map(|j| Some(m[j].clone()))
                    .ok_or_else(|| "IndexError: array index out of range".to_string());
                (outcome(a.get(*i)).map(Some), e)
            }
            Op::Set(i, v) => {
                let e = match norm(*i, m.len()) {
                    None => Err("IndexError: array assignment index out of range".into()),
                    Some(j) => array_model(tc, v).map(|x| {
                        m[j] = x;
                        None
                    }),
                };
                (outcome(a.set(*i, v.clone())).map(|_| None), e)
            }
            Op::FromBytes(d) => {
                let e = if d.len() % size != 0 {
                    Err("ValueError: bytes length not a multiple of item size".into())
                } else if !views.is_empty() && !d.is_empty() {
                    Err(RESIZE.into())
                } else {
                    // Machine values: little-endian on the platforms tested.
                    m.extend(d.chunks(size).map(|c| to_value(&models::unpack(tc, c))));
                    Ok(None)
                };
                (outcome(a.frombytes(d)).map(|_| None), e)
            }
            Op::TakeView => {
                let r = MemoryView::new(&a).map(|v| views.push(v));
                (outcome(r).map(|_| None), Ok(None))
            }
            Op::Release(i) => {
                if !views.is_empty() {
                    views.remove(i % views.len());
                }
                (Ok(None), Ok(None))
            }
        };
        match (&got, &expect) {
            (Ok(Some(x)), Ok(Some(y))) if !value_eq(x, y) => {
                return fail(format!("{what}: crate {x:?}, model {y:?}"))
            }
            (Ok(_), Ok(_)) => {}
            _ => same(&what, got.clone().map(|_| ()), expect.clone().map(|_| ()))?,
        }
        if got.is_err() {
            same(
                &format!("bytes after failed {what}"),
                a.tobytes().to_vec(),
                before,
            )?;
        }
        same(&format!("len after {what}"), a.len(), m.len())?;
        same(&format!("exports after {what}"), a.exports(), views.len())?;
        let list = a.tolist().map_err(|e| TestCaseError::fail(e.to_string()))?;
        if list.len() != m.len() || !list.iter().zip(&m).all(|(x, y)| value_eq(x, y)) {
            return fail(format!("tolist after {what}: crate {list:?}, model {m:?}"));
        }
    }
    Ok(())
}

#[test]
fn array_sequences() {
    harness::run(
        "array_sequences",
        1000,
        (0..TYPECODES.len(), prop::collection::vec(op(), 1..20)),
        |(t, ops)| check(t, ops),
    );
}
