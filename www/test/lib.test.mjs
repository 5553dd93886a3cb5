// The page's pure parts in Node: settings as options, times and sizes, the verdicts'
// destinations and comparison, the timeline's buckets, the table's order and filter,
// and the sentences that explain a report.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { explain } from "../lib/explain.js";
import { bytes, duration, offsetSeconds, time } from "../lib/format.js";
import { toOptions } from "../lib/settings.js";
import { MAX_ROWS, cellText, visibleRows } from "../lib/table.js";
import { MAX_BUCKETS, MAX_SOURCES, Timeline } from "../lib/timeline.js";
import {
  COMPARISON_CAPS,
  Comparison,
  Destinations,
  byteOrder,
  isFinding,
  splitLines,
} from "../lib/verdicts.js";

describe("settings", () => {
  it("become the options the command line passes", () => {
    const cases = [
      [{}, { includeBlocked: false, requireEstablished: false }],
      [
        { profile: "escu", internal: " 10.0.0.0/8,\n172.16.0.0/12  fd00::/8 ", ports: " 139,445 " },
        {
          profile: "escu",
          internal: ["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"],
          ports: "139,445",
          includeBlocked: false,
          requireEstablished: false,
        },
      ],
      [
        { format: "auto", tz: "", year: " 2023 ", allow: "src 10.1.0.0/16\n", includeBlocked: 1 },
        { year: 2023, allow: "src 10.1.0.0/16\n", includeBlocked: true, requireEstablished: false },
      ],
      [
        { format: "cisco-asa", year: "last", sourcetype: " fw ", assets: "ip,category\n" },
        {
          format: "cisco-asa",
          year: "last",
          sourcetype: "fw",
          assets: "ip,category\n",
          includeBlocked: false,
          requireEstablished: false,
        },
      ],
    ];
    for (const [values, options] of cases) {
      assert.deepEqual(toOptions(values), options);
    }
  });
});

describe("format", () => {
  it("writes times as the report does, at an offset, sub-seconds cut", () => {
    assert.equal(time(1709028000.9), "2024-02-27T10:00:00");
    assert.equal(time(1709028000.9, "+02:00"), "2024-02-27T12:00:00");
    assert.equal(time(1709028000, "-05:30"), "2024-02-27T04:30:00");
    assert.equal(time(undefined), "");
    assert.equal(offsetSeconds("+0100"), 3600);
    assert.equal(offsetSeconds("nonsense"), 0);
  });

  it("writes sizes and durations briefly", () => {
    const cases = [
      [bytes(0), "0 B"],
      [bytes(1536), "1.5 KiB"],
      [bytes(200_000_000), "191 MiB"],
      [duration(0.04), "0.0 s"],
      [duration(3.26), "3.3 s"],
      [duration(45), "45 s"],
      [duration(185), "3 min 5 s"],
      [duration(7830), "2 h 10 min"],
    ];
    for (const [got, expected] of cases) {
      assert.equal(got, expected);
    }
  });
});

const line = (fields) =>
  JSON.stringify({ dest_port: 445, transport: "tcp", action: "allowed", ...fields });

describe("verdicts", () => {
  it("are split into lines and told apart without parsing", () => {
    const finding = line({ src_ip: "10.0.0.1", verdict: "finding" });
    const tricky = line({ src_ip: '"verdict":"finding"', verdict: "excluded", reason: "blocked" });
    assert.deepEqual(splitLines(`${finding}\n${tricky}\n`), [finding, tricky]);
    assert.deepEqual(splitLines(""), []);
    assert.equal(isFinding(finding), true);
    assert.equal(isFinding(tricky), false);
  });

  it("give each source's destinations with ports, records and times", () => {
    const destinations = new Destinations();
    const add = (fields) => destinations.add({ src_ip: "10.0.0.1", verdict: "finding", ...fields });
    add({ dest_ip: "8.8.8.8", dest_port: 445, _time: 20 });
    add({ dest_ip: "8.8.8.8", dest_port: 139, _time: 10 });
    add({ dest: "files.example", dest_port: 445 });
    add({ dest_ip: "1.1.1.1", dest_port: 445, _time: 5, verdict: "excluded" });
    assert.deepEqual(destinations.data(), {
      "10.0.0.1": [
        { dest_ip: "8.8.8.8", ports: ["139", "445"], count: 2, first: 10, last: 20 },
        { dest_ip: "files.example", ports: ["445"], count: 1, first: null, last: null },
      ],
    });
  });

  it("compare the profiles pair by pair, with the other profile's reason", () => {
    const comparison = new Comparison();
    const pair = (src, escu, dflt) => [
      line({ src_ip: src, dest_ip: "203.0.113.5", _time: 1, ...escu }),
      line({ src_ip: src, dest_ip: "203.0.113.5", _time: 1, ...dflt }),
    ];
    const pairs = [
      pair("10.0.0.1", { verdict: "finding" }, { verdict: "finding" }),
      pair(
        "10.0.0.2",
        { verdict: "finding" },
        { verdict: "excluded", reason: "destination_not_global" },
      ),
      pair(
        "10.0.0.2",
        { verdict: "finding" },
        { verdict: "excluded", reason: "destination_not_global" },
      ),
      pair("10.0.0.1", { verdict: "finding" }, { verdict: "not_candidate" }),
      pair("10.0.0.3", { verdict: "not_candidate" }, { verdict: "finding" }),
      pair(
        "10.0.0.4",
        { verdict: "excluded", reason: "blocked" },
        { verdict: "excluded", reason: "blocked" },
      ),
    ];
    comparison.add(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
    const report = (sources) => ({ findings: sources.map((src_ip) => ({ src_ip })) });
    const result = comparison.result(
      report(["10.0.0.1", "10.0.0.2"]),
      report(["10.0.0.1", "10.0.0.3"]),
    );
    assert.deepEqual(
      result.escu.only.map((x) => [x.src_ip, x.records, x.reasons]),
      [["10.0.0.2", 2, { destination_not_global: 2 }]],
    );
    assert.deepEqual(
      result.escu.more.map((x) => [x.src_ip, x.reasons]),
      [["10.0.0.1", { not_candidate: 1 }]],
    );
    assert.deepEqual(
      result.default.only.map((x) => [x.src_ip, x.reasons]),
      [["10.0.0.3", { not_candidate: 1 }]],
    );
    assert.equal(result.escu.only[0].samples[0].reason, "destination_not_global");
    assert.deepEqual(result.default.more, []);

    comparison.add([pairs[0][0]], []);
    assert.equal(comparison.result(report([]), report([])).mismatched, true);
  });

  it("keep at most the capped number of sources in a comparison", () => {
    const comparison = new Comparison();
    const n = COMPARISON_CAPS.sources + 3;
    const escu = [];
    const dflt = [];
    for (let i = 0; i < n; i++) {
      escu.push(line({ src_ip: `198.51.${i >> 8}.${i & 255}`, verdict: "finding" }));
      dflt.push(
        line({
          src_ip: `198.51.${i >> 8}.${i & 255}`,
          verdict: "excluded",
          reason: "source_not_internal",
        }),
      );
    }
    comparison.add(escu, dflt);
    assert.equal(comparison.heldBack, 3);
  });

  it("sort values by their bytes, as the report does", () => {
    const values = ["8.8.8.8", "10.0.0.9", "Zed", "abc", "139", "445", "é"];
    assert.deepEqual(values.sort(byteOrder), [
      "10.0.0.9",
      "139",
      "445",
      "8.8.8.8",
      "Zed",
      "abc",
      "é",
    ]);
  });
});

describe("timeline", () => {
  it("counts records per source and bucket", () => {
    const timeline = new Timeline();
    timeline.add("10.0.0.1", 120);
    timeline.add("10.0.0.1", 150);
    timeline.add("10.0.0.2", 500);
    timeline.add("10.0.0.2", undefined);
    const data = timeline.data();
    assert.equal(data.width, 60);
    assert.deepEqual(
      data.sources.map((s) => [s.source, s.total, s.buckets]),
      [
        ["10.0.0.1", 2, [[120, 2]]],
        ["10.0.0.2", 1, [[480, 1]]],
      ],
    );
    assert.equal(data.untimed, 1);
  });

  it("widens its buckets so that a year of records stays bounded", () => {
    const timeline = new Timeline();
    const year = 365 * 86400;
    for (let t = 0; t < year; t += 3600) {
      timeline.add("10.0.0.1", 1_700_000_000 + t);
    }
    const data = timeline.data();
    const [source] = data.sources;
    assert.ok(source.buckets.length <= MAX_BUCKETS, `${source.buckets.length} buckets`);
    assert.equal(source.total, year / 3600);
    assert.ok(data.width * MAX_BUCKETS >= year);
  });

  it("follows a bounded number of sources and counts the others", () => {
    const timeline = new Timeline();
    for (let i = 0; i < MAX_SOURCES + 5; i++) {
      timeline.add(`s${i}`, 1000);
    }
    assert.equal(timeline.data().sources.length, MAX_SOURCES);
    assert.equal(timeline.data().untracked, 5);
  });
});

describe("findings table", () => {
  const findings = [
    { src_ip: "10.0.0.9", dest_port: ["445"], count: 3, bytes_out: null },
    { src_ip: "10.0.0.10", dest_port: ["139", "445"], count: 12, bytes_out: 5 },
    { src_ip: "fd00::1", dest_port: ["445"], count: 1, bytes_out: 7 },
  ];
  const columns = ["src_ip", "dest_port", "count", "bytes_out"];
  const sources = (rows) => rows.map((f) => f.src_ip);

  it("writes a multivalue cell one value a line, and nothing for a missing value", () => {
    assert.equal(cellText(["139", "445"]), "139\n445");
    assert.equal(cellText(null), "");
    assert.equal(cellText(0), "0");
  });

  it("sorts text by bytes and numbers by value, either way", () => {
    const sorted = (column, descending = false) =>
      sources(visibleRows(findings, columns, { sort: { column, descending } }));
    assert.deepEqual(sorted("src_ip"), ["10.0.0.10", "10.0.0.9", "fd00::1"]);
    assert.deepEqual(sorted("count"), ["fd00::1", "10.0.0.9", "10.0.0.10"]);
    assert.deepEqual(sorted("count", true), ["10.0.0.10", "10.0.0.9", "fd00::1"]);
    assert.deepEqual(sorted("bytes_out"), ["10.0.0.9", "10.0.0.10", "fd00::1"]);
  });

  it("filters on any cell, in any case", () => {
    assert.deepEqual(sources(visibleRows(findings, columns, { text: "139" })), ["10.0.0.10"]);
    assert.deepEqual(sources(visibleRows(findings, columns, { text: " FD00 " })), ["fd00::1"]);
    assert.equal(visibleRows(findings, columns, { text: "nothing" }).length, 0);
    assert.ok(MAX_ROWS >= 100);
  });
});

describe("explain", () => {
  const stats = {
    lines: 10,
    prefiltered_lines: 0,
    records: 5,
    candidates: 3,
    finding_records: 0,
    findings: 0,
    skipped: {},
    excluded: { blocked: 1, destination_internal: 2 },
  };
  const report = (more) => ({ profile: "default", findings: [], stats: { ...stats, ...more } });

  it("says why a report is empty", () => {
    const cases = [
      [{ lines: 0 }, /no lines/],
      [{ records: 0, prefiltered_lines: 10 }, /None of the 10 lines holds an SMB port/],
      [{ records: 0, skipped: { unrecognized: 4 } }, /4 skipped: no supported format/],
      [{ candidates: 0 }, /none of them is SMB under profile default/],
      [{}, /3 SMB records were read, and the profile's rules left every one out/],
    ];
    for (const [more, expected] of cases) {
      assert.match(explain(report(more)).join(" "), expected);
    }
    assert.match(explain(report({})).join(" "), /2: the destination is in the internal set/);
  });

  it("says how many records make the findings", () => {
    const text = explain(report({ findings: 2, finding_records: 7, candidates: 10 })).join(" ");
    assert.match(text, /7 of 10 SMB records are egress, from 2 sources/);
  });
});
