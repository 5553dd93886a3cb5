// Compiled by `tsc` in `make test` (never run): the types accept what the README shows
// and refuse what the API refuses.

import {
  analyze,
  analyzeFile,
  analyzeStream,
  Analyzer,
  formats,
  SmbEgressError,
  version,
} from "smb-egress";
import type { Finding, Options, Report } from "smb-egress";

export async function examples(blob: Blob, stream: ReadableStream<Uint8Array>): Promise<void> {
  const options: Options = { profile: "escu", internal: ["10.0.0.0/8"], includeBlocked: true };
  const report: Report = await analyze("log text", options);
  const first: Finding | undefined = report.findings[0];
  const table: string = await analyze(blob, {}, { output: "table" });
  const streamed: Report = await analyzeStream(
    stream,
    {},
    { onProgress: ({ bytes }) => void bytes },
  );

  const fromFile: Report = await analyzeFile("conn.log", { profile: "escu" });
  const fileCsv: string = await analyzeFile("conn.log", {}, { output: "csv", name: "x" });
  await Analyzer.create().beginInput("conn.log").pushFile("conn.log", { start: 0, end: 10 });

  const analyzer = Analyzer.create({ ports: [445] }, { records: true });
  analyzer.beginInput("a.log").push("line\n").push(new Uint8Array(1));
  const snapshot: Uint8Array = analyzer.snapshot();
  analyzer.free();
  const merged: Report = Analyzer.merge([snapshot]).finish();
  const csv: string = Analyzer.create().finish({ output: "csv" });
  const pieces: string[] = Analyzer.create().finishPieces({ output: "ndjson" });
  const ids: string[] = formats().map((f) => f.id);
  const v: string = version();

  try {
    Analyzer.create({ profile: "escu" });
  } catch (error) {
    if (error instanceof SmbEgressError && error.code === "bad_option") {
      console.log(error.message);
    }
  }
  void [first, table, streamed, fromFile, fileCsv, merged, csv, ids, v];

  // @ts-expect-error: not a profile
  Analyzer.create({ profile: "splunk" });
  // @ts-expect-error: options are camelCase
  Analyzer.create({ include_blocked: true });
  // @ts-expect-error: made by Analyzer.create
  new Analyzer();
}
