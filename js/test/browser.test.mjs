// The package in a real browser: headless Chromium, driven over WebDriver by
// chromedriver, imports js/index.js from a local server exactly as a page would (no
// bundler), fetches the .wasm beside it, and runs the same checks as in Node.
//
// Needs chromium and chromedriver (`make test` installs them). Without them the test is
// skipped, except under CI=true, where it fails.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, describe, it } from "node:test";

import { ROOT, SAMPLE_FINDINGS } from "./helpers.mjs";

const CHROMEDRIVER = process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver";
const available = existsSync(CHROMEDRIVER);
const skip = !available && process.env.CI !== "true" ? "chromedriver is not installed" : false;

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Serves the repository's files on 127.0.0.1, and an empty page at /. */
function serve() {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<!doctype html><title>smb-egress</title>");
      return;
    }
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(ROOT)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      response.writeHead(200, { "content-type": type }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A minimal WebDriver client over fetch. */
class Driver {
  constructor(base) {
    this.base = base;
  }

  async request(method, path, body) {
    const response = await fetch(this.base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
    }
    return json.value;
  }

  async ready() {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await this.request("GET", "/status")).ready) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("chromedriver did not start");
  }

  async open(capabilities) {
    const session = await this.request("POST", "/session", {
      capabilities: { alwaysMatch: capabilities },
    });
    this.session = `/session/${session.sessionId}`;
    await this.request("POST", `${this.session}/timeouts`, { script: 120_000 });
  }

  goto(url) {
    return this.request("POST", `${this.session}/url`, { url });
  }

  run(script) {
    return this.request("POST", `${this.session}/execute/async`, { script, args: [] });
  }

  async close() {
    if (this.session) {
      await this.request("DELETE", this.session).catch(() => {});
    }
  }
}

/** Runs in the page: the package's API on the bundled sample. */
const IN_PAGE = `
const done = arguments[arguments.length - 1];
(async () => {
  const m = await import("/js/index.js");
  const text = await (await fetch("/samples/office-network.log")).text();
  const one = await m.analyze(text);
  const blob = new Blob([text]);
  const gzip = blob.stream().pipeThrough(new CompressionStream("gzip"));
  const gz = new Uint8Array(await new Response(gzip).arrayBuffer());
  let last;
  const others = [
    await m.analyze(blob),
    await m.analyze(gz),
    await m.analyze(new Blob([gz])),
    await m.analyzeStream(blob.stream(), {}, { onProgress: (p) => (last = p) }),
  ];
  let optionError;
  try {
    m.Analyzer.create({ prots: [445] });
  } catch (e) {
    optionError = { isError: e instanceof Error, name: e.name, code: e.code, message: e.message };
  }
  const runtime = await import("/js/lib/runtime.js");
  let trap;
  try {
    runtime.call((b) => b.__trapForTests());
  } catch (e) {
    trap = e.code;
  }
  const afterTrap = await m.analyze(text);
  const same = (r) => JSON.stringify(r.findings) === JSON.stringify(one.findings);
  return {
    sources: one.findings.map((f) => f.src_ip),
    same: [...others, afterTrap].map(same),
    last,
    size: blob.size,
    optionError,
    trap,
    formats: m.formats().length,
    version: m.version(),
  };
})().then(done, (e) => done({ error: String((e && e.stack) || e) }));
`;

describe("in headless Chromium", { skip }, () => {
  let server;
  let chromedriver;
  let driver;

  before(async () => {
    server = await serve();
    const port = await freePort();
    chromedriver = spawn(CHROMEDRIVER, [`--port=${port}`], { stdio: "ignore" });
    driver = new Driver(`http://127.0.0.1:${port}`);
    await driver.ready();
    const { "goog:chromeOptions": chrome } = JSON.parse(
      readFileSync(join(ROOT, "webdriver.json"), "utf8"),
    );
    await driver.open({ browserName: "chrome", "goog:chromeOptions": chrome });
    await driver.goto(`http://127.0.0.1:${server.address().port}/`);
  });

  after(async () => {
    await driver?.close();
    chromedriver?.kill();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  });

  it("imports the package without a bundler and analyzes text, Blobs, gzip and streams", async () => {
    const result = await driver.run(IN_PAGE);
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(result.sources, SAMPLE_FINDINGS);
    assert.deepEqual(result.same, [true, true, true, true, true]);
    assert.equal(result.last.bytes, result.size);
    assert.deepEqual(result.optionError, {
      isError: true,
      name: "SmbEgressError",
      code: "bad_option",
      message: result.optionError.message,
    });
    assert.match(result.optionError.message, /prots/);
    assert.equal(result.trap, "internal_error");
    assert.equal(result.formats, 20);
    assert.equal(result.version, "0.1.0");
  });
});
