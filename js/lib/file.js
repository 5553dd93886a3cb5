// Files read in Node into two buffers that are used over and over: the bytes go from the
// file into these buffers and from them into the module's memory, and no chunk is left
// for the garbage collector. A file stream makes a new buffer for every chunk, and Node
// collects them only once about 32 MiB of them are waiting.

import { isGzip } from "./input.js";

/**
 * The size of each of the two buffers, and of a file stream's chunks. Reading a file from
 * the page cache in 1 MiB reads took 0.41 s a GiB here, in 2 MiB reads 0.26 s: with 1 MiB
 * the module waited for the reads.
 */
export const FILE_CHUNK_BYTES = 2 << 20;

/**
 * The bytes of a file from `start` up to `end` (the end of the file by default), as
 * views of two reused buffers: a view holds its bytes until the next one is asked for,
 * and the next chunk is read while the caller works on this one.
 *
 * @param {import("node:fs/promises").FileHandle} file a regular file
 * @param {{ start: number, end: number }} range
 * @returns {AsyncGenerator<Uint8Array, void, undefined>}
 */
export async function* fileChunks(file, { start, end }) {
  const buffers = [Buffer.allocUnsafe(FILE_CHUNK_BYTES), Buffer.allocUnsafe(FILE_CHUNK_BYTES)];
  let position = start;
  const read = (buffer) => {
    const length = Math.min(buffer.length, end - position);
    return length > 0 ? file.read(buffer, 0, length, position) : { bytesRead: 0, buffer };
  };
  let next = read(buffers[0]);
  try {
    for (let turn = 1; ; turn ^= 1) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) {
        return;
      }
      position += bytesRead;
      next = read(buffers[turn]);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await Promise.resolve(next).catch(() => {});
  }
}

/**
 * An open file to read from `start` up to `end`, and how: `chunks` (`fileChunks`) for a
 * regular file of plain text, else `stream`, a file stream of new chunks, for gzip (which
 * the caller decompresses) and for pipes and devices, which cannot be read at a position.
 * `total` is the number of bytes to read when known. The caller closes `file`; a stream
 * closes it when it ends or is destroyed.
 *
 * @param {string | URL} path
 * @param {{ start?: number, end?: number }} range
 */
export async function openInput(path, { start = 0, end = Infinity } = {}) {
  const { open } = await import(/* webpackIgnore: true */ "node:fs/promises");
  const file = await open(path, "r");
  let info;
  try {
    info = await plainFile(file, start);
  } catch (error) {
    await file.close();
    throw error;
  }
  const total = info.size === undefined ? undefined : Math.max(0, Math.min(end, info.size) - start);
  if (info.plain) {
    return { file, total, chunks: fileChunks(file, { start, end }) };
  }
  const range = {
    start: start > 0 ? start : undefined,
    end: end === Infinity ? undefined : end - 1,
  };
  return {
    file,
    total,
    stream: file.createReadStream({ ...range, highWaterMark: FILE_CHUNK_BYTES }),
  };
}

/**
 * A file's size when it is a regular file, and whether it is one whose bytes at `start`
 * are not gzip's magic number.
 */
async function plainFile(file, start) {
  const stat = await file.stat();
  if (!stat.isFile()) {
    return { plain: false, size: undefined };
  }
  const head = Buffer.alloc(2);
  const { bytesRead } = await file.read(head, 0, 2, start);
  return { plain: !isGzip(head.subarray(0, bytesRead)), size: stat.size };
}
