// The package's wasm build against the golden files the Rust tests check natively.
//
// Every fixture with a `.golden.json` gives, through the package, the records, formats
// and skip counts of its golden, whole and in random chunks; its findings with the
// prefilter on (the default) equal its findings with every line parsed (the records view
// parses every line); and where the golden holds findings, they are equal too. This
// covers what only the wasm build runs: the prefilter's SIMD128 block search, and the
// parsers as compiled to wasm.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, it } from "node:test";

import { Analyzer } from "../index.js";
import { ROOT, fixtureLogs, randomChunks, seeded } from "./helpers.mjs";

/** The year of syslog dates without one, as in the Rust golden test. */
const YEAR = 2024;

/**
 * Records with `_time` rounded to the microsecond. The Rust test reads records back with
 * serde_json, whose float parsing may land one unit in the last place off the exact
 * value that JS reads; the golden files hold what it read.
 */
function rounded(records) {
  const micro = (t) => Math.round(t * 1e6) / 1e6;
  return records.map((r) => (r._time === undefined ? r : { ...r, _time: micro(r._time) }));
}

/** The fixtures that have a golden file, with it. */
function goldens() {
  return fixtureLogs()
    .filter((path) => existsSync(`${path}.golden.json`))
    .map((path) => ({
      name: relative(ROOT, path),
      input: readFileSync(path),
      golden: JSON.parse(readFileSync(`${path}.golden.json`, "utf8")),
    }));
}

/** Runs the chunks through one analyzer: its records (when asked for) and its report. */
function run(options, chunks, records) {
  const analyzer = Analyzer.create(options, { records, currentYear: YEAR });
  analyzer.beginInput("fixture");
  let text = "";
  for (const chunk of chunks) {
    analyzer.push(chunk);
    text += records ? analyzer.takeRecords() : "";
  }
  analyzer.beginInput("end");
  text += records ? analyzer.takeRecords() : "";
  const lines = text.split("\n").filter((line) => line !== "");
  return { records: lines.map((line) => JSON.parse(line)), report: analyzer.finish() };
}

describe("golden fixtures through the wasm build", () => {
  const all = goldens();
  const random = seeded("golden fixtures");

  it("finds the golden fixtures", () => {
    assert.ok(all.length > 20, `only ${all.length} golden fixtures`);
  });

  for (const { name, input, golden } of all) {
    it(name, () => {
      const options = golden.options ?? {};
      const whole = run(options, [input], true);
      const expected = rounded(golden.records);
      assert.deepEqual(rounded(whole.records), expected, "records");
      assert.deepEqual(whole.report.stats.formats, golden.formats, "formats");
      assert.deepEqual(whole.report.stats.skipped, golden.skipped, "skipped");

      const pieces = run(options, randomChunks(input, random, 4096), true);
      assert.deepEqual(rounded(pieces.records), expected, "records, random chunks");

      const prefiltered = run(options, [input], false);
      assert.deepEqual(prefiltered.report.findings, whole.report.findings, "prefilter");

      for (const profile of Object.keys(golden.findings ?? {})) {
        const found = run({ ...options, profile }, [input], false).report.findings;
        assert.deepEqual(found, golden.findings[profile], `${profile} findings`);
      }
    });
  }
});
