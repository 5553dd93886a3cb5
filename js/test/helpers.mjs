// Shared by the package's tests: paths, the bundled sample, and a seeded generator.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const JS_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(JS_DIR);
export const SAMPLE = join(ROOT, "samples", "office-network.log");
export const CLI = join(JS_DIR, "cli.mjs");

/** The sources that have findings in the bundled sample under the default profile. */
export const SAMPLE_FINDINGS = ["10.20.1.20", "10.20.10.112", "10.20.10.37", "fd20:10::5c"];

export function sampleBytes() {
  return readFileSync(SAMPLE);
}

/** Log files under tests/fixtures (golden files and notes left out), sorted. */
export function fixtureLogs() {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else if (!/\.(golden\.json|md)$/.test(name)) {
        found.push(path);
      }
    }
  };
  walk(join(ROOT, "tests", "fixtures"));
  return found.sort();
}

/**
 * A seeded generator of whole numbers below `n`. The seed comes from
 * SMB_EGRESS_SEED when set, so a failing run can be replayed; it is printed.
 */
export function seeded(name) {
  const seed = Number(process.env.SMB_EGRESS_SEED ?? Date.now() % 1_000_000);
  console.log(`# ${name}: SMB_EGRESS_SEED=${seed}`);
  let state = seed || 1;
  return (n) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % n;
  };
}

/** Cuts bytes into chunks of random sizes from 1 to `max`. */
export function randomChunks(bytes, random, max) {
  const chunks = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + random(max);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** A Web ReadableStream over the given chunks. */
export function webStream(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) {
        controller.enqueue(chunks[i++]);
      } else {
        controller.close();
      }
    },
  });
}

/** The byte offsets just after each newline, so parts start at line boundaries. */
export function lineCuts(bytes, parts) {
  const cuts = [];
  for (let k = 1; k < parts; k++) {
    let at = Math.floor((bytes.length * k) / parts);
    while (at < bytes.length && bytes[at - 1] !== 0x0a) {
      at += 1;
    }
    cuts.push(at);
  }
  return cuts;
}
