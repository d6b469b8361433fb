//! The adversarial suite: one test per target (see the crate's README).
//!
//! Each target draws inputs with a fixed seed, runs them through
//! `bufproto`'s public API, catches panics, and compares what the crate did
//! with an independent reference model (`models.rs`, written from CPython's
//! C source). `ADVERSARIAL_CASES=N` sets the number of inputs per target.

mod harness;
mod models;
mod targets;
