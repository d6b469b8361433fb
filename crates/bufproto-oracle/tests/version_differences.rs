//! Runs every `bufproto::VERSION_DIFFERENCES` snippet in CPython 3.11
//! (native `python3`) and 3.14 (Pyodide) and checks the recorded outcomes,
//! so the list cannot go stale.

use bufproto_oracle::{skip_if_unavailable, Interpreter, Oracle};

fn check(
    which: Interpreter,
    expected: fn(&bufproto::VersionDifference) -> &'static str,
    version: &str,
) {
    if skip_if_unavailable(which) {
        return;
    }
    let mut o = Oracle::start(which).expect("start interpreter");
    let snippets: Vec<&str> = bufproto::VERSION_DIFFERENCES
        .iter()
        .map(|d| d.python)
        .collect();
    let got = o.run_snippets(&snippets).expect("run snippets");
    let wrong: Vec<String> = bufproto::VERSION_DIFFERENCES
        .iter()
        .zip(&got)
        .filter(|(d, g)| expected(d) != g.as_str())
        .map(|(d, g)| format!("{}: recorded {:?}, {version} says {g:?}", d.id, expected(d)))
        .collect();
    assert!(
        wrong.is_empty(),
        "stale VERSION_DIFFERENCES:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn recorded_311_outcomes_hold() {
    let v = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.version_info[:2])"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if v != "(3, 11)" {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 is {v}, not 3.11"
        );
        eprintln!("!!! python3 is {v:?}, not 3.11: 3.11 outcomes NOT CHECKED");
        return;
    }
    check(Interpreter::Native, |d| d.py311, "3.11");
}

#[test]
fn recorded_314_outcomes_hold() {
    check(Interpreter::Pyodide, |d| d.py314, "3.14");
}

#[test]
fn bufproto_does_what_314_does() {
    // The fromhex entries are the ones the crate itself implements.
    for d in bufproto::VERSION_DIFFERENCES
        .iter()
        .filter(|d| d.id.starts_with("fromhex"))
    {
        let arg = d.python.split('\'').nth(1).expect("quoted argument");
        let got = bufproto::Bytes::fromhex(arg)
            .map(|b| format!("{b:?}"))
            .unwrap_or_else(|e| e.to_string());
        assert_eq!(got, d.py314, "{}", d.id);
    }
}

#[test]
fn bufproto_does_what_314_does_for_views() {
    use bufproto::{Array, Bytes, MemoryView};
    let show = |r: bufproto::Result<String>| r.unwrap_or_else(|e| e.to_string());
    let abcd = MemoryView::new(&Bytes::from(&b"abcd"[..])).expect("view");
    let grid = abcd.cast_shape("B", &[2, 2]).expect("cast");
    for d in bufproto::VERSION_DIFFERENCES {
        let got = match d.id {
            "memoryview-half-float" => show(
                MemoryView::new(&Bytes::from(&b"\x00\x3c\x00\xfc"[..]))
                    .and_then(|m| m.cast("e"))
                    .and_then(|m| m.tolist())
                    .map(|l| l.to_string()),
            ),
            "memoryview-0d-len" => show(
                abcd.cast_shape("i", &[])
                    .and_then(|m| m.len())
                    .map(|n| n.to_string()),
            ),
            "memoryview-count-nd" => show(grid.count(97).map(|n| n.to_string())),
            "memoryview-index-nd" => show(grid.index(97, None, None).map(|n| n.to_string())),
            "array-bad-typecode" => show(Array::new("x").map(|a| format!("{a:?}"))),
            "array-typecode-length" => show(Array::new("bb").map(|a| format!("{a:?}"))),
            _ => continue,
        };
        assert_eq!(got, d.py314, "{}", d.id);
    }
}
