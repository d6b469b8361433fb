//! Every ```` ```pycon ```` block of the book, run with doctest by two CPythons:
//! the machine's `python3` and CPython 3.14 in Pyodide under Node.
//!
//! Both run `tests/pycon/doctest_runner.py`, so the rules are the same; each
//! chapter's blocks share one session, in order. A failure names the
//! interpreter, the chapter file and the block's line, and shows expected
//! against got. Blocks an interpreter could not run are listed by name; under
//! `CI=true` that fails the test.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

#[path = "support/markdown.rs"]
mod markdown;

#[path = "support/ci.rs"]
mod ci;
use ci::{always_show, root};

fn pycon_dir() -> PathBuf {
    root().join("tests/pycon")
}

/// The job the runner reads: chapters and their pycon blocks, in book order.
fn job(blocks: &[markdown::Block]) -> Value {
    let mut chapters: Vec<Value> = Vec::new();
    for block in blocks {
        let entry = json!({
            "line": block.line,
            "first_text_line": block.first_text_line(),
            "tags": block.tags,
            "text": block.text,
        });
        match chapters.last_mut() {
            Some(chapter) if chapter["file"] == block.file.as_str() => {
                chapter["blocks"].as_array_mut().unwrap().push(entry)
            }
            _ => chapters.push(json!({ "file": block.file, "blocks": [entry] })),
        }
    }
    json!({ "chapters": chapters })
}

fn pycon_blocks() -> Vec<markdown::Block> {
    markdown::book_blocks(root())
        .expect("the book's chapters can be read")
        .into_iter()
        .filter(|b| b.lang == "pycon")
        .collect()
}

/// Whether `program --version` runs.
fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Says, loudly, which blocks could not run and why; fails under CI.
fn could_not_run(interpreter: &str, why: &str, blocks: &[markdown::Block]) {
    let mut message = format!(
        "\n!!! {} pycon block(s) NOT RUN under {interpreter}: {why}\n",
        blocks.len()
    );
    for block in blocks {
        message.push_str(&format!("!!!   not run: {}\n", block.place()));
    }
    ci::did_not_run(&message, "CI=true: every block must run");
}

/// Runs the job with `command` (which gets the job and results paths
/// appended) and checks every block's result.
fn run_and_check(interpreter: &str, mut command: Command, blocks: &[markdown::Block]) {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let job_path = tmp.join(format!("pycon-job-{interpreter}.json"));
    let results_path = tmp.join(format!("pycon-results-{interpreter}.json"));
    fs::write(&job_path, job(blocks).to_string()).expect("the job can be written");
    let _ = fs::remove_file(&results_path);

    let output = command
        .arg(&job_path)
        .arg(&results_path)
        .output()
        .unwrap_or_else(|e| panic!("could not start {interpreter}: {e}"));
    let results = fs::read_to_string(&results_path).unwrap_or_else(|_| {
        panic!(
            "{interpreter} wrote no results (exit {}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let results: Value = serde_json::from_str(&results).expect("the runner writes JSON");
    let version = results["version"].as_str().unwrap_or("?");
    let name = format!("{interpreter} (CPython {version})");

    let mut passed = 0;
    let mut failures = String::new();
    let mut not_here = Vec::new();
    for result in results["results"].as_array().expect("a list of results") {
        let place = format!("{}:{}", result["file"].as_str().unwrap(), result["line"]);
        let report = result["report"].as_str().unwrap_or("");
        match result["status"].as_str() {
            Some("passed") => passed += 1,
            Some("not-here") => not_here.push(format!("{place} ({report})")),
            _ => failures.push_str(&format!(
                "\n--- pycon block at {place} failed under {name} ---\n{report}"
            )),
        }
    }
    let failed = blocks.len() - passed - not_here.len();
    let mut summary = format!(
        "pycon blocks under {name}: {passed} passed, {failed} failed, {} tagged for another interpreter{}\n",
        not_here.len(),
        if not_here.is_empty() { "" } else { ":" }
    );
    for place in &not_here {
        summary.push_str(&format!("  not for {interpreter}, by its tag: {place}\n"));
    }
    always_show(&summary);
    assert!(
        failed == 0,
        "{failed} pycon block(s) failed under {name}:\n{failures}"
    );
}

#[test]
fn pycon_blocks_under_python3() {
    let blocks = pycon_blocks();
    if !available("python3") {
        return could_not_run("python3", "no `python3` on PATH", &blocks);
    }
    let mut command = Command::new("python3");
    command.arg(pycon_dir().join("doctest_runner.py"));
    // Chapters that `import bufproto_py` need the extension module that
    // `cargo test` builds from crates/bufproto-py.
    let blocks = match native_module_dir() {
        Some(dir) => {
            command.env("PYTHONPATH", dir);
            blocks
        }
        None => {
            let needy = chapters_importing_the_module();
            let (needing, others): (Vec<_>, Vec<_>) =
                blocks.into_iter().partition(|b| needy.contains(&b.file));
            if !needing.is_empty() {
                could_not_run(
                    "python3",
                    "the extension module bufproto_py is not built \
                     (`cargo test` for the whole workspace builds it, or `cargo build -p bufproto-py`)",
                    &needing,
                );
            }
            others
        }
    };
    run_and_check("python3", command, &blocks);
}

/// Chapters with a pycon block that imports the extension module.
fn chapters_importing_the_module() -> Vec<String> {
    pycon_blocks()
        .into_iter()
        .filter(|b| b.text.contains("import bufproto_py"))
        .map(|b| b.file)
        .collect()
}

/// A directory holding `bufproto_py.so`, copied from the library that cargo
/// built for crates/bufproto-py: in `target/<profile>/deps/`, this test's
/// own directory, or `target/<profile>/`. `None` if it was not built.
fn native_module_dir() -> Option<PathBuf> {
    let exe = env::current_exe().ok()?;
    let deps = exe.parent()?;
    let name = format!(
        "{}bufproto_py{}",
        env::consts::DLL_PREFIX,
        env::consts::DLL_SUFFIX
    );
    let built = [deps.join(&name), deps.parent()?.join(&name)]
        .into_iter()
        .find(|p| p.exists())?;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pycon-native-module");
    fs::create_dir_all(&dir).ok()?;
    let ext = if cfg!(windows) { "pyd" } else { "so" };
    fs::copy(&built, dir.join(format!("bufproto_py.{ext}"))).ok()?;
    Some(dir)
}

/// Installs the pinned Pyodide (`tests/pycon/package-lock.json`) on first use.
fn install_pyodide() -> Result<(), String> {
    if pycon_dir()
        .join("node_modules/pyodide/package.json")
        .exists()
    {
        return Ok(());
    }
    if !available("npm") {
        return Err("Pyodide is not installed and there is no `npm` to install it".into());
    }
    eprintln!("installing the pinned Pyodide with `npm ci` in tests/pycon …");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(pycon_dir())
        .status()
        .map_err(|e| format!("could not run npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`npm ci` in tests/pycon failed ({status})"))
    }
}

#[test]
fn pycon_blocks_under_pyodide() {
    let blocks = pycon_blocks();
    if !available("node") {
        return could_not_run("pyodide", "no `node` on PATH", &blocks);
    }
    if let Err(why) = install_pyodide() {
        return could_not_run("pyodide", &why, &blocks);
    }
    let mut command = Command::new("node");
    command.arg(pycon_dir().join("run-pyodide.mjs"));
    run_and_check("pyodide", command, &blocks);
}
