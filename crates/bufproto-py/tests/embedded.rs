//! The extension's classes in an embedded CPython (`pyo3/auto-initialize`,
//! the libpython of `python3`, see `build.rs`), checked from both sides.

use std::ffi::{CStr, CString, c_int};
use std::mem::MaybeUninit;

use bufproto::{Exporter, Flags, MemoryView};
use bufproto_py::{PyByteArray, foreign_from_py};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Runs `code` with `bufproto_py` importable; returns its globals.
fn run<'py>(py: Python<'py>, code: &str) -> PyResult<Bound<'py, PyDict>> {
    let module = pyo3::wrap_pymodule!(bufproto_py::bufproto_py)(py);
    py.import("sys")?
        .getattr("modules")?
        .set_item("bufproto_py", module)?;
    let globals = PyDict::new(py);
    let code = CString::new(code).unwrap();
    py.run(&code, Some(&globals), None)?;
    Ok(globals)
}

#[test]
fn a_python_memoryview_writes_rust_memory_and_blocks_resizes() {
    Python::attach(|py| {
        let g = run(
            py,
            "import bufproto_py\nba = bufproto_py.ByteArray(b'hello')\nm = memoryview(ba)\nm[0] = 72\n",
        )
        .unwrap();
        let ba = g.get_item("ba").unwrap().unwrap();
        let ba = ba.cast::<PyByteArray>().unwrap();
        assert_eq!(ba.borrow().inner.to_vec(), b"Hello"); // seen from Rust
        assert_eq!(ba.borrow().inner.exports(), 1); // the memoryview's export
        // resizing from Rust fails while the Python view lives
        let e = ba.borrow_mut().inner.append(b'!'.into()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BufferError: Existing exports of data: object cannot be re-sized"
        );
        // and from Python
        let e = ba.call_method1("append", (33,)).unwrap_err();
        assert!(e.is_instance_of::<pyo3::exceptions::PyBufferError>(py));
        assert_eq!(
            e.value(py).to_string(),
            "Existing exports of data: object cannot be re-sized"
        );
        g.get_item("m")
            .unwrap()
            .unwrap()
            .call_method0("release")
            .unwrap();
        assert_eq!(ba.borrow().inner.exports(), 0);
        ba.borrow_mut().inner.append(b'!'.into()).unwrap();
        ba.call_method1("append", (63,)).unwrap();
        assert_eq!(ba.borrow().inner.to_vec(), b"Hello!?");
    });
}

/// `PyObject_GetBuffer(obj, &view, flags)` from C's side; the fields as
/// Rust values; then `PyBuffer_Release`.
#[derive(Debug, PartialEq)]
struct Got {
    len: isize,
    itemsize: isize,
    readonly: bool,
    ndim: c_int,
    format: Option<String>,
    shape: Option<Vec<isize>>,
    strides: Option<Vec<isize>>,
    suboffsets: Option<Vec<isize>>,
}

fn get(obj: &Bound<'_, PyAny>, flags: c_int) -> Result<Got, String> {
    let mut view = MaybeUninit::<ffi::Py_buffer>::zeroed();
    // SAFETY: `view` is writable memory for one Py_buffer; `obj` is alive.
    let rc = unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), view.as_mut_ptr(), flags) };
    if rc != 0 {
        let e = PyErr::fetch(obj.py());
        return Err(format!(
            "{}: {}",
            e.get_type(obj.py()).name().unwrap(),
            e.value(obj.py())
        ));
    }
    // SAFETY: PyObject_GetBuffer succeeded, so `view` is initialised; the
    // pointers it holds are valid until PyBuffer_Release, called below.
    unsafe {
        let v = view.assume_init_mut();
        let n = v.ndim as usize;
        let arr = |p: *mut isize| (!p.is_null()).then(|| std::slice::from_raw_parts(p, n).to_vec());
        let got = Got {
            len: v.len,
            itemsize: v.itemsize,
            readonly: v.readonly != 0,
            ndim: v.ndim,
            format: (!v.format.is_null())
                .then(|| CStr::from_ptr(v.format).to_string_lossy().into_owned()),
            shape: arr(v.shape),
            strides: arr(v.strides),
            suboffsets: arr(v.suboffsets),
        };
        assert!(v.obj == obj.as_ptr());
        ffi::PyBuffer_Release(v);
        Ok(got)
    }
}

#[test]
fn request_flags_are_honoured() {
    Python::attach(|py| {
        let g = run(
            py,
            "import bufproto_py as b\n\
             by = b.Bytes(b'abc')\nba = b.ByteArray(b'abcd')\n\
             ar = b.Array('i', [1, 2, 3])\n\
             f = b.NdArray(b'adbecf', 'B', [2, 3], [1, 2])\n\
             c = b.NdArray(bytes(24), 'i', [2, 3])\n",
        )
        .unwrap();
        let o = |n: &str| g.get_item(n).unwrap().unwrap();
        let (by, ba, ar, f, c) = (o("by"), o("ba"), o("ar"), o("f"), o("c"));
        // PyBuffer_FillInfo semantics for 1-D bytes
        assert_eq!(
            get(&by, ffi::PyBUF_WRITABLE).unwrap_err(),
            "BufferError: Object is not writable."
        );
        let simple = get(&by, ffi::PyBUF_SIMPLE).unwrap();
        assert_eq!(
            simple,
            Got {
                len: 3,
                itemsize: 1,
                readonly: true,
                ndim: 1,
                format: None,
                shape: None,
                strides: None,
                suboffsets: None
            }
        );
        let g2 = get(&ba, ffi::PyBUF_FORMAT | ffi::PyBUF_ND | ffi::PyBUF_WRITABLE).unwrap();
        assert_eq!(
            (g2.format.as_deref(), g2.shape, g2.strides, g2.readonly),
            (Some("B"), Some(vec![4]), None, false)
        );
        let g3 = get(&ba, ffi::PyBUF_STRIDES).unwrap();
        assert_eq!((g3.format, g3.strides), (None, Some(vec![1])));
        // typed array: format and item size
        let g4 = get(&ar, ffi::PyBUF_RECORDS).unwrap();
        assert_eq!(
            (g4.format.as_deref(), g4.itemsize, g4.len, g4.shape),
            (Some("i"), 4, 12, Some(vec![3]))
        );
        // N-d: real shape and strides; impossible requests refused
        assert_eq!(
            get(&f, ffi::PyBUF_ND).unwrap_err(),
            "BufferError: ndarray is not C-contiguous"
        );
        assert_eq!(
            get(&f, ffi::PyBUF_C_CONTIGUOUS).unwrap_err(),
            "BufferError: ndarray is not C-contiguous"
        );
        assert_eq!(
            get(&f, ffi::PyBUF_WRITABLE | ffi::PyBUF_STRIDES).unwrap_err(),
            "BufferError: ndarray is not writable"
        );
        let g5 = get(&f, ffi::PyBUF_FULL_RO).unwrap();
        assert_eq!(
            (g5.ndim, g5.shape, g5.strides),
            (2, Some(vec![2, 3]), Some(vec![1, 2]))
        );
        assert!(get(&f, ffi::PyBUF_F_CONTIGUOUS).is_ok());
        let g6 = get(&c, ffi::PyBUF_ND | ffi::PyBUF_FORMAT).unwrap();
        assert_eq!(
            (g6.ndim, g6.shape, g6.strides, g6.format.as_deref()),
            (2, Some(vec![2, 3]), None, Some("i"))
        );
        assert_eq!(
            get(&c, ffi::PyBUF_FORMAT).unwrap_err(),
            "BufferError: ndarray: cannot cast to unsigned bytes if the format flag is present"
        );
        let g7 = get(&c, ffi::PyBUF_SIMPLE).unwrap();
        assert_eq!((g7.ndim, g7.len, g7.shape), (1, 24, None));
        // nothing leaked: every export above was released
        let ba = ba.cast::<PyByteArray>().unwrap();
        assert_eq!(ba.borrow().inner.exports(), 0);
    });
}

#[test]
fn python_buffers_become_bufproto_views_without_copying() {
    Python::attach(|py| {
        let g = run(
            py,
            "import array, mmap\n\
             ba = bytearray(b'hello')\n\
             a = array.array('i', range(6))\n\
             mm = mmap.mmap(-1, 8)\nmm.write(b'abcdefgh')\n\
             sl = memoryview(a)[::-2]\n\
             nd = memoryview(a).cast('B').cast('i', [2, 3])\n\
             ro = memoryview(b'bytes!')\n\
             addr = lambda o: __import__('ctypes').addressof(__import__('ctypes').c_char.from_buffer(o))\n",
        )
        .unwrap();
        let o = |n: &str| g.get_item(n).unwrap().unwrap();

        // bytearray: same address, writes go through, resizes refused
        let f = foreign_from_py(&o("ba")).unwrap();
        let m = MemoryView::new(&f).unwrap();
        let addr: usize = o("addr").call1((o("ba"),)).unwrap().extract().unwrap();
        assert_eq!(m.get_buffer(Flags::SIMPLE).unwrap().buf_addr(), addr);
        m.set(0, b'j').unwrap();
        assert_eq!(o("ba").str().unwrap().to_string(), "bytearray(b'jello')");
        let e = o("ba").call_method1("append", (1,)).unwrap_err();
        assert_eq!(
            e.value(py).to_string(),
            "Existing exports of data: object cannot be re-sized"
        );
        drop((m, f));
        o("ba").call_method1("append", (33,)).unwrap();

        // array.array: format and item size
        let f = foreign_from_py(&o("a")).unwrap();
        let m = MemoryView::new(&f).unwrap();
        assert_eq!((m.format().unwrap(), m.itemsize().unwrap()), ("i", 4));
        assert_eq!(m.tolist().unwrap().to_string(), "[0, 1, 2, 3, 4, 5]");
        assert!(o("a").call_method1("append", (6,)).is_err());
        drop((m, f));

        // a non-contiguous slice with a negative stride
        let f = foreign_from_py(&o("sl")).unwrap();
        let m = MemoryView::new(&f).unwrap();
        assert_eq!(m.strides().unwrap(), &[-8]);
        assert_eq!(m.tolist().unwrap().to_string(), "[5, 3, 1]");
        m.set(0, 50).unwrap();
        assert_eq!(
            o("a").str().unwrap().to_string(),
            "array('i', [0, 1, 2, 3, 4, 50])"
        );
        drop((m, f));

        // N-d
        let f = foreign_from_py(&o("nd")).unwrap();
        let m = MemoryView::new(&f).unwrap();
        assert_eq!(
            (m.shape().unwrap(), m.strides().unwrap()),
            (&[2, 3][..], &[12, 4][..])
        );
        assert_eq!(m.tolist().unwrap().to_string(), "[[0, 1, 2], [3, 4, 50]]");
        drop((m, f));

        // mmap: shared, and closing it is refused while exported
        let f = foreign_from_py(&o("mm")).unwrap();
        let m = MemoryView::new(&f).unwrap();
        assert_eq!(m.tobytes().unwrap().as_slice(), b"abcdefgh");
        let e = o("mm").call_method0("close").unwrap_err();
        assert_eq!(
            e.value(py).to_string(),
            "cannot close exported pointers exist"
        );
        drop((m, f));
        o("mm").call_method0("close").unwrap();

        // read-only stays read-only
        let f = foreign_from_py(&o("ro")).unwrap();
        assert!(f.readonly());
        let m = MemoryView::new(&f).unwrap();
        assert_eq!(
            m.set(0, 1).unwrap_err().to_string(),
            "TypeError: cannot modify read-only memory"
        );
        assert_eq!(
            f.get_buffer(Flags::WRITABLE).unwrap_err().kind(),
            bufproto::ErrorKind::BufferError
        );
    });
}

#[test]
fn export_counts_return_to_zero() {
    Python::attach(|py| {
        let g = run(
            py,
            "import bufproto_py as b, gc\n\
             ba = b.ByteArray(b'0123456789')\n\
             for i in range(200):\n\
             \x20   m = memoryview(ba)\n\
             \x20   s = m[1:9:2]\n\
             \x20   t = m.cast('c')\n\
             \x20   bytes(t); m.tolist(); ba == m; memoryview(m).release()\n\
             \x20   try:\n\
             \x20       memoryview(b.Bytes(b'x')).cast('c')[0] = b'y'\n\
             \x20   except TypeError:\n\
             \x20       pass\n\
             \x20   del m, s, t\n\
             gc.collect()\n",
        )
        .unwrap();
        let ba = g.get_item("ba").unwrap().unwrap();
        assert_eq!(
            ba.cast::<PyByteArray>().unwrap().borrow().inner.exports(),
            0
        );
    });
}

/// `PyObject_GetBuffer` on a `Py_buffer` whose `obj` holds a stale
/// pointer, as a reused struct would: on failure the exporter must set it
/// to NULL. Returns the error and whether `obj` was left non-NULL.
fn refused(obj: &Bound<'_, PyAny>, flags: c_int) -> Option<(String, bool)> {
    let mut view = MaybeUninit::<ffi::Py_buffer>::zeroed();
    // SAFETY: `view` is writable memory for one Py_buffer; `obj` is alive;
    // the stale `obj` is never dereferenced (Py_None outlives the test).
    let rc = unsafe {
        (*view.as_mut_ptr()).obj = ffi::Py_None();
        ffi::PyObject_GetBuffer(obj.as_ptr(), view.as_mut_ptr(), flags)
    };
    if rc == 0 {
        // SAFETY: the request succeeded; release it.
        unsafe { ffi::PyBuffer_Release(view.as_mut_ptr()) };
        return None;
    }
    let e = PyErr::fetch(obj.py());
    // SAFETY: `view` was zeroed, then written by the exporter.
    let left = unsafe { !(*view.as_ptr()).obj.is_null() };
    Some((
        format!(
            "{}: {}",
            e.get_type(obj.py()).name().unwrap(),
            e.value(obj.py())
        ),
        left,
    ))
}

#[test]
fn zero_dim_exports_have_null_shape_and_strides_like_testbuffer() {
    Python::attach(|py| {
        let g = run(
            py,
            "import bufproto_py as b, _testbuffer as tb, struct\n\
             ours = b.NdArray(struct.pack('i', 5), 'i', [])\n\
             twin = tb.ndarray(5, shape=[], format='i')\n",
        )
        .unwrap();
        let o = |n: &str| g.get_item(n).unwrap().unwrap();
        let (ours, twin) = (o("ours"), o("twin"));
        let full = get(&ours, ffi::PyBUF_FULL_RO).unwrap();
        assert_eq!(
            (full.ndim, full.len, &full.shape, &full.strides),
            (0, 4, &None, &None)
        );
        for flags in [
            ffi::PyBUF_SIMPLE,
            ffi::PyBUF_FORMAT,
            ffi::PyBUF_ND,
            ffi::PyBUF_ND | ffi::PyBUF_FORMAT,
            ffi::PyBUF_STRIDES,
            ffi::PyBUF_C_CONTIGUOUS,
            ffi::PyBUF_F_CONTIGUOUS,
            ffi::PyBUF_ANY_CONTIGUOUS,
            ffi::PyBUF_RECORDS_RO,
            ffi::PyBUF_FULL_RO,
            ffi::PyBUF_WRITABLE,
        ] {
            assert_eq!(get(&ours, flags), get(&twin, flags), "flags {flags:#x}");
        }
    });
}

/// The protocol (`bf_getbuffer` in the type object docs) and `memoryview`
/// set `view->obj = NULL` on failure; `PyBuffer_FillInfo`, behind `bytes`,
/// leaves it alone. We follow the protocol.
#[test]
fn a_refused_request_leaves_view_obj_null_as_memoryview_does() {
    Python::attach(|py| {
        let g = run(
            py,
            "import bufproto_py as b\n\
             ours = b.Bytes(b'abc')\ntwin = memoryview(b'abc')\n\
             nd = b.NdArray(b'adbecf', 'B', [2, 3], [1, 2])\n",
        )
        .unwrap();
        let o = |n: &str| g.get_item(n).unwrap().unwrap();
        let ours = refused(&o("ours"), ffi::PyBUF_WRITABLE).unwrap();
        let twin = refused(&o("twin"), ffi::PyBUF_WRITABLE).unwrap();
        assert_eq!(
            twin.0,
            "BufferError: memoryview: underlying buffer is not writable"
        );
        assert_eq!(
            ours,
            ("BufferError: Object is not writable.".into(), twin.1)
        );
        assert_eq!(
            refused(&o("nd"), ffi::PyBUF_ND),
            Some(("BufferError: ndarray is not C-contiguous".into(), false))
        );
    });
}

/// An exporter whose layout fits each field but not the byte size:
/// `fill_view` refuses it itself, whatever the exporters accept.
#[derive(Debug)]
struct FourBytes(Vec<std::sync::atomic::AtomicU8>);
impl bufproto::ForeignMemory for FourBytes {
    fn bytes(&self) -> &[std::sync::atomic::AtomicU8] {
        &self.0
    }
}

#[test]
fn fill_view_refuses_sizes_past_ssize_t_max() {
    use bufproto::layout::Layout;
    Python::attach(|py| {
        let memory = std::sync::Arc::new(FourBytes((0..4).map(|_| 0.into()).collect()));
        for (shape, itemsize) in [(vec![1 << 62, 2], 1), (vec![1 << 61], 4)] {
            let n = shape.len();
            let layout = Layout::new(0, itemsize, "B", shape, vec![0; n]).unwrap();
            let big = bufproto::Foreign::new(memory.clone(), layout, false, "big").unwrap();
            let mut view = MaybeUninit::<ffi::Py_buffer>::zeroed();
            // SAFETY: `view` is writable; on success it would be released
            // below (it must not succeed).
            let r = unsafe {
                (*view.as_mut_ptr()).obj = ffi::Py_None();
                bufproto_py::fill_view(
                    &big,
                    py.None().into_bound(py),
                    view.as_mut_ptr(),
                    ffi::PyBUF_FULL_RO,
                )
            };
            let e = r.unwrap_err();
            assert!(e.is_instance_of::<pyo3::exceptions::PyBufferError>(py));
            assert_eq!(
                e.value(py).to_string(),
                "bufproto_py: buffer size exceeds PY_SSIZE_T_MAX"
            );
            // SAFETY: written by fill_view.
            assert!(unsafe { (*view.as_ptr()).obj.is_null() });
        }
        // 2**62 bytes fit: the same path succeeds
        let layout = Layout::new(0, 1, "B", vec![1 << 62], vec![0]).unwrap();
        let fits = bufproto::Foreign::new(memory, layout, false, "fits").unwrap();
        let mut view = MaybeUninit::<ffi::Py_buffer>::zeroed();
        // SAFETY: as above; released once below.
        unsafe {
            bufproto_py::fill_view(
                &fits,
                py.None().into_bound(py),
                view.as_mut_ptr(),
                ffi::PyBUF_FULL_RO,
            )
            .unwrap();
            assert_eq!((*view.as_ptr()).len, 1 << 62);
            ffi::PyBuffer_Release(view.as_mut_ptr());
        }
    });
}

/// A Rust caller may hold `&mut` of the pyclass while Python code runs:
/// releases still happen, and a new request is a `BufferError` (not a
/// `PanicException`).
#[test]
fn releases_and_requests_while_rust_holds_a_mutable_borrow() {
    Python::attach(|py| {
        let g = run(
            py,
            "import bufproto_py as b\nba = b.ByteArray(b'abc')\nm = memoryview(ba)\n\
             ar = b.Array('i', [1])\nma = memoryview(ar)\n",
        )
        .unwrap();
        let o = |n: &str| g.get_item(n).unwrap().unwrap();
        let ba = o("ba");
        let ba = ba.cast::<PyByteArray>().unwrap();
        let ar = o("ar");
        let ar = ar.cast::<bufproto_py::PyArray>().unwrap();
        {
            let _held = ba.borrow_mut();
            let _held_ar = ar.borrow_mut();
            o("m").call_method0("release").unwrap();
            o("ma").call_method0("release").unwrap();
            let busy = (format!("BufferError: {}", bufproto_py::BUSY), false);
            assert_eq!(refused(ba.as_any(), ffi::PyBUF_SIMPLE), Some(busy.clone()));
            assert_eq!(refused(ar.as_any(), ffi::PyBUF_FULL_RO), Some(busy));
            let e = py
                .import("builtins")
                .unwrap()
                .getattr("memoryview")
                .unwrap()
                .call1((ba,))
                .unwrap_err();
            assert!(e.is_instance_of::<pyo3::exceptions::PyBufferError>(py));
        }
        assert_eq!(ba.borrow().inner.exports(), 0);
        assert_eq!(ar.borrow().inner.exports(), 0);
        ba.call_method1("append", (33,)).unwrap();
    });
}

/// Every standard request on each exporter and on its CPython twin: the
/// same `Py_buffer` fields (or the same error), field by field.
#[test]
fn every_request_matches_cpythons_twin_field_by_field() {
    Python::attach(|py| {
        let g = run(
            py,
            "import bufproto_py as b, _testbuffer as tb, array, struct\n\
             pairs = [\n\
             (b.ByteArray(b'abcd'), bytearray(b'abcd')),\n\
             (b.ByteArray(), bytearray()),\n\
             (b.Bytes(b'abcd'), b'abcd'),\n\
             (b.Array('i', [1, 2, 3]), array.array('i', [1, 2, 3])),\n\
             (b.Array('d'), array.array('d')),\n\
             (b.NdArray(bytes(24), 'i', [2, 3]), tb.ndarray([0] * 6, shape=[2, 3], format='i')),\n\
             (b.NdArray(bytes(6), 'B', [2, 3], [1, 2]),\n\
              tb.ndarray([0] * 6, shape=[2, 3], format='B', flags=tb.ND_FORTRAN)),\n\
             (b.NdArray(bytes(24), 'i', [2, 3], [-12, 4], 12),\n\
              tb.ndarray([0] * 6, shape=[2, 3], strides=[-12, 4], offset=12, format='i')),\n\
             (b.NdArray(bytes(4), 'i', []), tb.ndarray(0, shape=[], format='i')),\n\
             (b.NdArray(b'', 'i', [2, 0]), tb.ndarray([1], shape=[2, 0], format='i')),\n\
             (b.NdArray(bytes(4), 'B', [4], writable=True),\n\
              tb.ndarray([0] * 4, shape=[4], format='B', flags=tb.ND_WRITABLE)),\n\
             ]\n",
        )
        .unwrap();
        let pairs = g.get_item("pairs").unwrap().unwrap();
        let flags = [
            ffi::PyBUF_SIMPLE,
            ffi::PyBUF_WRITABLE,
            ffi::PyBUF_FORMAT,
            ffi::PyBUF_ND,
            ffi::PyBUF_ND | ffi::PyBUF_FORMAT,
            ffi::PyBUF_STRIDES,
            ffi::PyBUF_C_CONTIGUOUS,
            ffi::PyBUF_F_CONTIGUOUS,
            ffi::PyBUF_ANY_CONTIGUOUS,
            ffi::PyBUF_INDIRECT,
            ffi::PyBUF_CONTIG,
            ffi::PyBUF_CONTIG_RO,
            ffi::PyBUF_STRIDED,
            ffi::PyBUF_STRIDED_RO,
            ffi::PyBUF_RECORDS,
            ffi::PyBUF_RECORDS_RO,
            ffi::PyBUF_FULL,
            ffi::PyBUF_FULL_RO,
        ];
        for pair in pairs.try_iter().unwrap() {
            let pair = pair.unwrap();
            let (ours, twin) = (pair.get_item(0).unwrap(), pair.get_item(1).unwrap());
            for f in flags {
                assert_eq!(get(&ours, f), get(&twin, f), "{ours:?} flags {f:#x}");
            }
        }
    });
}
