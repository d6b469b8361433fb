//! Every ```` ```rust ```` block of the book, compiled and run by skeptic.
//!
//! `build.rs` writes one test per block (`ch01_introduction::line_0042`); this
//! file is the runtime they call. See `tests/support/rust_program.rs` for how a
//! block becomes a program.

use std::panic;

include!(concat!(env!("OUT_DIR"), "/rust_blocks.rs"));

/// Compiles and runs one block; on failure, names the chapter and line.
fn run_rust_block(file: &str, line: usize, program: &str) {
    let outcome = panic::catch_unwind(|| {
        skeptic::rt::run_test(
            env!("CARGO_MANIFEST_DIR"),
            env!("OUT_DIR"),
            env!("BOOK_TARGET"),
            program,
        )
    });
    if let Err(payload) = outcome {
        let why = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        panic!(
            "the Rust block at {file}:{line} failed.\n\
             (In the messages above, test.rs:N is {file}:N.)\n\
             {why}"
        );
    }
}
