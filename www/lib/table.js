// The findings table: the profile's columns, sortable by any column, filtered by text,
// and a row that opens to show its source's destinations.

import { el, replace } from "./dom.js";
import { byteOrder } from "./verdicts.js";
import { count } from "./format.js";

/** The columns of each profile, in the report's order (SPEC §2 and §3). */
export const COLUMNS = {
  escu: [
    "src_ip",
    "start_time",
    "end_time",
    "action",
    "app",
    "dest_ip",
    "dest_port",
    "sourcetype",
    "count",
  ],
};
COLUMNS.default = [...COLUMNS.escu, "dest_count", "bytes_out", "bytes_in", "established"];

const NUMERIC = new Set(["count", "dest_count", "bytes_out", "bytes_in", "established"]);

/** The most rows drawn at once; a filter narrows the rest down. */
export const MAX_ROWS = 1000;

/** A cell's text: multivalue cells one value a line, as the CSV export writes them. */
export function cellText(value) {
  if (value === null || value === undefined) {
    return "";
  }
  return Array.isArray(value) ? value.join("\n") : String(value);
}

/** The findings whose cells hold `text` (any case), in the order of `sort`. */
export function visibleRows(findings, columns, { text = "", sort } = {}) {
  const needle = text.trim().toLowerCase();
  const rows = needle
    ? findings.filter((f) => columns.some((c) => cellText(f[c]).toLowerCase().includes(needle)))
    : [...findings];
  if (sort) {
    const sign = sort.descending ? -1 : 1;
    rows.sort((a, b) => sign * compareCells(a[sort.column], b[sort.column], sort.column));
  }
  return rows;
}

function compareCells(a, b, column) {
  if (NUMERIC.has(column)) {
    return (a ?? -1) - (b ?? -1);
  }
  return byteOrder(cellText(a), cellText(b));
}

/**
 * Draws `findings` into `container` as a table with a filter box; `detail(finding)`
 * gives the node shown under a row that is opened.
 */
export function findingsTable(container, { findings, profile, detail }) {
  const columns = COLUMNS[profile];
  const state = { text: "", sort: null, open: new Set(), focus: null };
  const filter = el("input", {
    type: "search",
    id: "filter",
    placeholder: "Filter: an address, a port, a sourcetype…",
    attrs: { "aria-label": "Filter the findings" },
  });
  const shown = el("span", { className: "muted", id: "shown" });
  const head = el("thead");
  const body = el("tbody");
  const table = el("table", { className: "findings", id: "findings-table" }, head, body);
  const draw = () => {
    const rows = visibleRows(findings, columns, state);
    replace(head, headRow(columns, state, draw));
    replace(
      body,
      rows.slice(0, MAX_ROWS).map((f) => rowsOf(f, columns, state, detail, draw)),
    );
    shown.textContent = showing(rows.length, findings.length);
  };
  filter.addEventListener("input", () => {
    state.text = filter.value;
    draw();
  });
  replace(
    container,
    el("div", { className: "toolbar" }, filter, shown),
    el("div", { className: "scroll" }, table),
  );
  draw();
}

function showing(visible, total) {
  const drawn = Math.min(visible, MAX_ROWS);
  const more = visible > MAX_ROWS ? `; the first ${count(drawn)} drawn, filter to see others` : "";
  return `${count(visible)} of ${count(total)} sources${more}`;
}

function headRow(columns, state, draw) {
  return el(
    "tr",
    {},
    columns.map((column) => {
      const sorted = state.sort?.column === column;
      const order = sorted ? (state.sort.descending ? "descending" : "ascending") : "none";
      const button = el("button", { type: "button", className: "sort" }, breakable(column));
      button.addEventListener("click", () => {
        state.sort = { column, descending: sorted && !state.sort.descending };
        draw();
      });
      return el(
        "th",
        { attrs: { "aria-sort": order, scope: "col" }, className: kind(column) },
        button,
      );
    }),
  );
}

const WRAPPED = new Set(["sourcetype", "app"]);

/** A column name that may wrap after its underscores, so numeric columns stay narrow. */
function breakable(name) {
  return name
    .split("_")
    .map((part, i, all) => (i < all.length - 1 ? [`${part}_`, el("wbr")] : part));
}

function kind(column) {
  return NUMERIC.has(column) ? "num" : WRAPPED.has(column) ? "wrap" : "text";
}

function rowsOf(finding, columns, state, detail, draw) {
  const isOpen = state.open.has(finding.src_ip);
  const row = el(
    "tr",
    {
      className: isOpen ? "finding open" : "finding",
      tabIndex: 0,
      attrs: { "aria-expanded": String(isOpen) },
      dataset: { src: finding.src_ip },
    },
    columns.map((c) => el("td", { className: `${kind(c)} col-${c}` }, cellText(finding[c]))),
  );
  const toggle = () => {
    state.focus = finding.src_ip;
    if (isOpen) {
      state.open.delete(finding.src_ip);
    } else {
      state.open.add(finding.src_ip);
    }
    draw();
  };
  row.addEventListener("click", toggle);
  row.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      toggle();
    }
  });
  if (!isOpen) {
    return row;
  }
  const cell = el("td", { colSpan: columns.length }, detail(finding));
  return [row, el("tr", { className: "detail" }, cell)];
}

/** The destinations of a source: address, ports, records, first and last seen. */
export function destinationsTable(destinations) {
  const head = ["destination", "ports", "records", "first seen", "last seen"];
  return el(
    "table",
    { className: "destinations" },
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
      destinations.map((d) =>
        el(
          "tr",
          {},
          el("td", {}, d.dest_ip),
          el("td", {}, d.dest_port.join(", ")),
          el("td", { className: "num" }, count(d.count)),
          el("td", {}, d.first_time ?? ""),
          el("td", {}, d.last_time ?? ""),
        ),
      ),
    ),
  );
}
