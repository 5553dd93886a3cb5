// What the page gathers from the package's verdicts view (one JSON object a line per SMB
// record, with the profile's verdict): the destinations behind each finding, and where
// the two profiles disagree. Every map here has a cap, and says what it held back.

/** The lines of a take of the verdicts view, as text. */
export function splitLines(text) {
  return text.length === 0 ? [] : text.trimEnd().split("\n");
}

/**
 * Whether a line of the view is a finding, without parsing it: inside a JSON string a
 * quote is escaped, so only the `verdict` key itself can hold this text.
 */
export function isFinding(line) {
  return line.includes('"verdict":"finding"');
}

/** The source of a line, as the report names a missing one. */
function sourceOf(line) {
  return line.src_ip ?? "";
}

/** The destination of a line: its address, else its host name. */
function destinationOf(line) {
  return line.dest_ip ?? line.dest ?? "";
}

/** The most sources, and destinations per source, that `Destinations` keeps. */
export const DESTINATION_CAPS = { sources: 5000, perSource: 200 };

/**
 * The destinations of each source's findings (ports, records, first and last time),
 * from the `finding` lines: the per-destination view the `escu` report leaves out.
 */
export class Destinations {
  #sources = new Map();
  heldBack = 0;

  add(line) {
    if (line.verdict !== "finding") {
      return;
    }
    const dests = this.#sourceMap(sourceOf(line));
    const key = destinationOf(line);
    let entry = dests?.get(key);
    if (dests && entry === undefined && dests.size < DESTINATION_CAPS.perSource) {
      entry = { dest_ip: key, ports: new Set(), count: 0, first: null, last: null };
      dests.set(key, entry);
    }
    if (entry === undefined) {
      this.heldBack += 1;
      return;
    }
    entry.ports.add(String(line.dest_port));
    entry.count += 1;
    if (typeof line._time === "number") {
      entry.first = entry.first === null ? line._time : Math.min(entry.first, line._time);
      entry.last = entry.last === null ? line._time : Math.max(entry.last, line._time);
    }
  }

  #sourceMap(source) {
    let dests = this.#sources.get(source);
    if (dests === undefined && this.#sources.size < DESTINATION_CAPS.sources) {
      dests = new Map();
      this.#sources.set(source, dests);
    }
    return dests;
  }

  /** Per source, its destinations sorted as the report sorts values (byte order). */
  data() {
    const out = {};
    for (const [source, dests] of this.#sources) {
      out[source] = [...dests.values()]
        .sort((a, b) => byteOrder(a.dest_ip, b.dest_ip))
        .map((d) => ({ ...d, ports: [...d.ports].sort(byteOrder) }));
    }
    return out;
  }
}

/** Compares strings by their UTF-8 bytes, as the report sorts values. */
export function byteOrder(a, b) {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      return x[i] - y[i];
    }
  }
  return x.length - y.length;
}

/** The most sources, and example records per source, that `Comparison` keeps. */
export const COMPARISON_CAPS = { sources: 5000, samples: 8 };

/**
 * Where `escu` and `default` disagree, record by record. Both analyzers read the same
 * input, so their verdict lines come for the same records in the same order; each pair
 * where one profile finds SMB egress and the other does not counts toward the source,
 * with the other profile's reason.
 */
export class Comparison {
  #sides = { escu: new Map(), default: new Map() };
  heldBack = 0;
  mismatched = false;

  /**
   * Adds the lines (as text) both analyzers gave for the same stretch of input; only
   * the pairs where the verdicts differ are parsed.
   */
  add(escuLines, defaultLines) {
    if (escuLines.length !== defaultLines.length) {
      this.mismatched = true;
      return;
    }
    for (let i = 0; i < escuLines.length; i++) {
      const escu = isFinding(escuLines[i]);
      if (escu === isFinding(defaultLines[i])) {
        continue;
      }
      const e = JSON.parse(escuLines[i]);
      const d = JSON.parse(defaultLines[i]);
      if (escu) {
        this.#count("escu", e, d);
      } else {
        this.#count("default", d, e);
      }
    }
  }

  /** A record `found` by one profile that the other judged as `other`. */
  #count(side, found, other) {
    const map = this.#sides[side];
    const source = sourceOf(found);
    let entry = map.get(source);
    if (entry === undefined) {
      if (map.size >= COMPARISON_CAPS.sources) {
        this.heldBack += 1;
        return;
      }
      entry = { records: 0, reasons: {}, samples: [] };
      map.set(source, entry);
    }
    const reason = other.verdict === "excluded" ? other.reason : "not_candidate";
    entry.records += 1;
    entry.reasons[reason] = (entry.reasons[reason] ?? 0) + 1;
    if (entry.samples.length < COMPARISON_CAPS.samples) {
      const { _time, dest_ip, dest, dest_port, transport, action } = found;
      entry.samples.push({ _time, dest_ip, dest, dest_port, transport, action, reason });
    }
  }

  /**
   * The comparison of two reports of the same input: per side, the sources only that
   * profile reports (`only`), and the sources both report where that profile counts
   * records the other does not (`more`), each with the other profile's reasons.
   */
  result(escuReport, defaultReport) {
    const sources = (report) => new Set(report.findings.map((f) => f.src_ip));
    const found = { escu: sources(escuReport), default: sources(defaultReport) };
    const side = (name, other) => {
      const only = [];
      const more = [];
      for (const source of [...found[name]].sort(byteOrder)) {
        const entry = this.#sides[name].get(source) ?? { records: 0, reasons: {}, samples: [] };
        const item = { src_ip: source, ...entry };
        if (!found[other].has(source)) {
          only.push(item);
        } else if (entry.records > 0) {
          more.push(item);
        }
      }
      return { only, more };
    };
    return {
      escu: side("escu", "default"),
      default: side("default", "escu"),
      heldBack: this.heldBack,
      mismatched: this.mismatched,
    };
  }
}

/** What each verdict reason means, in the page's words. */
export const REASONS = {
  not_candidate: "not SMB under this profile (port, transport or application name)",
  no_source: "the record has no source address",
  source_not_internal: "the source is not an internal address",
  blocked: "the device blocked the connection",
  internal_category: "the destination's asset category is internal",
  private_destination: "the destination is in the search's four private IPv4 ranges",
  no_destination: "the record has no destination address",
  destination_not_address: "the destination is a name, not an address",
  destination_internal: "the destination is in the internal set",
  destination_not_global:
    "the destination is not globally reachable (reserved, documentation, link-local, multicast…)",
  allowlisted: "an allowlist rule matched",
  not_established: "no completed handshake (require established is on)",
};
