//! The driver every target shares: a seeded proptest runner, a panic
//! counter, and one line per target on stderr saying what ran.

use std::cell::Cell;
use std::fmt::Debug;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

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

thread_local! {
    /// Where this thread's last panic happened (set by [`quiet_hook`]).
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Installs, once, a panic hook that records the location of each panic
/// for the failure message instead of printing it (a long run may catch
/// many); outside the targets it prints as the default hook does.
fn quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let here = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let inside = IN_TARGET.with(|t| t.get());
            LAST_PANIC.with(|p| {
                if let Ok(mut p) = p.try_borrow_mut() {
                    *p = here;
                }
            });
            if !inside {
                default(info);
            }
        }));
    });
}

thread_local! {
    static IN_TARGET: Cell<bool> = const { Cell::new(false) };
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
    quiet_hook();
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
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
    let tracing = trace();
    let inputs = Cell::new(0u64);
    let panics = Cell::new(0u64);
    let result = runner.run(&strategy, |input| {
        inputs.set(inputs.get() + 1);
        let shown = format!("{input:?}");
        if tracing {
            let _ = writeln!(std::io::stderr(), "adversarial {name} input: {shown}");
        }
        IN_TARGET.with(|t| t.set(true));
        let r = catch_unwind(AssertUnwindSafe(|| check(input)));
        IN_TARGET.with(|t| t.set(false));
        match r {
            Ok(r) => r,
            Err(p) => {
                panics.set(panics.get() + 1);
                let at = LAST_PANIC.with(|l| l.borrow().clone());
                Err(TestCaseError::fail(format!(
                    "PANIC at {at}: {} (input {shown})",
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

/// Whether to print every input before it runs (`ADVERSARIAL_TRACE=1`): an
/// allocation failure aborts the process, beyond `catch_unwind`, and the
/// runs are deterministic, so rerunning with the trace on shows the input
/// that aborted as the last line.
pub fn trace() -> bool {
    std::env::var_os("ADVERSARIAL_TRACE").is_some_and(|v| v != "0")
}
