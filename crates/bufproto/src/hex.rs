//! Hex conversion and `repr`, shared by `bytes`, `bytearray` and `memoryview`.

use crate::error::{Error, Result, try_vec};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `_Py_strhex_impl`: hex digits, optionally grouped with a one-character
/// ASCII separator every `|bytes_per_sep|` bytes, counted from the right for
/// positive values and from the left for negative ones.
pub(crate) fn to_hex(data: &[u8], sep: Option<&str>, bytes_per_sep: i32) -> Result<String> {
    let sep = match sep {
        None => None,
        Some(s) => {
            let mut chars = s.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                return Err(Error::value_error("sep must be length 1."));
            };
            if !c.is_ascii() {
                return Err(Error::value_error("sep must be ASCII."));
            }
            Some(c)
        }
    };
    let group = bytes_per_sep.unsigned_abs() as usize;
    // Two digits per byte and at most one separator: reserved fallibly,
    // as the length is the caller's (`m.hex()` of a 1 GiB view).
    let mut out = String::new();
    let room = data.len().checked_mul(3).ok_or_else(Error::no_memory)?;
    out.try_reserve_exact(room)
        .map_err(|_| Error::no_memory())?;
    let n = data.len();
    for (i, &b) in data.iter().enumerate() {
        if let (Some(c), true) = (sep, group > 0 && i > 0) {
            // boundary before byte i?
            let boundary = if bytes_per_sep > 0 {
                (n - i).is_multiple_of(group)
            } else {
                i.is_multiple_of(group)
            };
            if boundary {
                out.push(c);
            }
        }
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    Ok(out)
}

/// Plain hex digits for the infallible `bytes.hex()` and `bytearray.hex()`
/// (their signature has no room for an error): the room is asked for
/// fallibly and, if refused, the string grows as it is written, so no
/// capacity computation can overflow (`2 * len` does on 32-bit targets for
/// a 1.5 GiB buffer); only a real out-of-memory, at most twice the
/// buffer's own size, can stop it.
pub(crate) fn to_hex_plain(data: &[u8]) -> String {
    let mut out = String::new();
    if let Some(n) = data.len().checked_mul(2) {
        // A refusal is not an error here: the loop grows the string.
        let _ = out.try_reserve_exact(n);
    }
    for &b in data {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `bytes.fromhex` with CPython 3.14's rules and messages.
pub(crate) fn from_hex(s: &str) -> Result<Vec<u8>> {
    let bad = |pos: usize| {
        Error::value_error(format!(
            "non-hexadecimal number found in fromhex() arg at position {pos}"
        ))
    };
    // A str with any non-ASCII character fails at the first such character,
    // counted in characters, before any other check.
    if let Some(pos) = s.chars().position(|c| !c.is_ascii()) {
        return Err(bad(pos));
    }
    let b = s.as_bytes();
    let mut out = try_vec(b.len() / 2)?;
    let mut i = 0;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let hi = hexval(b[i]).ok_or_else(|| bad(i))?;
        i += 1;
        if i >= b.len() {
            return Err(Error::value_error(
                "fromhex() arg must contain an even number of hexadecimal digits",
            ));
        }
        let lo = hexval(b[i]).ok_or_else(|| bad(i))?;
        i += 1;
        out.push(hi << 4 | lo);
    }
}

/// Python's `repr` of bytes: `b'...'`. `bytearray_style` reproduces
/// `bytearray.__repr__`, which escapes `'` even inside double quotes.
pub(crate) fn repr(data: &[u8], bytearray_style: bool) -> String {
    let has_single = data.contains(&b'\'');
    let has_double = data.contains(&b'"');
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut s = String::new();
    // `b''` and the bytes; a refusal just leaves the string to grow.
    let _ = s.try_reserve(data.len().saturating_add(3));
    s.push('b');
    s.push(quote);
    for &c in data {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\'' if bytearray_style || quote == '\'' => s.push_str("\\'"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                s.push_str("\\x");
                s.push(DIGITS[(c >> 4) as usize] as char);
                s.push(DIGITS[(c & 15) as usize] as char);
            }
        }
    }
    s.push(quote);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_groups() {
        assert_eq!(to_hex(b"abcde", Some(":"), 2).unwrap(), "61:6263:6465");
        assert_eq!(to_hex(b"abcde", Some(":"), -2).unwrap(), "6162:6364:65");
        assert_eq!(to_hex(b"abc", Some(":"), 0).unwrap(), "616263");
        assert_eq!(to_hex(b"", Some(":"), 1).unwrap(), "");
        let e = to_hex(b"abc", Some("::"), 1).unwrap_err();
        assert_eq!(e.to_string(), "ValueError: sep must be length 1.");
        let e = to_hex(b"abc", Some(""), 1).unwrap_err();
        assert_eq!(e.to_string(), "ValueError: sep must be length 1.");
        let e = to_hex(b"abc", Some("\u{e9}"), 1).unwrap_err();
        assert_eq!(e.to_string(), "ValueError: sep must be ASCII.");
        assert_eq!(to_hex(b"ab", Some(":"), i32::MIN).unwrap(), "6162");
    }

    #[test]
    fn fromhex_messages() {
        assert_eq!(from_hex(" ab\x0b\x0ccd ").unwrap(), vec![0xab, 0xcd]);
        let msg = |s: &str| from_hex(s).unwrap_err().to_string();
        assert_eq!(
            msg("abc"),
            "ValueError: fromhex() arg must contain an even number of hexadecimal digits"
        );
        assert_eq!(
            msg("a b"),
            "ValueError: non-hexadecimal number found in fromhex() arg at position 1"
        );
        assert_eq!(
            msg("g\u{e9}"),
            "ValueError: non-hexadecimal number found in fromhex() arg at position 1"
        );
        assert_eq!(
            msg("ab\x1c"),
            "ValueError: non-hexadecimal number found in fromhex() arg at position 2"
        );
    }

    #[test]
    fn reprs() {
        assert_eq!(repr(b"abc\x00", false), "b'abc\\x00'");
        assert_eq!(repr(b"'", false), "b\"'\"");
        assert_eq!(repr(b"'", true), "b\"\\'\"");
        assert_eq!(repr(b"'\"", false), "b'\\'\"'");
        assert_eq!(repr(b"\x7f\x80\t\\", false), "b'\\x7f\\x80\\t\\\\'");
    }
}
