// The wasm contender: the npm package's analyzeStream over a file stream, in Node, on
// one thread. The report is written out as JSON text piece by piece as the module writes
// it (`run.write`), as the CLI does, with the module's linear memory added as its last
// member. Its time in process, from after the package is loaded (the module compiled) to
// after the report is written, goes to standard error as `seconds: S`.
//
//   node benches/wasm.mjs FILE

import { createReadStream } from "node:fs";
import { analyzeStream, memoryBytes } from "../js/index.js";

const started = performance.now();
const [file] = process.argv.slice(2);
const stream = createReadStream(file, { highWaterMark: 1 << 20 });
// The last two pieces are held back: the report's closing brace is in them.
const held = [];
await analyzeStream(
  stream,
  { profile: "escu" },
  {
    name: file,
    output: "json",
    write: (piece) => {
      held.push(piece);
      if (held.length > 2) {
        process.stdout.write(held.shift());
      }
    },
  },
);
const tail = held.join("");
const close = tail.lastIndexOf("}");
const memory = `,\n  "wasm_memory_bytes": ${memoryBytes()}\n}\n`;
process.stdout.write(tail.slice(0, close).trimEnd() + memory);
process.stderr.write(`seconds: ${((performance.now() - started) / 1000).toFixed(6)}\n`);
