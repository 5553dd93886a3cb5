// A worker thread of the CLI's `--jobs`: analyzes the parts it is sent, one at a time,
// and answers each with the part's snapshot. A part that cannot be read is recorded in
// its snapshot (and told to the main thread), so the other parts are still reported.

import { parentPort, workerData } from "node:worker_threads";

import { analyzePart } from "./part.js";

const { options, currentYear } = workerData;

const settings = {
  options,
  currentYear,
  onBytes: (bytes) => parentPort.postMessage({ type: "progress", bytes }),
  onFailure: (path, message) => parentPort.postMessage({ type: "failed", path, message }),
};

parentPort.on("message", async (part) => {
  try {
    const snapshot = await analyzePart(part, settings);
    parentPort.postMessage({ type: "done", index: part.index, snapshot }, [snapshot.buffer]);
  } catch (error) {
    const code = error?.name === "SmbEgressError" ? error.code : "unreadable_input";
    parentPort.postMessage({ type: "error", code, message: error.message, path: part.path });
  }
});
