// Runs doctest_runner.py inside CPython 3.14 (Pyodide) under Node.
//
//     node run-pyodide.mjs JOB.json RESULTS.json
//
// Pyodide needs no network here: its interpreter and standard library come
// with the npm package (see package.json / package-lock.json).

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const [jobPath, outPath] = process.argv.slice(2);
if (!jobPath || !outPath) {
  console.error("usage: node run-pyodide.mjs JOB.json RESULTS.json");
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const runner = readFileSync(join(here, "doctest_runner.py"), "utf8");
const job = readFileSync(jobPath, "utf8");

const pyodide = await loadPyodide();
// A namespace of its own, so the runner is a module here, not __main__.
const namespace = pyodide.toPy({ __name__: "doctest_runner" });
pyodide.runPython(runner, { globals: namespace, filename: "doctest_runner.py" });
const mainJson = namespace.get("main_json");
writeFileSync(outPath, mainJson(job, "pyodide"));
mainJson.destroy();
namespace.destroy();
