//! Where CPython 3.11 and 3.14 differ in what this crate covers.
//!
//! The crate follows 3.14. The `bufproto-oracle` crate runs every snippet in
//! both interpreters and checks the recorded outcomes, so this list cannot go
//! stale.

/// One observable difference between CPython 3.11 and 3.14.
///
/// ```
/// let d = &bufproto::VERSION_DIFFERENCES[0];
/// assert!(!d.id.is_empty() && d.py311 != d.py314);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionDifference {
    /// A short stable identifier.
    pub id: &'static str,
    /// What differs, in one sentence.
    pub description: &'static str,
    /// Python source: statements, then a final expression on the last line.
    pub python: &'static str,
    /// `repr` of the last expression, or `Kind: message`, under CPython 3.11.
    pub py311: &'static str,
    /// The same under CPython 3.14 (what this crate does).
    pub py314: &'static str,
}

/// The differences between CPython 3.11 and 3.14 in what the crate covers.
///
/// ```
/// assert!(bufproto::VERSION_DIFFERENCES.iter().any(|d| d.id == "memoryview-count"));
/// ```
pub static VERSION_DIFFERENCES: &[VersionDifference] = &[
    VersionDifference {
        id: "memoryview-count",
        description: "memoryview.count() exists only from 3.14 on.",
        python: "memoryview(b'abca').count(97)",
        py311: "AttributeError: 'memoryview' object has no attribute 'count'",
        py314: "2",
    },
    VersionDifference {
        id: "memoryview-index",
        description: "memoryview.index(value, start, stop) exists only from 3.14 on.",
        python: "memoryview(b'abca').index(97, 1)",
        py311: "AttributeError: 'memoryview' object has no attribute 'index'",
        py314: "3",
    },
    VersionDifference {
        id: "memoryview-index-missing",
        description: "A missing value in memoryview.index raises its own ValueError in 3.14.",
        python: "memoryview(b'abc').index(120)",
        py311: "AttributeError: 'memoryview' object has no attribute 'index'",
        py314: "ValueError: memoryview.index(x): x not found",
    },
    VersionDifference {
        id: "fromhex-odd-digits",
        description: "bytes.fromhex with an odd number of digits: 3.11 blames a position past the end, 3.14 says the count is odd.",
        python: "bytes.fromhex('abc')",
        py311: "ValueError: non-hexadecimal number found in fromhex() arg at position 3",
        py314: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
    },
    VersionDifference {
        id: "fromhex-space-splits-pair",
        description: "bytes.fromhex with a lone digit after whitespace: 3.11 reports the position after it, 3.14 the odd count.",
        python: "bytes.fromhex('ab c')",
        py311: "ValueError: non-hexadecimal number found in fromhex() arg at position 4",
        py314: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
    },
    VersionDifference {
        id: "fromhex-leading-space-odd",
        description: "bytes.fromhex(' a'): 3.11 reports position 2 (past the end), 3.14 the odd count.",
        python: "bytearray.fromhex(' a')",
        py311: "ValueError: non-hexadecimal number found in fromhex() arg at position 2",
        py314: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
    },
    VersionDifference {
        id: "memoryview-half-float",
        description: "Format 'e' (IEEE 754 half float) in memoryview arrived in 3.12; 3.11 refuses it as a cast destination.",
        python: "memoryview(b'\\x00\\x3c\\x00\\xfc').cast('e').tolist()",
        py311: "ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'",
        py314: "[1.0, -inf]",
    },
    VersionDifference {
        id: "memoryview-0d-len",
        description: "len() of a 0-dimensional memoryview was 1 in 3.11 and is a TypeError in 3.14.",
        python: "len(memoryview(b'abcd').cast('i', []))",
        py311: "1",
        py314: "TypeError: 0-dim memory has no length",
    },
    VersionDifference {
        id: "memoryview-count-nd",
        description: "memoryview.count() (3.14) iterates, so an N-d view raises the iterator's NotImplementedError.",
        python: "memoryview(b'abcd').cast('B', [2, 2]).count(97)",
        py311: "AttributeError: 'memoryview' object has no attribute 'count'",
        py314: "NotImplementedError: multi-dimensional sub-views are not implemented",
    },
    VersionDifference {
        id: "memoryview-index-nd",
        description: "memoryview.index() (3.14) on an N-d view has its own NotImplementedError message.",
        python: "memoryview(b'abcd').cast('B', [2, 2]).index(97)",
        py311: "AttributeError: 'memoryview' object has no attribute 'index'",
        py314: "NotImplementedError: multi-dimensional lookup is not implemented",
    },
    VersionDifference {
        id: "array-bad-typecode",
        description: "array.array's bad-typecode message lists 'w' (Py_UCS4, new in 3.13) in 3.14.",
        python: "import array\narray.array('x')",
        py311: "ValueError: bad typecode (must be b, B, u, h, H, i, I, l, L, q, Q, f or d)",
        py314: "ValueError: bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)",
    },
    VersionDifference {
        id: "array-typecode-length",
        description: "array.array with a typecode that is not one character: 3.14's TypeError gives its length.",
        python: "import array\narray.array('bb')",
        py311: "TypeError: array() argument 1 must be a unicode character, not str",
        py314: "TypeError: array() argument 1 must be a unicode character, not a string of length 2",
    },
];
