//! Differential test: random operation sequences through CPython 3.14
//! (Pyodide) and `bufproto`, compared outcome by outcome (values, and
//! exception kind + message).
//!
//! Batching and shrinking: cases are generated from a seeded proptest
//! `TestRunner` as value trees, all sent to ONE interpreter process in one
//! batch; a mismatching case's tree is then shrunk with proptest's
//! simplify/complicate, each candidate answered by the same (still running)
//! interpreter. Pyodide's `Py_ssize_t` is 32 bits, so extreme indices are
//! drawn from the `i32` range, where 64-bit semantics agree.
//! `ORACLE_SEED` and `ORACLE_CASES` override the defaults.

use std::panic::{catch_unwind, AssertUnwindSafe};

use bufproto_oracle::{run_rust, skip_if_unavailable, Case, Interpreter, Op, Oracle};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn idx() -> impl Strategy<Value = isize> {
    prop_oneof![
        8 => -10isize..10,
        1 => Just(i32::MAX as isize),
        1 => Just(i32::MIN as isize),
        1 => Just(1isize << 30),
    ]
}

fn opt_idx() -> impl Strategy<Value = Option<isize>> {
    prop_oneof![1 => Just(None), 3 => idx().prop_map(Some)]
}

fn step() -> impl Strategy<Value = Option<isize>> {
    prop_oneof![
        2 => Just(None),
        4 => (-3isize..4).prop_map(Some),
        1 => Just(Some(-(i32::MAX as isize))),
        1 => Just(Some(i32::MAX as isize)),
    ]
}

fn val() -> impl Strategy<Value = i64> {
    prop_oneof![6 => 0i64..256, 1 => Just(-1i64), 1 => Just(256i64), 1 => Just(97i64)]
}

fn data() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop_oneof![3 => 97u8..100, 1 => any::<u8>()], 0..8)
}

fn sep() -> impl Strategy<Value = Option<(String, i32)>> {
    let s = prop_oneof![
        Just(":".to_string()),
        Just("".to_string()),
        Just("::".to_string()),
        Just("\u{e9}".to_string()),
        Just(" ".to_string()),
        Just("-".to_string()),
    ];
    prop_oneof![1 => Just(None), 3 => (s, -4i32..5).prop_map(Some)]
}

fn hexstr() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            '0', 'a', 'F', '9', ' ', 'g', '\t', '\u{b}', '\u{e9}', 'x',
        ]),
        0..7,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn k() -> impl Strategy<Value = usize> {
    0usize..4
}

fn view_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::MvNew),
        1 => k().prop_map(Op::MvOf),
        2 => (k(), opt_idx(), opt_idx(), step()).prop_map(|(a, b, c, d)| Op::MvSlice(a, b, c, d)),
        1 => k().prop_map(Op::MvRo),
        1 => k().prop_map(Op::MvDrop),
        2 => (k(), idx()).prop_map(|(a, b)| Op::MvGet(a, b)),
        2 => (k(), idx(), val()).prop_map(|(a, b, c)| Op::MvSet(a, b, c)),
        2 => (k(), opt_idx(), opt_idx(), step(), data()).prop_map(|(a, b, c, d, e)| Op::MvSetSlice(a, b, c, d, e)),
        1 => k().prop_map(Op::MvToBytes),
        1 => k().prop_map(Op::MvToList),
        1 => (k(), sep()).prop_map(|(a, b)| Op::MvHex(a, b)),
        2 => k().prop_map(Op::MvInfo),
        1 => (k(), val()).prop_map(|(a, b)| Op::MvCount(a, b)),
        2 => (k(), val(), opt_idx(), opt_idx()).prop_map(|(a, b, c, d)| Op::MvIndex(a, b, c, d)),
        1 => k().prop_map(Op::MvRelease),
        1 => k().prop_map(Op::MvObjIs),
    ]
}

fn read_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => idx().prop_map(Op::Get),
        2 => (opt_idx(), opt_idx(), step()).prop_map(|(a, b, c)| Op::Slice(a, b, c)),
        1 => Just(Op::Repr),
        1 => Just(Op::Cap),
        1 => sep().prop_map(Op::Hex),
        1 => hexstr().prop_map(Op::FromHex),
    ]
}

fn write_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (idx(), val()).prop_map(|(a, b)| Op::Set(a, b)),
        2 => val().prop_map(Op::Append),
        1 => data().prop_map(Op::Extend),
        1 => (idx(), val()).prop_map(|(a, b)| Op::Insert(a, b)),
        1 => opt_idx().prop_map(Op::Pop),
        1 => val().prop_map(Op::Remove),
        1 => Just(Op::Clear),
        1 => Just(Op::Reverse),
        2 => (opt_idx(), opt_idx(), step(), data()).prop_map(|(a, b, c, d)| Op::SetSlice(a, b, c, d)),
        1 => (opt_idx(), opt_idx(), step()).prop_map(|(a, b, c)| Op::DelSlice(a, b, c)),
        1 => idx().prop_map(Op::DelItem),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let frozen = (
        data(),
        prop::collection::vec(prop_oneof![2 => read_op(), 3 => view_op()], 1..12),
    )
        .prop_map(|(data, ops)| Case {
            frozen: true,
            data,
            ops,
        });
    let mutable = (
        data(),
        prop::collection::vec(
            prop_oneof![2 => read_op(), 3 => write_op(), 3 => view_op()],
            1..16,
        ),
    )
        .prop_map(|(data, ops)| Case {
            frozen: false,
            data,
            ops,
        });
    prop_oneof![1 => frozen, 3 => mutable]
}

fn rust_outcome(c: &Case) -> Result<Vec<String>, String> {
    catch_unwind(AssertUnwindSafe(|| run_rust(c))).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

fn fails(py: &[String], c: &Case) -> Option<String> {
    match rust_outcome(c) {
        Err(p) => Some(format!("bufproto panicked: {p}")),
        Ok(rs) if rs != py => {
            let i = rs.iter().zip(py).position(|(a, b)| a != b).unwrap_or(0);
            Some(format!(
                "op #{i} {}\n  python:   {}\n  bufproto: {}",
                c.ops.get(i).map(Op::to_json).unwrap_or_default(),
                py.get(i).cloned().unwrap_or_default(),
                rs.get(i).cloned().unwrap_or_default()
            ))
        }
        Ok(_) => None,
    }
}

#[test]
fn bufproto_matches_cpython_314() {
    if skip_if_unavailable(Interpreter::Pyodide) {
        return;
    }
    let seed: u64 = std::env::var("ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_251_125);
    let n: usize = std::env::var("ORACLE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4000);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = case();
    let mut trees = Vec::with_capacity(n);
    for _ in 0..n {
        trees.push(strategy.new_tree(&mut runner).expect("generate case"));
    }
    let cases: Vec<Case> = trees.iter().map(|t| t.current()).collect();
    let t0 = std::time::Instant::now();
    let mut oracle = Oracle::start(Interpreter::Pyodide).expect("start Pyodide");
    let answers = oracle.run(&cases).expect("run batch");
    let ops: usize = cases.iter().map(|c| c.ops.len()).sum();
    eprintln!(
        "{n} cases, {ops} operations, seed {seed}: CPython answered in {:?}",
        t0.elapsed()
    );
    let Some(bad) = (0..n).find(|&i| fails(&answers[i], &cases[i]).is_some()) else {
        return;
    };
    // Shrink the failing case's value tree, asking the same interpreter.
    let mut tree = trees.swap_remove(bad);
    let mut last = tree.current();
    let mut why = fails(&answers[bad], &last).unwrap_or_default();
    let mut steps = 0;
    if tree.simplify() {
        while steps < 2000 {
            steps += 1;
            let c = tree.current();
            let py = oracle.run(std::slice::from_ref(&c)).expect("run candidate");
            if let Some(w) = fails(&py[0], &c) {
                last = c;
                why = w;
                if !tree.simplify() {
                    break;
                }
            } else if !tree.complicate() {
                break;
            }
        }
    }
    panic!(
        "bufproto differs from CPython 3.14 (seed {seed}, case {bad}, shrunk in {steps} steps):\n{why}\ncase: {last:?}\n{}",
        last.to_python()
    );
}
