//! Runs every `bufproto::VERSION_DIFFERENCES` snippet in every CPython the
//! book runs — the native `python3` (3.11) and CPython 3.12, 3.13, 3.14 and
//! 3.15 in Pyodide — and checks the outcome each entry records for that
//! version, so the list, and the version in which each difference arrived,
//! cannot go stale. Then checks that the crate does what 3.14 does.

use bufproto::VersionDifference;
use bufproto_oracle::{skip_if_unavailable, Interpreter, Oracle};

/// Each entry's recorded outcome for `which`, against what `which` says.
fn check(which: Interpreter) {
    if skip_if_unavailable(which) {
        return;
    }
    let name = which.name();
    let version = which.version().expect("the interpreter's version");
    let mut o = Oracle::start(which).expect("start interpreter");
    let snippets: Vec<&str> = bufproto::VERSION_DIFFERENCES
        .iter()
        .map(|d| d.python)
        .collect();
    let got = o.run_snippets(&snippets).expect("run snippets");
    assert_eq!(got.len(), snippets.len(), "{name} answered every snippet");
    let wrong: Vec<String> = bufproto::VERSION_DIFFERENCES
        .iter()
        .zip(&got)
        .filter_map(|(d, g)| match d.outcome_on(version) {
            Some(want) if want == g.as_str() => None,
            Some(want) => Some(format!(
                "{} (since {}.{}): recorded {want:?} for {}.{}, {name} says {g:?}",
                d.id, d.since.0, d.since.1, version.0, version.1
            )),
            None => Some(format!(
                "{}: {name} is CPython {}.{}, which VERSION_DIFFERENCES does not cover",
                d.id, version.0, version.1
            )),
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "stale VERSION_DIFFERENCES under {name}:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn recorded_outcomes_hold_in_native_python3() {
    check(Interpreter::Native);
}

#[test]
fn recorded_outcomes_hold_in_cpython_312() {
    check(Interpreter::Pyodide((3, 12)));
}

#[test]
fn recorded_outcomes_hold_in_cpython_313() {
    check(Interpreter::Pyodide((3, 13)));
}

#[test]
fn recorded_outcomes_hold_in_cpython_314() {
    check(Interpreter::REFERENCE);
}

#[test]
fn recorded_outcomes_hold_in_cpython_315() {
    check(Interpreter::PREVIEW);
}

/// The tests above are one per interpreter of `tests/pycon/tags.json`: a
/// Pyodide added there must get its own.
#[test]
fn every_interpreter_has_its_test() {
    let tested = [
        Interpreter::Native,
        Interpreter::Pyodide((3, 12)),
        Interpreter::Pyodide((3, 13)),
        Interpreter::REFERENCE,
        Interpreter::PREVIEW,
    ];
    assert_eq!(Interpreter::all().expect("tags.json"), tested);
}

/// `since` is the first version whose outcome differs: the one before it
/// gives the old outcome, and `since` a different one.
#[test]
fn each_entry_changes_in_the_version_it_names() {
    for d in bufproto::VERSION_DIFFERENCES {
        let (major, minor) = d.since;
        assert!(
            major == 3 && (12..=15).contains(&minor),
            "{}: since {major}.{minor} is outside 3.12 to 3.15",
            d.id
        );
        assert_ne!(
            d.outcome_on((3, minor - 1)),
            d.outcome_on(d.since),
            "{}: nothing changes in {major}.{minor}",
            d.id
        );
    }
}

/// What the crate gives for one entry, in the entry's outcome form; `None`
/// if the entry has no counterpart in the crate yet (which fails the test).
fn crate_outcome(d: &VersionDifference) -> Option<String> {
    use bufproto::{Array, ByteArray, Bytes, MemoryView};
    let show = |r: bufproto::Result<String>| r.unwrap_or_else(|e| e.to_string());
    let view = |data: &[u8]| MemoryView::new(&Bytes::from(data.to_vec()));
    let fromhex = || {
        let arg = d.python.split('\'').nth(1).unwrap_or_default();
        let bytes = d.python.starts_with("bytes.");
        show(if bytes {
            Bytes::fromhex(arg).map(|b| format!("{b:?}"))
        } else {
            ByteArray::fromhex(arg).map(|b| format!("{b:?}"))
        })
    };
    let grid = || view(b"abcd").and_then(|m| m.cast_shape("B", &[2, 2]));
    Some(match d.id {
        "memoryview-count" => show(
            view(b"abca")
                .and_then(|m| m.count(97))
                .map(|n| n.to_string()),
        ),
        "memoryview-index" => show(
            view(b"abca")
                .and_then(|m| m.index(97, Some(1), None))
                .map(|n| n.to_string()),
        ),
        "memoryview-index-missing" => show(
            view(b"abc")
                .and_then(|m| m.index(120, None, None))
                .map(|n| n.to_string()),
        ),
        "fromhex-odd-digits" | "fromhex-space-splits-pair" | "fromhex-leading-space-odd" => {
            fromhex()
        }
        "memoryview-half-float" => show(
            view(b"\x00\x3c\x00\xfc")
                .and_then(|m| m.cast("e"))
                .and_then(|m| m.tolist())
                .map(|l| l.to_string()),
        ),
        "memoryview-0d-len" => show(
            view(b"abcd")
                .and_then(|m| m.cast_shape("i", &[]))
                .and_then(|m| m.len())
                .map(|n| n.to_string()),
        ),
        "memoryview-count-nd" => show(grid().and_then(|g| g.count(97)).map(|n| n.to_string())),
        "memoryview-index-nd" => show(
            grid()
                .and_then(|g| g.index(97, None, None))
                .map(|n| n.to_string()),
        ),
        "array-bad-typecode" => show(Array::new("x").map(|a| format!("{a:?}"))),
        "array-typecode-length" => show(Array::new("bb").map(|a| format!("{a:?}"))),
        "memoryview-cast-format-message" => show(
            view(b"abcd")
                .and_then(|m| m.cast("<i"))
                .map(|_| "a view".into()),
        ),
        "memoryview-complex-formats" => show(
            view(&[0; 16])
                .and_then(|m| m.cast("Zd"))
                .and_then(|m| m.tolist())
                .map(|l| l.to_string()),
        ),
        "bytearray-repr-quote" => format!("{:?}", ByteArray::from(b"a'b".to_vec())),
        // The bytes a one-byte bytearray allocates: 3.14's `sys.getsizeof`
        // difference is exactly the crate's capacity (trailing zero included).
        "bytearray-allocation" => ByteArray::from(vec![b'a']).capacity().to_string(),
        _ => return None,
    })
}

#[test]
fn bufproto_does_what_314_does() {
    let mut wrong = Vec::new();
    for d in bufproto::VERSION_DIFFERENCES {
        match crate_outcome(d) {
            None => wrong.push(format!(
                "{}: no check of the crate's outcome: add it to crate_outcome",
                d.id
            )),
            Some(got) if got != d.py314 => wrong.push(format!(
                "{}: CPython 3.14 gives {:?}, bufproto {got:?}",
                d.id, d.py314
            )),
            Some(_) => {}
        }
    }
    assert!(wrong.is_empty(), "\n{}\n", wrong.join("\n"));
}
