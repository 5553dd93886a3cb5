// Loads the wasm module and guards every call into it.
//
// In Node the module's bytes are read from disk; in a browser they are fetched from the
// URL beside this package's files, so no bundler plugin is needed. A trap (a bug in the
// module, or memory running out) leaves a wasm instance unusable: the guard turns it into
// an `SmbEgressError` and starts a fresh instance, so the page or process keeps working.

import init, { initSync } from "../pkg/smb_egress.js";
import * as bindings from "../pkg/smb_egress.js";
import { SmbEgressError } from "./errors.js";

const WASM_URL = new URL("../pkg/smb_egress_bg.wasm", import.meta.url);

/** Whether this is Node (where files are read from disk), not a browser. */
export const isNode = typeof process === "object" && typeof process.versions?.node === "string";

/**
 * Loads and starts the module once. In Node the module is compiled from the file's bytes
 * and started with `initSync`, which, unlike `init`, never looks at the `Request` and
 * `Response` globals: in Node the first look at either loads the whole `fetch`
 * implementation, which took more time and memory than the module itself.
 */
export async function load() {
  if (isNode) {
    const fs = await import(/* webpackIgnore: true */ "node:fs");
    const module = await WebAssembly.compile(fs.readFileSync(WASM_URL));
    initSync({ module });
  } else {
    await init({ module_or_path: WASM_URL });
  }
}

/** How many times a fresh instance replaced a broken one. */
let generation = 0;

/** The current instance's generation: objects made under an older one are gone. */
export function currentGeneration() {
  return generation;
}

/**
 * Runs `fn(bindings)` and translates what it throws.
 *
 * @template T
 * @param {(b: typeof bindings) => T} fn
 * @returns {T}
 */
export function call(fn) {
  try {
    return fn(bindings);
  } catch (error) {
    throw translate(error);
  }
}

function translate(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    restart();
    return new SmbEgressError(
      "internal_error",
      `the analysis module stopped on an internal error (${error.message}); ` +
        "a fresh instance serves later calls, but this run's state is lost",
      { cause: error },
    );
  }
  if (error?.name === "SmbEgressError" && typeof error.code === "string") {
    return new SmbEgressError(error.code, error.message);
  }
  if (/stale object from previous Wasm instance/i.test(error?.message ?? "")) {
    return lostState();
  }
  return error;
}

/** The error for an object made under an instance that was replaced. */
export function lostState() {
  return new SmbEgressError(
    "lost_state",
    "this analyzer was lost when the module restarted after an internal error; " +
      "start a new one",
  );
}

function restart() {
  bindings.__wbg_reset_state();
  generation += 1;
}
