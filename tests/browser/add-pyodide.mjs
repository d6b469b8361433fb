// Puts every pinned Pyodide of tests/pycon/tags.json (CPython 3.12, 3.13,
// 3.14, 3.15) next to the built book, one folder per CPython line, so that the
// Run buttons on Python blocks work on any of them, offline and on any static
// host; a page fetches only the one its reader picks:
//
//     mdbook build && node tests/browser/add-pyodide.mjs          # into book/pyodide/3.N/
//     node tests/browser/add-pyodide.mjs DIR                       # into DIR/pyodide/3.N/
//     node tests/browser/add-pyodide.mjs src && mdbook serve       # for `mdbook serve`
//
// `mdbook serve` empties book/ on every rebuild, but copies every file of src/
// that is not Markdown: so for it, put the files in src/pyodide/ (which this
// script marks as ignored by git with a .gitignore of its own).
//
// The files come from tests/pycon/node_modules, the versions pinned by
// tests/pycon/package-lock.json, installed by tests/pycon/install.mjs (the one
// installer of the book's Pyodides) if missing. They are never committed
// (about 60 MB for the four).

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { grammar, pyodideDirs } from "../pycon/install.mjs";

// What loadPyodide() fetches in a browser, and the source map of its module.
// The packages differ: 0.27 and 0.29 (CPython 3.12, 3.13) load a classic
// script `pyodide.asm.js`, 314 and later a module `pyodide.asm.mjs`; each
// package must hold one of ANY_OF and every file of NEEDED.
export const NEEDED = ["pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", "package.json"];
export const ANY_OF = ["pyodide.asm.mjs", "pyodide.asm.js"];
export const OPTIONAL = ["pyodide.mjs.map"];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The files to copy from the Pyodide package in `from`; throws if one is missing. */
export function filesOf(from) {
    const missing = NEEDED.filter((f) => !existsSync(join(from, f)));
    const loader = ANY_OF.filter((f) => existsSync(join(from, f)));
    if (missing.length || loader.length === 0) {
        throw new Error(`${from} lacks ${[...missing, ...(loader.length ? [] : [ANY_OF.join(" or ")])].join(", ")}`);
    }
    return [...NEEDED, ...loader, ...OPTIONAL.filter((f) => existsSync(join(from, f)))];
}

/** Copies each pinned Pyodide into bookDir/pyodide/<line>/; returns that folder. */
export function addPyodide(bookDir) {
    const dirs = pyodideDirs();
    const to = join(bookDir, "pyodide");
    // The folder is this script's alone (never committed): start it afresh,
    // so that no file of an older layout or version stays behind.
    rmSync(to, { recursive: true, force: true });
    for (const { line } of grammar().pyodides) {
        const from = dirs[line];
        const dest = join(to, line);
        mkdirSync(dest, { recursive: true });
        for (const file of filesOf(from)) {
            copyFileSync(join(from, file), join(dest, file));
        }
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
