//! The four renderings of a report: JSON, NDJSON, CSV and the terminal table, with log
//! text that tries to be a formula or a terminal escape.

use serde_json::{Value, json};
use smb_egress::{Addr, Analyzer, Config, Format, Options, Record, Report, render};

fn report(profile: &str) -> Report {
    let config = Config::new(&Options::from_value(&json!({"profile": profile})).unwrap()).unwrap();
    let mut analyzer = Analyzer::new(config);
    let make = |src: &str, dest: &str, app: &str| {
        let mut r = Record::new("=cmd|' /C calc'!A0");
        r.src_ip = Some(Addr::parse(src));
        r.dest_ip = Some(Addr::parse(dest));
        r.dest_port = 445;
        r.transport = "tcp".into();
        r.app = Some(app.into());
        r.time = Some(1_709_028_000.0);
        r
    };
    analyzer.add_record(Format::Cim, make("10.0.0.1", "81.2.69.160", "smb"));
    analyzer.add_record(
        Format::Cim,
        make("10.0.0.1", "89.160.20.112", "\x1b]0;owned\x07\x1b[2J"),
    );
    analyzer.add_record(Format::Cim, make("10.0.0.2", "81.2.69.160", "+smb"));
    analyzer.finish()
}

#[test]
fn json_is_valid_and_has_profile_findings_and_stats() {
    for profile in ["escu", "default"] {
        let report = report(profile);
        let value: Value = serde_json::from_str(&render::to_json(&report)).unwrap();
        assert_eq!(value["profile"], profile);
        assert_eq!(value["findings"].as_array().unwrap().len(), 2);
        assert_eq!(value["stats"]["finding_records"], 3);
        assert_eq!(value["stats"]["candidates"], 3);
        assert_eq!(
            value["findings"][0]["app"],
            json!(["\u{1b}]0;owned\u{7}\u{1b}[2J", "smb"])
        );
        assert_eq!(
            value["findings"][0].get("destinations").is_some(),
            profile == "default"
        );
    }
}

#[test]
fn ndjson_has_one_finding_a_line() {
    let report = report("escu");
    let text = render::to_ndjson(&report);
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["src_ip"], "10.0.0.2");
    assert_eq!(rows[1]["count"], 1);
}

#[test]
fn csv_has_the_columns_multivalue_newlines_and_inert_formulas() {
    let report = report("escu");
    let text = render::to_csv(&report);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, smb_egress::report::ESCU_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][5], "81.2.69.160\n89.160.20.112");
    assert_eq!(&rows[0][7], "'=cmd|' /C calc'!A0");
    assert_eq!(&rows[1][4], "'+smb");
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live formula {cell:?}"
            );
        }
    }
}

#[test]
fn the_table_is_aligned_and_shows_no_control_characters() {
    let report = report("default");
    let table = render::to_table(&report);
    assert!(
        !table.chars().any(|c| c.is_control() && c != '\n'),
        "{table:?}"
    );
    assert!(table.contains("\\x1b]0;owned\\x07\\x1b[2J"));
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("src_ip    start_time"));
    assert!(lines[1].starts_with("--------  -------------------"));
    assert!(lines[2].starts_with("10.0.0.1  2024-02-27T10:00:00"));
    assert!(table.contains("2 finding(s)"));
}

#[test]
fn an_empty_report_still_says_what_was_read() {
    let mut analyzer = Analyzer::new(Config::default());
    analyzer.push(b"nothing to see here\nport 445 in a line of no known format\n");
    let report = analyzer.finish();
    let value = render::report_json(&report);
    assert_eq!(value["findings"], json!([]));
    assert_eq!(value["stats"]["lines"], 2);
    assert_eq!(value["stats"]["prefiltered_lines"], 1);
    assert_eq!(value["stats"]["skipped"]["unrecognized"], 1);
    assert_eq!(value["stats"]["skipped_samples"][0]["line"], 2);
    let table = render::to_table(&report);
    assert!(
        table.contains("0 finding(s); 2 line(s): 1 without SMB port or name"),
        "{table}"
    );
}
