//! `bytes` and `bytearray` as sequences — `+`, `*`, `+=` and `*=` under
//! exports, `in`, `count`, `find`, `index`, `join`, ordering — against the
//! host's CPython: each case is a Python expression and the crate's call,
//! and their outcomes (`repr` of the value, or `Kind: message`) must be the
//! same, line for line.

mod fidelity_common;

use std::cmp::Ordering;

use bufproto::{ByteArray, Bytes, Error, Exporter, MemoryView, Needle};
use fidelity_common::assert_agrees_with_python;

type Case = (&'static str, fn() -> Result<String, Error>);

fn b(s: &[u8]) -> Bytes {
    Bytes::from(s)
}

fn ba(s: &[u8]) -> ByteArray {
    ByteArray::from(s)
}

/// `memoryview(b"abcd")[::2]`: a view that refuses a simple buffer.
fn strided() -> Result<MemoryView, Error> {
    MemoryView::new(&b(b"abcd"))?.slice(None, None, Some(2))
}

fn py_bool(x: bool) -> String {
    if x { "True" } else { "False" }.into()
}

fn py_find(x: Option<usize>) -> String {
    x.map_or("-1".into(), |p| p.to_string())
}

/// `init` with a view exported (or not) while `f` changes it in place.
fn in_place(
    init: &[u8],
    export: bool,
    f: impl FnOnce(&mut ByteArray) -> Result<(), Error>,
) -> Result<String, Error> {
    let mut a = ba(init);
    let view = if export {
        Some(MemoryView::new(&a)?)
    } else {
        None
    };
    let r = f(&mut a);
    drop(view);
    r.map(|()| format!("{a:?}"))
}

fn order(o: Option<Ordering>, op: &str, with: &str) -> Result<String, Error> {
    let Some(o) = o else {
        return Err(Error::new(
            bufproto::ErrorKind::TypeError,
            format!("'{op}' not supported between instances of 'bytearray' and '{with}'"),
        ));
    };
    Ok(py_bool(match op {
        "<" => o == Ordering::Less,
        ">=" => o != Ordering::Less,
        _ => false,
    }))
}

const CASES: &[Case] = &[
    ("b'ab' + bytearray(b'c')", || {
        Ok(format!("{:?}", b(b"ab").concat(&ba(b"c"))?))
    }),
    ("b'ab' + memoryview(b'abcd')[::2]", || {
        Ok(format!("{:?}", b(b"ab").concat(&strided()?)?))
    }),
    ("bytearray(b'ab') + b'c'", || {
        Ok(format!("{:?}", ba(b"ab").concat(&b(b"c"))?))
    }),
    ("bytearray(b'ab') + memoryview(b'abcd')[::2]", || {
        Ok(format!("{:?}", ba(b"ab").concat(&strided()?)?))
    }),
    ("b'ab' * 3", || Ok(format!("{:?}", b(b"ab").repeat(3)?))),
    ("b'ab' * -1", || Ok(format!("{:?}", b(b"ab").repeat(-1)?))),
    ("b'ab' * 2**62", || {
        Ok(format!("{:?}", b(b"ab").repeat(1 << 62)?))
    }),
    ("b'' * 2**62", || {
        Ok(format!("{:?}", b(b"").repeat(1 << 62)?))
    }),
    ("bytearray(b'') * 2**62", || {
        Ok(format!("{:?}", ba(b"").repeat(1 << 62)?))
    }),
    ("bytearray(b'ab') * 0", || {
        Ok(format!("{:?}", ba(b"ab").repeat(0)?))
    }),
    ("bytearray(b'ab') * 2**62", || {
        Ok(format!("{:?}", ba(b"ab").repeat(1 << 62)?))
    }),
    ("iadd(b'ab', b'c', False)", || {
        in_place(b"ab", false, |a| a.iconcat(&b(b"c")))
    }),
    ("iadd(b'ab', b'', True)", || {
        in_place(b"ab", true, |a| a.iconcat(&b(b"")))
    }),
    ("iadd(b'ab', b'c', True)", || {
        in_place(b"ab", true, |a| a.iconcat(&b(b"c")))
    }),
    ("iadd(b'ab', memoryview(b'abcd')[::2], False)", || {
        in_place(b"ab", false, |a| a.iconcat(&strided()?))
    }),
    ("imul(b'ab', 3, False)", || {
        in_place(b"ab", false, |a| a.irepeat(3))
    }),
    ("imul(b'ab', -2, False)", || {
        in_place(b"ab", false, |a| a.irepeat(-2))
    }),
    ("imul(b'ab', 1, True)", || {
        in_place(b"ab", true, |a| a.irepeat(1))
    }),
    ("imul(b'ab', 2, True)", || {
        in_place(b"ab", true, |a| a.irepeat(2))
    }),
    ("imul(b'ab', 0, True)", || {
        in_place(b"ab", true, |a| a.irepeat(0))
    }),
    ("imul(b'', 5, True)", || {
        in_place(b"", true, |a| a.irepeat(5))
    }),
    ("imul(b'ab', 2**62, True)", || {
        in_place(b"ab", true, |a| a.irepeat(1 << 62))
    }),
    ("300 in b'ab'", || {
        Ok(py_bool(b(b"ab").contains(Needle::Byte(300))?))
    }),
    ("-1 in b'ab'", || {
        Ok(py_bool(b(b"ab").contains(Needle::Byte(-1))?))
    }),
    ("97 in b'ab'", || {
        Ok(py_bool(b(b"ab").contains(Needle::Byte(97))?))
    }),
    ("b'' in b'ab'", || Ok(py_bool(b(b"ab").contains(b"")?))),
    ("b'ac' in b'abc'", || {
        Ok(py_bool(b(b"abc").contains(b"ac")?))
    }),
    ("b'bc' in bytearray(b'abc')", || {
        Ok(py_bool(ba(b"abc").contains(b"bc")?))
    }),
    ("b'abc'.count(b'')", || {
        Ok(b(b"abc").count(b"", None, None)?.to_string())
    }),
    ("b'abc'.count(b'', 3)", || {
        Ok(b(b"abc").count(b"", Some(3), None)?.to_string())
    }),
    ("b'abc'.count(b'', 4)", || {
        Ok(b(b"abc").count(b"", Some(4), None)?.to_string())
    }),
    ("b'abc'.count(b'', 1, -1)", || {
        Ok(b(b"abc").count(b"", Some(1), Some(-1))?.to_string())
    }),
    ("b'aaa'.count(b'aa')", || {
        Ok(b(b"aaa").count(b"aa", None, None)?.to_string())
    }),
    ("b'abc'.count(300)", || {
        Ok(b(b"abc").count(Needle::Byte(300), None, None)?.to_string())
    }),
    ("b'abca'.count(97, 1)", || {
        Ok(b(b"abca")
            .count(Needle::Byte(97), Some(1), None)?
            .to_string())
    }),
    ("b'abcabc'.count(b'bc', -4, -1)", || {
        Ok(b(b"abcabc").count(b"bc", Some(-4), Some(-1))?.to_string())
    }),
    ("bytearray(b'abab').count(b'ab')", || {
        Ok(ba(b"abab").count(b"ab", None, None)?.to_string())
    }),
    ("b'abc'.index(b'd')", || {
        Ok(b(b"abc").index(b"d", None, None)?.to_string())
    }),
    ("b'abc'.index(b'', 4)", || {
        Ok(b(b"abc").index(b"", Some(4), None)?.to_string())
    }),
    ("b'abc'.index(b'', 3)", || {
        Ok(b(b"abc").index(b"", Some(3), None)?.to_string())
    }),
    ("b'abc'.index(99, -1)", || {
        Ok(b(b"abc")
            .index(Needle::Byte(99), Some(-1), None)?
            .to_string())
    }),
    ("b'abc'.index(300)", || {
        Ok(b(b"abc").index(Needle::Byte(300), None, None)?.to_string())
    }),
    ("b'abc'.find(b'', 4)", || {
        Ok(py_find(b(b"abc").find(b"", Some(4), None)?))
    }),
    ("b'abc'.find(b'', 2**63 - 1)", || {
        Ok(py_find(b(b"abc").find(b"", Some(isize::MAX), None)?))
    }),
    ("b'abc'.find(b'c', -100)", || {
        Ok(py_find(b(b"abc").find(b"c", Some(-100), None)?))
    }),
    ("b'abcabc'.find(b'c', 3)", || {
        Ok(py_find(b(b"abcabc").find(b"c", Some(3), None)?))
    }),
    ("b'abcabc'.find(b'ca', 0, 3)", || {
        Ok(py_find(b(b"abcabc").find(b"ca", Some(0), Some(3))?))
    }),
    ("bytearray(b'ab').index(b'x')", || {
        Ok(ba(b"ab").index(b"x", None, None)?.to_string())
    }),
    ("bytearray(b'abc').find(99)", || {
        Ok(py_find(ba(b"abc").find(Needle::Byte(99), None, None)?))
    }),
    (
        "b','.join([b'a', memoryview(b'b'), bytearray(b'c')])",
        || {
            let (x, y, z) = (b(b"a"), MemoryView::new(&b(b"b"))?, ba(b"c"));
            let items: [&dyn Exporter; 3] = [&x, &y, &z];
            Ok(format!("{:?}", b(b",").join(&items)?))
        },
    ),
    ("b','.join([b'a', memoryview(b'abcd')[::2]])", || {
        let (x, y) = (b(b"a"), strided()?);
        let items: [&dyn Exporter; 2] = [&x, &y];
        Ok(format!("{:?}", b(b",").join(&items)?))
    }),
    ("b'--'.join([])", || {
        Ok(format!("{:?}", b(b"--").join(&[])?))
    }),
    ("b'a' < b'b'", || Ok(py_bool(b(b"a") < b(b"b")))),
    ("b'ab' < b'a'", || Ok(py_bool(b(b"ab") < b(b"a")))),
    ("b'a' < b'ab'", || Ok(py_bool(b(b"a") < b(b"ab")))),
    ("b'\\xff' > b'a'", || Ok(py_bool(b(b"\xff") > b(b"a")))),
    ("bytearray(b'a') < bytearray(b'b')", || {
        Ok(py_bool(ba(b"a") < ba(b"b")))
    }),
    ("bytearray(b'a') < b'b'", || {
        order(ba(b"a").compare(&b(b"b")), "<", "bytes")
    }),
    ("bytearray(b'b') >= memoryview(b'b')", || {
        order(
            ba(b"b").compare(&MemoryView::new(&b(b"b"))?),
            ">=",
            "memoryview",
        )
    }),
    ("bytearray(b'b') < memoryview(b'abcd')[::2]", || {
        order(ba(b"b").compare(&strided()?), "<", "memoryview")
    }),
    // The allocation of each result (`sys.getsizeof` less an empty
    // bytearray's, the crate's `capacity()`): a new bytearray is sized
    // exactly (`PyByteArray_FromStringAndSize`), an in-place one grows.
    ("alloc(bytearray(b'abc' * 100) + b'de')", || {
        alloc(&ba(&b"abc".repeat(100)).concat(&b(b"de"))?)
    }),
    ("alloc(bytearray(b'abc') + bytearray(b'x' * 1000))", || {
        alloc(&ba(b"abc").concat(&ba(&[b'x'; 1000]))?)
    }),
    ("alloc(bytearray() + b'')", || {
        alloc(&ba(b"").concat(&b(b""))?)
    }),
    ("alloc(bytearray(b'abc' * 100) * 3)", || {
        alloc(&ba(&b"abc".repeat(100)).repeat(3)?)
    }),
    ("alloc(bytearray(b'ab') * 0)", || {
        alloc(&ba(b"ab").repeat(0)?)
    }),
    ("alloc(iadd(b'abc' * 100, b'de', False))", || {
        let mut a = ba(&b"abc".repeat(100));
        a.iconcat(&b(b"de"))?;
        alloc(&a)
    }),
    ("alloc(imul(b'abc' * 100, 3, False))", || {
        let mut a = ba(&b"abc".repeat(100));
        a.irepeat(3)?;
        alloc(&a)
    }),
    ("alloc(bytearray(300))", || alloc(&ByteArray::zeroed(300)?)),
    ("alloc(bytearray([1, 2, 3]))", || {
        alloc(&ByteArray::from_ints([1, 2, 3])?)
    }),
    ("alloc(bytearray.fromhex('00ff' * 50))", || {
        alloc(&ByteArray::fromhex(&"00ff".repeat(50))?)
    }),
    ("alloc(bytearray(b'abc' * 100)[1:])", || {
        alloc(&ba(&b"abc".repeat(100)).slice(Some(1), None, None)?)
    }),
    ("alloc(bytearray(b'abc' * 100)[::2])", || {
        alloc(&ba(&b"abc".repeat(100)).slice(None, None, Some(2))?)
    }),
    ("alloc(shrunk(b'abc' * 100, 250))", || {
        let mut a = ba(&b"abc".repeat(100));
        a.del_slice(Some(0), Some(250), None)?;
        alloc(&a)
    }),
    ("alloc(shrunk(b'abc' * 100, 100))", || {
        let mut a = ba(&b"abc".repeat(100));
        a.del_slice(Some(0), Some(100), None)?;
        alloc(&a)
    }),
    ("alloc(popped(b'abc' * 100, 200))", || {
        let mut a = ba(&b"abc".repeat(100));
        for _ in 0..200 {
            a.pop(None)?;
        }
        alloc(&a)
    }),
    ("alloc(cleared(b'abc' * 100))", || {
        let mut a = ba(&b"abc".repeat(100));
        a.clear()?;
        alloc(&a)
    }),
    ("alloc(grown(b'abc' * 100, b'x' * 50))", || {
        let mut a = ba(&b"abc".repeat(100));
        a.set_slice(Some(1), Some(2), None, &[b'x'; 50])?;
        alloc(&a)
    }),
];

/// A bytearray's length and allocation, as the script's `alloc` prints them.
fn alloc(a: &ByteArray) -> Result<String, Error> {
    Ok(format!("({}, {})", a.len(), a.capacity()))
}

const SCRIPT: &str = r#"
import sys
def alloc(x):
    return (len(x), sys.getsizeof(x) - sys.getsizeof(bytearray()))
def shrunk(init, n):
    a = bytearray(init)
    del a[:n]
    return a
def popped(init, n):
    a = bytearray(init)
    for _ in range(n):
        a.pop()
    return a
def cleared(init):
    a = bytearray(init)
    a.clear()
    return a
def grown(init, src):
    a = bytearray(init)
    a[1:2] = src
    return a
def iadd(init, other, export):
    a = bytearray(init)
    m = memoryview(a) if export else None
    a += other
    return a
def imul(init, n, export):
    a = bytearray(init)
    m = memoryview(a) if export else None
    a *= n
    return a
for line in sys.stdin.read().splitlines():
    try:
        r = repr(eval(line))
    except Exception as e:
        r = f"{type(e).__name__}: {e}"
    print(f"{line} => {r}")
"#;

#[test]
fn sequence_operations_agree_with_cpython() {
    let input: String = CASES.iter().map(|(py, _)| format!("{py}\n")).collect();
    let ours: String = CASES
        .iter()
        .map(|(py, f)| {
            let r = match f() {
                Ok(v) => v,
                Err(e) if e.message().is_empty() => e.kind().name().to_string() + ": ",
                Err(e) => e.to_string(),
            };
            format!("{py} => {r}\n")
        })
        .collect();
    assert_agrees_with_python(SCRIPT, &input, &ours);
}
