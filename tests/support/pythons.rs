#![allow(dead_code)] // Each harness needs a different part.

//! The Pythons the book runs on, for every harness that needs one (the
//! book's tests include this file, `crates/bufproto-oracle` too):
//!
//! * which CPython lines, from `tests/pycon/tags.json`;
//! * where each Pyodide is: `tests/pycon/install.mjs` installs the pinned
//!   ones on first use (`npm ci`) and says where they are — the only
//!   installer, so that any test can be the first to run on a fresh clone;
//! * the machine's `python3`, and the rule CI holds it to;
//! * the extension module cargo built from `crates/bufproto-py`.
//!
//! Needs `crate::ci` (tests/support/ci.rs) beside it.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::ci;

/// `tests/pycon`, where the runner, the grammar and the Pyodides live.
pub fn pycon_dir() -> PathBuf {
    ci::root().join("tests/pycon")
}

/// `tests/pycon/tags.json`: the tag grammar and the interpreter list.
pub fn grammar() -> Result<Value, String> {
    let path = pycon_dir().join("tags.json");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The line CI requires of the machine's `python3` ("3.11"): the oldest the
/// book covers, which no Pyodide carries.
pub fn native_line() -> Result<String, String> {
    grammar()?["native"]["line"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "tags.json: no native.line".into())
}

/// One Pyodide of `tags.json`: its CPython line, the exact CPython it
/// carries (`sys.version`'s first word), its npm alias and whether it is a
/// preview (a release candidate).
#[derive(Clone, Debug)]
pub struct PyodideLine {
    pub line: String,
    pub cpython: String,
    pub package: String,
    pub preview: bool,
}

/// The Pyodides `tags.json` lists, oldest first.
pub fn pyodide_lines() -> Result<Vec<PyodideLine>, String> {
    let grammar = grammar()?;
    let list = grammar["pyodides"]
        .as_array()
        .ok_or("tags.json: no pyodides list")?;
    list.iter()
        .map(|p| {
            Ok(PyodideLine {
                line: p["line"]
                    .as_str()
                    .ok_or("tags.json: a pyodide without line")?
                    .into(),
                cpython: p["cpython"]
                    .as_str()
                    .ok_or("tags.json: a pyodide without cpython")?
                    .into(),
                package: p["package"]
                    .as_str()
                    .ok_or("tags.json: a pyodide without package")?
                    .into(),
                preview: p["preview"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

/// Whether `program --version` runs.
pub fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Each Pyodide's directory, by line ("3.14" → `tests/pycon/node_modules/pyodide-314`),
/// installing the pinned ones first if needed. Asked once per test binary.
pub fn pyodide_dirs() -> Result<BTreeMap<String, PathBuf>, String> {
    static DIRS: OnceLock<Result<BTreeMap<String, PathBuf>, String>> = OnceLock::new();
    DIRS.get_or_init(locate_pyodides).clone()
}

fn locate_pyodides() -> Result<BTreeMap<String, PathBuf>, String> {
    if !available("node") {
        return Err("no `node` on PATH".into());
    }
    let out = Command::new("node")
        .arg(pycon_dir().join("install.mjs"))
        .output()
        .map_err(|e| format!("could not run node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "tests/pycon/install.mjs failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let dirs: BTreeMap<String, String> = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("tests/pycon/install.mjs printed no JSON map: {e}"))?;
    Ok(dirs
        .into_iter()
        .map(|(line, dir)| (line, PathBuf::from(dir)))
        .collect())
}

/// The directory of the Pyodide carrying `line`, installed if needed.
pub fn pyodide_dir(line: &str) -> Result<PathBuf, String> {
    pyodide_dirs()?
        .remove(line)
        .ok_or_else(|| format!("tests/pycon/tags.json lists no Pyodide for CPython {line}"))
}

/// The machine's `python3` line, e.g. "3.11".
pub fn python3_line() -> Result<String, String> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .map_err(|e| format!("no `python3` on PATH ({e})"))?;
    if !out.status.success() {
        return Err(format!("`python3` failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `(3, 11)` for "3.11".
pub fn parse_line(line: &str) -> Option<(u32, u32)> {
    let (major, minor) = line.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The rule for the machine's `python3`, as README.md states it: any CPython
/// from `native.line` (3.11) on runs the tests, but CI requires exactly that
/// line, since no Pyodide carries it. `Ok(line)` if `python3` may be used.
pub fn native_python() -> Result<String, String> {
    let wanted = native_line()?;
    let found = python3_line()?;
    let too_old = parse_line(&found) < parse_line(&wanted);
    if too_old || (ci::in_ci() && found != wanted) {
        return Err(format!(
            "python3 is CPython {found}; the book needs {wanted}{}",
            if too_old {
                " or later"
            } else {
                " under CI=true"
            }
        ));
    }
    Ok(found)
}

/// A PyPI package that blocks with one of `tags.json`'s platform tags need
/// (its `needs`): NumPy for `needs-numpy`.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageNeed {
    /// The tag, "needs-numpy".
    pub tag: String,
    /// What the blocks import, "numpy".
    pub module: String,
    /// The pinned version, "2.3.5".
    pub version: String,
    /// What pip installs, "numpy==2.3.5".
    pub pip: String,
    /// Text that shows a block uses the package ("numpy", "np."): such a
    /// block must carry the tag, or it would fail where the package is not.
    pub seen_as: Vec<String>,
}

/// Every package a platform tag of `tags.json` needs.
pub fn package_needs() -> Result<Vec<PackageNeed>, String> {
    let grammar = grammar()?;
    let tags = grammar["platform_tags"]
        .as_object()
        .ok_or("tags.json: no platform_tags")?;
    let mut out = Vec::new();
    for (tag, rule) in tags {
        let need = &rule["needs"];
        if need.is_null() {
            continue;
        }
        let field = |name: &str| {
            need[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("tags.json: {tag}'s needs has no {name}"))
        };
        out.push(PackageNeed {
            tag: tag.clone(),
            module: field("module")?,
            version: field("version")?,
            pip: field("pip")?,
            seen_as: need["seen_as"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Where the pinned package lives for the machine's `python3`:
/// `target/pylib/<module>-<version>`, put on `PYTHONPATH` by the harness;
/// never the system's site-packages.
pub fn package_dir(need: &PackageNeed) -> PathBuf {
    ci::root()
        .join("target/pylib")
        .join(format!("{}-{}", need.module, need.version))
}

/// The version `python3` imports from `dir`, if it imports at all.
fn imported_version(module: &str, dir: &std::path::Path) -> Option<String> {
    let out = Command::new("python3")
        .args([
            "-I",
            "-c",
            &format!(
                "import sys; sys.path.insert(0, sys.argv[1]); import {module}; \
                 print({module}.__file__.startswith(sys.argv[1]), {module}.__version__)"
            ),
        ])
        .arg(dir)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (from_dir, version) = text.trim().split_once(' ')?;
    (out.status.success() && from_dir == "True").then(|| version.to_owned())
}

/// The directory holding `need`'s pinned version for `python3`, installed
/// with pip on first use (a few seconds; offline, it fails and says why).
/// Skipped when the pinned version is already there. Installs into a fresh
/// directory and renames it into place, so that two test binaries racing
/// never see half a package.
pub fn installed_package(need: &PackageNeed) -> Result<PathBuf, String> {
    let dir = package_dir(need);
    if imported_version(&need.module, &dir).as_deref() == Some(need.version.as_str()) {
        return Ok(dir);
    }
    let partial = dir.with_file_name(format!(
        "{}-{}.partial-{}",
        need.module,
        need.version,
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&partial);
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--target",
        ])
        .arg(&partial)
        .arg(&need.pip)
        .output()
        .map_err(|e| format!("could not run python3 -m pip: {e}"))?;
    if !out.status.success() {
        let _ = fs::remove_dir_all(&partial);
        return Err(format!(
            "`python3 -m pip install --target {} {}` failed ({}): {}",
            partial.display(),
            need.pip,
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let _ = fs::remove_dir_all(&dir);
    if fs::rename(&partial, &dir).is_err() && !dir.is_dir() {
        return Err(format!("could not move {} into place", partial.display()));
    }
    let _ = fs::remove_dir_all(&partial);
    match imported_version(&need.module, &dir) {
        Some(v) if v == need.version => Ok(dir),
        found => Err(format!(
            "{} installed into {}, but python3 imports {found:?} from there",
            need.pip,
            dir.display()
        )),
    }
}
