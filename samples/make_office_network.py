#!/usr/bin/env python3
"""Writes samples/office-network.log: one made-up working day of an office network.

Nothing in the output comes from a real network. The script draws every connection
from a seeded random generator, so running it again gives the same file byte for byte:

    python3 samples/make_office_network.py > samples/office-network.log

The office (10.20.0.0/16 inside, one public address outside) has a Zeek sensor on the
core switch, a Cisco ASA at the edge, a Suricata sensor in front of the DMZ, and
Sysmon on two workstations of an endpoint pilot. The four write to one collector, so
the file mixes Zeek conn JSON, ASA syslog, Suricata EVE JSON and Sysmon event XML,
ordered by time. The stories in it are listed in samples/README.md.
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone

SEED = 20240312
DAY = datetime(2024, 3, 12, tzinfo=timezone.utc)

OFFICE_PUBLIC = "62.216.205.40"
DMZ_WEB = "10.20.200.10"
DMZ_PUBLIC = "62.216.205.41"
DC = "10.20.1.10"
FILE_SERVER = "10.20.1.20"
PRINTER = "10.20.50.5"
RESOLVERS = ["9.9.9.9", "149.112.112.112"]

# Hosts that send SMB to the Internet, and where to.
LEAKY_WORKSTATION = "10.20.10.37"  # opened a document with a remote template on \\host\share
LEAKY_DESTS = ["81.169.238.17"]
OUTLOOK_VICTIM = "10.20.10.112"  # calendar reminders with a UNC sound file path
OUTLOOK_DESTS = ["146.70.117.20", "193.36.132.64", "45.153.160.2"]
CLOUD_SHARE = "20.150.71.36"  # the file server's nightly copy to a cloud file share
IPV6_HOST = "fd20:10::5c"
IPV6_DEST = "2a03:b0c0:3:d0::1a4e:7001"
# Hosts whose SMB to the outside must not be findings.
BLOCKED_HOST = "10.20.10.58"  # tries an Internet share; the ASA denies and resets it
BLOCKED_DEST = "91.215.85.14"
LAB_HOST = "10.20.10.90"  # reaches a test appliance in the benchmarking range
LAB_DEST = "198.18.0.25"
SCANNERS = ["80.82.77.139", "89.248.165.52", "167.94.138.35", "185.242.226.10"]

WEB_DESTS = [
    "13.107.42.14", "13.107.6.156", "20.190.160.22", "40.126.32.74", "52.97.146.162",
    "142.250.185.78", "142.250.186.35", "172.217.16.142", "151.101.1.140", "151.101.65.69",
    "104.16.132.229", "104.18.32.7", "185.199.108.153", "140.82.121.4", "3.120.175.22",
    "18.66.122.101", "34.107.221.82", "35.186.224.25", "23.54.155.163", "2.16.186.11",
]
PROCESSES = [
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
    "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
]


class Office:
    def __init__(self, rng):
        self.rng = rng
        self.workstations = [f"10.20.10.{n}" for n in sorted(rng.sample(range(11, 141), 44))]
        for host in (LEAKY_WORKSTATION, OUTLOOK_VICTIM, BLOCKED_HOST, LAB_HOST):
            if host not in self.workstations:
                self.workstations.append(host)
        self.conn_id = 41_207_330
        self.lines = []

    # -- random pieces ---------------------------------------------------------------

    def time_in_day(self, start_hour=7.5, end_hour=18.5):
        seconds = self.rng.uniform(start_hour * 3600, end_hour * 3600)
        return DAY + timedelta(seconds=seconds)

    def port(self):
        return self.rng.randint(49152, 65535)

    def uid(self):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "C" + "".join(self.rng.choice(alphabet) for _ in range(17))

    def next_conn_id(self):
        self.conn_id += self.rng.randint(1, 40)
        return self.conn_id

    def emit(self, when, text):
        self.lines.append((when, len(self.lines), text))

    # -- one connection, written by each device that sees it ------------------------

    def connection(self, when, src, dst, dport, proto="tcp", service=None, state="SF",
                   size=(400, 40_000), duration=(0.05, 30.0), seen_by=("zeek",)):
        conn = {
            "when": when,
            "src": src,
            "sport": self.port(),
            "dst": dst,
            "dport": dport,
            "proto": proto,
            "service": service,
            "state": state,
            "duration": round(self.rng.uniform(*duration), 6),
            "orig_bytes": self.rng.randint(*size) if state in ("SF", "S1", "RSTO") else 0,
            "resp_bytes": self.rng.randint(*size) if state in ("SF", "S1", "RSTO") else 0,
        }
        if "zeek" in seen_by:
            self.zeek(conn)
        if "asa" in seen_by:
            self.asa(conn)
        if "suricata" in seen_by:
            self.suricata(conn)
        if "sysmon" in seen_by:
            self.sysmon(conn)
        return conn

    def zeek(self, c):
        history = {"SF": "ShADadFf", "S1": "ShADad", "RSTO": "ShADadR", "REJ": "Sr",
                   "S0": "S", "SHR": "Hr"}.get(c["state"], "D")
        if c["proto"] == "udp":
            history = "Dd"
        record = {
            "ts": round(c["when"].timestamp(), 6),
            "uid": self.uid(),
            "id.orig_h": c["src"],
            "id.orig_p": c["sport"],
            "id.resp_h": c["dst"],
            "id.resp_p": c["dport"],
            "proto": c["proto"],
        }
        if c["service"]:
            record["service"] = c["service"]
        if c["state"] not in ("REJ", "S0"):
            record["duration"] = c["duration"]
            record["orig_bytes"] = c["orig_bytes"]
            record["resp_bytes"] = c["resp_bytes"]
        record.update({
            "conn_state": c["state"],
            "local_orig": c["src"].startswith(("10.", "fd20:")),
            "local_resp": c["dst"].startswith(("10.", "fd20:")),
            "missed_bytes": 0,
            "history": history,
            "orig_pkts": max(1, c["orig_bytes"] // 900),
            "orig_ip_bytes": c["orig_bytes"] + 52 * max(1, c["orig_bytes"] // 900),
            "resp_pkts": max(0, c["resp_bytes"] // 900) + (1 if c["state"] == "REJ" else 0),
            "resp_ip_bytes": c["resp_bytes"] + 40,
        })
        self.emit(c["when"], json.dumps(record, separators=(",", ":")))

    def asa_header(self, when):
        return when.strftime("%b %d %Y %H:%M:%S") + " fw-edge-01 : "

    def asa(self, c):
        proto = c["proto"].upper()
        inbound = not c["src"].startswith("10.")
        if c["state"] == "REJ" and not inbound:
            text = (f"%ASA-4-106023: Deny {c['proto']} src inside:{c['src']}/{c['sport']} "
                    f"dst outside:{c['dst']}/{c['dport']} by access-group \"inside_access_in\" "
                    f"[0x{self.rng.getrandbits(32):08x}, 0x0]")
            self.emit(c["when"], self.asa_header(c["when"]) + text)
            return
        if inbound and c["state"] in ("REJ", "S0"):
            text = (f"%ASA-4-106023: Deny {c['proto']} src outside:{c['src']}/{c['sport']} "
                    f"dst outside:{DMZ_PUBLIC}/{c['dport']} by access-group \"outside_access_in\" "
                    f"[0x{self.rng.getrandbits(32):08x}, 0x0]")
            self.emit(c["when"], self.asa_header(c["when"]) + text)
            return
        conn_id = self.next_conn_id()
        built_id, teardown_id = ("302013", "302014") if proto == "TCP" else ("302015", "302016")
        if inbound:
            built = (f"%ASA-6-{built_id}: Built inbound {proto} connection {conn_id} for "
                     f"outside:{c['src']}/{c['sport']} ({c['src']}/{c['sport']}) to "
                     f"dmz:{c['dst']}/{c['dport']} ({DMZ_PUBLIC}/{c['dport']})")
            tail = (f"for outside:{c['src']}/{c['sport']} to dmz:{c['dst']}/{c['dport']}")
        else:
            mapped = self.port()
            built = (f"%ASA-6-{built_id}: Built outbound {proto} connection {conn_id} for "
                     f"outside:{c['dst']}/{c['dport']} ({c['dst']}/{c['dport']}) to "
                     f"inside:{c['src']}/{c['sport']} ({OFFICE_PUBLIC}/{mapped})")
            tail = f"for outside:{c['dst']}/{c['dport']} to inside:{c['src']}/{c['sport']}"
        self.emit(c["when"], self.asa_header(c["when"]) + built)
        end = c["when"] + timedelta(seconds=c["duration"])
        seconds = int(c["duration"])
        length = f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        reason = {"SF": "TCP FINs", "RSTO": "TCP Reset-O", "S1": "TCP FINs"}.get(c["state"], "")
        if proto == "UDP":
            reason = ""
        total = c["orig_bytes"] + c["resp_bytes"]
        teardown = (f"%ASA-6-{teardown_id}: Teardown {proto} connection {conn_id} {tail} "
                    f"duration {length} bytes {total}" + (f" {reason}" if reason else ""))
        self.emit(end, self.asa_header(end) + teardown)

    def suricata(self, c):
        start = c["when"]
        end = start + timedelta(seconds=c["duration"])
        dest = DMZ_PUBLIC if c["dst"] == DMZ_WEB else c["dst"]
        state = "closed" if c["state"] in ("SF", "RSTO") else "new"
        event = {
            "timestamp": eve_time(end),
            "flow_id": self.rng.getrandbits(50),
            "in_iface": "eth1",
            "event_type": "flow",
            "src_ip": c["src"],
            "src_port": c["sport"],
            "dest_ip": dest,
            "dest_port": c["dport"],
            "proto": c["proto"].upper(),
        }
        if c["service"]:
            event["app_proto"] = c["service"]
        event["flow"] = {
            "pkts_toserver": max(1, c["orig_bytes"] // 900),
            "pkts_toclient": c["resp_bytes"] // 900,
            "bytes_toserver": c["orig_bytes"] + 60,
            "bytes_toclient": c["resp_bytes"],
            "start": eve_time(start),
            "end": eve_time(end),
            "age": int(c["duration"]),
            "state": state,
            "reason": "timeout",
            "alerted": False,
        }
        if c["proto"] == "tcp":
            flags = "1b" if state == "closed" else "02"
            event["tcp"] = {"tcp_flags": flags, "syn": True, "state": state}
        self.emit(end, json.dumps(event, separators=(",", ":")))

    def sysmon(self, c):
        computer = {LEAKY_WORKSTATION: "WS-PR-037", OUTLOOK_VICTIM: "WS-FN-112"}[c["src"]]
        user = {LEAKY_WORKSTATION: "jmarsh", OUTLOOK_VICTIM: "lchen"}[c["src"]]
        image = "System" if c["dport"] in (139, 445) else self.rng.choice(PROCESSES)
        image = image.replace("{user}", user)
        account = "NT AUTHORITY\\SYSTEM" if image == "System" else f"OFFICE\\{user}"
        created = c["when"] + timedelta(milliseconds=self.rng.randint(200, 900))
        data = [
            ("RuleName", "technique_id=T1071,technique_name=Application Layer Protocol"),
            ("UtcTime", c["when"].strftime("%Y-%m-%d %H:%M:%S.") + f"{c['when'].microsecond // 1000:03d}"),
            ("ProcessGuid", "{" + f"{self.rng.getrandbits(32):08x}-65f0-{self.rng.getrandbits(16):04x}-"
             f"{self.rng.getrandbits(16):04x}-{self.rng.getrandbits(48):012x}" + "}"),
            ("ProcessId", "4" if image == "System" else str(self.rng.randint(1200, 14000))),
            ("Image", image),
            ("User", account),
            ("Protocol", c["proto"]),
            ("Initiated", "true"),
            ("SourceIsIpv6", "false"),
            ("SourceIp", c["src"]),
            ("SourceHostname", f"{computer}.office.example"),
            ("SourcePort", str(c["sport"])),
            ("SourcePortName", "-"),
            ("DestinationIsIpv6", "false"),
            ("DestinationIp", c["dst"]),
            ("DestinationHostname", "-"),
            ("DestinationPort", str(c["dport"])),
            ("DestinationPortName", {445: "microsoft-ds", 139: "netbios-ssn", 443: "https"}.get(c["dport"], "-")),
        ]
        fields = "".join(f"<Data Name=\"{k}\">{xml_text(v)}</Data>" for k, v in data)
        event = (
            "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"
            "<Provider Name=\"Microsoft-Windows-Sysmon\" Guid=\"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}\"/>"
            "<EventID>3</EventID><Version>5</Version><Level>4</Level><Task>3</Task><Opcode>0</Opcode>"
            "<Keywords>0x8000000000000000</Keywords>"
            f"<TimeCreated SystemTime=\"{created.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z\"/>"
            f"<EventRecordID>{self.rng.randint(100_000, 999_999)}</EventRecordID>"
            "<Correlation/><Execution ProcessID=\"3140\" ThreadID=\"4212\"/>"
            "<Channel>Microsoft-Windows-Sysmon/Operational</Channel>"
            f"<Computer>{computer}.office.example</Computer><Security UserID=\"S-1-5-18\"/></System>"
            f"<EventData>{fields}</EventData></Event>"
        )
        self.emit(created, event)


def eve_time(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+0000"


def xml_text(value):
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def background(office):
    """Ordinary traffic: logons, file shares, printing, DNS, web and cloud apps."""
    rng = office.rng
    for ws in office.workstations:
        pilot = ws in (LEAKY_WORKSTATION, OUTLOOK_VICTIM)
        for _ in range(rng.randint(5, 9)):
            office.connection(office.time_in_day(), ws, FILE_SERVER, 445, service="smb,gssapi",
                              size=(2_000, 900_000), duration=(1, 900))
        for _ in range(rng.randint(2, 4)):
            office.connection(office.time_in_day(), ws, DC, 445, service="smb,gssapi,dce_rpc",
                              size=(900, 12_000), duration=(0.1, 4))
            office.connection(office.time_in_day(), ws, DC, 88, service="krb_tcp",
                              size=(1_200, 3_000), duration=(0.01, 0.2))
            office.connection(office.time_in_day(), ws, DC, 389, service="ldap",
                              size=(300, 8_000), duration=(0.01, 2))
        for _ in range(rng.randint(6, 12)):
            office.connection(office.time_in_day(), ws, DC, 53, proto="udp", service="dns",
                              size=(40, 300), duration=(0.001, 0.05))
        if rng.random() < 0.3:
            office.connection(office.time_in_day(), ws, PRINTER, 9100, size=(20_000, 4_000_000),
                              duration=(2, 40))
        for _ in range(rng.randint(5, 9)):
            seen = ("zeek", "asa", "sysmon") if pilot else ("zeek", "asa")
            office.connection(office.time_in_day(), ws, rng.choice(WEB_DESTS), 443, service="ssl",
                              size=(2_000, 2_000_000), duration=(0.3, 600), seen_by=seen)
    for _ in range(60):
        office.connection(office.time_in_day(0, 24), DC, rng.choice(RESOLVERS), 53, proto="udp",
                          service="dns", size=(40, 500), duration=(0.005, 0.08),
                          seen_by=("zeek", "asa"))
    for _ in range(260):
        client = f"{rng.randint(2, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        port = rng.choice([443, 443, 443, 80])
        office.connection(office.time_in_day(0, 24), client, DMZ_WEB, port,
                          service="ssl" if port == 443 else "http", size=(300, 90_000),
                          duration=(0.05, 20), seen_by=("asa", "suricata"))


def stories(office):
    """The SMB that leaves, or tries to leave, the office."""
    rng = office.rng
    # A document with a remote template: Windows tries SMB on 445, then 139.
    for hour in (9.2, 9.21, 13.75):
        when = DAY + timedelta(hours=hour, seconds=rng.uniform(0, 50))
        for port in (445, 139):
            office.connection(when, LEAKY_WORKSTATION, LEAKY_DESTS[0], port, service="smb",
                              state="SF" if port == 445 else "RSTO", size=(600, 3_000),
                              duration=(0.2, 2), seen_by=("zeek", "asa", "sysmon"))
            when += timedelta(seconds=rng.uniform(0.5, 2))
    # Calendar reminders whose sound file is a UNC path on attacker hosts.
    for dest in OUTLOOK_DESTS:
        for _ in range(rng.randint(2, 4)):
            office.connection(office.time_in_day(10, 16), OUTLOOK_VICTIM, dest, 445,
                              service="smb,ntlmssp", state=rng.choice(["SF", "S1"]),
                              size=(500, 2_500), duration=(0.1, 3),
                              seen_by=("zeek", "asa", "sysmon"))
    # The file server's nightly copy to a cloud file share (allowlist it if wanted).
    for minute in range(0, 50, 7):
        when = DAY + timedelta(hours=1, minutes=minute, seconds=rng.uniform(0, 30))
        office.connection(when, FILE_SERVER, CLOUD_SHARE, 445, service="smb",
                          size=(5_000_000, 80_000_000), duration=(30, 400),
                          seen_by=("zeek", "asa"))
    # An IPv6 host (the ASA does not route IPv6 here; the sensor sees it leave).
    for _ in range(2):
        office.connection(office.time_in_day(11, 12), IPV6_HOST, IPV6_DEST, 445, service="smb",
                          size=(700, 4_000), duration=(0.5, 5))
    # Denied at the edge: the ASA resets the attempts, so they are not findings.
    for _ in range(5):
        office.connection(office.time_in_day(14, 15), BLOCKED_HOST, BLOCKED_DEST, 445,
                          state="REJ", seen_by=("zeek", "asa"))
    # A test appliance in the benchmarking range: not the Internet.
    for _ in range(3):
        office.connection(office.time_in_day(15, 16), LAB_HOST, LAB_DEST, 445, service="smb",
                          size=(800, 9_000), duration=(0.5, 8))
    # Internet scanners knocking on the DMZ's public address: inbound, not a finding.
    for scanner in SCANNERS:
        for _ in range(rng.randint(1, 3)):
            office.connection(office.time_in_day(0, 24), scanner, DMZ_WEB, 445, state="S0",
                              duration=(0, 0), seen_by=("asa", "suricata"))


def main():
    office = Office(random.Random(SEED))
    background(office)
    stories(office)
    out = sys.stdout
    out.write("# Made-up sample: one day of an office network, written by "
              "samples/make_office_network.py (seed 20240312). Not real traffic.\n")
    for _, _, text in sorted(office.lines):
        out.write(text + "\n")


if __name__ == "__main__":
    main()
