//! The adversarial suite of `bufproto` lives in this crate's tests
//! (`tests/adversarial/`): seeded, shrinking property tests over the public
//! API, judged by independent reference models written from CPython's C
//! source. This library is empty; see `README.md` for the targets.
//!
//! ```console
//! $ cargo test -p bufproto-adversarial                 # quick pass, seconds
//! $ ADVERSARIAL_CASES=1000000 cargo test --release -p bufproto-adversarial -- --test-threads=2
//! ```
#![forbid(unsafe_code)]
