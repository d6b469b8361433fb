//! Python's `bytes`, `bytearray`, `memoryview` and the buffer protocol,
//! rebuilt in safe Rust for *The Buffer Protocol Book*.
//!
//! The crate grows chapter by chapter; see the book for the tour.
#![forbid(unsafe_code)]
