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

/// Every input file under `tests/fixtures` (the goldens and notes aside).
fn fixture_inputs() -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()) {
            let name = path.to_string_lossy();
            if path.is_dir() {
                dirs.push(path);
            } else if !name.ends_with(".golden.json") && !name.ends_with(".md") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_view_of_the_state_renders_as_the_built_report_whole_and_in_pieces() {
    use smb_egress::render::{Output, Pieces};

    let settings = [
        json!({"profile": "escu"}),
        json!({"profile": "default"}),
        json!({"profile": "default", "maxSources": 2, "maxValues": 1}),
        json!({"profile": "escu", "maxSources": 3, "maxValues": 2}),
    ];
    let (mut findings, mut capped) = (0, 0);
    for path in fixture_inputs() {
        let input = std::fs::read(&path).unwrap();
        for options in &settings {
            let mut config = Config::new(&Options::from_value(options).unwrap()).unwrap();
            config.current_year = 2024;
            let mut analyzer = Analyzer::new(config);
            analyzer.begin_input("input");
            analyzer.push(&input);
            analyzer.end_input();
            let (view, report) = (analyzer.view(), analyzer.report());
            findings += report.findings.len();
            capped += report.caps.findings_with_capped_values;
            assert_eq!(render::report_json(&view), render::report_json(&report));
            for output in Output::ALL {
                let expected = render::render(&report, output);
                let context = format!("{} {options} {}", path.display(), output.name());
                assert_eq!(render::render(&view, output), expected, "{context}");
                let mut joined = String::new();
                let mut pieces = Pieces::new(7, |piece: &str| {
                    joined.push_str(piece);
                    Ok(())
                });
                render::write(&view, output, &mut pieces).unwrap();
                drop(pieces);
                assert_eq!(joined, expected, "{context}, in pieces");
            }
        }
    }
    assert!(
        findings > 100 && capped > 5,
        "{findings} findings, {capped} capped"
    );
}

#[test]
fn a_piece_never_cuts_a_character() {
    use std::io::Write;

    let text = "é€😀a".repeat(50);
    for size in 1..12 {
        let mut got = Vec::new();
        let mut pieces = smb_egress::render::Pieces::new(size, |piece: &str| {
            got.push(piece.to_owned());
            Ok(())
        });
        for byte in text.as_bytes() {
            pieces.write_all(std::slice::from_ref(byte)).unwrap();
        }
        pieces.flush().unwrap();
        drop(pieces);
        assert_eq!(got.concat(), text, "pieces of {size}");
        assert!(got.iter().all(|p| p.len() <= size + 3), "pieces of {size}");
    }
}
