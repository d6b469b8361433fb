//! Support for the differential tests in `tests/`: a model of operation
//! sequences, their execution through `bufproto`, their JSON form for the
//! Python driver (`src/driver.py`), and a long-lived interpreter process
//! (a Pyodide under Node, or native `python3`) that answers batches of cases.
//!
//! Which Pythons there are, where each Pyodide is (installed on first use)
//! and what counts as CI come from the book's harness support,
//! `tests/support/`, shared with the book's own tests.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

#[path = "../../../tests/support/ci.rs"]
mod ci;
#[path = "../../../tests/support/pythons.rs"]
mod pythons;

use bufproto::format::float_repr;
use bufproto::{ByteArray, Bytes, MemoryView, NdArray, Value};

/// One operation; `k` fields pick a view modulo the number of live views.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub enum Op {
    Get(isize),
    Slice(Option<isize>, Option<isize>, Option<isize>),
    Repr,
    Cap,
    Hex(Option<(String, i32)>),
    FromHex(String),
    Set(isize, i64),
    Append(i64),
    Extend(Vec<u8>),
    Insert(isize, i64),
    Pop(Option<isize>),
    Remove(i64),
    Clear,
    Reverse,
    SetSlice(Option<isize>, Option<isize>, Option<isize>, Vec<u8>),
    DelSlice(Option<isize>, Option<isize>, Option<isize>),
    DelItem(isize),
    MvNew,
    MvOf(usize),
    MvSlice(usize, Option<isize>, Option<isize>, Option<isize>),
    MvRo(usize),
    MvDrop(usize),
    MvGet(usize, isize),
    MvSet(usize, isize, i64),
    MvSetSlice(usize, Option<isize>, Option<isize>, Option<isize>, Vec<u8>),
    MvToBytes(usize),
    MvToList(usize),
    MvHex(usize, Option<(String, i32)>),
    MvInfo(usize),
    MvCount(usize, i64),
    MvIndex(usize, i64, Option<isize>, Option<isize>),
    MvRelease(usize),
    MvObjIs(usize),
    MvCast(usize, String, Option<Vec<usize>>),
    MvGetAt(usize, Vec<isize>),
    MvSetV(usize, isize, Value),
    MvSetAtV(usize, Vec<isize>, Value),
    MvCountV(usize, Value),
    MvIndexV(usize, Value, Option<isize>, Option<isize>),
    MvEq(usize, usize),
    MvEqObj(usize),
    MvHash(usize),
    MvToBytesOrder(usize, Option<String>),
}

/// An N-d exporter for a case: `_testbuffer.ndarray(items, shape, strides,
/// offset, format, flags)` in Python, [`NdArray`] here.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct NdSpec {
    pub format: String,
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
    pub offset: usize,
    pub writable: bool,
}

/// A case: the exporter (`bytes` if `frozen`, else `bytearray`), its
/// initial data, and operations to run in order.
#[derive(Clone, Debug)]
pub struct Case {
    /// `true` for `bytes`, `false` for `bytearray` (ignored with `nd`).
    pub frozen: bool,
    /// An N-d exporter over `data` instead of bytes/bytearray.
    pub nd: Option<NdSpec>,
    /// Initial contents.
    pub data: Vec<u8>,
    /// The operations.
    pub ops: Vec<Op>,
}

/// The shape and strides of a random strided layout, from `(length, step)`
/// pairs: strides are `step * itemsize` (any sign, or 0). Returns them with
/// the lowest and highest byte offset (relative to the first item) that the
/// layout reaches, so a caller can size and offset a buffer to fit it.
pub fn strided_layout(
    dims: &[(usize, isize)],
    itemsize: usize,
) -> (Vec<usize>, Vec<isize>, isize, isize) {
    let (mut lo, mut hi) = (0isize, 0isize);
    let (mut shape, mut strides) = (vec![], vec![]);
    for &(n, step) in dims {
        let stride = step * itemsize as isize;
        shape.push(n);
        strides.push(stride);
        let span = (n.max(1) as isize - 1) * stride;
        if span < 0 {
            lo += span
        } else {
            hi += span
        }
    }
    (shape, strides, lo, hi)
}

/// JSON string literal.
pub fn js(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn on<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or("null".into(), |x| x.to_string())
}

fn bytes_js(v: &[u8]) -> String {
    format!("{v:?}")
}

/// JSON form of a value for `driver.py`.
pub fn value_js(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("[\"int\", \"{i}\"]"),
        Value::Float(f) => format!("[\"float\", \"{}\"]", float_repr(*f)),
        Value::Bool(b) => format!("[\"bool\", {b}]"),
        Value::Bytes(b) => format!("[\"bytes\", {}]", bytes_js(b)),
    }
}

fn list_js<T: ToString>(v: &[T]) -> String {
    let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("[{}]", s.join(", "))
}

fn sep_js(s: &Option<(String, i32)>) -> String {
    match s {
        None => "null, 1".into(),
        Some((sep, n)) => format!("{}, {n}", js(sep)),
    }
}

impl Op {
    /// JSON form for `driver.py`.
    pub fn to_json(&self) -> String {
        use Op::*;
        match self {
            Get(i) => format!("[\"get\", {i}]"),
            Slice(a, b, c) => format!("[\"slice\", {}, {}, {}]", on(a), on(b), on(c)),
            Repr => "[\"repr\"]".into(),
            Cap => "[\"cap\"]".into(),
            Hex(s) => format!("[\"hex\", {}]", sep_js(s)),
            FromHex(s) => format!("[\"fromhex\", {}]", js(s)),
            Set(i, v) => format!("[\"set\", {i}, {v}]"),
            Append(v) => format!("[\"append\", {v}]"),
            Extend(d) => format!("[\"extend\", {}]", bytes_js(d)),
            Insert(i, v) => format!("[\"insert\", {i}, {v}]"),
            Pop(i) => format!("[\"pop\", {}]", on(i)),
            Remove(v) => format!("[\"remove\", {v}]"),
            Clear => "[\"clear\"]".into(),
            Reverse => "[\"reverse\"]".into(),
            SetSlice(a, b, c, d) => format!(
                "[\"set_slice\", {}, {}, {}, {}]",
                on(a),
                on(b),
                on(c),
                bytes_js(d)
            ),
            DelSlice(a, b, c) => format!("[\"del_slice\", {}, {}, {}]", on(a), on(b), on(c)),
            DelItem(i) => format!("[\"del_item\", {i}]"),
            MvNew => "[\"mv_new\"]".into(),
            MvOf(k) => format!("[\"mv_of\", {k}]"),
            MvSlice(k, a, b, c) => format!("[\"mv_slice\", {k}, {}, {}, {}]", on(a), on(b), on(c)),
            MvRo(k) => format!("[\"mv_ro\", {k}]"),
            MvDrop(k) => format!("[\"mv_drop\", {k}]"),
            MvGet(k, i) => format!("[\"mv_get\", {k}, {i}]"),
            MvSet(k, i, v) => format!("[\"mv_set\", {k}, {i}, {v}]"),
            MvSetSlice(k, a, b, c, d) => format!(
                "[\"mv_set_slice\", {k}, {}, {}, {}, {}]",
                on(a),
                on(b),
                on(c),
                bytes_js(d)
            ),
            MvToBytes(k) => format!("[\"mv_tobytes\", {k}]"),
            MvToList(k) => format!("[\"mv_tolist\", {k}]"),
            MvHex(k, s) => format!("[\"mv_hex\", {k}, {}]", sep_js(s)),
            MvInfo(k) => format!("[\"mv_info\", {k}]"),
            MvCount(k, v) => format!("[\"mv_count\", {k}, {v}]"),
            MvIndex(k, v, a, b) => format!("[\"mv_index\", {k}, {v}, {}, {}]", on(a), on(b)),
            MvRelease(k) => format!("[\"mv_release\", {k}]"),
            MvObjIs(k) => format!("[\"mv_obj_is\", {k}]"),
            MvCast(k, f, sh) => format!(
                "[\"mv_cast\", {k}, {}, {}]",
                js(f),
                sh.as_ref().map_or("null".into(), |s| list_js(s))
            ),
            MvGetAt(k, i) => format!("[\"mv_get_at\", {k}, {}]", list_js(i)),
            MvSetV(k, i, v) => format!("[\"mv_set_v\", {k}, {i}, {}]", value_js(v)),
            MvSetAtV(k, i, v) => format!("[\"mv_set_at_v\", {k}, {}, {}]", list_js(i), value_js(v)),
            MvCountV(k, v) => format!("[\"mv_count_v\", {k}, {}]", value_js(v)),
            MvIndexV(k, v, a, b) => format!(
                "[\"mv_index_v\", {k}, {}, {}, {}]",
                value_js(v),
                on(a),
                on(b)
            ),
            MvEq(k, j) => format!("[\"mv_eq\", {k}, {j}]"),
            MvEqObj(k) => format!("[\"mv_eq_obj\", {k}]"),
            MvHash(k) => format!("[\"mv_hash\", {k}]"),
            MvToBytesOrder(k, o) => format!(
                "[\"mv_tobytes_order\", {k}, {}]",
                o.as_ref().map_or("null".into(), |s| js(s))
            ),
        }
    }
}

impl Case {
    /// JSON form for `driver.py`.
    pub fn to_json(&self) -> String {
        let ops: Vec<String> = self.ops.iter().map(Op::to_json).collect();
        let kind = match &self.nd {
            Some(nd) => format!(
                "[\"ndarray\", {}, {}, {}, {}, {}]",
                js(&nd.format),
                list_js(&nd.shape),
                list_js(&nd.strides),
                nd.offset,
                nd.writable
            ),
            None if self.frozen => "\"bytes\"".into(),
            None => "\"bytearray\"".into(),
        };
        format!("[{kind}, {}, [{}]]", bytes_js(&self.data), ops.join(", "))
    }

    /// Readable Python for a counterexample.
    pub fn to_python(&self) -> String {
        let ctor = match &self.nd {
            Some(nd) => format!("{nd:?} over "),
            None if self.frozen => "bytes".into(),
            None => "bytearray".into(),
        };
        let mut s = format!("obj = {ctor}({:?}); views = []\n", self.data);
        for op in &self.ops {
            s.push_str(&format!("# {}\n", op.to_json()));
        }
        s
    }
}

enum Obj {
    B(Bytes),
    A(ByteArray),
    N(NdArray),
}

fn out<T>(r: bufproto::Result<T>, f: impl FnOnce(T) -> String) -> String {
    match r {
        Ok(v) => f(v),
        Err(e) => e.to_string(),
    }
}

fn none(r: bufproto::Result<()>) -> String {
    out(r, |_| "None".into())
}

fn pyrepr_str(s: String) -> String {
    format!("'{s}'")
}

fn pybool(b: bool) -> String {
    if b { "True" } else { "False" }.into()
}

fn info(m: &MemoryView) -> bufproto::Result<String> {
    Ok(format!(
        "{} {} {:?} {:?} {} {} {} {} {} {} {} {:?}",
        m.nbytes()?,
        u8::from(m.readonly()?),
        m.shape()?,
        m.strides()?,
        u8::from(m.c_contiguous()?),
        u8::from(m.f_contiguous()?),
        u8::from(m.contiguous()?),
        m.len()?,
        m.format()?,
        m.itemsize()?,
        m.ndim()?,
        m.suboffsets()?,
    ))
}

/// Runs a case through `bufproto`, producing the driver's outcome strings.
pub fn run_rust(case: &Case) -> Vec<String> {
    use Op::*;
    let mut obj = match &case.nd {
        Some(nd) => match NdArray::new(
            case.data.clone(),
            &nd.format,
            nd.shape.clone(),
            Some(nd.strides.clone()),
            nd.offset,
            nd.writable,
        ) {
            Ok(a) => Obj::N(a),
            Err(e) => return vec![e.to_string()],
        },
        None if case.frozen => Obj::B(Bytes::from(&case.data[..])),
        None => Obj::A(ByteArray::from(&case.data[..])),
    };
    let mut views: Vec<MemoryView> = Vec::new();
    let mut res = Vec::new();
    let na = || "AttributeError".to_string();
    for op in &case.ops {
        let is_view_op = op.to_json().starts_with("[\"mv_");
        if matches!(obj, Obj::N(_)) && !is_view_op {
            res.push("-".into());
            continue;
        }
        let needs_view = !matches!(op, MvNew) && is_view_op;
        if needs_view && views.is_empty() {
            res.push("-".into());
            continue;
        }
        let n = views.len().max(1);
        let r = match (op, &mut obj) {
            (Get(i), Obj::B(b)) => out(b.get(*i), |v| v.to_string()),
            (Get(i), Obj::A(b)) => out(b.get(*i), |v| v.to_string()),
            (Slice(x, y, z), Obj::B(b)) => out(b.slice(*x, *y, *z), |v| format!("{v:?}")),
            (Slice(x, y, z), Obj::A(b)) => out(b.slice(*x, *y, *z), |v| format!("{v:?}")),
            (Repr, Obj::B(b)) => format!("{b:?}"),
            (Repr, Obj::A(b)) => format!("{b:?}"),
            (Cap, Obj::B(_)) => "None".into(),
            (Cap, Obj::A(b)) => b.capacity().to_string(),
            (Hex(None), Obj::B(b)) => pyrepr_str(b.hex()),
            (Hex(None), Obj::A(b)) => pyrepr_str(b.hex()),
            (Hex(Some((s, k))), Obj::B(b)) => out(b.hex_with(s, *k), pyrepr_str),
            (Hex(Some((s, k))), Obj::A(b)) => out(b.hex_with(s, *k), pyrepr_str),
            (FromHex(s), _) => out(Bytes::fromhex(s), |v| format!("{v:?}")),
            (Set(i, v), Obj::A(b)) => none(b.set(*i, *v)),
            (Append(v), Obj::A(b)) => none(b.append(*v)),
            (Extend(d), Obj::A(b)) => none(b.extend(d)),
            (Insert(i, v), Obj::A(b)) => none(b.insert(*i, *v)),
            (Pop(i), Obj::A(b)) => out(b.pop(*i), |v| v.to_string()),
            (Remove(v), Obj::A(b)) => none(b.remove(*v)),
            (Clear, Obj::A(b)) => none(b.clear()),
            (Reverse, Obj::A(b)) => {
                b.reverse();
                "None".into()
            }
            (SetSlice(x, y, z, d), Obj::A(b)) => none(b.set_slice(*x, *y, *z, d)),
            (DelSlice(x, y, z), Obj::A(b)) => none(b.del_slice(*x, *y, *z)),
            (DelItem(i), Obj::A(b)) => none(b.del_item(*i)),
            (
                Set(..) | Append(_) | Extend(_) | Insert(..) | Pop(_) | Remove(_) | Clear | Reverse
                | SetSlice(..) | DelSlice(..) | DelItem(_),
                Obj::B(_),
            ) => na(),
            (
                Get(_) | Slice(..) | Repr | Cap | Hex(_) | Set(..) | Append(_) | Extend(_)
                | Insert(..) | Pop(_) | Remove(_) | Clear | Reverse | SetSlice(..) | DelSlice(..)
                | DelItem(_),
                Obj::N(_),
            ) => "-".into(),
            (MvNew, o) => {
                let m = match o {
                    Obj::B(b) => MemoryView::new(b),
                    Obj::A(b) => MemoryView::new(b),
                    Obj::N(b) => MemoryView::new(b),
                };
                out(m, |m| {
                    views.push(m);
                    "None".into()
                })
            }
            (MvOf(k), _) => out(MemoryView::new(&views[k % n]), |m| {
                views.push(m);
                "None".into()
            }),
            (MvSlice(k, x, y, z), _) => out(views[k % n].slice(*x, *y, *z), |m| {
                views.push(m);
                "None".into()
            }),
            (MvRo(k), _) => out(views[k % n].toreadonly(), |m| {
                views.push(m);
                "None".into()
            }),
            (MvDrop(k), _) => {
                views.remove(k % n);
                "None".into()
            }
            (MvGet(k, i), _) => out(views[k % n].get(*i), |v| v.to_string()),
            (MvSet(k, i, v), _) => none(views[k % n].set(*i, *v)),
            (MvSetSlice(k, x, y, z, d), _) => none(views[k % n].set_slice(*x, *y, *z, d)),
            (MvToBytes(k), _) => out(views[k % n].tobytes(), |v| format!("{v:?}")),
            (MvToList(k), _) => out(views[k % n].tolist(), |v| v.to_string()),
            (MvHex(k, None), _) => out(views[k % n].hex(), pyrepr_str),
            (MvHex(k, Some((s, b))), _) => out(views[k % n].hex_with(s, *b), pyrepr_str),
            (MvInfo(k), _) => out(info(&views[k % n]), |s| s),
            (MvCount(k, v), _) => out(views[k % n].count(*v), |v| v.to_string()),
            (MvIndex(k, v, a, b), _) => out(views[k % n].index(*v, *a, *b), |v| v.to_string()),
            (MvRelease(k), _) => none(views[k % n].release()),
            (MvObjIs(k), o) => out(views[k % n].obj(), |r| {
                pybool(match o {
                    Obj::B(b) => r.is(b),
                    Obj::A(b) => r.is(b),
                    Obj::N(b) => r.is(b),
                })
            }),
            (MvCast(k, f, sh), _) => {
                let m = &views[k % n];
                let r = match sh {
                    None => m.cast(f),
                    Some(s) => m.cast_shape(f, s),
                };
                out(r, |m| {
                    views.push(m);
                    "None".into()
                })
            }
            (MvGetAt(k, i), _) => out(views[k % n].get_at(i), |v| v.to_string()),
            (MvSetV(k, i, v), _) => none(views[k % n].set(*i, v.clone())),
            (MvSetAtV(k, i, v), _) => none(views[k % n].set_at(i, v.clone())),
            (MvCountV(k, v), _) => out(views[k % n].count(v.clone()), |v| v.to_string()),
            (MvIndexV(k, v, a, b), _) => {
                out(views[k % n].index(v.clone(), *a, *b), |v| v.to_string())
            }
            (MvEq(k, j), _) => pybool(views[k % n].equals(&views[j % n])),
            (MvEqObj(k), o) => pybool(match o {
                Obj::B(b) => views[k % n].equals(b),
                Obj::A(b) => views[k % n].equals(b),
                Obj::N(b) => views[k % n].equals(b),
            }),
            (MvHash(k), _) => {
                let m = &views[k % n];
                out(
                    m.hash()
                        .and_then(|h| Ok(h == Bytes::from(m.tobytes()?.to_vec()).hash_value())),
                    pybool,
                )
            }
            (MvToBytesOrder(k, o), _) => out(views[k % n].tobytes_order(o.as_deref()), |v| {
                format!("{v:?}")
            }),
        };
        res.push(r);
    }
    res
}

/// Normalises Python-only outcomes the crate models differently: calling a
/// bytearray method on `bytes` is an `AttributeError` in Python and has no
/// counterpart in the crate.
pub fn normalise_python(s: &str) -> String {
    if s.starts_with("AttributeError") {
        "AttributeError".into()
    } else {
        s.to_string()
    }
}

/// Which interpreter answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpreter {
    /// CPython `(major, minor)` in Pyodide under Node (`tests/pycon/tags.json`
    /// lists the lines there are).
    Pyodide((u8, u8)),
    /// The native `python3` (3.11 here).
    Native,
}

impl Interpreter {
    /// CPython 3.14 in Pyodide: the version the crate follows.
    pub const REFERENCE: Interpreter = Interpreter::Pyodide((3, 14));
    /// CPython 3.15.0rc1 in Pyodide: its differences are reported, not followed.
    pub const PREVIEW: Interpreter = Interpreter::Pyodide((3, 15));

    /// Every interpreter the book runs: the native `python3`, then each
    /// Pyodide of `tests/pycon/tags.json`, oldest first.
    pub fn all() -> Result<Vec<Interpreter>, String> {
        let mut list = vec![Interpreter::Native];
        for p in pythons::pyodide_lines()? {
            let (major, minor) = pythons::parse_line(&p.line)
                .ok_or_else(|| format!("tags.json: bad line {}", p.line))?;
            let narrow = |n: u32| u8::try_from(n).map_err(|e| format!("tags.json: {e}"));
            list.push(Interpreter::Pyodide((narrow(major)?, narrow(minor)?)));
        }
        Ok(list)
    }

    /// "python3" or "CPython 3.14 (Pyodide)".
    pub fn name(&self) -> String {
        match self {
            Interpreter::Native => "python3".into(),
            Interpreter::Pyodide((major, minor)) => format!("CPython {major}.{minor} (Pyodide)"),
        }
    }

    /// The version this interpreter runs: the line for a Pyodide, what
    /// `python3` says for the native one.
    pub fn version(&self) -> Result<(u8, u8), String> {
        let line = match self {
            Interpreter::Pyodide(line) => return Ok(*line),
            Interpreter::Native => pythons::python3_line()?,
        };
        pythons::parse_line(&line)
            .and_then(|(a, b)| Some((u8::try_from(a).ok()?, u8::try_from(b).ok()?)))
            .ok_or_else(|| format!("python3 says it is {line:?}"))
    }
}

/// Whether this is CI's run (`CI=true`), where every interpreter must run.
pub fn in_ci() -> bool {
    ci::in_ci()
}

/// A long-lived interpreter running `driver.py`.
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Path of the ES module of the Pyodide carrying `(major, minor)`, from the
/// book's `tests/pycon`; installs the pinned Pyodides first if they are not.
pub fn pyodide_module(line: (u8, u8)) -> Result<PathBuf, String> {
    let dir = pythons::pyodide_dir(&format!("{}.{}", line.0, line.1))?;
    Ok(dir.join("pyodide.mjs"))
}

/// Why an interpreter is unavailable, if it is.
pub fn unavailable(which: Interpreter) -> Option<String> {
    match which {
        Interpreter::Native => pythons::native_python().err(),
        Interpreter::Pyodide(line) => pyodide_module(line).err(),
    }
}

/// Skips (returns `true`) loudly when the interpreter is missing, or panics
/// under `CI=true`.
pub fn skip_if_unavailable(which: Interpreter) -> bool {
    let Some(why) = unavailable(which) else {
        return false;
    };
    let name = which.name();
    if in_ci() {
        panic!("{name} unavailable under CI: {why}");
    }
    eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!("!!! {name}: differential test NOT RUN: {why}");
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
    true
}

impl Oracle {
    /// Starts the interpreter and waits until the driver is loaded.
    pub fn start(which: Interpreter) -> std::io::Result<Oracle> {
        let driver = crate_dir().join("src/driver.py");
        let mut cmd = match which {
            Interpreter::Pyodide(line) => {
                let mut c = Command::new("node");
                c.arg(crate_dir().join("src/runner.mjs"))
                    .arg(pyodide_module(line).map_err(std::io::Error::other)?)
                    .arg(&driver);
                c
            }
            Interpreter::Native => {
                let mut c = Command::new("python3");
                c.arg(&driver);
                c
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        let stdout = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| std::io::Error::other("no stdout"))?,
        );
        let mut o = Oracle {
            child,
            stdin,
            stdout,
        };
        let mut line = String::new();
        o.stdout.read_line(&mut line)?;
        if line.trim() != "READY" {
            return Err(std::io::Error::other(format!(
                "driver did not start: {line:?}"
            )));
        }
        Ok(o)
    }

    /// Runs a batch of cases in one round trip; one outcome list per case.
    pub fn run(&mut self, cases: &[Case]) -> std::io::Result<Vec<Vec<String>>> {
        let body: Vec<String> = cases.iter().map(Case::to_json).collect();
        writeln!(self.stdin, "[{}]", body.join(", "))?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        let v: Vec<Vec<String>> = serde_json::from_str(&line)
            .map_err(|e| std::io::Error::other(format!("bad driver output {e}: {line:.200}")))?;
        Ok(v.into_iter()
            .map(|c| c.iter().map(|s| normalise_python(s)).collect())
            .collect())
    }
}

impl Oracle {
    /// Runs Python snippets (statements, then a final expression); each
    /// outcome is the expression's `repr` or `Kind: message`.
    pub fn run_snippets(&mut self, snippets: &[&str]) -> std::io::Result<Vec<String>> {
        let body: Vec<String> = snippets.iter().map(|s| js(s)).collect();
        writeln!(self.stdin, "{{\"snippets\": [{}]}}", body.join(", "))?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        serde_json::from_str(&line)
            .map_err(|e| std::io::Error::other(format!("bad driver output {e}: {line:.200}")))
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
