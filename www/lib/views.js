// The parts of the result page beside the findings table: the statistics, the two
// profiles compared, and the notes on what a cap held back.

import { el } from "./dom.js";
import { bytes, count, time } from "./format.js";
import { REASONS } from "./verdicts.js";
import { SKIP_REASONS } from "./explain.js";

/** A small table with a caption; `classes` gives each column's cell class. */
function keyed(caption, rows, headers, classes = ["", "num", "wrap"], wide = false) {
  return el(
    "table",
    { className: wide ? "keyed wide" : "keyed" },
    el("caption", {}, caption),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        headers.map((h, i) => el("th", { className: classes[i], attrs: { scope: "col" } }, h)),
      ),
    ),
    el(
      "tbody",
      {},
      rows.map((cells) =>
        el(
          "tr",
          {},
          cells.map((c, i) => el("td", { className: classes[i] }, c)),
        ),
      ),
    ),
  );
}

/** The statistics of a report: files, formats, lines, skips with samples, exclusions. */
export function statsView(report) {
  const s = report.stats;
  const files = Object.entries(s.files).map(([name, f]) => [name, count(f.lines), bytes(f.bytes)]);
  const formats = Object.entries(s.formats).map(([id, n]) => [id, count(n)]);
  const skipped = Object.entries(s.skipped).map(([r, n]) => [r, count(n), SKIP_REASONS[r] ?? ""]);
  const excluded = Object.entries(s.excluded).map(([r, n]) => [r, count(n), REASONS[r] ?? ""]);
  const reading = [
    ["lines read", count(s.lines)],
    ["passed over: no SMB port or name", count(s.prefiltered_lines)],
    ["connection records", count(s.records)],
    ["SMB candidates", count(s.candidates)],
    ["records in findings", count(s.finding_records)],
  ];
  if (s.invalid_utf8_lines) {
    reading.push([
      "lines with invalid UTF-8 (read with replacements)",
      count(s.invalid_utf8_lines),
    ]);
  }
  if (s.utf16_inputs) {
    reading.push(["files read as UTF-16", count(s.utf16_inputs)]);
  }
  if (s.yearless_dates) {
    reading.push([`dates without a year, read as ${s.assumed_year}`, count(s.yearless_dates)]);
  }
  return el(
    "div",
    { className: "stats" },
    keyed("Files", files, ["file", "lines", "bytes"], ["wrap", "num", "num"]),
    keyed("Records per format", orNone(formats, 2), ["format", "records"]),
    keyed("Reading", reading, ["", "count"]),
    keyed(
      "Candidates left out",
      orNone(excluded, 3),
      ["reason", "records", "meaning"],
      undefined,
      true,
    ),
    keyed("Lines skipped", orNone(skipped, 3), ["reason", "lines", "meaning"]),
    samplesView(s.skipped_samples ?? []),
  );
}

function orNone(rows, width) {
  return rows.length > 0 ? rows : [["none", ...Array(width - 1).fill("")]];
}

function samplesView(samples) {
  if (samples.length === 0) {
    return null;
  }
  return keyed(
    "Examples of skipped lines",
    samples.map((x) => [`${x.file}:${x.line}`, x.reason, x.detail]),
    ["file:line", "reason", "detail"],
    ["wrap", "", "wrap"],
    true,
  );
}

/** Notes on what the caps held back, or an empty list. */
export function capNotes(result) {
  const notes = [];
  const caps = result.report.stats.caps ?? {};
  if (caps.sources_capped) {
    notes.push(
      `Only the first ${count(caps.max_sources)} sources are tracked; ` +
        `${count(caps.records_held_back)} records of later sources are not in the findings.`,
    );
  }
  if (caps.findings_with_capped_values) {
    notes.push(
      `${count(caps.findings_with_capped_values)} findings reached the cap of ` +
        `${count(caps.max_values)} values in a column (see capped_columns in the JSON).`,
    );
  }
  const t = result.timeline;
  if (result.heldBack.verdicts) {
    notes.push(
      `${count(result.heldBack.verdicts)} records came in chunks too large for the ` +
        "record-by-record view: the timeline, the destinations and the comparison miss them.",
    );
  }
  if (t.untracked) {
    notes.push(
      `The timeline follows 2,000 sources; ${count(t.untracked)} records of others are not drawn.`,
    );
  }
  if (t.untimed) {
    notes.push(`${count(t.untimed)} records carry no time and are not on the timeline.`);
  }
  if (result.heldBack.destinations) {
    notes.push(
      `${count(result.heldBack.destinations)} records are past the destinations view's caps.`,
    );
  }
  return notes;
}

/** The comparison of the two profiles on the same input. */
export function comparisonView(comparison, results, offset) {
  const escu = results.escu.report.findings.length;
  const dflt = results.default.report.findings.length;
  const parts = [
    el(
      "p",
      {},
      `escu reports ${count(escu)} ${escu === 1 ? "source" : "sources"}, ` +
        `default ${count(dflt)}. Each record one profile counts and the other does not ` +
        "is listed by source, with the other profile's reason.",
    ),
    side("escu reports, default does not", comparison.escu.only, "default", offset),
    side(
      "Both report; escu counts records that default leaves out",
      comparison.escu.more,
      "default",
      offset,
    ),
    side("default reports, escu does not", comparison.default.only, "escu", offset),
    side(
      "Both report; default counts records that escu leaves out",
      comparison.default.more,
      "escu",
      offset,
    ),
  ];
  if (comparison.heldBack) {
    parts.push(
      el(
        "p",
        { className: "note" },
        `${count(comparison.heldBack)} records of sources past the cap are not listed.`,
      ),
    );
  }
  if (comparison.mismatched) {
    parts.push(
      el(
        "p",
        { className: "note" },
        "The two runs disagreed on the records they read; the comparison is incomplete.",
      ),
    );
  }
  return el("div", { className: "comparison" }, parts);
}

function side(title, items, other, offset) {
  const body =
    items.length === 0
      ? el("p", { className: "muted" }, "None.")
      : items.map((item) => sourceBlock(item, other, offset));
  return el(
    "section",
    { className: "side" },
    el("h3", {}, title, el("span", { className: "badge" }, count(items.length))),
    body,
  );
}

function sourceBlock(item, other, offset) {
  const reasons = Object.entries(item.reasons).sort((a, b) => b[1] - a[1]);
  return el(
    "details",
    { className: "source", dataset: { src: item.src_ip } },
    el(
      "summary",
      {},
      el("code", {}, item.src_ip || "(no source)"),
      ` ${count(item.records)} ${item.records === 1 ? "record" : "records"}; ${other}: `,
      reasons.map(([r, n], i) => [
        i ? ", " : "",
        el("span", { className: "reason", title: REASONS[r] ?? r }, r),
        ` ${count(n)}`,
      ]),
    ),
    el(
      "ul",
      { className: "reasons" },
      reasons.map(([r, n]) =>
        el("li", {}, el("strong", {}, r), ` (${count(n)}): ${REASONS[r] ?? ""}`),
      ),
    ),
    samplesTable(item.samples, offset),
  );
}

function samplesTable(samples, offset) {
  const head = ["time", "destination", "port", "transport", "action", "reason"];
  return el(
    "table",
    { className: "samples" },
    el("caption", {}, "Examples"),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        head.map((h) => el("th", { attrs: { scope: "col" } }, h)),
      ),
    ),
    el(
      "tbody",
      {},
      samples.map((x) =>
        el(
          "tr",
          {},
          [
            time(x._time, offset),
            x.dest_ip ?? x.dest ?? "",
            x.dest_port,
            x.transport,
            x.action,
            x.reason,
          ].map((c) => el("td", {}, String(c))),
        ),
      ),
    ),
  );
}
