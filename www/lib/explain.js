// Why a report holds what it holds, in sentences built from its statistics, so that an
// empty result explains itself.

import { REASONS } from "./verdicts.js";
import { count } from "./format.js";

/** The reason names of `stats.skipped`, in the page's words. */
export const SKIP_REASONS = {
  unrecognized: "no supported format recognizes the line",
  malformed: "a line of a known format that could not be read",
  missing_field: "a field the record needs is missing or empty",
  not_connection: "a line that describes no connection",
  too_long: "longer than the line cap",
  format_mismatch: "not a line of the format asked for",
};

/** Sentences that say what the run found and, when it found nothing, why. */
export function explain(report) {
  const s = report.stats;
  const lines = [];
  const found = s.findings ?? report.findings.length;
  if (s.lines === 0) {
    return ["The files hold no lines."];
  }
  if (s.records === 0 && s.prefiltered_lines === s.lines) {
    return [
      `None of the ${count(s.lines)} lines holds an SMB port or an SMB name, ` +
        "so none of them can be SMB traffic.",
    ];
  }
  if (s.records === 0) {
    lines.push(`No line was read as a connection record of a supported format.`);
    lines.push(...skipped(s));
    return lines;
  }
  if (s.candidates === 0) {
    return [
      `${count(s.records)} connection records were read; none of them is SMB ` +
        `under profile ${report.profile} (ports, transport or application name).`,
    ];
  }
  if (found === 0) {
    lines.push(
      `${count(s.candidates)} SMB ${plural(s.candidates, "record was", "records were")} ` +
        "read, and the profile's rules left every one out:",
    );
  } else {
    lines.push(
      `${count(s.finding_records)} of ${count(s.candidates)} SMB records are egress, ` +
        `from ${count(found)} ${plural(found, "source", "sources")}. The others were left out:`,
    );
  }
  lines.push(...excluded(s));
  return lines;
}

function skipped(s) {
  return Object.entries(s.skipped).map(
    ([reason, n]) => `${count(n)} skipped: ${SKIP_REASONS[reason] ?? reason}.`,
  );
}

function excluded(s) {
  const entries = Object.entries(s.excluded);
  if (entries.length === 0) {
    return ["none."];
  }
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${count(n)}: ${REASONS[reason] ?? reason}.`);
}

function plural(n, one, many) {
  return n === 1 ? one : many;
}
