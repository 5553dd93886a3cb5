// One part of the CLI's `--jobs`, analyzed on whichever thread runs it (the main thread
// or a worker): a whole file, or a byte range of one with the file's header lines.

import { Analyzer } from "../index.js";

/**
 * Analyzes a part and gives its snapshot. A part that cannot be read is recorded in the
 * snapshot and told to `onFailure(path, reason)`; `onBytes(n)` counts the bytes read.
 *
 * @param {import("./parallel.js").Part} part
 * @param {{ options: object, currentYear: number, onBytes: (n: number) => void,
 *   onFailure: (path: string, reason: string) => void }} settings
 * @returns {Promise<Uint8Array>}
 */
export async function analyzePart(part, { options, currentYear, onBytes, onFailure }) {
  const analyzer = Analyzer.create(options, { currentYear });
  analyzer.beginInput(part.path, part.header ? { header: part.header } : {});
  let reported = 0;
  const onProgress = ({ bytes }) => {
    onBytes(bytes - reported);
    reported = bytes;
  };
  try {
    await analyzer.pushFile(part.path, { start: part.start, end: part.end, onProgress });
  } catch (error) {
    if (error?.name === "SmbEgressError" && error.code !== "unreadable_input") {
      throw error;
    }
    analyzer.inputFailed(part.path, error.message);
    onFailure(part.path, error.message);
  }
  const snapshot = analyzer.snapshot();
  analyzer.free();
  return snapshot;
}
