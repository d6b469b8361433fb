//! `m.cast(format, shape)` with huge shapes, against CPython's
//! `copy_shape`: each element is converted to `Py_ssize_t` (OverflowError),
//! checked positive, then multiplied into the product (ValueError), in
//! that order, element by element.

mod fidelity_common;

use bufproto::{Bytes, MemoryView};
use fidelity_common::{assert_agrees_with_python, lp64, outcome};

const S62: usize = 1 << 62;

fn shapes() -> Vec<Vec<usize>> {
    vec![
        vec![usize::MAX - 1],
        vec![usize::MAX],
        vec![1 << 63],
        vec![(1 << 63) - 1],
        vec![S62, 4],
        vec![S62, 2],
        vec![1 << 61, 2],
        vec![1 << 32, 1 << 32],
        vec![3, S62],
        vec![0, usize::MAX],
        vec![usize::MAX, 0],
        vec![S62, 4, usize::MAX],
        vec![2, usize::MAX, 0],
        vec![8],
        vec![2, 4],
        vec![2, 2, 2],
    ]
}

/// Reads `format shape...` lines; prints what `memoryview(b'abcdefgh')`
/// cast to `'B'` or from `'q'` to `'B'` does.
const PY_CAST: &str = r#"
import sys
for line in sys.stdin.read().splitlines():
    fmt, *shape = line.split()
    m = memoryview(b'abcdefgh')
    if fmt == 'q':
        m = m.cast('q')
    try:
        m.cast('B', [int(x) for x in shape]); r = 'ok'
    except Exception as e:
        r = f'{type(e).__name__}: {e}'
    print(f'{line} => {r}')
"#;

#[test]
fn cast_shapes_match_cpython() {
    if !lp64() {
        return;
    }
    let mut input = String::new();
    let mut ours = String::new();
    let bytes = Bytes::from(&b"abcdefgh"[..]);
    for from_q in [false, true] {
        for sh in shapes() {
            let fmt = if from_q { "q" } else { "B" };
            let line = format!(
                "{fmt} {}",
                sh.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let mut m = MemoryView::new(&bytes).unwrap();
            if from_q {
                m = m.cast("q").unwrap();
            }
            let r = m.cast_shape("B", &sh);
            ours.push_str(&format!("{line} => {}\n", outcome(&r)));
            input.push_str(&line);
            input.push('\n');
        }
    }
    assert_agrees_with_python(PY_CAST, &input, &ours);
    // The issue's examples, with CPython 3.11's words (3.14 says the same).
    let m = MemoryView::new(&bytes).unwrap();
    assert_eq!(
        outcome(&m.cast_shape("B", &[usize::MAX - 1])),
        "OverflowError: Python int too large to convert to C ssize_t"
    );
    assert_eq!(
        outcome(&m.cast_shape("B", &[S62, 4])),
        "ValueError: memoryview.cast(): product(shape) > SSIZE_MAX"
    );
}
