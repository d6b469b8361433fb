//! The driver every target shares: a seeded proptest runner, a panic
//! counter, and one line per target on stderr saying what ran.

use std::cell::Cell;
use std::fmt::Debug;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

/// What one input's check returns: `Err` names what the reference model
/// expected and what the crate did.
pub type Check = Result<(), TestCaseError>;

/// How many inputs each target runs: `ADVERSARIAL_CASES` if set (the long
/// mode), else the target's quick-pass default.
pub fn cases(quick: u32) -> u32 {
    std::env::var("ADVERSARIAL_CASES")
        .ok()
        .and_then(|s| s.trim().replace('_', "").parse().ok())
        .unwrap_or(quick)
}

/// The seed of a target: `ADVERSARIAL_SEED` if set, else a fixed one
/// derived from the target's name (FNV-1a), so every run of `cargo test`
/// draws the same inputs and a failure reproduces.
pub fn seed(name: &str) -> u64 {
    if let Some(s) = std::env::var("ADVERSARIAL_SEED")
        .ok()
        .and_then(|s| parse_u64(s.trim()))
    {
        return s;
    }
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The text of a caught panic.
pub fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// Runs `check` on `cases` inputs drawn from `strategy` with the target's
/// seed. A panic inside the crate is caught, counted and turned into a
/// failure naming the input; proptest then shrinks the failing input and
/// this function panics with the seed and the shrunk reproducer. Prints
/// `adversarial NAME: N inputs, P panics, seed S` on stderr (uncaptured).
pub fn run<S>(name: &str, quick_cases: u32, strategy: S, check: impl Fn(S::Value) -> Check)
where
    S: Strategy,
    S::Value: Debug + Clone,
{
    let n = cases(quick_cases);
    let seed = seed(name);
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases: n,
        failure_persistence: None,
        max_shrink_iters: 4096,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
    let inputs = Cell::new(0u64);
    let panics = Cell::new(0u64);
    let result = runner.run(&strategy, |input| {
        inputs.set(inputs.get() + 1);
        let shown = format!("{input:?}");
        set_current(&format!("{name} (seed {seed:#x}): {shown}"));
        match catch_unwind(AssertUnwindSafe(|| check(input))) {
            Ok(r) => r,
            Err(p) => {
                panics.set(panics.get() + 1);
                Err(TestCaseError::fail(format!(
                    "PANIC in the crate: {} (input {shown})",
                    panic_text(p.as_ref())
                )))
            }
        }
    });
    report(name, inputs.get(), panics.get(), seed);
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, input)) => panic!(
            "adversarial target {name} failed (seed {seed:#x}; rerun with \
             ADVERSARIAL_SEED={seed:#x} ADVERSARIAL_CASES={n}).\n\
             shrunk reproducer: {input:?}\nwhy: {why}"
        ),
        Err(TestError::Abort(why)) => panic!("adversarial target {name} aborted: {why}"),
    }
}

/// One line per target, written past libtest's capture so that the long
/// mode shows its counts without `--nocapture`.
pub fn report(name: &str, inputs: u64, panics: u64, seed: u64) {
    let _ = writeln!(
        std::io::stderr(),
        "adversarial {name}: {inputs} inputs, {panics} panics, seed {seed:#x}"
    );
}

/// `Err` with a message when `a != b`.
pub fn same<T: PartialEq + Debug>(what: &str, crate_says: T, model_says: T) -> Check {
    if crate_says == model_says {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!(
            "{what}: crate {crate_says:?}, model {model_says:?}"
        )))
    }
}

/// A failure with a message.
pub fn fail(msg: impl Into<String>) -> Check {
    Err(TestCaseError::fail(msg.into()))
}

thread_local! {
    /// The input this thread is checking, for the allocation-failure report.
    static CURRENT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Records the input about to run (see [`Guard`]).
pub fn set_current(text: &str) {
    CURRENT.with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            c.clear();
            c.push_str(text);
        }
    });
}

/// The test binary's allocator: the system's, but when an allocation fails
/// (which makes Rust abort the process, beyond `catch_unwind`) it first
/// writes the input being checked to stderr, so that an abort still names
/// its reproducer. It allocates nothing itself on that path.
pub struct Guard;

// SAFETY: every method forwards to `System` unchanged; the failure path only
// reads a thread-local and writes to stderr, without allocating.
unsafe impl std::alloc::GlobalAlloc for Guard {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { std::alloc::System.alloc(layout) };
        if p.is_null() {
            report_alloc_failure(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: forwarded as is.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if p.is_null() {
            report_alloc_failure(layout.size());
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { std::alloc::System.realloc(ptr, layout, new) };
        if p.is_null() {
            report_alloc_failure(new);
        }
        p
    }
}

fn report_alloc_failure(size: usize) {
    let _ = CURRENT.try_with(|c| {
        if let Ok(c) = c.try_borrow() {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(b"\nadversarial: an allocation failed (");
            let mut digits = [0u8; 20];
            let mut n = size;
            let mut i = digits.len();
            loop {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            let _ = e.write_all(&digits[i..]);
            let _ = e.write_all(b" bytes); if the process aborts now, the input was:\n  ");
            let _ = e.write_all(c.as_bytes());
            let _ = e.write_all(b"\n");
        }
    });
}
