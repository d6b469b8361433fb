//! Every ```` ```pycon ```` block of the book, run with doctest by every
//! CPython line readers use: the machine's `python3` (3.11) and CPython 3.12,
//! 3.13, 3.14 and 3.15 in Pyodide under Node, one process each, as many at
//! once as the machine has cores.
//!
//! All run `tests/pycon/doctest_runner.py`, so the rules are the same; each
//! chapter's blocks share one session per interpreter, in order. Tags
//! (`tests/pycon/tags.json`) say where a block runs; a block kept off an
//! interpreter by a version tag runs there too, and must fail: if it passes,
//! the tag is wider than the difference it marks, and that fails the test.
//!
//! Every run prints a matrix, chapters × interpreters, with each
//! interpreter's full version. A failure names the interpreter, the chapter
//! file and the block's line, and shows expected against got. Blocks an
//! interpreter could not run are listed by name; under `CI=true` that fails.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

#[path = "support/markdown.rs"]
mod markdown;

#[path = "support/ci.rs"]
mod ci;
#[path = "support/pythons.rs"]
mod pythons;
use ci::always_show;
use pythons::pycon_dir;

/// How many loops and repeats `timeit` may run here, in every interpreter.
/// Chapter 15 times megabyte operations 200 × 5 times, as a reader would;
/// the ratios it claims hold with a twentieth of the loops, and at full count
/// its blocks alone take about a minute of CPU per interpreter, far more than
/// all the other chapters together.
const TIMEIT_CAP: (u32, u32) = (10, 3);

/// The job the runner reads: chapters and their pycon blocks, in book order.
fn job(blocks: &[&markdown::Block], timeit_cap: Option<(u32, u32)>) -> Value {
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
                if let Some(list) = chapter["blocks"].as_array_mut() {
                    list.push(entry);
                }
            }
            _ => chapters.push(json!({ "file": block.file, "blocks": [entry] })),
        }
    }
    let cap = timeit_cap.map(|(number, repeat)| json!({ "number": number, "repeat": repeat }));
    json!({ "chapters": chapters, "timeit_cap": cap })
}

fn pycon_blocks() -> Vec<markdown::Block> {
    markdown::book_blocks(ci::root())
        .expect("the book's chapters can be read")
        .into_iter()
        .filter(|b| b.lang == "pycon")
        .collect()
}

/// One interpreter to run the book in.
struct Python {
    /// "python3" or "pyodide-3.12".
    name: String,
    /// The CPython it must report ("3.12.7", `tags.json`'s `cpython`);
    /// `None` for python3, which is whatever the machine has
    /// (`pythons::native_python` says if that will do).
    cpython: Option<String>,
    command: Command,
    /// Blocks it is given (python3 may lack the extension module).
    blocks: Vec<usize>,
    /// `TIMEIT_CAP`, if the runner is to cap `timeit`.
    timeit_cap: Option<(u32, u32)>,
}

/// What one block did under one interpreter.
struct Outcome {
    status: String,
    report: String,
    /// For a block kept off by a version tag: "differs" or "passes-too".
    check: Option<String>,
}

/// One interpreter's run: its full version and an outcome per block index.
struct Run {
    /// `sys.version`, in full.
    version: String,
    line: String,
    outcomes: BTreeMap<usize, Outcome>,
}

/// Says, loudly, which blocks could not run and why; under CI that is a
/// problem, reported with the others once every interpreter has run.
fn could_not_run(
    interpreter: &str,
    why: &str,
    blocks: &[&markdown::Block],
    problems: &mut Vec<String>,
) {
    let mut message = format!(
        "\n!!! {} pycon block(s) NOT RUN under {interpreter}: {why}\n",
        blocks.len()
    );
    for block in blocks {
        message.push_str(&format!("!!!   not run: {}\n", block.place()));
    }
    always_show(&message);
    if ci::in_ci() {
        problems.push(format!("{message}(CI=true: every block must run)"));
    }
}

/// The interpreters this machine can run, saying loudly which it cannot.
fn pythons(blocks: &[markdown::Block], problems: &mut Vec<String>) -> Vec<Python> {
    let all: Vec<usize> = (0..blocks.len()).collect();
    let everything: Vec<&markdown::Block> = blocks.iter().collect();
    let mut list = Vec::new();
    match pythons::native_python() {
        Err(why) => could_not_run("python3", &why, &everything, problems),
        Ok(_) => {
            let mut command = Command::new("python3");
            command.arg(pycon_dir().join("doctest_runner.py"));
            let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
            // Chapters that `import bufproto_py` need the extension module
            // that `cargo test` builds from crates/bufproto-py.
            let mut path = Vec::new();
            let mut mine = match ci::extension_module_dir(tmp, "bufproto-py-module") {
                Some(dir) => {
                    path.push(dir);
                    all.clone()
                }
                None => without_module(blocks, problems),
            };
            // Blocks tagged `needs-numpy` need the pinned NumPy, which
            // pythons.rs installs into target/pylib on first use.
            path.extend(with_packages(blocks, &mut mine, problems));
            if !path.is_empty() {
                let joined = std::env::join_paths(&path).expect("no `:` in the target paths");
                command.env("PYTHONPATH", joined);
            }
            list.push(Python {
                name: "python3".into(),
                cpython: None,
                command,
                blocks: mine,
                timeit_cap: Some(TIMEIT_CAP),
            });
        }
    }
    let lines = pythons::pyodide_lines().expect("tests/pycon/tags.json can be read");
    match pythons::pyodide_dirs() {
        Err(why) => {
            for p in &lines {
                could_not_run(&format!("pyodide-{}", p.line), &why, &everything, problems);
            }
        }
        Ok(_) => {
            for p in lines {
                let mut command = Command::new("node");
                command
                    .arg(pycon_dir().join("run-pyodide.mjs"))
                    .arg(&p.line);
                list.push(Python {
                    name: format!("pyodide-{}", p.line),
                    cpython: Some(p.cpython),
                    command,
                    blocks: all.clone(),
                    timeit_cap: Some(TIMEIT_CAP),
                });
            }
        }
    }
    list
}

/// The directories of the packages `tags.json`'s platform tags need
/// (installing them if needed), to put on python3's `PYTHONPATH`; the
/// blocks of a package that cannot be installed are taken out of `mine`
/// and listed by name as not run.
fn with_packages(
    blocks: &[markdown::Block],
    mine: &mut Vec<usize>,
    problems: &mut Vec<String>,
) -> Vec<PathBuf> {
    let needs = pythons::package_needs().expect("tests/pycon/tags.json can be read");
    let mut dirs = Vec::new();
    for need in needs {
        let started = Instant::now();
        match pythons::installed_package(&need) {
            Ok(dir) => {
                always_show(&format!(
                    "pycon: {} ready in {} ({:.1} s)\n",
                    need.pip,
                    dir.display(),
                    started.elapsed().as_secs_f64()
                ));
                dirs.push(dir);
            }
            Err(why) => {
                let (needing, others): (Vec<usize>, Vec<usize>) = mine
                    .iter()
                    .partition(|&&i| blocks[i].tags.contains(&need.tag));
                *mine = others;
                if !needing.is_empty() {
                    let list: Vec<&markdown::Block> = needing.iter().map(|&i| &blocks[i]).collect();
                    could_not_run("python3", &why, &list, problems);
                }
            }
        }
    }
    dirs
}

/// The blocks python3 can run without the extension module, saying which
/// it cannot (every block of a chapter that imports the module).
fn without_module(blocks: &[markdown::Block], problems: &mut Vec<String>) -> Vec<usize> {
    let needy: Vec<&str> = blocks
        .iter()
        .filter(|b| b.text.contains("import bufproto_py"))
        .map(|b| b.file.as_str())
        .collect();
    let (needing, others): (Vec<usize>, Vec<usize>) =
        (0..blocks.len()).partition(|&i| needy.contains(&blocks[i].file.as_str()));
    if !needing.is_empty() {
        could_not_run(
            "python3",
            "the extension module bufproto_py is not built, or is older than its sources \
             (`cargo test` for the whole workspace builds it, or `cargo build -p bufproto-py`)",
            &needing.iter().map(|&i| &blocks[i]).collect::<Vec<_>>(),
            problems,
        );
    }
    others
}

/// Runs the interpreter on its blocks; its results, or why there are none.
fn run(python: &mut Python, blocks: &[markdown::Block]) -> Result<Run, String> {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let job_path = tmp.join(format!("pycon-job-{}.json", python.name));
    let results_path = tmp.join(format!("pycon-results-{}.json", python.name));
    let mine: Vec<&markdown::Block> = python.blocks.iter().map(|&i| &blocks[i]).collect();
    fs::write(&job_path, job(&mine, python.timeit_cap).to_string())
        .map_err(|e| format!("writing the job: {e}"))?;
    let _ = fs::remove_file(&results_path);

    let output = python
        .command
        .arg(&job_path)
        .arg(&results_path)
        .output()
        .map_err(|e| format!("could not start {}: {e}", python.name))?;
    let results = fs::read_to_string(&results_path).map_err(|_| {
        format!(
            "{} wrote no results (exit {}):\n{}{}",
            python.name,
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let results: Value =
        serde_json::from_str(&results).map_err(|e| format!("the runner's JSON: {e}"))?;
    let list = results["results"].as_array().ok_or("no list of results")?;
    if list.len() != python.blocks.len() {
        return Err(format!(
            "{} answered {} blocks of {}",
            python.name,
            list.len(),
            python.blocks.len()
        ));
    }
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let outcomes = python
        .blocks
        .iter()
        .zip(list)
        .map(|(&i, r)| {
            let outcome = Outcome {
                status: text(&r["status"]),
                report: text(&r["report"]),
                check: r["check"].as_str().map(str::to_owned),
            };
            (i, outcome)
        })
        .collect();
    Ok(Run {
        version: text(&results["version"]),
        line: text(&results["line"]),
        outcomes,
    })
}

/// Runs every interpreter, at most as many at once as there are cores.
fn run_all(pythons: Vec<Python>, blocks: &[markdown::Block]) -> Vec<(Python, Result<Run, String>)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let queue: Vec<Mutex<Option<Python>>> =
        pythons.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let done = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..cores.min(queue.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(slot) = queue.get(i) else { break };
                let Some(mut python) = slot.lock().ok().and_then(|mut p| p.take()) else {
                    continue;
                };
                let started = Instant::now();
                let result = run(&mut python, blocks);
                always_show(&format!(
                    "pycon: {} ran in {:.1} s\n",
                    python.name,
                    started.elapsed().as_secs_f64()
                ));
                if let Ok(mut d) = done.lock() {
                    d.push((i, python, result));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_default();
    done.sort_by_key(|(i, ..)| *i);
    done.into_iter().map(|(_, p, r)| (p, r)).collect()
}

/// Counts per chapter and interpreter: passed, failed, not for this version.
fn matrix(blocks: &[markdown::Block], runs: &[(Python, Result<Run, String>)]) -> String {
    let mut chapters: Vec<&str> = Vec::new();
    for b in blocks {
        if chapters.last() != Some(&b.file.as_str()) {
            chapters.push(&b.file);
        }
    }
    let width = chapters.iter().map(|c| c.len()).max().unwrap_or(0).max(7);
    let mut out = format!(
        "\npycon blocks, passed/failed/not for this version (- not run):\n{:width$}",
        "chapter"
    );
    for (python, _) in runs {
        out.push_str(&format!(" {:>14}", python.name));
    }
    out.push('\n');
    let cell = |run: &Result<Run, String>, chapter: Option<&str>| -> String {
        let Ok(run) = run else { return "-".into() };
        let mut counts = [0; 3];
        for (&i, o) in &run.outcomes {
            if chapter.is_some_and(|c| blocks[i].file != c) {
                continue;
            }
            counts[match o.status.as_str() {
                "passed" => 0,
                "not-here" => 2,
                _ => 1,
            }] += 1;
        }
        format!("{}/{}/{}", counts[0], counts[1], counts[2])
    };
    for chapter in chapters.iter().copied().map(Some).chain([None]) {
        out.push_str(&format!("{:width$}", chapter.unwrap_or("all chapters")));
        for (_, run) in runs {
            out.push_str(&format!(" {:>14}", cell(run, chapter)));
        }
        out.push('\n');
    }
    for (python, run) in runs {
        match run {
            Ok(run) => out.push_str(&format!("  {}: CPython {}\n", python.name, run.version)),
            Err(_) => out.push_str(&format!("  {}: did not run\n", python.name)),
        }
    }
    out
}

/// Everything that is wrong, for one interpreter's run.
fn run_problems(
    python: &Python,
    run: &Result<Run, String>,
    blocks: &[markdown::Block],
) -> Vec<String> {
    let run = match run {
        Ok(run) => run,
        Err(why) => return vec![format!("{}: {why}", python.name)],
    };
    let short = run.version.split_whitespace().next().unwrap_or_default();
    let name = format!("{} (CPython {short})", python.name);
    let mut out = Vec::new();
    if let Some(cpython) = python.cpython.as_deref().filter(|c| *c != short) {
        out.push(format!(
            "{name} is not CPython {cpython}, as tests/pycon/tags.json records"
        ));
    }
    for (&i, o) in &run.outcomes {
        let place = blocks[i].place();
        match (o.status.as_str(), o.check.as_deref()) {
            ("passed", _) | ("not-here", None | Some("differs")) => {}
            ("not-here", _) => out.push(format!(
                "{place}: its tag `{}` is wider than the difference it marks: \
                 the block passes on {name} too (narrow the tag to the first version that differs)",
                o.report
            )),
            _ => out.push(format!(
                "--- pycon block at {place} failed under {name} ---\n{}",
                o.report
            )),
        }
    }
    out
}

/// Blocks whose tags keep them off every interpreter (judged only when
/// every interpreter ran and was given the block).
fn run_nowhere(blocks: &[markdown::Block], runs: &[(Python, Result<Run, String>)]) -> Vec<String> {
    let ran: Vec<&Run> = runs.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    if ran.len() < runs.len() || ran.is_empty() {
        return Vec::new();
    }
    (0..blocks.len())
        .filter(|i| {
            ran.iter()
                .all(|r| r.outcomes.get(i).is_some_and(|o| o.status == "not-here"))
        })
        .map(|i| {
            format!(
                "{}: its tags {:?} keep it off every interpreter",
                blocks[i].place(),
                blocks[i].tags
            )
        })
        .collect()
}

#[test]
fn pycon_blocks_on_every_python() {
    let blocks = pycon_blocks();
    let started = Instant::now();
    let mut problems = Vec::new();
    let runs = run_all(pythons(&blocks, &mut problems), &blocks);
    always_show(&matrix(&blocks, &runs));
    always_show(&format!(
        "pycon: all interpreters in {:.1} s\n",
        started.elapsed().as_secs_f64()
    ));
    problems.extend(runs.iter().flat_map(|(p, r)| run_problems(p, r, &blocks)));
    problems.extend(run_nowhere(&blocks, &runs));
    assert!(
        problems.is_empty(),
        "{} problem(s) with the pycon blocks:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The Pyodide directories `tests/pycon/install.mjs` reports hold the
/// packages `tags.json` names, so every harness finds the same ones.
#[test]
fn every_pyodide_of_tags_json_is_located() {
    let lines = pythons::pyodide_lines().expect("tests/pycon/tags.json can be read");
    let dirs = match pythons::pyodide_dirs() {
        Ok(dirs) => dirs,
        Err(why) => {
            return ci::did_not_run(&format!("\n!!! Pyodides not located: {why}\n"), "CI=true");
        }
    };
    let found: Vec<(String, PathBuf)> = dirs.into_iter().collect();
    let wanted: Vec<(String, PathBuf)> = lines
        .iter()
        .map(|p| {
            (
                p.line.clone(),
                pycon_dir().join("node_modules").join(&p.package),
            )
        })
        .collect();
    assert_eq!(found, wanted);
    for (_, dir) in &found {
        assert!(
            dir.join("pyodide.mjs").is_file(),
            "{} has no pyodide.mjs",
            dir.display()
        );
    }
}

/// Every tag list the grammar allows with at most one platform tag and two
/// version tags (and the book's own), as JSON.
fn tag_lists() -> Value {
    let grammar = pythons::grammar().expect("tests/pycon/tags.json can be read");
    let platform: Vec<String> = grammar["platform_tags"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let lines: Vec<String> = pythons::pyodide_lines()
        .expect("tags.json lists the Pyodides")
        .into_iter()
        .map(|p| p.line)
        .collect();
    let prefixes: Vec<String> = grammar["version_tags"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let versions: Vec<String> = prefixes
        .iter()
        .flat_map(|p| lines.iter().map(move |l| format!("{p}-{l}")))
        .collect();
    let mut lists: Vec<Vec<String>> = Vec::new();
    for p in std::iter::once(None).chain(platform.iter().map(Some)) {
        for a in std::iter::once(None).chain(versions.iter().map(Some)) {
            for b in std::iter::once(None).chain(versions.iter().map(Some)) {
                lists.push([p, a, b].into_iter().flatten().cloned().collect());
            }
        }
    }
    for block in pycon_blocks() {
        lists.push(block.tags);
    }
    json!(lists)
}

/// The browser's Run button (theme/pycon-run.js) and the runner
/// (doctest_runner.py) read the same grammar; they must also draw the same
/// conclusions from it: for every tag list, the browser offers Run exactly
/// when the runner would run the block in the browser's Pyodide.
#[test]
fn the_browser_and_the_runner_agree_on_where_blocks_run() {
    if !pythons::available("node") || pythons::python3_line().is_err() {
        return ci::did_not_run(
            "\n!!! the browser's tag rules NOT CHECKED against the runner's: no node or python3\n",
            "CI=true",
        );
    }
    let lists = tag_lists().to_string();
    let browser = pythons::grammar().expect("tags.json")["browser"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let lists_path = tmp.join("pycon-tag-lists.json");
    fs::write(&lists_path, &lists).expect("the tag lists can be written");

    let js = r#"
        const fs = require("fs"), vm = require("vm");
        const [script, listsPath] = process.argv.slice(1);
        const noop = () => {};
        const document = { readyState: "loading", addEventListener: noop, baseURI: "http://x/" };
        const context = { document, location: { pathname: "/x.html" }, URL, console };
        context.window = { addEventListener: noop };
        vm.runInNewContext(fs.readFileSync(script, "utf8"), context);
        const rules = context.window.bookPyconRules;
        const lists = JSON.parse(fs.readFileSync(listsPath, "utf8"));
        console.log(JSON.stringify(lists.map((tags) => rules.whyNotHere(tags) === null)));
    "#;
    let out = Command::new("node")
        .arg("-e")
        .arg(js)
        .arg(ci::root().join("theme/pycon-run.js"))
        .arg(&lists_path)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let in_browser: Vec<bool> = serde_json::from_slice(&out.stdout).expect("JSON from node");

    let py = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import doctest_runner as r
grammar = json.load(open(sys.argv[1] + "/tags.json"))
lists = json.load(open(sys.argv[2]))
line = tuple(int(x) for x in sys.argv[3].split("."))
print(json.dumps([r.applies(tags, "pyodide", line, grammar) is None for tags in lists]))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(pycon_dir())
        .arg(&lists_path)
        .arg(&browser)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let in_runner: Vec<bool> = serde_json::from_slice(&out.stdout).expect("JSON from python3");

    let lists: Vec<Vec<String>> = serde_json::from_str(&lists).expect("the lists");
    let disagree: Vec<String> = lists
        .iter()
        .zip(in_browser.iter().zip(&in_runner))
        .filter(|(_, (b, r))| b != r)
        .map(|(tags, (b, r))| format!("{tags:?}: browser runs it: {b}, runner: {r}"))
        .collect();
    assert_eq!(in_browser.len(), in_runner.len());
    assert!(
        disagree.is_empty(),
        "theme/pycon-run.js and doctest_runner.py disagree on CPython {browser}:\n{}",
        disagree.join("\n")
    );
}

/// A version tag wider than the difference it marks fails, naming the
/// block: here `since-3.12` on a block that 3.11 passes too, and
/// `before-3.12` on one that 3.11 fails, as it should (run by python3).
#[test]
fn a_tag_wider_than_the_difference_fails_naming_the_block() {
    if pythons::python3_line().is_err() {
        return ci::did_not_run("\n!!! tag-width check NOT RUN: no python3\n", "CI=true");
    }
    let chapter = "src/made-up.md";
    let text = "```pycon,since-3.12\n>>> 1 + 1\n2\n```\n\n```pycon,before-3.12\n>>> 1 + 1\n3\n```\n\n```pycon,since-3.12\n>>> len(memoryview(b'a').cast('B', ()))\nTraceback (most recent call last):\n  ...\nTypeError: 0-dim memory has no length\n```\n";
    let blocks = markdown::blocks_in(chapter, text);
    let mut command = Command::new("python3");
    command.arg(pycon_dir().join("doctest_runner.py"));
    let mut python = Python {
        name: "python3-made-up".into(),
        cpython: None,
        command,
        blocks: (0..blocks.len()).collect(),
        timeit_cap: None,
    };
    let run = run(&mut python, &blocks).expect("python3 runs the made-up chapter");
    if run.line != "3.11" {
        return; // the blocks above are written for a 3.11 python3
    }
    let problems = run_problems(&python, &Ok(run), &blocks);
    // Block 1 passes on 3.11 although `since-3.12` keeps it off: too wide.
    // Block 2 runs on 3.11 and fails: an ordinary failure.
    // Block 3 is kept off 3.11 and fails there (3.11 gives 0-d views a length): right.
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("src/made-up.md:1: its tag `since-3.12` is wider"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains("src/made-up.md:6 failed under python3-made-up"),
        "{}",
        problems[1]
    );
}

/// README.md tells readers which NumPy the tests pin and where it goes;
/// it must say what `tags.json` says.
#[test]
fn the_readme_names_the_pinned_packages() {
    let readme = fs::read_to_string(ci::root().join("README.md")).expect("README.md");
    let needs = pythons::package_needs().expect("tests/pycon/tags.json can be read");
    assert!(
        !needs.is_empty(),
        "tags.json names no package (needs-numpy)"
    );
    for need in needs {
        let dir = pythons::package_dir(&need);
        let dir = dir
            .strip_prefix(ci::root())
            .unwrap_or(&dir)
            .display()
            .to_string();
        for wanted in [format!("`pycon,{}`", need.tag), format!("`{dir}`")] {
            assert!(
                readme.contains(&wanted),
                "README.md does not mention {wanted} (tests/pycon/tags.json pins {})",
                need.pip
            );
        }
    }
}

/// A block that uses a package a tag names (`np.` for NumPy) carries that
/// tag, so that it is held back, and listed, where the package is missing.
#[test]
fn every_block_that_uses_a_package_carries_its_tag() {
    let needs = pythons::package_needs().expect("tests/pycon/tags.json can be read");
    let untagged: Vec<String> = pycon_blocks()
        .iter()
        .flat_map(|b| {
            needs
                .iter()
                .filter(|n| !b.tags.contains(&n.tag))
                .filter(|n| n.seen_as.iter().any(|s| b.text.contains(s.as_str())))
                .map(|n| {
                    format!(
                        "{}: uses {} but is not tagged `{}`",
                        b.place(),
                        n.module,
                        n.tag
                    )
                })
        })
        .collect();
    assert!(untagged.is_empty(), "{}", untagged.join("\n"));
}
