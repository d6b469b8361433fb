// Runs doctest_runner.py inside one of the book's Pyodides under Node.
//
//     node run-pyodide.mjs 3.13 JOB.json RESULTS.json
//
// The first argument is the CPython line (tests/pycon/tags.json says which npm
// alias carries it). One Pyodide per Node process: two in one process refuse
// to load ("Lock file version doesn't match Pyodide version"). Pyodide needs
// no network here: its interpreter and standard library come with the npm
// package, installed by install.mjs.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { here, pyodideDirs } from "./install.mjs";

const [line, jobPath, outPath] = process.argv.slice(2);
if (!line || !jobPath || !outPath) {
    console.error("usage: node run-pyodide.mjs LINE JOB.json RESULTS.json");
    process.exit(2);
}
const dir = pyodideDirs()[line];
if (!dir) {
    console.error(`no Pyodide for CPython ${line} in tests/pycon/tags.json`);
    process.exit(2);
}

const runner = readFileSync(join(here, "doctest_runner.py"), "utf8");
const grammarText = readFileSync(join(here, "tags.json"), "utf8");
const job = readFileSync(jobPath, "utf8");

const { loadPyodide } = await import(pathToFileURL(join(dir, "pyodide.mjs")).href);
const pyodide = await loadPyodide();
// A namespace of its own, so the runner is a module here, not __main__.
const namespace = pyodide.toPy({ __name__: "doctest_runner" });
pyodide.runPython(runner, { globals: namespace, filename: "doctest_runner.py" });
const mainJson = namespace.get("main_json");
writeFileSync(outPath, mainJson(job, grammarText, "pyodide"));
mainJson.destroy();
namespace.destroy();
