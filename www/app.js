// The page: takes files by drop or picker, hands them with the settings to the worker,
// shows its progress, and draws the results. Every value that comes from a log reaches
// the page through `el` (lib/dom.js) as text.

import { el, replace } from "./lib/dom.js";
import { bytes, count, duration, time } from "./lib/format.js";
import { toOptions } from "./lib/settings.js";
import { destinationsTable, findingsTable } from "./lib/table.js";
import { drawTimeline } from "./lib/timeline.js";
import { explain } from "./lib/explain.js";
import { capNotes, comparisonView, statsView } from "./lib/views.js";

const $ = (id) => document.getElementById(id);

/** How long a cancelled run may take to stop before its worker is ended. */
const CANCEL_GRACE_MS = 1000;

const page = {
  files: [],
  worker: null,
  running: null,
  done: null,
  view: "default",
};

function setState(state) {
  document.body.dataset.state = state;
  $("run").disabled = state === "loading" || state === "running" || page.files.length === 0;
  $("cancel").disabled = state !== "running";
}

// --- the worker --------------------------------------------------------------------

function startWorker() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.id === undefined || data.id === page.running?.id) {
      handlers[data.type]?.(data);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(`the analysis could not start: ${event.message ?? "worker error"}`);
  };
  page.worker = worker;
}

const handlers = {
  ready({ version, formats }) {
    $("version").textContent = `version ${version}`;
    const select = $("format");
    if (select.options.length === 1) {
      select.append(
        ...formats.map((f) => el("option", { value: f.id }, `${f.id}: ${f.description}`)),
      );
    }
    if (document.body.dataset.state === "loading") {
      setState("idle");
    }
  },
  progress(message) {
    showProgress(message);
  },
  done(message) {
    page.running = null;
    page.done = message;
    page.view = message.primary;
    showProgress({ bytes: message.results[message.primary].report.stats.bytes, final: true });
    $("progress-text").textContent =
      `Done: ${bytes(totalSize())} in ${duration(message.elapsed)}` +
      (message.elapsed > 0 ? `, ${bytes(totalSize() / message.elapsed)}/s.` : ".");
    showResults();
    setState("done");
  },
  cancelled() {
    stopped("Cancelled.");
  },
  error({ message }) {
    page.running = null;
    fail(message);
  },
};

function fail(message) {
  page.running = null;
  $("error").textContent = message;
  $("progress-panel").hidden = true;
  setState("error");
}

function stopped(text) {
  page.running = null;
  $("progress-text").textContent = text;
  $("progress").value = 0;
  setState("cancelled");
}

// --- input -------------------------------------------------------------------------

function totalSize() {
  return page.files.reduce((sum, f) => sum + f.size, 0);
}

function takeFiles(list) {
  page.files = [...list];
  replace(
    $("file-list"),
    page.files.map((f) =>
      el(
        "li",
        {},
        el("span", { className: "name" }, f.name),
        el("span", { className: "muted" }, bytes(f.size)),
      ),
    ),
  );
  if (page.files.length > 0) {
    run();
  }
}

function wireInput() {
  const drop = $("drop");
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    takeFiles(event.dataTransfer.files);
  });
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
  $("files").addEventListener("change", (event) => takeFiles(event.target.files));
  $("run").addEventListener("click", run);
  $("cancel").addEventListener("click", cancel);
  $("settings").addEventListener("submit", (event) => event.preventDefault());
  $("allow-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (file) {
      $("allow").value = await file.text();
    }
  });
}

async function settings() {
  const value = (id) => $(id).value;
  const assetsFile = $("assets").files[0];
  return {
    options: toOptions({
      profile: value("profile"),
      internal: value("internal"),
      ports: value("ports"),
      includeBlocked: $("includeBlocked").checked,
      requireEstablished: $("requireEstablished").checked,
      tz: value("tz"),
      format: value("format"),
      year: value("year"),
      sourcetype: value("sourcetype"),
      allow: value("allow"),
      assets: assetsFile ? await assetsFile.text() : undefined,
    }),
    compare: $("compare").checked,
  };
}

async function run() {
  if (page.files.length === 0 || document.body.dataset.state === "loading") {
    return;
  }
  document.body.dataset.runs = String(Number(document.body.dataset.runs ?? 0) + 1);
  const id = (page.lastId = (page.lastId ?? 0) + 1);
  page.running = { id, started: performance.now(), samples: [] };
  setState("running");
  $("error").textContent = "";
  $("progress-panel").hidden = false;
  showProgress({ bytes: 0, total: totalSize(), file: 0, files: page.files.length });
  let options;
  let compare;
  try {
    ({ options, compare } = await settings());
  } catch (error) {
    fail(`the settings could not be read: ${error.message}`);
    return;
  }
  if (page.running?.id === id) {
    page.worker.postMessage({ type: "run", id, files: page.files, options, compare });
  }
}

function cancel() {
  const worker = page.worker;
  worker.postMessage({ type: "cancel" });
  const running = page.running;
  setTimeout(() => {
    if (page.running === running && page.worker === worker && running) {
      worker.terminate();
      startWorker();
      stopped("Cancelled.");
    }
  }, CANCEL_GRACE_MS);
}

// --- progress ----------------------------------------------------------------------

/** Bytes done, the rate over the last seconds, and the time left. */
function showProgress({ bytes: done, total = totalSize(), file, files, final }) {
  const bar = $("progress");
  bar.max = Math.max(1, total);
  bar.value = final ? bar.max : done;
  if (final || !page.running) {
    return;
  }
  const now = performance.now();
  const samples = page.running.samples;
  samples.push([now, done]);
  while (samples.length > 2 && now - samples[0][0] > 3000) {
    samples.shift();
  }
  const [t0, b0] = samples[0];
  const rate = now > t0 ? ((done - b0) * 1000) / (now - t0) : 0;
  const left = rate > 0 ? ` · ${duration((total - done) / rate)} left` : "";
  const which = files > 1 ? ` · file ${file + 1} of ${files}` : "";
  const speed = rate > 0 ? ` · ${bytes(rate)}/s` : "";
  $("progress-text").textContent = `${bytes(done)} of ${bytes(total)}${which}${speed}${left}`;
}

// --- results -----------------------------------------------------------------------

function showResults() {
  const { results, comparison } = page.done;
  const result = results[page.view];
  const report = result.report;
  $("results").hidden = false;
  drawSummary(report);
  drawSwitch(results);
  findingsTable($("findings"), {
    findings: report.findings,
    profile: report.profile,
    detail: (finding) => detail(finding, result),
  });
  replace(
    $("cap-notes"),
    capNotes(result).map((note) => el("li", {}, note)),
  );
  drawTimelinePanel(result);
  $("compare-panel").hidden = !comparison;
  if (comparison) {
    replace($("comparison"), comparisonView(comparison, results, report.time_offset));
  }
  replace($("stats"), statsView(report));
}

function drawSummary(report) {
  const n = report.findings.length;
  const s = report.stats;
  const files = Object.keys(s.files).length;
  replace(
    $("summary"),
    el(
      "p",
      { className: "headline" },
      el("strong", { id: "finding-count" }, count(n)),
      ` ${n === 1 ? "source" : "sources"} sent SMB to the Internet (profile ${report.profile}), `,
      `from ${count(files)} ${files === 1 ? "file" : "files"}, ${bytes(s.bytes)}, ${count(s.lines)} lines.`,
      report.time_offset === "+00:00" ? " Times in UTC." : ` Times at ${report.time_offset}.`,
    ),
    el(
      "ul",
      { className: "explain" },
      explain(report).map((line) => el("li", {}, line)),
    ),
  );
}

function drawSwitch(results) {
  const box = $("view-switch");
  const profiles = Object.keys(results);
  box.hidden = profiles.length < 2;
  replace(
    box,
    profiles.map((profile) => {
      const button = el(
        "button",
        {
          type: "button",
          className: profile === page.view ? "on" : "",
          attrs: { "aria-pressed": String(profile === page.view) },
        },
        `${profile} (${count(results[profile].report.findings.length)})`,
      );
      button.addEventListener("click", () => {
        page.view = profile;
        showResults();
      });
      return button;
    }),
  );
}

function detail(finding, result) {
  const offset = result.report.time_offset;
  const destinations =
    finding.destinations ??
    (result.destinations[finding.src_ip] ?? []).map((d) => ({
      dest_ip: d.dest_ip,
      dest_port: d.ports,
      count: d.count,
      first_time: d.first === null ? null : time(d.first, offset),
      last_time: d.last === null ? null : time(d.last, offset),
    }));
  return el(
    "div",
    { className: "detail-box" },
    el(
      "p",
      {},
      `Destinations of `,
      el("code", {}, finding.src_ip),
      ` (${count(destinations.length)})`,
    ),
    destinationsTable(destinations),
  );
}

function drawTimelinePanel(result) {
  const data = result.timeline;
  const order = result.report.findings.map((f) => f.src_ip);
  const box = $("timeline");
  if (data.sources.length === 0) {
    $("timeline-note").textContent = "No SMB egress records with a time to draw.";
    box.replaceChildren();
    return;
  }
  const rows = 60;
  const hidden = Math.max(0, order.length - rows);
  $("timeline-note").textContent =
    `SMB egress records per source; each mark is ${duration(data.width)} wide and taller for more records.` +
    (hidden ? ` The first ${rows} sources are drawn; ${count(hidden)} more are in the table.` : "");
  replace(box, drawTimeline(data, { order, offset: result.report.time_offset, rows }));
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function wireExports() {
  const current = () => page.done?.results[page.view];
  $("export-csv").addEventListener("click", () => {
    const r = current();
    if (r) {
      download(`smb-egress-${page.view}.csv`, "text/csv", r.csv);
    }
  });
  $("export-json").addEventListener("click", () => {
    const r = current();
    if (r) {
      download(`smb-egress-${page.view}.json`, "application/json", r.json);
    }
  });
}

wireInput();
wireExports();
startWorker();
