// What must hold when things go wrong: a run over many files where some cannot be read
// names each of them and still reports the rest, with exit status 1; a trap in the
// module, even in the middle of a stream, becomes an error and the next run works; log
// text and file names never reach the terminal as control characters.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";

import { analyze, analyzeStream, SmbEgressError } from "../index.js";
import { call } from "../lib/runtime.js";
import { CLI, ROOT, SAMPLE, SAMPLE_FINDINGS, sampleBytes, webStream } from "./helpers.mjs";

const TMP = mkdtempSync(join(tmpdir(), "smb-egress-hostile-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

function cli(args, env = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 << 20,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function temp(name, content) {
  const path = join(TMP, name);
  writeFileSync(path, content);
  return path;
}

/** The sample cut in two files, and inputs that cannot be read between and around them. */
function inputs() {
  const bytes = sampleBytes();
  const cut = bytes.indexOf(0x0a, bytes.length >> 1) + 1;
  const first = temp("first.log", bytes.subarray(0, cut));
  const second = temp("second.log", bytes.subarray(cut));
  const missing = join(TMP, "missing.log");
  const dir = join(TMP, "a-directory");
  mkdirSync(dir, { recursive: true });
  const broken = temp("broken.log.gz", gzipSync(bytes).subarray(0, 3000));
  return { files: [missing, first, dir, broken, second], bad: [missing, dir, broken] };
}

describe("a run where some inputs cannot be read", () => {
  const whole = JSON.parse(cli(["--output", "json", SAMPLE]).stdout);

  for (const jobs of ["1", "3"]) {
    it(`names each one, reports the rest, and exits 1 (--jobs ${jobs})`, () => {
      const { files, bad } = inputs();
      const env = { SMB_EGRESS_MIN_PART_BYTES: "4096" };
      const run = cli(["--output", "json", "--jobs", jobs, ...files], env);
      assert.equal(run.status, 1, run.stderr);
      for (const path of bad) {
        assert.ok(run.stderr.includes(`cannot read ${path}`), run.stderr);
      }
      assert.equal(run.stderr.trim().split("\n").length, bad.length, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.deepEqual(
        report.findings.map((f) => f.src_ip),
        SAMPLE_FINDINGS,
      );
      const unreadable = report.stats.unreadable.map((u) => u.file).sort();
      assert.deepEqual(unreadable, [...bad].sort());
      assert.ok(report.stats.unreadable.every((u) => u.reason.length > 0));
      const counts = (r) => r.findings.map((f) => [f.src_ip, f.count]);
      const broken = report.stats.files[bad[2]];
      if (broken === undefined) {
        assert.deepEqual(counts(report), counts(whole));
      } else {
        // The gzip stream gave some lines before it broke; they count as read.
        assert.ok(broken.lines > 0);
      }
    });
  }

  it("says so in the table's summary", () => {
    const { files, bad } = inputs();
    const run = cli(["--output", "table", ...files]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, new RegExp(`not read: ${bad.length} input\\(s\\): `));
    for (const path of bad) {
      assert.ok(run.stdout.includes(path), run.stdout);
    }
  });

  it("exits 1 with an empty report when no input can be read", () => {
    const run = cli(["--output", "json", join(TMP, "nope-1.log"), join(TMP, "nope-2.log")]);
    assert.equal(run.status, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.findings.length, 0);
    assert.equal(report.stats.unreadable.length, 2);
  });

  it("escapes control characters of file names on standard error and in the table", () => {
    const name = join(TMP, "\u001b]0;owned\u0007\u001b[2J.log");
    const run = cli(["--output", "table", name, SAMPLE]);
    assert.equal(run.status, 1);
    for (const text of [run.stderr, run.stdout]) {
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text), JSON.stringify(text));
    }
    assert.match(run.stderr, /cannot read .*\\u\{1b\}\]0;owned/);
  });
});

describe("a trap in the module", () => {
  const sample = sampleBytes();
  const key = (r) => JSON.stringify(r.findings);

  it("in the middle of a stream rejects that run, and the next runs work", async () => {
    const expected = key(await analyze(sample));
    for (let round = 0; round < 3; round++) {
      const chunks = [];
      for (let at = 0; at < sample.length; at += 4096) {
        chunks.push(sample.subarray(at, at + 4096));
      }
      let chunk = 0;
      const trapping = analyzeStream(webStream(chunks), undefined, {
        onProgress: () => {
          if (++chunk === 5) {
            assert.throws(() => call((b) => b.__trapForTests()), { code: "internal_error" });
          }
        },
      });
      await assert.rejects(
        trapping,
        (error) => error instanceof SmbEgressError && error.code === "lost_state",
      );
      assert.equal(key(await analyze(sample)), expected);
    }
  });

  it("becomes an Error with a name, a code and the trap as its cause", () => {
    let error;
    try {
      call((b) => b.__trapForTests());
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error);
    assert.equal(error.name, "SmbEgressError");
    assert.equal(error.code, "internal_error");
    assert.ok(error.cause instanceof WebAssembly.RuntimeError);
  });
});

describe("hostile input through the package", () => {
  it("gives valid JSON and an inert CSV for log text that tries to be code", async () => {
    const line = (app) =>
      JSON.stringify({
        src_ip: "10.0.0.5",
        dest_ip: "81.2.69.160",
        dest_port: "445",
        transport: "tcp",
        action: "allowed",
        app,
        sourcetype: "cim",
      });
    const apps = ['=HYPERLINK("x")', "<script>alert(1)</script>", "\u001b[2J", "a\u2028b"];
    const input = apps.map(line).join("\n");
    const report = await analyze(input);
    assert.deepEqual(report.findings[0].app.sort(), [...apps].sort());
    const csv = await analyze(line(apps[0]), {}, { output: "csv" });
    assert.ok(csv.includes(`,"'=HYPERLINK(""x"")",`), csv);
    const table = await analyze(input, {}, { output: "table" });
    assert.ok(!table.includes("\u001b"), table);
  });

  it("reads a file of NUL bytes and one of 16 MiB without a line end", async () => {
    const nul = await analyze(new Uint8Array(1 << 20));
    assert.equal(nul.stats.nul_lines, 1);
    const long = await analyze(new Uint8Array(16 << 20).fill(0x61));
    assert.equal(long.stats.skipped.too_long, 1);
    assert.equal(readFileSync(SAMPLE).length > 0, true);
  });
});
