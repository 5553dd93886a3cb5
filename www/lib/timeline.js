// The SMB egress records of each source over time, in memory bounded whatever the input:
// counts per time bucket, with buckets that widen (and merge) as the time span grows.

import { svg } from "./dom.js";
import { count, time } from "./format.js";

/** The most buckets the time span takes; past it every bucket doubles in width. */
export const MAX_BUCKETS = 512;

/** The most sources a timeline follows; later ones are counted, not drawn. */
export const MAX_SOURCES = 2000;

/** Counts of records per source and time bucket. */
export class Timeline {
  #width = 60;
  #sources = new Map();
  #min = Infinity;
  #max = -Infinity;
  untimed = 0;
  untracked = 0;

  /** Adds a record of `source` at `epoch` seconds (or without a time). */
  add(source, epoch) {
    if (typeof epoch !== "number" || !Number.isFinite(epoch)) {
      this.untimed += 1;
      return;
    }
    let buckets = this.#sources.get(source);
    if (buckets === undefined) {
      if (this.#sources.size >= MAX_SOURCES) {
        this.untracked += 1;
        return;
      }
      buckets = new Map();
      this.#sources.set(source, buckets);
    }
    this.#min = Math.min(this.#min, epoch);
    this.#max = Math.max(this.#max, epoch);
    const key = Math.floor(epoch / this.#width);
    buckets.set(key, (buckets.get(key) ?? 0) + 1);
    while ((this.#max - this.#min) / this.#width >= MAX_BUCKETS) {
      this.#widen();
    }
  }

  #widen() {
    this.#width *= 2;
    for (const [source, buckets] of this.#sources) {
      const wider = new Map();
      for (const [key, n] of buckets) {
        const merged = Math.floor(key / 2);
        wider.set(merged, (wider.get(merged) ?? 0) + n);
      }
      this.#sources.set(source, wider);
    }
  }

  /**
   * What to draw: the bucket width in seconds, the time span, and per source its
   * buckets as `[start, count]` pairs in time order.
   */
  data() {
    const sources = [...this.#sources].map(([source, buckets]) => ({
      source,
      total: [...buckets.values()].reduce((a, b) => a + b, 0),
      buckets: [...buckets].sort((a, b) => a[0] - b[0]).map(([key, n]) => [key * this.#width, n]),
    }));
    return {
      width: this.#width,
      min: this.#min,
      max: this.#max,
      sources,
      untimed: this.untimed,
      untracked: this.untracked,
    };
  }
}

const ROW = 22;
const LABEL = 190;
const PLOT = 760;
const AXIS = 28;
const LABEL_CHARS = 27;

/**
 * The timeline as an SVG: a row per source (in `order`, at most `rows`), a mark per
 * bucket whose height grows with its count, and a time axis at `offset`.
 */
export function drawTimeline(data, { order, offset = "+00:00", rows = 60 } = {}) {
  const bySource = new Map(data.sources.map((s) => [s.source, s]));
  const shown = (order ?? [...bySource.keys()]).filter((s) => bySource.has(s)).slice(0, rows);
  const start = Math.floor(data.min / data.width) * data.width;
  const span = Math.max(data.width, data.max - start + data.width);
  const x = (t) => LABEL + ((t - start) / span) * PLOT;
  const height = shown.length * ROW + AXIS;
  const peak = Math.max(1, ...shown.flatMap((s) => bySource.get(s).buckets.map((b) => b[1])));
  const picture = svg("svg", {
    viewBox: `0 0 ${LABEL + PLOT + 10} ${height}`,
    class: "timeline",
    role: "img",
    "aria-label": "SMB egress records per source over time",
  });
  shown.forEach((source, i) =>
    picture.append(row(bySource.get(source), i, { x, data, peak, offset })),
  );
  picture.append(axis(start, span, shown.length * ROW, offset));
  return picture;
}

function row(line, i, { x, data, peak, offset }) {
  const y = i * ROW;
  const group = svg("g", { class: "row" });
  group.append(
    svg("rect", { x: 0, y, width: LABEL + PLOT, height: ROW, class: i % 2 ? "band odd" : "band" }),
    svg(
      "text",
      { x: 4, y: y + ROW - 7, class: "label" },
      short(line.source),
      svg("title", {}, line.source),
    ),
  );
  const barWidth = Math.max(1.5, x(data.width) - x(0));
  for (const [startTime, n] of line.buckets) {
    const h = 3 + ((ROW - 7) * Math.log1p(n)) / Math.log1p(peak);
    const mark = svg("rect", {
      x: x(startTime).toFixed(1),
      y: (y + ROW - 2 - h).toFixed(1),
      width: barWidth.toFixed(1),
      height: h.toFixed(1),
      class: "mark",
    });
    const until = time(startTime + data.width, offset);
    mark.append(
      svg("title", {}, `${line.source}: ${count(n)} from ${time(startTime, offset)} to ${until}`),
    );
    group.append(mark);
  }
  return group;
}

/** A label that fits the label column, cut in the middle when it is too long. */
function short(text) {
  return text.length <= LABEL_CHARS ? text : `${text.slice(0, 13)}…${text.slice(-13)}`;
}

function axis(start, span, top, offset) {
  const group = svg("g", { class: "axis" });
  group.append(svg("line", { x1: LABEL, x2: LABEL + PLOT, y1: top + 1, y2: top + 1 }));
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const t = start + (span * i) / ticks;
    const tx = LABEL + (PLOT * i) / ticks;
    const anchor = i === 0 ? "start" : i === ticks ? "end" : "middle";
    group.append(
      svg("line", { x1: tx, x2: tx, y1: top + 1, y2: top + 5 }),
      svg("text", { x: tx, y: top + 18, "text-anchor": anchor }, time(t, offset).replace("T", " ")),
    );
  }
  return group;
}
