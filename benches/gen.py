#!/usr/bin/env python3
"""Seeded generator of large, realistic connection logs for the benchmark.

Writes one day of traffic of a mid-sized network, in one of four formats, to a file of
about the size asked for:

    zeek-tsv    Zeek conn.log, TSV with its header lines
    zeek-json   Zeek conn.log, JSON lines
    eve         Suricata eve.json: flow, dns, tls, http, fileinfo, alert, smb, stats
    panos       PAN-OS TRAFFIC CSV behind a syslog header

The mix: a few thousand internal hosts (10/8, 172.16/12, 192.168/16, a little IPv6),
tens of thousands of Internet addresses, mostly web and DNS, about 1% SMB (most of it to
internal file servers, some refused or blocked at the edge), a handful of internal hosts
that reach SMB servers on the Internet (one of them a worm-like sweep over hundreds of
addresses), and a tail of sources that each talk to thousands of destinations.

`--egress-sources N` replaces the handful with N distinct egress sources (the memory
test: the aggregator then holds N groups).

The output depends only on the arguments: same seed, same bytes.

    python3 benches/gen.py --format zeek-tsv --size 100MiB --out benches/data/x.log
"""

import argparse
import ipaddress
import json
import os
import random
import sys
import time

DAY_START = 1709510400  # 2024-03-04T00:00:00Z
DAY = 86400
EVE_OFFSET = -5 * 3600  # the sensor writes local time, UTC-05:00

BYTES_PER_CONN = {"zeek-tsv": 130, "zeek-json": 380, "eve": 730, "panos": 460}
SIZES = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def parse_size(text):
    for unit, factor in SIZES.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


class Network:
    """The hosts and the traffic mix, drawn once from the seed."""

    def __init__(self, rng, egress_sources):
        self.rng = rng
        self.internal = self._internal_hosts(4000)
        self.internal6 = [
            str(ipaddress.IPv6Address((0xFD12_3456_789A << 80) | rng.getrandbits(64)))
            for _ in range(200)
        ]
        self.internet = self._internet_hosts(30000)
        self.internet6 = [
            str(ipaddress.IPv6Address((0x2A00_1450 << 96) | rng.getrandbits(64)))
            for _ in range(2000)
        ]
        self.dns_servers = ["10.0.0.53", "10.0.0.54"]
        self.file_servers = [f"10.0.1.{i}" for i in range(10, 22)]
        self.dcs = ["10.0.0.10", "10.0.0.11"]
        self.scanners = rng.sample(self.internal, 25)
        if egress_sources:
            self.egress = self._many_sources(egress_sources)
            self.egress_share = 0.08
        else:
            self.egress = rng.sample(self.internal, 6)
            self.egress_share = 0.0004
        self.smb_servers = self._internet_hosts(400)
        self.worm = self.egress[0]
        self.egress_rank = {ip: i for i, ip in enumerate(self.egress)}

    def _internal_hosts(self, n):
        rng = self.rng
        hosts = set()
        while len(hosts) < n:
            kind = rng.random()
            if kind < 0.8:
                hosts.add(f"10.{rng.randint(1, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
            elif kind < 0.9:
                hosts.add(f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
            else:
                hosts.add(f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
        return sorted(hosts)

    def _internet_hosts(self, n):
        rng = self.rng
        hosts = set()
        while len(hosts) < n:
            ip = ipaddress.IPv4Address(rng.getrandbits(32))
            if ip.is_global and not ip.is_multicast:
                hosts.add(str(ip))
        return sorted(hosts)

    def _many_sources(self, n):
        rng = self.rng
        hosts = set()
        while len(hosts) < n:
            hosts.add(f"10.{rng.randint(100, 250)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
        return sorted(hosts)


# Service mixes: (weight, dest_port, transport, zeek service, PAN-OS app, eve app_proto).
MIX = [
    (42, 443, "tcp", "ssl", "ssl", "tls"),
    (9, 80, "tcp", "http", "web-browsing", "http"),
    (22, 53, "udp", "dns", "dns", "dns"),
    (3, 123, "udp", "ntp", "ntp", "ntp"),
    (2, 22, "tcp", "ssh", "ssh", "ssh"),
    (2, 3389, "tcp", "-", "ms-rdp", "rdp"),
    (3, 8080, "tcp", "http", "web-browsing", "http"),
    (3, 88, "tcp", "krb_tcp", "kerberos", "krb5"),
    (3, 389, "tcp", "ldap", "ldap", "ldap"),
    (2, 135, "tcp", "dce_rpc", "msrpc", "dcerpc"),
    (1, 1445, "tcp", "-", "unknown-tcp", None),
    (7, 0, "tcp", "-", "incomplete", None),
]
MIX_WEIGHTS = [m[0] for m in MIX]


class Conn:
    __slots__ = (
        "ts", "src", "sport", "dst", "dport", "proto", "service", "app", "eve_app",
        "blocked", "state", "duration", "obytes", "rbytes", "opkts", "rpkts",
    )


def make_conn(net, rng, ts):
    """One connection of the day's mix."""
    c = Conn()
    c.ts = ts
    c.sport = rng.randint(1024, 65535)
    c.blocked = False
    c.state = "SF"
    r = rng.random()
    if r < 0.01:
        smb_conn(net, rng, c)
    elif r < 0.01 + net.egress_share:
        egress_conn(net, rng, c)
    elif r < 0.06 + net.egress_share:
        scan_conn(net, rng, c)
    else:
        common_conn(net, rng, c)
    sizes(rng, c)
    return c


def common_conn(net, rng, c):
    _, port, proto, service, app, eve_app = rng.choices(MIX, MIX_WEIGHTS)[0]
    c.src = rng.choice(net.internal6 if rng.random() < 0.01 else net.internal)
    if port == 53:
        c.dst = rng.choice(net.dns_servers)
    elif port in (88, 389, 135):
        c.dst = rng.choice(net.dcs)
    elif c.src.find(":") >= 0:
        c.dst = rng.choice(net.internet6)
    elif rng.random() < 0.85:
        c.dst = net.internet[int(rng.paretovariate(0.9)) % len(net.internet)]
    else:
        c.dst = rng.choice(net.internal)
    if port == 0:
        port = rng.randint(1, 65535)
        if port in (139, 445):
            port = 446
        c.state = rng.choice(("S0", "REJ", "OTH"))
        c.blocked = c.state == "REJ"
    c.dport, c.proto, c.service, c.app, c.eve_app = port, proto, service, app, eve_app


def smb_conn(net, rng, c):
    """SMB inside the network, and SMB toward the Internet that the edge refuses."""
    c.proto, c.eve_app = "tcp", "smb"
    c.dport = 445 if rng.random() < 0.9 else 139
    c.src = rng.choice(net.internal)
    c.service = rng.choice(("smb", "gssapi,smb", "krb,smb,gssapi"))
    c.app = "ms-ds-smb" if c.dport == 445 else "netbios-ss"
    if rng.random() < 0.92:
        c.dst = rng.choice(net.file_servers)
    else:
        c.dst = rng.choice(net.smb_servers)
        c.blocked, c.state, c.service, c.eve_app = True, "REJ", "-", None
        c.app = "incomplete"


def egress_conn(net, rng, c):
    """SMB from an internal host to a server on the Internet, let through."""
    c.proto, c.eve_app = "tcp", "smb"
    c.src = rng.choice(net.egress)
    c.dport = 445 if rng.random() < 0.85 else 139
    if c.src == net.worm and net.egress_share < 0.01:
        c.dst = net.smb_servers[rng.randrange(300)]
    else:
        c.dst = net.smb_servers[net.egress_rank[c.src] % 97 + rng.randrange(3)]
    c.service = "smb" if rng.random() < 0.7 else "-"
    c.app = "ms-ds-smb" if c.dport == 445 else "netbios-ss"
    c.state = "SF" if c.service == "smb" else "S1"
    if c.service == "-":
        c.eve_app = None


def scan_conn(net, rng, c):
    """The tail: a few sources that touch thousands of destinations."""
    c.src = rng.choice(net.scanners)
    c.dst = rng.choice(net.internet)
    c.dport = rng.choice((22, 23, 80, 443, 3389, 5900, 8443, 6881, 51413))
    c.proto, c.service, c.app, c.eve_app = "tcp", "-", "incomplete", None
    c.state = rng.choice(("S0", "S0", "REJ", "SH"))
    c.blocked = c.state == "REJ"


def sizes(rng, c):
    if c.state in ("S0", "REJ"):
        c.duration, c.obytes, c.rbytes, c.opkts, c.rpkts = None, 0, 0, 1, int(c.state == "REJ")
        return
    c.duration = rng.expovariate(0.5)
    c.obytes = int(rng.expovariate(1 / 900))
    c.rbytes = int(rng.expovariate(1 / 8000))
    c.opkts = 1 + c.obytes // 700
    c.rpkts = 1 + c.rbytes // 1200


def uid(rng):
    return "C" + "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", k=17))


# ---------------------------------------------------------------------------------------
# Zeek conn.log

ZEEK_FIELDS = (
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
    "resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts "
    "orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents"
).split()
ZEEK_TYPES = (
    "time string addr port addr port enum string interval count count string bool bool "
    "count string count count count count set[string]"
).split()
HISTORY = {"SF": "ShADadFf", "S0": "S", "REJ": "Sr", "OTH": "CC", "SH": "SF", "S1": "ShAD"}


def zeek_values(c, rng):
    local_resp = "T" if c.dst.startswith(("10.", "172.", "192.168.", "fd")) else "F"
    dur = "-" if c.duration is None else f"{c.duration:.6f}"
    ob = "-" if c.duration is None else str(c.obytes)
    rb = "-" if c.duration is None else str(c.rbytes)
    return (
        f"{c.ts:.6f}", uid(rng), c.src, c.sport, c.dst, c.dport, c.proto, c.service, dur, ob,
        rb, c.state, "T", local_resp, 0, HISTORY[c.state], c.opkts, c.opkts * 40 + c.obytes,
        c.rpkts, c.rpkts * 40 + c.rbytes,
    )


def zeek_tsv_header():
    return (
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
        "#path\tconn\n#open\t2024-03-04-00-00-00\n#fields\t" + "\t".join(ZEEK_FIELDS) + "\n"
        "#types\t" + "\t".join(ZEEK_TYPES) + "\n"
    )


def zeek_tsv_line(c, rng):
    return "\t".join(map(str, zeek_values(c, rng))) + "\t-\n"


def zeek_json_line(c, rng):
    v = zeek_values(c, rng)
    parts = [
        f'{{"ts":{v[0]},"uid":"{v[1]}","id.orig_h":"{c.src}","id.orig_p":{c.sport},'
        f'"id.resp_h":"{c.dst}","id.resp_p":{c.dport},"proto":"{c.proto}"'
    ]
    if c.service != "-":
        parts.append(f',"service":"{c.service}"')
    if c.duration is not None:
        parts.append(f',"duration":{v[8]},"orig_bytes":{v[9]},"resp_bytes":{v[10]}')
    parts.append(
        f',"conn_state":"{c.state}","local_orig":true,"local_resp":{str(v[13] == "T").lower()},'
        f'"missed_bytes":0,"history":"{v[15]}","orig_pkts":{v[16]},"orig_ip_bytes":{v[17]},'
        f'"resp_pkts":{v[18]},"resp_ip_bytes":{v[19]}}}\n'
    )
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# Suricata eve.json


def eve_time(ts):
    micros = round(ts * 1e6) + EVE_OFFSET * 1000000
    secs, micros = divmod(micros, 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{micros:06d}-0500"


def eve_lines(c, rng, flow_id):
    """The events Suricata writes for one connection."""
    proto = "TCP" if c.proto == "tcp" else "UDP"
    head = (
        f'"flow_id":{flow_id},"in_iface":"ens5","src_ip":"{c.src}","src_port":{c.sport},'
        f'"dest_ip":"{c.dst}","dest_port":{c.dport},"proto":"{proto}"'
    )
    if c.blocked and c.dport in (139, 445):
        # An IPS drop: the alert says so, and the flow that never formed is not logged.
        return (
            f'{{"timestamp":"{eve_time(c.ts)}",{head},"event_type":"alert","alert":{{'
            f'"action":"blocked","gid":1,"signature_id":2012063,"rev":4,"signature":"ET POLICY '
            f'Outbound SMB attempt","category":"Potential Corporate Privacy Violation",'
            f'"severity":2}}}}\n'
        )
    lines = []
    end = c.ts + (c.duration or 0.0)
    app = f',"app_proto":"{c.eve_app}"' if c.eve_app else ""
    if c.eve_app == "dns":
        lines.append(
            f'{{"timestamp":"{eve_time(c.ts)}",{head},"event_type":"dns","dns":{{"type":"query",'
            f'"id":{rng.randint(1, 65535)},"rrname":"host{rng.randint(1, 9999)}.example.com",'
            f'"rrtype":"A","tx_id":0}}}}\n'
        )
    elif c.eve_app == "tls":
        lines.append(
            f'{{"timestamp":"{eve_time(c.ts + 0.05)}",{head},"event_type":"tls","tls":{{'
            f'"subject":"CN=www{rng.randint(1, 999)}.example.net","issuerdn":"CN=R3, O=Let\'s '
            f'Encrypt, C=US","sni":"www{rng.randint(1, 999)}.example.net","version":"TLS 1.3",'
            f'"ja3":{{"hash":"{rng.getrandbits(128):032x}"}}}}}}\n'
        )
    elif c.eve_app == "http":
        lines.append(
            f'{{"timestamp":"{eve_time(c.ts + 0.02)}",{head},"event_type":"http","tx_id":0,'
            f'"http":{{"hostname":"cdn{rng.randint(1, 99)}.example.org","url":"/assets/'
            f'{rng.getrandbits(40):x}.js","http_user_agent":"Mozilla/5.0 (Windows NT 10.0; '
            f'Win64; x64)","http_method":"GET","protocol":"HTTP/1.1","status":200,'
            f'"length":{c.rbytes}}}}}\n'
        )
        if rng.random() < 0.3:
            lines.append(
                f'{{"timestamp":"{eve_time(c.ts + 0.03)}",{head},"event_type":"fileinfo",'
                f'"fileinfo":{{"filename":"/assets/app.js","gaps":false,"state":"CLOSED",'
                f'"stored":false,"size":{c.rbytes},"tx_id":0}}}}\n'
            )
    elif c.eve_app == "smb":
        lines.append(
            f'{{"timestamp":"{eve_time(c.ts + 0.01)}",{head},"event_type":"smb","smb":{{"id":1,'
            f'"dialect":"3.1.1","command":"SMB2_COMMAND_TREE_CONNECT","status":"STATUS_SUCCESS",'
            f'"status_code":"0x0","session_id":{rng.getrandbits(48)},"tree_id":1,'
            f'"share":"\\\\\\\\FS01\\\\share"}}}}\n'
        )
    if rng.random() < 0.01:
        lines.append(
            f'{{"timestamp":"{eve_time(c.ts)}",{head},"event_type":"alert","alert":{{'
            f'"action":"allowed","gid":1,"signature_id":2210044,"rev":2,"signature":"SURICATA '
            f'STREAM Packet with invalid timestamp","category":"Generic Protocol Command '
            f'Decode","severity":3}}{app}}}\n'
        )
    state = "closed" if c.state == "SF" else "new"
    reason = "timeout" if c.state != "SF" else rng.choice(("timeout", "shutdown"))
    lines.append(
        f'{{"timestamp":"{eve_time(end + 60)}",{head},"event_type":"flow"{app},"flow":{{'
        f'"pkts_toserver":{c.opkts},"pkts_toclient":{c.rpkts},"bytes_toserver":'
        f'{c.opkts * 60 + c.obytes},"bytes_toclient":{c.rpkts * 60 + c.rbytes},"start":'
        f'"{eve_time(c.ts)}","end":"{eve_time(end)}","age":{int(end - c.ts)},"state":"{state}",'
        f'"reason":"{reason}","alerted":false}}}}\n'
    )
    return "".join(lines)


def eve_stats(ts):
    return (
        f'{{"timestamp":"{eve_time(ts)}","event_type":"stats","stats":{{"uptime":{int(ts) % 86400},'
        '"capture":{"kernel_packets":18231123,"kernel_drops":0},"decoder":{"pkts":18231123,'
        '"bytes":12812312312,"ipv4":18000000,"ipv6":231123,"tcp":15000000,"udp":3000000}}}\n'
    )


# ---------------------------------------------------------------------------------------
# PAN-OS TRAFFIC CSV


def pan_time(ts):
    t = time.gmtime(int(ts))
    return time.strftime("%Y/%m/%d %H:%M:%S", t), time.strftime("%b %e %H:%M:%S", t)


def pan_line(c, rng, seq):
    gen, syslog = pan_time(c.ts + (c.duration or 0.0))
    start, _ = pan_time(c.ts)
    if c.blocked:
        action, rule, reason = rng.choice(("deny", "drop", "reset-both")), "block-smb-out", "policy-deny"
    else:
        action, rule, reason = "allow", "outbound-general", rng.choice(("tcp-fin", "aged-out", "tcp-rst-from-client"))
    inside = not c.dst.startswith(("10.", "172.", "192.168.", "fd"))
    to_zone = "untrust" if inside else "trust"
    nat_src = "198.51.100.20" if inside else "0.0.0.0"
    proto = c.proto
    total = c.obytes + c.rbytes + 60 * (c.opkts + c.rpkts)
    fields = (
        "1", gen, "013201001234", "TRAFFIC", "end", "2562", gen, c.src, c.dst, nat_src,
        c.dst if inside else "0.0.0.0", rule, "", "", c.app, "vsys1", "trust", to_zone,
        "ethernet1/2", "ethernet1/1", "default-fwd", gen, str(seq), "1", str(c.sport),
        str(c.dport), str(c.sport) if inside else "0", str(c.dport) if inside else "0",
        "0x400053", proto, action, str(total), str(c.obytes + 60 * c.opkts),
        str(c.rbytes + 60 * c.rpkts), str(c.opkts + c.rpkts), start,
        str(int(c.duration or 0)), "any", "0", str(7200000000 + seq), "0x0",
        "10.0.0.0-10.255.255.255", "United States" if inside else "10.0.0.0-10.255.255.255",
        "0", str(c.opkts), str(c.rpkts), reason, "0", "0", "0", "0", "", "PA-3220",
        "from-policy", "", "", "0", "", "0", "", "N/A", "0", "0", "0", "0",
    )
    return f"{syslog} PA-3220 " + ",".join(fields) + "\n"


# ---------------------------------------------------------------------------------------


def generate(fmt, size, seed, egress_sources, out):
    rng = random.Random(seed)
    net = Network(rng, egress_sources)
    written = 0
    buf = []
    step = (DAY - 7200) / max(1, size // BYTES_PER_CONN[fmt])
    ts = DAY_START + 0.0
    n = 0
    if fmt == "zeek-tsv":
        buf.append(zeek_tsv_header())
    while written < size:
        for _ in range(500):
            ts += rng.expovariate(1 / step)
            if ts >= DAY_START + DAY - 3700:
                ts = DAY_START + rng.random() * 60
            c = make_conn(net, rng, round(ts, 6))
            n += 1
            if fmt == "zeek-tsv":
                buf.append(zeek_tsv_line(c, rng))
            elif fmt == "zeek-json":
                buf.append(zeek_json_line(c, rng))
            elif fmt == "eve":
                buf.append(eve_lines(c, rng, 1000000000000 + n * 7919))
                if n % 50000 == 0:
                    buf.append(eve_stats(ts))
            else:
                buf.append(pan_line(c, rng, n))
        chunk = "".join(buf)
        buf.clear()
        out.write(chunk)
        written += len(chunk)
    if fmt == "zeek-tsv":
        out.write("#close\t2024-03-05-00-00-00\n")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--format", required=True, choices=("zeek-tsv", "zeek-json", "eve", "panos"))
    ap.add_argument("--size", default="100MiB", help="e.g. 100MiB, 1GiB")
    ap.add_argument("--seed", type=int, default=445)
    ap.add_argument("--egress-sources", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    tmp = args.out + ".part"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(tmp, "w", encoding="ascii", newline="\n", buffering=1 << 20) as out:
        n = generate(args.format, parse_size(args.size), args.seed, args.egress_sources, out)
    os.replace(tmp, args.out)
    print(f"{args.out}: {n} connections", file=sys.stderr)


if __name__ == "__main__":
    main()
