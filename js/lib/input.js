// Byte sources: strings, bytes, Blobs, Web streams and Node streams, all read as
// async sequences of Uint8Array, with gzip recognized by its magic bytes and
// decompressed by the platform's DecompressionStream.

import { SmbEgressError } from "./errors.js";

/** The size of the pieces that large strings and buffers are cut into. */
export const PIECE_BYTES = 4 << 20;

const encoder = new TextEncoder();

/** Whether bytes start with the gzip magic number. */
export function isGzip(bytes) {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * A chunk as bytes.
 *
 * @param {unknown} chunk
 * @returns {Uint8Array}
 */
export function toBytes(chunk) {
  if (chunk instanceof Uint8Array) {
    return chunk;
  }
  if (typeof chunk === "string") {
    return encoder.encode(chunk);
  }
  if (chunk instanceof ArrayBuffer) {
    return new Uint8Array(chunk);
  }
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  throw new SmbEgressError("bad_input", `expected a string or bytes, found ${describe(chunk)}`);
}

function describe(value) {
  if (value === null) {
    return "null";
  }
  return typeof value === "object" ? (value.constructor?.name ?? "an object") : `a ${typeof value}`;
}

/** Whether a value is a readable stream of either kind, or another async iterable. */
export function isStream(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    (typeof value.getReader === "function" || typeof value[Symbol.asyncIterator] === "function")
  );
}

/** Whether a value is a Blob (a browser `File` is one). */
export function isBlob(value) {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

/**
 * The pieces of a string, cut at most every PIECE_BYTES / 3 characters and never
 * between the two halves of a surrogate pair.
 *
 * @param {string} text
 */
export function* stringPieces(text) {
  const step = Math.floor(PIECE_BYTES / 3);
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + step, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) {
      end -= 1;
    }
    yield encoder.encode(text.slice(start, end));
    start = end;
  }
}

/** The pieces of a byte array, as views. */
export function* bytePieces(bytes) {
  for (let start = 0; start < bytes.length; start += PIECE_BYTES) {
    yield bytes.subarray(start, start + PIECE_BYTES);
  }
}

/**
 * Reads a stream as Uint8Array chunks, stopping with `signal.reason` when the signal
 * aborts (a Web stream is cancelled, a Node stream destroyed).
 *
 * @param {ReadableStream | AsyncIterable<unknown>} stream
 * @param {AbortSignal | undefined} signal
 */
export async function* streamChunks(stream, signal) {
  signal?.throwIfAborted();
  if (typeof stream.getReader === "function") {
    yield* webStreamChunks(stream, signal);
    return;
  }
  const onAbort = () => stream.destroy?.(signal.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      yield toBytes(chunk);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  signal?.throwIfAborted();
}

async function* webStreamChunks(stream, signal) {
  const reader = stream.getReader();
  const onAbort = () => reader.cancel(signal.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let done = false;
  try {
    while (!done) {
      const next = await reader.read();
      signal?.throwIfAborted();
      done = next.done;
      if (!done) {
        yield toBytes(next.value);
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!done) {
      await reader.cancel().catch(() => {});
    }
    reader.releaseLock();
  }
}

/**
 * Decompresses chunks when the first bytes are gzip's magic number, else passes them on.
 *
 * @param {AsyncIterator<Uint8Array>} chunks
 */
export async function* maybeGunzip(chunks) {
  const head = await firstBytes(chunks);
  if (head.length === 0) {
    return;
  }
  if (!isGzip(head)) {
    try {
      yield head;
      yield* rest(chunks);
    } finally {
      await chunks.return?.();
    }
    return;
  }
  yield* gunzip(head, chunks);
}

/** Reads until at least two bytes are in hand, or the input ends. */
async function firstBytes(chunks) {
  let head = new Uint8Array(0);
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done) {
      break;
    }
    head = concat(head, next.value);
  }
  return head;
}

function concat(a, b) {
  if (a.length === 0) {
    return b;
  }
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function* rest(chunks) {
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
    yield next.value;
  }
}

async function* gunzip(head, chunks) {
  if (typeof DecompressionStream === "undefined") {
    throw new SmbEgressError(
      "unreadable_input",
      "the input is gzip-compressed and this platform has no DecompressionStream",
    );
  }
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  let sourceError;
  const pump = (async () => {
    try {
      await writer.write(head);
      for (;;) {
        let next;
        try {
          next = await chunks.next();
        } catch (error) {
          sourceError = error;
          throw error;
        }
        if (next.done) {
          break;
        }
        await writer.write(next.value);
      }
      await writer.close();
    } catch (error) {
      await writer.abort(error).catch(() => {});
      if (sourceError === undefined) {
        await chunks.return?.().catch(() => {});
      }
      throw error;
    }
  })();
  pump.catch(() => {});
  const reader = stream.readable.getReader();
  let done = false;
  try {
    for (;;) {
      let next;
      try {
        next = await reader.read();
      } catch (error) {
        throw sourceError ?? unreadable(error);
      }
      if (next.done) {
        break;
      }
      yield next.value;
    }
    await pump.catch((error) => {
      throw sourceError ?? unreadable(error);
    });
    done = true;
  } finally {
    if (!done) {
      await reader.cancel().catch(() => {});
    }
  }
}

function unreadable(error) {
  if (error instanceof SmbEgressError) {
    return error;
  }
  return new SmbEgressError("unreadable_input", `gzip input could not be read: ${error.message}`, {
    cause: error,
  });
}
