//! Layouts (zero, huge and negative strides, ndim up to and past 64,
//! products that overflow, offsets) through `NdArray::new` and every reader.

use std::sync::atomic::AtomicU8;
use std::sync::Arc;

use bufproto::layout::Layout;
use bufproto::{Exporter, Flags, Foreign, ForeignMemory, MemoryView, NdArray};
use proptest::prelude::*;

use super::outcome;
use crate::harness::{self, fail, same, Check};
use crate::models;

const FORMATS: &[(&str, usize)] = &[
    ("B", 1),
    ("b", 1),
    ("c", 1),
    ("?", 1),
    ("h", 2),
    ("i", 4),
    ("d", 8),
    ("e", 2),
    ("2B", 2),
    ("<h", 2),
];

/// Sizes from which no reader could allocate: at least 2**44 items.
const HUGE: &[usize] = &[
    1 << 44,
    1 << 62,
    1 << 63,
    isize::MAX as usize,
    usize::MAX - 1,
    usize::MAX,
];

#[derive(Clone, Debug)]
pub struct Case {
    fmt: usize,
    data_len: usize,
    shape: Vec<usize>,
    strides: Option<Vec<isize>>,
    offset: usize,
    writable: bool,
    flags: u32,
    probe: Vec<u64>,
}

fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![8 => 0usize..4, 1 => prop::sample::select(HUGE)]
}

fn stride() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(vec![0i64, 1, -1, 2, -2, 3, -3, 8, -8]),
        Just(i64::MIN),
        Just(i64::MAX),
        -64i64..64,
        any::<i64>(),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..FORMATS.len(),
        prop_oneof![4 => 0usize..5, 1 => 5usize..71],
        0usize..80,
        any::<bool>(),
        any::<bool>(),
        0u32..0x200,
        prop::collection::vec(any::<u64>(), 4),
    )
        .prop_flat_map(
            |(fmt, ndim, data_len, with_strides, writable, flags, probe)| {
                (
                    prop::collection::vec(dim(), ndim),
                    prop::option::weighted(
                        if with_strides { 0.9 } else { 0.1 },
                        prop::collection::vec(stride(), ndim),
                    ),
                    prop_oneof![
                        Just(0usize),
                        0usize..40,
                        Just(usize::MAX),
                        Just(isize::MAX as usize + 1)
                    ],
                )
                    .prop_map(move |(mut shape, strides, offset)| {
                        let size = FORMATS[fmt].1;
                        // Keep small dimensions' product at most 4096, so that a
                        // view is either cheap to read in full or far too big.
                        let mut p = 1usize;
                        for d in shape.iter_mut().filter(|d| **d < 4) {
                            if p * *d > 4096 {
                                *d = 1;
                            }
                            p *= (*d).max(1);
                        }
                        let strides = strides.map(|s| {
                            s.into_iter()
                                .map(|x| {
                                    (x as isize)
                                        .checked_mul(size as isize)
                                        .filter(|_| x.unsigned_abs() < 1 << 40)
                                        .unwrap_or(x as isize)
                                })
                                .collect()
                        });
                        Case {
                            fmt,
                            data_len,
                            shape,
                            strides,
                            offset,
                            writable,
                            flags,
                            probe: probe.clone(),
                        }
                    })
            },
        )
}

/// `strides_from_shape` (Modules/_testbuffer.c), C order: `s[n-1] =
/// itemsize`, `s[i] = s[i+1] * shape[i+1]` — the outermost length is never
/// multiplied in, and a zero length zeroes the strides left of it. `None`
/// where C's product would overflow `Py_ssize_t`.
fn c_strides(shape: &[usize], itemsize: usize) -> Option<Vec<isize>> {
    let mut out = vec![0isize; shape.len()];
    let mut sd = itemsize as i128;
    for (i, o) in out.iter_mut().enumerate().rev() {
        if i + 1 < shape.len() {
            sd = sd.checked_mul(shape[i + 1] as i128)?;
        }
        *o = isize::try_from(sd).ok()?;
    }
    Some(out)
}

fn check(c: Case) -> Check {
    let (fmt, size) = FORMATS[c.fmt];
    let data: Vec<u8> = (0..c.data_len).map(|i| (i * 37 + 11) as u8).collect();
    let nd = NdArray::new(
        data.clone(),
        fmt,
        c.shape.clone(),
        c.strides.clone(),
        c.offset,
        c.writable,
    );
    // Exact when small; saturated (never overflowing) when huge.
    let nitems: u128 = if c.shape.contains(&0) {
        0
    } else {
        c.shape
            .iter()
            .fold(1u128, |p, &n| p.saturating_mul(n as u128))
    };
    if c.shape.len() > 64 {
        return match nd {
            Ok(_) => fail(format!("NdArray::new accepted ndim {}", c.shape.len())),
            Err(_) => Ok(()),
        };
    }
    let strides = match &c.strides {
        Some(s) => s.clone(),
        None => match c_strides(&c.shape, size) {
            Some(s) => s,
            None => {
                return if nd.is_ok() {
                    fail("accepted default strides that overflow")
                } else {
                    Ok(())
                }
            }
        },
    };
    let sane = nitems.saturating_mul(size as u128) <= isize::MAX as u128
        && c.offset <= isize::MAX as usize
        && c.shape.iter().all(|&n| n <= isize::MAX as usize)
        // Every partial product of the shape (times the item size) fits,
        // even when a later zero makes the view empty.
        && c.shape
            .iter()
            .try_fold(size, |p, &n| p.checked_mul(n).filter(|&q| q <= isize::MAX as usize))
            .is_some();
    let model = models::verify_structure(c.data_len, size, &c.shape, &strides, c.offset);
    let bounds = models::in_bounds(c.data_len, size, &c.shape, &strides, c.offset).is_ok();
    layout_and_foreign(&c, &data, &strides, nitems, model.is_ok(), bounds, sane)?;
    let nd = match (nd, model) {
        (Ok(nd), Ok(())) => nd,
        (Err(_), Err(_)) => return Ok(()),
        (Err(e), Ok(())) if sane => {
            return fail(format!("NdArray::new refused a valid layout: {e}"))
        }
        (Err(_), Ok(())) => return Ok(()),
        (Ok(_), Err(why)) => {
            return fail(format!("NdArray::new accepted an invalid layout ({why})"))
        }
    };
    // A view of more than isize::MAX items or bytes cannot exist in
    // CPython (its exporters refuse such layouts); refusing the view is
    // acceptable then, and only then.
    let v = match MemoryView::new(&nd) {
        Ok(v) => v,
        Err(_) if !sane => return Ok(()),
        Err(e) => return fail(format!("MemoryView::new of a valid NdArray failed: {e}")),
    };
    let native = models::native_fmtchar(fmt).map(|(ch, _)| ch);
    let cc = models::c_contiguous(&c.shape, &strides, size);
    let fc = models::f_contiguous(&c.shape, &strides, size);
    if nitems > 4096 {
        return huge(&c, &v, &nd, &data, &strides, size, cc, fc);
    }
    let item = |o: usize| &data[o..o + size];
    let c_order: Vec<u8> = models::item_offsets(&c.shape, &strides, c.offset, false)
        .into_iter()
        .flat_map(|o| item(o).to_vec())
        .collect();
    let f_order: Vec<u8> = models::item_offsets(&c.shape, &strides, c.offset, true)
        .into_iter()
        .flat_map(|o| item(o).to_vec())
        .collect();
    let tb = |o: Option<&str>| {
        v.tobytes_order(o)
            .map(|b| b.to_vec())
            .map_err(|e| e.to_string())
    };
    same(
        "tobytes",
        v.tobytes().map(|b| b.to_vec()).map_err(|e| e.to_string()),
        Ok(c_order.clone()),
    )?;
    same("tobytes_order(None)", tb(None), Ok(c_order.clone()))?;
    same("tobytes_order(C)", tb(Some("C")), Ok(c_order.clone()))?;
    same("tobytes_order(F)", tb(Some("F")), Ok(f_order.clone()))?;
    let a = if !cc && fc {
        f_order.clone()
    } else {
        c_order.clone()
    };
    same("tobytes_order(A)", tb(Some("A")), Ok(a))?;
    same("hex", v.hex().ok(), Some(models::hex(&c_order, None, 0)))?;
    same("nbytes", v.nbytes().ok(), Some(c_order.len()))?;
    let items: Vec<models::Item> = match native {
        Some(ch) => c_order
            .chunks(size)
            .map(|b| models::unpack(ch, b))
            .collect(),
        None => vec![],
    };
    // tolist builds one list per index prefix: an empty view can still
    // need 2**44 empty lists ([2**44, 0]), which CPython cannot allocate.
    let mut lists = 0u128;
    let mut prefix = 1u128;
    for &n in c.shape.iter().take(c.shape.len().saturating_sub(1)) {
        prefix = prefix.saturating_mul(n as u128);
        lists = lists.saturating_add(prefix);
    }
    let too_many_lists = lists >= 1 << 40;
    match (v.tolist(), native) {
        (Ok(_), Some(_)) if too_many_lists => {
            return fail(format!("tolist made {lists} lists"));
        }
        (Err(e), Some(_)) if too_many_lists => same(
            "tolist of too many lists",
            e.to_string(),
            "MemoryError".to_string(),
        )?,
        (Ok(l), Some(_)) => {
            let flat = l.flatten();
            if flat.len() != items.len() || !flat.iter().zip(&items).all(|(a, b)| same_value(a, b))
            {
                return fail(format!("tolist: crate {flat:?}, model {items:?}"));
            }
        }
        (Err(e), Some(_)) => return fail(format!("tolist failed: {e}")),
        (Ok(l), None) => return fail(format!("tolist of format {fmt} gave {l:?}")),
        (Err(_), None) => {}
    }
    if let (Some(first), 1, Some(_)) = (items.first(), c.shape.len(), native) {
        let val = to_value(first);
        let n = items.iter().filter(|x| *x == first).count();
        same("count", v.count(val.clone()).ok(), Some(n))?;
        let pos = items.iter().position(|x| x == first);
        same("index", v.index(val, None, None).ok(), pos)?;
    }
    if !items.is_empty() {
        // get_at one item chosen by the probe.
        let idx: Vec<isize> = c
            .shape
            .iter()
            .zip(c.probe.iter().cycle())
            .map(|(&n, &p)| (p % n as u64) as isize)
            .collect();
        let k = idx
            .iter()
            .zip(&c.shape)
            .fold(0usize, |acc, (&i, &n)| acc * n + i as usize);
        match v.get_at(&idx) {
            Ok(x) if same_value(&x, &items[k]) => {}
            other => {
                return fail(format!(
                    "get_at({idx:?}): crate {other:?}, model {:?}",
                    items[k]
                ))
            }
        }
    }
    // Equality with a C-order copy: equal unless an item is unequal to
    // itself (NaN); struct formats without floats are always equal.
    // (A copy needs C strides, which overflow for some shapes.)
    let copy = match NdArray::c_order(c_order.clone(), fmt, c.shape.clone()) {
        Ok(copy) => copy,
        Err(_) if c_strides(&c.shape, size).is_none() => {
            return buffers(&c, &nd, &c_order, &strides, cc, fc)
        }
        Err(e) => return fail(format!("a C-order copy was refused: {e}")),
    };
    let reflexive = !items
        .iter()
        .any(|x| matches!(x, models::Item::Float(f) if f.is_nan()));
    same("v == C-order copy", v.equals(&copy), reflexive)?;
    // memory_hash: read-only first, then IS_BYTE_FORMAT ("B", "b", "c"
    // exactly), then the hash of tobytes() (an ndarray is hashable).
    let want_hash = if c.writable {
        Err("ValueError: cannot hash writable memoryview object".to_string())
    } else if !matches!(fmt, "B" | "b" | "c") {
        Err("ValueError: memoryview: hashing is restricted to formats 'B', 'b' or 'c'".to_string())
    } else {
        Ok(bufproto::Bytes::from(c_order.clone()).hash_value())
    };
    same("hash", v.hash().map_err(|e| e.to_string()), want_hash)?;
    buffers(&c, &nd, &c_order, &strides, cc, fc)
}

fn buffers(c: &Case, nd: &NdArray, c_order: &[u8], strides: &[isize], cc: bool, fc: bool) -> Check {
    let (fmt, shape) = (FORMATS[c.fmt].0, &c.shape[..]);
    let named = [
        Flags::SIMPLE,
        Flags::WRITABLE,
        Flags::FORMAT,
        Flags::ND,
        Flags::STRIDES,
        Flags::C_CONTIGUOUS,
        Flags::F_CONTIGUOUS,
        Flags::ANY_CONTIGUOUS,
        Flags::INDIRECT,
        Flags::CONTIG,
        Flags::CONTIG_RO,
        Flags::STRIDED,
        Flags::STRIDED_RO,
        Flags::RECORDS,
        Flags::RECORDS_RO,
        Flags::FULL,
        Flags::FULL_RO,
        Flags::from_bits(c.flags),
    ];
    for f in named {
        let got = nd.get_buffer(f);
        let model = models::ndarray_getbuf(f.bits(), cc, fc, !c.writable);
        same(
            &format!("get_buffer({f:?}) accepted"),
            got.as_ref().map(|_| ()).map_err(|e| e.to_string()),
            model,
        )?;
        if let Ok(b) = got {
            same(
                &format!("get_buffer({f:?}).to_vec()"),
                outcome(b.to_vec()),
                Ok(c_order.to_vec()),
            )?;
            same(&format!("get_buffer({f:?}).len()"), b.len(), c_order.len())?;
            // ndarray_getbuf: what each missing flag takes away.
            let bits = f.bits();
            let nd = bits & 0x8 != 0;
            same(
                &format!("get_buffer({f:?}).ndim()"),
                b.ndim(),
                if nd { shape.len() } else { 1 },
            )?;
            same(
                &format!("get_buffer({f:?}).shape()"),
                b.shape(),
                nd.then_some(shape),
            )?;
            same(
                &format!("get_buffer({f:?}).strides()"),
                b.strides(),
                (bits & 0x18 == 0x18).then_some(strides),
            )?;
            same(
                &format!("get_buffer({f:?}).format()"),
                b.format(),
                (bits & 0x4 != 0).then_some(fmt),
            )?;
            if !nd {
                // Plain bytes: get(i) is the i-th byte of the C-order copy.
                let i = (c.probe[0] % (c_order.len() as u64 + 1)) as usize;
                same(
                    &format!("get_buffer({f:?}).get({i})"),
                    b.get(i).ok(),
                    c_order.get(i).copied(),
                )?;
            }
        }
    }
    Ok(())
}

/// A view of at least 2**44 items: every reader that would materialise it
/// must fail (CPython: MemoryError), none may panic; item access works.
#[allow(clippy::too_many_arguments)]
fn huge(
    c: &Case,
    v: &MemoryView,
    nd: &NdArray,
    data: &[u8],
    strides: &[isize],
    size: usize,
    cc: bool,
    fc: bool,
) -> Check {
    let must_fail = [
        ("tobytes", v.tobytes().is_err()),
        ("tobytes_order(F)", v.tobytes_order(Some("F")).is_err()),
        ("tobytes_order(A)", v.tobytes_order(Some("A")).is_err()),
        ("hex", v.hex().is_err()),
        ("tolist", v.tolist().is_err()),
        ("hash", v.hash().is_err()),
    ];
    for (what, failed) in must_fail {
        if !failed {
            return fail(format!("{what} of a view of 2**44 or more items succeeded"));
        }
    }
    if !c.shape.contains(&0) {
        let idx: Vec<usize> = c
            .shape
            .iter()
            .zip(c.probe.iter().cycle())
            .map(|(&n, &p)| (p as u128 % n as u128) as usize)
            .collect();
        let off = idx
            .iter()
            .zip(strides)
            .fold(c.offset as i128, |a, (&i, &s)| {
                a.saturating_add((i as i128).saturating_mul(s as i128))
            });
        let iidx: Option<Vec<isize>> = idx.iter().map(|&i| isize::try_from(i).ok()).collect();
        if let (Some(iidx), Some((ch, _))) = (iidx, models::native_fmtchar(FORMATS[c.fmt].0)) {
            let want = models::unpack(ch, &data[off as usize..off as usize + size]);
            match v.get_at(&iidx) {
                Ok(x) if same_value(&x, &want) => {}
                other => {
                    return fail(format!(
                        "get_at({iidx:?}) of a huge view: crate {other:?}, model {want:?}"
                    ))
                }
            }
        }
    }
    for f in [
        Flags::SIMPLE,
        Flags::FULL_RO,
        Flags::C_CONTIGUOUS,
        Flags::from_bits(c.flags),
    ] {
        let got = nd.get_buffer(f);
        let model = models::ndarray_getbuf(f.bits(), cc, fc, !c.writable);
        if got.is_ok() && model.is_err() {
            return fail(format!(
                "get_buffer({f:?}) of a huge view accepted; model {model:?}"
            ));
        }
        if let Ok(b) = got {
            let _ = b.len();
            if b.to_vec().is_ok() {
                return fail(format!(
                    "get_buffer({f:?}).to_vec() of a huge view succeeded"
                ));
            }
        }
    }
    Ok(())
}

/// The same layout as a public `Layout` and through `Foreign` (memory owned
/// elsewhere): the layout's own readers, and a view's, must agree with the
/// model and must not panic.
fn layout_and_foreign(
    c: &Case,
    data: &[u8],
    strides: &[isize],
    nitems: u128,
    valid: bool,
    bounds: bool,
    sane: bool,
) -> Check {
    let (fmt, size) = FORMATS[c.fmt];
    let Ok(offset) = isize::try_from(c.offset) else {
        return Ok(());
    };
    let Ok(l) = Layout::new(offset, size, fmt, c.shape.clone(), strides.to_vec()) else {
        return Ok(());
    };
    // With a zero dimension the product of the others may overflow; only
    // a layout whose every partial product fits has an exact answer.
    let partial_fits = c
        .shape
        .iter()
        .try_fold(1usize, |p, &n| p.checked_mul(n))
        .is_some();
    if partial_fits {
        same(
            "Layout::nitems",
            l.nitems().map(|n| n as u128),
            Some(nitems),
        )?;
    }
    let _ = (
        l.nbytes(),
        l.c_contiguous(),
        l.f_contiguous(),
        l.contiguous(),
        l.fits(data.len()),
    );
    let small = nitems <= 4096;
    match (l.item_offsets(), small && valid && sane) {
        (Ok(o), true) => same(
            "Layout::item_offsets",
            o,
            models::item_offsets(&c.shape, strides, c.offset, false),
        )?,
        (Err(e), true) => {
            return fail(format!(
                "Layout::item_offsets failed on a valid layout: {e}"
            ))
        }
        (Ok(o), false) if !small => {
            return fail(format!(
                "Layout::item_offsets of {nitems} items gave {} offsets",
                o.len()
            ))
        }
        _ => {}
    }
    match (l.item_offsets_fortran(), small && valid && sane) {
        (Ok(o), true) => same(
            "Layout::item_offsets_fortran",
            o,
            models::item_offsets(&c.shape, strides, c.offset, true),
        )?,
        (Err(e), true) => {
            return fail(format!(
                "Layout::item_offsets_fortran failed on a valid layout: {e}"
            ))
        }
        _ => {}
    }
    if !c.shape.contains(&0) {
        let idx: Vec<usize> = c
            .shape
            .iter()
            .zip(c.probe.iter().cycle())
            .map(|(&n, &p)| (p as u128 % n as u128) as usize)
            .collect();
        let off = idx.iter().zip(strides).fold(offset as i128, |a, (&i, &s)| {
            a.saturating_add((i as i128).saturating_mul(s as i128))
        });
        let want = usize::try_from(off).ok();
        if valid && sane {
            same(
                &format!("Layout::byte_offset({idx:?})"),
                l.byte_offset(&idx),
                want,
            )?;
        } else {
            let _ = l.byte_offset(&idx);
        }
    }
    let mem = Arc::new(Mem(data.iter().map(|&b| AtomicU8::new(b)).collect()));
    let f = match (Foreign::new(mem, l, !c.writable, "foreign"), bounds) {
        (Ok(f), _) => f,
        (Err(_), false) => return Ok(()),
        (Err(e), true) if sane => {
            return fail(format!(
                "Foreign::new refused a layout inside its memory: {e}"
            ))
        }
        (Err(_), true) => return Ok(()),
    };
    if !bounds {
        return fail("Foreign::new accepted a layout outside its memory");
    }
    let v = match MemoryView::new(&f) {
        Ok(v) => v,
        Err(_) if !sane => return Ok(()),
        Err(e) => return fail(format!("MemoryView::new of a valid Foreign failed: {e}")),
    };
    if small {
        let want: Vec<u8> = models::item_offsets(&c.shape, strides, c.offset, false)
            .into_iter()
            .flat_map(|o| data[o..o + size].to_vec())
            .collect();
        same(
            "Foreign tobytes",
            v.tobytes().map(|b| b.to_vec()).ok(),
            Some(want.clone()),
        )?;
        same(
            "Foreign get_buffer(FULL_RO).to_vec()",
            f.get_buffer(Flags::FULL_RO).and_then(|b| b.to_vec()).ok(),
            Some(want),
        )?;
    } else {
        for (what, failed) in [
            ("tobytes", v.tobytes().is_err()),
            ("tolist", v.tolist().is_err()),
            ("hex", v.hex().is_err()),
            ("tobytes_order(F)", v.tobytes_order(Some("F")).is_err()),
        ] {
            if !failed {
                return fail(format!(
                    "Foreign {what} of a view of {nitems} items succeeded"
                ));
            }
        }
        if let Ok(b) = f.get_buffer(Flags::FULL_RO) {
            if b.to_vec().is_ok() {
                return fail("Foreign get_buffer(FULL_RO).to_vec() of a huge view succeeded");
            }
        }
    }
    Ok(())
}

#[derive(Debug)]
struct Mem(Vec<AtomicU8>);

impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}

pub fn to_value(x: &models::Item) -> bufproto::format::Value {
    use bufproto::format::Value;
    match x {
        models::Item::Int(i) => Value::Int(*i),
        models::Item::Float(f) => Value::Float(*f),
        models::Item::Bool(b) => Value::Bool(*b),
        models::Item::Byte(b) => Value::Bytes(vec![*b]),
    }
}

/// The crate's value is the model's (NaN matches NaN).
pub fn same_value(v: &bufproto::format::Value, m: &models::Item) -> bool {
    use bufproto::format::Value;
    match (v, m) {
        (Value::Float(a), models::Item::Float(b)) => {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (Value::Int(a), models::Item::Int(b)) => a == b,
        (Value::Bool(a), models::Item::Bool(b)) => a == b,
        (Value::Bytes(a), models::Item::Byte(b)) => a[..] == [*b],
        _ => false,
    }
}

#[test]
fn layouts() {
    harness::run("layouts", 1500, case(), check);
}

/// `NdArray`'s default (C) strides are `_testbuffer`'s `strides_from_shape`:
/// the outermost length is never multiplied in and a zero length makes the
/// strides left of it 0. The values are python3 3.11's
/// `_testbuffer.ndarray([1], shape=..., format=...).strides` (issue 13:
/// the crate once gave (1, 1) where CPython gives (0, 1)).
#[test]
fn ndarray_default_strides_match_testbuffer() {
    let cases: [(&[usize], &str, &[isize]); 5] = [
        (&[0, 0], "B", &[0, 1]),
        (&[2, 0, 3], "B", &[0, 3, 1]),
        (&[0, 3], "B", &[3, 1]),
        (&[3, 0], "B", &[0, 1]),
        (&[2, 3], "i", &[12, 4]),
    ];
    let mut wrong = Vec::new();
    for (shape, fmt, want) in cases {
        let nd = NdArray::c_order(vec![0; 24], fmt, shape.to_vec()).expect("a valid array");
        if nd.layout().strides() != want {
            wrong.push(format!(
                "{shape:?} {fmt}: crate {:?}, CPython {want:?}",
                nd.layout().strides()
            ));
        }
        // Also the model of the `layouts` target.
        assert_eq!(
            c_strides(shape, if fmt == "i" { 4 } else { 1 }).as_deref(),
            Some(want)
        );
    }
    assert!(
        wrong.is_empty(),
        "default strides differ from CPython's: {wrong:?}"
    );
}
