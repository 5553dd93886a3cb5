// Records per second of the Fluent Bit filter call, under Node's WASI, with the call
// sequence Fluent Bit uses (malloc and copy of tag and record, the call, the read of the
// NUL-terminated result, two frees). Build first: `make fluentbit`.
//
//   node benches/fluentbit.mjs [records-per-run]
//
// Inputs: the test cases (tests/fluentbit/cases.json, a third of them SMB egress), and,
// when ../shared/corpus (or $SMB_EGRESS_CORPUS) exists, every Zeek conn JSON line of it.

import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";

import { FluentBitHost } from "../tests/fluentbit/host.mjs";

const runs = Number(process.argv[2] ?? 300_000);
const warmUp = 20_000;
const encoder = new TextEncoder();

function host(options) {
  const dir = mkdtempSync(join(tmpdir(), "smb-egress-bench-"));
  writeFileSync(join(dir, "smb-egress.json"), JSON.stringify(options));
  return new FluentBitHost([dir]);
}

function inputs() {
  const cases = JSON.parse(readFileSync(new URL("../tests/fluentbit/cases.json", import.meta.url)));
  const sets = { "test cases (3 of 9 SMB egress)": cases.map((c) => JSON.stringify(c.record)) };
  const corpus = process.env.SMB_EGRESS_CORPUS ?? "../shared/corpus";
  const zeek = join(corpus, "zeek_conn_json");
  if (existsSync(zeek)) {
    const lines = readdirSync(zeek).flatMap((f) =>
      readFileSync(join(zeek, f), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{")),
    );
    sets[`corpus Zeek conn JSON (${lines.length} records)`] = lines;
  }
  return Object.entries(sets).map(([name, records]) => [
    name,
    records.map((r) => encoder.encode(r)),
  ]);
}

function measure(filter, records) {
  for (let i = 0; i < warmUp; i++) filter.call(records[i % records.length]);
  let bytes = 0;
  let kept = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    const record = records[i % records.length];
    bytes += record.length;
    if (filter.call(record) !== "") kept++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: Math.round(runs / seconds), mbPerSecond: bytes / seconds / 1e6, kept };
}

const cpu = cpus();
console.log(`command: node benches/fluentbit.mjs ${runs}`);
console.log(
  `machine: ${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
for (const [name, records] of inputs()) {
  for (const mode of ["findings", "annotate"]) {
    const result = measure(host({ mode }), records);
    console.log(
      `${name}, mode ${mode}: ${result.perSecond} records/s ` +
        `(${result.mbPerSecond.toFixed(1)} MB/s of records, ${result.kept} of ${runs} kept)`,
    );
  }
}
