//! The numbered rules of SPEC §2 (profile `escu`) and §3 (profile `default`), each as a
//! table of records and the verdict or finding it must give.

use serde_json::{Value, json};
use smb_egress::{
    Addr, Analyzer, Config, Exclusion, Format, Options, Record, Verdict, judge, render,
};

/// A TCP record from `src` to `dest:port`, allowed, at `time`.
fn rec(src: &str, dest: &str, port: u16) -> Record {
    let mut r = Record::new("test");
    r.src_ip = (!src.is_empty()).then(|| Addr::parse(src));
    r.dest_ip = (!dest.is_empty()).then(|| Addr::parse(dest));
    r.dest_port = port;
    r.transport = "tcp".into();
    r.action = "allowed".into();
    r.time = Some(1_709_028_000.0);
    r
}

fn with(mut r: Record, change: impl FnOnce(&mut Record)) -> Record {
    change(&mut r);
    r
}

fn config(options: Value) -> Config {
    Config::new(&Options::from_value(&options).unwrap()).unwrap()
}

fn escu() -> Config {
    config(json!({"profile": "escu"}))
}

fn default() -> Config {
    config(json!({}))
}

fn findings(config: Config, records: Vec<Record>) -> Vec<Value> {
    let mut analyzer = Analyzer::new(config);
    for r in records {
        analyzer.add_record(Format::Cim, r);
    }
    let report = analyzer.finish();
    report
        .findings
        .iter()
        .map(|f| render::finding_json(&report, f))
        .collect()
}

fn check(config: &Config, cases: &[(Record, Verdict)]) {
    for (i, (record, expected)) in cases.iter().enumerate() {
        assert_eq!(judge(record, config), *expected, "case {i}: {record:?}");
    }
}

const OUT: &str = "81.2.69.160";

#[test]
fn escu_candidates_are_ports_139_445_or_app_smb() {
    check(
        &escu(),
        &[
            (rec("10.0.0.1", OUT, 445), Verdict::Finding),
            (rec("10.0.0.1", OUT, 139), Verdict::Finding),
            (rec("10.0.0.1", OUT, 443), Verdict::NotCandidate),
            (
                with(rec("10.0.0.1", OUT, 443), |r| r.app = Some("smb".into())),
                Verdict::Finding,
            ),
            (
                with(rec("10.0.0.1", OUT, 443), |r| r.app = Some("cifs".into())),
                Verdict::NotCandidate,
            ),
            (
                with(rec("10.0.0.1", OUT, 445), |r| r.transport = "udp".into()),
                Verdict::Finding,
            ),
        ],
    );
}

#[test]
fn escu_1_comparisons_are_case_insensitive() {
    check(
        &escu(),
        &[
            (
                with(rec("10.0.0.1", OUT, 80), |r| r.app = Some("SMB".into())),
                Verdict::Finding,
            ),
            (
                with(rec("10.0.0.1", OUT, 445), |r| r.action = "Blocked".into()),
                Verdict::Excluded(Exclusion::Blocked),
            ),
            (
                with(rec("10.0.0.1", OUT, 445), |r| {
                    r.dest_category = vec!["INTERNAL".into()]
                }),
                Verdict::Excluded(Exclusion::InternalCategory),
            ),
        ],
    );
}

#[test]
fn escu_2_not_keeps_records_that_lack_a_field() {
    check(
        &escu(),
        &[
            (
                with(rec("10.0.0.1", OUT, 445), |r| r.dest_category.clear()),
                Verdict::Finding,
            ),
            (rec("10.0.0.1", "", 445), Verdict::Finding),
            (rec("10.0.0.1", "fileserver.example", 445), Verdict::Finding),
            (
                with(rec("10.0.0.1", OUT, 445), |r| r.action = "unknown".into()),
                Verdict::Finding,
            ),
            (
                rec("10.0.0.1", "10.9.9.9", 445),
                Verdict::Excluded(Exclusion::PrivateDestination),
            ),
            (
                rec("10.0.0.1", "100.64.0.1", 445),
                Verdict::Excluded(Exclusion::PrivateDestination),
            ),
            // Only the seed's four IPv4 ranges are private to `escu`.
            (rec("10.0.0.1", "169.254.1.1", 445), Verdict::Finding),
            (rec("10.0.0.1", "fe80::1", 445), Verdict::Finding),
        ],
    );
}

#[test]
fn escu_3_dest_port_compares_as_a_number_after_the_cim_default() {
    check(
        &escu(),
        &[
            (rec("10.0.0.1", OUT, 0), Verdict::NotCandidate),
            (rec("10.0.0.1", OUT, 4450), Verdict::NotCandidate),
        ],
    );
    let rows = findings(
        escu(),
        vec![with(rec("10.0.0.1", OUT, 80), |r| {
            r.app = Some("smb".into())
        })],
    );
    assert_eq!(rows[0]["dest_port"], json!(["80"]));
}

#[test]
fn escu_4_dest_category_matches_when_any_value_is_internal() {
    check(
        &escu(),
        &[
            (
                with(rec("10.0.0.1", OUT, 445), |r| {
                    r.dest_category = vec!["cloud".into(), "internal".into()]
                }),
                Verdict::Excluded(Exclusion::InternalCategory),
            ),
            (
                with(rec("10.0.0.1", OUT, 445), |r| {
                    r.dest_category = vec!["internal_dmz".into()]
                }),
                Verdict::Finding,
            ),
        ],
    );
}

#[test]
fn escu_5_records_without_src_ip_form_no_group_and_are_counted() {
    let mut analyzer = Analyzer::new(escu());
    analyzer.add_record(Format::Cim, rec("", OUT, 445));
    analyzer.add_record(Format::Cim, rec("10.0.0.1", OUT, 445));
    let report = analyzer.finish();
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.stats.excluded.get("no_source"), Some(&1));
    assert_eq!(report.stats.candidates, 2);
}

#[test]
fn escu_6_groups_hold_distinct_values_in_byte_order_and_time_bounds() {
    let records = vec![
        with(rec("10.0.0.1", "8.8.8.8", 445), |r| {
            r.time = Some(1_709_028_300.9)
        }),
        with(rec("10.0.0.1", "10.0.0.9", 139), |r| {
            r.dest_category = vec![]
        }),
        with(rec("10.0.0.1", "81.2.69.160", 139), |r| {
            r.time = Some(1_709_027_000.2);
            r.app = Some("SMB".into());
            r.action = "teardown".into();
            r.sourcetype = "Zeek".into();
        }),
        with(rec("10.0.0.1", "8.8.8.8", 445), |r| {
            r.app = Some("smb".into());
            r.time = None;
        }),
    ];
    let rows = findings(escu(), records);
    assert_eq!(
        rows,
        vec![json!({
            "src_ip": "10.0.0.1",
            "start_time": "2024-02-27T09:43:20",
            "end_time": "2024-02-27T10:05:00",
            "action": ["allowed", "teardown"],
            "app": ["SMB", "smb"],
            "dest_ip": ["8.8.8.8", "81.2.69.160"],
            "dest_port": ["139", "445"],
            "sourcetype": ["Zeek", "test"],
            "count": 3,
        })]
    );
}

#[test]
fn escu_7_times_show_in_utc_or_the_given_offset_truncated() {
    let record = with(rec("10.0.0.1", OUT, 445), |r| {
        r.time = Some(1_709_028_000.999)
    });
    let utc = findings(escu(), vec![record.clone()]);
    assert_eq!(utc[0]["start_time"], "2024-02-27T10:00:00");
    let east = findings(
        config(json!({"profile": "escu", "tz": "+05:30"})),
        vec![record.clone()],
    );
    assert_eq!(east[0]["start_time"], "2024-02-27T15:30:00");
    let west = findings(
        config(json!({"profile": "escu", "tz": "-08:00"})),
        vec![record],
    );
    assert_eq!(west[0]["end_time"], "2024-02-27T02:00:00");
}

#[test]
fn escu_8_rows_come_in_src_ip_byte_order() {
    let sources = [
        "192.168.1.5",
        "10.0.0.9",
        "10.0.0.10",
        "::ffff:10.0.0.1",
        "host-a",
    ];
    let records = sources.iter().map(|s| rec(s, OUT, 445)).collect();
    let rows = findings(escu(), records);
    let order: Vec<&str> = rows.iter().map(|r| r["src_ip"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        [
            "10.0.0.10",
            "10.0.0.9",
            "192.168.1.5",
            "::ffff:10.0.0.1",
            "host-a"
        ]
    );
}

#[test]
fn escu_rows_have_exactly_the_escu_columns_in_order() {
    let rows = findings(escu(), vec![rec("10.0.0.1", OUT, 445)]);
    let mut keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    let mut columns = smb_egress::report::ESCU_COLUMNS.to_vec();
    keys.sort();
    columns.sort();
    assert_eq!(keys, columns);
    // The order is the text's: every output writes the columns in the search's order.
    let mut analyzer = Analyzer::new(escu());
    analyzer.add_record(Format::Cim, rec("10.0.0.1", OUT, 445));
    let line = render::to_ndjson(&analyzer.finish());
    let at: Vec<usize> = smb_egress::report::ESCU_COLUMNS
        .iter()
        .map(|c| line.find(&format!("\"{c}\":")).unwrap())
        .collect();
    assert!(at.is_sorted(), "{line}");
}

#[test]
fn default_1_smb_candidates_by_port_app_or_kind() {
    let udp = with(rec("10.0.0.1", OUT, 445), |r| r.transport = "udp".into());
    let unknown = with(rec("10.0.0.1", OUT, 445), |r| {
        r.transport = "unknown".into()
    });
    let app = |name: &str| with(rec("10.0.0.1", OUT, 8080), |r| r.app = Some(name.into()));
    let kind = with(rec("10.0.0.1", OUT, 50_000), |r| r.smb_kind = true);
    check(
        &default(),
        &[
            (rec("10.0.0.1", OUT, 445), Verdict::Finding),
            (rec("10.0.0.1", OUT, 139), Verdict::Finding),
            (udp, Verdict::NotCandidate),
            (unknown, Verdict::Finding),
            (app("ms-ds-smb"), Verdict::Finding),
            (app("MS-DS-SMBV3"), Verdict::Finding),
            (app("dce_rpc,smb"), Verdict::Finding),
            (app("krb smb2"), Verdict::Finding),
            (app("netbios-ssn"), Verdict::Finding),
            (app("microsoft-ds"), Verdict::Finding),
            (app("smbx"), Verdict::NotCandidate),
            (app("http"), Verdict::NotCandidate),
            (kind, Verdict::Finding),
        ],
    );
    let custom = config(json!({"ports": [445, 8445]}));
    check(
        &custom,
        &[
            (rec("10.0.0.1", OUT, 8445), Verdict::Finding),
            (rec("10.0.0.1", OUT, 139), Verdict::NotCandidate),
        ],
    );
}

#[test]
fn default_2_the_source_must_be_internal() {
    let not_internal = Verdict::Excluded(Exclusion::SourceNotInternal);
    check(
        &default(),
        &[
            (rec("172.31.0.1", OUT, 445), Verdict::Finding),
            (rec("100.64.1.1", OUT, 445), Verdict::Finding),
            (rec("fd12::1", OUT, 445), Verdict::Finding),
            (rec("::ffff:192.168.1.1", OUT, 445), Verdict::Finding),
            (rec("172.168.9.2", OUT, 445), not_internal),
            (rec("81.2.69.143", "172.16.54.114", 445), not_internal),
            (rec("workstation7", OUT, 445), not_internal),
            (rec("", OUT, 445), Verdict::Excluded(Exclusion::NoSource)),
        ],
    );
    let custom = config(json!({"internal": ["81.2.69.0/24"]}));
    check(
        &custom,
        &[
            (rec("81.2.69.143", "89.160.20.112", 445), Verdict::Finding),
            (rec("10.0.0.1", "89.160.20.112", 445), not_internal),
        ],
    );
    let assets = "ip,category\n81.2.69.143,internal|server\n";
    let from_assets = config(json!({"assets": assets}));
    check(
        &from_assets,
        &[
            (rec("81.2.69.143", "89.160.20.112", 445), Verdict::Finding),
            (rec("10.0.0.1", "89.160.20.112", 445), not_internal),
        ],
    );
}

#[test]
fn default_3_the_destination_must_be_a_global_address_outside_the_internal_set() {
    let not_global = Verdict::Excluded(Exclusion::DestinationNotGlobal);
    check(
        &default(),
        &[
            (
                rec("10.0.0.1", "2a00:1450:4001::200e", 445),
                Verdict::Finding,
            ),
            (
                rec("10.0.0.1", "10.0.0.2", 445),
                Verdict::Excluded(Exclusion::DestinationInternal),
            ),
            (
                rec("10.0.0.1", "fd00::5", 445),
                Verdict::Excluded(Exclusion::DestinationInternal),
            ),
            (rec("10.0.0.1", "169.254.169.254", 445), not_global),
            (rec("10.0.0.1", "198.51.100.7", 445), not_global),
            (rec("10.0.0.1", "2001:db8::7", 445), not_global),
            (rec("10.0.0.1", "ff02::1:2", 445), not_global),
            (rec("10.0.0.1", "224.0.0.251", 445), not_global),
            (rec("10.0.0.1", "::ffff:8.8.8.8", 445), Verdict::Finding),
            (
                rec("10.0.0.1", "OCSP_Server", 445),
                Verdict::Excluded(Exclusion::DestinationNotAddress),
            ),
            (
                rec("10.0.0.1", "", 445),
                Verdict::Excluded(Exclusion::NoDestination),
            ),
        ],
    );
    let custom = config(json!({"internal": ["10.0.0.0/8", "81.2.69.0/24"]}));
    check(
        &custom,
        &[(
            rec("10.0.0.1", OUT, 445),
            Verdict::Excluded(Exclusion::DestinationInternal),
        )],
    );
}

#[test]
fn default_3_asset_category_internal_marks_the_destination_internal() {
    let assets = "category,nt_host,ip\ninternal|cloud,files,81.2.69.0/24\n";
    let cfg = config(json!({"assets": assets, "internal": ["10.0.0.0/8"]}));
    let mut analyzer = Analyzer::new(cfg);
    analyzer.collect_records(true);
    analyzer.add_record(Format::Cim, rec("10.0.0.1", OUT, 445));
    let records = analyzer.take_records();
    let report = analyzer.finish();
    assert!(report.findings.is_empty());
    assert_eq!(report.stats.excluded.get("internal_category"), Some(&1));
    assert!(
        records.contains(r#""dest_category":["internal","cloud"]"#),
        "{records}"
    );
}

#[test]
fn default_4_blocked_records_are_not_findings_unless_asked_for() {
    let blocked = with(rec("10.0.0.1", OUT, 445), |r| r.action = "blocked".into());
    check(
        &default(),
        &[(blocked.clone(), Verdict::Excluded(Exclusion::Blocked))],
    );
    let include = config(json!({"includeBlocked": true}));
    check(&include, &[(blocked.clone(), Verdict::Finding)]);
    let rows = findings(include, vec![blocked]);
    assert_eq!(rows[0]["action"], json!(["blocked"]));
}

#[test]
fn default_5_the_allowlist_excludes_by_source_destination_host_and_pair() {
    let allow = "# approved\nsrc 10.9.0.0/16\ndest 89.160.20.0/24\n\
                 dest-host .file.core.windows.net\npair 10.1.0.0/16 175.16.199.0/24\n";
    let cfg = config(json!({"allow": allow}));
    let allowlisted = Verdict::Excluded(Exclusion::Allowlisted);
    let named = with(rec("10.0.0.1", OUT, 445), |r| {
        r.dest = Some("acct.FILE.core.windows.net".into())
    });
    check(
        &cfg,
        &[
            (rec("10.9.1.1", OUT, 445), allowlisted),
            (rec("10.0.0.1", "89.160.20.112", 445), allowlisted),
            (named, allowlisted),
            (rec("10.1.2.3", "175.16.199.1", 445), allowlisted),
            (rec("10.2.2.3", "175.16.199.1", 445), Verdict::Finding),
            (rec("10.0.0.1", OUT, 445), Verdict::Finding),
        ],
    );
}

#[test]
fn default_6_require_established_counts_only_completed_handshakes() {
    let cfg = config(json!({"requireEstablished": true}));
    let not = Verdict::Excluded(Exclusion::NotEstablished);
    check(
        &cfg,
        &[
            (
                with(rec("10.0.0.1", OUT, 445), |r| r.established = Some(true)),
                Verdict::Finding,
            ),
            (
                with(rec("10.0.0.1", OUT, 445), |r| r.established = Some(false)),
                not,
            ),
            (rec("10.0.0.1", OUT, 445), not),
        ],
    );
}

#[test]
fn default_rows_add_counts_bytes_and_destinations() {
    let records = vec![
        with(rec("10.0.0.1", OUT, 445), |r| {
            r.bytes_out = Some(100);
            r.established = Some(true);
        }),
        with(rec("10.0.0.1", OUT, 139), |r| {
            r.bytes_out = Some(50);
            r.bytes_in = Some(7);
            r.time = Some(1_709_028_060.0);
        }),
        rec("10.0.0.1", "89.160.20.112", 445),
    ];
    let rows = findings(default(), records);
    let row = &rows[0];
    assert_eq!(row["count"], 3);
    assert_eq!(row["dest_count"], 2);
    assert_eq!(row["bytes_out"], 150);
    assert_eq!(row["bytes_in"], 7);
    assert_eq!(row["established"], 1);
    assert_eq!(
        row["destinations"],
        json!([
            {"dest_ip": "81.2.69.160", "dest_port": ["139", "445"], "count": 2,
             "first_time": "2024-02-27T10:00:00", "last_time": "2024-02-27T10:01:00"},
            {"dest_ip": "89.160.20.112", "dest_port": ["445"], "count": 1,
             "first_time": "2024-02-27T10:00:00", "last_time": "2024-02-27T10:00:00"},
        ])
    );
    let none = findings(default(), vec![rec("10.0.0.2", OUT, 445)]);
    assert_eq!(none[0]["bytes_out"], Value::Null);
}

#[test]
fn caps_keep_the_smallest_values_and_say_what_they_held_back() {
    let cfg = config(json!({"maxSources": 2, "maxValues": 2}));
    let mut analyzer = Analyzer::new(cfg);
    for src in ["10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        analyzer.add_record(Format::Cim, rec(src, OUT, 445));
    }
    for dest in ["8.8.8.8", "8.8.4.4", "1.1.1.1"] {
        analyzer.add_record(Format::Cim, rec("10.0.0.1", dest, 445));
    }
    let report = analyzer.finish();
    let sources: Vec<&str> = report.findings.iter().map(|f| f.src_ip.as_str()).collect();
    assert_eq!(sources, ["10.0.0.1", "10.0.0.2"]);
    assert!(report.caps.sources_capped);
    assert_eq!(report.caps.records_held_back, 2);
    assert_eq!(report.findings[0].dest_ip, ["1.1.1.1", "8.8.4.4"]);
    assert_eq!(report.findings[0].capped, ["dest_ip"]);
    assert_eq!(report.caps.findings_with_capped_values, 1);
}
