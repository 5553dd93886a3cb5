// What Node costs before any detection runs: the floors under the wasm contender.
//
//   node benches/floor.mjs start         Node started, nothing imported
//   node benches/floor.mjs load          the npm package imported (its module compiled)
//   node benches/floor.mjs read FILE     FILE read as the package reads it (two reused
//                                        2 MiB buffers, the next read running while this
//                                        one is looked at), each chunk touched, no module
//
// Prints `{"findings": []}` so that benches/run.py can run it as it runs a contender, and
// its time in process on standard error as `seconds: S`.

const started = performance.now();
const [what, file] = process.argv.slice(2);

if (what === "load") {
  await import("../js/index.js");
} else if (what === "read") {
  const { openInput } = await import("../js/lib/file.js");
  const input = await openInput(file);
  let sum = 0;
  for await (const chunk of input.chunks) {
    // One byte a page, so that the chunk is really there to be used.
    for (let i = 0; i < chunk.length; i += 4096) {
      sum += chunk[i];
    }
  }
  await input.file.close();
  process.stderr.write(`checksum: ${sum}\n`);
} else if (what !== "start") {
  process.stderr.write("usage: node benches/floor.mjs start | load | read FILE\n");
  process.exit(2);
}
process.stdout.write('{"findings": []}\n');
process.stderr.write(`seconds: ${((performance.now() - started) / 1000).toFixed(6)}\n`);
