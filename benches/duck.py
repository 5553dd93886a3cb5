#!/usr/bin/env python3
"""The DuckDB contender: the `escu` profile's search as SQL over one log file.

    python3 benches/duck.py FORMAT FILE [--threads 2]

FORMAT is one of gen.py's: zeek-tsv, zeek-json, eve, panos. Prints the findings as JSON
(one object a row, the `escu` columns), in the shape of the CLI's `--output json`, so the
runner can compare them. Each format gets a view with the CIM fields the search reads,
mapped as the product's parsers map them; the search itself is one query for all.
"""

import argparse
import json
import sys
import time

import duckdb

# CIM fields per format: src_ip, dest_ip, dest_port, app, action, sourcetype, t (epoch).
VIEWS = {
    "zeek-tsv": """
        SELECT "id.orig_h" AS src_ip, "id.resp_h" AS dest_ip, "id.resp_p" AS dest_port,
               nullif(service, '-') AS app,
               CASE WHEN conn_state = 'REJ' THEN 'blocked' ELSE 'allowed' END AS action,
               'bro:conn' AS sourcetype, ts AS t
        FROM read_csv(?, delim = '\t', header = false, comment = '#', quote = '',
                      escape = '', auto_detect = false, nullstr = '-', columns = {
            'ts': 'DOUBLE', 'uid': 'VARCHAR', 'id.orig_h': 'VARCHAR',
            'id.orig_p': 'INTEGER', 'id.resp_h': 'VARCHAR', 'id.resp_p': 'INTEGER',
            'proto': 'VARCHAR', 'service': 'VARCHAR', 'duration': 'VARCHAR',
            'orig_bytes': 'VARCHAR', 'resp_bytes': 'VARCHAR', 'conn_state': 'VARCHAR',
            'local_orig': 'VARCHAR', 'local_resp': 'VARCHAR', 'missed_bytes': 'VARCHAR',
            'history': 'VARCHAR', 'orig_pkts': 'VARCHAR', 'orig_ip_bytes': 'VARCHAR',
            'resp_pkts': 'VARCHAR', 'resp_ip_bytes': 'VARCHAR', 'tunnel_parents': 'VARCHAR'})
    """,
    "zeek-json": """
        SELECT "id.orig_h" AS src_ip, "id.resp_h" AS dest_ip, "id.resp_p" AS dest_port,
               service AS app,
               CASE WHEN conn_state = 'REJ' THEN 'blocked' ELSE 'allowed' END AS action,
               'bro:conn:json' AS sourcetype, ts AS t
        FROM read_json(?, format = 'newline_delimited', columns = {
            'ts': 'DOUBLE', 'id.orig_h': 'VARCHAR', 'id.resp_h': 'VARCHAR',
            'id.resp_p': 'INTEGER', 'service': 'VARCHAR', 'conn_state': 'VARCHAR'})
    """,
    "eve": """
        SELECT src_ip, dest_ip, coalesce(dest_port, 0) AS dest_port,
               CASE WHEN event_type = 'smb' THEN 'smb' ELSE app_proto END AS app,
               CASE WHEN lower(alert.action) = 'blocked' THEN 'blocked' ELSE 'allowed' END
                   AS action,
               'suricata' AS sourcetype,
               epoch(strptime(coalesce(flow.start, "timestamp"), '%Y-%m-%dT%H:%M:%S.%f%z'))
                   AS t
        FROM read_json(?, format = 'newline_delimited', columns = {
            'timestamp': 'VARCHAR', 'event_type': 'VARCHAR', 'src_ip': 'VARCHAR',
            'dest_ip': 'VARCHAR', 'dest_port': 'INTEGER', 'app_proto': 'VARCHAR',
            'alert': 'STRUCT(action VARCHAR)', 'flow': 'STRUCT(start VARCHAR)'})
        WHERE src_ip IS NOT NULL OR dest_ip IS NOT NULL
    """,
    "panos": """
        SELECT column07 AS src_ip, column08 AS dest_ip, TRY_CAST(column25 AS INTEGER)
                   AS dest_port,
               nullif(column14, '') AS app,
               CASE WHEN column04 IN ('drop', 'deny') THEN 'blocked'
                    WHEN column30 = 'allow' THEN 'allowed'
                    WHEN column30 IN ('deny', 'drop', 'reset-client', 'reset-server',
                                      'reset-both', 'drop-icmp', 'drop-all') THEN 'blocked'
                    ELSE 'unknown' END AS action,
               'pan:traffic' AS sourcetype,
               epoch(coalesce(try_strptime(column35, '%Y/%m/%d %H:%M:%S'),
                              try_strptime(column06, '%Y/%m/%d %H:%M:%S'),
                              try_strptime(column01, '%Y/%m/%d %H:%M:%S'))) AS t
        FROM read_csv(?, delim = ',', header = false, quote = '"', auto_detect = false,
                      null_padding = true, all_varchar = true,
                      columns = {COLUMNS})
    """,
}

PANOS_COLUMNS = "{" + ", ".join(f"'column{i:02d}': 'VARCHAR'" for i in range(70)) + "}"

ESCU = """
WITH r AS ({view}),
finding AS (
    SELECT * FROM r
    WHERE (coalesce(dest_port, 0) IN (139, 445) OR lower(app) = 'smb')
      AND NOT coalesce(lower(action) = 'blocked', false)
      AND NOT coalesce(regexp_matches(dest_ip,
          '^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.)'),
          false)
      AND src_ip IS NOT NULL
)
SELECT src_ip,
       strftime(make_timestamp(CAST(floor(min(t)) AS BIGINT) * 1000000), '%Y-%m-%dT%H:%M:%S'),
       strftime(make_timestamp(CAST(floor(max(t)) AS BIGINT) * 1000000), '%Y-%m-%dT%H:%M:%S'),
       list_sort(list_distinct(list(action))),
       list_sort(list_distinct(list(app))),
       list_sort(list_distinct(list(dest_ip))),
       list_sort(list_distinct(list(CAST(coalesce(dest_port, 0) AS VARCHAR)))),
       list_sort(list_distinct(list(sourcetype))),
       count(*)
FROM finding
GROUP BY src_ip
ORDER BY src_ip
"""

COLUMNS = "src_ip start_time end_time action app dest_ip dest_port sourcetype count".split()


def query(fmt):
    view = VIEWS[fmt].replace("{COLUMNS}", PANOS_COLUMNS)
    return ESCU.format(view=view)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("format", choices=sorted(VIEWS))
    ap.add_argument("file")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--print-sql", action="store_true")
    args = ap.parse_args()
    sql = query(args.format)
    if args.print_sql:
        print(sql)
        return
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {args.threads}")
    con.execute("SET preserve_insertion_order = false")
    rows = con.execute(sql, [args.file]).fetchall()
    seconds = time.perf_counter() - started
    findings = [dict(zip(COLUMNS, row)) for row in rows]
    json.dump({"profile": "escu", "findings": findings, "seconds": seconds}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
