//! `==` of views whose format the `struct` module cannot parse: CPython's
//! `memory_richcompare` builds both unpackers before it looks at any item,
//! so such views are unequal to everything, themselves included, even
//! when they have no items (ctypes arrays of structures export such
//! formats: `T{<i:x:}`).

mod fidelity_common;

use std::sync::Arc;
use std::sync::atomic::AtomicU8;

use bufproto::foreign::{Foreign, ForeignMemory};
use bufproto::layout::Layout;
use bufproto::{Bytes, Error, MemoryView};
use fidelity_common::python_using;

#[derive(Debug)]
struct Mem(Vec<AtomicU8>);
impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}

/// A `ctypes`-like array of `n` 4-byte items of format `format`.
fn carray(format: &str, n: usize) -> Result<Foreign, Error> {
    let mem = Arc::new(Mem((0..4 * n).map(|_| AtomicU8::new(0)).collect()));
    let layout = Layout::new(0, 4, format, vec![n], vec![4])?;
    Foreign::new(mem, layout, false, "S_Array")
}

/// `(m == m, m == memoryview(obj), m != m, m == b'')` for these arrays,
/// from CPython 3.11 (and 3.14 in Pyodide, which agrees):
/// `T{<i:x:}` → `False False True False` for 0 and 2 items; `<i` with 0
/// items → `True True False True`.
#[test]
fn unparseable_formats_are_unequal_even_to_themselves() -> Result<(), Error> {
    let answer = |f: &Foreign| -> Result<String, Error> {
        let m = MemoryView::new(f)?;
        let other = MemoryView::new(f)?;
        let r = (m == m, m == other, m != m, m == Bytes::default());
        Ok(format!(
            "{} {} {} {}",
            py_bool(r.0),
            py_bool(r.1),
            py_bool(r.2),
            py_bool(r.3)
        ))
    };
    let ours = [
        answer(&carray("T{<i:x:}", 0)?)?,
        answer(&carray("T{<i:x:}", 2)?)?,
        answer(&carray("<i", 0)?)?,
    ];
    assert_eq!(
        ours,
        [
            "False False True False",
            "False False True False",
            "True True False True"
        ]
    );
    let script = "import ctypes\n\
        class S(ctypes.Structure): _fields_ = [('x', ctypes.c_int)]\n\
        for a in [(S * 0)(), (S * 2)(), (ctypes.c_int * 0)()]:\n    \
            m = memoryview(a)\n    \
            print(m.format, m == m, m == memoryview(a), m != m, m == b'')\n";
    if let Some(py) = python_using("ctypes", script, "") {
        let expect: Vec<String> = ["T{<i:x:}", "T{<i:x:}", "<i"]
            .iter()
            .zip(&ours)
            .map(|(f, r)| format!("{f} {r}"))
            .collect();
        assert_eq!(py.lines().collect::<Vec<_>>(), expect);
    }
    Ok(())
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}
