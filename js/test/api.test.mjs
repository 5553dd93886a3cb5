// The package as a user imports it: `import ... from "smb-egress"` resolves to the
// built js/ through the package's own `exports` map.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";

import {
  analyze,
  analyzeStream,
  Analyzer,
  formats,
  inputChunks,
  SmbEgressError,
  version,
} from "smb-egress";
import {
  JS_DIR,
  lineCuts,
  randomChunks,
  SAMPLE,
  SAMPLE_FINDINGS,
  sampleBytes,
  seeded,
  webStream,
} from "./helpers.mjs";

const sample = sampleBytes();
const one = await analyze(sample);

/** A report without the input's name, which differs between ways of feeding it. */
function comparable(report) {
  return JSON.stringify({ ...report, stats: { ...report.stats, files: undefined } });
}

describe("analyze", () => {
  it("finds the sample's outbound SMB", () => {
    assert.deepEqual(
      one.findings.map((f) => f.src_ip),
      SAMPLE_FINDINGS,
    );
    assert.equal(one.profile, "default");
    assert.ok(one.stats.formats["zeek-conn"] > 0);
    assert.ok(one.stats.formats["cisco-asa"] > 0);
  });

  it("gives the same report for a string, bytes, an ArrayBuffer and a Blob", async () => {
    const text = sample.toString("utf8");
    const buffer = sample.buffer.slice(sample.byteOffset, sample.byteOffset + sample.length);
    for (const input of [text, new Uint8Array(sample), buffer, new Blob([sample])]) {
      assert.equal(comparable(await analyze(input)), comparable(one));
    }
  });

  it("reads a Web stream, a Node stream and an async iterable", async () => {
    const chunks = randomChunks(sample, seeded("streams"), 70_000);
    const inputs = [
      webStream(chunks),
      createReadStream(SAMPLE, { highWaterMark: 4096 }),
      Readable.from(chunks),
      (async function* () {
        yield* chunks;
      })(),
    ];
    for (const input of inputs) {
      assert.equal(comparable(await analyzeStream(input)), comparable(one));
    }
  });

  it("does not depend on how the input is cut", async () => {
    const random = seeded("chunk sizes");
    for (const max of [1, 7, 300, 100_000]) {
      const input = max < 300 ? sample.subarray(0, max === 1 ? 20_000 : 150_000) : sample;
      const whole = await analyze(input);
      const cut = await analyzeStream(webStream(randomChunks(input, random, max)));
      assert.equal(comparable(cut), comparable(whole), `chunks up to ${max} bytes`);
    }
  });

  it("reads gzip from bytes, a Blob and a stream", async () => {
    const gz = gzipSync(sample);
    assert.equal(comparable(await analyze(gz)), comparable(one));
    assert.equal(comparable(await analyze(new Blob([gz]))), comparable(one));
    const chunks = randomChunks(gz, seeded("gzip chunks"), 5_000);
    assert.equal(comparable(await analyzeStream(Readable.from(chunks))), comparable(one));
  });

  it("refuses broken gzip with unreadable_input", async () => {
    const gz = gzipSync(sample).subarray(0, 5_000);
    await assert.rejects(analyze(gz), { name: "SmbEgressError", code: "unreadable_input" });
    const garbage = new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await assert.rejects(analyze(garbage), { code: "unreadable_input" });
  });

  it("renders json, ndjson, csv and table", async () => {
    const json = JSON.parse(await analyze(sample, {}, { output: "json" }));
    assert.equal(comparable(json), comparable(one));
    const ndjson = await analyze(sample, {}, { output: "ndjson" });
    assert.equal(ndjson.trim().split("\n").length, SAMPLE_FINDINGS.length);
    const csv = await analyze(sample, { profile: "escu" }, { output: "csv" });
    assert.match(
      csv,
      /^src_ip,start_time,end_time,action,app,dest_ip,dest_port,sourcetype,count\r\n/,
    );
    const table = await analyze(sample, {}, { output: "table" });
    assert.match(table, /10\.20\.10\.112/);
    await assert.rejects(analyze(sample, {}, { output: "xml" }), { code: "bad_output" });
  });

  it("reports progress up to the total", async () => {
    const seen = [];
    await analyze(new Blob([sample]), {}, { onProgress: (p) => seen.push(p) });
    assert.ok(seen.length > 0);
    assert.deepEqual(seen.at(-1), { bytes: sample.length, total: sample.length });
    const bytes = seen.map((p) => p.bytes);
    assert.deepEqual(
      bytes,
      [...bytes].sort((a, b) => a - b),
    );
  });

  it("stops when its signal aborts", async () => {
    const line = new TextEncoder().encode('{"ts":1,"id.orig_h":"10.0.0.1","id.resp_p":80}\n');
    const endless = new ReadableStream({
      pull(controller) {
        controller.enqueue(line);
      },
    });
    const controller = new AbortController();
    const onProgress = ({ bytes }) => {
      if (bytes > 100_000) {
        controller.abort();
      }
    };
    await assert.rejects(analyzeStream(endless, {}, { onProgress, signal: controller.signal }), {
      name: "AbortError",
    });
    const aborted = AbortSignal.abort(new Error("stop"));
    await assert.rejects(analyze(sample, {}, { signal: aborted }), /stop/);
  });

  it("refuses inputs it cannot read", async () => {
    for (const input of [42, null, { a: 1 }]) {
      await assert.rejects(analyze(input), { name: "SmbEgressError", code: "bad_input" });
    }
  });
});

describe("options", () => {
  it("are camelCase and change the result", async () => {
    const escu = await analyze(sample, { profile: "escu" });
    assert.equal(escu.profile, "escu");
    assert.ok(escu.findings.length > one.findings.length);
    const blocked = await analyze(sample, { includeBlocked: true });
    assert.ok(blocked.findings.some((f) => f.src_ip === "10.20.10.58"));
    const line = (port) =>
      `{"ts":1710230400,"id.orig_h":"10.1.2.3","id.orig_p":50000,"id.resp_h":"81.169.238.17","id.resp_p":${port},"proto":"tcp"}\n`;
    const custom = await analyze(line(8445), { ports: [8445] });
    assert.equal(custom.findings.length, 1);
    assert.equal((await analyze(line(8445))).findings.length, 0);
    const allow = await analyze(sample, {
      allow: "dest 20.150.71.36\npair 10.20.10.0/24 81.169.238.17\n",
    });
    assert.deepEqual(
      allow.findings.map((f) => f.src_ip),
      ["10.20.10.112", "fd20:10::5c"],
    );
    const internal = await analyze(sample, { internal: ["10.20.10.0/24"] });
    assert.deepEqual(
      internal.findings.map((f) => f.src_ip),
      ["10.20.10.112", "10.20.10.37"],
    );
    const tz = await analyze(sample, { tz: "+02:00" });
    assert.equal(tz.time_offset, "+02:00");
    // Zeek's epoch times are absolute: only their display moves.
    assert.equal(tz.findings.at(-1).start_time, "2024-03-12T13:30:04");
  });

  it("name the culprit when unknown or bad", async () => {
    const cases = [
      [{ prots: [445] }, /prots/],
      [{ profile: "splunk" }, /profile/],
      [{ internal: ["10.0.0.0/33"] }, /10\.0\.0\.0\/33/],
      [{ ports: [0] }, /ports/],
      [{ year: "soon" }, /year/],
      [{ tz: "CET" }, /tz/],
      [{ maxSources: Number.NaN }, /maxSources/],
      [{ includeBlocked: () => true }, /includeBlocked/],
      [{ assets: { a: 1 } }, /assets/],
      ["escu", /options/],
    ];
    for (const [options, pattern] of cases) {
      assert.throws(
        () => Analyzer.create(options),
        (error) => {
          assert.ok(error instanceof SmbEgressError);
          assert.equal(error.code, "bad_option");
          assert.match(error.message, pattern);
          return true;
        },
      );
      await assert.rejects(analyze("", options), { code: "bad_option" });
    }
  });
});

describe("Analyzer", () => {
  it("gives the same report pushed in pieces as analyze", () => {
    const analyzer = Analyzer.create();
    for (const chunk of randomChunks(sample, seeded("push"), 9_000)) {
      analyzer.push(chunk);
    }
    assert.equal(comparable(analyzer.finish()), comparable(one));
  });

  it("merges snapshots of parts into the report of one pass", () => {
    const whole = Analyzer.create().beginInput("office.log").push(sample).finish();
    const cuts = [0, ...lineCuts(sample, 3), sample.length];
    const snapshots = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const part = Analyzer.create();
      part.beginInput("office.log", i === 0 ? {} : { header: "" });
      part.push(sample.subarray(cuts[i], cuts[i + 1]));
      snapshots.push(part.snapshot());
    }
    assert.ok(snapshots.every((s) => s instanceof Uint8Array));
    const merged = Analyzer.merge(snapshots).finish();
    assert.deepEqual(merged, whole);
  });

  /** A Zeek log with `n` SMB egress sources: a report of several pieces. */
  function manySources(n) {
    const rows = [];
    for (let i = 0; i < n; i++) {
      const src = `10.${(i >> 8) & 255}.${i & 255}.7`;
      rows.push(`${1709028000 + i}\tC${i}\t${src}\t5${i % 9999}\t81.169.238.17\t445\ttcp`);
    }
    return `#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n${rows.join("\n")}\n`;
  }

  it("gives a large report's text in pieces that join into finish's text", () => {
    const log = manySources(6000);
    for (const output of ["json", "csv"]) {
      const text = Analyzer.create().push(log).finish({ output });
      const pieces = Analyzer.create().push(log).finishPieces({ output });
      assert.ok(pieces.length > 1, `${output}: ${pieces.length} piece`);
      assert.equal(pieces.join(""), text, output);
    }
    assert.throws(() => Analyzer.create().finishPieces({ output: "object" }), {
      code: "bad_output",
    });
  });

  it("hands a report's pieces to a function as they are written", () => {
    const log = manySources(6000);
    const text = Analyzer.create().push(log).finish({ output: "ndjson" });
    const pieces = [];
    const returned = Analyzer.create()
      .push(log)
      .finishTo((piece) => pieces.push(piece), { output: "ndjson" });
    assert.equal(returned, undefined);
    assert.ok(pieces.length > 1, `${pieces.length} piece`);
    assert.ok(pieces.every((piece) => piece.length <= 300 << 10));
    assert.equal(pieces.join(""), text);

    // What the function throws is thrown again, as it was, and ends the report.
    const full = new Error("disk full");
    let calls = 0;
    const writing = Analyzer.create().push(log);
    assert.throws(
      () =>
        writing.finishTo(() => {
          calls += 1;
          throw full;
        }),
      (error) => error === full,
    );
    assert.equal(calls, 1);
    assert.throws(() => writing.finish(), { code: "finished" });

    // Errors the package would otherwise rewrite come back as they were thrown, and a
    // trap of some other module thrown by `write` does not restart this one.
    const other = Analyzer.create().push(log);
    for (const error of [
      new SmbEgressError("bad_input", "a writer's own"),
      new WebAssembly.RuntimeError("another module's trap"),
      undefined,
    ]) {
      const run = Analyzer.create().push(log);
      assert.throws(
        () =>
          run.finishTo(() => {
            throw error;
          }),
        (thrown) => thrown === error,
      );
    }
    assert.equal(other.finish({ output: "ndjson" }), text);

    // The analyzer whose report is being written takes no other call meanwhile.
    const busy = Analyzer.create().push(log);
    assert.throws(() => busy.finishTo(() => busy.push(log)), { code: "finished" });

    for (const bad of [{ write: "out" }, { write: (p) => p, output: "object" }]) {
      assert.throws(() => Analyzer.create().finishTo(bad.write, bad), { code: "bad_output" });
    }
  });

  it("writes a run's report out piece by piece with run.write", async () => {
    const log = manySources(6000);
    const text = await analyze(log, {}, { output: "json" });
    const pieces = [];
    const write = (piece) => pieces.push(piece);
    assert.equal(await analyzeStream(Readable.from([log]), {}, { write }), undefined);
    assert.ok(pieces.length > 1);
    assert.equal(pieces.join(""), text);

    pieces.length = 0;
    assert.equal(await analyze(log, {}, { write, output: "csv" }), undefined);
    assert.equal(pieces.join(""), await analyze(log, {}, { output: "csv" }));

    // A bad run.write is refused before the input is read.
    let read = false;
    const input = (async function* () {
      read = true;
      yield log;
    })();
    for (const run of [{ write: "stdout" }, { write, output: "object" }]) {
      await assert.rejects(analyzeStream(input, {}, run), { code: "bad_output" });
    }
    assert.equal(read, false);
  });

  it("refuses a snapshot made with other options", () => {
    const snapshot = Analyzer.create({ profile: "escu" }).snapshot();
    assert.throws(() => Analyzer.merge([snapshot]), { code: "bad_snapshot" });
  });

  it("takes plain text in push, and gzip in pushStream", async () => {
    const gz = gzipSync(sample);
    assert.throws(() => Analyzer.create().push(gz), { code: "compressed_input" });
    const analyzer = Analyzer.create();
    await analyzer.pushStream(Readable.from([gz]));
    assert.equal(comparable(analyzer.finish()), comparable(one));
  });

  it("gives the normalized records when asked", () => {
    const analyzer = Analyzer.create({}, { records: true });
    analyzer.push(sample.subarray(0, 20_000));
    const records = analyzer
      .takeRecords()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.ok(records.length > 0);
    assert.ok(records.every((r) => "src_ip" in r && "dest_port" in r));
  });

  it("gives each SMB record's verdict when asked, under a cap", () => {
    const analyzer = Analyzer.create({}, { verdicts: 1_000_000 });
    analyzer.push(sample);
    const report = Analyzer.merge([analyzer.snapshot()]).finish();
    const lines = analyzer
      .takeVerdicts()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const findings = lines.filter((l) => l.verdict === "finding");
    assert.equal(findings.length, report.stats.finding_records);
    const reasons = {};
    for (const { reason } of lines.filter((l) => l.verdict === "excluded")) {
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    assert.deepEqual(reasons, report.stats.excluded);
    assert.equal(analyzer.verdictsDropped(), 0);

    const capped = Analyzer.create({}, { verdicts: 3 });
    capped.push(sample);
    assert.equal(capped.takeVerdicts().trim().split("\n").length, 3);
    assert.ok(capped.verdictsDropped() > 0);
    assert.throws(() => Analyzer.create({}, { verdicts: -1 }), { code: "bad_option" });
  });

  it("gives any input's plain bytes for feeding several analyzers", async () => {
    const gz = gzipSync(sample);
    const inputs = [sample, gz, new Blob([gz]), sample.toString(), Readable.from([gz])];
    for (const input of inputs) {
      const pieces = [];
      let last;
      for await (const chunk of inputChunks(input, { onProgress: (p) => (last = p) })) {
        pieces.push(chunk);
      }
      const expected = typeof input === "string" ? Buffer.byteLength(input) : sample.length;
      assert.equal(Buffer.concat(pieces).length, expected);
      assert.ok(last.bytes > 0);
    }
    const both = [Analyzer.create(), Analyzer.create({ profile: "escu" })];
    for await (const chunk of inputChunks(new Blob([gz]))) {
      both.forEach((a) => a.push(chunk));
    }
    assert.equal(comparable(both[0].finish()), comparable(one));
    assert.equal(both[1].finish().profile, "escu");

    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await assert.rejects(async () => {
      for await (const chunk of inputChunks(new Blob([sample]), { signal: controller.signal })) {
        assert.fail(`read ${chunk.length} bytes after abort`);
      }
    }, /stop/);
    assert.throws(() => inputChunks(42), { code: "bad_input" });
  });

  it("takes no calls after free, and frees once", () => {
    const analyzer = Analyzer.create().push(sample.subarray(0, 1000));
    analyzer.free();
    analyzer.free();
    assert.throws(() => analyzer.push("x"), { name: "SmbEgressError", code: "finished" });
    assert.throws(() => analyzer.snapshot(), { code: "finished" });
  });

  it("refuses calls after finish", () => {
    const analyzer = Analyzer.create();
    analyzer.finish();
    assert.throws(() => analyzer.push("x"), { code: "finished" });
  });

  it("is made by Analyzer.create, not new", () => {
    assert.throws(() => new Analyzer(), TypeError);
  });
});

describe("a trap in the module", () => {
  it("becomes an Error, and a fresh instance serves later calls", async () => {
    const { call } = await import("../lib/runtime.js");
    const before = Analyzer.create().push(sample.subarray(0, 1000));
    assert.throws(
      () => call((b) => b.__trapForTests()),
      (error) => error instanceof SmbEgressError && error.code === "internal_error",
    );
    assert.throws(() => before.push("x"), { code: "lost_state" });
    assert.equal(comparable(await analyze(sample)), comparable(one));
    assert.equal(version(), "0.1.0");
  });
});

describe("loading", () => {
  it("does not load Node's fetch", () => {
    // The first look at the `Request` or `Response` global loads Node's whole fetch
    // implementation, which cost more time and memory than the module itself.
    const index = pathToFileURL(`${JS_DIR}/index.js`).href;
    const script =
      `await import(${JSON.stringify(index)});` +
      "process.stdout.write(String(process.moduleLoadList.filter((m) => m.includes('undici'))));";
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, "");
  });
});

describe("formats and version", () => {
  it("list the formats with their sourcetypes", () => {
    const list = formats();
    assert.equal(list.length, 20);
    assert.deepEqual(list[0], {
      id: "zeek-conn",
      description: list[0].description,
      sourcetype: "bro:conn:json",
    });
    assert.ok(list.some((f) => f.id === "cisco-asa"));
  });

  it("match the package's version", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url)));
    assert.equal(version(), pkg.version);
  });
});
