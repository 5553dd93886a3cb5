// Files read in Node by `analyzeFile` and `Analyzer.pushFile`: into two reused buffers
// for a regular file, through a file stream for gzip and pipes. Each way must give the
// report of the same bytes given whole.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";

import { analyze, analyzeFile, Analyzer } from "smb-egress";
import { FILE_CHUNK_BYTES } from "../lib/file.js";
import { SAMPLE, sampleBytes, seeded } from "./helpers.mjs";

const dir = mkdtempSync(join(tmpdir(), "smb-egress-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The sample over and over, past three chunks: each of the two buffers is used twice. */
const copies = Math.ceil((3.5 * FILE_CHUNK_BYTES) / sampleBytes().length);
const big = Buffer.concat(Array.from({ length: copies }, () => sampleBytes()));
const bigPath = join(dir, "big.log");
writeFileSync(bigPath, big);
assert.ok(big.length > 3 * FILE_CHUNK_BYTES);

const whole = await analyze(big, { profile: "escu" }, { name: bigPath });

function comparable(report) {
  return JSON.stringify(report);
}

describe("analyzeFile", () => {
  it("gives the report of the file's bytes given whole", async () => {
    const report = await analyzeFile(bigPath, { profile: "escu" });
    assert.equal(comparable(report), comparable(whole));
    const sample = await analyzeFile(SAMPLE, {}, { name: "-" });
    assert.equal(comparable(sample), comparable(await analyze(sampleBytes())));
  });

  it("writes the report out with run.write", async () => {
    const pieces = [];
    const run = { output: "csv", write: (piece) => pieces.push(piece) };
    assert.equal(await analyzeFile(bigPath, { profile: "escu" }, run), undefined);
    const text = await analyze(big, { profile: "escu" }, { name: bigPath, output: "csv" });
    assert.equal(pieces.join(""), text);
    await assert.rejects(analyzeFile(bigPath, {}, { write: 1 }), { code: "bad_output" });
  });

  it("reads gzip through a stream", async () => {
    const path = join(dir, "big.log.gz");
    writeFileSync(path, gzipSync(big));
    const report = await analyzeFile(path, { profile: "escu" }, { name: bigPath });
    assert.equal(comparable(report), comparable(whole));
  });

  it("reads a pipe through a stream", { skip: process.platform === "win32" }, async () => {
    const path = join(dir, "pipe");
    assert.equal(spawnSync("mkfifo", [path]).status, 0);
    const writer = createWriteStream(path);
    writer.end(big);
    const report = await analyzeFile(path, { profile: "escu" }, { name: bigPath });
    assert.equal(comparable(report), comparable(whole));
  });

  it("renders text, reports progress up to the size, and stops on its signal", async () => {
    const seen = [];
    const text = await analyzeFile(bigPath, {}, { output: "csv", onProgress: (p) => seen.push(p) });
    assert.match(text, /^src_ip,/);
    assert.equal(seen.length, 4);
    assert.deepEqual(seen.at(-1), { bytes: big.length, total: big.length });
    const controller = new AbortController();
    const onProgress = () => controller.abort(new Error("enough"));
    const run = analyzeFile(bigPath, {}, { onProgress, signal: controller.signal });
    await assert.rejects(run, { message: "enough" });
  });

  it("rejects a file it cannot open", async () => {
    await assert.rejects(analyzeFile(join(dir, "missing.log")), { code: "ENOENT" });
    await assert.rejects(analyzeFile(bigPath, {}, { output: "xml" }), { code: "bad_output" });
  });
});

describe("Analyzer.pushFile", () => {
  it("gives the report of one pass over byte ranges cut anywhere", async () => {
    const random = seeded("file ranges");
    for (let round = 0; round < 4; round++) {
      const cuts = Array.from({ length: 3 }, () => random(big.length));
      const bounds = [0, ...cuts.sort((a, b) => a - b), big.length];
      const analyzer = Analyzer.create({ profile: "escu" });
      analyzer.beginInput(bigPath);
      for (let i = 0; i + 1 < bounds.length; i++) {
        await analyzer.pushFile(bigPath, { start: bounds[i], end: bounds[i + 1] });
      }
      assert.equal(comparable(analyzer.finish()), comparable(whole), `cuts ${cuts}`);
    }
  });

  it("refuses a range that is not byte offsets", async () => {
    for (const range of [{ start: -1 }, { start: 1.5 }, { end: "10" }, { start: NaN }]) {
      const analyzer = Analyzer.create().beginInput("x");
      await assert.rejects(analyzer.pushFile(bigPath, range), { code: "bad_input" });
    }
  });

  it("reads nothing from an empty range", async () => {
    const analyzer = Analyzer.create().beginInput("x");
    await analyzer.pushFile(join(dir, "missing.log"), { start: 5, end: 5 });
    assert.equal(analyzer.finish().stats.bytes, 0);
  });
});
