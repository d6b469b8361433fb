//! `array.array`: a typed, resizable array that exports its items with
//! format = typecode.

use std::fmt;

use crate::bytearray::ByteArray;
use crate::bytes::Bytes;
use crate::error::{Error, ErrorKind, Result};
use crate::format::{Native, Value};
use crate::layout::{Layout, normalize_index};
use crate::protocol::{Buffer, Exporter, Flags, ObjRef};

/// Python's `array.array` for the typecodes `b B h H i I l L q Q f d`
/// (not the deprecated `u`, nor `w`).
///
/// The items live in a [`ByteArray`] (the crate's one shared storage), so
/// export counting is the same mechanism: while a view or
/// [`Buffer`] exists, anything that changes the size fails with `BufferError:
/// cannot resize an array that is exporting buffers`. Its buffer is 1-D,
/// C-contiguous, with format = typecode and itemsize of the type on this
/// platform (`l` is 8 bytes on x86-64).
///
/// ```
/// use bufproto::{Array, MemoryView};
/// # fn main() -> Result<(), bufproto::Error> {
/// let mut a = Array::from_values("h", [1, -2, 3])?;
/// let m = MemoryView::new(&a)?;
/// assert_eq!((m.format()?, m.itemsize()?, m.tolist()?.to_string()), ("h", 2, "[1, -2, 3]".into()));
/// assert_eq!(a.append(4).unwrap_err().to_string(),
///            "BufferError: cannot resize an array that is exporting buffers");
/// drop(m);
/// a.append(4)?;
/// assert_eq!(a.len(), 4);
/// # Ok(()) }
/// ```
pub struct Array {
    typecode: Native,
    data: ByteArray,
    id: ObjRef,
}

/// The largest item (`d`, `q`, `Q`, and `l`/`L` on LP64): packing uses a
/// stack buffer of this size.
const MAX_ITEMSIZE: usize = 8;

/// One conversion step of an `array` setitem function: values outside
/// `lo..=hi` fail with `OverflowError` and the message for their side.
struct Step {
    lo: i128,
    hi: i128,
    below: &'static str,
    above: &'static str,
}

const C_LONG: &str = "Python int too large to convert to C long";
const C_ULONG: &str = "Python int too large to convert to C unsigned long";
const NEG_ULONG: &str = "can't convert negative value to unsigned int";

fn signed(bits: u32) -> (i128, i128) {
    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
}

fn step((lo, hi): (i128, i128), below: &'static str, above: &'static str) -> Option<Step> {
    Some(Step {
        lo,
        hi,
        below,
        above,
    })
}

/// The `OverflowError` message `array.array(c, [i])` raises, or `None` if
/// `i` fits. CPython's `Modules/arraymodule.c` converts through a wider C
/// type first, so the *first* check that fails names that type:
///
/// * `b`: `PyArg_Parse` `"h"` (C `long`, then `short`), then the
///   `signed char` check; `B`: `"b"` (C `long`, then `unsigned byte`);
///   `h`: `"h"`; `H`: `"i"` (C `long`, then `int`), then `unsigned short`;
///   `i`: `"i"`; `l`: `"l"` (C `long`);
/// * `I` and `L`: `PyLong_AsUnsignedLong` (negative, then C `unsigned
///   long`), then for `I` the `unsigned int` check;
/// * `q`: `PyLong_AsLongLong`; `Q`: `PyLong_AsUnsignedLongLong`.
///
/// C `long` is the platform's (8 bytes on x86-64 Linux; 4 on wasm32 and
/// 64-bit Windows), the size this crate gives `'l'`.
fn int_range_error(c: char, i: i128) -> Option<&'static str> {
    let long_bits = Native::parse("l").map_or(64, |n| n.size() as u32 * 8);
    let long = step(signed(long_bits), C_LONG, C_LONG);
    let ulong = step((0, (1i128 << long_bits) - 1), NEG_ULONG, C_ULONG);
    let short = step(
        signed(16),
        "signed short integer is less than minimum",
        "signed short integer is greater than maximum",
    );
    let int = step(
        signed(32),
        "signed integer is less than minimum",
        "signed integer is greater than maximum",
    );
    let steps: [Option<Step>; 3] = match c {
        'b' => [
            long,
            short,
            step(
                signed(8),
                "signed char is less than minimum",
                "signed char is greater than maximum",
            ),
        ],
        'B' => [
            long,
            step(
                (0, 255),
                "unsigned byte integer is less than minimum",
                "unsigned byte integer is greater than maximum",
            ),
            None,
        ],
        'h' => [long, short, None],
        'H' => [
            long,
            int,
            step(
                (0, 65535),
                "unsigned short is less than minimum",
                "unsigned short is greater than maximum",
            ),
        ],
        'i' => [long, int, None],
        'I' => [
            ulong,
            step(
                (0, (1i128 << 32) - 1),
                NEG_ULONG,
                "unsigned int is greater than maximum",
            ),
            None,
        ],
        'l' => [long, None, None],
        'L' => [ulong, None, None],
        'q' => [
            step(
                signed(64),
                "int too big to convert",
                "int too big to convert",
            ),
            None,
            None,
        ],
        'Q' => [
            step(
                (0, (1i128 << 64) - 1),
                "can't convert negative int to unsigned",
                "int too big to convert",
            ),
            None,
            None,
        ],
        _ => [None, None, None],
    };
    steps.into_iter().flatten().find_map(|s| {
        if i < s.lo {
            Some(s.below)
        } else if i > s.hi {
            Some(s.above)
        } else {
            None
        }
    })
}

fn resize_error(e: Error) -> Error {
    if e.kind() == ErrorKind::BufferError {
        Error::buffer_error("cannot resize an array that is exporting buffers")
    } else {
        e
    }
}

impl Array {
    /// `array.array(typecode)`: an empty array. Cost: O(1).
    ///
    /// # Errors
    ///
    /// `TypeError: array() argument 1 must be a unicode character, not a
    /// string of length N` (3.14's words) unless `typecode` is one
    /// character; `ValueError: bad typecode (must be b, B, u, w, h, H, i, I,
    /// l, L, q, Q, f or d)` (3.14's list) for any other character, including
    /// `u` and `w`, which this crate does not implement.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::Array::new("d")?.itemsize(), 8);
    /// assert_eq!(bufproto::Array::new("x").unwrap_err().kind(), bufproto::ErrorKind::ValueError);
    /// assert_eq!(bufproto::Array::new("bb").unwrap_err().to_string(),
    ///            "TypeError: array() argument 1 must be a unicode character, not a string of length 2");
    /// # Ok(()) }
    /// ```
    pub fn new(typecode: &str) -> Result<Array> {
        // CPython's argument clinic wants one code point first (`TypeError`),
        // then `array_new` checks it is a known typecode (`ValueError`).
        let n = typecode.chars().count();
        if n != 1 {
            return Err(Error::type_error(format!(
                "array() argument 1 must be a unicode character, not a string of length {n}"
            )));
        }
        let tc = match typecode.as_bytes() {
            [c] if b"bBhHiIlLqQfd".contains(c) => Native::parse(typecode),
            _ => None,
        }
        .ok_or_else(|| {
            Error::value_error("bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)")
        })?;
        Ok(Array {
            typecode: tc,
            data: ByteArray::new(),
            id: ObjRef::unhashable("array.array"),
        })
    }

    /// `array.array(typecode, values)`. Cost: O(n).
    ///
    /// # Errors
    ///
    /// As [`new`](Array::new) and [`append`](Array::append).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let a = bufproto::Array::from_values("f", [1.5, 2.0])?;
    /// assert_eq!(a.tobytes().len(), 8);
    /// # Ok(()) }
    /// ```
    pub fn from_values<V: Into<Value>>(
        typecode: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Result<Array> {
        let mut a = Array::new(typecode)?;
        a.extend(values)?;
        Ok(a)
    }

    /// `a.typecode`. Cost: O(1).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::Array::new("Q")?.typecode(), 'Q');
    /// # Ok(()) }
    /// ```
    pub fn typecode(&self) -> char {
        self.typecode.char()
    }

    /// `a.itemsize`. Cost: O(1).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::Array::new("i")?.itemsize(), 4);
    /// # Ok(()) }
    /// ```
    pub fn itemsize(&self) -> usize {
        self.typecode.size()
    }

    /// `len(a)`. Cost: O(1).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::Array::from_values("i", [1, 2])?.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> usize {
        self.data.len() / self.itemsize()
    }

    /// `len(a) == 0`. Cost: O(1).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert!(bufproto::Array::new("i")?.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Live exports (views and buffers). Cost: O(1).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let a = bufproto::Array::new("i")?;
    /// let m = bufproto::MemoryView::new(&a)?;
    /// assert_eq!(a.exports(), 1);
    /// # Ok(()) }
    /// ```
    pub fn exports(&self) -> usize {
        self.data.exports()
    }

    /// Packs one value the way `array`'s `*_setitem` converts it, into the
    /// first `itemsize` bytes of `out` (no allocation).
    fn pack_into(&self, v: &Value, out: &mut [u8; MAX_ITEMSIZE]) -> Result<()> {
        let t = self.typecode;
        let type_name = match v {
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::Bytes(_) => "bytes",
        };
        let dest = out.get_mut(..t.size()).ok_or_else(Error::size_overflow)?;
        if matches!(t.char(), 'f' | 'd') {
            if matches!(v, Value::Bytes(_)) {
                return Err(Error::type_error(format!(
                    "must be real number, not {type_name}"
                )));
            }
            return t.pack(v, dest);
        }
        let i = match v {
            Value::Int(i) => *i,
            Value::Bool(b) => i128::from(*b),
            _ => {
                return Err(Error::type_error(format!(
                    "'{type_name}' object cannot be interpreted as an integer"
                )));
            }
        };
        if let Some(msg) = int_range_error(t.char(), i) {
            return Err(Error::overflow_error(msg));
        }
        t.pack(&Value::Int(i), dest)
    }

    /// Byte offset of item `i` (in range) in the array's storage.
    fn item_at(&self, buf: &Buffer, i: usize) -> Result<usize> {
        i.checked_mul(self.itemsize())
            .and_then(|o| o.checked_add(usize::try_from(buf.layout().offset()).ok()?))
            .ok_or_else(Error::size_overflow)
    }

    /// `a[index]`. Cost: O(1), no allocation: reads `itemsize` bytes in
    /// place.
    ///
    /// # Errors
    ///
    /// `IndexError: array index out of range`.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let a = bufproto::Array::from_values("i", [5, 6])?;
    /// assert_eq!(a.get(-1)?, 6);
    /// # Ok(()) }
    /// ```
    pub fn get(&self, index: isize) -> Result<Value> {
        let i = normalize_index(index, self.len())
            .ok_or_else(|| Error::index_error("array index out of range"))?;
        self.item(i)
    }

    fn item(&self, i: usize) -> Result<Value> {
        // A buffer of the bytes is an `Arc` clone, not a copy.
        let buf = self.data.get_buffer(Flags::SIMPLE)?;
        let at = self.item_at(&buf, i)?;
        let mut raw = [0u8; MAX_ITEMSIZE];
        let dest = raw
            .get_mut(..self.itemsize())
            .ok_or_else(Error::size_overflow)?;
        if !buf.storage().read_into(at, dest) {
            return Err(Error::index_error("array index out of range"));
        }
        self.typecode.unpack(dest)
    }

    /// `a[index] = value` (allowed while exported: the size does not
    /// change). Cost: O(1), no allocation: writes `itemsize` bytes in place.
    ///
    /// # Errors
    ///
    /// `IndexError: array assignment index out of range`; the conversion
    /// errors of [`append`](Array::append).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let a = bufproto::Array::from_values("B", [1])?;
    /// a.set(0, 255)?;
    /// assert_eq!(a.set(0, 256).unwrap_err().to_string(),
    ///            "OverflowError: unsigned byte integer is greater than maximum");
    /// # Ok(()) }
    /// ```
    pub fn set(&self, index: isize, value: impl Into<Value>) -> Result<()> {
        let i = normalize_index(index, self.len())
            .ok_or_else(|| Error::index_error("array assignment index out of range"))?;
        let mut raw = [0u8; MAX_ITEMSIZE];
        self.pack_into(&value.into(), &mut raw)?;
        let src = raw
            .get(..self.itemsize())
            .ok_or_else(Error::size_overflow)?;
        // Same length: never a resize, so fine while exported.
        let buf = self.data.get_buffer(Flags::WRITABLE)?;
        let at = self.item_at(&buf, i)?;
        if !buf.storage().copy_in(at, src) {
            return Err(Error::index_error("array assignment index out of range"));
        }
        Ok(())
    }

    /// Appends the packed bytes of `value` to `out`.
    fn pack_onto(&self, value: Value, out: &mut Vec<u8>) -> Result<()> {
        let mut raw = [0u8; MAX_ITEMSIZE];
        self.pack_into(&value, &mut raw)?;
        let src = raw
            .get(..self.itemsize())
            .ok_or_else(Error::size_overflow)?;
        out.extend_from_slice(src);
        Ok(())
    }

    /// `a.append(value)`. Cost: O(1) amortised.
    ///
    /// # Errors
    ///
    /// `OverflowError` with `array`'s message per typecode (e.g. `signed
    /// char is less than minimum`); `TypeError: 'float' object cannot be
    /// interpreted as an integer`; `TypeError: must be real number, not
    /// bytes`; `BufferError: cannot resize an array that is exporting
    /// buffers`.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut a = bufproto::Array::new("b")?;
    /// a.append(-128)?;
    /// assert_eq!(a.append(-129).unwrap_err().to_string(),
    ///            "OverflowError: signed char is less than minimum");
    /// # Ok(()) }
    /// ```
    pub fn append(&mut self, value: impl Into<Value>) -> Result<()> {
        let mut raw = [0u8; MAX_ITEMSIZE];
        self.pack_into(&value.into(), &mut raw)?;
        let src = raw
            .get(..self.itemsize())
            .ok_or_else(Error::size_overflow)?;
        self.data.extend(src).map_err(resize_error)
    }

    /// `a.extend(values)`: converts every value first, then resizes once.
    /// Cost: O(n).
    ///
    /// # Errors
    ///
    /// As [`append`](Array::append).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut a = bufproto::Array::new("d")?;
    /// a.extend([1, 2])?;
    /// assert_eq!(a.tolist()?, [1.0, 2.0]);
    /// # Ok(()) }
    /// ```
    pub fn extend<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> Result<()> {
        let mut all = Vec::new();
        for v in values {
            self.pack_onto(v.into(), &mut all)?;
        }
        self.data.extend(&all).map_err(resize_error)
    }

    /// `a.pop(index)` (`None`: the last item). Cost: O(len).
    ///
    /// # Errors
    ///
    /// `IndexError: pop from empty array`; `IndexError: pop index out of
    /// range`; `BufferError: cannot resize an array that is exporting
    /// buffers`.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut a = bufproto::Array::from_values("i", [1, 2, 3])?;
    /// assert_eq!(a.pop(Some(0))?, 1);
    /// assert_eq!(a.pop(None)?, 3);
    /// # Ok(()) }
    /// ```
    pub fn pop(&mut self, index: Option<isize>) -> Result<Value> {
        if self.is_empty() {
            return Err(Error::index_error("pop from empty array"));
        }
        let i = normalize_index(index.unwrap_or(-1), self.len())
            .ok_or_else(|| Error::index_error("pop index out of range"))?;
        let v = self.item(i)?;
        let s = isize::try_from(self.itemsize()).map_err(|_| Error::size_overflow())?;
        let a = isize::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(s))
            .ok_or_else(Error::size_overflow)?;
        let b = a.checked_add(s).ok_or_else(Error::size_overflow)?;
        self.data
            .del_slice(Some(a), Some(b), None)
            .map_err(resize_error)?;
        Ok(v)
    }

    /// `a.tolist()`. Cost: O(n).
    ///
    /// # Errors
    ///
    /// None in practice (the items are always readable).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::Array::from_values("b", [-1])?.tolist()?, [-1]);
    /// # Ok(()) }
    /// ```
    pub fn tolist(&self) -> Result<Vec<Value>> {
        self.data
            .to_vec()
            .chunks(self.itemsize())
            .map(|c| self.typecode.unpack(c))
            .collect()
    }

    /// `a.tobytes()`: the machine representation. Cost: O(n).
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::Array::from_values("H", [258])?.tobytes().as_slice(), &[2, 1]);
    /// # Ok(()) }
    /// ```
    pub fn tobytes(&self) -> Bytes {
        self.data.to_bytes()
    }

    /// `a.frombytes(data)`: appends machine values. Cost: O(n).
    ///
    /// # Errors
    ///
    /// `ValueError: bytes length not a multiple of item size`;
    /// `BufferError: cannot resize an array that is exporting buffers`.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// let mut a = bufproto::Array::new("H")?;
    /// a.frombytes(&[1, 0])?;
    /// assert_eq!(a.frombytes(&[1]).unwrap_err().message(), "bytes length not a multiple of item size");
    /// # Ok(()) }
    /// ```
    pub fn frombytes(&mut self, data: &[u8]) -> Result<()> {
        if !data.len().is_multiple_of(self.itemsize()) {
            return Err(Error::value_error(
                "bytes length not a multiple of item size",
            ));
        }
        self.data.extend(data).map_err(resize_error)
    }
}

impl Clone for Array {
    /// `array.array(a.typecode, a)`: a new object (its own identity and
    /// allocation) with the same items. Cost: O(n).
    fn clone(&self) -> Array {
        Array {
            typecode: self.typecode,
            data: self.data.clone(),
            id: ObjRef::unhashable("array.array"),
        }
    }
}

impl fmt::Debug for Array {
    /// Python's repr: `array('i', [1, 2])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = self.tolist().unwrap_or_default();
        if items.is_empty() {
            return write!(f, "array('{}')", self.typecode());
        }
        let s: Vec<String> = items.iter().map(|v| v.to_string()).collect();
        write!(f, "array('{}', [{}])", self.typecode(), s.join(", "))
    }
}

impl Exporter for Array {
    /// `array_buffer_getbuf`: always writable and C-contiguous, so every
    /// request succeeds; format = typecode. Cost: O(1).
    fn get_buffer(&self, flags: Flags) -> Result<Buffer> {
        let buf = self.data.get_buffer(flags)?;
        let s = self.itemsize();
        let stride = isize::try_from(s).map_err(|_| Error::size_overflow())?;
        let layout = Layout::new(
            buf.layout().offset(),
            s,
            self.typecode().to_string(),
            vec![self.len()],
            vec![stride],
        )?;
        Ok(buf.relaid(layout)?.with_obj(self.id))
    }

    fn obj_ref(&self) -> ObjRef {
        self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryView;

    #[test]
    fn exports_block_resizes() {
        let mut a = Array::from_values("i", [1, 2]).unwrap();
        let m = MemoryView::new(&a).unwrap();
        let msg = "BufferError: cannot resize an array that is exporting buffers";
        assert_eq!(a.append(3).unwrap_err().to_string(), msg);
        assert_eq!(a.pop(None).unwrap_err().to_string(), msg);
        assert_eq!(a.frombytes(b"abcd").unwrap_err().to_string(), msg);
        a.extend(Vec::<i32>::new()).unwrap();
        m.set(0, 7).unwrap();
        assert_eq!(a.get(0).unwrap(), Value::Int(7));
        assert_eq!(
            m.toreadonly().unwrap().hash().unwrap_err().to_string(),
            "ValueError: memoryview: hashing is restricted to formats 'B', 'b' or 'c'"
        );
        drop(m);
        assert_eq!(a.pop(None).unwrap(), Value::Int(2));
        assert_eq!(format!("{a:?}"), "array('i', [7])");
        let b = Array::from_values("B", [1]).unwrap();
        let r = MemoryView::new(&b).unwrap().toreadonly().unwrap();
        assert_eq!(
            r.hash().unwrap_err().to_string(),
            "TypeError: unhashable type: 'array.array'"
        );
    }

    #[test]
    fn conversion_errors() {
        let e = |t: &str, v: Value| Array::from_values(t, [v]).unwrap_err().to_string();
        assert_eq!(
            e("i", Value::Float(1.0)),
            "TypeError: 'float' object cannot be interpreted as an integer"
        );
        assert_eq!(
            e("f", Value::Bytes(b"a".to_vec())),
            "TypeError: must be real number, not bytes"
        );
        assert_eq!(
            e("I", Value::Int(-1)),
            "OverflowError: can't convert negative value to unsigned int"
        );
        assert_eq!(
            e("Q", Value::Int(1 << 64)),
            "OverflowError: int too big to convert"
        );
        assert_eq!(
            e("H", Value::Int(-1)),
            "OverflowError: unsigned short is less than minimum"
        );
    }
}
