// The `smb-egress` command, run as a user runs it, on the bundled sample and on the
// corpus copies under tests/fixtures: every output mode, the options, several files as
// one analysis, standard input, gzip, --jobs, and the exit statuses.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";

import {
  CLI,
  fixtureLogs,
  lineCuts,
  ROOT,
  SAMPLE,
  SAMPLE_FINDINGS,
  sampleBytes,
} from "./helpers.mjs";

const TMP = mkdtempSync(join(tmpdir(), "smb-egress-cli-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** Runs the command with `args`, from the repository's root. */
function cli(args, { input, env = {} } = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 << 20,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the command and parses its JSON report, which it must give with status 0. */
function report(args, options) {
  const run = cli(["--output", "json", ...args], options);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

function sources(r) {
  return r.findings.map((f) => f.src_ip);
}

function temp(name, content) {
  const path = join(TMP, name);
  writeFileSync(path, content);
  return path;
}

const sample = report([SAMPLE]);

describe("outputs", () => {
  it("json is the default when standard output is not a terminal", () => {
    const run = cli([SAMPLE]);
    assert.equal(run.status, 0);
    assert.deepEqual(JSON.parse(run.stdout), sample);
    assert.deepEqual(sources(sample), SAMPLE_FINDINGS);
    assert.equal(run.stderr, "", "no progress bar when standard error is not a terminal");
  });

  it("table shows one row per finding and a summary", () => {
    const run = cli(["--output", "table", SAMPLE]);
    assert.equal(run.status, 0);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0], /^src_ip\s+start_time\s+end_time\s+action/);
    assert.match(lines[1], /^-+\s+-+/);
    for (const [i, src] of SAMPLE_FINDINGS.entries()) {
      assert.ok(lines[2 + i].startsWith(src), lines[2 + i]);
    }
    assert.match(run.stdout, /4 finding\(s\)/);
  });

  it("ndjson gives one finding a line", () => {
    const run = cli(["--output", "ndjson", SAMPLE]);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(sources({ findings: lines }), SAMPLE_FINDINGS);
  });

  it("csv has the profile's columns as its header", () => {
    const run = cli(["--output", "csv", "--profile", "escu", SAMPLE]);
    assert.equal(run.status, 0);
    assert.ok(
      run.stdout.startsWith(
        "src_ip,start_time,end_time,action,app,dest_ip,dest_port,sourcetype,count\r\n",
      ),
    );
    for (const src of sources(report(["--profile", "escu", SAMPLE]))) {
      assert.ok(run.stdout.includes(`\r\n${src},`), src);
    }
  });

  it("records gives every normalized record", () => {
    const run = cli(["--output", "records", SAMPLE]);
    assert.equal(run.status, 0);
    const records = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const lines = sampleBytes().toString("utf8").trim().split("\n");
    assert.equal(records.length, lines.filter((l) => !l.startsWith("#")).length);
    assert.ok(records.every((r) => typeof r.sourcetype === "string"));
  });
});

describe("a large report", () => {
  // 20,000 sources reaching the Internet over SMB: a report of megabytes, which the
  // command writes out piece by piece.
  const rows = [];
  for (let i = 0; i < 20000; i++) {
    const src = `10.${(i >> 8) & 255}.${i & 255}.7`;
    rows.push(`${1709028000 + i}\tC${i}\t${src}\t5${i % 9999}\t81.169.238.17\t445\ttcp`);
  }
  const fields = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto";
  const path = temp("many.log", `${fields}\n${rows.join("\n")}\n`);

  it("is written whole, to a pipe and to a file", () => {
    const piped = cli(["--output", "json", path]);
    assert.equal(piped.status, 0, piped.stderr);
    assert.ok(piped.stdout.length > 2 << 20, `${piped.stdout.length} bytes`);
    assert.equal(JSON.parse(piped.stdout).findings.length, 20000);
    const file = join(TMP, "many.csv");
    const run = spawnSync("sh", [
      "-c",
      '"$0" "$1" --output csv "$2" > "$3"',
      process.execPath,
      CLI,
      path,
      file,
    ]);
    assert.equal(run.status, 0, String(run.stderr));
    const csv = cli(["--output", "csv", path]).stdout;
    assert.equal(readFileSync(file, "utf8"), csv);
    // A reader that starts late: the pipe fills, and the command waits for it.
    const late = join(TMP, "late.csv");
    const slow = '"$0" "$1" --output csv "$2" | (sleep 1; cat > "$3")';
    const waited = spawnSync("sh", ["-c", slow, process.execPath, CLI, path, late]);
    assert.equal(waited.status, 0, String(waited.stderr));
    assert.equal(readFileSync(late, "utf8"), csv);
    assert.equal(csv.trimEnd().split("\n").length, 20001);
  });

  it("is written whole to a stream that main is given", async () => {
    const { main } = await import(CLI);
    const chunks = [];
    const out = new PassThrough();
    out.on("data", (chunk) => chunks.push(chunk));
    const err = new PassThrough();
    const status = await main(["node", "smb-egress", "--output", "ndjson", path], { out, err });
    assert.equal(status, 0);
    const text = Buffer.concat(chunks).toString("utf8");
    assert.equal(text, cli(["--output", "ndjson", path]).stdout);
    assert.equal(text.trimEnd().split("\n").length, 20000);
  });

  it("ends quietly when the reader stops reading", () => {
    for (const output of ["json", "csv", "records"]) {
      const run = spawnSync("bash", [
        "-c",
        'set -o pipefail; "$0" "$1" --output "$3" "$2" | head -c 100 > /dev/null',
        process.execPath,
        CLI,
        path,
        output,
      ]);
      assert.equal(run.status, 0, `${output}: ${run.stderr}`);
      assert.equal(String(run.stderr), "", output);
    }
  });
});

describe("inputs", () => {
  const bytes = sampleBytes();
  const [cut] = lineCuts(bytes, 2);
  const first = temp("first.log", bytes.subarray(0, cut));
  const second = temp("second.log", bytes.subarray(cut));

  it("several files are one analysis", () => {
    const both = report([first, second]);
    assert.deepEqual(both.findings, sample.findings);
    assert.equal(both.stats.lines, sample.stats.lines);
    assert.deepEqual(Object.keys(both.stats.files), [first, second]);
  });

  it("reads standard input when given no file or -", () => {
    const piped = report([], { input: bytes });
    assert.deepEqual(piped.findings, sample.findings);
    const mixed = report([first, "-"], { input: bytes.subarray(cut) });
    assert.deepEqual(mixed.findings, sample.findings);
  });

  it("reads gzip files", () => {
    const gz = temp("office.log.gz", gzipSync(bytes));
    assert.deepEqual(report([gz]).findings, sample.findings);
  });

  it("reads every corpus fixture", () => {
    const logs = fixtureLogs();
    if (logs.length === 0) {
      return;
    }
    const all = report(logs);
    assert.ok(all.stats.records > 0);
    assert.deepEqual(Object.keys(all.stats.files), logs);
  });
});

describe("--jobs", () => {
  const env = { SMB_EGRESS_MIN_PART_BYTES: "40000" };

  it("gives exactly the report of one pass, over files and byte ranges", () => {
    const inputs = [SAMPLE, ...fixtureLogs()];
    const one = report(inputs);
    for (const jobs of ["2", "3"]) {
      assert.deepEqual(report(["--jobs", jobs, ...inputs], { env }), one, `--jobs ${jobs}`);
    }
  });

  it("keeps a Zeek TSV header for the ranges after it", () => {
    const header =
      "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n" +
      "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\n";
    const rows = [];
    for (let i = 0; i < 3000; i++) {
      const outbound = i % 500 === 0;
      const src = `10.20.10.${outbound ? 201 + i / 500 : i % 200}`;
      const dest = outbound ? "81.169.238.17" : "10.20.1.20";
      rows.push(`1710230400.${i}\tC${i}\t${src}\t${50000 + i}\t${dest}\t445\ttcp`);
    }
    const tsv = temp("conn.log", header + rows.join("\n") + "\n");
    const one = report([tsv]);
    assert.equal(one.findings.length, 6);
    assert.deepEqual(report(["--jobs", "3", tsv], { env }), one);
  });

  it("reads a pipe named as a file to its end", { skip: process.platform === "win32" }, () => {
    // The sample twice: as a file, and through a pipe opened by its name.
    const piped = (jobs) => {
      const script = 'cat "$2" | "$0" "$1" --output json --jobs "$3" "$2" /dev/stdin';
      const run = spawnSync("bash", ["-c", script, process.execPath, CLI, SAMPLE, jobs], {
        encoding: "utf8",
        env: { ...process.env, ...env },
      });
      assert.equal(run.status, 0, run.stderr);
      return JSON.parse(run.stdout);
    };
    const one = piped("1");
    assert.equal(one.stats.files["/dev/stdin"].bytes, sampleBytes().length);
    assert.deepEqual(piped("2"), one);
  });
});

describe("options", () => {
  it("--profile, --include-blocked, --ports, --require-established", () => {
    assert.equal(report(["--profile", "escu", SAMPLE]).profile, "escu");
    assert.ok(sources(report(["--include-blocked", SAMPLE])).includes("10.20.10.58"));
    assert.equal(
      report(["--ports", "8445", SAMPLE]).stats.candidates < sample.stats.candidates,
      true,
    );
    const established = report(["--require-established", SAMPLE]);
    assert.ok(established.stats.finding_records < sample.stats.finding_records);
  });

  it("--internal (repeatable and comma-separated), --assets and --allow", () => {
    const internal = report([
      "--internal",
      "10.20.10.0/24",
      "--internal",
      "10.99.0.0/16,fd99::/16",
      SAMPLE,
    ]);
    assert.deepEqual(sources(internal), ["10.20.10.112", "10.20.10.37"]);
    const assets = temp("assets.csv", "nt_host,category,ip\nbackup,internal|cloud,20.150.71.36\n");
    const withAssets = report(["--profile", "escu", "--assets", assets, SAMPLE]);
    assert.ok(!sources(withAssets).includes("10.20.1.20"));
    const allow = temp("allow.txt", "# nightly backup\ndest 20.150.71.36\n");
    assert.ok(!sources(report(["--allow", allow, SAMPLE])).includes("10.20.1.20"));
  });

  it("--tz, --year, --sourcetype and --format", () => {
    assert.equal(report(["--tz", "+02:00", SAMPLE]).time_offset, "+02:00");
    const renamed = report(["--sourcetype", "office:mixed", SAMPLE]);
    assert.ok(renamed.findings.every((f) => f.sourcetype.join() === "office:mixed"));
    const asa = report(["--format", "cisco-asa", SAMPLE]);
    assert.deepEqual(Object.keys(asa.stats.formats), ["cisco-asa"]);
    const yearless = temp(
      "yearless.log",
      "Mar 12 10:00:00 fw-edge-01 : %ASA-6-302013: Built outbound TCP connection 1 for " +
        "outside:81.169.238.17/445 (81.169.238.17/445) to inside:10.20.10.5/50000 (62.216.205.40/50000)\n",
    );
    assert.equal(
      report(["--year", "2021", yearless]).findings[0].start_time,
      "2021-03-12T10:00:00",
    );
  });
});

describe("exit statuses", () => {
  it("0 after a run with no findings, with --help and with --version", () => {
    const empty = temp("empty.log", "");
    assert.equal(cli([empty]).status, 0);
    const help = cli(["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: smb-egress/);
    assert.match(help.stdout, /zeek-conn/);
    const version = cli(["--version"]);
    assert.equal(version.status, 0);
    assert.equal(version.stdout.trim(), "0.1.0");
  });

  it("2 for bad usage or configuration, with the reason", () => {
    const cases = [
      [["--nope", SAMPLE], /--nope/],
      [["--profile", "splunk", SAMPLE], /splunk/],
      [["--output", "xml", SAMPLE], /xml/],
      [["--internal", "10.0.0.0/33", SAMPLE], /option --internal: .*10\.0\.0\.0\/33/],
      [["--ports", "0", SAMPLE], /ports/],
      [["--tz", "CET", SAMPLE], /option --tz: /],
      [["--year", "soon", SAMPLE], /year/],
      [["--format", "syslog", SAMPLE], /syslog/],
      [["--jobs", "0", SAMPLE], /jobs/],
      [["--assets", join(TMP, "missing.csv"), SAMPLE], /missing\.csv/],
      [["--allow", temp("bad-allow.txt", "permit everything\n"), SAMPLE], /permit/],
    ];
    for (const [args, pattern] of cases) {
      const run = cli(args);
      assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.equal(run.stdout, "");
    }
  });

  it("1 when an input cannot be read", () => {
    const missing = cli([SAMPLE, join(TMP, "missing.log")]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /missing\.log/);
    const dir = join(TMP, "a-directory");
    mkdirSync(dir, { recursive: true });
    assert.equal(cli([dir]).status, 1);
    const broken = temp("broken.log.gz", gzipSync(sampleBytes()).subarray(0, 3000));
    const run = cli([broken]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /broken\.log\.gz/);
  });
});
