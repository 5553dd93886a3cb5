// The README's Node example, run as written against the built package.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";

import { JS_DIR, ROOT } from "./helpers.mjs";

/** The code block that follows `<!-- example: NAME -->` in the README. */
function example(name) {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const marker = readme.indexOf(`<!-- example: ${name} -->`);
  assert.ok(marker >= 0, `README has no example ${name}`);
  const match = /```js\n([\s\S]*?)```/.exec(readme.slice(marker));
  return match[1];
}

it("the README's Node example prints the sample's findings", () => {
  // Inside js/, `import "smb-egress"` resolves to the package itself.
  const script = join(JS_DIR, `.readme-example-${process.pid}.mjs`);
  writeFileSync(script, example("node"));
  try {
    const run = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    assert.equal(lines[0], "10.20.1.20 allowed,teardown 20.150.71.36");
    assert.ok(lines.some((l) => l.startsWith("10.20.10.58 blocked")));
    assert.match(run.stdout, /destination_internal/);
  } finally {
    rmSync(script, { force: true });
  }
});

it("the quick start shows what the demo prints", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Quick start");
  const shown = /```text\n([\s\S]*?)```/.exec(readme.slice(start))[1].trimEnd().split("\n");
  const cli = join(JS_DIR, "cli.mjs");
  const args = [cli, "--output", "table", "samples/office-network.log"];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const printed = run.stdout.trimEnd().split("\n");
  // The summary as printed; the rows by their sources (the README cuts the columns).
  assert.deepEqual(shown.slice(-2), printed.slice(-2));
  const sources = (lines) => lines.slice(2, -2).map((line) => line.split(" ")[0]);
  assert.deepEqual(sources(shown), sources(printed));
});
