// The demo in headless Chromium: files dropped on the page give the command line's
// report; a 200 MB file streams through with progress and bounded memory; a run can be
// cancelled; log values are shown as text; and nothing is requested off the origin.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";

import {
  ROOT,
  analyze,
  WWW,
  cliReport,
  exported,
  finished,
  fixtureLogs,
  openDemo,
  rendererMemory,
  skip,
  start,
  tableCells,
  tableHeader,
} from "./browser.mjs";
import { writeConnLog } from "./generate.mjs";
import { COLUMNS, cellText } from "../lib/table.js";

const SAMPLE = join(ROOT, "samples", "office-network.log");

/** The report without what names the files (paths for the CLI, names in the page). */
function comparable(report) {
  const { files, skipped_samples: samples, ...stats } = report.stats;
  const unnamed = samples.map(({ file, ...sample }) => sample);
  return { ...report, stats: { ...stats, files: Object.keys(files).length, samples: unnamed } };
}

/** Fills the settings form. */
async function settle(page, settings) {
  const { profile, compare, internal, ports, includeBlocked, requireEstablished } = settings;
  await page.selectOption("#profile", profile ?? "default");
  await page.setChecked("#compare", compare ?? true);
  await page.fill("#internal", internal ?? "");
  await page.fill("#ports", ports ?? "");
  await page.setChecked("#includeBlocked", includeBlocked ?? false);
  await page.setChecked("#requireEstablished", requireEstablished ?? false);
  await page.fill("#tz", settings.tz ?? "");
  await page.fill("#allow", settings.allow ?? "");
  await page.setInputFiles("#assets", settings.assets ? [settings.assets] : []);
}

/** Drops `files` on the page with `settings` and checks it against the command line. */
async function matchesCli(page, files, settings, flags) {
  await settle(page, settings);
  await analyze(page, files);
  assert.equal(await finished(page), "done", await page.textContent("#error"));
  const expected = await cliReport(files, flags);
  const report = JSON.parse(await exported(page, "json"));
  assert.deepEqual(comparable(report), comparable(expected));
  const columns = COLUMNS[expected.profile];
  assert.deepEqual(await tableHeader(page), columns);
  const rows = expected.findings.map((f) => columns.map((c) => cellText(f[c])));
  assert.deepEqual(await tableCells(page), rows);
  return { report, expected };
}

describe("the browser demo", { skip, timeout: 300_000 }, () => {
  let env;
  let dir;

  before(async () => {
    env = await start();
    dir = mkdtempSync(join(tmpdir(), "smb-egress-www-"));
  });

  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the command line's findings for the corpus, in both profiles", async () => {
    const { page, errors } = await openDemo(env);
    const files = fixtureLogs();
    await matchesCli(page, files, {}, []);
    await matchesCli(page, files, { profile: "escu" }, ["--profile", "escu"]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("passes every setting on as the command line's flags do", async () => {
    const { page } = await openDemo(env);
    const assets = join(dir, "assets.csv");
    writeFileSync(assets, "ip,category\n20.150.71.36,internal|storage\n10.20.10.0/24,internal\n");
    const allow = "# the backup service\ndest 81.169.238.0/24\nsrc 10.20.1.20\n";
    writeFileSync(join(dir, "allow.txt"), allow);
    const settings = {
      internal: "10.20.0.0/16, fd20::/16",
      ports: "139,445,8445",
      includeBlocked: true,
      tz: "+02:00",
      allow,
      assets,
    };
    const flags = [
      "--internal",
      "10.20.0.0/16,fd20::/16",
      "--ports",
      "139,445,8445",
      "--include-blocked",
      "--tz",
      "+02:00",
      "--allow",
      join(dir, "allow.txt"),
      "--assets",
      assets,
    ];
    const { report } = await matchesCli(page, [SAMPLE], settings, flags);
    assert.equal(report.time_offset, "+02:00");
    await matchesCli(page, [SAMPLE], { ...settings, requireEstablished: true, profile: "escu" }, [
      ...flags,
      "--require-established",
      "--profile",
      "escu",
    ]);
    await page.close();
  });

  it("takes files dropped on it, and names a setting it cannot use", async () => {
    const { page } = await openDemo(env);
    await settle(page, {});
    const text = readFileSync(SAMPLE, "utf8");
    const dropped = await page.evaluateHandle((content) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([content], "office-network.log", { type: "text/plain" }));
      return transfer;
    }, text);
    await page.dispatchEvent("#drop", "drop", { dataTransfer: dropped });
    assert.equal(await finished(page), "done");
    const expected = await cliReport([SAMPLE]);
    assert.deepEqual(await tableCells(page), expected.findings.map(row("default")));
    assert.match(await page.textContent("#file-list"), /office-network\.log/);

    await settle(page, { internal: "10.0.0.0/33" });
    await page.click("#run");
    assert.equal(await finished(page), "error");
    assert.match(await page.textContent("#error"), /10\.0\.0\.0\/33/);
    await page.close();
  });

  it("reads gzip, and compares the profiles source by source", async () => {
    const { page } = await openDemo(env);
    const gz = join(dir, "office-network.log.gz");
    writeFileSync(gz, gzipSync(readFileSync(SAMPLE)));
    await settle(page, {});
    await analyze(page, [gz]);
    assert.equal(await finished(page), "done");
    const expected = await cliReport([SAMPLE]);
    const escu = await cliReport([SAMPLE], ["--profile", "escu"]);
    assert.deepEqual(await tableCells(page), expected.findings.map(row(expected.profile)));

    const theirs = new Set(expected.findings.map((f) => f.src_ip));
    const escuOnly = escu.findings.map((f) => f.src_ip).filter((s) => !theirs.has(s));
    const listed = await page.$$eval("#comparison .side:first-of-type details.source", (items) =>
      items.map((item) => item.dataset.src),
    );
    assert.deepEqual(listed, escuOnly);
    const reasons = await page.$$eval("#comparison .side:first-of-type .reason", (items) =>
      items.map((item) => item.textContent),
    );
    assert.ok(reasons.length >= escuOnly.length);
    assert.ok(reasons.every((r) => /^[a-z_]+$/.test(r)));

    await page.click("#view-switch button:nth-child(2)");
    assert.deepEqual(await tableCells(page), escu.findings.map(row("escu")));
    await page.close();
  });

  it("shows a log's markup as text", async () => {
    const { page } = await openDemo(env);
    const markup = '<img src="x" onerror="window.pwned = 1">';
    const line = {
      _time: 1709028000,
      src_ip: markup,
      dest_ip: "81.169.238.17",
      dest_port: 445,
      transport: "tcp",
      action: "allowed",
      app: "smb<b>bold</b>",
      sourcetype: "<script>window.pwned = 2</script>",
    };
    const bad = "<svg onload=window.pwned=3> 445";
    const file = join(dir, "<img src=x onerror=window.pwned=4>.log");
    writeFileSync(file, `${JSON.stringify(line)}\n${bad}\n`);
    await settle(page, { profile: "escu" });
    await analyze(page, [file]);
    assert.equal(await finished(page), "done");
    const [cells] = await tableCells(page);
    assert.equal(cells[0], markup);
    assert.equal(cells[4], "smb<b>bold</b>");
    assert.equal(cells[7], line.sourcetype);
    await page.click("#findings-table tbody tr.finding");
    const found = await page.evaluate(() => ({
      pwned: window.pwned,
      elements: document.querySelectorAll("main img, main b, main i, main script, svg svg").length,
      files: document.querySelector("#file-list").textContent,
    }));
    assert.deepEqual(found, { pwned: undefined, elements: 0, files: found.files });
    assert.ok(found.files.includes("<img src=x onerror=window.pwned=4>.log"));
    await page.close();
  });

  it("streams a 200 MB file with progress, in bounded memory, and cancels", async () => {
    const big = join(dir, "conn.log");
    const seed = Number(process.env.SMB_EGRESS_SEED ?? Date.now() % 1_000_000);
    console.log(`# 200 MB file: SMB_EGRESS_SEED=${seed}`);
    const expected = await writeConnLog(big, 200_000_000, seed);
    const { page } = await openDemo(env);
    await settle(page, {});
    const cdp = await env.context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const heap = async () => {
      const { metrics } = await cdp.send("Performance.getMetrics");
      return metrics.find((m) => m.name === "JSHeapUsedSize").value;
    };
    const baseline = rendererMemory(process.pid);
    const values = new Set();
    let peak = 0;
    let heapPeak = 0;
    const started = Date.now();
    await analyze(page, [big]);
    const ended = () => ["done", "error", "cancelled"].includes(document.body.dataset.state);
    while (!(await page.evaluate(ended))) {
      values.add(await page.evaluate(() => document.querySelector("#progress").value));
      peak = Math.max(peak, rendererMemory(process.pid));
      heapPeak = Math.max(heapPeak, await heap());
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = (Date.now() - started) / 1000;
    assert.equal(await finished(page), "done", await page.textContent("#error"));
    const report = JSON.parse(await exported(page, "json"));
    const mib = (n) => Math.round(n / 2 ** 20);
    console.log(
      `# 200 MB: ${seconds.toFixed(1)} s, ${values.size} progress values; renderers ` +
        `${mib(baseline)} MiB before, peak ${mib(peak)} MiB; page heap peak ${mib(heapPeak)} MiB`,
    );
    assert.deepEqual(
      report.findings.map((f) => f.src_ip),
      expected.sources,
    );
    assert.equal(
      report.findings.reduce((sum, f) => sum + f.count, 0),
      expected.egress,
    );
    assert.ok(values.size >= 4, `progress moved ${values.size} times`);
    assert.ok(peak - baseline < 150 * 2 ** 20, `renderer memory grew ${mib(peak - baseline)} MiB`);
    assert.ok(heapPeak < 50 * 2 ** 20, `page heap reached ${mib(heapPeak)} MiB`);

    await analyze(page, [big]);
    await page.waitForFunction(() => {
      const bar = document.querySelector("#progress");
      return document.body.dataset.state === "running" && bar.value > 0 && bar.value < bar.max;
    });
    await page.click("#cancel");
    const stoppedAt = Date.now();
    assert.equal(await finished(page, 10_000), "cancelled");
    assert.ok(Date.now() - stoppedAt < 3000);
    assert.equal(await page.textContent("#progress-text"), "Cancelled.");
    await analyze(page, [SAMPLE]);
    assert.equal(await finished(page), "done");
    console.log(
      await tableCells(page),
      await page.textContent("#summary"),
      await page.textContent("#file-list"),
    );
    assert.equal((await tableCells(page)).length, 4);
    await page.close();
  });

  it("requests nothing off its origin, and its policy blocks any such request", async () => {
    let hits = 0;
    const other = createServer((_, response) => {
      hits += 1;
      response.end("x");
    });
    await new Promise((resolve) => other.listen(0, "127.0.0.1", resolve));
    const elsewhere = `http://127.0.0.1:${other.address().port}/`;
    const { page } = await openDemo(env);
    await settle(page, {});
    await analyze(page, [SAMPLE]);
    assert.equal(await finished(page), "done");
    const attempt = (url) =>
      fetch(url).then(
        () => "fetched",
        () => "blocked",
      );
    const during = [...env.requests];
    const fromPage = await page.evaluate(attempt, elsewhere);
    const fromWorker = await page.workers()[0].evaluate(attempt, elsewhere);
    await new Promise((resolve) => other.close(resolve));
    assert.deepEqual([fromPage, fromWorker, hits], ["blocked", "blocked", 0]);
    const mine = (url) => url.startsWith(`${env.origin}/`) || url.startsWith(`blob:${env.origin}/`);
    assert.deepEqual(
      during.filter((url) => !mine(url)),
      [],
    );
    assert.ok(env.requests.some((url) => url.endsWith("/js/pkg/smb_egress_bg.wasm")));
    await page.close();
  });

  it("makes the screenshot of a result page", async () => {
    const { page } = await openDemo(env);
    await settle(page, {});
    await analyze(page, [SAMPLE]);
    assert.equal(await finished(page), "done");
    await page.click("#findings-table tbody tr.finding:nth-child(2)");
    await page.locator("#comparison details.source").first().click();
    await page.screenshot({ path: join(WWW, "screenshots", "results.png"), fullPage: true });
    await page.close();
  });
});

function row(profile) {
  return (finding) => COLUMNS[profile].map((c) => cellText(finding[c]));
}
