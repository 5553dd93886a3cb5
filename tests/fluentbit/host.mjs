// A host that calls the Fluent Bit filter module the way Fluent Bit's filter_wasm does
// (JSON event format): the tag and the record are copied, NUL-terminated, into memory
// the module's exported `malloc` gives; the filter function gets six i32s; the result is
// read as a NUL-terminated string (empty: the record is dropped); both copies are freed.

import { existsSync, readFileSync } from "node:fs";
import { WASI } from "node:wasi";

/** The module `make fluentbit` builds. */
export const WASM_PATH = new URL("../../dist/smb-egress-fluentbit.wasm", import.meta.url);

/** The function name the README's Fluent Bit configuration gives as Function_Name. */
export const FUNCTION_NAME = "smb_egress_filter";

let compiled;

/** The compiled module, read once. */
export function wasmModule() {
  if (!compiled && !existsSync(WASM_PATH)) {
    throw new Error(`${WASM_PATH.pathname} is missing: build it with \`make fluentbit\``);
  }
  compiled ??= new WebAssembly.Module(readFileSync(WASM_PATH));
  return compiled;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class FluentBitHost {
  /**
   * An instance whose WASI preopens are `dirs`, named as given, as Fluent Bit names
   * the directories of Accessible_Paths.
   */
  constructor(dirs = []) {
    const preopens = Object.fromEntries(dirs.map((dir) => [dir, dir]));
    this.wasi = new WASI({ version: "preview1", preopens, returnOnExit: true });
    this.instance = new WebAssembly.Instance(wasmModule(), this.wasi.getImportObject());
    this.wasi.initialize(this.instance);
    this.exports = this.instance.exports;
    this.filter = this.exports[FUNCTION_NAME];
  }

  /** The module's memory size in bytes. */
  memoryBytes() {
    return this.exports.memory.buffer.byteLength;
  }

  /** A byte view of the module's memory, made again only when the memory has grown. */
  bytes() {
    const buffer = this.exports.memory.buffer;
    if (this.view?.buffer !== buffer) this.view = new Uint8Array(buffer);
    return this.view;
  }

  /** Copies bytes and a NUL into memory from the module's malloc. */
  copyIn(bytes) {
    const pointer = this.exports.malloc(bytes.length + 1) >>> 0;
    if (pointer === 0) throw new Error(`malloc(${bytes.length + 1}) failed`);
    const memory = this.bytes();
    memory.set(bytes, pointer);
    memory[pointer + bytes.length] = 0;
    return pointer;
  }

  /**
   * One call as Fluent Bit makes it, on encoded bytes: copies the tag and the record in,
   * calls the filter, finds the end of the NUL-terminated result and frees both copies.
   * Returns the result's place in memory, valid until the next call.
   */
  callBytes(tagBytes, recordBytes, timeSec = 1709028000, timeNsec = 0) {
    const tagPointer = this.copyIn(tagBytes);
    const recordPointer = this.copyIn(recordBytes);
    try {
      const start =
        this.filter(
          tagPointer,
          tagBytes.length,
          timeSec,
          timeNsec,
          recordPointer,
          recordBytes.length,
        ) >>> 0;
      const end = this.bytes().indexOf(0, start);
      return { start, end };
    } finally {
      this.exports.free(tagPointer);
      this.exports.free(recordPointer);
    }
  }

  /**
   * Filters one record, given as encoded JSON bytes (or a string); returns the text the
   * module gives back, "" for a dropped record.
   */
  call(record, { tag = "zeek.conn", timeSec = 1709028000, timeNsec = 0 } = {}) {
    const recordBytes = typeof record === "string" ? encoder.encode(record) : record;
    const { start, end } = this.callBytes(encoder.encode(tag), recordBytes, timeSec, timeNsec);
    return decoder.decode(this.bytes().subarray(start, end));
  }
}
