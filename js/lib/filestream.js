// A Node file stream that nothing has read from yet can be read straight from its file.
//
// `fs.createReadStream` makes a fresh buffer for every chunk and reads one chunk at a
// time, each read a round trip to libuv's threads; the chunks wait for the garbage
// collector. Reading the same bytes of the same file into two reused buffers, the next
// read running while the module works, takes a fraction of the time and memory. Only a
// stream whose bytes are certainly those of its file is taken over: made by Node's own
// `fs`, named by a path, and not yet read from.

const isNode = typeof process === "object" && typeof process.versions?.node === "string";

/**
 * The file and byte range behind `stream` when it is a Node file stream that nothing has
 * read from; `undefined` for any other stream.
 *
 * @param {unknown} stream
 * @returns {Promise<{ path: string, start: number, end: number } | undefined>}
 */
export async function untouchedFile(stream) {
  if (!isNode || stream === null || typeof stream !== "object") {
    return undefined;
  }
  const fs = (await import(/* webpackIgnore: true */ "node:fs")).default;
  if (stream.constructor !== fs.ReadStream || !untouched(stream) || !usesNodeFs(stream, fs)) {
    return undefined;
  }
  if (typeof stream.path !== "string") {
    return undefined;
  }
  const start = stream.start ?? 0;
  const end = stream.end === undefined || stream.end === Infinity ? Infinity : stream.end + 1;
  return { path: stream.path, start, end };
}

/** Whether no byte was read from the stream, by anyone. */
function untouched(stream) {
  return (
    stream.bytesRead === 0 &&
    !stream.readableDidRead &&
    stream.readableLength === 0 &&
    !stream.destroyed &&
    stream.readableFlowing !== true
  );
}

/** Whether the stream reads through Node's `fs` rather than one given in its options. */
function usesNodeFs(stream, fs) {
  const key = Object.getOwnPropertySymbols(stream).find((s) => s.description === "kFs");
  return key !== undefined && stream[key] === fs;
}
