// Numbers, sizes, durations and times as the page shows them.

/** A byte count with a binary unit: `1.5 MiB`. */
export function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** A count with thousands separators. */
export function count(n) {
  return Number(n).toLocaleString("en-US");
}

/** A duration in seconds as `0.4 s`, `45 s`, `3 min 5 s` or `2 h 10 min`. */
export function duration(seconds) {
  if (seconds < 9.95) {
    return `${Math.max(0, seconds).toFixed(1)} s`;
  }
  const s = Math.round(seconds);
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${s % 60} s`;
  }
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The seconds east of UTC of an offset written `+HH:MM` (0 when it is not one). */
export function offsetSeconds(offset) {
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(offset ?? "");
  if (!match) {
    return 0;
  }
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === "-" ? -seconds : seconds;
}

/**
 * Epoch seconds as the report writes times: `%Y-%m-%dT%H:%M:%S` at the given offset,
 * sub-seconds truncated.
 */
export function time(epoch, offset = "+00:00") {
  if (typeof epoch !== "number" || !Number.isFinite(epoch)) {
    return "";
  }
  const shifted = Math.floor(epoch) + offsetSeconds(offset);
  const iso = new Date(shifted * 1000).toISOString();
  return iso.slice(0, 19);
}
