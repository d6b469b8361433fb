// Puts the pinned Pyodide (CPython 3.14 for WebAssembly) next to the built
// book, so that the Run buttons on Python blocks work, offline and on any
// static host:
//
//     mdbook build && node tests/browser/add-pyodide.mjs          # into book/pyodide/
//     node tests/browser/add-pyodide.mjs DIR                       # into DIR/pyodide/
//     node tests/browser/add-pyodide.mjs src && mdbook serve       # for `mdbook serve`
//
// `mdbook serve` empties book/ on every rebuild, but copies every file of src/
// that is not Markdown: so for it, put the files in src/pyodide/ (which this
// script marks as ignored by git with a .gitignore of its own).
//
// The files come from tests/pycon/node_modules/pyodide, the version pinned by
// tests/pycon/package-lock.json, installed with `npm ci` if missing. They are
// never committed (about 14 MB).

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// What loadPyodide() fetches in a browser, and the source map of its module.
export const PYODIDE_FILES = [
    "pyodide.mjs",
    "pyodide.mjs.map",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
    "package.json",
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pycon = join(root, "tests/pycon");

export function pinnedPyodide() {
    const dir = join(pycon, "node_modules/pyodide");
    if (!existsSync(join(dir, "package.json"))) {
        console.error("installing the pinned Pyodide with `npm ci` in tests/pycon …");
        execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: pycon, stdio: "inherit" });
    }
    return dir;
}

export function addPyodide(bookDir) {
    const from = pinnedPyodide();
    const to = join(bookDir, "pyodide");
    mkdirSync(to, { recursive: true });
    for (const file of PYODIDE_FILES) {
        copyFileSync(join(from, file), join(to, file));
    }
    writeFileSync(join(to, ".gitignore"), "# Copied by tests/browser/add-pyodide.mjs; never committed.\n*\n");
    return to;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const dir = resolve(process.argv[2] ?? join(root, "book"));
    if (!existsSync(dir)) {
        console.error(`${dir} does not exist: build the book first (mdbook build)`);
        process.exit(1);
    }
    console.log(`Pyodide copied to ${addPyodide(dir)}`);
}
