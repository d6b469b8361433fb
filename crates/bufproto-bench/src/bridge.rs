//! The Rust memoryview from Python: `bufproto_py.memoryview` (the crate's
//! `MemoryView` behind PyO3) against the builtin `memoryview`, timed by
//! `src/bridge.py` in the same `python3`, over a 1 MiB `bytes` and
//! `bytearray` (1 KiB in the quick run).
//!
//! The extension module is the one cargo built with this binary, in its
//! profile: `bufproto-py` is a dependency of this crate only so that
//! `cargo run --release -p bufproto-bench --bin report` builds a release
//! `libbufproto_py.so` beside the report (in `deps/`).

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::{cell, fmt_size, ratio, run_python, samples_of, Config, Report, Sample};

/// The operations, in the table's order, with their Python spelling (the
/// statement `bridge.py` times; `tolist` is of the view cast to `'i'`).
pub const BRIDGE_OPS: &[(&str, &str)] = &[
    ("py_get", "m[i]"),
    ("py_slice", "m[a:b]"),
    ("py_tobytes", "m.tobytes()"),
    ("py_tolist", "m.cast('i').tolist()"),
    ("py_eq", "m == m2"),
];

/// The exporters, as `bridge.py` names them in its `imp` field.
const KINDS: &[&str] = &["bytes", "bytearray"];

/// The directory holding the extension module cargo built with this
/// executable, copied as `bufproto_py.so` (Python's name for it) into a
/// directory of its own, to put on `PYTHONPATH`.
///
/// # Errors
///
/// A message if the module is not beside the executable or in its `deps/`
/// (cargo puts it there when it builds this crate), or cannot be copied.
pub fn module_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let here = exe.parent().ok_or("no directory of the executable")?;
    let name = format!(
        "{}bufproto_py{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let built = [here.join("deps").join(&name), here.join(&name)]
        .into_iter()
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .max()
        .map(|(_, p)| p)
        .ok_or_else(|| format!("no {name} beside {}", exe.display()))?;
    let dir = std::env::temp_dir().join(format!("bufproto-bench-bridge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let ext = if cfg!(windows) { "pyd" } else { "so" };
    std::fs::copy(&built, dir.join(format!("bufproto_py.{ext}")))
        .map_err(|e| format!("cannot copy {}: {e}", built.display()))?;
    Ok(dir)
}

/// Runs `src/bridge.py` with `python3` (or `$BUFPROTO_BENCH_PYTHON`)
/// against the module of [`module_dir`], over buffers of `cfg.get_size`
/// bytes, and returns its samples.
///
/// # Errors
///
/// A message if the module is missing, or Python cannot be started, fails
/// or prints no JSON.
pub fn run_bridge(cfg: &Config, quick: bool) -> Result<Vec<Sample>, String> {
    let dir = module_dir()?;
    let args = [
        cfg.get_size.to_string(),
        (if quick { "1" } else { "0" }).into(),
    ];
    let v = run_python(
        "src/bridge.py",
        include_str!("bridge.py"),
        &args,
        Some(&dir),
    );
    let _ = std::fs::remove_dir_all(&dir);
    samples_of(&v?)
}

/// The chapter's table (anchor `bridge`): per operation and exporter, the
/// Rust type's time, the builtin's, and their ratio. Empty rows (`—`) when
/// the run had no bridge samples.
pub fn table(r: &Report) -> String {
    let mut s = String::from("<!-- ANCHOR: bridge -->\n| Python | size |");
    for k in KINDS {
        let _ = write!(
            s,
            " `bufproto_py` over `{k}` | builtin over `{k}` | Rust ÷ builtin |"
        );
    }
    s.push_str("\n| --- | --: |");
    s.push_str(&" --: | --: | --: |".repeat(KINDS.len()));
    s.push('\n');
    for &(op, py) in BRIDGE_OPS {
        let size = r.samples.iter().find(|x| x.op == op).map_or(0, |x| x.size);
        let size = if op == "py_tolist" {
            format!("{size} items")
        } else {
            fmt_size(size)
        };
        let _ = write!(s, "| `{py}` | {size} |");
        for k in KINDS {
            let ns = |who: &str| {
                let imp = format!("{who}-{k}");
                r.samples
                    .iter()
                    .find(|x| x.op == op && x.imp == imp)
                    .map(|x| x.ns)
            };
            let (rust, builtin) = (ns("bufproto_py"), ns("memoryview"));
            let _ = write!(
                s,
                " {} | {} | {} |",
                cell(rust),
                cell(builtin),
                ratio(rust, builtin)
            );
        }
        s.push('\n');
    }
    s.push_str("<!-- ANCHOR_END: bridge -->\n");
    s
}
