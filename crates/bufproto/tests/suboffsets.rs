//! PIL-style (indirect) arrays: [`NdArray::pil`] against CPython's
//! `_testbuffer.ndarray(..., flags=ND_PIL)` and the builtin `memoryview`
//! over it, field by field and operation by operation; and pointers that
//! leave the memory, which CPython would follow into a crash and the crate
//! refuses with an error.

#[path = "fidelity_common/mod.rs"]
mod fidelity_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use bufproto::foreign::{Foreign, ForeignMemory};
use bufproto::layout::Layout;
use bufproto::{Bytes, Error, ErrorKind, Exporter, Flags, MemoryView, NdArray};
use fidelity_common::{diff, py_tuple, python_using};

/// One array: `list(range(n))` packed as `format`, then shape, strides,
/// offset, writable.
struct Case {
    n: usize,
    format: &'static str,
    shape: Vec<usize>,
    strides: Option<Vec<isize>>,
    offset: usize,
    writable: bool,
}

fn case(
    n: usize,
    format: &'static str,
    shape: &[usize],
    strides: Option<&[isize]>,
    offset: usize,
    writable: bool,
) -> Case {
    Case {
        n,
        format,
        shape: shape.to_vec(),
        strides: strides.map(<[isize]>::to_vec),
        offset,
        writable,
    }
}

fn cases() -> Vec<Case> {
    vec![
        case(6, "B", &[2, 3], None, 0, false),
        case(6, "B", &[2, 3], None, 0, true),
        case(5, "B", &[5], None, 0, true),
        case(6, "B", &[3], Some(&[2]), 1, false),
        case(6, "B", &[3], Some(&[-2]), 5, true),
        case(12, "B", &[3, 4], Some(&[-4, -1]), 11, false),
        case(12, "B", &[3, 4], Some(&[4, -1]), 3, true),
        case(6, "B", &[2, 3], Some(&[1, 2]), 0, false),
        case(6, "B", &[6], Some(&[0]), 0, false),
        case(12, "h", &[2, 3], Some(&[0, -4]), 8, true),
        case(12, "i", &[2, 3, 2], None, 0, true),
        case(24, "q", &[2, 3, 2], Some(&[-48, 16, -8]), 56, false),
        case(6, "B", &[0, 3], None, 0, false),
        case(6, "B", &[2, 0], None, 0, true),
        // No items, a negative strides[0]: pointers aimed below the block
        // (found by the adversarial pil_arrays target).
        case(1, "q", &[2, 0], Some(&[-24, 0]), 0, false),
        case(6, "b", &[3, 2], None, 0, false),
        case(4, "c", &[4], None, 0, false),
    ]
}

fn size(format: &str) -> usize {
    match format {
        "h" => 2,
        "i" => 4,
        "q" => 8,
        _ => 1,
    }
}

fn data(c: &Case) -> Vec<u8> {
    let w = size(c.format);
    (0..c.n)
        .flat_map(|k| (k as u64).to_le_bytes().into_iter().take(w))
        .collect()
}

fn bools(v: &[bool]) -> String {
    v.iter()
        .map(|&b| if b { "True" } else { "False" })
        .collect::<Vec<_>>()
        .join(" ")
}

fn or_err(r: Result<String, Error>) -> String {
    r.unwrap_or_else(|e| e.to_string())
}

/// `b'...'` as Python's repr of bytes prints it (the bytes here are small
/// integers and letters).
fn bytes_repr(b: &[u8]) -> String {
    let mut s = String::from("b'");
    for &x in b {
        match x {
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(char::from(x)),
            _ => s.push_str(&format!("\\x{x:02x}")),
        }
    }
    s.push('\'');
    s
}

const FLAGS: [u32; 8] = [0x0, 0x8, 0x18, 0x38, 0x58, 0x98, 0x11c, 0x11d];

fn view_line(m: &MemoryView) -> Result<String, Error> {
    let mut parts = vec![
        m.tolist()?.to_string(),
        py_tuple(m.strides()?),
        py_tuple(m.suboffsets()?),
        bytes_repr(&m.tobytes()?),
        bytes_repr(&m.tobytes_order(Some("F"))?),
        bytes_repr(&m.tobytes_order(Some("A"))?),
        bools(&[m.c_contiguous()?, m.f_contiguous()?, m.contiguous()?]),
        m.hex()?,
    ];
    parts.push(bools(&[m.equals(m)]));
    Ok(parts.join(" | "))
}

fn crate_line(c: &Case) -> Result<String, Error> {
    // The case's array, as `pil` (suboffsets) or `new` (direct) makes it.
    type Make =
        fn(Vec<u8>, &str, Vec<usize>, Option<Vec<isize>>, usize, bool) -> Result<NdArray, Error>;
    let make = |f: Make, writable: bool| {
        f(
            data(c),
            c.format,
            c.shape.clone(),
            c.strides.clone(),
            c.offset,
            writable,
        )
    };
    let nd = make(NdArray::pil, c.writable)?;
    let l = nd.layout();
    let shape: Vec<isize> = l.shape().iter().map(|&n| n as isize).collect();
    let mut out = vec![
        py_tuple(&shape),
        py_tuple(l.strides()),
        py_tuple(l.suboffsets().unwrap_or(&[])),
    ];
    let m = MemoryView::new(&nd)?;
    out.push(or_err(view_line(&m)));
    for f in FLAGS {
        let fl = Flags::from_bits(f);
        out.push(fidelity_common::outcome(&nd.get_buffer(fl)));
        out.push(fidelity_common::outcome(&m.get_buffer(fl)));
    }
    let direct = make(NdArray::new, false)?;
    out.push(bools(&[m.equals(&direct), m.equals(&nd)]));
    out.push(fidelity_common::outcome(&m.cast("B")));
    out.push(match m.hash() {
        Ok(h) => bools(&[h == m.tobytes()?.hash_value()]),
        Err(e) => e.to_string(),
    });
    if !c.shape.is_empty() && c.shape[0] > 0 {
        for (a, b, s) in [
            (None, None, Some(-1)),
            (Some(1), None, None),
            (None, None, Some(2)),
        ] {
            out.push(or_err(m.slice(a, b, s).and_then(|v| view_line(&v))));
        }
        let last: Vec<isize> = c.shape.iter().map(|&n| n as isize - 1).collect();
        if c.shape.iter().all(|&n| n > 0) {
            out.push(or_err(m.get_at(&last).map(|v| v.to_string())));
        }
        if c.writable && c.shape.iter().all(|&n| n > 0) {
            out.push(fidelity_common::outcome(&m.set_at(&last, 99)));
            if c.shape.len() == 1 && c.shape[0] >= 4 {
                let src = m.slice(Some(0), Some(2), None)?;
                out.push(fidelity_common::outcome(&m.set_slice_from(
                    Some(1),
                    Some(3),
                    None,
                    &src,
                )));
            }
            out.push(m.tolist()?.to_string());
        }
    }
    Ok(out.join(" || "))
}

const PY: &str = r#"
import sys, struct
from _testbuffer import ndarray, ND_PIL, ND_WRITABLE
def out(f):
    try:
        return f()
    except Exception as e:
        return f"{type(e).__name__}: {e}"
def t(v): return repr(tuple(v))
def b(*xs): return " ".join(str(bool(x)) for x in xs)
def view(m):
    return " | ".join([repr(m.tolist()), t(m.strides), t(m.suboffsets),
        repr(m.tobytes()), repr(m.tobytes('F')), repr(m.tobytes('A')),
        b(m.c_contiguous, m.f_contiguous, m.contiguous), m.hex(), b(m == m)])
FLAGS = [0x0, 0x8, 0x18, 0x38, 0x58, 0x98, 0x11c, 0x11d]
for line in sys.stdin:
    n, fmt, shape, strides, offset, writable = eval(line)
    w = struct.calcsize(fmt)
    items = [bytes([k]) for k in range(n)] if fmt == 'c' else list(range(n))
    kw = dict(shape=shape, format=fmt, offset=offset)
    if strides is not None:
        kw['strides'] = strides
    nd = ndarray(items, flags=ND_PIL | (ND_WRITABLE if writable else 0), **kw)
    o = [t(nd.shape), t(nd.strides), t(nd.suboffsets)]
    m = memoryview(nd)
    o.append(out(lambda: view(m)))
    for f in FLAGS:
        o.append(out(lambda: (ndarray(nd, getbuf=f), "ok")[1]))
        o.append(out(lambda: (ndarray(m, getbuf=f), "ok")[1]))
    direct = ndarray(items, **kw)
    o.append(b(m == direct, m == nd))
    o.append(out(lambda: (m.cast('B'), "ok")[1]))
    o.append(out(lambda: b(hash(m) == hash(m.tobytes()))))
    if shape and shape[0] > 0:
        for s in [slice(None, None, -1), slice(1, None), slice(None, None, 2)]:
            o.append(out(lambda: view(m[s])))
        last = tuple(k - 1 for k in shape)
        if all(shape):
            o.append(out(lambda: repr(m[last])))
        if writable and all(shape):
            def put():
                m[last] = 99
                return "ok"
            o.append(out(put))
            if len(shape) == 1 and shape[0] >= 4:
                def move():
                    m[1:3] = m[0:2]
                    return "ok"
                o.append(out(move))
            o.append(repr(m.tolist()))
    print(" || ".join(o))
"#;

fn input(cases: &[Case]) -> String {
    cases
        .iter()
        .map(|c| {
            let strides = match &c.strides {
                Some(s) => format!("{s:?}"),
                None => "None".into(),
            };
            format!(
                "({}, {:?}, {:?}, {}, {}, {})\n",
                c.n,
                c.format,
                c.shape,
                strides,
                c.offset,
                if c.writable { "True" } else { "False" }
            )
        })
        .collect()
}

#[test]
fn pil_arrays_match_testbuffer_and_memoryview() {
    let cases = cases();
    let ours: String = cases
        .iter()
        .map(|c| format!("{}\n", or_err(crate_line(c))))
        .collect();
    // Without python3, the crate's own answers must at least be answers.
    assert!(!ours.contains("OverflowError"), "{ours}");
    if let Some(py) = python_using("_testbuffer", PY, &input(&cases)) {
        let d = diff(&py, &ours);
        assert!(d.is_empty(), "{} differences:\n{}", d.len(), d.join("\n"));
    }
}

#[test]
fn a_zero_dimensional_pil_array_is_refused_as_testbuffer_refuses_it() {
    let e = NdArray::pil(vec![1], "B", vec![], None, 0, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "TypeError: ndim = 0 cannot be used in conjunction with ND_PIL"
    );
}

/// Memory owned "elsewhere", whose pointer table the test writes itself.
#[derive(Debug)]
struct Mem(Box<[AtomicU8]>);
impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}

/// Two pointers then 6 bytes `a..f`: rows at bytes 16 and 19 (2 x 3).
fn table(rows: [usize; 2]) -> (Arc<Mem>, Layout) {
    let mem: Box<[AtomicU8]> = (0..22u8)
        .map(|k| AtomicU8::new(if k >= 16 { b'a' + k - 16 } else { 0 }))
        .collect();
    let base = mem.as_ptr() as usize;
    for (r, &row) in rows.iter().enumerate() {
        let p = base.wrapping_add(row).to_ne_bytes();
        for (k, byte) in p.iter().enumerate() {
            mem[r * 8 + k].store(*byte, Ordering::Relaxed);
        }
    }
    let l = Layout::new(0, 1, "B", vec![2, 3], vec![8, 1])
        .and_then(|l| l.with_suboffsets(vec![0, -1]))
        .unwrap();
    (Arc::new(Mem(mem)), l)
}

#[test]
fn pointers_are_checked_addresses_within_the_memory() -> Result<(), Error> {
    let (mem, l) = table([16, 19]);
    let f = Foreign::new(mem, l, false, "pil")?;
    let m = MemoryView::new(&f)?;
    assert_eq!(m.tobytes()?, Bytes::from(&b"abcdef"[..]));
    m.set_at(&[1, 2], b'F')?;
    assert_eq!(m.tolist()?.to_string(), "[[97, 98, 99], [100, 101, 70]]");
    assert_eq!(
        f.get_buffer(Flags::STRIDED).unwrap_err().to_string(),
        "BufferError: memoryview: underlying buffer requires suboffsets"
    );
    Ok(())
}

#[test]
fn a_pointer_outside_the_memory_is_an_error_not_a_crash() -> Result<(), Error> {
    let outside = "BufferError: suboffsets: pointer outside the exporter's memory";
    // Row 1 points past the end; row 0 one item short of the end: its last
    // two items would be outside; a pointer below the memory wraps.
    for rows in [[16, 22], [20, 19], [16, usize::MAX - 7]] {
        let (mem, l) = table(rows);
        let f = Foreign::new(mem, l, true, "pil")?;
        let m = MemoryView::new(&f)?;
        let msg = |r: Result<String, Error>| r.unwrap_err().to_string();
        assert_eq!(msg(m.tobytes().map(|b| format!("{b:?}"))), outside);
        assert_eq!(msg(m.tolist().map(|l| l.to_string())), outside);
        assert_eq!(
            msg(m.tobytes_order(Some("F")).map(|b| format!("{b:?}"))),
            outside
        );
        assert_eq!(msg(m.hash().map(|h| h.to_string())), outside);
        let bad = if rows[0] != 16 { [0, 2] } else { [1, 0] };
        assert_eq!(msg(m.get_at(&bad).map(|v| v.to_string())), outside);
        assert!(m.slice(None, None, Some(-1)).is_ok()); // no pointer read
        assert!(!m.equals(&m.toreadonly()?));
        let e = f.get_buffer(Flags::FULL_RO)?.to_vec().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BufferError);
    }
    // The pointer table itself must lie in the memory.
    let (mem, _) = table([16, 19]);
    let short = Layout::new(8, 1, "B", vec![2, 3], vec![8, 1])?.with_suboffsets(vec![0, -1])?;
    let e = Foreign::new(mem, short, true, "pil").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ValueError: invalid combination of buffer, shape and strides"
    );
    Ok(())
}
