// The wasm contender: the npm package's analyzeStream over a file stream, in Node, on
// one thread. Prints the report as JSON text, as the CLI does (the report is not turned
// into JS objects), with the module's linear memory added as its last member.
//
//   node benches/wasm.mjs FILE

import { createReadStream } from "node:fs";
import { analyzeStream, memoryBytes } from "../js/index.js";

const [file] = process.argv.slice(2);
const stream = createReadStream(file, { highWaterMark: 1 << 20 });
const text = await analyzeStream(
  stream,
  { profile: "escu" },
  { name: file, output: "json" },
);
const close = text.lastIndexOf("}");
const memory = `,\n  "wasm_memory_bytes": ${memoryBytes()}\n}\n`;
process.stdout.write(text.slice(0, close).trimEnd() + memory);
