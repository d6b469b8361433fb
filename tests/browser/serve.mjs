// A tiny static file server for the built book, on a loopback address only,
// with the MIME types Pyodide needs (`application/wasm`, JavaScript modules).
//
//     node tests/browser/serve.mjs [BOOK_DIR] [PORT]      # default: book 3000
//
// Used by the browser test (check-book.mjs); handy to read a book built with
// `mdbook build` and add-pyodide.mjs, since `mdbook serve` empties book/.
//
// Requests under /__no-pyodide/ are served from the same book, except that
// its pyodide/ folder is missing: the test uses it to check what a reader
// sees when the book was published without Pyodide.

import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".txt": "text/plain; charset=utf-8",
};

export const NO_PYODIDE = "/__no-pyodide/";

/** Serves `dir` on 127.0.0.1; resolves to { server, url }. */
export function serve(dir, port = 0) {
    const root = resolve(dir);
    const server = createServer((req, res) => {
        let path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
        let hidePyodide = false;
        if (path.startsWith(NO_PYODIDE)) {
            path = "/" + path.slice(NO_PYODIDE.length);
            hidePyodide = true;
        }
        if (path.endsWith("/")) {
            path += "index.html";
        }
        const file = normalize(join(root, path));
        let stat = null;
        if ((file === root || file.startsWith(root + sep)) && !(hidePyodide && path.startsWith("/pyodide/"))) {
            try {
                stat = statSync(file);
            } catch {
                stat = null;
            }
        }
        if (!stat || !stat.isFile()) {
            res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
            // Like GitHub Pages: the book's own 404 page.
            if (req.method !== "HEAD") {
                createReadStream(join(root, "404.html")).on("error", () => res.end()).pipe(res);
            } else {
                res.end();
            }
            return;
        }
        res.writeHead(200, {
            "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
            "content-length": stat.size,
            "cache-control": "no-cache",
        });
        if (req.method === "HEAD") {
            res.end();
        } else {
            createReadStream(file).pipe(res);
        }
    });
    return new Promise((ok, fail) => {
        server.on("error", fail);
        server.listen(port, "127.0.0.1", () => {
            ok({ server, url: `http://127.0.0.1:${server.address().port}/` });
        });
    });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const dir = process.argv[2] ?? "book";
    const { url } = await serve(dir, Number(process.argv[3] ?? 3000));
    console.log(`Serving ${resolve(dir)} at ${url} (Ctrl-C to stop)`);
}
