// Loads Pyodide once, runs a Python driver, then answers one line per line:
// each stdin line is passed to the driver's `handle(line)` and its result
// printed as one stdout line. Usage: node runner.mjs PYODIDE_MJS DRIVER_PY
import fs from "node:fs";
import readline from "node:readline";
import { pathToFileURL } from "node:url";

const [pyodideMjs, driverPath] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(pyodideMjs).href);
const py = await loadPyodide();
py.runPython(fs.readFileSync(driverPath, "utf8"));
const handle = py.globals.get("handle");
process.stdout.write("READY\n");
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  process.stdout.write(handle(line) + "\n");
}
