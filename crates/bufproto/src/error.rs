//! One error type for the whole crate, shaped like a Python exception.
//!
//! Every fallible operation returns [`Result<T>`](Result). The [`Error`]
//! carries the Python exception class as an [`ErrorKind`] and CPython's exact
//! message, so `err.to_string()` reads like the last line of a traceback:
//!
//! ```
//! use bufproto::{ByteArray, ErrorKind};
//! let mut b = ByteArray::new();
//! let err = b.append(256).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::ValueError);
//! assert_eq!(err.to_string(), "ValueError: byte must be in range(0, 256)");
//! ```

use std::borrow::Cow;
use std::fmt;

/// The Python exception class an [`Error`] stands for.
///
/// `#[non_exhaustive]`: the crate may come to raise another Python
/// exception (CPython's `memoryview` also raises `NotImplementedError`
/// subclasses and `UnicodeEncodeError`), so a `match` outside the crate
/// needs a `_` arm, for which [`ErrorKind::name`] gives the class name.
///
/// ```
/// use bufproto::ErrorKind;
/// assert_eq!(ErrorKind::BufferError.name(), "BufferError");
/// let python_class = |k: ErrorKind| match k {
///     ErrorKind::ValueError => "ValueError",
///     other => other.name(), // the arm a non-exhaustive enum needs
/// };
/// assert_eq!(python_class(ErrorKind::MemoryError), "MemoryError");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `TypeError`: e.g. writing to read-only memory.
    TypeError,
    /// `ValueError`: a value out of range, a released view, a bad separator.
    ValueError,
    /// `IndexError`: an index outside the sequence.
    IndexError,
    /// `BufferError`: the buffer protocol refused (not writable, resize while exported).
    BufferError,
    /// `NotImplementedError`: CPython does not implement it either.
    NotImplementedError,
    /// `OverflowError`: a size beyond `isize::MAX`.
    OverflowError,
    /// `MemoryError`: an allocation whose size comes from the input failed
    /// (or could not even be asked for), as CPython's `PyErr_NoMemory`.
    MemoryError,
}

impl ErrorKind {
    /// The Python class name, e.g. `"IndexError"`. Cost: O(1).
    ///
    /// ```
    /// assert_eq!(bufproto::ErrorKind::IndexError.name(), "IndexError");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::TypeError => "TypeError",
            ErrorKind::ValueError => "ValueError",
            ErrorKind::IndexError => "IndexError",
            ErrorKind::BufferError => "BufferError",
            ErrorKind::NotImplementedError => "NotImplementedError",
            ErrorKind::OverflowError => "OverflowError",
            ErrorKind::MemoryError => "MemoryError",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Python exception: its class ([`ErrorKind`]) and CPython's message.
///
/// `Display` prints `Kind: message`, the last line of a Python traceback
/// (just `Kind` when the message is empty, as for CPython's bare
/// `MemoryError`).
///
/// ```
/// use bufproto::{Bytes, ErrorKind};
/// let err = Bytes::from(&b"abc"[..]).get(3).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::IndexError);
/// assert_eq!(err.message(), "index out of range");
/// assert_eq!(err.to_string(), "IndexError: index out of range");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
}

impl Error {
    /// Builds an error from a kind and a message. Cost: O(1) for a
    /// `&'static str`, otherwise the message is moved in.
    ///
    /// ```
    /// use bufproto::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::ValueError, "bad");
    /// assert_eq!(e.to_string(), "ValueError: bad");
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The Python exception class. Cost: O(1).
    ///
    /// ```
    /// use bufproto::{Bytes, ErrorKind};
    /// let err = Bytes::fromhex("zz").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::ValueError);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// CPython's message, without the class name. Cost: O(1).
    ///
    /// ```
    /// use bufproto::Bytes;
    /// let err = Bytes::fromhex("zz").unwrap_err();
    /// assert_eq!(err.message(), "non-hexadecimal number found in fromhex() arg at position 0");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn type_error(m: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::TypeError, m)
    }
    pub(crate) fn value_error(m: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::ValueError, m)
    }
    pub(crate) fn index_error(m: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::IndexError, m)
    }
    pub(crate) fn buffer_error(m: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::BufferError, m)
    }
    pub(crate) fn overflow_error(m: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::OverflowError, m)
    }
    /// `ValueError: operation forbidden on released memoryview object`.
    pub(crate) fn released() -> Error {
        Error::value_error("operation forbidden on released memoryview object")
    }
    /// `BufferError: Existing exports of data: object cannot be re-sized`.
    pub(crate) fn cannot_resize() -> Error {
        Error::buffer_error("Existing exports of data: object cannot be re-sized")
    }
    /// `TypeError: cannot modify read-only memory`.
    pub(crate) fn read_only() -> Error {
        Error::type_error("cannot modify read-only memory")
    }
    /// The `OverflowError` for a size or index computation that left `isize`.
    pub(crate) fn size_overflow() -> Error {
        Error::overflow_error("Python int too large to convert to C ssize_t")
    }
    /// CPython's `PyErr_NoMemory()`: a bare `MemoryError`, no message.
    pub(crate) fn no_memory() -> Error {
        Error::new(ErrorKind::MemoryError, "")
    }
}

/// An empty `Vec` with room for exactly `n` items, or `MemoryError` if the
/// allocator refuses (or `n` items do not fit `isize::MAX` bytes): the
/// fallible `Vec::with_capacity` every input-sized allocation goes through.
pub(crate) fn try_vec<T>(n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Error::no_memory())?;
    Ok(v)
}

/// Collects `items` into a `Vec` whose every growth is fallible (amortised
/// doubling, as `collect` does), or `MemoryError`: for iterators whose
/// length comes from the input.
pub(crate) fn try_collect<T>(items: impl IntoIterator<Item = Result<T>>) -> Result<Vec<T>> {
    let items = items.into_iter();
    let mut v = try_vec(items.size_hint().0)?;
    for x in items {
        if v.len() == v.capacity() {
            v.try_reserve(1).map_err(|_| Error::no_memory())?;
        }
        v.push(x?);
    }
    Ok(v)
}

/// Size from which [`ensure_arc_fits`] asks the allocator before an
/// infallible allocation is made: below it a failure is the whole
/// process running out of memory, which no caller can recover from anyway.
const PROBE_FROM: usize = 1 << 16;

/// Whether an `Arc<[T]>` of `n` items can be allocated, checked before the
/// allocation is made, because stable Rust has no fallible `Arc` slice
/// constructor (`Arc::from(vec)` panics when the size overflows and
/// aborts the process when the allocator refuses). The size, with the
/// `Arc`'s two counters, must fit `isize::MAX`; from 64 KiB on, the
/// allocator is asked for the same number of bytes (a `try_reserve` that is
/// released at once). Another thread can still take the memory between the
/// probe and the real allocation; that window is the one left open.
pub(crate) fn ensure_arc_fits<T>(n: usize) -> Result<()> {
    let bytes = n
        .checked_mul(std::mem::size_of::<T>())
        .and_then(|b| b.checked_add(2 * std::mem::size_of::<usize>()))
        .filter(|b| isize::try_from(*b).is_ok())
        .ok_or_else(Error::no_memory)?;
    if bytes >= PROBE_FROM {
        drop(try_vec::<u8>(bytes)?);
    }
    Ok(())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            return write!(f, "{}", self.kind);
        }
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
