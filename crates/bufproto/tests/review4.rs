//! Issue 15's review: reproducers of defects in the changes since 6013c4d,
//! each against what CPython does.

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::AtomicU8;

use bufproto::ByteArray;
use bufproto::foreign::{Foreign, ForeignMemory};
use bufproto::layout::Layout;

#[derive(Debug)]
struct Mem(Vec<AtomicU8>);
impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}

/// An empty exporter whose (empty) layout starts past its memory, which
/// `Layout::fits` accepts (no item lies outside it): CPython's
/// `bytearray < x` compares against the empty bytes it exports
/// (`bytearray_richcompare` compares `PyBuffer` lengths and contents), so
/// there is an ordering, as there was before `cmp_range`.
#[test]
fn bytearray_orders_against_an_empty_buffer_past_its_memory() {
    let mem = Arc::new(Mem((0..4).map(AtomicU8::new).collect()));
    let layout = Layout::new(100, 1, "B", vec![0], vec![1]).unwrap();
    let f = Foreign::new(mem, layout, true, "thing").unwrap();
    assert_eq!(
        ByteArray::from(&b"a"[..]).compare(&f),
        Some(Ordering::Greater)
    );
    assert_eq!(ByteArray::new().compare(&f), Some(Ordering::Equal));
}
