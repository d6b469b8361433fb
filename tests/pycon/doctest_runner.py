"""Runs the book's ```pycon blocks with doctest, in whichever CPython runs this file.

The same file runs in the machine's python3 and in every Pyodide (see
run-pyodide.mjs), so all interpreters judge the blocks by the same rules:

* a chapter's blocks share one namespace, in order, like one REPL session;
* output must match exactly, except that `...` matches anything (ELLIPSIS);
* tags in a block's info string decide where it runs. Their grammar is
  tests/pycon/tags.json, the one definition the lint and the browser read too
  (see `applies`); a platform tag may also name a package the block needs
  (`needs-numpy`: see `missing_package`).

A block that its version tags keep off this interpreter is run anyway, in a
copy of the session's namespace, to check the tag: it must fail here. If it
passes, the tag is wider than the real difference ("passes-too").

Input: a job (JSON) listing chapters and their blocks, and the grammar.
Output: one result per block, as JSON, written where the caller asks.
"""

import doctest
import json
import os
import sys


def parse_version_tag(tag, grammar):
    """("since", (3, 12)) for "since-3.12"; None if `tag` is no version tag."""
    prefix, dash, version = tag.partition("-")
    if not dash or prefix not in grammar["version_tags"]:
        return None
    major, dot, minor = version.partition(".")
    if not (dot and major.isdigit() and minor.isdigit()):
        return None
    return prefix, (int(major), int(minor))


def version_allows(rule, tag_version, version):
    """Whether a version tag's rule ("at-or-after" or "before") admits `version`."""
    if rule == "at-or-after":
        return version >= tag_version
    if rule == "before":
        return version < tag_version
    raise ValueError("tags.json: unknown version rule %r" % rule)


def applies(tags, platform, version, grammar):
    """Why a block with these tags does not run here, or None if it does.

    Returns (kind, tag): kind is "platform" or "version". Tags combine with
    "and": a block runs where every one of its tags lets it.
    """
    for tag in tags:
        platform_tag = grammar["platform_tags"].get(tag)
        if platform_tag is not None and platform_tag["runs_on"] != platform:
            return "platform", tag
    for tag in tags:
        parsed = parse_version_tag(tag, grammar)
        if parsed is not None:
            prefix, tag_version = parsed
            rule = grammar["version_tags"][prefix]["runs"]
            if not version_allows(rule, tag_version, version):
                return "version", tag
    return None


def missing_package(tags, grammar):
    """The package a platform tag `needs` (tags.json) that cannot be imported
    here, or None. The harness installs it and puts it on PYTHONPATH, or
    holds such blocks back and lists them; a block that still gets here
    without its package fails, saying so, instead of failing on an import."""
    import importlib.util

    for tag in tags:
        need = grammar["platform_tags"].get(tag, {}).get("needs")
        if need is not None and importlib.util.find_spec(need["module"]) is None:
            return need["pip"]
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


def check_excluded(block, chapter_file, globs):
    """Runs a block its version tag keeps off this interpreter, in a copy of
    the session, so that it cannot change what later blocks see: "differs" if
    it fails here (the tag is right to exclude it), "passes-too" if not."""
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    status, _ = run_block(block, chapter_file, dict(globs), runner)
    return "passes-too" if status == "passed" else "differs"


def capped_timeit(cap):
    """Patches timeit.repeat and timeit.timeit to run at most cap["number"]
    loops, cap["repeat"] times; returns a function that undoes it.

    Chapter 15's blocks time operations on megabytes with number=200,
    repeat=5, as a reader would run them. The ratios they claim hold with
    fewer loops too; the job (tests/python_blocks.rs) asks for a cap so that
    running them on five interpreters stays quick.
    """
    import timeit

    original = timeit.repeat, timeit.timeit

    def repeat(stmt="pass", setup="pass", timer=timeit.default_timer,
               repeat=timeit.default_repeat, number=timeit.default_number, globals=None):
        return original[0](stmt, setup, timer, min(repeat, cap["repeat"]),
                           min(number, cap["number"]), globals)

    def timeit_(stmt="pass", setup="pass", timer=timeit.default_timer,
                number=timeit.default_number, globals=None):
        return original[1](stmt, setup, timer, min(number, cap["number"]), globals)

    timeit.repeat, timeit.timeit = repeat, timeit_

    def undo():
        timeit.repeat, timeit.timeit = original

    return undo


def run_job(job, grammar, platform):
    undo = capped_timeit(job["timeit_cap"]) if job.get("timeit_cap") else None
    try:
        return run_chapters(job, grammar, platform)
    finally:
        if undo is not None:
            undo()


def run_chapters(job, grammar, platform):
    version = sys.version_info[:2]
    results = []
    for chapter in job["chapters"]:
        globs = {"__name__": "__main__"}
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for block in chapter["blocks"]:
            why_not = applies(block["tags"], platform, version, grammar)
            result = {"file": chapter["file"], "line": block["line"]}
            missing = missing_package(block["tags"], grammar) if why_not is None else None
            if missing is not None:
                result.update(status="failed",
                              report="needs %s, which this python3 cannot import\n" % missing)
            elif why_not is None:
                status, report = run_block(block, chapter["file"], globs, runner)
                result.update(status=status, report=report)
            else:
                kind, tag = why_not
                result.update(status="not-here", report=tag)
                if kind == "version":
                    result["check"] = check_excluded(block, chapter["file"], globs)
            results.append(result)
    return {
        "platform": platform,
        "version": sys.version,
        "line": "%d.%d" % version,
        "results": results,
    }


def main_json(job_text, grammar_text, platform):
    """The whole run, from a job's and the grammar's JSON texts to the results' JSON text."""
    return json.dumps(run_job(json.loads(job_text), json.loads(grammar_text), platform))


if __name__ == "__main__":
    job_path, out_path = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "tags.json"), encoding="utf-8") as f:
        grammar_text = f.read()
    with open(job_path, encoding="utf-8") as f:
        text = main_json(f.read(), grammar_text, "native")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
