// A worker thread of the CLI's `--jobs`: analyzes the parts it is sent, one at a time,
// and answers each with the part's snapshot. A part that cannot be read is recorded in
// its snapshot (and told to the main thread), so the other parts are still reported.

import { parentPort, workerData } from "node:worker_threads";

import { Analyzer } from "../index.js";

const { options, currentYear } = workerData;

parentPort.on("message", async (part) => {
  try {
    const snapshot = await analyzePart(part);
    parentPort.postMessage({ type: "done", index: part.index, snapshot }, [snapshot.buffer]);
  } catch (error) {
    const code = error?.name === "SmbEgressError" ? error.code : "unreadable_input";
    parentPort.postMessage({ type: "error", code, message: error.message, path: part.path });
  }
});

async function analyzePart(part) {
  const analyzer = Analyzer.create(options, { currentYear });
  analyzer.beginInput(part.path, part.header ? { header: part.header } : {});
  let reported = 0;
  const onProgress = ({ bytes }) => {
    parentPort.postMessage({ type: "progress", bytes: bytes - reported });
    reported = bytes;
  };
  try {
    await analyzer.pushFile(part.path, { start: part.start, end: part.end, onProgress });
  } catch (error) {
    if (error?.name === "SmbEgressError" && error.code !== "unreadable_input") {
      throw error;
    }
    analyzer.inputFailed(part.path, error.message);
    parentPort.postMessage({ type: "failed", path: part.path, message: error.message });
  }
  return analyzer.snapshot();
}
