//! Where CPython 3.11, 3.12, 3.13, 3.14 and 3.15 differ in what this crate
//! covers, with the version in which each difference arrived.
//!
//! The crate follows 3.14; 3.15 (a release candidate, 3.15.0rc1) is listed,
//! not followed. The `bufproto-oracle` crate runs every snippet in every one
//! of those CPythons and checks each recorded outcome, so this list cannot
//! go stale.

/// One observable difference between CPython versions.
///
/// ```
/// let d = &bufproto::VERSION_DIFFERENCES[0];
/// assert_eq!(d.outcome_on((3, 14)), Some(d.py314));
/// assert_ne!(d.outcome_on((3, 11)), d.outcome_on((3, 15)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionDifference {
    /// A short stable identifier.
    pub id: &'static str,
    /// What differs, in one sentence.
    pub description: &'static str,
    /// Python source: statements, then a final expression on the last line.
    pub python: &'static str,
    /// The first CPython version, `(major, minor)`, whose outcome is not
    /// 3.11's: `(3, 12)` to `(3, 15)`.
    pub since: (u8, u8),
    /// `repr` of the last expression, or `Kind: message`, from CPython 3.11
    /// up to the version before `since`.
    pub py311: &'static str,
    /// The same from `since` up to CPython 3.14 (what this crate does). For a
    /// difference that arrives in 3.15, the same as `py311`.
    pub py314: &'static str,
    /// The same under CPython 3.15.0rc1, which the crate does not follow.
    pub py315: &'static str,
}

impl VersionDifference {
    /// The outcome CPython `(major, minor)` gives, for the versions this list
    /// covers (3.11 to 3.15); `None` for any other.
    ///
    /// ```
    /// let d = bufproto::VERSION_DIFFERENCES.iter().find(|d| d.id == "memoryview-0d-len").unwrap();
    /// assert_eq!(d.since, (3, 12));
    /// assert_eq!(d.outcome_on((3, 11)), Some("1"));
    /// assert_eq!(d.outcome_on((3, 13)), Some(d.py314));
    /// assert_eq!(d.outcome_on((3, 10)), None);
    /// ```
    ///
    /// Cost: O(1).
    ///
    /// # Errors
    ///
    /// None: a version outside 3.11 to 3.15 gives `None`.
    pub fn outcome_on(&self, version: (u8, u8)) -> Option<&'static str> {
        match version {
            (3, 15) => Some(self.py315),
            (3, 11..=14) if version < self.since => Some(self.py311),
            (3, 11..=14) => Some(self.py314),
            _ => None,
        }
    }
}

/// The differences between CPython 3.11 and 3.15 in what the crate covers,
/// oldest first by the version they arrived in.
///
/// ```
/// assert!(bufproto::VERSION_DIFFERENCES.iter().any(|d| d.id == "memoryview-count"));
/// ```
pub static VERSION_DIFFERENCES: &[VersionDifference] = &[
    VersionDifference {
        id: "memoryview-half-float",
        description: "Format 'e' (IEEE 754 half float) in memoryview arrived in 3.12; 3.11 refuses it as a cast destination.",
        python: "memoryview(b'\\x00\\x3c\\x00\\xfc').cast('e').tolist()",
        since: (3, 12),
        py311: "ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'",
        py314: "[1.0, -inf]",
        py315: "[1.0, -inf]",
    },
    VersionDifference {
        id: "memoryview-0d-len",
        description: "len() of a 0-dimensional memoryview was 1 in 3.11 and is a TypeError from 3.12 on.",
        python: "len(memoryview(b'abcd').cast('i', []))",
        since: (3, 12),
        py311: "1",
        py314: "TypeError: 0-dim memory has no length",
        py315: "TypeError: 0-dim memory has no length",
    },
    VersionDifference {
        id: "memoryview-count",
        description: "memoryview.count() exists only from 3.14 on.",
        python: "memoryview(b'abca').count(97)",
        since: (3, 14),
        py311: "AttributeError: 'memoryview' object has no attribute 'count'",
        py314: "2",
        py315: "2",
    },
    VersionDifference {
        id: "memoryview-index",
        description: "memoryview.index(value, start, stop) exists only from 3.14 on.",
        python: "memoryview(b'abca').index(97, 1)",
        since: (3, 14),
        py311: "AttributeError: 'memoryview' object has no attribute 'index'",
        py314: "3",
        py315: "3",
    },
    VersionDifference {
        id: "memoryview-index-missing",
        description: "A missing value in memoryview.index raises its own ValueError in 3.14.",
        python: "memoryview(b'abc').index(120)",
        since: (3, 14),
        py311: "AttributeError: 'memoryview' object has no attribute 'index'",
        py314: "ValueError: memoryview.index(x): x not found",
        py315: "ValueError: memoryview.index(x): x not found",
    },
    VersionDifference {
        id: "fromhex-odd-digits",
        description: "bytes.fromhex with an odd number of digits: 3.11 blames a position past the end, 3.14 says the count is odd.",
        python: "bytes.fromhex('abc')",
        since: (3, 14),
        py311: "ValueError: non-hexadecimal number found in fromhex() arg at position 3",
        py314: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
        py315: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
    },
    VersionDifference {
        id: "fromhex-space-splits-pair",
        description: "bytes.fromhex with a lone digit after whitespace: 3.11 reports the position after it, 3.14 the odd count.",
        python: "bytes.fromhex('ab c')",
        since: (3, 14),
        py311: "ValueError: non-hexadecimal number found in fromhex() arg at position 4",
        py314: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
        py315: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
    },
    VersionDifference {
        id: "fromhex-leading-space-odd",
        description: "bytes.fromhex(' a'): 3.11 reports position 2 (past the end), 3.14 the odd count.",
        python: "bytearray.fromhex(' a')",
        since: (3, 14),
        py311: "ValueError: non-hexadecimal number found in fromhex() arg at position 2",
        py314: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
        py315: "ValueError: fromhex() arg must contain an even number of hexadecimal digits",
    },
    VersionDifference {
        id: "memoryview-count-nd",
        description: "memoryview.count() (3.14) iterates, so an N-d view raises the iterator's NotImplementedError.",
        python: "memoryview(b'abcd').cast('B', [2, 2]).count(97)",
        since: (3, 14),
        py311: "AttributeError: 'memoryview' object has no attribute 'count'",
        py314: "NotImplementedError: multi-dimensional sub-views are not implemented",
        py315: "NotImplementedError: multi-dimensional sub-views are not implemented",
    },
    VersionDifference {
        id: "memoryview-index-nd",
        description: "memoryview.index() (3.14) on an N-d view has its own NotImplementedError message.",
        python: "memoryview(b'abcd').cast('B', [2, 2]).index(97)",
        since: (3, 14),
        py311: "AttributeError: 'memoryview' object has no attribute 'index'",
        py314: "NotImplementedError: multi-dimensional lookup is not implemented",
        py315: "NotImplementedError: multi-dimensional lookup is not implemented",
    },
    VersionDifference {
        id: "array-bad-typecode",
        description: "array.array's bad-typecode message lists 'w' (Py_UCS4, a typecode since 3.13) from 3.14 on; 3.15 adds 'e', 'Zf' and 'Zd'.",
        python: "import array\narray.array('x')",
        since: (3, 14),
        py311: "ValueError: bad typecode (must be b, B, u, h, H, i, I, l, L, q, Q, f or d)",
        py314: "ValueError: bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)",
        py315: "ValueError: bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, e, f, d, Zf or Zd)",
    },
    VersionDifference {
        id: "memoryview-cast-format-message",
        description: "A cast to a format that is not native: 3.15 drops \"single character\" from the message, as its complex formats 'Zf' and 'Zd' have two.",
        python: "memoryview(b'abcd').cast('<i')",
        since: (3, 15),
        py311: "ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'",
        py314: "ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'",
        py315: "ValueError: memoryview: destination format must be a native format prefixed with an optional '@'",
    },
    VersionDifference {
        id: "memoryview-complex-formats",
        description: "Complex formats 'Zd' (and 'Zf') in memoryview arrive in 3.15; earlier versions refuse them as cast destinations.",
        python: "memoryview(bytes(16)).cast('Zd').tolist()",
        since: (3, 15),
        py311: "ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'",
        py314: "ValueError: memoryview: destination format must be a native single character format prefixed with an optional '@'",
        py315: "[0j]",
    },
    VersionDifference {
        id: "bytearray-repr-quote",
        description: "repr of a bytearray holding ' but no \": up to 3.14 it escapes the ' even inside double quotes, as bytes' repr does not; 3.15 does not.",
        python: "bytearray(b\"a'b\")",
        since: (3, 15),
        py311: "bytearray(b\"a\\'b\")",
        py314: "bytearray(b\"a\\'b\")",
        py315: "bytearray(b\"a'b\")",
    },
    VersionDifference {
        id: "bytearray-allocation",
        description: "sys.getsizeof of a one-byte bytearray, less an empty one's: 2 bytes (the byte and a trailing zero) up to 3.14, 18 in 3.15, whose bytearray keeps its bytes in a bytes object.",
        python: "import sys\nsys.getsizeof(bytearray(b'a')) - sys.getsizeof(bytearray())",
        since: (3, 15),
        py311: "2",
        py314: "2",
        py315: "18",
    },
    VersionDifference {
        id: "array-typecode-length",
        description: "array.array with a typecode that is not one character: 3.14's TypeError gives its length.",
        python: "import array\narray.array('bb')",
        since: (3, 14),
        py311: "TypeError: array() argument 1 must be a unicode character, not str",
        py314: "TypeError: array() argument 1 must be a unicode character, not a string of length 2",
        py315: "ValueError: bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, e, f, d, Zf or Zd)",
    },
];
