// The wasm contender: the npm package's analyzeStream over a file stream, in Node, on
// one thread. Prints the report as JSON with the module's linear memory added.
//
//   node benches/wasm.mjs FILE

import { createReadStream } from "node:fs";
import { analyzeStream, memoryBytes } from "../js/index.js";

const [file] = process.argv.slice(2);
const stream = createReadStream(file, { highWaterMark: 1 << 20 });
const report = await analyzeStream(stream, { profile: "escu" }, { name: file });
report.wasm_memory_bytes = memoryBytes();
process.stdout.write(JSON.stringify(report) + "\n");
