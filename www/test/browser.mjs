// What the demo's end-to-end tests share: the server, headless Chromium driven by
// playwright-core, the command line for the expected reports, and a sampler of the
// browser's memory.

import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { chromium } from "playwright-core";

import { serve } from "../serve.mjs";

export const WWW = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(WWW);
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or `false`; under CI=true they must run. */
export const skip =
  !existsSync(CHROMIUM) && process.env.CI !== "true" ? `${CHROMIUM} is not installed` : false;

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The server and a browser with one context; `close()` ends both. */
export async function start() {
  const server = await serve(0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
  });
  const requests = [];
  context.on("request", (request) => requests.push(request.url()));
  const close = async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  };
  return { server, origin, browser, context, requests, close };
}

/** A fresh page on the demo, its worker ready. */
export async function openDemo({ context, origin }) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") {
      errors.push(message.text());
    }
  });
  await page.goto(`${origin}/www/`);
  await page.waitForFunction(() => document.body.dataset.state === "idle");
  return { page, errors };
}

/**
 * Gives the page `files` and waits until a run over them starts: choosing files starts
 * one, but choosing the same files again may not, and then the Analyze button does.
 */
export async function analyze(page, files) {
  const runs = () => page.evaluate(() => Number(document.body.dataset.runs ?? 0));
  const before = await runs();
  await page.setInputFiles("#files", files);
  for (let i = 0; i < 10 && (await runs()) === before; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if ((await runs()) === before) {
    await page.click("#run");
  }
  await page.waitForFunction((n) => Number(document.body.dataset.runs) > n, before);
}

/** Waits until the run in the page ends, and gives the state it ended in. */
export async function finished(page, timeout = 120_000) {
  const states = ["done", "error", "cancelled"];
  await page.waitForFunction((s) => s.includes(document.body.dataset.state), states, { timeout });
  return page.evaluate(() => document.body.dataset.state);
}

/** The report the page exports as JSON, through its download button. */
export async function exported(page, which = "json") {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click(`#export-${which}`),
  ]);
  return readFileSync(await download.path(), "utf8");
}

/** The findings table's cells, one array of texts per row. */
export function tableCells(page) {
  return page.$$eval("#findings-table tbody tr.finding", (rows) =>
    rows.map((row) => [...row.cells].map((cell) => cell.innerText)),
  );
}

/** The findings table's header. */
export function tableHeader(page) {
  return page.$$eval("#findings-table thead th", (cells) => cells.map((c) => c.innerText.trim()));
}

const run = promisify(execFile);

/** The command line's JSON report for the same files and flags. */
export async function cliReport(files, flags = []) {
  const cli = join(ROOT, "js", "cli.mjs");
  const { stdout } = await run(process.execPath, [cli, "--output", "json", ...flags, ...files], {
    maxBuffer: 256 << 20,
  });
  return JSON.parse(stdout);
}

/** Log files of the test fixtures and the bundled sample, sorted. */
export function fixtureLogs() {
  const found = [join(ROOT, "samples", "office-network.log")];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else if (!/\.(golden\.json|md)$/.test(name)) {
        found.push(path);
      }
    }
  };
  walk(join(ROOT, "tests", "fixtures"));
  return found;
}

/** The process ids under `pid`, itself included. */
function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while the table was read
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    (children.get(p) ?? []).forEach(walk);
  };
  walk(pid);
  return out;
}

/** The resident memory in bytes of the browser's renderer processes (pages and workers). */
export function rendererMemory(browserPid) {
  let total = 0;
  for (const pid of processTree(browserPid)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.includes("--type=renderer")) {
        continue;
      }
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // the process ended while it was read
    }
  }
  return total;
}
