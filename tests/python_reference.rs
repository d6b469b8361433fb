//! The Python reference (`src/appendix-python-reference.md`) against the
//! interpreters: the machine's `python3` (3.11 under CI) and every Pyodide
//! the book runs (CPython 3.12 to 3.15).
//!
//! For every row of its tables (`owner.member`, signature, returns, raises,
//! since), each interpreter at or after the row's version must have the
//! member, of the kind the row says (attribute or method), with the row's
//! signature whenever the interpreter reports one (`__text_signature__`,
//! without `$self`/`$type`). An interpreter before the row's version must
//! not have it — which pins every version after 3.11 exactly. And every
//! public member of `memoryview` in each interpreter, with its buffer and
//! context-manager methods, and the buffer parts of `bytes` and `bytearray`,
//! must have a row. Every error a Raises cell names must be one that an
//! executed block shows, a row of `src/appendix-errors.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[path = "support/ci.rs"]
mod ci;
#[path = "support/pythons.rs"]
mod pythons;

use ci::root;

const PAGE: &str = "src/appendix-python-reference.md";

/// What the interpreter is asked: for each `owner.member` in `ROWS`, whether
/// it exists, its kind and its signature; then the members the page must
/// list. Printed as one JSON object.
const PROBE: &str = r#"
import json, sys, inspect
OWNERS = {"memoryview": memoryview, "bytes": bytes, "bytearray": bytearray}
DUNDERS = {"__buffer__", "__release_buffer__", "__enter__", "__exit__", "__class_getitem__"}
BUFFER_PARTS = {"hex", "fromhex", "__buffer__", "__release_buffer__"}

def signature(obj):
    text = getattr(obj, "__text_signature__", None)
    if text is None:
        return None
    for first in ("($self, ", "($type, "):
        if text.startswith(first):
            text = "(" + text[len(first):]
    if text in ("($self)", "($type)"):
        text = "()"
    if text.startswith("(/, "):
        text = "(" + text[4:]
    if text == "(/)":
        text = "()"
    return text

def probe(name):
    owner, _, member = name.partition(".")
    cls = OWNERS[owner]
    if not member:
        return {"present": True, "kind": "method", "signature": owner + signature(cls)}
    try:
        raw = inspect.getattr_static(cls, member)
    except AttributeError:
        return {"present": False}
    if type(raw).__name__ in ("getset_descriptor", "member_descriptor"):
        return {"present": True, "kind": "attribute", "signature": None}
    text = signature(getattr(cls, member))
    return {"present": True, "kind": "method", "signature": None if text is None else member + text}

def expected():
    names = []
    for n in dir(memoryview):
        if not n.startswith("__") or n in DUNDERS:
            names.append("memoryview." + n)
    for owner in ("bytes", "bytearray"):
        names += [owner + "." + n for n in dir(OWNERS[owner]) if n in BUFFER_PARTS]
    return names

rows = ROWS
print(json.dumps({
    "version": "%d.%d" % sys.version_info[:2],
    "members": {name: probe(name) for name in rows},
    "expected": expected(),
}))
"#;

/// One row of the page's tables.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: String,
    /// `None` for an attribute.
    signature: Option<String>,
    since: (u32, u32),
}

/// The text of a cell that is one code span.
fn code_span(cell: &str) -> Option<&str> {
    cell.strip_prefix('`')?.strip_suffix('`')
}

/// The rows of every table whose first cell names a member
/// (`` `memoryview.cast` ``).
fn rows(markdown: &str) -> Result<Vec<Row>, String> {
    let mut found = Vec::new();
    for line in markdown.lines() {
        let Some(inner) = line.strip_prefix("| ").and_then(|l| l.strip_suffix(" |")) else {
            continue;
        };
        // Only the first two cells and the last matter; none of them holds a `|`.
        let cells: Vec<&str> = inner.split(" | ").collect();
        let (Some(first), Some(second), Some(last)) = (cells.first(), cells.get(1), cells.last())
        else {
            continue;
        };
        let Some(name) = code_span(first) else {
            continue; // the header and the --- line
        };
        let signature = match *second {
            "attribute" => None,
            cell => Some(
                code_span(cell)
                    .ok_or_else(|| format!("{name}: signature {cell:?} is not one code span"))?
                    .to_owned(),
            ),
        };
        let version = last.split([';', ',', ' ']).next().unwrap_or("");
        let since = pythons::parse_line(version)
            .ok_or_else(|| format!("{name}: Since {last:?} does not start with a version"))?;
        found.push(Row {
            name: name.to_owned(),
            signature,
            since,
        });
    }
    Ok(found)
}

/// [`PROBE`], preceded by the row names it is to look up.
fn program(names: &[&str]) -> Result<String, String> {
    let rows = serde_json::to_string(names).map_err(|e| e.to_string())?;
    Ok(format!("ROWS = {rows}\n{PROBE}"))
}

/// Runs `command` and reads the JSON object its last line prints.
fn ask(mut command: Command) -> Result<Value, String> {
    let out = command
        .output()
        .map_err(|e| format!("could not start the interpreter: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the probe failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("the probe printed no JSON ({e}): {text}"))
}

fn python3_probe(names: &[&str]) -> Result<Value, String> {
    let mut command = Command::new("python3");
    command.args(["-c", &program(names)?]);
    ask(command)
}

/// The same probe in a Pyodide, under Node.
fn pyodide_probe(dir: &Path, names: &[&str]) -> Result<Value, String> {
    let script = r#"
const { pathToFileURL } = await import("node:url");
const { loadPyodide } = await import(pathToFileURL(process.env.PYODIDE_DIR + "/pyodide.mjs").href);
const py = await loadPyodide();
py.setStdout({ batched: (s) => console.log(s) });
py.runPython(process.env.PROBE);
"#;
    let mut command = Command::new("node");
    command
        .args(["--input-type=module", "-e", script])
        .env("PYODIDE_DIR", dir)
        .env("PROBE", program(names)?);
    ask(command)
}

/// What is wrong with the page according to one interpreter's answers.
fn disagreements(rows: &[Row], answer: &Value) -> Vec<String> {
    let version = answer["version"].as_str().unwrap_or("?").to_owned();
    let line = pythons::parse_line(&version).unwrap_or((0, 0));
    let mut wrong = Vec::new();
    for row in rows {
        let found = &answer["members"][row.name.as_str()];
        let present = found["present"].as_bool().unwrap_or(false);
        if line < row.since {
            if present {
                wrong.push(format!(
                    "{}: the page says since {}.{}, but {version} has it",
                    row.name, row.since.0, row.since.1
                ));
            }
            continue;
        }
        if !present {
            wrong.push(format!(
                "{}: the page says since {}.{}, but {version} lacks it",
                row.name, row.since.0, row.since.1
            ));
            continue;
        }
        let kind = found["kind"].as_str().unwrap_or("");
        let wanted_kind = if row.signature.is_some() {
            "method"
        } else {
            "attribute"
        };
        if kind != wanted_kind {
            wrong.push(format!(
                "{}: the page says {wanted_kind}, {version} says {kind}",
                row.name
            ));
        }
        if let (Some(theirs), Some(ours)) = (found["signature"].as_str(), &row.signature) {
            if theirs != ours {
                wrong.push(format!(
                    "{}: the page says `{ours}`, {version} says `{theirs}`",
                    row.name
                ));
            }
        }
    }
    let listed: BTreeSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    for name in answer["expected"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or("");
        if !listed.contains(name) {
            wrong.push(format!("{name}: {version} has it, the page has no row"));
        }
    }
    wrong
}

fn page_rows() -> Result<Vec<Row>, String> {
    let text = fs::read_to_string(root().join(PAGE)).map_err(|e| format!("{PAGE}: {e}"))?;
    let rows = rows(&text)?;
    let mut seen = BTreeMap::new();
    for row in &rows {
        if seen.insert(row.name.clone(), ()).is_some() {
            return Err(format!("{PAGE}: {} has two rows", row.name));
        }
    }
    Ok(rows)
}

#[test]
fn the_reference_agrees_with_python3() -> Result<(), String> {
    let rows = page_rows()?;
    if let Err(why) = pythons::native_python() {
        ci::did_not_run(
            &format!("\n!!! {PAGE} NOT checked against python3: {why}\n"),
            "CI=true",
        );
        return Ok(());
    }
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let answer = python3_probe(&names)?;
    let wrong = disagreements(&rows, &answer);
    assert!(wrong.is_empty(), "{PAGE}:\n  {}", wrong.join("\n  "));
    Ok(())
}

#[test]
fn the_reference_agrees_with_every_pyodide() -> Result<(), String> {
    let rows = page_rows()?;
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let dirs = match pythons::pyodide_dirs() {
        Ok(dirs) => dirs,
        Err(why) => {
            ci::did_not_run(
                &format!("\n!!! {PAGE} NOT checked against the Pyodides: {why}\n"),
                "CI=true",
            );
            return Ok(());
        }
    };
    let mut wrong = Vec::new();
    for line in pythons::pyodide_lines()? {
        let dir = dirs
            .get(&line.line)
            .ok_or_else(|| format!("no Pyodide for {}", line.line))?;
        let answer = pyodide_probe(dir, &names)?;
        assert_eq!(
            answer["version"].as_str(),
            Some(line.line.as_str()),
            "{answer}"
        );
        wrong.extend(disagreements(&rows, &answer));
    }
    assert!(wrong.is_empty(), "{PAGE}:\n  {}", wrong.join("\n  "));
    Ok(())
}

/// The `(kind, message)` pairs a Raises cell names: a code span that is an
/// exception's name, a colon, then one or more code spans joined by commas
/// (`` `TypeError`: `a`, `b`; `ValueError`: `c` ``).
fn raised(cell: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = cell.split('`').collect();
    let mut found = Vec::new();
    // Odd positions are inside code spans.
    let mut i = 1;
    while i < parts.len() {
        let kind = parts[i];
        let is_kind = kind.ends_with("Error") && kind.chars().all(|c| c.is_ascii_alphanumeric());
        if !is_kind || parts.get(i + 1) != Some(&": ") {
            i += 2;
            continue;
        }
        let mut j = i + 2;
        while let Some(message) = parts.get(j) {
            found.push((kind.to_owned(), (*message).to_owned()));
            if parts.get(j + 1) == Some(&", ") {
                j += 2;
            } else {
                break;
            }
        }
        i = j + 2;
    }
    found
}

/// The `(kind, message)` rows of `src/appendix-errors.md`.
fn errors_appendix() -> Result<BTreeSet<(String, String)>, String> {
    let path = "src/appendix-errors.md";
    let text = fs::read_to_string(root().join(path)).map_err(|e| format!("{path}: {e}"))?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| ")?.split(" | ");
            let kind = code_span(cells.next()?)?;
            let message = code_span(cells.next()?)?.replace("\\|", "|");
            Some((kind.to_owned(), message))
        })
        .collect())
}

#[test]
fn every_error_the_reference_names_is_shown_by_an_executed_block() -> Result<(), String> {
    let text = fs::read_to_string(root().join(PAGE)).map_err(|e| format!("{PAGE}: {e}"))?;
    let shown = errors_appendix()?;
    let mut named = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        if let Some(cell) = cells.get(3) {
            named.extend(raised(cell));
        }
    }
    assert!(
        named.len() > 20,
        "only {} errors read from {PAGE}",
        named.len()
    );
    let missing: Vec<String> = named
        .iter()
        .filter(|pair| !shown.contains(*pair))
        .map(|(kind, message)| format!("{kind}: {message}"))
        .collect();
    assert!(
        missing.is_empty(),
        "{PAGE} names errors that no executed block shows (they are not in src/appendix-errors.md):\n  {}",
        missing.join("\n  ")
    );
    Ok(())
}

#[test]
fn raises_cells_are_read_kind_by_kind() {
    let cell = "`TypeError`: `a`, `b` ([x](x.md)); `ValueError`: `c` (3.15: `d` without `e`)";
    let pairs: Vec<(String, String)> =
        [("TypeError", "a"), ("TypeError", "b"), ("ValueError", "c")]
            .iter()
            .map(|(k, m)| ((*k).to_owned(), (*m).to_owned()))
            .collect();
    assert_eq!(raised(cell), pairs);
}

#[test]
fn rows_are_read_with_their_signature_and_version() -> Result<(), String> {
    let table = "| Member | Signature | Returns | Raises | Since |\n| --- | --- | --- | --- | --- |\n\
                 | `memoryview.hex` | `hex(sep=<unrepresentable>, bytes_per_sep=1)` | `str` | x | 3.5; `sep` 3.8 |\n\
                 | `memoryview.obj` | attribute | the exporter | — | 3.3 |\n";
    assert_eq!(
        rows(table)?,
        vec![
            Row {
                name: "memoryview.hex".into(),
                signature: Some("hex(sep=<unrepresentable>, bytes_per_sep=1)".into()),
                since: (3, 5),
            },
            Row {
                name: "memoryview.obj".into(),
                signature: None,
                since: (3, 3),
            },
        ]
    );
    Ok(())
}

#[test]
fn a_wrong_row_is_reported() {
    let rows = vec![
        Row {
            name: "memoryview.count".into(),
            signature: Some("count(value)".into()),
            since: (3, 12),
        },
        Row {
            name: "memoryview.obj".into(),
            signature: Some("obj()".into()),
            since: (3, 3),
        },
    ];
    let answer = serde_json::json!({
        "version": "3.14",
        "members": {
            "memoryview.count": {"present": true, "kind": "method", "signature": "count(value, /)"},
            "memoryview.obj": {"present": true, "kind": "attribute", "signature": null},
        },
        "expected": ["memoryview.count", "memoryview.obj", "memoryview.nbytes"],
    });
    let wrong = disagreements(&rows, &answer);
    assert_eq!(wrong.len(), 3, "{wrong:?}");
    assert!(wrong[0].contains("`count(value, /)`"));
    assert!(wrong[1].contains("says method, 3.14 says attribute"));
    assert!(wrong[2].starts_with("memoryview.nbytes"));
}
