//! The verdicts view: each SMB record with its profile's verdict, the same records under
//! both profiles, counts that agree with the report, and a cap that holds lines back.

use std::path::Path;

use serde_json::{Value, json};
use smb_egress::{Analyzer, Config, Options};

fn sample() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/office-network.log");
    std::fs::read(path).unwrap()
}

fn analyzer(options: Value, cap: Option<usize>) -> Analyzer {
    let mut config = Config::new(&Options::from_value(&options).unwrap()).unwrap();
    config.current_year = 2024;
    let mut analyzer = Analyzer::new(config);
    analyzer.collect_verdicts(cap);
    analyzer
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The verdict of each line under a profile, fed in chunks of `chunk` bytes.
fn verdicts(options: Value, chunk: usize) -> (Vec<Value>, smb_egress::Report) {
    let mut analyzer = analyzer(options, Some(1_000_000));
    let mut out = Vec::new();
    for piece in sample().chunks(chunk) {
        analyzer.push(piece);
        out.extend(lines(&analyzer.take_verdicts()));
    }
    analyzer.end_input();
    out.extend(lines(&analyzer.take_verdicts()));
    (out, analyzer.finish())
}

fn count(lines: &[Value], verdict: &str) -> u64 {
    lines.iter().filter(|l| l["verdict"] == verdict).count() as u64
}

#[test]
fn one_line_a_line_of_verdict_with_the_exclusion_as_reason() {
    let log = concat!(
        r#"{"ts":1709028000.5,"id.orig_h":"10.0.0.5","id.resp_h":"198.51.100.7","id.resp_p":445,"proto":"tcp"}"#,
        "\n",
        r#"{"ts":1709028001,"id.orig_h":"10.0.0.5","id.resp_h":"45.153.160.2","id.resp_p":445,"proto":"tcp"}"#,
        "\n",
        r#"{"ts":1709028002,"id.orig_h":"10.0.0.5","id.resp_h":"45.153.160.2","id.resp_p":443,"proto":"tcp"}"#,
        "\n",
        r#"{"ts":1709028003,"id.orig_h":"10.0.0.5","id.resp_h":"45.153.160.2","id.resp_p":445,"proto":"udp"}"#,
        "\n",
    );
    let cases = [
        (json!({}), ["excluded", "finding", "not_candidate"]),
        (
            json!({"profile": "escu"}),
            ["finding", "finding", "finding"],
        ),
    ];
    for (options, expected) in cases {
        let mut analyzer = analyzer(options, Some(10));
        analyzer.push(log.as_bytes());
        analyzer.end_input();
        let got = lines(&analyzer.take_verdicts());
        let verdicts: Vec<&str> = got.iter().map(|l| l["verdict"].as_str().unwrap()).collect();
        assert_eq!(verdicts, expected);
        assert_eq!(got[1]["src_ip"], "10.0.0.5");
        assert_eq!(got[1]["dest_ip"], "45.153.160.2");
        assert_eq!(got[1]["_time"], 1709028001.0);
    }
    let mut analyzer = analyzer(json!({}), Some(10));
    analyzer.push(log.as_bytes());
    let first = &lines(&analyzer.take_verdicts())[0];
    assert_eq!(first["reason"], "destination_not_global");
}

#[test]
fn both_profiles_give_lines_for_the_same_records_in_the_same_order() {
    let (default, report) = verdicts(json!({}), 4096);
    let (escu, escu_report) = verdicts(json!({"profile": "escu"}), 65536);
    assert_eq!(default.len(), escu.len());
    let key = |l: &Value| {
        (
            l["_time"].clone(),
            l["src_ip"].clone(),
            l["dest_ip"].clone(),
        )
    };
    assert!(default.iter().zip(&escu).all(|(d, e)| key(d) == key(e)));
    for (lines, report) in [(&default, &report), (&escu, &escu_report)] {
        assert_eq!(count(lines, "finding"), report.stats.finding_records);
        let excluded: u64 = report.stats.excluded.values().sum();
        assert_eq!(count(lines, "excluded"), excluded);
    }
}

#[test]
fn the_cap_holds_lines_back_and_counts_them() {
    let mut analyzer = analyzer(json!({}), Some(5));
    analyzer.push(&sample());
    analyzer.end_input();
    assert_eq!(lines(&analyzer.take_verdicts()).len(), 5);
    let candidates = analyzer.stats().candidates;
    assert!(analyzer.verdicts_dropped() >= candidates - 5);
    assert_eq!(analyzer.take_verdicts(), "");
}

#[test]
fn the_view_is_off_unless_asked_for() {
    let mut analyzer = analyzer(json!({}), None);
    analyzer.push(&sample());
    assert_eq!(analyzer.take_verdicts(), "");
    assert_eq!(analyzer.verdicts_dropped(), 0);
}
