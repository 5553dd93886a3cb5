// Types of the smb-egress package.

/** Options of a run; every one is optional. Unknown names and bad values throw. */
export interface Options {
  /** `default` (the recommended detection) or `escu` (the Splunk search, exactly). */
  profile?: "default" | "escu";
  /** A format id from `formats()` to force, or `auto` (the default). */
  format?: string;
  /** Internal CIDRs (addresses and `a-b` ranges too), as a list or comma-separated. */
  internal?: string[] | string;
  /** The Splunk ES asset lookup as CSV text (`ip` and `category` columns). */
  assets?: string;
  /** The allowlist as text: `src CIDR`, `dest CIDR`, `dest-host SUFFIX`, `pair SRC DEST`. */
  allow?: string;
  /** The SMB ports; 139 and 445 when not given. */
  ports?: number[] | string;
  /** Report blocked attempts too. */
  includeBlocked?: boolean;
  /** Count only records that show a completed handshake. */
  requireEstablished?: boolean;
  /** The fixed offset (`+02:00`) of times written without a zone, and of the report. */
  tz?: string;
  /** The year of syslog dates written without one. */
  year?: number;
  /** A sourcetype that replaces every format's own. */
  sourcetype?: string;
  /** The cap on distinct sources (100000). */
  maxSources?: number;
  /** The cap on distinct values per column of a finding (1000). */
  maxValues?: number;
  /** The cap on one line's length in bytes (1 MiB). */
  maxLineBytes?: number;
}

/** One destination of a finding (profile `default`). */
export interface Destination {
  dest_ip: string;
  dest_port: string[];
  count: number;
  first_time: string | null;
  last_time: string | null;
}

/** One internal host and the SMB it sent to the Internet. */
export interface Finding {
  src_ip: string;
  start_time: string | null;
  end_time: string | null;
  action: string[];
  app: string[];
  dest_ip: string[];
  dest_port: string[];
  sourcetype: string[];
  count: number;
  /** Profile `default` only, like the fields below. */
  dest_count?: number;
  bytes_out?: number | null;
  bytes_in?: number | null;
  established?: number;
  destinations?: Destination[];
}

/** A skipped line kept as an example. */
export interface SkipSample {
  file: string;
  line: number;
  reason: string;
  detail: string;
}

/** What the run read, skipped and excluded, so an empty result is never a mystery. */
export interface Stats {
  bytes: number;
  lines: number;
  files: Record<string, { bytes: number; lines: number }>;
  records: number;
  formats: Record<string, number>;
  skipped: Record<string, number>;
  skipped_samples: SkipSample[];
  candidates: number;
  excluded: Record<string, number>;
  finding_records: number;
  findings: number;
  /** Inputs that could not be read, wholly or to their end. */
  unreadable: { file: string; reason: string }[];
  [more: string]: unknown;
}

/** The result of a run. */
export interface Report {
  profile: "default" | "escu";
  /** The offset of the times shown, `+00:00` unless `tz` was given. */
  time_offset: string;
  /** One per source, ordered by `src_ip`. */
  findings: Finding[];
  stats: Stats;
}

/** The report's text forms. */
export type TextOutput = "json" | "ndjson" | "csv" | "table";

/** How a whole-input run goes. */
export interface RunSettings<O extends "object" | TextOutput = "object"> {
  /** The report as an object (default) or as text. */
  output?: O;
  /** Called after each chunk with the bytes read so far (of the input as given). */
  onProgress?: (progress: { bytes: number; total?: number }) => void | Promise<void>;
  /** Cancels the run; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The expected size, passed on to `onProgress`. */
  total?: number;
  /** The input's name in the statistics (`-` by default; a File's own name). */
  name?: string;
}

/**
 * A whole-input run that hands the report's text to `write` piece by piece (about
 * 256 KiB each, in order) instead of giving it back, so that a large report is never
 * held whole; the run resolves to `undefined`. `write` is called synchronously, and a
 * promise it returns is not awaited: a Node stream buffers what its reader has not taken
 * yet (up to the whole report for a slow pipe), `fs.writeSync` to a descriptor nothing.
 */
export interface WritingRunSettings extends Omit<RunSettings<TextOutput>, "output"> {
  /** The report's text form: `json` by default. */
  output?: TextOutput;
  write: (piece: string) => unknown;
}

/** Anything `analyzeStream` reads: a Web stream, a Node readable, an async iterable. */
export type StreamInput =
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string | ArrayBufferView | ArrayBuffer>;

/** Anything `analyze` reads. Gzip is recognized by its first bytes and decompressed. */
export type Input = string | Uint8Array | ArrayBuffer | ArrayBufferView | Blob | StreamInput;

/** Analyzes a whole input and resolves to its report. */
export function analyze(
  input: Input,
  options: Options | undefined,
  run: WritingRunSettings,
): Promise<void>;
export function analyze(
  input: Input,
  options?: Options,
  run?: RunSettings<"object">,
): Promise<Report>;
export function analyze(
  input: Input,
  options: Options | undefined,
  run: RunSettings<TextOutput> & { output: TextOutput },
): Promise<string>;

/** Analyzes a stream, with progress and cancellation. */
export function analyzeStream(
  stream: StreamInput,
  options: Options | undefined,
  run: WritingRunSettings,
): Promise<void>;
export function analyzeStream(
  stream: StreamInput,
  options?: Options,
  run?: RunSettings<"object">,
): Promise<Report>;
export function analyzeStream(
  stream: StreamInput,
  options: Options | undefined,
  run: RunSettings<TextOutput> & { output: TextOutput },
): Promise<string>;

/**
 * Analyzes a file, in Node. A regular file is read into two reused buffers, which holds
 * less memory than `analyzeStream` over a file stream; gzip is decompressed. The input
 * is named by its path unless `run.name` is given.
 */
export function analyzeFile(
  path: string,
  options: Options | undefined,
  run: Omit<WritingRunSettings, "total">,
): Promise<void>;
export function analyzeFile(
  path: string,
  options?: Options,
  run?: Omit<RunSettings<"object">, "total">,
): Promise<Report>;
export function analyzeFile(
  path: string,
  options: Options | undefined,
  run: Omit<RunSettings<TextOutput>, "total"> & { output: TextOutput },
): Promise<string>;

/**
 * The plain bytes of any input `analyze` reads, gzip decompressed: the reading `analyze`
 * does, for a caller that feeds one input to several analyzers with `push`.
 */
export function inputChunks(
  input: Input,
  run?: Pick<RunSettings, "onProgress" | "signal" | "total">,
): AsyncGenerator<Uint8Array, void, undefined>;

/** Settings of an analyzer beside its options. */
export interface AnalyzerSettings {
  /** Keep the normalized records for `takeRecords`. */
  records?: boolean;
  /** Keep the verdicts for `takeVerdicts`, at most this many lines between two takes. */
  verdicts?: number;
  /** The year of syslog dates without one when `options.year` is absent (this year). */
  currentYear?: number;
}

/**
 * One line of the verdicts view: a record that either profile takes as SMB, with the
 * analyzer's profile's verdict on it.
 */
export interface VerdictLine {
  _time?: number;
  src_ip?: string;
  dest_ip?: string;
  dest?: string;
  dest_port: number;
  transport: string;
  action: string;
  verdict: "finding" | "excluded" | "not_candidate";
  /** The exclusion's name, as in `stats.excluded`, when `verdict` is `excluded`. */
  reason?: string;
}

/** A run fed in chunks, whose state can be saved and merged. */
export class Analyzer {
  private constructor();
  /** An analyzer for the options; throws `SmbEgressError` (`bad_option`, …). */
  static create(options?: Options, settings?: AnalyzerSettings): Analyzer;
  /** An analyzer holding the merged state of snapshots, listed in input order. */
  static merge(
    snapshots: Iterable<Uint8Array | ArrayBuffer>,
    options?: Options,
    settings?: AnalyzerSettings,
  ): Analyzer;
  /**
   * Starts a new input. With `header`, the input is a part of a file starting mid-file
   * at a line boundary, and `header` holds the file's leading header lines.
   */
  beginInput(name?: string, part?: { header?: string | Uint8Array }): this;
  /**
   * Records that an input could not be read (wholly, or after a part of it) and why; the
   * report lists it in `stats.unreadable`. Ends the current input.
   */
  inputFailed(name: string, reason: string): this;
  /** Feeds plain text; gzip bytes throw `compressed_input` (use `pushStream`). */
  push(chunk: string | Uint8Array | ArrayBuffer | ArrayBufferView): this;
  /** Feeds a whole stream as the current input, decompressing gzip. */
  pushStream(
    stream: StreamInput,
    run?: Pick<RunSettings, "onProgress" | "signal" | "total">,
  ): Promise<this>;
  /**
   * Feeds a file as the current input, in Node: its bytes from `start` up to `end` (the
   * whole file by default), read into two reused buffers, gzip decompressed.
   */
  pushFile(
    path: string,
    run?: Pick<RunSettings, "onProgress" | "signal"> & { start?: number; end?: number },
  ): Promise<this>;
  /** The normalized records read since the last call, one JSON object a line. */
  takeRecords(): string;
  /** The verdicts since the last call, one `VerdictLine` as JSON a line. */
  takeVerdicts(): string;
  /** How many verdicts the cap held back since the view was turned on. */
  verdictsDropped(): number;
  /** Ends the current input and gives the mergeable state. */
  snapshot(): Uint8Array;
  /** Gives back the module memory the analyzer holds now; it takes no more calls. */
  free(): void;
  /** Ends the run and gives the report. */
  finish(settings?: { output?: "object" }): Report;
  finish(settings: { output: TextOutput }): string;
  /**
   * Ends the run and gives the report's text in the pieces the module wrote it in (about
   * 256 KiB each, in order; joined, the text of `finish`).
   */
  finishPieces(settings?: { output?: TextOutput }): string[];
  /**
   * Ends the run and hands the report's text to `write`, piece by piece as the module
   * writes it (about 256 KiB each, in order), so that no more than a piece is held at
   * once. `write` is called synchronously; a promise it returns is not awaited. What it
   * throws ends the report and is thrown again.
   */
  finishTo(write: (piece: string) => unknown, settings?: { output?: TextOutput }): void;
}

/** A supported input format. */
export interface FormatInfo {
  id: string;
  description: string;
  /** The Splunk sourcetype its records get unless they carry their own. */
  sourcetype: string;
}

/** The supported input formats. */
export function formats(): FormatInfo[];

/** The version of the detection module. */
export function version(): string;

/** The size of the module's linear memory in bytes (it grows and never shrinks). */
export function memoryBytes(): number;

/** Every error the package throws. `code` is stable; see the README. */
export class SmbEgressError extends Error {
  constructor(code: string, message: string, options?: ErrorOptions);
  name: "SmbEgressError";
  code:
    | "bad_option"
    | "bad_cidr"
    | "bad_assets"
    | "bad_allowlist"
    | "bad_snapshot"
    | "bad_input"
    | "bad_output"
    | "compressed_input"
    | "unreadable_input"
    | "finished"
    | "lost_state"
    | "internal_error"
    | (string & {});
}
