//! PIL-style (indirect) layouts. Two attacks:
//!
//! * `pil_arrays`: `NdArray::pil` with any shape, strides, offset and
//!   format. Reference: the direct `NdArray::new` of the same arguments
//!   (making an array indirect changes no item), `init_suboffsets` of
//!   `_testbuffer.c` for the strides and suboffsets, and `ndarray_getbuf`
//!   for which requests an indirect array refuses.
//! * `pil_pointers`: random pointer tables in foreign memory, pointing in
//!   and out of it, under random layouts with random suboffsets.
//!   Reference: `ptr_from_tuple`/`ADJUST_PTR` (`memoryobject.c`) over a
//!   plain copy of the bytes, where following a pointer that leaves the
//!   memory (or reaching an item that does not fit) is the crate's
//!   `BufferError`, which CPython would not check.

use std::sync::atomic::AtomicU8;
use std::sync::Arc;

use bufproto::layout::Layout;
use bufproto::{Exporter, Flags, Foreign, ForeignMemory, MemoryView, NdArray};
use proptest::prelude::*;

use crate::harness::{self, fail, same, Check};
use crate::targets::extreme_isize;

const PTR: usize = std::mem::size_of::<usize>();
const OUTSIDE: &str = "BufferError: suboffsets: pointer outside the exporter's memory";

/// (format, itemsize): integer formats, so that `==` is byte equality.
const FORMATS: &[(&str, usize)] = &[("B", 1), ("b", 1), ("h", 2), ("i", 4), ("q", 8)];

#[derive(Debug, Clone)]
struct PilInput {
    format: usize,
    nitems: usize,
    shape: Vec<usize>,
    strides: Option<Vec<isize>>,
    offset: usize,
    writable: bool,
    pick: Vec<usize>,
    slice: (Option<isize>, Option<isize>, Option<isize>),
    flags: u32,
}

fn pil_input() -> impl Strategy<Value = PilInput> {
    (
        0..FORMATS.len(),
        1usize..30,
        prop::collection::vec(0usize..4, 1..=3),
        prop::option::of(prop::collection::vec(-3isize..=3, 3)),
        0usize..30,
        any::<bool>(),
        prop::collection::vec(any::<usize>(), 3),
        (
            prop::option::of(extreme_isize()),
            prop::option::of(extreme_isize()),
            prop::option::of(extreme_isize()),
        ),
        0u32..0x200,
    )
        .prop_map(
            |(format, nitems, shape, strides, offset, writable, pick, slice, flags)| {
                let size = FORMATS[format].1;
                let nd = shape.len();
                PilInput {
                    format,
                    nitems,
                    strides: strides.map(|s| {
                        s[..nd]
                            .iter()
                            .map(|&k| k * isize::try_from(size).unwrap_or(1))
                            .collect()
                    }),
                    offset: offset * size,
                    shape,
                    writable,
                    pick,
                    slice,
                    flags,
                }
            },
        )
}

/// `init_suboffsets`: the strides and suboffsets `_testbuffer` reports
/// for a PIL-style copy of a direct layout.
fn testbuffer_pil(shape: &[usize], strides: &[isize]) -> (Vec<isize>, Vec<isize>) {
    let mut suboffset0 = 0isize;
    for (n, (&len, &st)) in shape.iter().zip(strides).enumerate() {
        if len == 0 {
            break;
        }
        if st <= 0 && n >= 1 {
            suboffset0 -= (len as isize - 1) * st;
        }
    }
    let mut st = strides.to_vec();
    st[0] = if strides[0] >= 0 {
        PTR as isize
    } else {
        -(PTR as isize)
    };
    let mut sub = vec![-1; shape.len()];
    sub[0] = suboffset0;
    (st, sub)
}

/// `ndarray_getbuf` for an indirect array: never contiguous.
fn pil_request(flags: Flags, readonly: bool) -> Result<(), String> {
    let e = |m: &str| Err(format!("BufferError: {m}"));
    if flags.contains(Flags::WRITABLE) && readonly {
        return e("ndarray is not writable");
    }
    if flags.contains(Flags::C_CONTIGUOUS) {
        return e("ndarray is not C-contiguous");
    }
    if flags.contains(Flags::F_CONTIGUOUS) {
        return e("ndarray is not Fortran contiguous");
    }
    if flags.contains(Flags::ANY_CONTIGUOUS) {
        return e("ndarray is not contiguous");
    }
    if !flags.contains(Flags::INDIRECT) {
        return e("ndarray cannot be represented without suboffsets");
    }
    Ok(())
}

fn text<T: std::fmt::Debug>(r: bufproto::Result<T>) -> Result<String, String> {
    r.map(|v| format!("{v:?}")).map_err(|e| e.to_string())
}

/// A `tolist` result as Python's `repr`: rows built in a native type and
/// rows built item by item are the same list.
fn list_text(r: bufproto::Result<bufproto::Nested>) -> Result<String, String> {
    r.map(|v| v.to_string()).map_err(|e| e.to_string())
}

fn check_pil(c: PilInput) -> Check {
    let (fmt, size) = FORMATS[c.format];
    let data: Vec<u8> = (0..c.nitems * size).map(|k| (k * 7 + 3) as u8).collect();
    let make = |pil: bool| {
        let f = if pil { NdArray::pil } else { NdArray::new };
        f(
            data.clone(),
            fmt,
            c.shape.clone(),
            c.strides.clone(),
            c.offset,
            c.writable,
        )
    };
    let (d, p) = match (make(false), make(true)) {
        (Err(a), Err(b)) => return same("refusal", b.to_string(), a.to_string()),
        (Ok(_), Err(e)) => return fail(format!("pil refused a valid array: {e}")),
        (Err(e), Ok(_)) => return fail(format!("pil accepted what new refuses: {e}")),
        (Ok(d), Ok(p)) => (d, p),
    };
    let (st, sub) = testbuffer_pil(d.layout().shape(), d.layout().strides());
    same("strides", p.layout().strides(), &st[..])?;
    same("suboffsets", p.layout().suboffsets(), Some(&sub[..]))?;
    let flags = Flags::from_bits(c.flags);
    same(
        "get_buffer",
        p.get_buffer(flags).map(drop).map_err(|e| e.to_string()),
        pil_request(flags, !c.writable),
    )?;
    let (md, mp) = (MemoryView::new(&d), MemoryView::new(&p));
    let (md, mp) = match (md, mp) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => return fail(format!("views: direct {:?}, pil {:?}", a.err(), b.err())),
    };
    same(
        "contiguity",
        (mp.c_contiguous(), mp.f_contiguous(), mp.contiguous()).eq(&(
            Ok(false),
            Ok(false),
            Ok(false),
        )),
        true,
    )?;
    same("tolist", list_text(mp.tolist()), list_text(md.tolist()))?;
    for order in ["C", "F", "A"] {
        let want = if order == "A" { "C" } else { order };
        same(
            "tobytes",
            text(mp.tobytes_order(Some(order))),
            text(md.tobytes_order(Some(want))),
        )?;
    }
    same("hex", text(mp.hex()), text(md.hex()))?;
    same(
        "==",
        (mp.equals(&d), md.equals(&p), mp.equals(&mp)),
        (true, true, true),
    )?;
    if !c.writable && size == 1 {
        same("hash", text(mp.hash()), text(md.hash()))?;
    }
    let index: Vec<isize> = c
        .shape
        .iter()
        .zip(&c.pick)
        .map(|(&n, &k)| if n == 0 { 0 } else { (k % n) as isize })
        .collect();
    same("get_at", text(mp.get_at(&index)), text(md.get_at(&index)))?;
    let (a, b, s) = c.slice;
    match (md.slice(a, b, s), mp.slice(a, b, s)) {
        (Ok(x), Ok(y)) => {
            same("slice tolist", list_text(y.tolist()), list_text(x.tolist()))?;
            same(
                "slice suboffsets",
                text(y.suboffsets()),
                text(mp.suboffsets()),
            )?;
        }
        (x, y) => same("slice", text(y.map(drop)), text(x.map(drop)))?,
    }
    if c.shape.len() == 1 {
        same("count", text(mp.count(3)), text(md.count(3)))?;
    }
    if c.writable {
        let (x, y) = (md.set_at(&index, 7), mp.set_at(&index, 7));
        same("set_at", text(y), text(x))?;
        same(
            "tolist after set",
            list_text(mp.tolist()),
            list_text(md.tolist()),
        )?;
    }
    Ok(())
}

#[test]
fn pil_arrays() {
    harness::run("pil_arrays", 1000, pil_input(), check_pil);
}

#[derive(Debug)]
struct Mem(Vec<AtomicU8>);

impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}

const LEN: usize = 64;

#[derive(Debug, Clone)]
struct PointerInput {
    bytes: Vec<u8>,
    /// (cell index 0..8, target offset from the memory's start).
    pointers: Vec<(usize, isize)>,
    shape: Vec<usize>,
    strides: Vec<isize>,
    suboffsets: Vec<isize>,
    offset: isize,
}

fn pointer_input() -> impl Strategy<Value = PointerInput> {
    (
        prop::collection::vec(any::<u8>(), LEN),
        prop::collection::vec((0usize..8, -10isize..(LEN as isize + 10)), 0..8),
        // Strides and offsets often multiples of 8, so that cells line up
        // with the pointers planted every 8 bytes.
        prop::collection::vec(
            (
                1usize..4,
                prop_oneof![-16isize..=16, (-2isize..=2).prop_map(|k| k * 8)],
                -1isize..6,
            ),
            1..=3,
        ),
        prop_oneof![-4isize..(LEN as isize + 4), (0isize..8).prop_map(|k| k * 8)],
    )
        .prop_map(|(bytes, pointers, dims, offset)| PointerInput {
            bytes,
            pointers,
            shape: dims.iter().map(|d| d.0).collect(),
            strides: dims.iter().map(|d| d.1).collect(),
            suboffsets: dims.iter().map(|d| d.2.max(-1)).collect(),
            offset,
        })
}

/// `ptr_from_tuple` over a copy of the memory, every step checked.
fn model_item(mem: &[u8], base: usize, c: &PointerInput, index: &[usize]) -> Result<u8, String> {
    let mut addr = c.offset;
    for (d, &i) in index.iter().enumerate() {
        addr += i as isize * c.strides[d];
        let sub = c.suboffsets[d];
        if sub >= 0 {
            let at = usize::try_from(addr).map_err(|_| OUTSIDE.to_string())?;
            let cell = mem.get(at..at + PTR).ok_or_else(|| OUTSIDE.to_string())?;
            let target = usize::from_ne_bytes(cell.try_into().map_err(|_| OUTSIDE)?);
            let off = target.wrapping_sub(base);
            if off >= mem.len() {
                return Err(OUTSIDE.into());
            }
            addr = off as isize + sub;
        }
    }
    let at = usize::try_from(addr).map_err(|_| OUTSIDE.to_string())?;
    mem.get(at).copied().ok_or_else(|| OUTSIDE.to_string())
}

/// Whether the part read before the first pointer fits (`Layout::fits`).
fn model_fits(c: &PointerInput) -> bool {
    let k = c.suboffsets.iter().position(|&s| s >= 0);
    let (dims, item) = match k {
        Some(k) => (k + 1, PTR as isize),
        None => (c.shape.len(), 1),
    };
    let (mut lo, mut hi) = (c.offset, c.offset);
    for d in 0..dims {
        let span = (c.shape[d] as isize - 1) * c.strides[d];
        if span < 0 {
            lo += span;
        } else {
            hi += span;
        }
    }
    lo >= 0 && hi + item <= LEN as isize
}

fn check_pointers(c: PointerInput) -> Check {
    let mem: Vec<AtomicU8> = c.bytes.iter().map(|&b| AtomicU8::new(b)).collect();
    let base = mem.as_ptr() as usize;
    let mut copy = c.bytes.clone();
    for &(cell, target) in &c.pointers {
        let at = cell * PTR;
        let real = base.wrapping_add_signed(target).to_ne_bytes();
        for k in 0..PTR {
            mem[at + k].store(real[k], std::sync::atomic::Ordering::Relaxed);
        }
        copy[at..at + PTR].copy_from_slice(&real);
    }
    let layout = Layout::new(c.offset, 1, "B", c.shape.clone(), c.strides.clone())
        .and_then(|l| l.with_suboffsets(c.suboffsets.clone()));
    let layout = match layout {
        Ok(l) => l,
        Err(e) => return fail(format!("layout refused: {e}")),
    };
    let f = match Foreign::new(Arc::new(Mem(mem)), layout, false, "pil") {
        Ok(f) => f,
        Err(e) => {
            return same("Foreign::new refused", model_fits(&c), false)
                .map_err(|x| proptest::test_runner::TestCaseError::fail(format!("{x} ({e})")))
        }
    };
    same("Foreign::new accepted", model_fits(&c), true)?;
    let m = match MemoryView::new(&f) {
        Ok(m) => m,
        Err(e) => return fail(format!("view refused: {e}")),
    };
    // Every item in C order, as the model finds it.
    let mut want: Result<Vec<u8>, String> = Ok(Vec::new());
    let nd = c.shape.len();
    let mut idx = vec![0usize; nd];
    'walk: loop {
        match model_item(&copy, base, &c, &idx) {
            Ok(b) => {
                if let Ok(v) = want.as_mut() {
                    v.push(b);
                }
            }
            Err(e) => {
                want = Err(e);
                break 'walk;
            }
        }
        let mut k = nd;
        loop {
            if k == 0 {
                break 'walk;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < c.shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    if want.is_ok() && c.suboffsets.iter().any(|&s| s >= 0) {
        FOLLOWED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let got = m.tobytes().map(|b| b.to_vec()).map_err(|e| e.to_string());
    same("tobytes", got, want.clone())?;
    let list = m.tolist().map(|l| l.to_string()).map_err(|e| e.to_string());
    same("tolist fails alike", list.is_err(), want.is_err())?;
    let last: Vec<isize> = c.shape.iter().map(|&n| n as isize - 1).collect();
    let lastu: Vec<usize> = c.shape.iter().map(|&n| n - 1).collect();
    same(
        "get_at(last)",
        m.get_at(&last).map_err(|e| e.to_string()),
        model_item(&copy, base, &c, &lastu).map(|b| bufproto::Value::Int(i128::from(b))),
    )?;
    Ok(())
}

/// Inputs whose every item was reached through at least one pointer.
static FOLLOWED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[test]
fn pil_pointers() {
    harness::run("pil_pointers", 2000, pointer_input(), check_pointers);
    // The draw must reach real pointer-following, not only refusals.
    let n = FOLLOWED.load(std::sync::atomic::Ordering::Relaxed);
    assert!(n >= 20, "only {n} inputs followed pointers to every item");
}
