// smb-egress: finds internal hosts that open SMB connections (TCP 139/445) to the
// Internet, from logs. The detection runs in a wasm module built from the Rust crate;
// this file is its JS face. See index.d.ts for the documented API.

import { call, currentGeneration, isNode, load, lostState } from "./lib/runtime.js";
import { SmbEgressError } from "./lib/errors.js";
import { openInput } from "./lib/file.js";
import { untouchedFile } from "./lib/filestream.js";
import { optionsJson } from "./lib/options.js";
import {
  bytePieces,
  isBlob,
  isGzip,
  isStream,
  maybeGunzip,
  streamChunks,
  stringPieces,
  toBytes,
} from "./lib/input.js";

export { SmbEgressError };

await load();

/** The report forms `finish` and `analyze` give. */
const OUTPUTS = ["object", "json", "ndjson", "csv", "table"];

/** Keeps the constructor for `Analyzer.create` and `Analyzer.merge`. */
const CREATE = Symbol("create");

/** A run of the detection over one or more inputs, fed in chunks. */
export class Analyzer {
  #inner;
  #generation;
  /** Whether the report is being written (a call from its `write` is refused). */
  #writing = false;
  #atStart = true;

  /** @private Use `Analyzer.create`. */
  constructor(token, inner) {
    if (token !== CREATE) {
      throw new TypeError("use Analyzer.create(options) to make an analyzer");
    }
    this.#inner = inner;
    this.#generation = currentGeneration();
  }

  /**
   * An analyzer for `options`. `settings.records` turns on the records view
   * (`takeRecords`); `settings.verdicts`, a number, turns on the verdicts view
   * (`takeVerdicts`) keeping at most that many lines between two takes;
   * `settings.currentYear` is the year of syslog dates written without one when
   * `options.year` is not given (the current UTC year by default).
   */
  static create(options = {}, settings = {}) {
    const { records = false, verdicts, currentYear = new Date().getUTCFullYear() } = settings;
    const json = optionsJson(options);
    const inner = call((b) => new b.WasmAnalyzer(json, currentYear));
    const analyzer = new Analyzer(CREATE, inner);
    if (records) {
      analyzer.#call((a) => a.collectRecords(true));
    }
    if (verdicts !== undefined) {
      analyzer.#call((a) => a.collectVerdicts(verdictCap(verdicts)));
    }
    return analyzer;
  }

  /**
   * An analyzer holding the merged state of `snapshots`, which must come from analyzers
   * with the same options, listed in input order.
   */
  static merge(snapshots, options = {}, settings = {}) {
    const analyzer = Analyzer.create(options, settings);
    for (const snapshot of snapshots) {
      const bytes = toBytes(snapshot);
      analyzer.#call((a) => a.mergeSnapshot(bytes));
    }
    return analyzer;
  }

  #call(fn) {
    if (this.#inner === null) {
      throw new SmbEgressError("finished", "the analyzer was freed");
    }
    if (this.#writing) {
      throw new SmbEgressError("finished", "the analyzer is writing its report");
    }
    if (this.#generation !== currentGeneration()) {
      throw lostState();
    }
    return call(() => fn(this.#inner));
  }

  /**
   * Gives back the module memory the analyzer holds now, rather than when the garbage
   * collector finds it unused: an analyzer of many sources holds much. The analyzer
   * takes no more calls.
   */
  free() {
    const inner = this.#inner;
    this.#inner = null;
    if (inner !== null && this.#generation === currentGeneration()) {
      call(() => inner.free());
    }
  }

  /**
   * Starts a new input named `name` (a file name; `-` when unnamed). With `header`, the
   * input is a part of a file that starts mid-file at a line boundary, and `header`
   * holds the file's leading header lines (Zeek `#fields`, a CSV header).
   */
  beginInput(name = "-", { header } = {}) {
    const bytes = header === undefined ? undefined : toBytes(header);
    this.#call((a) => a.beginInput(String(name), bytes));
    this.#atStart = true;
    return this;
  }

  /**
   * Records that the input `name` could not be read, wholly or after a part of it, and
   * why: the report lists it in `stats.unreadable` and its summary, so a run over many
   * inputs says which were not read and still reports the rest. Ends the current input.
   */
  inputFailed(name, reason) {
    this.#call((a) => a.inputFailed(String(name), String(reason)));
    this.#atStart = true;
    return this;
  }

  /** Feeds a chunk of plain text (a string or bytes) of the current input. */
  push(chunk) {
    const bytes = toBytes(chunk);
    if (this.#atStart && isGzip(bytes)) {
      throw new SmbEgressError(
        "compressed_input",
        "push takes plain text; give gzip input to pushStream, analyze or analyzeStream",
      );
    }
    this.#pushBytes(bytes);
    return this;
  }

  #pushBytes(bytes) {
    if (bytes.length > 0) {
      this.#atStart = false;
      this.#call((a) => a.push(bytes));
    }
  }

  /**
   * Feeds a whole stream (Web `ReadableStream`, Node readable, or any async iterable of
   * strings or bytes) as the current input, decompressing gzip. Resolves when the stream
   * ends; `onProgress({ bytes, total })` is called after each chunk with the bytes read
   * from the stream so far (a promise it returns is awaited); `signal` cancels. A Node
   * file stream (`fs.createReadStream`) of a regular file that nothing has read from yet
   * is closed and its file read as `pushFile` reads it: the same bytes, in a fraction of
   * the time and memory.
   */
  async pushStream(stream, { onProgress, signal, total } = {}) {
    if (!isStream(stream)) {
      throw badInput(stream);
    }
    const file = await untouchedFile(stream);
    if (file !== undefined) {
      stream.destroy();
      return this.pushFile(file.path, { start: file.start, end: file.end, onProgress, signal });
    }
    for await (const chunk of plainChunks(stream, { onProgress, signal, total })) {
      this.#pushBytes(chunk);
    }
    return this;
  }

  /**
   * Feeds a file as the current input, in Node: the bytes from `start` up to `end` (the
   * whole file by default), decompressing gzip. A regular file is read into two reused
   * buffers, so nothing is left for the garbage collector; gzip, pipes and devices go
   * through a file stream. Resolves when the file is read; `onProgress({ bytes, total })`
   * is called after each chunk with the bytes read so far (a promise it returns is
   * awaited); `signal` cancels.
   */
  async pushFile(path, { start = 0, end = Infinity, onProgress, signal } = {}) {
    signal?.throwIfAborted();
    if (!isNode) {
      throw new SmbEgressError("bad_input", "pushFile reads files in Node only");
    }
    if (!isOffset(start) || !(end === Infinity || isOffset(end))) {
      const found = `${JSON.stringify(start)} and ${JSON.stringify(end)}`;
      throw new SmbEgressError("bad_input", `pushFile: expected byte offsets, found ${found}`);
    }
    if (end <= start) {
      return this;
    }
    const input = await openInput(path, { start, end });
    const { total } = input;
    if (input.stream) {
      return this.pushStream(input.stream, { onProgress, signal, total });
    }
    try {
      let bytes = 0;
      for await (const chunk of input.chunks) {
        signal?.throwIfAborted();
        this.#pushBytes(chunk);
        bytes += chunk.length;
        await onProgress?.({ bytes, total });
      }
    } finally {
      await input.file.close();
    }
    signal?.throwIfAborted();
    return this;
  }

  /** The normalized records read since the last call, one JSON object a line. */
  takeRecords() {
    return this.#call((a) => a.takeRecords());
  }

  /**
   * The verdicts since the last call, one JSON object a line: every record that either
   * profile takes as SMB, with `_time`, `src_ip`, `dest_ip`, `dest`, `dest_port`,
   * `transport`, `action`, and this profile's `verdict` (`finding`, `excluded` with the
   * exclusion as `reason`, or `not_candidate`).
   */
  takeVerdicts() {
    return this.#call((a) => a.takeVerdicts());
  }

  /** How many verdicts the cap held back since the view was turned on. */
  verdictsDropped() {
    return this.#call((a) => a.verdictsDropped());
  }

  /** Ends the current input and gives the mergeable state as bytes. */
  snapshot() {
    return this.#call((a) => a.snapshot());
  }

  /**
   * Ends the run and gives the report: an object (`output: "object"`, the default), or
   * text as `json`, `ndjson`, `csv` or `table`.
   */
  finish({ output = "object" } = {}) {
    // The module writes the report in pieces, so that its text is never whole in the
    // module's memory; joined here, it lives only in the JS heap.
    const pieces = [];
    this.#pieces(output, (piece) => pieces.push(piece));
    const text = pieces.join("");
    return output === "object" ? JSON.parse(text) : text;
  }

  /**
   * Ends the run and gives the report's text (`output` `json`, the default, `ndjson`,
   * `csv` or `table`) as the pieces the module wrote it in, about 256 KiB each, in
   * order: joined, they are the text `finish` gives. All of them are held at once;
   * `finishTo` hands each one on as it is written.
   */
  finishPieces({ output = "json" } = {}) {
    const pieces = [];
    this.finishTo((piece) => pieces.push(piece), { output });
    return pieces;
  }

  /**
   * Ends the run and hands the report's text (`output` `json`, the default, `ndjson`,
   * `csv` or `table`) to `write`, piece by piece as the module writes it (about 256 KiB
   * each, in order), so that no more than a piece of it is held at once. `write` is
   * called synchronously: a promise it returns is not awaited. What it throws ends the
   * report and is thrown again.
   *
   * @param {(piece: string) => unknown} write
   */
  finishTo(write, { output = "json" } = {}) {
    if (typeof write !== "function") {
      throw new SmbEgressError("bad_output", "finishTo: expected a function to write with");
    }
    if (output === "object") {
      throw new SmbEgressError(
        "bad_output",
        "the report's pieces are text: json, ndjson, csv or table",
      );
    }
    this.#pieces(output, write);
  }

  #pieces(output, write) {
    // What `write` throws is kept here and thrown again as it was: thrown through the
    // module, it would pass the guard that turns a trap into an `internal_error` (and
    // starts a fresh instance) and rewrites the package's own errors.
    let thrown = NOTHING;
    const sink = (piece) => {
      try {
        write(piece);
      } catch (error) {
        thrown = error;
        throw STOP;
      }
    };
    try {
      this.#call((a) => {
        this.#writing = true;
        try {
          a.finish(checkOutput(output), sink);
        } finally {
          this.#writing = false;
        }
      });
    } catch (error) {
      throw error === STOP && thrown !== NOTHING ? thrown : error;
    }
  }
}

/** Markers for `#pieces`: a write that threw, and nothing thrown yet. */
const STOP = Object.freeze({ stop: "the report's write threw" });
const NOTHING = Symbol("nothing thrown");

function isOffset(value) {
  return Number.isSafeInteger(value) && value >= 0;
}

function verdictCap(cap) {
  if (!Number.isInteger(cap) || cap < 0 || cap > 0xffffffff) {
    throw new SmbEgressError(
      "bad_option",
      `settings.verdicts: expected a whole number of lines, found ${JSON.stringify(cap)}`,
    );
  }
  return cap;
}

function checkOutput(output) {
  if (!OUTPUTS.includes(output)) {
    throw new SmbEgressError(
      "bad_output",
      `unknown output ${JSON.stringify(output)}; known: ${OUTPUTS.join(", ")}`,
    );
  }
  return output;
}

function badInput(input) {
  const found = input === null ? "null" : typeof input;
  return new SmbEgressError(
    "bad_input",
    `expected a string, bytes, a Blob or a stream, found ${found}`,
  );
}

/**
 * Analyzes a whole input: a string, bytes (Uint8Array, ArrayBuffer, Buffer), a Blob or
 * File, or a stream. Resolves to the report.
 */
export async function analyze(input, options = {}, run = {}) {
  if (isStream(input)) {
    return analyzeStream(input, options, run);
  }
  const { source, total } = sourceOf(input);
  const name = run.name ?? (typeof input?.name === "string" ? input.name : undefined);
  return runOver(source, options, { total, ...run, name });
}

/** A stream over any input `analyze` reads, and its size when known. */
function sourceOf(input) {
  if (isStream(input)) {
    return { source: input, total: undefined };
  }
  if (typeof input === "string") {
    return { source: toAsync(stringPieces(input)), total: undefined };
  }
  if (isBlob(input)) {
    return { source: input.stream(), total: input.size };
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const bytes = toBytes(input);
    return { source: toAsync(bytePieces(bytes)), total: bytes.length };
  }
  throw badInput(input);
}

/**
 * The plain bytes of a stream, gzip decompressed, checking `signal` and calling
 * `onProgress({ bytes, total })` with the bytes read from the stream after each chunk
 * was taken (a promise it returns is awaited).
 */
async function* plainChunks(stream, { onProgress, signal, total }) {
  let bytes = 0;
  const counted = (async function* () {
    for await (const chunk of streamChunks(stream, signal)) {
      bytes += chunk.length;
      yield chunk;
    }
  })();
  for await (const chunk of maybeGunzip(counted)) {
    signal?.throwIfAborted();
    yield chunk;
    await onProgress?.({ bytes, total });
  }
  signal?.throwIfAborted();
}

/**
 * The plain bytes of any input `analyze` reads, gzip decompressed, as an async sequence
 * of Uint8Array: the reading `analyze` does, for a caller that feeds one input to
 * several analyzers with `push`. `run.onProgress({ bytes, total })` reports the bytes
 * read from the input as given, after each chunk; `run.signal` stops the reading.
 */
export function inputChunks(input, run = {}) {
  const { source, total } = sourceOf(input);
  return plainChunks(source, { total, ...run });
}

/**
 * Analyzes a stream (Web `ReadableStream`, Node readable, or any async iterable of
 * strings or bytes). `run.onProgress({ bytes, total })` reports the bytes read;
 * `run.signal` cancels, rejecting with the signal's reason.
 */
export async function analyzeStream(stream, options = {}, run = {}) {
  if (!isStream(stream)) {
    throw badInput(stream);
  }
  return runOver(stream, options, run);
}

/**
 * Analyzes a file, in Node: a regular file is read into two reused buffers, which holds
 * less memory than `analyzeStream` over a file stream, whose chunks wait for the garbage
 * collector. `run` is as for `analyzeStream`; the input is named by its path.
 */
export async function analyzeFile(path, options = {}, run = {}) {
  const { onProgress, signal, name = String(path) } = run;
  const finish = finisher(run);
  const analyzer = Analyzer.create(options);
  analyzer.beginInput(name);
  await analyzer.pushFile(path, { onProgress, signal });
  return finish(analyzer);
}

async function runOver(stream, options, run) {
  const { onProgress, signal, total, name = "-" } = run;
  const finish = finisher(run);
  const analyzer = Analyzer.create(options);
  analyzer.beginInput(name);
  await analyzer.pushStream(stream, { onProgress, signal, total });
  return finish(analyzer);
}

/**
 * How a run ends, checked before any input is read: the report is given back (as
 * `run.output` says, an object by default), or with `run.write` its text (`json` by
 * default) is handed to `write` piece by piece and the run gives `undefined`.
 */
function finisher({ output, write }) {
  if (write === undefined) {
    output ??= "object";
    checkOutput(output);
    return (analyzer) => analyzer.finish({ output });
  }
  output ??= "json";
  checkOutput(output);
  if (typeof write !== "function" || output === "object") {
    const found = typeof write === "function" ? "output object" : typeof write;
    throw new SmbEgressError(
      "bad_output",
      "run.write: expected a function and a text output (json, ndjson, csv or table), " +
        `found ${found}`,
    );
  }
  return (analyzer) => analyzer.finishTo(write, { output });
}

async function* toAsync(iterable) {
  yield* iterable;
}

/** The supported input formats: `{ id, description, sourcetype }` each. */
export function formats() {
  return JSON.parse(call((b) => b.formats()));
}

/** The version of the detection module (the Rust crate's). */
export function version() {
  return call((b) => b.version());
}

/** The size of the module's linear memory in bytes (it grows and never shrinks). */
export function memoryBytes() {
  return call((b) => b.memoryBytes());
}
