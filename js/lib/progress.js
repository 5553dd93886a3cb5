// A one-line progress bar for a terminal: bytes read, rate, and time left when the
// total is known. It redraws at most ten times a second and erases itself at the end.

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export class ProgressBar {
  /**
   * @param {NodeJS.WriteStream} stream where to draw (standard error)
   * @param {number | undefined} total bytes expected, when known
   */
  constructor(stream, total) {
    this.stream = stream;
    this.total = total;
    this.bytes = 0;
    this.started = Date.now();
    this.drawn = 0;
  }

  /** Adds bytes read. */
  add(bytes) {
    this.bytes += bytes;
    const now = Date.now();
    if (now - this.drawn >= REDRAW_MS) {
      this.drawn = now;
      this.stream.write(`\r${this.line(now)}\x1b[K`);
    }
  }

  /** Erases the bar. */
  done() {
    if (this.drawn > 0) {
      this.stream.write("\r\x1b[K");
    }
  }

  line(now) {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = this.bytes / seconds;
    const parts = [`${size(this.bytes)}`];
    if (this.total) {
      const done = Math.min(this.bytes / this.total, 1);
      const filled = Math.round(done * BAR_WIDTH);
      const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
      parts[0] = `[${bar}] ${size(this.bytes)} / ${size(this.total)}`;
      const left = rate > 0 ? (this.total - this.bytes) / rate : 0;
      parts.push(`${size(rate)}/s`, `${duration(left)} left`);
    } else {
      parts.push(`${size(rate)}/s`);
    }
    return parts.join("  ");
  }
}

/** Bytes in binary units, one decimal. */
export function size(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as m:ss or h:mm:ss. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
