//! The targets, one module each, one `#[test]` per target.

mod array;
mod bytearray;
mod equality;
mod formats;
mod hex;
mod items;
mod layouts;
mod sizes;
mod slicing;
mod suboffsets;
mod threads;

/// A crate result as the models write theirs: `Err("Kind: message")`.
pub fn outcome<T>(r: bufproto::Result<T>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}

/// `Err` kind and message only (for comparing two failures).
#[allow(dead_code)]
pub fn err_text<T>(r: &bufproto::Result<T>) -> Option<String> {
    r.as_ref().err().map(|e| e.to_string())
}

/// Extreme and ordinary `isize` values for indices and slice bounds.
pub fn extreme_isize() -> impl proptest::strategy::Strategy<Value = isize> {
    use proptest::prelude::*;
    prop_oneof![
        prop::sample::select(vec![
            isize::MIN,
            isize::MIN + 1,
            -isize::MAX,
            -2,
            -1,
            0,
            1,
            2,
            isize::MAX - 1,
            isize::MAX
        ]),
        -20isize..20,
        any::<isize>(),
    ]
}
