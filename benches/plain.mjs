// The floor: the `escu` search written the plain way, lines and split and JSON.parse.
//
//   node benches/plain.mjs FORMAT FILE
//
// FORMAT is one of gen.py's: zeek-tsv, zeek-json, eve, panos. Prints the findings as
// JSON in the shape of the CLI's `--output json`.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const PRIVATE =
  /^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.)/;
const PAN_BLOCKED = new Set([
  "deny",
  "drop",
  "drop-icmp",
  "reset-client",
  "reset-server",
  "reset-both",
]);

// Each reader turns a line into [src_ip, dest_ip, dest_port, app, action, sourcetype, t].
const readers = {
  "zeek-tsv": (line) => {
    if (line.startsWith("#")) return null;
    const f = line.split("\t");
    const app = f[7] === "-" ? null : f[7];
    return [f[2], f[4], +f[5], app, f[11] === "REJ" ? "blocked" : "allowed", "bro:conn", +f[0]];
  },
  "zeek-json": (line) => {
    const o = JSON.parse(line);
    const action = o.conn_state === "REJ" ? "blocked" : "allowed";
    const app = o.service ?? null;
    return [o["id.orig_h"], o["id.resp_h"], o["id.resp_p"], app, action, "bro:conn:json", o.ts];
  },
  eve: (line) => {
    const o = JSON.parse(line);
    if (o.src_ip === undefined && o.dest_ip === undefined) return null;
    const app = o.event_type === "smb" ? "smb" : (o.app_proto ?? null);
    const action = o.alert?.action?.toLowerCase() === "blocked" ? "blocked" : "allowed";
    const t = Date.parse(eveTime(o.flow?.start ?? o.timestamp)) / 1000;
    return [o.src_ip, o.dest_ip, o.dest_port ?? 0, app, action, "suricata", t];
  },
  panos: (line) => {
    const f = line.split(",");
    const refused = f[4] === "drop" || f[4] === "deny";
    const verb = refused ? "deny" : f[30];
    const action = verb === "allow" ? "allowed" : PAN_BLOCKED.has(verb) ? "blocked" : "unknown";
    const time = [f[35], f[6], f[1]].find((x) => x && /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/.test(x));
    const t = Date.parse(time.replaceAll("/", "-").replace(" ", "T") + "Z") / 1000;
    return [f[7], f[8], +f[25] || 0, f[14] || null, action, "pan:traffic", t];
  },
};

// `2024-03-03T19:01:02.199788-0500` → a form Date.parse reads (milliseconds, `-05:00`).
const eveTime = (s) => s.slice(0, 23) + s.slice(26, 29) + ":" + s.slice(29);

const iso = (t) => new Date(Math.floor(t) * 1000).toISOString().slice(0, 19);
const sorted = (set) => [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function main([format, file]) {
  const read = readers[format];
  const groups = new Map();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const r = line && read(line);
    if (!r) continue;
    const [src, dest, port, app, action, sourcetype, t] = r;
    const smb = port === 139 || port === 445 || app?.toLowerCase() === "smb";
    if (!smb || action === "blocked" || PRIVATE.test(dest ?? "") || src == null) continue;
    let g = groups.get(src);
    if (!g) {
      g = {
        start: t,
        end: t,
        action: new Set(),
        app: new Set(),
        dest: new Set(),
        port: new Set(),
        st: new Set(),
        count: 0,
      };
      groups.set(src, g);
    }
    g.start = Math.min(g.start, t);
    g.end = Math.max(g.end, t);
    g.action.add(action);
    if (app != null) g.app.add(app);
    if (dest != null) g.dest.add(dest);
    g.port.add(String(port));
    g.st.add(sourcetype);
    g.count += 1;
  }
  const findings = sorted(groups.keys()).map((src) => {
    const g = groups.get(src);
    return {
      src_ip: src,
      start_time: iso(g.start),
      end_time: iso(g.end),
      action: sorted(g.action),
      app: sorted(g.app),
      dest_ip: sorted(g.dest),
      dest_port: sorted(g.port),
      sourcetype: sorted(g.st),
      count: g.count,
    };
  });
  process.stdout.write(JSON.stringify({ profile: "escu", findings }) + "\n");
}

await main(process.argv.slice(2));
