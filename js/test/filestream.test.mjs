import assert from "node:assert/strict";
import fs from "node:fs";
import { Readable } from "node:stream";
import { once } from "node:events";
import { describe, it } from "node:test";

import { untouchedFile } from "../lib/filestream.js";
import { SAMPLE } from "./helpers.mjs";

describe("untouchedFile", () => {
  it("gives the path and byte range of a fresh file stream", async () => {
    const whole = fs.createReadStream(SAMPLE);
    assert.deepEqual(await untouchedFile(whole), { path: SAMPLE, start: 0, end: Infinity });
    whole.destroy();
    const part = fs.createReadStream(SAMPLE, { start: 10, end: 99 });
    assert.deepEqual(await untouchedFile(part), { path: SAMPLE, start: 10, end: 100 });
    part.destroy();
  });

  it("still takes a file stream that is open but unread", async () => {
    const stream = fs.createReadStream(SAMPLE);
    await once(stream, "ready");
    assert.equal((await untouchedFile(stream))?.path, SAMPLE);
    stream.destroy();
  });

  it("leaves alone a stream that was read from", async () => {
    const stream = fs.createReadStream(SAMPLE, { highWaterMark: 16 });
    await once(stream, "readable");
    assert.ok(stream.read(4));
    assert.equal(await untouchedFile(stream), undefined);
    stream.destroy();
  });

  it("leaves alone a stream over another fs, other streams and non-streams", async () => {
    const other = fs.createReadStream(SAMPLE, { fs: { ...fs } });
    assert.equal(await untouchedFile(other), undefined);
    other.destroy();
    assert.equal(await untouchedFile(Readable.from(["a"])), undefined);
    for (const value of [null, "text", new Uint8Array(2), { path: SAMPLE }]) {
      assert.equal(await untouchedFile(value), undefined);
    }
  });
});
