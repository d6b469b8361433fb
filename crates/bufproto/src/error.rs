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
/// ```
/// use bufproto::ErrorKind;
/// assert_eq!(ErrorKind::BufferError.name(), "BufferError");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
/// `Display` prints `Kind: message`, the last line of a Python traceback.
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
