//! `hex`, `hex_with` and `fromhex` against the models of `_Py_strhex_impl`
//! and `_PyBytes_FromHex` (3.14).

use bufproto::{ByteArray, Bytes, MemoryView};
use proptest::prelude::*;

use super::outcome;
use crate::harness::{self, same, Check};
use crate::models;

const HEXISH: &[char] = &[
    '0', '1', '9', 'a', 'f', 'A', 'F', 'g', 'G', 'x', ' ', '\t', '\n', '\r', '\x0b', '\x0c',
    '\x1c', '\u{a0}', '\u{2003}', '\u{3000}', 'é', '\u{ff10}', '\0', '-',
];

fn hexish() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(HEXISH), 0..16)
            .prop_map(|v| v.into_iter().collect()),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(|b| models::hex(&b, Some(' '), 1)),
        ".{0,8}",
    ]
}

fn sep() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        prop::sample::select(vec!["", ":", " ", "-", "ab", "é", "\0", "\u{1d11e}"])
            .prop_map(String::from),
        ".{0,2}",
    ])
}

fn check(s: String, data: Vec<u8>, sep: Option<String>, per: i32) -> Check {
    let model = models::fromhex(&s);
    same(
        &format!("Bytes::fromhex({s:?})"),
        outcome(Bytes::fromhex(&s).map(|b| b.to_vec())),
        model.clone(),
    )?;
    same(
        &format!("ByteArray::fromhex({s:?})"),
        outcome(ByteArray::fromhex(&s).map(|b| b.to_vec())),
        model,
    )?;

    let b = Bytes::from(&data[..]);
    same("Bytes::hex", b.hex(), models::hex(&data, None, 0))?;
    let expect = match &sep {
        None => Ok(models::hex(&data, None, 0)),
        Some(sp) => {
            let mut it = sp.chars();
            match (it.next(), it.next()) {
                (Some(c), None) if c.is_ascii() => Ok(models::hex(&data, Some(c), per)),
                (Some(_), None) => Err("ValueError: sep must be ASCII.".to_string()),
                _ => Err("ValueError: sep must be length 1.".to_string()),
            }
        }
    };
    let (sp, p) = match &sep {
        Some(s) => (s.as_str(), per),
        None => ("", 0),
    };
    if sep.is_some() {
        same(
            &format!("Bytes::hex_with({sp:?}, {p})"),
            outcome(b.hex_with(sp, p)),
            expect.clone(),
        )?;
        let ba = ByteArray::from(&data[..]);
        same(
            "ByteArray::hex_with",
            outcome(ba.hex_with(sp, p)),
            expect.clone(),
        )?;
        let m = MemoryView::new(&b).map_err(|e| TestCaseError::fail(e.to_string()))?;
        same("MemoryView::hex_with", outcome(m.hex_with(sp, p)), expect)?;
        same(
            "MemoryView::hex",
            outcome(m.hex()),
            Ok(models::hex(&data, None, 0)),
        )?;
    }
    Ok(())
}

#[test]
fn hex_fromhex() {
    harness::run(
        "hex_fromhex",
        2000,
        (
            hexish(),
            prop::collection::vec(any::<u8>(), 0..10),
            sep(),
            prop_oneof![-4i32..5, Just(i32::MIN), Just(i32::MAX), any::<i32>()],
        ),
        |(s, d, sp, p)| check(s, d, sp, p),
    );
}
