//! `Buffer`, the `Py_buffer` analogue: `len` is exact (a layout whose size
//! does not fit `Py_ssize_t` is refused, as `nbytes` refuses it), and a
//! request without `PyBUF_ND` sees `len` plain bytes, `ndim == 1`, as
//! CPython's `memory_getbuf` hands them out.

mod fidelity_common;

use std::sync::Arc;
use std::sync::atomic::AtomicU8;

use bufproto::foreign::{Foreign, ForeignMemory};
use bufproto::layout::Layout;
use bufproto::{Array, ByteArray, Bytes, Error, Exporter, Flags, MemoryView, NdArray};
use fidelity_common::{outcome, python_using};

#[derive(Debug)]
struct Mem(Vec<AtomicU8>);
impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}

fn broadcast(shape: Vec<usize>, itemsize: usize) -> Result<Foreign, Error> {
    let mem = Arc::new(Mem((0..itemsize).map(|_| AtomicU8::new(0)).collect()));
    let n = shape.len();
    let layout = Layout::new(0, itemsize, "B", shape, vec![0; n])?;
    Foreign::new(mem, layout, true, "broadcast")
}

/// Zero strides let a one-byte allocation describe 2**64 items; no
/// `Buffer` of it exists (its `len` would not fit), and a view cannot be
/// made of it either. Smaller ones agree with `nbytes`.
#[test]
fn len_is_nbytes_or_there_is_no_buffer() -> Result<(), Error> {
    let overflow = "OverflowError: Python int too large to convert to C ssize_t";
    for shape in [
        vec![1 << 62, 4],
        vec![1 << 63],
        vec![(1 << 63) - 1, 2],
        vec![1 << 32, 1 << 32],
    ] {
        let f = broadcast(shape.clone(), 1)?;
        for flags in [Flags::FULL_RO, Flags::STRIDES] {
            assert_eq!(outcome(&f.get_buffer(flags)), overflow, "{shape:?}");
        }
        // Without STRIDES the request is refused first, as CPython would.
        assert_eq!(
            outcome(&f.get_buffer(Flags::SIMPLE)),
            "BufferError: memoryview: underlying buffer is not C-contiguous"
        );
        assert_eq!(outcome(&MemoryView::new(&f)), overflow, "{shape:?}");
    }
    let f = broadcast(vec![1 << 40, 2], 1)?;
    let buf = f.get_buffer(Flags::STRIDES)?;
    let m = MemoryView::new(&f)?;
    assert_eq!((buf.len(), m.nbytes()?), (1 << 41, 1 << 41));
    for e in exporters()? {
        let m = MemoryView::new(e.as_ref())?;
        for flags in [Flags::SIMPLE, Flags::ND, Flags::FULL_RO] {
            assert_eq!(e.get_buffer(flags)?.len(), m.nbytes()?);
        }
    }
    Ok(())
}

fn exporters() -> Result<Vec<Box<dyn Exporter>>, Error> {
    Ok(vec![
        Box::new(Bytes::from(&b"abc"[..])),
        Box::new(ByteArray::from(&b"abcd"[..])),
        Box::new(Array::from_values("H", [0x0102, 0x0304])?),
        Box::new(NdArray::c_order((0..6).collect(), "B", vec![2, 3])?),
        Box::new(NdArray::c_order((0..8).collect(), "h", vec![2, 2])?),
    ])
}

/// What a C consumer of a `PyBUF_SIMPLE` buffer sees: `ndim` 1, no shape,
/// `len` bytes in memory order. `_testbuffer.ndarray(obj,
/// getbuf=PyBUF_SIMPLE)` shows it in CPython (3.11 here): for
/// `array('H', [0x0102, 0x0304])`: `1 () 2 [2, 1, 4, 3]` (ndim, shape,
/// itemsize, bytes); for a 2 x 3 `ndarray` of `B`: `1 () 1 [0, 1, 2, 3, 4,
/// 5]`.
#[test]
fn simple_requests_see_plain_bytes() -> Result<(), Error> {
    let a = Array::from_values("H", [0x0102, 0x0304])?;
    let grid = NdArray::c_order((0..6).collect(), "B", vec![2, 3])?;
    let seen = |e: &dyn Exporter| -> Result<String, Error> {
        let b = e.get_buffer(Flags::SIMPLE)?;
        let bytes: Vec<String> = (0..b.len())
            .map(|i| b.get(i).map(|x| x.to_string()))
            .collect::<Result<_, _>>()?;
        assert_eq!(b.shape(), None);
        assert_eq!(
            b.get(b.len()).unwrap_err().to_string(),
            "IndexError: index out of bounds on dimension 1"
        );
        Ok(format!(
            "{} () {} [{}]",
            b.ndim(),
            b.itemsize(),
            bytes.join(", ")
        ))
    };
    let ours = [seen(&a)?, seen(&grid)?];
    assert_eq!(ours, ["1 () 2 [2, 1, 4, 3]", "1 () 1 [0, 1, 2, 3, 4, 5]"]);
    let script = "import array, _testbuffer as tb\n\
        for o in [array.array('H', [0x0102, 0x0304]), tb.ndarray(list(range(6)), shape=[2, 3], format='B')]:\n    \
            n = tb.ndarray(o, getbuf=tb.PyBUF_SIMPLE)\n    \
            print(n.ndim, n.shape, n.itemsize, list(n.tobytes()))\n";
    if let Some(py) = python_using("_testbuffer", script, "") {
        assert_eq!(py.lines().collect::<Vec<_>>(), ours);
    }
    // With a shape requested, `ndim` is the layout's.
    assert_eq!(grid.get_buffer(Flags::ND)?.ndim(), 2);
    // Writes through a SIMPLE buffer address bytes too.
    let b = ByteArray::from(&b"abcd"[..]);
    let a = Array::from_values("H", [0, 0])?;
    a.get_buffer(Flags::WRITABLE)?.set(3, 0xff)?;
    assert_eq!(a.tobytes().as_slice(), &[0, 0, 0, 0xff]);
    assert_eq!(
        a.get_buffer(Flags::WRITABLE)?
            .set(4, 1)
            .unwrap_err()
            .to_string(),
        "IndexError: index out of bounds on dimension 1"
    );
    b.get_buffer(Flags::WRITABLE)?.set(3, b'D')?;
    assert_eq!(b.to_vec(), b"abcD");
    Ok(())
}
