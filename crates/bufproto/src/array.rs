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
#[derive(Clone)]
pub struct Array {
    typecode: Native,
    data: ByteArray,
    id: ObjRef,
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
    /// `ValueError: bad typecode (must be b, B, u, w, h, H, i, I, l, L, q,
    /// Q, f or d)` (3.14's list) for anything else, including `u` and `w`,
    /// which this crate does not implement.
    ///
    /// ```
    /// # fn main() -> Result<(), bufproto::Error> {
    /// assert_eq!(bufproto::Array::new("d")?.itemsize(), 8);
    /// assert!(bufproto::Array::new("x").is_err());
    /// # Ok(()) }
    /// ```
    pub fn new(typecode: &str) -> Result<Array> {
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

    /// Packs one value the way `array` converts it.
    fn pack(&self, v: Value) -> Result<Vec<u8>> {
        let t = self.typecode;
        let c = t.char();
        let int = match &v {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i128::from(*b)),
            _ => None,
        };
        let type_name = match &v {
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::Bytes(_) => "bytes",
        };
        let mut out = vec![0u8; t.size()];
        if matches!(c, 'f' | 'd') {
            if matches!(v, Value::Bytes(_)) {
                return Err(Error::type_error(format!(
                    "must be real number, not {type_name}"
                )));
            }
            t.pack(&v, &mut out)?;
            return Ok(out);
        }
        let Some(i) = int else {
            return Err(Error::type_error(format!(
                "'{type_name}' object cannot be interpreted as an integer"
            )));
        };
        let bits = t.size() as u32 * 8;
        let (lo, hi) = if c.is_ascii_lowercase() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        if i < lo || i > hi {
            let o = Error::overflow_error;
            return Err(match (c, i < lo) {
                ('b', true) => o("signed char is less than minimum"),
                ('b', false) => o("signed char is greater than maximum"),
                ('B', true) => o("unsigned byte integer is less than minimum"),
                ('B', false) => o("unsigned byte integer is greater than maximum"),
                ('h', true) => o("signed short integer is less than minimum"),
                ('h', false) => o("signed short integer is greater than maximum"),
                ('H', true) => o("unsigned short is less than minimum"),
                ('H', false) => o("unsigned short is greater than maximum"),
                ('i', true) => o("signed integer is less than minimum"),
                ('i', false) => o("signed integer is greater than maximum"),
                ('I' | 'L', true) => o("can't convert negative value to unsigned int"),
                ('I', false) => o("unsigned int is greater than maximum"),
                ('l', _) => o("Python int too large to convert to C long"),
                ('L', false) => o("Python int too large to convert to C unsigned long"),
                ('Q', true) => o("can't convert negative int to unsigned"),
                _ => o("int too big to convert"),
            });
        }
        t.pack(&Value::Int(i), &mut out)?;
        Ok(out)
    }

    /// `a[index]`. Cost: O(itemsize).
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
        let s = self.itemsize();
        let a = isize::try_from(i * s).map_err(|_| Error::size_overflow())?;
        let bytes = self.data.slice(Some(a), Some(a + s as isize), None)?;
        self.typecode.unpack(&bytes.to_vec())
    }

    /// `a[index] = value` (allowed while exported: the size does not
    /// change). Cost: O(itemsize).
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
        let bytes = self.pack(value.into())?;
        let s = self.itemsize();
        let a = isize::try_from(i * s).map_err(|_| Error::size_overflow())?;
        // Same length: never a resize, so fine while exported.
        let view = crate::MemoryView::new(&self.data)?;
        view.set_slice(Some(a), Some(a + s as isize), None, &bytes)
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
        let b = self.pack(value.into())?;
        self.data.extend(&b).map_err(resize_error)
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
            all.extend(self.pack(v.into())?);
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
        let s = self.itemsize();
        let a = isize::try_from(i * s).map_err(|_| Error::size_overflow())?;
        self.data
            .del_slice(Some(a), Some(a + s as isize), None)
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
        let mut buf = self.data.get_buffer(flags)?;
        let s = self.itemsize();
        buf.layout = Layout::new(
            buf.layout.offset(),
            s,
            self.typecode().to_string(),
            vec![self.len()],
            vec![s as isize],
        )?;
        Ok(buf.with_obj(self.id))
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
