// The CLI's `--jobs`: files, and byte ranges of large files, analyzed on worker threads
// and merged through snapshots in input order, which gives exactly the report of one
// pass. Node only.

import fs from "node:fs/promises";
import os from "node:os";
import { Worker } from "node:worker_threads";

import { Analyzer } from "../index.js";
import { SmbEgressError } from "./errors.js";
import { isGzip } from "./input.js";
import { analyzePart } from "./part.js";
import { call } from "./runtime.js";

/**
 * The smallest part a file is cut into (its last part may be down to half of this);
 * inputs under twice this in all are read on one thread. On two cores, with a worker
 * ready about 35 ms after it is started and both threads slowed by sharing the cores
 * with the file reads, a second thread paid for itself from about 150 MiB of Zeek TSV,
 * and cost 10% on 100 MiB.
 */
export const MIN_PART_BYTES = 64 << 20;

/**
 * Whether `--jobs` (over 1) uses more than this thread for `total` bytes of input (known
 * only for files): not under twice the smallest part.
 *
 * @param {number | undefined} total
 */
export function worthThreads(total, minPartBytes = MIN_PART_BYTES) {
  return total !== undefined && total >= 2 * minPartBytes;
}

/** How far past a planned cut a line boundary is looked for. */
const BOUNDARY_SEARCH_BYTES = 1 << 20;

/** How much of a file's start is read for its header lines. */
const HEAD_BYTES = 64 << 10;

/**
 * One unit of work: a whole file, or a byte range of one that starts at a line
 * boundary (with the file's header lines).
 *
 * @typedef {{ index: number, path: string, start: number, end: number,
 *   header?: Uint8Array }} Part
 */

/**
 * Cuts the files into parts, in input order.
 *
 * @param {string[]} paths
 * @param {number} jobs
 * @param {number} minPartBytes
 * @returns {Promise<Part[]>}
 */
export async function plan(paths, jobs, minPartBytes = MIN_PART_BYTES) {
  const infos = await Promise.all(paths.map((path) => fs.stat(path)));
  // A pipe or a device has no size to cut by: it is one part, read to its end.
  const sizes = infos.map((info) => (info.isFile() ? info.size : Infinity));
  const total = sizes.reduce((a, b) => (Number.isFinite(b) ? a + b : a), 0);
  const target = Math.max(minPartBytes, Math.ceil(total / jobs));
  const parts = [];
  for (const [i, path] of paths.entries()) {
    if (!Number.isFinite(sizes[i])) {
      parts.push({ index: parts.length, path, start: 0, end: Infinity });
      continue;
    }
    for (const range of await ranges(path, sizes[i], target)) {
      parts.push({ index: parts.length, path, ...range });
    }
  }
  return parts;
}

async function ranges(path, size, target) {
  if (size < target * 1.5) {
    return [{ start: 0, end: size }];
  }
  const file = await fs.open(path, "r");
  try {
    const head = await readAt(file, 0, HEAD_BYTES);
    if (!splittable(head)) {
      return [{ start: 0, end: size }];
    }
    const header = headerLines(head);
    const out = [];
    let start = 0;
    for (let cut = target; cut < size - target / 2; cut += target) {
      const boundary = await boundaryAfter(file, Math.max(cut, start + 1), size);
      if (boundary !== null && boundary < size) {
        out.push({ start, end: boundary });
        start = boundary;
        cut = Math.max(cut, boundary);
      }
    }
    out.push({ start, end: size });
    return out.map((range) => (range.start === 0 ? range : { ...range, header }));
  } finally {
    await file.close();
  }
}

/** Gzip and UTF-16 files are read whole: their bytes cannot be cut at a line. */
function splittable(head) {
  const utf16 =
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  return !isGzip(head) && !utf16;
}

async function readAt(file, position, length) {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The file's leading header lines (Zeek `#fields`, a CSV header), as the module reads them. */
export function headerLines(head) {
  return head.subarray(
    0,
    call((b) => b.headerLength(head)),
  );
}

/**
 * The first line start at or after `position` that begins a record: a line that does
 * not start with white space or a closing bracket, so a pretty-printed JSON document
 * is never cut. `null` when none is found near enough.
 */
async function boundaryAfter(file, position, size) {
  const limit = Math.min(size, position + BOUNDARY_SEARCH_BYTES);
  let offset = position - 1;
  while (offset < limit) {
    const chunk = await readAt(file, offset, 64 << 10);
    if (chunk.length < 2) {
      return null;
    }
    for (let i = 0; i + 1 < chunk.length; i++) {
      if (chunk[i] === 0x0a && startsRecord(chunk[i + 1])) {
        return offset + i + 1;
      }
    }
    offset += chunk.length - 1;
  }
  return null;
}

function startsRecord(byte) {
  // space, tab, CR, LF, ']', '}', ','
  return ![0x20, 0x09, 0x0d, 0x0a, 0x5d, 0x7d, 0x2c].includes(byte);
}

/**
 * Analyzes the parts on `jobs` threads, this one and `jobs - 1` workers, and merges their
 * snapshots in order. This thread takes a part too: it would otherwise wait, and a worker
 * costs a start (a Node environment and the module) and its own memory.
 *
 * @param {Part[]} parts
 * A part that cannot be read is recorded in the report, and `onFailure(path, reason)`
 * is called; the other parts are still read.
 *
 * @param {{ jobs: number, options: object, currentYear: number,
 *   onBytes?: (n: number) => void,
 *   onFailure?: (path: string, reason: string) => void }} settings
 * @returns {Promise<Analyzer>}
 */
export async function analyzeParts(parts, { jobs, options, currentYear, onBytes, onFailure }) {
  const snapshots = new Array(parts.length);
  const queue = [...parts];
  const count = Math.max(1, Math.min(jobs, parts.length, os.availableParallelism?.() ?? jobs));
  const workers = Array.from({ length: count - 1 }, () => spawn(options, currentYear));
  const runners = [here(options, currentYear), ...workers];
  try {
    await Promise.all(
      runners.map(async (runner) => {
        for (let part = queue.shift(); part; part = queue.shift()) {
          snapshots[part.index] = await runner.run(part, onBytes, onFailure);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
  return Analyzer.merge(snapshots, options, { currentYear });
}

/** A runner of parts on this thread. */
function here(options, currentYear) {
  return {
    run(part, onBytes = () => {}, onFailure = () => {}) {
      return analyzePart(part, { options, currentYear, onBytes, onFailure });
    },
  };
}

function spawn(options, currentYear) {
  const worker = new Worker(new URL("./worker.js", import.meta.url), {
    workerData: { options, currentYear },
  });
  let pending = null;
  const fail = (error) => pending?.reject(error);
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`a worker thread stopped (exit code ${code})`)));
  worker.on("message", (message) => {
    if (message.type === "progress") {
      pending?.onBytes?.(message.bytes);
    } else if (message.type === "failed") {
      pending?.onFailure?.(message.path, message.message);
    } else if (message.type === "done") {
      pending?.resolve(message.snapshot);
    } else if (message.type === "error") {
      const error = new SmbEgressError(message.code ?? "unreadable_input", message.message);
      error.path = message.path;
      pending?.reject(error);
    }
  });
  return {
    run(part, onBytes, onFailure) {
      return new Promise((resolve, reject) => {
        pending = { resolve, reject, onBytes, onFailure };
        worker.postMessage(part);
      });
    },
    async stop() {
      worker.removeAllListeners("exit");
      await worker.terminate();
    },
  };
}
