#!/usr/bin/env node
// The `smb-egress` command: reads log files (or standard input), runs the detection and
// prints the findings. Exit status: 0 after a run, findings or not; 2 for bad usage or
// configuration; 1 when an input could not be read: each such input is named on standard
// error and in the report, and the others are still read and reported.

import { once } from "node:events";
import fs from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";

import { Analyzer, SmbEgressError, formats, version } from "./index.js";
import { analyzeParts, MIN_PART_BYTES, plan, worthThreads } from "./lib/parallel.js";
import { ProgressBar } from "./lib/progress.js";

const OUTPUTS = ["table", "json", "ndjson", "csv", "records"];

/** Error codes that mean the configuration cannot be used. */
const CONFIG_CODES = new Set(["bad_option", "bad_cidr", "bad_assets", "bad_allowlist"]);

/** Exit statuses. */
const EXIT = { ok: 0, unreadable: 1, usage: 2 };

/** A failure that ends the run with an exit status and a one-line reason. */
class Stop extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function program() {
  return new Command()
    .name("smb-egress")
    .description(
      "Find internal hosts that open SMB connections (TCP 139/445) to the Internet, from logs.\n" +
        "Several files are one analysis; no FILE, or -, reads standard input. " +
        "Gzip-compressed files are decompressed.",
    )
    .argument("[FILE...]", "log files to read")
    .addOption(new Option("--profile <name>", "detection profile").choices(["default", "escu"]))
    .option("--format <id>", "input format: auto, or a format id (listed below)", "auto")
    .addOption(
      new Option("--output <kind>", "table on a terminal, json otherwise").choices(OUTPUTS),
    )
    .option("--internal <cidrs>", "internal CIDRs, comma-separated; repeatable", collect)
    .option("--assets <file>", "Splunk ES asset lookup (CSV) giving categories and internal hosts")
    .option("--allow <file>", "allowlist of sources, destinations and pairs to leave out")
    .option("--ports <list>", "SMB ports, comma-separated (default: 139,445)")
    .option("--include-blocked", "also report blocked attempts")
    .option("--require-established", "count only connections with a completed handshake")
    .option("--tz <offset>", "offset of times written without a zone, and of the report (+HH:MM)")
    .option("--year <yyyy>", "year of syslog dates written without one (default: this year)")
    .option("--sourcetype <name>", "sourcetype to give every record")
    .option("--jobs <n>", "threads over files or byte ranges of large files", jobs, 1)
    .version(version(), "--version", "print the version")
    .helpOption("-h, --help", "print this help")
    .addHelpText("after", formatsHelp)
    .exitOverride()
    .allowExcessArguments(true);
}

function collect(value, previous = []) {
  const items = value.split(",").map((item) => item.trim());
  return previous.concat(items.filter((item) => item.length > 0));
}

function jobs(value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new InvalidArgumentError("expected a whole number from 1 to 256");
  }
  return n;
}

function formatsHelp() {
  const lines = formats().map((f) => `  ${f.id.padEnd(18)} ${f.description}`);
  return `\nFormats (recognized without --format):\n${lines.join("\n")}\n`;
}

/** The module's options from the command line, reading the files it names. */
async function moduleOptions(opts) {
  const options = {
    profile: opts.profile,
    format: opts.format,
    internal: opts.internal,
    ports: opts.ports,
    includeBlocked: opts.includeBlocked ?? false,
    requireEstablished: opts.requireEstablished ?? false,
    tz: opts.tz,
    year: opts.year === undefined ? undefined : yearValue(opts.year),
    sourcetype: opts.sourcetype,
    assets: opts.assets === undefined ? undefined : await configFile("--assets", opts.assets),
    allow: opts.allow === undefined ? undefined : await configFile("--allow", opts.allow),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** A year as a number when it is one, else as given so the module names it. */
function yearValue(text) {
  return /^\d{1,9}$/.test(text) ? Number(text) : text;
}

async function configFile(flag, path) {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new Stop(EXIT.usage, `${flag} ${path}: ${error.message}`);
  }
}

/**
 * Sorts the inputs into those that can be opened and those that cannot (missing, a
 * directory), with the reason, before the run starts.
 *
 * @returns {Promise<{ readable: string[], unreadable: Map<string, string> }>}
 */
async function checkInputs(paths) {
  const readable = [];
  const unreadable = new Map();
  for (const path of paths) {
    if (path === "-") {
      readable.push(path);
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isDirectory()) {
        unreadable.set(path, "it is a directory");
      } else {
        readable.push(path);
      }
    } catch (error) {
      unreadable.set(path, error.message);
    }
  }
  return { readable, unreadable };
}

async function totalBytes(paths) {
  if (paths.includes("-")) {
    return undefined;
  }
  const sizes = await Promise.all(paths.map(async (path) => (await stat(path)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * One pass over the inputs on this thread; records are written as they are read. An
 * input that cannot be read is recorded with `failed` and the others are still read.
 */
async function analyzeHere(paths, options, settings) {
  const { records, currentYear, progress, out, unreadable, failed } = settings;
  const analyzer = Analyzer.create(options, { currentYear, records });
  for (const path of paths) {
    if (unreadable.has(path)) {
      analyzer.inputFailed(path, unreadable.get(path));
      continue;
    }
    analyzer.beginInput(path);
    let reported = 0;
    // A failed write of the records is the output's failure, not this input's.
    let writeError;
    const onProgress = async ({ bytes }) => {
      progress?.add(bytes - reported);
      reported = bytes;
      if (records) {
        await write(out, analyzer.takeRecords()).catch((error) => {
          writeError = error;
          throw error;
        });
      }
    };
    try {
      if (path === "-") {
        await analyzer.pushStream(process.stdin, { onProgress });
      } else {
        await analyzer.pushFile(path, { onProgress });
      }
    } catch (error) {
      if (error === writeError || !isReadError(error)) {
        throw error;
      }
      analyzer.inputFailed(path, error.message);
      failed(path, error.message);
    }
  }
  if (records) {
    analyzer.snapshot();
    await write(out, analyzer.takeRecords());
  }
  return analyzer;
}

/** Whether an error is about reading an input, rather than the module or the options. */
function isReadError(error) {
  return !(error instanceof SmbEgressError) || error.code === "unreadable_input";
}

/** An input's name for a message on standard error, its control characters escaped. */
function inputName(path) {
  return path === "-" ? "standard input" : printable(path);
}

/** Text with the control characters a terminal would act on written as escapes. */
function printable(text) {
  return String(text).replace(
    /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g,
    (c) => `\\u{${c.codePointAt(0).toString(16)}}`,
  );
}

function write(stream, text) {
  if (!text) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Writes the report out piece by piece as the module writes it, so that a large report
 * is never held whole. To a stream over a file descriptor (standard output), each piece
 * is written with `fs.writeSync` before the next is made, waiting while a pipe is full:
 * a slow reader holds the run back instead of the report piling up in the stream's
 * buffer. Other streams are handed the pieces without waiting, and an error of an
 * earlier write is thrown once the report is written.
 */
async function writeReport(out, analyzer, output) {
  if (typeof out.fd === "number") {
    if (out.writableLength > 0) {
      await once(out, "drain");
    }
    analyzer.finishTo((piece) => writeAllSync(out.fd, piece), { output });
    return;
  }
  let failed;
  const onError = (error) => {
    failed ??= error;
  };
  out.on("error", onError);
  try {
    let last;
    analyzer.finishTo(
      (piece) => {
        if (last !== undefined && failed === undefined) {
          out.write(last);
        }
        last = piece;
      },
      { output },
    );
    await write(out, last).catch((error) => {
      throw failed ?? error;
    });
  } finally {
    out.off("error", onError);
  }
  if (failed !== undefined) {
    throw failed;
  }
}

/** A cell to wait on: `Atomics.wait` on it pauses this thread for a time. */
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to `fd`, waiting a millisecond at a time while the descriptor
 * is a full non-blocking pipe (`EAGAIN`).
 */
function writeAllSync(fd, text) {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length;) {
    try {
      at += fs.writeSync(fd, bytes, at);
    } catch (error) {
      if (error.code !== "EAGAIN") {
        throw error;
      }
      Atomics.wait(pauseCell, 0, 0, 1);
    }
  }
}

/** Runs the command; gives 1 when an input could not be read, else 0. */
async function run(argv, io) {
  const command = program();
  command.configureOutput({
    writeOut: (text) => io.out.write(text),
    writeErr: (text) => io.err.write(text),
  });
  command.parse(argv);
  const opts = command.opts();
  const paths = command.args.length > 0 ? command.args : ["-"];
  const output = opts.output ?? (io.out.isTTY ? "table" : "json");
  const options = await moduleOptions(opts);
  const currentYear = new Date().getUTCFullYear();
  Analyzer.create(options, { currentYear });
  const { readable, unreadable } = await checkInputs(paths);
  const failures = new Set();
  const failed = (path, reason) => {
    if (!failures.has(path)) {
      failures.add(path);
      io.err.write(`smb-egress: cannot read ${inputName(path)}: ${printable(reason)}\n`);
    }
  };
  for (const [path, reason] of unreadable) {
    failed(path, reason);
  }
  const total = await totalBytes(readable);
  const progress = io.err.isTTY ? new ProgressBar(io.err, total) : undefined;
  const records = output === "records";
  const parallel =
    opts.jobs > 1 && !records && readable.length > 0 && worthThreads(total, minPartBytes());
  let analyzer;
  try {
    if (parallel) {
      analyzer = await analyzeParts(await plan(readable, opts.jobs, minPartBytes()), {
        jobs: opts.jobs,
        options,
        currentYear,
        onBytes: (n) => progress?.add(n),
        onFailure: failed,
      });
      for (const [path, reason] of unreadable) {
        analyzer.inputFailed(path, reason);
      }
    } else {
      const settings = { records, currentYear, progress, out: io.out, unreadable, failed };
      analyzer = await analyzeHere(paths, options, settings);
    }
  } finally {
    progress?.done();
  }
  if (!records) {
    await writeReport(io.out, analyzer, output);
  }
  return failures.size > 0 ? EXIT.unreadable : EXIT.ok;
}

/**
 * The smallest byte range `--jobs` cuts a file into, and half the input below which it
 * reads on one thread; tests make it small.
 */
function minPartBytes() {
  const n = Number(process.env.SMB_EGRESS_MIN_PART_BYTES);
  return Number.isInteger(n) && n > 0 ? n : MIN_PART_BYTES;
}

/**
 * Runs the command and gives its exit status.
 *
 * @param {string[]} argv as in `process.argv`
 */
export async function main(argv, io = { out: process.stdout, err: process.stderr }) {
  // A failed write is told to the write that made it (a closed pipe, EPIPE, ends the run
  // quietly, as `head` expects); the stream's 'error' event, with no listener, would
  // also end the process with a stack trace.
  const ignore = () => {};
  io.out.on?.("error", ignore);
  try {
    return await run(argv, io);
  } catch (error) {
    return failure(error, io.err);
  } finally {
    io.out.off?.("error", ignore);
  }
}

/** Names options as the command line spells them: option `includeBlocked` → --include-blocked. */
function asFlags(message) {
  return message.replace(/option `(\w+)`/g, (_, name) => {
    const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return `option --${flag}`;
  });
}

function failure(error, err) {
  if (error instanceof CommanderError) {
    const done = ["commander.helpDisplayed", "commander.version", "commander.help"];
    return done.includes(error.code) ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof Stop) {
    err.write(`smb-egress: ${error.message}\n`);
    return error.status;
  }
  if (error instanceof SmbEgressError && CONFIG_CODES.has(error.code)) {
    err.write(`smb-egress: ${asFlags(error.message)}\n`);
    return EXIT.usage;
  }
  if (error?.code === "EPIPE") {
    return EXIT.ok;
  }
  err.write(`smb-egress: ${error?.message ?? error}\n`);
  return EXIT.unreadable;
}

const invoked = process.argv[1] && fs.realpathSync(process.argv[1]);
if (invoked === fs.realpathSync(new URL(import.meta.url))) {
  process.exitCode = await main(process.argv);
}
