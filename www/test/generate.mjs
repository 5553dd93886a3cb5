// A seeded generator of large Zeek conn logs (JSON lines) for the demo's tests: mostly
// ordinary web and DNS traffic, with SMB egress from a fixed set of internal hosts spread
// through the file, and internal SMB that the detection must leave out.

import { createWriteStream } from "node:fs";
import { once } from "node:events";

/** The internal hosts that send SMB to the Internet, whatever the seed. */
export const EGRESS_SOURCES = ["10.8.1.17", "10.8.2.40", "10.8.3.5", "10.8.9.201", "fd00:8::41"];

const EGRESS_DESTS = [
  "45.153.160.2",
  "81.169.238.17",
  "146.70.117.20",
  "2a03:b0c0:3:d0::1a4e:7001",
];
const WEB_DESTS = ["151.101.36.133", "13.107.4.50", "20.150.71.36", "93.184.215.14"];
const FILE_SERVER = "10.8.0.10";

/** One line in every this many is SMB egress. */
const EGRESS_EVERY = 997;

/** A seeded generator of whole numbers below `n`. */
export function generator(seed) {
  let state = seed || 1;
  return (n) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % n;
  };
}

/**
 * Writes at least `bytes` bytes of Zeek conn JSON lines to `path`. Resolves to what the
 * detection should find: the sources, and the number of SMB egress records.
 */
export async function writeConnLog(path, bytes, seed) {
  const random = generator(seed);
  const out = createWriteStream(path);
  let written = 0;
  let line = 0;
  let egress = 0;
  const start = 1_709_000_000;
  while (written < bytes) {
    const lines = [];
    for (let i = 0; i < 4096; i++, line++) {
      const ts = start + line * 0.05;
      const isEgress = line % EGRESS_EVERY === 0;
      egress += isEgress ? 1 : 0;
      lines.push(isEgress ? egressLine(ts, line, random) : ordinaryLine(ts, random));
    }
    const text = lines.join("\n") + "\n";
    written += Buffer.byteLength(text);
    if (!out.write(text)) {
      await once(out, "drain");
    }
  }
  out.end();
  await once(out, "finish");
  return { sources: [...EGRESS_SOURCES].sort(), egress, lines: line };
}

function egressLine(ts, line, random) {
  const n = Math.floor(line / EGRESS_EVERY);
  const src = EGRESS_SOURCES[n % EGRESS_SOURCES.length];
  const v6 = src.includes(":");
  const dest = v6 ? EGRESS_DESTS[3] : EGRESS_DESTS[n % 3];
  return conn(ts, random, src, dest, 445, "smb", "SF");
}

function ordinaryLine(ts, random) {
  const src = `10.8.${random(16)}.${1 + random(250)}`;
  const kind = random(20);
  if (kind === 0) {
    return conn(ts, random, src, FILE_SERVER, 445, "smb", "SF");
  }
  if (kind < 5) {
    return conn(ts, random, src, "10.8.0.2", 53, "dns", "SF", "udp");
  }
  return conn(ts, random, src, WEB_DESTS[random(4)], 443, "ssl", "SF");
}

const UID = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function uid(random) {
  let id = "C";
  for (let i = 0; i < 17; i++) {
    id += UID[random(UID.length)];
  }
  return id;
}

function conn(ts, random, src, dest, port, service, state, proto = "tcp") {
  return (
    `{"ts":${Number(ts.toFixed(6))},"uid":"${uid(random)}","id.orig_h":"${src}",` +
    `"id.orig_p":${49152 + random(16000)},"id.resp_h":"${dest}","id.resp_p":${port},` +
    `"proto":"${proto}","service":"${service}","duration":${random(100000) / 1000},` +
    `"orig_bytes":${random(90000)},"resp_bytes":${random(900000)},"conn_state":"${state}",` +
    `"missed_bytes":0,"history":"ShADadFf","orig_pkts":${random(90)},` +
    `"resp_pkts":${random(900)}}`
  );
}
