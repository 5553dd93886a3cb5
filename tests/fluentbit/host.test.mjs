// The Fluent Bit filter module under Node's WASI, called as Fluent Bit calls it, checked
// against the core's own verdicts (expected.json, from `cargo test --test fluentbit_expected`).
// Build the module first: `make fluentbit`.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { FUNCTION_NAME, FluentBitHost } from "./host.mjs";

const here = (name) => new URL(name, import.meta.url);
const cases = JSON.parse(readFileSync(here("cases.json"), "utf8"));
const expected = JSON.parse(readFileSync(here("expected.json"), "utf8"));

/** A host whose only accessible path holds the given files. */
function hostWith(files) {
  const dir = mkdtempSync(join(tmpdir(), "smb-egress-fb-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return new FluentBitHost([dir]);
}

const config = (options) => ({ "smb-egress.json": JSON.stringify(options) });

/** Checks a kept record: its own fields unchanged, the verdict the core gave. */
function checkAnnotated(name, record, output, want) {
  const out = JSON.parse(output);
  for (const [key, value] of Object.entries(record)) {
    assert.deepEqual(out[key], value, `${name}: field ${key} changed`);
  }
  const verdict = out.smb_egress;
  assert.equal(verdict.verdict, want.verdict, name);
  if (want.verdict === "unread") return verdict;
  assert.equal(verdict.profile, "default", name);
  assert.equal(verdict.format, want.format, name);
  assert.equal(verdict.record.src_ip, want.src_ip, name);
  assert.equal(verdict.record.dest_ip, want.dest_ip, name);
  assert.equal(verdict.record.dest_port, want.dest_port, name);
  if (want.verdict === "excluded") assert.equal(verdict.reason, want.exclusion, name);
  if (want.verdict !== "not_candidate") assert.deepEqual(verdict.mitre, ["T1187", "T1071.002"]);
  return verdict;
}

test("exports the filter function, malloc and free with Fluent Bit's arities", () => {
  const host = hostWith(config({}));
  assert.equal(host.exports[FUNCTION_NAME].length, 6);
  assert.equal(host.exports.malloc.length, 1);
  assert.equal(host.exports.free.length, 1);
  assert.ok(host.exports.memory instanceof WebAssembly.Memory);
});

test("the cases cover each verdict", () => {
  const verdicts = new Set(Object.values(expected).map((e) => e.verdict));
  for (const v of ["finding", "excluded", "not_candidate", "unread"]) assert.ok(verdicts.has(v), v);
  assert.deepEqual(Object.keys(expected).sort(), cases.map((c) => c.name).sort());
});

test("findings mode keeps findings, annotated, and drops every other record", () => {
  const host = hostWith(config({}));
  for (const { name, record } of cases) {
    const want = expected[name];
    const output = host.call(JSON.stringify(record));
    if (want.verdict !== "finding") {
      assert.equal(output, "", `${name} (${want.verdict}) should be dropped`);
      continue;
    }
    const verdict = checkAnnotated(name, record, output, want);
    assert.equal(verdict.dest_class, "internet", name);
    assert.match(verdict.reason, /from internal .* to Internet address/, name);
  }
});

test("annotate mode keeps every record with the core's verdict", () => {
  const host = hostWith(config({ mode: "annotate" }));
  for (const { name, record } of cases) {
    checkAnnotated(name, record, host.call(JSON.stringify(record)), expected[name]);
  }
});

test("a custom key, and blocked attempts as findings with includeBlocked", () => {
  const host = hostWith(config({ key: "smb", includeBlocked: true }));
  const refused = cases.find((c) => c.name === "zeek-smb-refused");
  if (expected["zeek-smb-refused"].exclusion !== "blocked") return;
  const out = JSON.parse(host.call(JSON.stringify(refused.record)));
  assert.equal(out.smb.verdict, "finding");
  assert.equal(out.smb.record.action, "blocked");
});

test("assetsFile is read beside the configuration file", () => {
  const egress = cases.find((c) => c.name === "zeek-smb-egress");
  const dest = expected["zeek-smb-egress"].dest_ip;
  const host = hostWith({
    ...config({ mode: "annotate", internal: ["10.0.0.0/8"], assetsFile: "assets.csv" }),
    "assets.csv": `ip,category\n${dest},internal|file_server\n`,
  });
  const out = JSON.parse(host.call(JSON.stringify(egress.record)));
  assert.equal(out.smb_egress.verdict, "excluded");
  assert.equal(out.smb_egress.reason, "internal_category");
});

test("a record of 100 kB is kept whole", () => {
  const host = hostWith(config({}));
  const egress = cases.find((c) => c.name === "zeek-smb-egress");
  const big = { ...egress.record, note: "x".repeat(100_000) };
  const text = JSON.stringify(big);
  assert.ok(text.length > 100_000);
  const out = JSON.parse(host.call(text));
  assert.equal(out.note.length, 100_000);
  assert.equal(out.smb_egress.verdict, "finding");
  const dns = { ...cases.find((c) => c.name === "zeek-dns").record, note: "y".repeat(100_000) };
  assert.equal(host.call(JSON.stringify(dns)), "");
});

test("a bad configuration file passes every record through with the error", () => {
  const host = hostWith(config({ profile: "strict" }));
  for (const { name, record } of cases) {
    const out = JSON.parse(host.call(JSON.stringify(record)));
    const { smb_egress: verdict, ...rest } = out;
    assert.deepEqual(rest, record, name);
    assert.match(verdict.error, /smb-egress\.json: option `profile`/);
  }
});

test("a missing configuration file passes every record through with the error", () => {
  const host = hostWith({});
  const out = JSON.parse(host.call('{"a":1}'));
  assert.equal(out.a, 1);
  assert.match(out.smb_egress.error, /no smb-egress\.json in the filter's Accessible_Paths/);
});

test("a million small records: verdicts hold and memory stops growing", () => {
  const host = hostWith(config({}));
  const small = cases;
  const encoded = small.map(({ record }) => new TextEncoder().encode(JSON.stringify(record)));
  const findings = small.map(({ name }) => expected[name].verdict === "finding");
  const total = 1_000_000;
  const warmUp = 100_000;
  let kept = 0;
  let wantKept = 0;
  let afterWarmUp = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    const index = i % encoded.length;
    if (host.call(encoded[index]) !== "") kept++;
    if (findings[index]) wantKept++;
    if (i + 1 === warmUp) afterWarmUp = host.memoryBytes();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.equal(kept, wantKept);
  assert.equal(host.memoryBytes(), afterWarmUp, "memory grew after the warm-up");
  console.log(
    `# ${total} records in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), ` +
      `kept ${kept}, memory ${afterWarmUp} bytes after ${warmUp} and after ${total}`,
  );
});
