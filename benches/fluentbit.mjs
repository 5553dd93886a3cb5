// Records per second of the Fluent Bit filter call, under Node's WASI. Build first:
// `make fluentbit`.
//
//   node benches/fluentbit.mjs [records-per-run]
//
// Each input is timed twice:
// - the call as Fluent Bit makes it: the tag and the record copied, NUL-terminated, into
//   memory from the module's `malloc`, the call, the length of the NUL-terminated result
//   found, both copies freed. The tag and the records are encoded to UTF-8 once, before
//   the timed loop, as Fluent Bit holds them as bytes already (it renders each record to
//   JSON, and reads the result back, outside the module: not timed either);
// - the module alone: every record copied into the module's memory once, before the
//   timed loop, which then makes the filter call only.
// Each rate is given per second of wall time and per second of the process's CPU time
// (user and system), which varies less on a shared machine; the host's share of the
// call is taken from the CPU times.
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
  const sets = {
    "test cases (3 of 9 SMB egress)": cases.map((c) => JSON.stringify(c.record)),
  };
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

const tag = encoder.encode("zeek.conn");

/** Runs `call` on `runs` records after the warm-up; `call` says whether it kept one. */
function timed(records, call) {
  for (let i = 0; i < warmUp; i++) call(i % records.length);
  let bytes = 0;
  let kept = 0;
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const index = i % records.length;
    bytes += records[index].length;
    if (call(index)) kept++;
  }
  const cpu = process.cpuUsage(cpuStarted);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    perSecond: Math.round(runs / seconds),
    perCpuSecond: Math.round(runs / ((cpu.user + cpu.system) / 1e6)),
    mbPerSecond: bytes / seconds / 1e6,
    kept,
  };
}

/** The whole call, as Fluent Bit makes it. */
function measureCall(host, records) {
  return timed(records, (index) => {
    const { start, end } = host.callBytes(tag, records[index]);
    return end > start;
  });
}

/** The filter function alone, on records copied into the module's memory beforehand. */
function measureModule(host, records) {
  const tagPointer = host.copyIn(tag);
  const pointers = records.map((record) => host.copyIn(record));
  const result = timed(records, (index) => {
    const at = host.filter(
      tagPointer,
      tag.length,
      1709028000,
      0,
      pointers[index],
      records[index].length,
    );
    return host.bytes()[at >>> 0] !== 0;
  });
  for (const pointer of [tagPointer, ...pointers]) host.exports.free(pointer);
  return result;
}

const cpu = cpus();
console.log(`command: node benches/fluentbit.mjs ${runs}`);
console.log(
  `machine: ${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
for (const [name, records] of inputs()) {
  for (const mode of ["findings", "annotate"]) {
    const call = measureCall(host({ mode }), records);
    const module = measureModule(host({ mode }), records);
    const hostShare = 1 - call.perCpuSecond / module.perCpuSecond;
    console.log(
      `${name}, mode ${mode}: ${call.perSecond} records/s ` +
        `(${call.perCpuSecond} per CPU second, ${call.mbPerSecond.toFixed(1)} MB/s of records, ` +
        `${call.kept} of ${runs} kept); module alone ${module.perSecond} records/s ` +
        `(${module.perCpuSecond} per CPU second), host ${Math.round(hostShare * 100)}% of the call`,
    );
  }
}
