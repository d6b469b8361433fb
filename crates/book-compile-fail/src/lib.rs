//! The book's ```` ```rust,compile_fail,E0502 ```` blocks, run by rustdoc.
//!
//! `build.rs` copies each chapter that has such blocks into `OUT_DIR`, keeping
//! only those blocks and blanking every other line, so that rustdoc's
//! failures name the chapter file and its real line numbers. Each copy is the
//! documentation of one empty module below, and `cargo test` runs its blocks
//! as doctests: a block that compiles, or fails with another error code,
//! fails the test.

include!(concat!(env!("OUT_DIR"), "/chapters.rs"));
