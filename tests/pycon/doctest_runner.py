"""Runs the book's ```pycon blocks with doctest, in whichever CPython runs this file.

The same file runs in the machine's python3 and in CPython 3.14 under Pyodide
(see run-pyodide.mjs), so both interpreters judge the blocks by the same rules:

* a chapter's blocks share one namespace, in order, like one REPL session;
* output must match exactly, except that `...` matches anything (ELLIPSIS);
* tags in a block's info string decide where it runs (see `applies`).

Input: a job (JSON) listing chapters and their blocks. Output: one result per
block, as JSON, written where the caller asks.
"""

import doctest
import json
import sys

TAGS = """
    only-native   runs only in the machine's CPython (e.g. sockets, threads, shared memory)
    only-pyodide  runs only in CPython under Pyodide
    since-3.N     runs only on CPython 3.N and later
    before-3.N    runs only on CPython before 3.N
"""


def version_tag(tag):
    """(3, 12) for "since-3.12" or "before-3.12"; None for anything else."""
    _, _, version = tag.partition("-")
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        return None
    return int(major), int(minor)


def applies(tags, interpreter, version):
    """None if a block with these tags runs here, else the reason it does not."""
    for tag in tags:
        if tag == "only-native" and interpreter != "python3":
            return "only-native"
        if tag == "only-pyodide" and interpreter != "pyodide":
            return "only-pyodide"
        if tag.startswith("since-") and version < version_tag(tag):
            return tag
        if tag.startswith("before-") and version >= version_tag(tag):
            return tag
    return None


def run_block(block, chapter_file, globs, runner):
    """Runs one block in the chapter's namespace; returns (status, report)."""
    parser = doctest.DocTestParser()
    # lineno is 0-based and counts from the block's first line, so doctest's
    # reports name the chapter's real line numbers.
    test = parser.get_doctest(
        block["text"],
        globs,
        "%s:%d" % (chapter_file, block["line"]),
        chapter_file,
        block["first_text_line"] - 1,
    )
    # DocTest copies the namespace it is given; share the chapter's instead.
    test.globs = globs
    if not test.examples:
        return "failed", "a pycon block must hold at least one `>>>` example\n"
    report = []
    outcome = runner.run(test, out=report.append, clear_globs=False)
    status = "failed" if outcome.failed else "passed"
    return status, "".join(report)


def run_job(job, interpreter):
    version = sys.version_info[:2]
    results = []
    for chapter in job["chapters"]:
        globs = {"__name__": "__main__"}
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for block in chapter["blocks"]:
            reason = applies(block["tags"], interpreter, version)
            result = {"file": chapter["file"], "line": block["line"]}
            if reason is not None:
                result.update(status="not-here", report=reason)
            else:
                status, report = run_block(block, chapter["file"], globs, runner)
                result.update(status=status, report=report)
            results.append(result)
    return {
        "interpreter": interpreter,
        "version": sys.version.split()[0],
        "results": results,
    }


def main_json(job_text, interpreter):
    """The whole run, from a job's JSON text to the results' JSON text."""
    return json.dumps(run_job(json.loads(job_text), interpreter))


if __name__ == "__main__":
    job_path, out_path = sys.argv[1], sys.argv[2]
    with open(job_path, encoding="utf-8") as f:
        text = main_json(f.read(), "python3")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
