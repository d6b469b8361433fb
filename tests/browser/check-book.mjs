// Opens the built book in the machine's Chromium and checks what a reader sees.
//
//     node tests/browser/check-book.mjs --book DIR --chromium PATH --shots DIR
//                                       [--src DIR] [--run-also PAGE.html]
//
// Run by tests/browser.rs after `mdbook build` and add-pyodide.mjs. For every
// chapter of src/SUMMARY.md, the print page and the 404 page, it fails on:
// a console error or uncaught exception, a failed request (or any request off
// this machine), content wider than `main` at a 375-px viewport, and a picture
// (<img> or inline SVG) that does not render. It also searches for words and
// checks the results against the chapters that contain them, runs Python
// blocks with their Run buttons, and saves screenshots (paths printed).
// Exits 1 with a list of problems.

import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { NO_PYODIDE, serve } from "./serve.mjs";

const { values: args } = parseArgs({
    options: {
        book: { type: "string" },
        chromium: { type: "string" },
        shots: { type: "string" },
        src: { type: "string", default: "src" },
        // A page whose Python blocks are run whatever RUN_CHAPTERS says.
        "run-also": { type: "string", multiple: true, default: [] },
    },
});
for (const required of ["book", "chromium", "shots"]) {
    if (!args[required]) {
        console.error(`usage: node check-book.mjs --book DIR --chromium PATH --shots DIR [--src DIR]`);
        process.exit(2);
    }
}

// Words to search for. Each must be found, and every result must link to a
// chapter whose Markdown holds the word; every such chapter must show up.
const SEARCH_WORDS = ["memoryview", "BufferError"];
// mdBook's default `limit-results`: beyond it, not every chapter can show.
const SEARCH_LIMIT = 30;
const PHONE = { width: 375, height: 740 };
const DESKTOP = { width: 1280, height: 860 };
// How many chapters get their Python blocks run through the Run buttons
// (each page loads Pyodide anew, which takes a few seconds).
const RUN_CHAPTERS = 2;

const started = Date.now();
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);
const shots = resolve(args.shots);
mkdirSync(shots, { recursive: true });
const saved = [];

/** The chapters of src/SUMMARY.md, in order: { md, html, text }. */
function chapters() {
    const summary = readFileSync(join(args.src, "SUMMARY.md"), "utf8");
    const found = [];
    for (const m of summary.matchAll(/\]\(([^)#\s]+\.md)(?:#[^)]*)?\)/g)) {
        const md = m[1];
        const html = md.replace(/(^|\/)README\.md$/, "$1index.md").replace(/\.md$/, ".html");
        found.push({ md, html, text: readFileSync(join(args.src, md), "utf8") });
    }
    return found;
}

/** Records every console error, page error, failed or foreign request of `page`. */
function watch(page, where, { allow = () => false } = {}) {
    page.on("console", (msg) => {
        if (msg.type() === "error" && !allow(msg.text())) {
            problem(where(), `console error: ${msg.text()}`);
        }
    });
    page.on("pageerror", (error) => problem(where(), `uncaught exception: ${error.message}`));
    page.on("request", (req) => {
        const url = new URL(req.url());
        if (/^https?:$/.test(url.protocol) && url.hostname !== "127.0.0.1") {
            problem(where(), `request off this machine (no CDN allowed): ${req.url()}`);
        }
    });
    page.on("requestfailed", (req) => {
        if (!allow(req.url())) {
            problem(where(), `request failed: ${req.url()} (${req.failure()?.errorText})`);
        }
    });
    page.on("response", (res) => {
        if (res.status() >= 400 && !allow(res.url())) {
            problem(where(), `HTTP ${res.status()} for ${res.url()}`);
        }
    });
}

/** Opens every <details>, then lists what overflows `main` and what does not render. */
async function layoutProblems(page, { overflow }) {
    return page.evaluate(async (checkOverflow) => {
        const found = [];
        const main = document.querySelector("main");
        if (!main) {
            return ["no <main> element"];
        }
        for (const d of main.querySelectorAll("details")) {
            d.open = true;
        }
        const name = (el) => {
            let s = el.tagName.toLowerCase();
            if (el.id) s += "#" + el.id;
            if (el.classList.length) s += "." + Array.from(el.classList).join(".");
            const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50);
            return text ? `${s} ("${text}")` : s;
        };
        if (checkOverflow) {
            const box = main.getBoundingClientRect();
            const walk = (el) => {
                for (const child of el.children) {
                    const style = getComputedStyle(child);
                    if (style.display === "none" || style.position === "fixed") continue;
                    const r = child.getBoundingClientRect();
                    if (r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1)) {
                        found.push(
                            `${name(child)} overflows main sideways ` +
                                `(${Math.round(r.left)}..${Math.round(r.right)} outside ${Math.round(box.left)}..${Math.round(box.right)})`,
                        );
                        continue;
                    }
                    // A box that scrolls or clips sideways keeps its content in.
                    if (!["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) {
                        walk(child);
                    }
                }
            };
            walk(main);
            if (found.length === 0 && main.scrollWidth > main.clientWidth + 1) {
                found.push(`main's content is ${main.scrollWidth} px wide, main ${main.clientWidth} px`);
            }
        }
        for (const img of main.querySelectorAll("img")) {
            if (!img.complete) {
                await new Promise((ok) => {
                    img.addEventListener("load", ok, { once: true });
                    img.addEventListener("error", ok, { once: true });
                });
            }
            if (img.naturalWidth === 0) {
                found.push(`image does not render: ${img.getAttribute("src")}`);
            }
        }
        for (const svg of main.querySelectorAll("svg")) {
            const r = svg.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) {
                found.push(`inline SVG does not render: ${name(svg)}`);
            }
        }
        return found;
    }, overflow);
}

async function shot(page, name, options = {}) {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, ...options });
    saved.push(path);
}

async function newPage(context, where, options) {
    const page = await context.newPage();
    watch(page, where, options);
    return page;
}

async function open(page, url) {
    await page.goto(url, { waitUntil: "load" });
    // The sidebar is built by a script; fonts may still be loading.
    await page.evaluate(() => document.fonts.ready);
}

const { server, url: base } = await serve(args.book);
const browser = await chromium.launch({
    executablePath: args.chromium,
    headless: true,
    args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // No --user-data-dir: Playwright gives every launch a fresh one.
    ],
});

async function context(viewport, theme) {
    const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    await ctx.addInitScript((t) => localStorage.setItem("mdbook-theme", t), theme);
    return ctx;
}

try {
    const book = chapters();
    if (book.length === 0) {
        problem("src/SUMMARY.md", "no chapters found");
    }
    const phoneLight = await context(PHONE, "light");
    const phoneDark = await context(PHONE, "navy");
    const desktopLight = await context(DESKTOP, "light");
    const desktopDark = await context(DESKTOP, "ayu");

    // 1. Every chapter: at 375 px in a light theme (overflow, pictures), and
    //    on a desktop in a dark theme (pictures); titles for the print check.
    const titles = [];
    let where = "";
    const phone = await newPage(phoneLight, () => where);
    const desk = await newPage(desktopDark, () => where);
    for (const [i, chapter] of book.entries()) {
        where = `${chapter.html} (375 px, light)`;
        await open(phone, base + chapter.html);
        for (const p of await layoutProblems(phone, { overflow: true })) problem(where, p);
        titles.push(await phone.locator("main h1").first().innerText());
        where = `${chapter.html} (1280 px, ayu)`;
        await open(desk, base + chapter.html);
        for (const p of await layoutProblems(desk, { overflow: false })) problem(where, p);
    }

    // 2. The print page holds every chapter, pictures included.
    where = "print.html";
    // mdBook's print page calls window.print() once loaded: make it a no-op.
    await desk.addInitScript(() => (window.print = () => {}));
    const printPage = await newPage(desktopLight, () => where);
    await printPage.addInitScript(() => (window.print = () => {}));
    await open(printPage, base + "print.html");
    for (const p of await layoutProblems(printPage, { overflow: false })) problem(where, p);
    const printed = await printPage.locator("main h1").allInnerTexts();
    for (const title of titles) {
        if (!printed.includes(title)) problem(where, `chapter "${title}" is missing`);
    }
    await shot(printPage, "desktop-light-print");
    await printPage.emulateMedia({ media: "print" });
    await shot(printPage, "print-media-print");
    await printPage.close();

    // 3. The 404 page, at an address that does not exist.
    where = "404 page";
    const missing = await newPage(phoneDark, () => where, { allow: (u) => u.endsWith("/no/such/page.html") || u.includes("404") });
    await open(missing, base + "no/such/page.html");
    for (const p of await layoutProblems(missing, { overflow: true })) problem(where, p);
    const h1 = await missing.locator("main h1").first().innerText();
    if (!/not found/i.test(h1)) problem(where, `unexpected title "${h1}"`);
    await shot(missing, "phone-navy-404");
    await missing.close();

    // 4. Search: results appear, each links to a chapter holding the word,
    //    and every chapter holding it is found.
    const searchPage = await newPage(desktopLight, () => where);
    for (const word of SEARCH_WORDS) {
        where = `search for "${word}"`;
        await open(searchPage, base + book[0].html);
        await searchPage.keyboard.press("s");
        await searchPage.locator("#mdbook-searchbar").waitFor({ state: "visible" });
        await searchPage.keyboard.type(word, { delay: 20 });
        const results = searchPage.locator("#mdbook-searchresults li a");
        try {
            await results.first().waitFor({ timeout: 5000 });
        } catch {
            problem(where, "no results appeared");
            continue;
        }
        const hrefs = await results.evaluateAll((as) => as.map((a) => new URL(a.href).pathname.slice(1)));
        const pages = new Set(hrefs.map((h) => (h === "" ? "index.html" : h)));
        const holding = book.filter((c) => new RegExp(word, "i").test(c.text)).map((c) => c.html);
        for (const page of pages) {
            if (!holding.includes(page)) problem(where, `result links to ${page}, which does not contain the word`);
        }
        if (hrefs.length < SEARCH_LIMIT) {
            for (const page of holding) {
                if (!pages.has(page)) problem(where, `${page} contains the word but is not among the results`);
            }
        }
        if (word === SEARCH_WORDS[0]) await shot(searchPage, "desktop-light-search");
        console.log(`search "${word}": ${hrefs.length} result(s) in ${[...pages].join(", ")}`);
    }
    await searchPage.close();

    // 5. Run buttons: in the first chapters with runnable Python blocks,
    //    run the second block first (the first runs silently before it),
    //    then the last one (all in between run first); every block must
    //    print what the book shows. Then edit a block and see the difference.
    let ran = 0;
    for (const chapter of book) {
        if (ran >= RUN_CHAPTERS && !args["run-also"].includes(chapter.html)) continue;
        where = `${chapter.html}, Run buttons`;
        const page = await newPage(ran === 0 ? phoneDark : desktopLight, () => where);
        await open(page, base + chapter.html);
        await page.evaluate(() => document.querySelectorAll("main details").forEach((d) => (d.open = true)));
        const buttons = page.locator("main .pycon-run");
        const count = await buttons.count();
        if (count === 0) {
            await page.close();
            continue;
        }
        ran += 1;
        const outputs = page.locator("main .pycon-output");
        const runAndCheck = async (i) => {
            await buttons.nth(i).click();
            const out = outputs.nth(i);
            await out.locator(".pycon-verdict, .pycon-message").waitFor({ timeout: 30000 });
            const verdict = await out.innerText();
            if (!/printed what the book shows/.test(verdict)) {
                problem(where, `block ${i + 1} of ${count}:\n${verdict}`);
            }
            return out;
        };
        const t0 = Date.now();
        const second = await runAndCheck(Math.min(1, count - 1));
        console.log(`${chapter.html}: Pyodide loaded and ran in ${Date.now() - t0} ms`);
        const status = await page.locator("main .pycon-status").nth(Math.min(1, count - 1)).innerText();
        if (!/CPython 3\.14\./.test(status)) problem(where, `not CPython 3.14 as the badges assume: "${status}"`);
        if (ran === 1) {
            await second.scrollIntoViewIfNeeded();
            await shot(page, `phone-navy-run-${chapter.html}`);
        }
        if (count > 2) await runAndCheck(count - 1);
        // Edit the block run first: the output shows what Python printed
        // and what the book shows.
        const edit = Math.min(1, count - 1);
        const code = page.locator("main pre > code.language-pycon").nth(edit);
        await code.click();
        await page.keyboard.press("Control+A");
        await page.keyboard.type(">>> 6 * 7\n41\n");
        await buttons.nth(edit).click();
        const edited = outputs.nth(edit);
        await edited.locator(".pycon-verdict").waitFor();
        const text = await edited.innerText();
        if (!/1 of 1 example printed something other/.test(text) || !/>>> 6 \* 7\n42/.test(text)) {
            problem(where, `an edited block's output is not shown as expected:\n${text}`);
        }
        if (ran === 1) {
            await edited.scrollIntoViewIfNeeded();
            await shot(page, `phone-navy-edited-${chapter.html}`);
        }
        await page.close();
    }
    if (ran === 0) console.log("no chapter has a Python block to run yet");

    // 5b. The version picker: in a fresh reader's browser, the first block
    //     offering each Pyodide line runs on it and prints what the book
    //     shows. The first pick only switches (nothing loaded yet); each
    //     later pick reloads the page, which is a fresh session.
    const lines = JSON.parse(readFileSync(new URL("../pycon/tags.json", import.meta.url), "utf8")).pyodides.map((p) => p.line);
    const pickable = book.find((c) => /```pycon/.test(c.text));
    if (pickable) {
        const ctx = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 });
        const page = await newPage(ctx, () => where);
        await open(page, base + pickable.html);
        await page.evaluate(() => document.querySelectorAll("main details").forEach((d) => (d.open = true)));
        let loaded = false;
        for (const line of lines) {
            where = `${pickable.html}, CPython ${line} picked`;
            const pickers = page.locator("main select.pycon-python");
            const offers = await pickers.evaluateAll((ss, l) => ss.map((s) => [...s.options].some((o) => o.value === l)), line);
            const i = offers.indexOf(true);
            if (i < 0) {
                problem(where, "no block of the page offers this version");
                continue;
            }
            if (loaded) {
                await Promise.all([page.waitForEvent("load"), pickers.nth(i).selectOption(line)]);
                await page.evaluate(() => document.querySelectorAll("main details").forEach((d) => (d.open = true)));
            } else {
                await pickers.nth(i).selectOption(line);
            }
            const shown = await page.locator("main select.pycon-python").nth(i).inputValue();
            if (shown !== line) problem(where, `the picker shows "${shown}" after the pick`);
            const t0 = Date.now();
            await page.locator("main .pycon-run").nth(i).click();
            const out = page.locator("main .pycon-output").nth(i);
            await out.locator(".pycon-verdict, .pycon-message").waitFor({ timeout: 60000 });
            loaded = true;
            const verdict = await out.innerText();
            if (!/printed what the book shows/.test(verdict)) problem(where, `block ${i + 1}:\n${verdict}`);
            const status = await page.locator("main .pycon-status").nth(i).innerText();
            const ranIn = new RegExp(`CPython ${line.replace(".", "\\.")}\\.`);
            if (!ranIn.test(status)) problem(where, `did not run in CPython ${line}: "${status}"`);
            console.log(`${pickable.html}: block ${i + 1} ran in CPython ${line} in ${Date.now() - t0} ms (${status.split(" (")[0]})`);
        }
        await page.close();
        await ctx.close();
    }

    // 5c. Tagged blocks offer just the versions their tags allow (since-3.N:
    //     3.N and later; before-3.N: earlier), and the first before-3.N
    //     block (else the first tagged one) runs on the newest version it
    //     offers, after the page's earlier blocks of that version only.
    const tagged = book.find((c) => /```pycon[^\n]*\b(since|before)-3\.\d+/.test(c.text));
    if (tagged) {
        where = `${tagged.html}, tagged blocks' pickers`;
        const ctx = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 });
        const page = await newPage(ctx, () => where);
        await open(page, base + tagged.html);
        await page.evaluate(() => document.querySelectorAll("main details").forEach((d) => (d.open = true)));
        const bars = await page.locator("main .pycon-block:has(select.pycon-python)").evaluateAll((boxes) =>
            boxes.map((box) => ({
                tags: [...box.querySelector("code.language-pycon").classList],
                offered: [...box.querySelector("select.pycon-python").options].map((o) => o.value).filter((v) => v),
                disabled: box.querySelector(".pycon-run").disabled,
            })),
        );
        const minor = (v) => Number(v.split(".")[1]);
        let first = -1;
        let firstBefore = -1;
        for (const [i, bar] of bars.entries()) {
            let want = lines;
            for (const tag of bar.tags) {
                const m = /^(since|before)-(3\.\d+)$/.exec(tag);
                if (m) {
                    want = want.filter((l) => (m[1] === "since" ? minor(l) >= minor(m[2]) : minor(l) < minor(m[2])));
                    if (first < 0) first = i;
                    if (firstBefore < 0 && m[1] === "before") firstBefore = i;
                }
            }
            if (bar.offered.join() !== want.join()) {
                problem(where, `block ${i + 1} (${bar.tags.join(" ")}) offers ${bar.offered.join(", ")}, not ${want.join(", ")}`);
            }
            // A fresh reader's page runs the browser's line, 3.14.
            if (bar.disabled !== !bar.offered.includes("3.14")) {
                problem(where, `block ${i + 1} (${bar.tags.join(" ")}): Run is ${bar.disabled ? "" : "not "}disabled on 3.14`);
            }
        }
        if (firstBefore >= 0) first = firstBefore;
        if (first >= 0) {
            const line = bars[first].offered.at(-1);
            await page.locator("main select.pycon-python").nth(first).selectOption(line);
            await page.locator("main .pycon-run").nth(first).click();
            const out = page.locator("main .pycon-output").nth(first);
            await out.locator(".pycon-verdict, .pycon-message").waitFor({ timeout: 60000 });
            const verdict = await out.innerText();
            if (!/printed what the book shows/.test(verdict)) problem(where, `block ${first + 1} on ${line}:\n${verdict}`);
            console.log(`${tagged.html}: ${bars.length} pickers checked; block ${first + 1} (${bars[first].tags.join(" ")}) ran on ${line}`);
        }
        await page.close();
        await ctx.close();
    }

    // 6. A book published without its pyodide/ folder says what to do.
    const firstRunnable = book.find((c) => /```pycon/.test(c.text));
    if (firstRunnable) {
        where = `${firstRunnable.html} without pyodide/`;
        const page = await newPage(desktopLight, () => where, {
            allow: (u) => u.includes("pyodide-lock.json") || /404/.test(u),
        });
        await open(page, base + NO_PYODIDE.slice(1) + firstRunnable.html);
        const button = page.locator("main .pycon-run").first();
        if ((await button.count()) > 0) {
            await button.click();
            const msg = page.locator("main .pycon-output .pycon-message").first();
            await msg.waitFor({ timeout: 10000 });
            if (!/add-pyodide\.mjs/.test(await msg.innerText())) {
                problem(where, `the message does not say what to do: ${await msg.innerText()}`);
            }
            await msg.scrollIntoViewIfNeeded();
            await shot(page, "desktop-light-no-pyodide");
        }
        await page.close();
    }

    // 7. Screenshots of the first chapter and of the pages named with
    //    --run-also (the style sampler): desktop and phone, light and dark.
    where = "screenshots";
    const desktopRust = await context(DESKTOP, "rust");
    const phoneCoal = await context(PHONE, "coal");
    for (const pageName of [book[0].html, ...args["run-also"]]) {
        for (const [ctx, name] of [
            [desktopLight, "desktop-light"],
            [desktopDark, "desktop-ayu"],
            [desktopRust, "desktop-rust"],
            [phoneLight, "phone-light"],
            [phoneDark, "phone-navy"],
            [phoneCoal, "phone-coal"],
        ]) {
            const page = await newPage(ctx, () => where);
            await open(page, base + pageName);
            await page.evaluate(() => document.querySelectorAll("main details").forEach((d) => (d.open = true)));
            if (name.startsWith("phone")) {
                // Themes differ in more than colours (borders, padding).
                for (const p of await layoutProblems(page, { overflow: true })) problem(`${pageName} (375 px, ${name})`, p);
                // A phone page is long and narrow: in parts, readable at full size.
                const height = await page.evaluate(() => document.documentElement.scrollHeight);
                for (let y = 0, part = 1; y < height && part <= 6; y += 1000, part++) {
                    const clip = { x: 0, y, width: PHONE.width, height: Math.min(1000, height - y) };
                    await shot(page, `${name}-${pageName}-part${part}`, { fullPage: true, clip });
                }
            } else {
                await shot(page, `${name}-${pageName}`, { fullPage: true });
            }
            await page.close();
        }
    }
} catch (error) {
    problem("check-book.mjs", error.stack || String(error));
} finally {
    await browser.close();
    server.close();
}

console.log("screenshots:");
for (const path of saved) console.log(`  ${path}`);
console.log(`browser checks took ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (problems.length) {
    console.error(`\n${problems.length} problem(s) in the browser:\n`);
    for (const p of problems) console.error(`- ${p}\n`);
    process.exit(1);
}
console.log("browser checks passed");
