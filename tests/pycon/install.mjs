// The one installer and locator of the book's Pyodides: every harness that
// needs one (tests/python_blocks.rs, crates/bufproto-oracle, tests/browser.rs
// through tests/browser/add-pyodide.mjs) asks here.
//
//     node tests/pycon/install.mjs        # prints {"3.12": "/abs/dir", ...}
//
// tests/pycon/tags.json says which CPython line each npm alias carries;
// package.json must ask for the same packages and package-lock.json pins them.
// When an alias is missing or differs from the lockfile, this runs `npm ci`
// (once; offline afterwards). Errors go to stderr with exit status 1.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** The grammar and interpreter list, tests/pycon/tags.json. */
export function grammar() {
    return readJson(join(here, "tags.json"));
}

/** What differs between tags.json, package.json and the lockfile, if anything. */
function disagreement(pyodides) {
    const wanted = readJson(join(here, "package.json")).dependencies ?? {};
    const lock = readJson(join(here, "package-lock.json")).packages ?? {};
    for (const { line, package: alias, npm } of pyodides) {
        if (wanted[alias] !== `npm:${npm}`) {
            return `tags.json gives ${line} to ${alias} = ${npm}; package.json says ${wanted[alias]}`;
        }
        const locked = lock[`node_modules/${alias}`];
        if (!locked || `${locked.name}@${locked.version}` !== npm) {
            return `package-lock.json does not pin ${alias} to ${npm}: run \`npm install\` in tests/pycon`;
        }
    }
    return null;
}

/** Whether node_modules holds exactly the locked version of every alias. */
function installed(pyodides) {
    return pyodides.every(({ package: alias, npm }) => {
        const manifest = join(here, "node_modules", alias, "package.json");
        return existsSync(manifest) && `pyodide@${readJson(manifest).version}` === npm;
    });
}

/** Installs the pinned Pyodides if needed; returns {line: directory}. */
export function pyodideDirs() {
    const { pyodides } = grammar();
    const wrong = disagreement(pyodides);
    if (wrong) {
        throw new Error(wrong);
    }
    if (!installed(pyodides)) {
        console.error("installing the pinned Pyodides with `npm ci` in tests/pycon …");
        execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: here, stdio: ["ignore", 2, 2] });
        if (!installed(pyodides)) {
            throw new Error("`npm ci` in tests/pycon did not install the pinned Pyodides");
        }
    }
    return Object.fromEntries(pyodides.map(({ line, package: alias }) => [line, join(here, "node_modules", alias)]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    try {
        process.stdout.write(JSON.stringify(pyodideDirs()) + "\n");
    } catch (error) {
        console.error(String(error && error.message ? error.message : error));
        process.exit(1);
    }
}
