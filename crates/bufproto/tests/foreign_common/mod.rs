//! Shared by the tests that need foreign memory: a `ForeignMemory` that
//! owns its atomic bytes, as a Python exporter's memory would be lent.

use std::sync::atomic::AtomicU8;

use bufproto::foreign::ForeignMemory;

/// Atomic bytes owned by the test, lent to a `Foreign` exporter.
#[derive(Debug)]
pub struct Mem(pub Vec<AtomicU8>);

impl ForeignMemory for Mem {
    fn bytes(&self) -> &[AtomicU8] {
        &self.0
    }
}
