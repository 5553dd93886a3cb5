// How the CLI's `--jobs` splits its input: whether threads pay, and where files are cut.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { MIN_PART_BYTES, plan, worthThreads } from "../lib/parallel.js";

const dir = mkdtempSync(join(tmpdir(), "smb-egress-parallel-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("worthThreads", () => {
  it("keeps inputs under twice the smallest part on one thread", () => {
    assert.equal(worthThreads(100 << 20), false);
    assert.equal(worthThreads(2 * MIN_PART_BYTES - 1), false);
    assert.equal(worthThreads(2 * MIN_PART_BYTES), true);
    assert.equal(worthThreads(1 << 30), true);
    assert.equal(worthThreads(undefined), false, "standard input: size unknown");
    assert.equal(worthThreads(9000, 4096), true);
  });
});

describe("plan", () => {
  it("cuts a large file at line starts into parts of about total / jobs", async () => {
    const line = "1709028000\tC1\t10.0.0.1\t50100\t8.8.8.8\t443\ttcp\n";
    const path = join(dir, "rows.log");
    const header = "#fields\tts\n";
    writeFileSync(path, header + line.repeat(1000));
    const size = header.length + line.length * 1000;
    const parts = await plan([path], 2, 1024);
    assert.equal(parts.length, 2);
    assert.equal(parts[0].start, 0);
    assert.equal(parts[1].end, size);
    assert.equal(parts[0].end, parts[1].start);
    assert.equal((parts[1].start - header.length) % line.length, 0, "a cut at a line start");
    assert.equal(new TextDecoder().decode(parts[1].header), header);
    assert.equal((await plan([path], 2)).length, 1, "small against MIN_PART_BYTES");
  });
});
