// Puts the pinned Pyodide of the browser's CPython (3.14 for WebAssembly:
// `browser` in tests/pycon/tags.json) next to the built book, so that the Run buttons on Python blocks work, offline and on any
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
// The files come from tests/pycon/node_modules, the version pinned by
// tests/pycon/package-lock.json, installed by tests/pycon/install.mjs (the one
// installer of the book's Pyodides) if missing. They are never committed
// (about 14 MB).

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

import { grammar, pyodideDirs } from "../pycon/install.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The directory of the browser's pinned Pyodide, installed if needed. */
export function pinnedPyodide() {
    return pyodideDirs()[grammar().browser];
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
