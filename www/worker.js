// The analysis, off the page's thread: reads the dropped files as streams, feeds them to
// one analyzer per profile asked for, and posts progress and, at the end, the reports
// with what the page draws beside them (timelines, destinations, the comparison).
//
// Messages in: `{ type: "run", id, files, options, compare }` and `{ type: "cancel" }`.
// Messages out: `ready`, then for each run `progress`, and `done`, `cancelled` or
// `error`, each with the run's `id`.

import { Comparison, Destinations, isFinding, splitLines } from "./lib/verdicts.js";
import { Timeline } from "./lib/timeline.js";

/** The most verdict lines an analyzer keeps between two takes (one chunk of input). */
const VERDICT_CAP = 200_000;

/** The least time between two progress messages, in milliseconds. */
const PROGRESS_EVERY = 100;

const PROFILES = ["default", "escu"];

let current = null;

self.onmessage = ({ data }) => {
  if (data.type === "cancel") {
    current?.abort(new DOMException("the run was cancelled", "AbortError"));
  } else if (data.type === "run") {
    current?.abort(new DOMException("a new run started", "AbortError"));
    const controller = new AbortController();
    current = controller;
    run(data, controller.signal).finally(() => {
      if (current === controller) {
        current = null;
      }
    });
  }
};

const loading = import("../js/index.js");

loading.then(
  (pkg) => self.postMessage({ type: "ready", version: pkg.version(), formats: pkg.formats() }),
  (error) => self.postMessage({ type: "error", code: "load", message: describe(error) }),
);

async function run({ id, files, options, compare }, signal) {
  const post = (message) => self.postMessage({ ...message, id });
  const started = performance.now();
  const runs = [];
  try {
    const pkg = await loading;
    const primary = options.profile ?? "default";
    for (const profile of compare ? PROFILES : [primary]) {
      runs.push(newRun(pkg, { ...options, profile }));
    }
    const comparison = compare ? new Comparison() : null;
    await readAll(pkg, files, { runs, comparison, signal, post });
    const results = Object.fromEntries(runs.map((r) => [r.profile, resultsOf(pkg, r)]));
    const compared = comparison?.result(results.escu.report, results.default.report) ?? null;
    const elapsed = (performance.now() - started) / 1000;
    post({ type: "done", primary, results, comparison: compared, elapsed });
  } catch (error) {
    runs.forEach(release);
    if (signal.aborted) {
      post({ type: "cancelled" });
    } else {
      post({ type: "error", code: error?.code ?? "error", message: describe(error) });
    }
  }
}

function newRun(pkg, options) {
  return {
    profile: options.profile,
    options,
    analyzer: pkg.Analyzer.create(options, { verdicts: VERDICT_CAP }),
    timeline: new Timeline(),
    destinations: new Destinations(),
    finished: false,
  };
}

/** Reads every file once, pushing each chunk to every analyzer. */
async function readAll(pkg, files, { runs, comparison, signal, post }) {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let before = 0;
  let posted = 0;
  for (const [index, file] of files.entries()) {
    runs.forEach((r) => r.analyzer.beginInput(file.name));
    let read = 0;
    const onProgress = ({ bytes }) => {
      read = bytes;
    };
    for await (const chunk of pkg.inputChunks(file, { onProgress, signal })) {
      runs.forEach((r) => r.analyzer.push(chunk));
      drain(runs, comparison);
      const now = performance.now();
      if (now - posted >= PROGRESS_EVERY) {
        posted = now;
        post({ type: "progress", bytes: before + read, total, file: index, files: files.length });
        await messagesRead();
      }
    }
    before += file.size;
    post({ type: "progress", bytes: before, total, file: index, files: files.length });
  }
  runs.forEach((r) => r.analyzer.snapshot());
  drain(runs, comparison);
}

/**
 * Lets the messages waiting for this worker be read: chunks of a file can come one after
 * another without a task in between, and a cancel must not wait for the whole file.
 */
function messagesRead() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Takes each analyzer's verdicts and adds them to the timelines and the comparison. */
function drain(runs, comparison) {
  const lines = runs.map((r) => splitLines(r.analyzer.takeVerdicts()));
  runs.forEach((r, i) => {
    for (const text of lines[i]) {
      if (isFinding(text)) {
        const line = JSON.parse(text);
        r.timeline.add(line.src_ip ?? "", line._time);
        r.destinations.add(line);
      }
    }
  });
  if (comparison) {
    comparison.add(lines[PROFILES.indexOf("escu")], lines[PROFILES.indexOf("default")]);
  }
}

/** The report of a run, its text exports, and what the page draws beside it. */
function resultsOf(pkg, r) {
  const state = r.analyzer.snapshot();
  const dropped = r.analyzer.verdictsDropped();
  const json = r.analyzer.finish({ output: "json" });
  r.finished = true;
  const csv = pkg.Analyzer.merge([state], r.options).finish({ output: "csv" });
  return {
    report: JSON.parse(json),
    json,
    csv,
    timeline: r.timeline.data(),
    destinations: r.destinations.data(),
    heldBack: { verdicts: dropped, destinations: r.destinations.heldBack },
  };
}

/** Frees an analyzer's memory in the module when its run ends early. */
function release(r) {
  if (!r.finished) {
    try {
      r.analyzer.finish();
    } catch {
      // an analyzer lost to a trap has nothing left to free
    }
  }
}

function describe(error) {
  return error?.message ?? String(error);
}
