//! Equality and hashing. Reference: `memory_richcompare` compares the
//! unpacked item lists (struct unpacking for formats that differ or are not
//! native; a format struct cannot parse makes even `m == m` false), and the
//! hash of a read-only byte view is the hash of its `tobytes()`.

use std::sync::atomic::AtomicU8;
use std::sync::Arc;

use bufproto::layout::Layout;
use bufproto::{ByteArray, Bytes, Foreign, ForeignMemory, MemoryView, NdArray};

#[derive(Debug)]
struct Mem(Vec<AtomicU8>);

impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}
use proptest::prelude::*;

use crate::harness::{self, fail, same, Check};
use crate::models::{self, Item};

/// (format, itemsize); the last two are not understood by `struct`.
const FORMATS: &[(&str, usize)] = &[
    ("B", 1),
    ("b", 1),
    ("c", 1),
    ("?", 1),
    ("h", 2),
    ("H", 2),
    ("e", 2),
    ("f", 4),
    ("d", 8),
    ("@B", 1),
    ("2B", 2),
    ("<h", 2),
    ("=B", 1),
    ("T{h}", 2),
    ("Zx", 2),
];

/// One item of `fmt` as `struct.unpack` then `struct_unpack_single` see it
/// (a 1-tuple is unwrapped); `None`: struct cannot parse the format.
fn item(fmt: &str, b: &[u8]) -> Option<Vec<Item>> {
    if let Some((c, _)) = models::native_fmtchar(fmt) {
        return Some(vec![models::unpack(c, b)]);
    }
    match fmt {
        "2B" => Some(vec![
            Item::Int(i128::from(b[0])),
            Item::Int(i128::from(b[1])),
        ]),
        "<h" => Some(vec![Item::Int(i128::from(i16::from_le_bytes([
            b[0], b[1],
        ])))]),
        "=B" => Some(vec![Item::Int(i128::from(b[0]))]),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct Side {
    fmt: usize,
    data: Vec<u8>,
    rows: usize,
    step: isize,
}

fn side() -> impl Strategy<Value = Side> {
    (
        0..FORMATS.len(),
        prop::collection::vec(
            prop_oneof![Just(0u8), Just(0x7f), Just(0xff), any::<u8>()],
            0..24,
        ),
        1usize..3,
        prop::sample::select(vec![1isize, 1, 2, -1, -3]),
    )
        .prop_map(|(fmt, data, rows, step)| Side {
            fmt,
            data,
            rows,
            step,
        })
}

/// The view (an `NdArray` of `rows` rows, sliced by `step` along the first
/// dimension) and the model's shape and items in C order.
/// A view, its model shape and its items' bytes.
type Built = (MemoryView, Vec<usize>, Vec<Vec<u8>>);

fn build(s: &Side) -> Result<Built, TestCaseError> {
    let (fmt, size) = FORMATS[s.fmt];
    let per_row = s.data.len() / size / s.rows;
    let data = s.data[..per_row * size * s.rows].to_vec();
    let shape = vec![s.rows, per_row];
    let v = if item(fmt, &[0; 8]).is_some() {
        let nd = NdArray::c_order(data.clone(), fmt, shape)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        MemoryView::new(&nd)
    } else {
        // NdArray refuses formats struct cannot parse; a foreign exporter
        // (a Python buffer) may still present them.
        let strides = vec![(per_row * size) as isize, size as isize];
        let layout = Layout::new(0, size, fmt, shape, strides)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mem = Arc::new(Mem(data.iter().map(|&b| AtomicU8::new(b)).collect()));
        let f = Foreign::new(mem, layout, true, "foreign")
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        MemoryView::new(&f)
    };
    let v = v
        .and_then(|m| m.slice(None, None, Some(s.step)))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let rows =
        models::slice_positions(s.rows, None, None, Some(s.step)).map_err(TestCaseError::fail)?;
    let items = rows
        .iter()
        .flat_map(|&r| (0..per_row).map(move |k| (r * per_row + k) * size))
        .map(|o| data[o..o + size].to_vec())
        .collect();
    Ok((v, vec![rows.len(), per_row], items))
}

fn model_equal(
    fa: &str,
    a: &[Vec<u8>],
    sa: &[usize],
    fb: &str,
    b: &[Vec<u8>],
    sb: &[usize],
) -> bool {
    // equiv_shape: same ndim, same lengths up to the first zero.
    for (x, y) in sa.iter().zip(sb) {
        if x != y {
            return false;
        }
        if *x == 0 {
            break;
        }
    }
    if sa.len() != sb.len() {
        return false;
    }
    if a.is_empty() && b.is_empty() {
        // No item is unpacked, but the unpackers are made first when the
        // formats are not the same native one.
        let same_native = models::native_fmtchar(fa).is_some()
            && models::native_fmtchar(fa) == models::native_fmtchar(fb);
        return same_native || (item(fa, &[0; 8]).is_some() && item(fb, &[0; 8]).is_some());
    }
    // The same native '?' on both sides takes unpack_cmp's fast path,
    // CMP_SINGLE on `_Bool`: x86-64 gcc builds compare the bytes (3.11 here:
    // '?' views of b'\x7f' and b'\xff' are unequal; Pyodide's clang build
    // says equal). The crate follows the native build.
    let (na, nb) = (models::native_fmtchar(fa), models::native_fmtchar(fb));
    if matches!((na, nb), (Some(('?', _)), Some(('?', _)))) {
        return a == b;
    }
    a.iter()
        .zip(b)
        .all(|(x, y)| match (item(fa, x), item(fb, y)) {
            (Some(p), Some(q)) => p == q,
            _ => false,
        })
}

fn check(a: Side, b: Side, cast: usize, bounds: (isize, isize)) -> Check {
    let (va, sa, ia) = build(&a)?;
    let (vb, sb, ib) = build(&b)?;
    let (fa, fb) = (FORMATS[a.fmt].0, FORMATS[b.fmt].0);
    same(
        "a == a",
        va.equals(&va),
        model_equal(fa, &ia, &sa, fa, &ia, &sa),
    )?;
    same(
        "a == b",
        va.equals(&vb),
        model_equal(fa, &ia, &sa, fb, &ib, &sb),
    )?;
    same(
        "b == a",
        vb.equals(&va),
        model_equal(fb, &ib, &sb, fa, &ia, &sa),
    )?;

    // Hash of a read-only byte view over bytes: the hash of its tobytes.
    let bytes = Bytes::from(&a.data[..]);
    let fmt = ["B", "b", "c"][cast % 3];
    let m = MemoryView::new(&bytes)
        .and_then(|m| m.cast(fmt))
        .and_then(|m| {
            m.slice(
                Some(bounds.0),
                Some(bounds.1),
                Some([1, 2, -1, -2][cast / 3 % 4]),
            )
        });
    let m = m.map_err(|e| TestCaseError::fail(e.to_string()))?;
    let content = m
        .tobytes()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    same(
        "hash(read-only byte view)",
        m.hash().ok(),
        Some(Bytes::from(content.to_vec()).hash_value()),
    )?;
    let hb = m.hash().ok();
    let copy = Bytes::from(content.to_vec());
    let mc = MemoryView::new(&copy).map_err(|e| TestCaseError::fail(e.to_string()))?;
    same("hash of an equal view", mc.hash().ok(), hb)?;
    // Only "B" equals bytes item for item ("b" reads 255 as -1).
    if !m.equals(&mc) && fmt == "B" {
        return fail("a byte view differs from the bytes of its own tobytes()");
    }
    let ba = ByteArray::from(&a.data[..]);
    let w = MemoryView::new(&ba).map_err(|e| TestCaseError::fail(e.to_string()))?;
    same(
        "hash of a writable view",
        w.hash().map_err(|e| e.to_string()),
        Err("ValueError: cannot hash writable memoryview object".into()),
    )
}

#[test]
fn equality_hashing() {
    harness::run(
        "equality_hashing",
        2000,
        (side(), side(), 0usize..12, (-30isize..30, -30isize..30)),
        |(a, b, c, bo)| check(a, b, c, bo),
    );
}
