// The Buffer Protocol Book: badges and a Run button for ```pycon blocks.
//
// Every pycon block gets badges for its tags (since-3.12, only-native, ...)
// and, when some Pyodide CPython (3.12, 3.13, 3.14, 3.15 preview) would run
// it in the tests, a Run bar with a version picker offering just those
// versions. The tags' meaning is tests/pycon/tags.json's. Run loads the
// picked Pyodide on first use from the book's own `pyodide/<line>/` folder
// (no CDN: the files come from the pinned npm packages, copied there by
// tests/browser/add-pyodide.mjs), makes the block editable and shows what
// Python printed beneath it, compared with what the book shows.
//
// The picked version is the page's (and remembered for the next pages): a
// page is one session in one CPython. A page can load only one Pyodide (each
// defines the same globals), so picking another version once one has loaded
// reloads the page, which starts a fresh session.
//
// A page's blocks are one Python session, in order, as in the tests: running
// a block first runs, once, every earlier block of the page that has not run
// yet. Running a block again runs it again in the same session; "Restart"
// starts a fresh session. The rules for comparing output are doctest's, with
// ELLIPSIS, as in tests/pycon/doctest_runner.py.
(function () {
    "use strict";

    // The tag grammar and the Pythons, a copy of tests/pycon/tags.json, the
    // one definition the tests (tests/book_lint.rs, doctest_runner.py) read
    // too. tests/book_lint.rs fails when this copy differs from the file, and
    // shows what to paste here. The browser runs Pyodide's CPython
    // `GRAMMAR.browser`; the browser test checks that this is what runs.
    const GRAMMAR = /* tags.json: begin */ {
      "about": "The Pythons that run the book's pycon blocks and the tags that choose among them. A platform tag with `needs` names a PyPI package (pinned) that tests/support/pythons.rs installs for the native python3; if it cannot, tests/python_blocks.rs lists those blocks as not run. Read by tests/book_lint.rs (which tags exist), tests/pycon/doctest_runner.py (where a block runs), tests/pycon/install.mjs and the test harnesses (which Pyodide carries which CPython), and theme/pycon-run.js (badges and Run buttons), which embeds a copy that tests/book_lint.rs checks against this file.",
      "native": {
        "line": "3.11",
        "about": "The machine's python3. CI (CI=true) requires this line, the oldest the book covers; another python3 runs the blocks as that version."
      },
      "pyodides_about": "cpython is what each package's sys.version really says; tests/python_blocks.rs checks it on every run.",
      "pyodides": [
        { "line": "3.12", "cpython": "3.12.7", "package": "pyodide-312", "npm": "pyodide@0.27.7" },
        { "line": "3.13", "cpython": "3.13.2", "package": "pyodide-313", "npm": "pyodide@0.29.3" },
        { "line": "3.14", "cpython": "3.14.2", "package": "pyodide-314", "npm": "pyodide@314.0.8" },
        { "line": "3.15", "cpython": "3.15.0rc1", "package": "pyodide-315", "npm": "pyodide@315.0.0-alpha.2", "preview": true }
      ],
      "browser": "3.14",
      "platform_tags": {
        "only-native": {
          "runs_on": "native",
          "badge": "not in the browser",
          "title": "Runs only in a native CPython: it needs something CPython on WebAssembly (Pyodide) lacks (sockets, threads, shared memory, the extension module bufproto_py, or _testbuffer on some versions). The tests run it in the machine's python3; run it in yours."
        },
        "needs-numpy": {
          "runs_on": "native",
          "needs": { "module": "numpy", "version": "2.3.5", "pip": "numpy==2.3.5", "seen_as": ["numpy", "np."] },
          "badge": "NumPy, not in the browser",
          "title": "Needs NumPy (the tests pin 2.3.5, from PyPI), which this page's Pyodide does not carry. The tests install it into target/pylib and run the block in the machine's python3; run it where you have NumPy."
        },
        "only-pyodide": {
          "runs_on": "pyodide",
          "badge": "Pyodide only",
          "title": "Shows CPython on WebAssembly (Pyodide), as in this page; a native CPython prints something else here."
        }
      },
      "version_tags": {
        "since": {
          "runs": "at-or-after",
          "badge": "Python {v}+",
          "title": "Shows CPython {v} and later; earlier versions behave differently."
        },
        "before": {
          "runs": "before",
          "badge": "before Python {v}",
          "title": "Shows CPython before {v}; later versions behave differently."
        }
      }
    } /* tags.json: end */;
    const LINES = GRAMMAR.pyodides.map((p) => p.line);
    const PREVIEW = new Set(GRAMMAR.pyodides.filter((p) => p.preview).map((p) => p.line));
    const CHOICE_KEY = "pycon-python";
    const PYODIDE_LOCK = "pyodide-lock.json";

    // ("since", [3, 12]) for "since-3.12"; null for any other tag.
    function versionOf(tag) {
        const m = /^([a-z]+)-(\d+)\.(\d+)$/.exec(tag);
        return m && GRAMMAR.version_tags[m[1]] ? [m[1], [Number(m[2]), Number(m[3])]] : null;
    }

    function older(a, b) {
        return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
    }

    // Whether a version tag's rule ("at-or-after", "before") admits `version`.
    function versionAllows(rule, tagVersion, version) {
        return rule === "at-or-after" ? !older(version, tagVersion) : older(version, tagVersion);
    }

    function badgeFor(tag) {
        const platform = GRAMMAR.platform_tags[tag];
        if (platform) {
            return [platform.badge, platform.title];
        }
        const v = versionOf(tag);
        if (!v) {
            return null;
        }
        const { badge, title } = GRAMMAR.version_tags[v[0]];
        const name = v[1].join(".");
        return [badge.replace("{v}", name), title.replace("{v}", name)];
    }

    // Same rules as `applies` in tests/pycon/doctest_runner.py, for a Pyodide
    // CPython line ("3.13"; the browser's default when omitted): why a block
    // does not run there, or null.
    function whyNotHere(tags, line = GRAMMAR.browser) {
        const here = line.split(".").map(Number);
        for (const tag of tags) {
            const platform = GRAMMAR.platform_tags[tag];
            if (platform && platform.runs_on !== "pyodide") {
                return platform.title;
            }
        }
        for (const tag of tags) {
            const v = versionOf(tag);
            if (v && !versionAllows(GRAMMAR.version_tags[v[0]].runs, v[1], here)) {
                return (
                    `${badgeFor(tag)[1]} CPython ${line} ` +
                    "which prints something else."
                );
            }
        }
        return null;
    }

    // For tests/python_blocks.rs, which checks these rules against the
    // runner's on every tag combination the grammar allows.
    window.bookPyconRules = { whyNotHere, badgeFor, linesFor };

    // The Pyodide lines a block runs on, in the grammar's order.
    function linesFor(tags) {
        return LINES.filter((line) => whyNotHere(tags, line) === null);
    }

    // The page's CPython line: the reader's last pick, else the browser's.
    function storedChoice() {
        try {
            const v = localStorage.getItem(CHOICE_KEY);
            return LINES.includes(v) ? v : GRAMMAR.browser;
        } catch {
            return GRAMMAR.browser; // storage blocked: the default every time
        }
    }
    let chosen = storedChoice();

    function tagsOf(code) {
        return Array.from(code.classList).filter(
            (c) => c !== "hljs" && c !== "language-pycon" && !c.startsWith("pycon-"),
        );
    }

    // Python side: run one block's text in the session's namespace, with
    // doctest, recording what each example printed.
    const GLUE = String.raw`
import doctest, json, re

_TRACEBACK = re.compile(r"Traceback \(most recent call last\):\n(?:[ \t].*\n?)*")

class _Recorder(doctest.DocTestRunner):
    def __init__(self):
        super().__init__(optionflags=doctest.ELLIPSIS, verbose=False)
        self.records = []

    def _record(self, example, got, ok):
        # Tracebacks are shown the way the book writes them.
        got = _TRACEBACK.sub("Traceback (most recent call last):\n  ...\n", got)
        self.records.append({"source": example.source, "want": example.want,
                             "got": got, "ok": ok})

    def report_start(self, out, test, example):
        pass

    def report_success(self, out, test, example, got):
        self._record(example, got, True)

    def report_failure(self, out, test, example, got):
        self._record(example, got, False)

    def report_unexpected_exception(self, out, test, example, exc_info):
        got = "Traceback (most recent call last):\n  ...\n" + "".join(
            __import__("traceback").format_exception_only(*exc_info[:2]))
        self._record(example, got, False)

def run_block(text, globs, name):
    test = doctest.DocTestParser().get_doctest(text, globs, name, name, 0)
    test.globs = globs
    runner = _Recorder()
    runner.run(test, clear_globs=False)
    return json.dumps(runner.records)
`;

    const onPrintPage = /(^|\/)print\.html$/.test(location.pathname);
    const pyodideRoot = new URL(
        // mdBook's pages define `path_to_root` (a global `const`, not on window).
        (typeof path_to_root === "string" ? path_to_root : "") + "pyodide/",
        document.baseURI,
    ).href;
    // The line whose Pyodide this page has started loading, if any.
    let loadedLine = null;

    let pyodidePromise = null;

    function loadPython() {
        if (!pyodidePromise) {
            loadedLine = chosen;
            const pyodideDir = pyodideRoot + chosen + "/";
            pyodidePromise = (async () => {
                // The lock file first: if it is missing, so is Pyodide.
                const lock = await fetch(pyodideDir + PYODIDE_LOCK).catch(() => null);
                if (!lock || !lock.ok) {
                    throw new MissingPyodide();
                }
                const module = await import(pyodideDir + "pyodide.mjs");
                const pyodide = await module.loadPyodide({
                    indexURL: pyodideDir,
                    lockFileContents: await lock.text(),
                    packageBaseUrl: pyodideDir,
                });
                const glue = pyodide.toPy({ __name__: "book_glue" });
                pyodide.runPython(GLUE, { globals: glue });
                return { pyodide, runBlock: glue.get("run_block"), version: pyodide.runPython("import sys; sys.version.split()[0]") };
            })();
            pyodidePromise.catch(() => {
                pyodidePromise = null; // let a later click try again
                loadedLine = null;
            });
        }
        return pyodidePromise;
    }

    class MissingPyodide extends Error {}

    function el(tag, className, text) {
        const e = document.createElement(tag);
        if (className) {
            e.className = className;
        }
        if (text !== undefined) {
            e.textContent = text;
        }
        return e;
    }

    function transcript(records) {
        const pre = el("pre");
        for (const r of records) {
            const part = el("span", "pycon-example" + (r.ok ? "" : " bad"));
            const lines = r.source.replace(/\n$/, "").split("\n");
            part.append(lines.map((l, i) => (i === 0 ? ">>> " : "... ") + l).join("\n") + "\n");
            part.append(r.got);
            if (!r.ok) {
                part.append(el("span", "pycon-expected", r.want || "(nothing)\n"));
            }
            pre.append(part);
        }
        return pre;
    }

    // One session per page: the blocks in order, a namespace, what has run.
    const session = {
        blocks: [],
        globs: null,
        ran: new Set(),
        queue: Promise.resolve(),
    };

    function restart() {
        if (session.globs) {
            session.globs.destroy();
        }
        session.globs = null;
        session.ran.clear();
        for (const block of session.blocks) {
            block.output.hidden = true;
            block.status.textContent = "";
        }
    }

    function showOutput(block, records, note) {
        const out = block.output;
        out.replaceChildren();
        const failed = records.filter((r) => !r.ok).length;
        let verdict;
        if (records.length === 0) {
            verdict = el("p", "pycon-verdict bad", "No >>> lines to run.");
        } else if (failed === 0) {
            verdict = el("p", "pycon-verdict ok", "Python printed what the book shows.");
        } else {
            verdict = el(
                "p",
                "pycon-verdict bad",
                `${failed} of ${records.length} example${records.length > 1 ? "s" : ""} printed ` +
                    "something other than what the book shows (marked).",
            );
        }
        if (note) {
            verdict.append(" " + note);
        }
        out.append(verdict, transcript(records));
        out.hidden = false;
    }

    function showMessage(block, html) {
        const out = block.output;
        out.replaceChildren();
        const msg = el("div", "pycon-message");
        msg.innerHTML = html;
        out.append(msg);
        out.hidden = false;
    }

    function makeEditable(code) {
        if (code.classList.contains("pycon-editable")) {
            return;
        }
        code.classList.add("pycon-editable");
        code.setAttribute("contenteditable", "plaintext-only");
        if (code.contentEditable !== "plaintext-only") {
            code.setAttribute("contenteditable", "true"); // browsers without plaintext-only
        }
        code.spellcheck = false;
        code.title = "Edit this block, then run it again";
    }

    async function runBlock(block) {
        const python = await loadPython();
        makeEditable(block.code);
        const { pyodide } = python;
        if (!session.globs) {
            session.globs = pyodide.toPy({ __name__: "__main__" });
        }
        const index = session.blocks.indexOf(block);
        // As in the tests, a block not for this version is not part of its session.
        const earlier = session.blocks
            .slice(0, index)
            .filter((b) => !session.ran.has(b) && b.lines.includes(loadedLine));
        for (const b of earlier) {
            python.runBlock(b.code.textContent, session.globs, b.name);
            session.ran.add(b);
        }
        const records = JSON.parse(python.runBlock(block.code.textContent, session.globs, block.name));
        session.ran.add(block);
        const note = earlier.length
            ? `(First ran the page's earlier block${earlier.length > 1 ? "s" : ""} ` +
              `${earlier.map((b) => b.number).join(", ")}: a page is one session.)`
            : "";
        showOutput(block, records, note);
        return python.version;
    }

    function onRun(block) {
        if (!block.lines.includes(chosen)) {
            return;
        }
        block.button.disabled = true;
        block.status.textContent = pyodidePromise ? "Running…" : "Loading Python (first run only)…";
        session.queue = session.queue
            .then(() => runBlock(block))
            .then(
                (version) => {
                    block.status.textContent =
                        `Ran in CPython ${version} (Pyodide${PREVIEW.has(loadedLine) ? ", preview" : ""}). ` +
                        "Edit the code and run it again.";
                },
                (error) => {
                    block.status.textContent = "";
                    if (error instanceof MissingPyodide) {
                        showMessage(
                            block,
                            "Python cannot run here: this copy of the book was built without " +
                                "its <code>pyodide/</code> folder. If you built it yourself, run " +
                                "<code>node tests/browser/add-pyodide.mjs</code> in the book's " +
                                "repository (see its README), or paste the block into your own " +
                                "<code>python3</code>.",
                        );
                    } else {
                        showMessage(block, "");
                        block.output.firstChild.append(
                            "Python could not run this block: ",
                            el("code", "", String(error && error.message ? error.message : error)),
                        );
                    }
                },
            )
            .finally(() => {
                block.button.disabled = !block.lines.includes(chosen);
            });
    }

    // Shows every bar of the page with the page's line: picked where the
    // block runs on it, else a prompt to pick one of the block's own.
    function showChoice() {
        for (const block of session.blocks) {
            const ok = block.lines.includes(chosen);
            block.prompt.hidden = ok;
            block.picker.value = ok ? chosen : "";
            block.button.disabled = !ok;
            block.button.title = ok
                ? `Run this block in your browser, in CPython ${chosen} (Pyodide)`
                : `This block does not run on CPython ${chosen}: pick ${block.lines.join(" or ")}`;
            if (!ok) {
                block.status.textContent = `Not for CPython ${chosen}: pick ${block.lines.join(" or ")}.`;
            } else if (block.status.textContent.startsWith("Not for CPython")) {
                block.status.textContent = "";
            }
        }
    }

    function pick(line) {
        if (!LINES.includes(line) || line === chosen) {
            return;
        }
        chosen = line;
        try {
            localStorage.setItem(CHOICE_KEY, line);
        } catch {
            // storage blocked: the pick holds for this page only
        }
        if (loadedLine !== null && loadedLine !== line) {
            // Another Pyodide is (being) loaded: a fresh page, a fresh session.
            location.reload();
            return;
        }
        showChoice();
    }

    function makePicker(lines) {
        const picker = el("select", "pycon-python");
        picker.title = "The CPython (Pyodide) this page runs its blocks in; changing it restarts the page's session";
        picker.setAttribute("aria-label", "CPython version");
        const prompt = el("option", "", "Python…");
        prompt.value = "";
        prompt.disabled = true;
        picker.append(prompt);
        for (const line of lines) {
            const option = el("option", "", PREVIEW.has(line) ? `${line} (preview)` : line);
            option.value = line;
            picker.append(option);
        }
        picker.addEventListener("change", () => pick(picker.value));
        return [picker, prompt];
    }

    function setUp() {
        const codes = document.querySelectorAll("main pre > code.language-pycon");
        let number = 0;
        for (const code of codes) {
            const pre = code.parentElement;
            // One box for the badges, the block, its toolbar and its output,
            // so that layouts (side by side) move them together.
            const box = el("div", "pycon-block");
            pre.before(box);
            box.append(pre);
            const tags = tagsOf(code);
            const badges = tags.map((t) => [t, badgeFor(t)]).filter(([, b]) => b);
            if (badges.length) {
                const row = el("div", "pycon-badges");
                for (const [tag, [label, title]] of badges) {
                    const badge = el("span", "pycon-badge " + tag, label);
                    badge.title = title;
                    badge.tabIndex = 0;
                    row.append(badge);
                }
                pre.before(row);
            }
            if (onPrintPage) {
                continue;
            }
            const lines = linesFor(tags);
            if (lines.length === 0) {
                pre.title = "No Run button: " + whyNotHere(tags);
                continue;
            }
            number += 1;
            const block = {
                code,
                number,
                name: `block ${number}`,
                button: el("button", "pycon-run", "Run"),
                status: el("span", "pycon-status"),
                output: el("div", "pycon-output"),
                lines,
            };
            [block.picker, block.prompt] = makePicker(lines);
            block.button.type = "button";
            block.output.hidden = true;
            block.output.setAttribute("aria-live", "polite");
            const reset = el("button", "pycon-reset", "Restart");
            reset.type = "button";
            reset.title = "Forget this page's Python session and start a fresh one";
            reset.addEventListener("click", () => {
                session.queue = session.queue.then(restart);
            });
            const bar = el("div", "pycon-toolbar");
            bar.append(block.button, block.picker, reset, block.status);
            pre.after(bar, block.output);
            block.button.addEventListener("click", () => onRun(block));
            session.blocks.push(block);
        }
        showChoice();
    }

    // Rust blocks that must not compile say so, with the error they expect
    // (the tests check exactly that error: crates/book-compile-fail).
    function markCompileFail() {
        for (const code of document.querySelectorAll("main pre > code.language-rust.compile_fail")) {
            const error = Array.from(code.classList).find((c) => /^E\d{4}$/.test(c));
            const row = el("div", "pycon-badges");
            const badge = el("span", "pycon-badge compile-fail", "does not compile" + (error ? ": " + error : ""));
            badge.title = "This program is wrong on purpose: the compiler rejects it" +
                (error ? " with error " + error : "") + ", and the book's tests check that it does.";
            badge.tabIndex = 0;
            row.append(badge);
            code.parentElement.before(row);
        }
    }

    // A printed book shows its solutions: unfold them for printing.
    window.addEventListener("beforeprint", () => {
        for (const details of document.querySelectorAll("main details")) {
            details.open = true;
        }
    });

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUp);
        document.addEventListener("DOMContentLoaded", markCompileFail);
    } else {
        setUp();
        markCompileFail();
    }
})();
