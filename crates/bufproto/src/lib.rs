//! Python's `bytes`, `bytearray`, `memoryview` and the buffer protocol,
//! rebuilt in safe Rust for *The Buffer Protocol Book*.
//!
//! ```
//! use bufproto::{ByteArray, MemoryView};
//! # fn main() -> Result<(), bufproto::Error> {
//! let mut ba = ByteArray::from(&b"hello"[..]);
//! let view = MemoryView::new(&ba)?;         // memoryview(ba)
//! view.set(0, b'j')?;                       // m[0] = ord('j')
//! assert_eq!(ba.to_vec(), b"jello");        // the exporter sees it
//! let err = ba.append(b'!'.into()).unwrap_err();
//! assert_eq!(err.to_string(), "BufferError: Existing exports of data: object cannot be re-sized");
//! drop(view);                               // del m  (or m.release())
//! ba.append(b'!'.into())?;
//! # Ok(()) }
//! ```
//!
//! # Python → bufproto
//!
//! | Python | bufproto |
//! |---|---|
//! | `bytes(n)` | [`Bytes::zeroed(n)`](Bytes::zeroed) |
//! | `bytes([1, 2])` | [`Bytes::from_ints([1, 2])`](Bytes::from_ints) |
//! | `b'ab'` | `Bytes::from(&b"ab"[..])` |
//! | `bytes.fromhex(s)` | [`Bytes::fromhex(s)`](Bytes::fromhex) |
//! | `b.hex()`, `b.hex(':', 2)` | [`b.hex()`](Bytes::hex), [`b.hex_with(":", 2)`](Bytes::hex_with) |
//! | `b[i]`, `b[a:b:c]` | [`b.get(i)`](Bytes::get), [`b.slice(a, b, c)`](Bytes::slice) (each part an `Option<isize>`) |
//! | `repr(b)` | `format!("{b:?}")` |
//! | `bytearray()`, `bytearray(n)` | [`ByteArray::new()`](ByteArray::new), [`ByteArray::zeroed(n)`](ByteArray::zeroed) |
//! | `ba[i] = v` | [`ba.set(i, v)`](ByteArray::set) |
//! | `ba[a:b:c] = data`, `del ba[a:b:c]`, `del ba[i]` | [`set_slice`](ByteArray::set_slice), [`del_slice`](ByteArray::del_slice), [`del_item`](ByteArray::del_item) |
//! | `ba.append(v)`, `extend`, `insert`, `pop`, `remove`, `clear`, `reverse` | same names on [`ByteArray`] |
//! | `sys.getsizeof(ba) - sys.getsizeof(bytearray())` | [`ba.capacity()`](ByteArray::capacity) |
//! | `memoryview(obj)` | [`MemoryView::new(&obj)`](MemoryView::new) |
//! | `with memoryview(obj) as m: ...` | [`MemoryView::with(&obj, \|m\| ...)`](MemoryView::with) |
//! | `m[i]`, `m[i] = v` | [`m.get(i)`](MemoryView::get) → [`Value`], [`m.set(i, v)`](MemoryView::set) (`v: impl Into<Value>`) |
//! | `m[i, j]`, `m[i, j] = v`, `m[()]` | [`m.get_at(&[i, j])`](MemoryView::get_at), [`m.set_at(&[i, j], v)`](MemoryView::set_at), `m.get_at(&[])` |
//! | `m[a:b:c]`, `m[a:b:c] = data` | [`m.slice(a, b, c)`](MemoryView::slice), [`m.set_slice(a, b, c, data)`](MemoryView::set_slice), [`set_slice_from`](MemoryView::set_slice_from) (any exporter) |
//! | `m.tobytes()`, `m.tobytes('F')`, `m.hex()` | [`tobytes`](MemoryView::tobytes), [`tobytes_order(Some("F"))`](MemoryView::tobytes_order), [`hex`](MemoryView::hex) |
//! | `m.tolist()` | [`m.tolist()`](MemoryView::tolist) → [`Nested`] (`Display` is Python's repr) |
//! | `len(m)` | [`m.len()`](MemoryView::len) |
//! | `m.cast('i')`, `m.cast('B', [2, 3])` | [`m.cast("i")`](MemoryView::cast), [`m.cast_shape("B", &[2, 3])`](MemoryView::cast_shape) |
//! | `m == other` | [`m.equals(&other)`](MemoryView::equals) (any exporter), or `==` with a `MemoryView`/`Bytes` |
//! | `hash(m)`, `hash(b)` | [`m.hash()`](MemoryView::hash) (fallible), [`b.hash_value()`](Bytes::hash_value) |
//! | `struct.calcsize(f)`, one item of `struct.unpack` | [`format::calcsize`], [`format::Native`]`::{size, unpack, pack}`, [`format::struct_unpack`] |
//! | `array.array('i', [1, 2])` | [`Array::from_values("i", [1, 2])`](Array::from_values) |
//! | `a.append`, `extend`, `pop`, `tolist`, `tobytes`, `frombytes`, `a[i]`, `a.itemsize`, `a.typecode` | same names on [`Array`] (`get`/`set` for `a[i]`) |
//! | `numpy.ndarray` / `_testbuffer.ndarray(items, shape, strides, offset, format)` | [`NdArray::new(data, format, shape, strides, offset, writable)`](NdArray::new) |
//! | `m.obj is ba` | [`m.obj()?.is(&ba)`](ObjRef::is) |
//! | `m.release()`, `m.toreadonly()`, `m.count(x)`, `m.index(x, a, b)` | same names on [`MemoryView`] |
//! | `m.nbytes`, `m.shape`, `m.strides`, `m.c_contiguous`, ... | methods of the same names, returning `Result` |
//! | `PyObject_GetBuffer(obj, &view, PyBUF_RECORDS)` | [`obj.get_buffer(Flags::RECORDS)`](Exporter::get_buffer) |
//! | `Py_buffer.buf` | [`buf.buf_ptr()`](Buffer::buf_ptr) (a raw pointer, for FFI), [`buf.buf_addr()`](Buffer::buf_addr) (a number) |
//! | a C extension's `bf_getbuffer` over memory it owns | [`Foreign::new(memory, layout, readonly, type_name)`](Foreign::new) with [`ForeignMemory`] |
//! | `PyBuffer_Release(&view)` | `drop(buf)` or [`buf.release()`](Buffer::release) |
//! | exception `ValueError: msg` | [`Error`] with [`ErrorKind::ValueError`] and [`Error::message`] `msg` |
//!
//! # How does this differ from CPython?
//!
//! * **Errors are values.** Every fallible call returns [`Result`]; the
//!   error has the Python exception class and CPython's exact message. No
//!   public function panics.
//! * **Python 3.14 semantics.** Where CPython 3.11 to 3.14 differ (e.g.
//!   `memoryview.count`/`index` and `fromhex` messages in 3.14, the 0-d
//!   `len` in 3.12), the crate does what 3.14 does; what 3.15 changes is
//!   listed, not followed. [`VERSION_DIFFERENCES`] lists every such case with
//!   the version it arrived in.
//! * **Slicing `bytes` shares memory.** `b[1:4]` copies in CPython; here a
//!   step-1 slice is O(1) and shares the allocation. Nothing can observe the
//!   difference except memory use (use [`Bytes::copy`] to detach).
//! * **Values are `i64`, not Python ints.** Byte values that a Python int
//!   could carry but `i64` cannot are out of scope; `bytes_per_sep` is an
//!   `i32`, as CPython's C `int`.
//! * **A `ByteArray` copy is a new object.** `Clone` is `bytearray(b)`.
//!   A `Bytes` clone is the same object (`is` holds), like a second reference.
//! * **Releasing is dropping.** A view releases its export when it is
//!   dropped, as CPython does when the last reference goes, or earlier with
//!   [`MemoryView::release`]. Export counting is the allocation's `Arc`
//!   count, so it cannot drift.
//! * **Shared memory is atomic words.** `bytearray` memory is a growable
//!   `Vec<AtomicU64>` behind an `Arc`: bulk reads (`tobytes`, `==`,
//!   copies) load eight bytes at a time, near `memcpy` speed; a store of
//!   whole words is a plain `mov`, a store of one byte (or any part of a
//!   word) a compare-and-swap, so no neighbour's byte is ever lost.
//!   Everything is `Send + Sync` without locks or `unsafe`. Without
//!   exports a `bytearray` grows in place (`realloc`), as CPython's does.
//! * **Values are a small enum.** An item is a [`Value`]: `Int(i128)` (every
//!   native integer, and out-of-range inputs such as `2**64` so they can be
//!   refused with CPython's error), `Float(f64)`, `Bool`, `Bytes`. Its
//!   `PartialEq` is Python's `==` (so no `Eq`: NaN).
//! * **Native sizes are the host's.** `l L n N P` are 8 bytes on x86-64 (4
//!   in Pyodide's wasm32), and so is the byte order (little-endian on
//!   both), as CPython on the same machine. `?` reads any non-zero byte as `True` (in CPython that is
//!   up to the C compiler: x86-64 GCC builds agree, Pyodide's clang reads
//!   `b'\x02'` as `False`), while `==` between two `?` views compares the
//!   bytes, as CPython does.
//! * **Traits vs methods.** `==` is `PartialEq` for `MemoryView` (with
//!   itself and `Bytes`) and [`MemoryView::equals`] for any exporter; it
//!   never fails, like CPython's. Hashing fails for writable or non-byte
//!   views, so it is the method [`MemoryView::hash`], not `Hash`; its value
//!   is [`Bytes::hash_value`] of the same bytes (SipHash with fixed keys,
//!   not CPython's randomised hash), and `Bytes: Borrow<[u8]>` lets a
//!   `HashMap<Bytes, _>` be looked up with a view's bytes.
//! * **No sub-views.** Like CPython, `m[i]` on an N-d view is
//!   `NotImplementedError`; only the first dimension can be sliced.
//! * **Suboffsets are checked addresses.** A PIL-style (indirect) layout
//!   ([`layout::Layout::suboffsets`], made by [`NdArray::pil`] as
//!   `_testbuffer.ndarray(..., flags=ND_PIL)` makes it) stores pointers in
//!   the exporter's memory. The crate reads each one as a native-endian
//!   `usize`, subtracts the memory's base address and follows it only if
//!   it lands inside the same memory, with the item fitting; otherwise the
//!   access fails with `BufferError: suboffsets: pointer outside the
//!   exporter's memory`, where CPython would follow it and crash.
//! * **`struct` is modelled only as far as `==` needs.** Views with other
//!   formats (`<i`, `2h`, ctypes' `<B`) are accepted raw and refused at item
//!   access like CPython; their equality unpacks them with
//!   [`format::struct_unpack`] (prefixes, counts, `x s p` and the native
//!   characters; not `T{}` or 3.14's complex `F`/`D`, which compare unequal).
//! * **`array.array` without `u`/`w`.** [`Array`] covers
//!   `b B h H i I l L q Q f d`.
//! * **Sizes beyond memory.** A view with zero strides (NumPy's
//!   broadcasting) can describe 2**62 items over one byte. Copies of it
//!   (`tobytes`, `tolist`, `hex`, `hash`) fail with a bare `MemoryError`,
//!   as in CPython; `==` and `count` walk a dimension that both sides
//!   broadcast once, so they answer at once where CPython reads every item
//!   (for ever). [`NdArray`] refuses a layout of more than `isize::MAX`
//!   bytes (`ndarray: product(shape) * itemsize > SSIZE_MAX`), which
//!   CPython's `_testbuffer.ndarray` accepts and exports with a negative
//!   `len`. A non-ASCII `struct` format is a bad char here (CPython refuses
//!   the `str` earlier, with `UnicodeEncodeError`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod array;
mod bytearray;
mod bytes;
pub mod error;
pub mod foreign;
pub mod format;
mod hex;
mod indirect;
pub mod layout;
mod ndarray;
pub mod protocol;
mod storage;
mod versions;
mod view;

pub use crate::array::Array;
pub use crate::bytearray::ByteArray;
pub use crate::bytes::{Bytes, Needle};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::foreign::{Foreign, ForeignMemory};
pub use crate::format::Value;
pub use crate::ndarray::NdArray;
pub use crate::protocol::{Buffer, Exporter, Flags, ObjRef};
pub use crate::versions::{VERSION_DIFFERENCES, VersionDifference};
pub use crate::view::{
    Cursor, Item, ItemSlice, Items, Iter, Key, MemoryView, Nested, Selection, Typed,
};
