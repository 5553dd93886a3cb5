// A worker thread of the CLI's `--jobs`: analyzes the parts it is sent, one at a time,
// and answers each with the part's snapshot.

import fs from "node:fs";
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
  const stream = fs.createReadStream(part.path, {
    start: part.start,
    end: Math.max(part.start, part.end - 1),
    highWaterMark: 1 << 20,
  });
  let reported = 0;
  const onProgress = ({ bytes }) => {
    parentPort.postMessage({ type: "progress", bytes: bytes - reported });
    reported = bytes;
  };
  if (part.end > part.start) {
    await analyzer.pushStream(stream, { onProgress });
  } else {
    stream.destroy();
  }
  return analyzer.snapshot();
}
